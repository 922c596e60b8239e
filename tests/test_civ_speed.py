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


def test_update_secure_homes_matches_secure_homes():
    from sim.sahel.displacement import kernels as kd

    g = np.random.default_rng(5)
    n = 300
    days = np.where(g.random(n) < 0.5, 0.0, g.integers(0, 40, n) * 7.0)
    for _ in range(3):
        v = g.random(n) * 0.1 * (g.random(n) < 0.5)
        control, fighters = g.uniform(-1, 1, n), g.choice([0.0, 5.0], n)
        want_days, want_hazard = kd.secure_homes(days, v, control, fighters, 0.05, 1 / 3, 7, 180.0, 0.005)
        hazard = np.full(n, np.nan)
        kd.update_secure_homes(days, v, control, fighters, 0.05, 1 / 3, 7, 180.0, 0.005, hazard)
        np.testing.assert_array_equal(days, want_days)
        np.testing.assert_array_equal(hazard, want_hazard)
    assert (hazard > 0).any() and (hazard == 0).any()


def test_flight_hazard_left_quiet_cells_match_a_fresh_computation():
    """Cells left as they were (no cause, zero before) equal what a full rewrite gives."""
    from sim.sahel.displacement import kernels as kd

    g = np.random.default_rng(6)
    n, n_comm = 200, 4
    causes, total = np.zeros((5, n, n_comm)), np.zeros((n, n_comm))
    for _week in range(4):
        quiet = g.random(n) < 0.6
        args = (g.random(n) * ~quiet, g.random(n) * 0.3 * ~quiet, g.uniform(-1, 1, n), g.choice([0, 40.0], n) * ~quiet,
                g.choice([0, 900.0], n), g.random((n, n_comm)) * (g.random((n, n_comm)) < 0.2) * ~quiet[:, None],
                g.random(n) * (g.random(n) < 0.1) * ~quiet, g.random(n) < 0.1, g.random(n_comm),
                np.abs(g.normal(0.1, 0.05, kd.N_PARAMS)) + 0.01)
        kd.flight_hazard(*args, causes, total)
        fresh_c, fresh_t = np.zeros_like(causes), np.zeros_like(total)
        kd.flight_hazard_py(*args, fresh_c, fresh_t)
        np.testing.assert_allclose(causes, fresh_c, rtol=1e-12, atol=0)
        np.testing.assert_allclose(total, fresh_t, rtol=1e-12, atol=0)
        assert (total[quiet] == 0).all() and (total[~quiet] > 0).any()


def test_aggregate_cells_emigrates_as_emigrate_does_then_counts():
    """The onward emigration folded into aggregate_cells equals emigrate followed by the counts."""
    from sim.core import rng
    from sim.sahel.displacement import kernels as kd
    from tests.test_kernels import _civilian_inputs

    cols, _, _ = _civilian_inputs(3, n=600)
    n, n_cells = cols["cell"].size, 30  # the 6 x 5 grid of _civilian_inputs
    cols["status"][::3] = DISPLACED
    abroad = np.random.default_rng(3).random(n_cells) < 0.5
    key = rng.stream_key(9, "displacement")
    country = (np.arange(n_cells) % 3).astype(np.int8)

    def aggregate(c, p):
        out = [np.zeros(n_cells), np.zeros((n_cells, 4)), np.zeros(n_cells), np.zeros(4), np.zeros(4), np.zeros(4),
               np.zeros(3), np.zeros(3), np.zeros(3), np.zeros(3), np.zeros(n_cells + 1, np.int64),
               np.zeros(n, np.int32)]
        left = kc.aggregate_cells(n, c["cell"], c["home"], c["community"], c["status"], c["people"], c["legitimacy"],
                                  c["sympathy"], c["hardship"], c["harm"], 1.0, country, abroad, p, key, 11, *out)
        return left, out

    fused = {name: col.copy() for name, col in cols.items()}
    left, out = aggregate(fused, 0.3)
    apart = {name: col.copy() for name, col in cols.items()}
    each = np.zeros(n, np.int32)
    kd.emigrate(n, apart["cell"], apart["status"], apart["people"], abroad, 0.3, key, 11, each)
    none, want = aggregate(apart, 0.0)
    assert left == each.sum() > 0 and none == 0
    np.testing.assert_array_equal(fused["people"], apart["people"])
    for x, y in zip(out, want, strict=True):
        np.testing.assert_array_equal(x, y)
