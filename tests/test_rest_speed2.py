"""Second round of speed work on the phases other than the civilians': the new kernels against
their readable twins and the numpy code they replaced (bit for bit, on random inputs), and the
event log's per-cell place cache."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.sahel.kernels import detection as kd


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("impl", ["njit", "py_func"])
def test_senior_evidence_matches_its_twin_and_the_rule(seed, impl):
    from sim.rules.levers import pattern_of_life

    g = np.random.default_rng(seed)
    n, k = 30, 12
    evidence0 = g.random(k) * g.choice([0.0, 1.0, 3.0], k)
    threshold = g.exponential(1.0, k)
    host = np.where(g.random(k) < 0.3, -1, g.integers(0, n, k)).astype(np.int32)
    warned = g.random(n) < 0.2
    hazard = g.random(n) * g.choice([0.0, 1.0], n)
    boost = 1.0 + g.choice([0.0, 0.5], n)
    rel, memory = 0.3, 45.0
    fn = kd.senior_evidence if impl == "njit" else kd.senior_evidence.py_func
    out = []
    for f in (fn, kd.senior_evidence_py):
        ev, located = evidence0.copy(), np.empty(k, np.bool_)
        f(ev, threshold, host, warned, hazard, boost, rel, math.exp(-1.0 / memory), located)
        out.append((ev, located))
    ev = evidence0.copy()  # the numpy code of leaders.pattern_of_life before the kernel
    filled = host >= 0
    h = np.maximum(host, 0)
    ev[filled & warned[h]] = 0.0
    inc = np.where(filled, rel * hazard[h] * boost[h], 0.0)
    out.append((ev, pattern_of_life(ev, inc, memory, threshold) & filled))
    for got in out[1:]:
        assert np.array_equal(out[0][0], got[0]) and np.array_equal(out[0][1], got[1])


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("impl", ["njit", "py_func"])
def test_band_operations_factor_matches_its_twin_and_the_numpy_code(seed, impl):
    from sim.rules.levers import deterrence_lyall_2009

    g = np.random.default_rng(seed)
    n_cells, n = 200, 40
    fear = g.random(n_cells) * g.choice([0.0, 1.0], n_cells)
    fear[g.random(n_cells) < 0.1] = 1.0
    cells = g.integers(0, n_cells, n)
    t_disrupted = g.integers(-1, 20, n).astype(np.int32)
    step, rel, rel_fear = 10, 0.4, 0.35
    fn = kd.band_operations_factor if impl == "njit" else kd.band_operations_factor.py_func
    got, twin = np.empty(n), np.empty(n)
    fn(t_disrupted, step, rel, fear, cells, rel_fear, got)
    kd.band_operations_factor_py(t_disrupted, step, rel, fear, cells, rel_fear, twin)
    numpy_code = np.where(t_disrupted > step, rel, 1.0) * deterrence_lyall_2009(fear[cells], 0.2, rel_fear)[1]
    assert np.array_equal(got, twin) and np.array_equal(got, numpy_code)


def test_event_places_are_the_nearest_town_found_anew():
    import datetime as dt

    import sim
    from sim.sahel.model import SahelModel

    model = SahelModel(sim.load_config(["end_date=2015-01-10", "output.progress=false"]))
    w, log = model.world, model.events
    g = np.random.default_rng(0)
    cells = g.integers(0, w.width * w.height, 40).tolist() * 2  # each cell twice: found, then kept
    for cell in cells:
        log.add(dt.date(2015, 1, 1), "Battles", "Armed clash", "a", "b", cell, 1, 0)
    xy = np.stack([w.towns.x, w.towns.y], axis=1).astype(np.int64)
    for row, cell in zip(log.rows[-len(cells):], cells, strict=True):
        x, y = divmod(cell, w.height)
        lon, lat = w.lonlat_of(x, y)
        town = str(w.towns.name[int(np.argmin(np.abs(xy - (x, y)).max(axis=1)))])
        assert row[7:11] == (w.country_names[w.country[x, y]], town, float(lat), float(lon))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("impl", ["njit", "py_func"])
def test_tax_bands_matches_its_twin(seed, impl):
    from sim.sahel.kernels import fields as kf

    g = np.random.default_rng(seed)
    n_cells, n = 300, 60
    control, people = g.uniform(-1, 1, n_cells), g.choice([0.0, 12.0, 3_000.0], n_cells)
    control[g.random(n_cells) < 0.1] = -1.0 / 3.0  # on the threshold
    fighters, faction = g.choice([0.0, 5.0, 40.0], n), g.integers(0, 3, n).astype(np.int8)
    cell, governs = g.integers(0, n_cells, n), np.array([True, False, True])
    experience0 = g.random(n) * 100
    fn = kf.tax_bands if impl == "njit" else kf.tax_bands.py_func
    got, twin = experience0.copy(), experience0.copy()
    fn(fighters, faction, cell, governs, control, people, -1.0 / 3.0, 0.02, got)
    kf.tax_bands_py(fighters, faction, cell, governs, control, people, -1.0 / 3.0, 0.02, twin)
    assert np.array_equal(got, twin) and not np.array_equal(got, experience0)
