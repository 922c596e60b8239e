"""Every kernel against its readable twin on small random inputs, plus bounds-checked runs."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core import rng
from sim.core.codes import DISPLACED, HOME
from sim.sahel.kernels import civilians as kc
from sim.sahel.kernels import fields as kf


def _civilian_inputs(seed: int, n: int = 400, w: int = 6, h: int = 5, n_bands: int = 3):
    g = np.random.default_rng(seed)
    n_cells = w * h
    cols = dict(
        cell=g.integers(0, n_cells, n).astype(np.int32),
        community=g.integers(0, 4, n).astype(np.int8),
        status=g.choice([HOME, HOME, HOME, DISPLACED], n).astype(np.int8),
        people=g.choice([0, 1, 7, 250, 1000, 40_000], n).astype(np.int32),
        hardship=g.random(n, dtype=np.float32), risk_aversion=g.random(n, dtype=np.float32),
        legitimacy=g.random(n, dtype=np.float32), sympathy=g.random(n, dtype=np.float32) * 0.5,
        harm=g.random(n, dtype=np.float32),
    )
    cols["home"] = g.integers(0, n_cells, n).astype(np.int32)
    cells = dict(
        legitimacy0=g.random(4), appeal=g.random((n_bands, 4)),
        troops_near=g.choice([0.0, 100.0, 2000.0], n_cells), fighters_near=g.choice([0.0, 50.0, 500.0], n_cells),
        harm_state=g.random((n_cells, 4)) * g.choice([0, 1], (n_cells, 4)),
        harm_ins=g.random((n_cells, 4)) * g.choice([0, 1], (n_cells, 4)),
        flee_hazard=g.random((n_cells, 4)) * 0.03, return_hazard=g.choice([0.0, 0.05], n_cells),
        extra_hardship=g.random(n_cells) * g.choice([0, 0.3], n_cells),
        t_displaced=g.integers(-400, 7, n).astype(np.int32), push=g.random(n_cells) * 0.2,
        fear=g.random(n_cells) * g.choice([0, 1], n_cells),
        refuge=g.integers(0, n_cells, (n_cells, 4)).astype(np.int32),
        recruiter=g.integers(-1, n_bands, n_cells).astype(np.int32),
    )
    params = np.zeros(kc.N_PARAMS)
    params[[kc.P_S, kc.P_BLAME_STATE, kc.P_BLAME_INS, kc.P_MEMORY_DECAY, kc.P_RECOVERY, kc.P_K, kc.P_T,
            kc.P_PULL, kc.P_JOIN, kc.P_DISPLACED_HARDSHIP, kc.P_SETTLE, kc.P_DT, kc.P_FEAR_RISK]] = \
        [1.0, 0.5, 0.5, 365.0, 0.001, 2.3, 0.1, 0.15, 0.05, 0.2, 730.0, 7.0, 0.1]
    return cols, cells, params


ORDER = ["cell", "home", "community", "status", "people", "hardship", "risk_aversion", "legitimacy", "sympathy",
         "harm"]
CELL_ORDER = ["legitimacy0", "appeal", "troops_near", "fighters_near", "harm_state", "harm_ins", "flee_hazard",
              "return_hazard", "extra_hardship", "t_displaced", "push", "fear", "refuge", "recruiter"]


def _update(fn, cols, cells, params, key, step=7):
    n = cols["cell"].size
    joined, moving = np.zeros(n, np.int32), np.zeros(n, np.int32)
    fn(n, *[cols[k] for k in ORDER], *[cells[k] for k in CELL_ORDER], params, key, step, joined, moving)
    return joined, moving


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("impl", ["njit", "py_func"])
def test_civilian_update_matches_its_twin(seed, impl):
    cols, cells, params = _civilian_inputs(seed)
    twin = {k: v.copy() for k, v in cols.items()}
    key = rng.stream_key(seed, "civilians")
    fn = kc.civilian_update if impl == "njit" else kc.civilian_update.py_func
    got = _update(fn, cols, cells, params, key)
    want = _update(kc.civilian_update_py, twin, cells, params, int(key))
    for k in ORDER:
        if impl == "py_func" and cols[k].dtype == np.float32:
            # run as plain Python, NumPy 2 keeps float32 scalar arithmetic in float32 where numba
            # promotes to float64: equal to within one float32 rounding
            np.testing.assert_allclose(cols[k], twin[k], rtol=3e-7, atol=1e-7, err_msg=k)
        elif impl == "py_func":
            # ... and a probability one rounding away can move a binomial draw of a large group
            # whose uniform sits on a boundary: the kernel's own code, run bounds-checked, agrees
            # on all but a handful of groups
            assert (cols[k] != twin[k]).sum() <= 2, k
        else:
            np.testing.assert_array_equal(cols[k], twin[k], err_msg=k)
    for a, b in zip(got, want, strict=True):
        if impl == "py_func":
            assert (a != b).sum() <= 2
        else:
            np.testing.assert_array_equal(a, b)
    # the inputs were rich enough to exercise every branch: people joined, fled and returned
    before = _civilian_inputs(seed)[0]
    joined, moving = want
    assert joined.sum() > 0 and (moving[before["status"] == HOME] > 0).any()
    assert (moving[before["status"] == DISPLACED] > 0).any()
    # joiners left their group's headcount, nobody else did (moves are applied later)
    np.testing.assert_array_equal(before["people"] - joined, twin["people"])
    assert (moving <= twin["people"]).all() and (joined >= 0).all()


def test_civilian_update_leaves_empty_rows_alone():
    cols, cells, params = _civilian_inputs(3)
    before = {k: v.copy() for k, v in cols.items()}
    joined, moving = _update(kc.civilian_update, cols, cells, params, rng.stream_key(3, "c"), 1)
    empty = before["people"] == 0
    assert empty.any()
    for k in ORDER:
        np.testing.assert_array_equal(cols[k][empty], before[k][empty], err_msg=k)
    assert (joined[empty] == 0).all() and (moving[empty] == 0).all()


def _moves_inputs(seed: int):
    cols, cells, params = _civilian_inputs(seed, n=300)
    n = cols["cell"].size
    g = np.random.default_rng(seed + 100)
    capacity = 2 * n
    full = {}
    for k, v in cols.items():
        arr = np.zeros(capacity, v.dtype)
        arr[:n] = v
        full[k] = arr
    full["t_displaced"] = np.full(capacity, -1, np.int32)
    full["sibling"] = np.full(capacity, -1, np.int32)
    full["people"][:n] = np.maximum(full["people"][:n], 1)
    moving = np.minimum(g.choice([0, 0, 1, 5, 10**6], n), full["people"][:n]).astype(np.int32)
    return n, full, cells["refuge"], moving


MOVE_ORDER = ["cell", "home", "community", "status", "people", "hardship", "risk_aversion", "legitimacy",
              "sympathy", "harm", "t_displaced", "sibling"]


def assert_move_columns_match(got: dict, want: dict, loose_float32: bool) -> None:
    """The moved columns agree: bit for bit, or float32 columns to rounding where one side is
    plain Python (its float64 arithmetic is stored back into float32)."""
    for k in MOVE_ORDER:
        if loose_float32 and got[k].dtype == np.float32:
            np.testing.assert_allclose(got[k], want[k], rtol=3e-7, atol=1e-7, err_msg=k)
        else:
            np.testing.assert_array_equal(got[k], want[k], err_msg=k)


@pytest.mark.parametrize("impl", ["njit", "py_func"])
def test_apply_moves_matches_its_twin_and_conserves_people(impl):
    n, cols, refuge, moving = _moves_inputs(4)
    n0, first_moves = n, moving.copy()
    twin = {k: v.copy() for k, v in cols.items()}
    before = {k: v.copy() for k, v in cols.items()}
    fn = kc.apply_moves if impl == "njit" else kc.apply_moves.py_func
    total = int(cols["people"].sum())
    # two rounds: the second finds the siblings the first created
    for step in (3, 10):
        m1 = fn(n, *[cols[k] for k in MOVE_ORDER], refuge, moving, step)
        m2 = kc.apply_moves_py(n, *[twin[k] for k in MOVE_ORDER], refuge, moving, step)
        assert m1 == m2
        assert_move_columns_match(cols, twin, impl == "py_func")
        assert int(cols["people"].sum()) == total
        n = m1
        moving = np.zeros(n, np.int32)
        moving[:n0] = np.minimum(first_moves, cols["people"][:n0])
    assert n > n0  # some groups split: the new rows are at the destination
    new = np.arange(n0, n)
    assert (twin["people"][new] > 0).all()
    fled = new[twin["status"][new] == DISPLACED]
    origin = twin["sibling"][fled]
    np.testing.assert_array_equal(twin["cell"][fled], refuge[before["cell"][origin], before["community"][origin]])
    assert (twin["hardship"][fled] == twin["hardship"][origin]).all()


def test_aggregate_cells_counts_people_and_indexes_each_cells_groups():
    cols, cells, params = _civilian_inputs(5)
    n, n_cells = cols["cell"].size, 30
    cell_country = (np.arange(n_cells) % 3).astype(np.int8)
    out = dict(people_cell=np.zeros(n_cells), people_by_comm=np.zeros((n_cells, 4)), tips=np.zeros(n_cells),
               sum_legit=np.zeros(4), sum_griev=np.zeros(4), n_alive=np.zeros(4), civilians_in=np.zeros(3),
               displaced_from=np.zeros(3), displaced_in=np.zeros(3), refugees_from=np.zeros(3),
               cell_start=np.zeros(n_cells + 1, np.int64), cell_rows=np.zeros(n, np.int32))
    kc.aggregate_cells(n, cols["cell"], cols["home"], cols["community"], cols["status"], cols["people"],
                       cols["legitimacy"], cols["sympathy"], cols["hardship"], cols["harm"], 1.0, cell_country,
                       np.zeros(n_cells, np.bool_), 0.0, rng.stream_key(1, "displacement"), 0, *out.values())
    heads = cols["people"].astype(float)
    np.testing.assert_array_equal(out["civilians_in"], np.bincount(cell_country[cols["cell"]], weights=heads,
                                                                   minlength=3))
    away = np.where(cols["status"] == DISPLACED, heads, 0.0)
    np.testing.assert_array_equal(out["displaced_from"], np.bincount(cell_country[cols["home"]], weights=away,
                                                                     minlength=3))
    np.testing.assert_array_equal(out["displaced_in"], np.bincount(cell_country[cols["cell"]], weights=away,
                                                                   minlength=3))
    across = cell_country[cols["cell"]] != cell_country[cols["home"]]
    np.testing.assert_array_equal(out["refugees_from"], np.bincount(cell_country[cols["home"]],
                                                                    weights=np.where(across, away, 0.0), minlength=3))
    np.testing.assert_array_equal(out["people_cell"], np.bincount(cols["cell"], weights=heads, minlength=n_cells))
    assert out["people_by_comm"].sum() == heads.sum() == out["n_alive"].sum()
    for c in range(n_cells):
        rows = out["cell_rows"][out["cell_start"][c]: out["cell_start"][c + 1]]
        np.testing.assert_array_equal(rows, np.flatnonzero((cols["cell"] == c) & (cols["people"] > 0)))


@pytest.mark.parametrize("n,p", [(0, 0.3), (5, 0.0), (5, 1.0), (1, 0.5), (10, 0.3), (1000, 0.01), (1000, 0.3),
                                 (4000, 0.9), (50, 0.999), (100_000, 0.2), (60, 0.6), (25, 0.4), (2000, 0.006)])
def test_binomial_matches_its_twin_and_the_binomial_law(n, p):
    from scipy import stats

    key = rng.stream_key(n + int(p * 1000), "binomial")
    seeds = [rng.counter_bits(key, 0, i, 1) for i in range(4000)]
    draws = np.array([rng.binomial(n, p, np.uint64(s)) for s in seeds])
    twin = np.array([rng.binomial_py(n, p, int(s)) for s in seeds])
    np.testing.assert_array_equal(draws, twin)
    assert ((draws >= 0) & (draws <= n)).all()
    if 0 < p < 1 and n > 0:
        # inversion (n p < 10) and rejection (BTRD) are exact: a chi-square test over central bins
        lo, hi = stats.binom.ppf([0.001, 0.999], n, p).astype(int)
        edges = np.arange(lo, hi + 2)
        observed = np.histogram(np.clip(draws, lo, hi), bins=edges)[0]
        expected = np.diff(np.concatenate([[0.0], stats.binom.cdf(edges[1:-1] - 1, n, p), [1.0]]))
        expected = np.histogram(np.arange(lo, hi + 1), bins=edges, weights=expected)[0] * draws.size
        keep = expected > 5
        chi = ((observed[keep] - expected[keep]) ** 2 / expected[keep]).sum()
        assert stats.chi2.sf(chi, keep.sum() - 1) > 1e-4
        assert abs(draws.mean() - n * p) < 5 * np.sqrt(n * p * (1 - p) / draws.size) + 1e-9
    else:
        assert (draws == (n if p >= 1 else 0)).all()


@pytest.mark.parametrize("radius", [0, 1, 3, 10])
def test_box_sum_matches_its_twin(radius):
    f = np.random.default_rng(radius).random((13, 9))
    a, b = np.zeros_like(f), np.zeros_like(f)
    kf.box_sum(f, radius, a)
    kf.box_sum_py(f, radius, b)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    kf.box_sum.py_func(f, radius, a)  # bounds-checked plain-Python run of the kernel's own code
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_update_control_matches_its_twin():
    g = np.random.default_rng(4)
    c = g.uniform(-1, 1, (8, 7))
    t, f = g.choice([0.0, 300.0], (8, 7)), g.choice([0.0, 200.0], (8, 7))
    a, b = c.copy(), c.copy()
    kf.update_control(a, t, f, 0.5, 0.02, 500.0)
    kf.update_control_py(b, t, f, 0.5, 0.02, 500.0)
    np.testing.assert_allclose(a, b, rtol=1e-12)
    assert (np.abs(a) <= 1).all()


def test_harm_units_matches_its_dense_twin():
    g = np.random.default_rng(6)
    w, h = 9, 7
    acc = g.choice([0.0, 0.0, 0.0, 1.0, 5.0], (w * h, 4))
    acc[:w * h // 2] = 0.0  # harm is sparse: a quiet half
    by_comm = g.choice([0.0, 40.0, 1000.0], (w * h, 4))
    people = by_comm.sum(axis=1).reshape(w, h)
    a, b = np.zeros_like(acc), np.zeros_like(acc)
    kf.harm_units(acc, by_comm, people, 2.0, a)
    kf.harm_units_py(acc, by_comm, people, 2.0, b)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    assert (a[acc.sum(axis=1) > 0] > 0).all() and (a > 0).sum() > (acc > 0).sum()  # direct and spilled


def test_counter_uniform_matches_its_twin_and_is_uniform():
    key = rng.stream_key(7, "test")
    draws = np.array([rng.counter_uniform(key, s, i, p) for s in range(20) for i in range(50) for p in range(2)])
    twin = np.array([rng.counter_uniform_py(int(key), s, i, p) for s in range(20) for i in range(50) for p in range(2)])
    np.testing.assert_array_equal(draws, twin)
    assert ((draws >= 0) & (draws < 1)).all()
    assert abs(draws.mean() - 0.5) < 0.03 and abs(draws.var() - 1 / 12) < 0.01


def test_counter_bits_splitmix_words_and_below_match_their_twins_and_are_uniform():
    key = rng.stream_key(7, "test")
    bits = [rng.counter_bits(key, s, i, 3) for s in range(5) for i in range(40)]
    assert [int(b) for b in bits] == [rng.counter_bits_py(int(key), s, i, 3) for s in range(5) for i in range(40)]
    words = [rng.splitmix_word(bits[0], k) for k in range(1, 2001)]
    assert [int(w) for w in words] == [rng.splitmix_word_py(int(bits[0]), k) for k in range(1, 2001)]
    picks = [int(rng.below(np.uint64(int(w) & 0xFFFFFFFF), 113)) for w in words]
    assert picks == [rng.below_py(int(w) & 0xFFFFFFFF, 113) for w in words]
    assert min(picks) >= 0 and max(picks) < 113
    from scipy import stats

    assert stats.chisquare(np.bincount(picks, minlength=113)).pvalue > 1e-3
    # the float draw is the top 53 bits of the same counter bits
    assert rng.counter_uniform(key, 2, 9, 3) == (int(rng.counter_bits(key, 2, 9, 3)) >> 11) / 2.0**53


@pytest.mark.parametrize("radius", [0, 2, 5])
def test_strongest_band_matches_its_twin(radius):
    g = np.random.default_rng(radius)
    w, h, n = 11, 8, 12
    n_table = 40  # bands in the table; n of them have fighters
    bands = np.sort(g.choice(n_table, n, replace=False)).astype(np.int64)
    cells_of = g.integers(0, w * h, n_table)
    fighters_of = np.zeros(n_table)
    fighters_of[bands] = g.choice([10.0, 25.0, 40.0, 80.0], n)  # ties: the first band in order keeps the cell
    cells, fighters = cells_of[bands], fighters_of[bands]
    out = []
    for fn in (kf.strongest_band, kf.strongest_band.py_func, kf.strongest_band_py):
        rec = np.full((w, h), -1, np.int32)
        fn(bands, cells_of, fighters_of, radius, rec)
        out.append(rec)
    for rec in out[1:]:
        np.testing.assert_array_equal(rec, out[0])
    rec = out[0]
    for x, y in ((0, 0), (w - 1, h - 1), (w // 2, h // 2)):  # brute force: the strongest within reach, first on ties
        near = [i for i in range(n) if max(abs(cells[i] // h - x), abs(cells[i] % h - y)) <= radius]
        want = max(near, key=lambda i: (fighters[i], -i)) if near else None
        assert rec[x, y] == (bands[want] if near else -1)
