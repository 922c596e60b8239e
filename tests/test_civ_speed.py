"""Kernels added to speed up the civilian phase: each against its readable twin."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.codes import DISPLACED, HOME
from sim.sahel.kernels import civilians as kc


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_first_home_rows_matches_its_twin_and_numpy(seed):
    g = np.random.default_rng(seed)
    n, n_cells = 400, 50
    cell = g.integers(0, n_cells, n).astype(np.int32)
    status = np.where(g.random(n) < 0.3, DISPLACED, HOME).astype(np.int8)
    people = (g.integers(0, 5, n) * (g.random(n) < 0.7)).astype(np.int32)
    wanted = np.unique(g.integers(0, n_cells, 12))
    slot = np.full(n_cells, -1, np.int64)
    slot[wanted] = np.arange(wanted.size)
    a, b = np.zeros(wanted.size, np.int64), np.zeros(wanted.size, np.int64)
    kc.first_home_rows(n - 7, cell, status, people, slot, a)
    kc.first_home_rows_py(n - 7, cell, status, people, slot, b)
    np.testing.assert_array_equal(a, b)
    ok = (people[: n - 7] > 0) & (status[: n - 7] == HOME)
    for j, c in enumerate(wanted):
        rows = np.flatnonzero(ok & (cell[: n - 7] == c))
        assert a[j] == (rows[0] if rows.size else -1)
