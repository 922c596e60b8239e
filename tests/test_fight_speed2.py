"""The band-turn kernels against their twins (their ``py_func`` on numpy Generators) and against
the per-band Python turn they replace: the same draws, the same stream state, the same bits."""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim
from sim.core.jit import kernel
from sim.core.rng import roulette
from sim.sahel.engagement import town_links
from sim.sahel.kernels import fight as kb
from sim.sahel.kernels.draws import bounded, stream_handle, uniform
from sim.world.build import build_world

H, WD, N_FAC = 9, 11, 3


def _inputs(seed: int, n: int = 60, frontier: bool = False):
    g = np.random.default_rng(seed)
    return dict(
        fdist=g.integers(0, 12, (N_FAC, H * WD)).astype(np.int64), frange=3 if frontier else -1,
        fighters=g.choice([0.0, 3.0, 40.0, 250.0, 700.0], n), faction=g.integers(0, N_FAC, n).astype(np.int8),
        cell=g.integers(0, H * WD, n).astype(np.int32), t_disrupted=g.integers(-1, 20, n).astype(np.int32),
        rel_operate=g.random(n), leaders=g.integers(0, 3, n).astype(np.int16),
        t_leader_due=g.integers(-1, 20, n).astype(np.int32),
        p_operate=g.random(N_FAC) * 0.3, leaders_per_band=np.array([2, 1, 3], np.int64),
        dur=np.array([5, 0, 60], np.int64), home=np.array([2, 0, 40], np.int64),
        heart_x=g.integers(0, WD, N_FAC), heart_y=g.integers(0, H, N_FAC),
        people=g.choice([0.0, 1.0, 17.0, 2500.0, 1.5e6], H * WD) + g.integers(0, 3, H * WD),
        troops_near=g.choice([0.0, 0.0, 150.0, 3000.0], H * WD),
    )


def _day(fn_turns, fn_settle, rng, x, steps, speed, max_band=600.0):
    """One day of band turns with the kernels; an operating band only draws one number here."""
    n = x["fighters"].size
    stream = stream_handle(rng) if fn_turns is kb.band_turns else rng
    cand, noise, pending = np.empty((n, kb.N_CAND), np.int64), np.empty((n, kb.N_CAND)), np.empty(n, np.int64)
    start, resume, stops = 0, False, []
    while True:
        k, band, why = fn_turns(stream, start, resume, n, x["fighters"], x["faction"], x["cell"], x["t_disrupted"],
                                x["rel_operate"], x["leaders"], x["t_leader_due"], x["p_operate"],
                                x["leaders_per_band"], x["dur"], steps, speed, max_band, H, WD, cand, noise, pending)
        if k:
            fn_settle(k, pending, cand, noise, np.log1p(x["people"][cand[:k].ravel()]), x["troops_near"],
                      x["fighters"], x["faction"], x["heart_x"], x["heart_y"], x["home"], x["fdist"], x["frange"], H, x["cell"])
        stops.append((band, why))
        if why == kb.OPERATE:
            x["people"][x["cell"][band]] += rng.random()  # stands in for the operation: its draw, its harm
            start, resume = band, True
        elif why == kb.SPLIT:
            x["fighters"][band] /= 2
            start, resume = band + 1, False
        else:
            return stops


