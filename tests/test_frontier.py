"""The insurgents' frontier (sim/sahel/frontier.py): a faction's reach grows with its presence."""

from __future__ import annotations

import dataclasses

import numpy as np

import sim
from sim.sahel import frontier
from sim.sahel.kernels import fight as kb
from sim.sahel.model import SahelModel
from tests.conftest import SMALL


def _model(on: bool, **changes) -> SahelModel:
    cfg = sim.load_config(SMALL)
    ins = dataclasses.replace(cfg.insurgents, frontier=on, **changes)
    return SahelModel(dataclasses.replace(cfg, insurgents=ins))


def test_without_the_frontier_nothing_is_counted():
    m = _model(False)
    frontier.count_presence(m)
    assert m.frontier.presence.shape[1] == 1 and not m.frontier.presence.any()


def test_a_faction_starts_established_around_its_heartland_only():
    m = _model(True)
    w, h = m.world.width, m.world.height
    spread = max(2, m.cfg.insurgents.band_range)
    for f, (hx, hy) in enumerate(m.heartland):
        est = m.frontier.established[f].reshape(w, h)
        xs, ys = np.nonzero(est)
        assert xs.min() == max(0, hx - spread) and xs.max() == min(w - 1, hx + spread)
        assert ys.min() == max(0, hy - spread) and ys.max() == min(h - 1, hy + spread)
        # the distance field is the Chebyshev distance to the box, cell by cell
        gx, gy = np.meshgrid(np.arange(w), np.arange(h), indexing="ij")
        dx = np.maximum(np.maximum(xs.min() - gx, gx - xs.max()), 0)
        dy = np.maximum(np.maximum(ys.min() - gy, gy - ys.max()), 0)
        np.testing.assert_array_equal(m.frontier.dist[f].reshape(w, h), np.maximum(dx, dy))


def test_a_cell_is_established_after_days_establish_band_days_and_not_before():
    m = _model(True, days_establish=45.0)
    b, s = m.bands, m.frontier
    band = int(np.flatnonzero(b.fighters[: b.n] > 0)[0])
    f = int(b.faction[band])
    far = int(np.flatnonzero(~s.established[f])[0])
    b.cell[band] = far
    for day in range(1, 91):
        m.steps = day
        frontier.count_presence(m)
        if day == 30:  # 30 band-days: not yet
            assert not s.established[f, far]
        if day == 60:  # 45 reached, established at the next update
            assert s.established[f, far] and s.dist[f, far] == 0


def test_the_frontier_keeps_a_band_from_a_richer_cell_beyond_its_reach():
    h, n_cells = 10, 100
    inside, outside = 5 * h + 5, 5 * h + 9  # four cells apart
    cand = np.array([[inside] * (kb.N_CAND - 1) + [outside]], np.int64)
    people = np.zeros(n_cells)
    people[inside], people[outside] = 10.0, 100.0  # 0.2 log1p: +0.44 outside, against 0.1 x 8 cells beyond
    log_people = np.log1p(people[cand.ravel()])
    dist = np.zeros((1, n_cells), np.int64)
    dist[0, outside] = 10  # ten cells from the faction's established area
    args = (np.zeros((1, kb.N_CAND)), log_people, np.zeros(n_cells), np.array([100.0]), np.zeros(1, np.int8),
            np.array([5]), np.array([5]), np.array([40]), dist)
    for frontier_range, expected in ((-1, outside), (2, inside)):
        cell = np.array([inside], np.int32)
        kb.settle_moves(1, np.array([0]), cand, *args, frontier_range, h, cell)
        assert cell[0] == expected, frontier_range
