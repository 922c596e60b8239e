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
    country = g.integers(0, n_groups + 1, n_cells)  # country n_groups is not a core one
    by_country = [np.flatnonzero(country == i) for i in range(n_groups)]
    ptr = np.cumsum([0] + [c.size for c in by_country])
    return control, people, np.concatenate(by_country), ptr


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("impl", ["njit", "py_func"])
def test_zone_sums_matches_its_twin_and_the_masked_sums(seed, impl):
    control, people, cells, ptr = _zone_inputs(seed)
    fn = kf.zone_sums if impl == "njit" else kf.zone_sums.py_func
    out, twin = np.full((ptr.size, 6), np.nan), np.full((ptr.size, 6), np.nan)
    fn(control, people, cells, ptr, STATE_ZONE, INSURGENT_ZONE, out)
    kf.zone_sums_py(control, people, cells, ptr, STATE_ZONE, INSURGENT_ZONE, twin)
    assert np.array_equal(out, twin)
    for g in range(ptr.size):  # the shares as record computed them before (numpy masks, per group)
        at = cells if g == 0 else cells[ptr[g - 1]:ptr[g]]
        p, z = people[at], control[at]
        z_state, z_ins = z >= STATE_ZONE, z <= INSURGENT_ZONE
        p_tot = max(p.sum(), 1.0)
        assert p[z_state].sum() / p_tot == out[g, 1] / max(out[g, 0], 1.0)
        assert p[z_ins].sum() / p_tot == out[g, 2] / max(out[g, 0], 1.0)
        assert p[~z_state & ~z_ins].sum() / p_tot == out[g, 3] / max(out[g, 0], 1.0)
        assert float((~z_state).mean()) == out[g, 4] / out[g, 5]

