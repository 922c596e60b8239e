"""Second round of civilian-phase speed work: each faster kernel gives the same bits as before."""

from __future__ import annotations

import numpy as np
import pytest

from sim.sahel.kernels import fields as kf


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_harm_units_in_place_gives_harm_units_bits_and_clears_back_to_zero(seed):
    g = np.random.default_rng(seed)
    w, h = 11, 8
    acc = g.choice([0.0, 0.0, 0.0, 1.0, 5.0, 0.3], (w * h, 4))
    acc[g.random(w * h) < 0.7] = 0.0  # harm is sparse
    acc[0] = [1.0, 0.0, 0.0, 2.0]      # a corner and an edge
    acc[w * h - 1] = [0.0, 3.0, 0.0, 0.0]
    acc[5] = [1.0, -1.0, 0.0, 0.0]     # deaths summing to 0: no harm, and cleared all the same
    by_comm = g.choice([0.0, 40.0, 1000.0], (w * h, 4))
    people = by_comm.sum(axis=1).reshape(w, h)
    expected = np.zeros_like(acc)
    kf.harm_units(acc, by_comm, people, 2.0, expected)
    units = acc.copy()
    cells = kf.harm_units_in_place(units, by_comm, people, 2.0)
    assert np.array_equal(units.view(np.uint64), expected.view(np.uint64))  # the same bits
    assert cells.tolist() == np.flatnonzero((acc != 0.0).any(axis=1)).tolist()
    kf.clear_harm_units(units, cells, w, h)
    assert not units.any()


def test_harm_units_in_place_without_harm_returns_no_cells():
    units = np.zeros((12, 4))
    cells = kf.harm_units_in_place(units, np.ones((12, 4)), np.ones((4, 3)), 2.0)
    assert cells.size == 0 and not units.any()


def test_destinations_at_the_cells_flight_hazard_wrote_equal_destinations_everywhere():
    """Two updates in a row: flight_hazard writes only cells with (or just without) a cause of
    flight, and choosing destinations there alone leaves the same refuge as choosing everywhere."""
    from sim.sahel.displacement import kernels as kd
    from tests.test_displacement import N_COMM, _destination_inputs, _params

    x = _destination_inputs(2)
    n = x["violence"].size
    g = np.random.default_rng(9)
    causes, total = np.zeros((5, n, N_COMM)), np.zeros((n, N_COMM))
    dense = np.repeat(np.arange(n, dtype=np.int32)[:, None], N_COMM, axis=1)
    sparse = dense.copy()
    for _ in range(3):
        quiet = g.random(n) < 0.7
        violence = np.where(quiet, 0.0, g.random(n))
        args = (violence, violence * 0.5, g.uniform(-1, 1, n), np.zeros(n), np.zeros(n), np.zeros((n, N_COMM)),
                np.zeros(n), np.zeros(n, np.bool_), np.array([1.5, 1.0, 0.5, 1.0]), _params())
        written = kd.flight_hazard(*args, causes, total)
        assert 0 < written.size < n
        y = {**x, "violence": violence, "hazard": total}
        kd.choose_destinations(*y.values(), dense)
        kd.choose_destinations_at(written, *y.values(), sparse)
        np.testing.assert_array_equal(dense, sparse)
    assert (dense != np.arange(n)[:, None]).any()