def _legacy_day(rng, x, steps, speed, max_band=600.0):
    """The per-band turn as it was (bands.py before the kernels), with the same stand-ins."""
    stops = []
    for band in range(x["fighters"].size):
        if x["fighters"][band] <= 0:
            continue
        f = x["faction"][band]
        disrupted = x["t_disrupted"][band] > steps
        if rng.random() < x["p_operate"][f] * (0.33 if disrupted else 1.0) * x["rel_operate"][band]:
            stops.append((band, kb.OPERATE))
            x["people"][x["cell"][band]] += rng.random()
        if speed:
            here = int(x["cell"][band])
            hx, hy = x["heart_x"][f], x["heart_y"][f]
            px, py = divmod(here, H)
            d = rng.integers(-speed, speed + 1, 12).tolist()
            cells = [here] + [min(max(px + i, 0), WD - 1) * H + min(max(py + j, 0), H - 1)
                              for i, j in zip(d[:6], d[6:], strict=True)]
            at = np.array(cells)
            log_people = np.log1p(x["people"][at]).tolist()
            troops = x["troops_near"][at].tolist()
            noise = rng.random(len(cells)).tolist()
            f1 = float(x["fighters"][band]) + 1.0
            best, k = -math.inf, 0
            for j, c in enumerate(cells):
                beyond = max(max(abs(c // H - hx), abs(c % H - hy)) - x["home"][f], 0)
                if x["frange"] >= 0:  # the frontier (sim/sahel/frontier.py)
                    beyond = max(beyond, x["fdist"][f, c] - x["frange"])
                score = 0.2 * log_people[j] - troops[j] / f1 - 0.1 * beyond + 0.1 * noise[j]
                if score > best or j == 0:
                    best, k = score, j
            x["cell"][band] = cells[k]
        lpb, dur = x["leaders_per_band"][f], x["dur"][f]
        if x["leaders"][band] < lpb and steps >= x["t_leader_due"][band] >= 0:
            x["leaders"][band] += 1
            x["t_leader_due"][band] = steps + dur if x["leaders"][band] < lpb else -1
        if x["leaders"][band] == 0 and x["t_leader_due"][band] < 0:
            x["t_leader_due"][band] = steps + dur
        if x["fighters"][band] > max_band and x["leaders"][band] >= 1:
            stops.append((band, kb.SPLIT))
            x["fighters"][band] /= 2
    return stops


KERNELS = {"njit": (kb.band_turns, kb.settle_moves), "py": (kb.band_turns_py, kb.settle_moves.py_func)}


@pytest.mark.parametrize("frontier", [False, True])
@pytest.mark.parametrize("impl", ["njit", "py"])
@pytest.mark.parametrize("speed", [0, 1, 3, 7])
@pytest.mark.parametrize("seed", range(6))
def test_band_turns_match_the_per_band_turn(seed, speed, impl, frontier):
    x, y = _inputs(seed, frontier=frontier), _inputs(seed, frontier=frontier)
    a, b = np.random.default_rng(seed + 100), np.random.default_rng(seed + 100)
    for steps in range(25):
        stops = _day(*KERNELS[impl], a, x, steps, speed)
        legacy = _legacy_day(b, y, steps, speed)
        assert [s for s in stops if s[1] != kb.DONE] == legacy
        for key in x:
            np.testing.assert_array_equal(x[key], y[key], err_msg=key)
        assert a.bit_generator.state == b.bit_generator.state  # the 32-bit half-word buffer included
        assert a.random() == b.random()


@kernel
def _draws(stream, lows, highs, out_int, out_uniform):
    for k in range(lows.size):
        out_int[k] = bounded(stream, lows[k], highs[k])
        out_uniform[k] = uniform(stream)


@pytest.mark.parametrize("seed", range(40))
def test_kernel_draws_are_numpys_draws(seed):
    # bounded and uniform on the stream itself, interleaved with numpy's own calls on it.
    a, b = np.random.default_rng(seed), np.random.default_rng(seed)
    g = np.random.default_rng(seed + 1000)
    lows = g.integers(-5, 5, 50)
    highs = lows + g.choice([1, 2, 3, 7, 13, 2**31 + 1, 2**32 - 1, 2**32], 50)  # 2**31 + 1 rejects often
    got_int, got_uniform = np.zeros(50, np.int64), np.zeros(50)
    for _ in range(4):
        _draws(stream_handle(b), lows, highs, got_int, got_uniform)
        want = [(int(a.integers(lo, hi)), a.random()) for lo, hi in zip(lows.tolist(), highs.tolist(), strict=True)]
        assert list(zip(got_int.tolist(), got_uniform.tolist(), strict=True)) == want
        assert a.bit_generator.state == b.bit_generator.state  # the 32-bit half-word buffer included
        assert a.integers(-3, 4, 12).tolist() == b.integers(-3, 4, 12).tolist()
        assert a.random(7).tolist() == b.random(7).tolist()


@pytest.mark.parametrize("speed", [1, 2, 3, 20, 2**30])
def test_band_turns_draw_what_their_twin_draws(speed):
    for seed in range(30):
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        x = _inputs(seed, n=8)
        x["fighters"][:] = 10.0
        x["p_operate"][:] = 0.0
        for steps in range(10):
            out = []
            for fn, rng in ((kb.band_turns, stream_handle(a)), (kb.band_turns_py, b)):
                cand, noise = np.zeros((8, kb.N_CAND), np.int64), np.zeros((8, kb.N_CAND))
                fn(rng, 0, False, 8, x["fighters"], x["faction"], x["cell"].copy(), x["t_disrupted"],
                   x["rel_operate"], x["leaders"].copy(), x["t_leader_due"].copy(), x["p_operate"],
                   x["leaders_per_band"], x["dur"], steps, speed, 1e9, H, WD, cand, noise, np.zeros(8, np.int64))
                out.append((cand, noise))
            np.testing.assert_array_equal(out[0][0], out[1][0])
            np.testing.assert_array_equal(out[0][1], out[1][1])
            assert a.bit_generator.state == b.bit_generator.state


def test_numpy_log1p_of_a_gather_is_elementwise():
    # The moves of many bands take numpy's log1p in one call; each value is the one a 7-cell call gives.
    g = np.random.default_rng(5)
    people = np.concatenate([np.arange(0.0, 20_000.0), g.integers(0, 3_000_000, 20_000).astype(float),
                             g.random(5_000) * 1e5])
    at = g.integers(0, people.size, (3_001, kb.N_CAND))
    whole = np.log1p(people[at.ravel()])
    for k in range(at.shape[0]):
        assert whole[k * kb.N_CAND:(k + 1) * kb.N_CAND].tolist() == np.log1p(people[at[k]]).tolist()


def test_roulette_draws_what_rng_choice_draws():
    g = np.random.default_rng(3)
    for seed in range(300):
        weights = g.choice([0.0, 0.2, 0.3, 1e-9, 0.8, 0.25], 1 + seed % 9) * g.random()
        weights[0] = 0.3  # not all zero
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        assert roulette(b, weights) == a.choice(len(weights), p=weights / weights.sum())
        assert a.random() == b.random()
    with pytest.raises(ValueError), np.errstate(invalid="ignore"):  # what rng.choice says of no distribution
        roulette(np.random.default_rng(0), np.array([0.0, 0.0]))


def test_town_links_are_the_arteries_of_each_town():
    world = build_world(sim.load_config([]).map, np.random.default_rng(0))
    a = world.arteries
    links = town_links(world)
    assert town_links(world) is links  # built once
    for t in range(len(world.towns)):
        edges = np.flatnonzero((a.town_a == t) | (a.town_b == t))
        assert [e for e, _ in links[t]] == edges.tolist()
        assert [o for _, o in links[t]] == [int(a.town_b[e] if a.town_a[e] == t else a.town_a[e]) for e in edges]


@pytest.mark.parametrize("impl", ["njit", "py"])
def test_cut_arteries_matches_its_twin(impl):
    g = np.random.default_rng(11)
    for _ in range(50):
        lengths = g.integers(0, 6, 12)
        ptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
        xy = np.stack([g.integers(0, WD, ptr[-1]), g.integers(0, H, ptr[-1])], axis=1).astype(np.int32)
        status = g.choice([0.0, 1.0, 2.0], H * WD, p=[0.6, 0.3, 0.1])
        got, want = np.zeros(12, np.bool_), np.ones(12, np.bool_)
        (kb.cut_arteries if impl == "njit" else kb.cut_arteries.py_func)(status, xy, ptr, H, got)
        kb.cut_arteries_py(status, xy, ptr, H, want)
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("impl", ["njit", "py_func"])
def test_operation_options_match_their_twin(impl):
    g = np.random.default_rng(17)
    fn = kb.operation_options if impl == "njit" else kb.operation_options.py_func
    for _ in range(200):
        n_units, n_towns = int(g.integers(0, 30)), int(g.integers(0, 12))
        args = (int(g.integers(0, WD)), int(g.integers(0, H)), float(g.choice([1.0, 37.0, 500.0])), int(g.integers(0, 6)),
                H, g.integers(0, H * WD, n_units).astype(np.int32), g.random(n_units) < 0.8,
                g.choice([0.0, 12.0, 300.0], n_units), g.random(n_units) < 0.5, g.integers(0, WD, n_towns).astype(np.int32),
                g.integers(0, H, n_towns).astype(np.int32), g.random(n_towns) < 0.7, g.choice([0.0, 0.5], n_towns), 0.44)
        size = n_units + 2 * n_towns
        got = [np.full(size, -9, np.int64), np.full(size, -9.0), np.full(size, -9, np.int64)]
        want = [a.copy() for a in got]
        assert fn(*args, *got) == kb.operation_options_py(*args, *want)
        for a, b in zip(got, want, strict=True):
            np.testing.assert_array_equal(a, b)
