"""Kernels of the perceive, control and record phases against their readable twins, and against
the numpy code they replaced (bit for bit, on random inputs)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.sahel.kernels import fields as kf

STATE_ZONE, INSURGENT_ZONE = 1.0 / 3.0, -1.0 / 3.0


def _zone_inputs(seed: int, n_cells: int = 900, n_groups: int = 3):
    g = np.random.default_rng(seed)
    control = g.uniform(-1, 1, n_cells)
    control[g.random(n_cells) < 0.1] = STATE_ZONE  # on the thresholds
    control[g.random(n_cells) < 0.1] = INSURGENT_ZONE
    people = g.choice([0.0, 1.0, 37.0, 5_000.0, 2.5e6], n_cells)  # whole people
    country = np.repeat(g.integers(0, n_groups + 1, n_cells // 6), 6)  # in runs; n_groups is not a core country
    country[g.random(country.size) < 0.2] = n_groups
    starts, stops, ptr = [], [], [0]
    for i in range(n_groups):  # runs of consecutive cells, as CountryCells builds them
        cells = np.flatnonzero(country == i)
        breaks = np.flatnonzero(np.diff(cells) != 1) + 1
        starts += cells[np.concatenate([[0], breaks])].tolist() if cells.size else []
        stops += (cells[np.concatenate([breaks - 1, [cells.size - 1]])] + 1).tolist() if cells.size else []
        ptr.append(len(starts))
    return control[: country.size], people[: country.size], np.array(starts), np.array(stops), np.array(ptr), country


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("impl", ["njit", "py_func"])
def test_zone_sums_matches_its_twin_and_the_masked_sums(seed, impl):
    control, people, starts, stops, ptr, country = _zone_inputs(seed)
    fn = kf.zone_sums if impl == "njit" else kf.zone_sums.py_func
    out, twin = np.full((ptr.size, 6), np.nan), np.full((ptr.size, 6), np.nan)
    fn(control, people, starts, stops, ptr, STATE_ZONE, INSURGENT_ZONE, out)
    kf.zone_sums_py(control, people, starts, stops, ptr, STATE_ZONE, INSURGENT_ZONE, twin)
    assert np.array_equal(out, twin)
    for g in range(ptr.size):  # the shares as record computed them before (numpy masks, per country)
        at = np.flatnonzero(country < ptr.size - 1) if g == 0 else np.flatnonzero(country == g - 1)
        p, z = people[at], control[at]
        z_state, z_ins = z >= STATE_ZONE, z <= INSURGENT_ZONE
        p_tot = max(p.sum(), 1.0)
        assert p[z_state].sum() / p_tot == out[g, 1] / max(out[g, 0], 1.0)
        assert p[z_ins].sum() / p_tot == out[g, 2] / max(out[g, 0], 1.0)
        assert p[~z_state & ~z_ins].sum() / p_tot == out[g, 3] / max(out[g, 0], 1.0)
        assert float((~z_state).mean()) == out[g, 4] / out[g, 5]


def _full_table_box_sum(field, radius, out):
    """The box sum over the full summed-area table (the kernel before it skipped empty rows)."""
    w, h = field.shape
    sat = np.zeros((w + 1, h + 1))
    for x in range(w):
        row = 0.0
        for y in range(h):
            row += field[x, y]
            sat[x + 1, y + 1] = sat[x, y + 1] + row
    for x in range(w):
        x0, x1 = max(x - radius, 0), min(x + radius + 1, w)
        for y in range(h):
            y0, y1 = max(y - radius, 0), min(y + radius + 1, h)
            v = sat[x1, y1] - sat[x0, y1] - sat[x1, y0] + sat[x0, y0]
            out[x, y] = v if v > 1e-6 else 0.0


@pytest.mark.parametrize("seed", range(6))
def test_box_sum_on_sparse_fields_has_the_bits_of_the_full_table(seed):
    g = np.random.default_rng(seed)
    for _ in range(20):
        w, h = g.integers(1, 30, 2)
        field = np.zeros((w, h))
        k = int(g.integers(0, field.size + 1)) if g.random() < 0.3 else int(g.integers(0, 6))
        field.reshape(-1)[g.integers(0, field.size, k)] = g.random(k) * g.choice([1e-3, 1.0, 1e4, 1e9])
        radius = int(g.integers(0, 6))
        want = np.full_like(field, 7.0)
        _full_table_box_sum(field, radius, want)
        for fn in (kf.box_sum, kf.box_sum.py_func):
            got = np.full_like(field, 9.0)
            fn(field, radius, got)
            assert np.array_equal(got, want) and not np.signbit(got).any()


def _artery_inputs(seed: int, w: int = 9, h: int = 7, n_art: int = 6, n_towns: int = 5):
    g = np.random.default_rng(seed)
    status = g.choice([0, 0, 1, 2], w * h).astype(np.int8)
    last_attack = g.integers(-50, 40, w * h)
    fighters_near = g.choice([0.0, 0.0, 30.0], w * h)
    lengths = g.integers(1, 6, n_art)
    ptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    cell_xy = np.stack([g.integers(0, w, ptr[-1]), g.integers(0, h, ptr[-1])], axis=1).astype(np.int32)
    town_a, town_b = g.integers(0, n_towns, n_art).astype(np.int32), g.integers(0, n_towns, n_art).astype(np.int32)
    supplies = g.choice([0.0, 0.5, 40.0, 88.5, 90.0], n_towns)
    return status, last_attack, fighters_near, cell_xy, ptr, town_a, town_b, supplies


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("impl", ["njit", "py_func"])
def test_artery_and_town_kernels_match_their_twins(seed, impl):
    status, last_attack, fighters_near, cell_xy, ptr, town_a, town_b, supplies = _artery_inputs(seed)
    h, n_art, n_towns = 7, ptr.size - 1, supplies.size
    results = []
    for fn, towns in ((getattr(kf.reopen_arteries, impl, kf.reopen_arteries), getattr(kf.town_supplies, impl, kf.town_supplies)),
                      (kf.reopen_arteries_py, kf.town_supplies_py)):
        st, cut = status.copy(), np.ones(n_art, np.bool_)
        fn(st, np.flatnonzero(st), last_attack, fighters_near, 40, 30, cell_xy, ptr, h, cut)
        sup, blockaded, share = supplies.copy(), np.zeros(n_towns, np.bool_), np.full(n_towns, np.nan)
        towns(town_a, town_b, cut, sup, 90.0, blockaded, share)
        results.append((st, cut, sup, blockaded, share))
    for got, want in zip(*results, strict=True):
        assert np.array_equal(got, want)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("impl", ["njit", "py_func"])
def test_detection_kernels_match_their_twins_and_the_numpy_code(seed, impl):
    from sim.sahel.kernels import detection as kd

    g = np.random.default_rng(seed)
    n_cells, n, n_countries = 50, 40, 4
    cells = g.integers(0, n_cells, n)
    country = g.integers(0, n_countries, n_cells).astype(np.int8)
    people = g.choice([0.0, 1.0, 250.0, 30_000.0], n_cells)
    tips = np.floor(people * g.random(n_cells))
    control = g.uniform(-1, 1, n_cells)
    troops_near = g.choice([0.0, 0.0, 12.5, 3_000.0], n_cells)
    surv, intel = g.random(n_countries), g.choice([0.0, 0.4], n_countries)
    leak = g.choice([0.0, 0.3], n_countries)
    faction, rel_leader = g.integers(0, 3, n).astype(np.int8), g.random(3)
    fighters, leaders = g.choice([0.0, 5.0, 80.0], n), g.integers(0, 3, n)
    u1, u2, u3 = g.random(n), g.random(n), g.random(n)
    scalars = (0.3, 100.0, 0.05)
    hazard_fn = kd.ground_hazard if impl == "njit" else kd.ground_hazard.py_func
    sight_fn = kd.sightings if impl == "njit" else kd.sightings.py_func
    out = []
    for hz, sight in ((hazard_fn, sight_fn), (kd.ground_hazard_py, kd.sightings_py)):
        hazard, intel_b, leak_b = np.empty(n), np.empty(n), np.empty(n)
        hz(cells, country, people, tips, control, troops_near, surv, intel, leak, *scalars, hazard, intel_b, leak_b)
        detected, leader_detected = np.empty(n, np.bool_), np.empty(n, np.bool_)
        p = 1 - np.exp(-hazard)
        sight(p, u1, u2, u3, intel_b, leak_b, rel_leader, faction, fighters, leaders, detected, leader_detected)
        out.append((hazard, intel_b, leak_b, detected, leader_detected))
    # the numpy code of the perceive phase before the kernels
    k = country[cells]
    tip_share = tips[cells] / np.maximum(people[cells], 1.0) * scalars[0] * np.clip(control[cells], 0, 1)
    presence = troops_near[cells] / scalars[1]
    hazard = scalars[2] * (surv[k] * presence + intel[k] + tip_share)
    hazard = np.where(troops_near[cells] > 0, hazard, 0.0)
    p = 1 - np.exp(-hazard)
    warned = (intel[k] > 0) & (u3 < leak[k])
    detected = (u1 < p) & ~warned & (fighters > 0)
    leader_detected = detected & (u2 < p * rel_leader[faction]) & (leaders > 0)
    out.append((hazard, intel[k], leak[k], detected, leader_detected))
    for a, b in zip(out[0], out[1], strict=True):
        assert np.array_equal(a, b)
    for a, b in zip(out[0], out[2], strict=True):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("impl", ["njit", "py_func"])
def test_harm_kernels_match_their_twins(seed, impl):
    from sim.core.codes import DISPLACED, HOME
    from sim.sahel.kernels import harm as kh

    g = np.random.default_rng(seed)
    n, n_cells, n_countries = 60, 20, 4
    community = g.integers(0, 3, n).astype(np.int8)
    people = g.choice([0, 1, 7, 300], n).astype(np.int32)
    status = g.choice([HOME, DISPLACED], n).astype(np.int8)
    home = g.integers(0, n_cells, n).astype(np.int32)
    country = g.integers(0, n_countries, n_cells).astype(np.int8)
    rows = g.permutation(n)[:40].astype(np.int32)
    groups_fn = kh.groups_of if impl == "njit" else kh.groups_of.py_func
    take_fn = kh.take_deaths if impl == "njit" else kh.take_deaths.py_func
    for k in range(3):
        mine = groups_fn(rows, community, people, k)
        assert np.array_equal(mine, kh.groups_of_py(rows, community, people, k))
        taken = np.minimum(g.integers(0, 5, mine.size), people[mine]).astype(np.int64)
        out = []
        for fn in (take_fn, kh.take_deaths_py):
            stocks = [g.integers(1000, 2000, n_countries).astype(np.float64) for _ in range(3)]
            stocks = [s.copy() for s in stocks] if not out else [s.copy() for s in out[0][1]]
            before = [s.copy() for s in stocks]
            p = people.copy()
            fn(mine, taken, 2, p, status, home, country, *stocks)
            out.append((p, before, stocks))
        assert np.array_equal(out[0][0], out[1][0])
        for a, b in zip(out[0][2], out[1][2], strict=True):
            assert np.array_equal(a, b)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("impl", ["njit", "py_func"])
def test_band_evidence_matches_its_twin_and_the_rule(seed, impl):
    import math

    from sim.rules.levers import pattern_of_life
    from sim.sahel.kernels import detection as kd

    g = np.random.default_rng(seed)
    n = 50
    evidence0 = g.random(n) * g.choice([0.0, 1.0, 3.0], n)
    threshold = g.exponential(1.0, n)
    warned = g.random(n) < 0.2
    rel_leader, faction = g.random(3), g.integers(0, 3, n).astype(np.int8)
    hazard = g.random(n) * g.choice([0.0, 1.0], n)
    boost = 1.0 + g.choice([0.0, 0.5], n)
    leaders, fighters = g.integers(0, 3, n), g.choice([0.0, 4.0], n)
    decay = math.exp(-1.0 / 60.0)
    fn = kd.band_evidence if impl == "njit" else kd.band_evidence.py_func
    out = []
    for f in (fn, kd.band_evidence_py):
        ev, located = evidence0.copy(), np.empty(n, np.bool_)
        f(ev, threshold, warned, rel_leader, faction, hazard, boost, decay, leaders, fighters, located)
        out.append((ev, located))
    ev = evidence0.copy()  # the rule as pattern_of_life called it before the kernel
    ev[warned] = 0.0
    located = pattern_of_life(ev, rel_leader[faction] * hazard * boost, 60.0, threshold)
    out.append((ev, located & (leaders > 0) & (fighters > 0)))
    for got in out[1:]:
        assert np.array_equal(out[0][0], got[0]) and np.array_equal(out[0][1], got[1])


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("impl", ["njit", "py_func"])
def test_scatter_and_box_sum_at_match_bincount_and_box_sum(seed, impl):
    g = np.random.default_rng(seed)
    w, h = 23, 17
    for _ in range(10):
        k = int(g.integers(0, 40))
        cells = g.integers(0, w * h, k)
        weights = g.random(k) * g.choice([0.0, 1.0, 350.5], k)
        field = np.full(w * h, 5.0)
        (kf.scatter_add if impl == "njit" else kf.scatter_add.py_func)(field, cells, weights)
        assert np.array_equal(field, np.bincount(cells, weights=weights, minlength=w * h))
        radius = int(g.integers(0, 5))
        want, got = np.full((w, h), 7.0), np.full((w, h), 9.0)
        kf.box_sum(field.reshape(w, h), radius, want)
        (kf.box_sum_at if impl == "njit" else kf.box_sum_at.py_func)(field.reshape(w, h), cells, radius, got)
        assert np.array_equal(got, want)
        _full_table_box_sum(field.reshape(w, h), radius, want)
        assert np.array_equal(got, want)
