"""Third round of civilian-phase speed work: the civilian kernel lists the rows with joiners and
movers, the moves are applied at those rows only, and the same bits come out as before."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from sim.core import rng
from sim.sahel.kernels import civilians as kc
from tests.test_kernels import (
    CELL_ORDER,
    MOVE_ORDER,
    ORDER,
    _civilian_inputs,
    _moves_inputs,
    assert_move_columns_match,
)


def _update_rows(fn, cols, cells, params, key, step=7):
    n = cols["cell"].size
    joined, moving = np.zeros(n, np.int32), np.zeros(n, np.int32)
    joined_rows, moving_rows = np.full(n, -5, np.int64), np.full(n, -5, np.int64)
    nj, nm = fn(n, *[cols[k] for k in ORDER], *[cells[k] for k in CELL_ORDER], params, key, step, joined, moving,
                joined_rows, moving_rows)
    return joined, moving, joined_rows[:nj], moving_rows[:nm]


@pytest.mark.parametrize("seed", [0, 1])
def test_civilian_update_rows_matches_civilian_update_and_lists_its_rows(seed):
    # more rows than three blocks, so the blocks' lists are joined up
    cols, cells, params = _civilian_inputs(seed, n=3 * kc.CHUNK + 123)
    cells["flee_hazard"] = cells["flee_hazard"] * 10  # movers in every block
    plain = {k: v.copy() for k, v in cols.items()}
    key = rng.stream_key(seed, "civilians")
    joined, moving, joined_rows, moving_rows = _update_rows(kc.civilian_update_rows, cols, cells, params, key)
    n = plain["cell"].size
    j0, m0 = np.zeros(n, np.int32), np.zeros(n, np.int32)
    kc.civilian_update(n, *[plain[k] for k in ORDER], *[cells[k] for k in CELL_ORDER], params, key, 7, j0, m0)
    for k in ORDER:
        assert cols[k].tobytes() == plain[k].tobytes(), k
    np.testing.assert_array_equal(joined, j0)
    np.testing.assert_array_equal(moving, m0)
    assert joined_rows.tolist() == np.flatnonzero(joined).tolist() and joined_rows.size > 0
    assert moving_rows.tolist() == np.flatnonzero(moving).tolist()
    assert len({r // kc.CHUNK for r in moving_rows.tolist()}) == 4


def test_civilian_update_rows_matches_its_twin():
    cols, cells, params = _civilian_inputs(2)
    twin = {k: v.copy() for k, v in cols.items()}
    key = rng.stream_key(2, "civilians")
    got = _update_rows(kc.civilian_update_rows, cols, cells, params, key)
    want = _update_rows(kc.civilian_update_rows_py, twin, cells, params, int(key))
    for k in ORDER:
        np.testing.assert_array_equal(cols[k], twin[k], err_msg=k)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)
    assert got[2].size > 0 and got[3].size > 0


def test_civilian_update_rows_same_on_one_and_two_threads():
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("one thread only")
    outs = []
    for threads in (1, 2):
        cols, cells, params = _civilian_inputs(4, n=2 * kc.CHUNK + 7)
        numba.set_num_threads(threads)
        try:
            outs.append((cols, _update_rows(kc.civilian_update_rows, cols, cells, params, rng.stream_key(4, "c"))))
        finally:
            numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    (c1, r1), (c2, r2) = outs
    for k in ORDER:
        assert c1[k].tobytes() == c2[k].tobytes(), k
    for a, b in zip(r1, r2, strict=True):
        assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("impl", ["njit", "twin"])
def test_apply_moves_at_the_listed_rows_equals_apply_moves(impl):
    n, cols, refuge, moving = _moves_inputs(5)
    ref = {k: v.copy() for k, v in cols.items()}
    fn = kc.apply_moves_at if impl == "njit" else kc.apply_moves_at_py
    for step in (3, 10):  # the second round finds the siblings the first created
        rows = np.flatnonzero(moving)
        m1 = fn(n, rows, *[cols[k] for k in MOVE_ORDER], refuge, moving, step)
        m2 = kc.apply_moves(n, *[ref[k] for k in MOVE_ORDER], refuge, moving, step)
        assert m1 == m2
        assert_move_columns_match(cols, ref, impl == "twin")
        moving = np.zeros(m1, np.int32)
        moving[:n] = np.minimum(np.arange(n) % 3, ref["people"][:n])
        n = m1


def test_harm_units_in_place_finds_the_cells_with_harm_block_by_block():
    from sim.sahel.kernels import fields as kf

    w, h = 20, 10  # 200 cells: several blocks of the scan
    acc = np.zeros((w * h, 4))
    acc[3, 1] = -0.0  # == 0.0: no harm
    acc[[0, 63, 64, 130, 199], [0, 3, 2, 1, 3]] = [1.0, 2.0, 0.5, -1e-300, 4.0]
    want = np.flatnonzero((acc != 0.0).any(axis=1)).tolist()
    got = kf.harm_units_in_place(acc.copy(), np.ones((w * h, 4)), np.ones((w, h)), 2.0)
    assert got.tolist() == want == [0, 63, 64, 130, 199]
