"""Kernel tier of the Epstein replication: kernels vs their twins, bounds, invariants, config.

What these protect: the fast kernels compute exactly what the readable twins say (bit for
bit, same draws); no kernel reads or writes outside its arrays; people are conserved and every
citizen is in exactly one state; a run is a pure function of its seed, on 1 or 2 threads.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from numba import njit

import sim.core.rng as rng_module
import sim.epstein.grid as grid_module
import sim.epstein.kernels.prefetch as prefetch_module
import sim.epstein.kernels.sequential as kernels
import sim.epstein.kernels.simd as simd
import sim.epstein.kernels.synchronous as kernels_sync
import sim.epstein.kernels.tiled as kernels_tiled
import sim.epstein.kernels.twins as twins
import sim.rules.arrest as rules
from sim.core.rng import stream_key
from sim.epstein import (
    NETLOGO_SETTINGS,
    EpsteinConfig,
    LegitimacyChange,
    bytes_per_agent,
    init_state,
    legitimacy_by_step,
    run_epstein,
)
from sim.epstein.grid import ACTIVE, COP, EMPTY, JAILED, QUIET, diamond_offsets, padded_index
from sim.epstein.model import _grid_arguments

SMALL = EpsteinConfig(width=13, height=11, citizen_vision=3, cop_vision=2, steps=6,
                      legitimacy=0.6, max_jail_term=3, cop_density=0.1)


def _kernel_args(cfg: EpsteinConfig, seed: int, state=None):
    s = init_state(cfg, seed) if state is None else state
    return (s, *_grid_arguments(cfg, s))


def _run_both(cfg: EpsteinConfig, seed: int, sequential_fn, synchronous_fn, tiled_fn,
              array=np.asarray):
    """Run ``cfg`` with the given run_* functions; return (final arrays, counts, work)."""
    s, cit_dx, cit_dy, cit_off, cop_dx, cop_dy, cop_off, p_arrest = _kernel_args(cfg, seed)
    arrays = {k: array(v) for k, v in s.__dict__.items() if isinstance(v, np.ndarray)}
    a = arrays
    counts = array(np.zeros((cfg.steps, 3), dtype=np.int64))
    work = array(np.zeros(kernels.N_WORK, dtype=np.int64))
    common_tail = (float(cfg.active_threshold), array(p_arrest), cfg.max_jail_term, cfg.movement,
                   stream_key(seed, "epstein.step"), 1)
    geometry = (s.width, s.height, s.pad, cfg.citizen_vision, cfg.cop_vision,
                array(legitimacy_by_step(cfg)[1:]))
    offsets = tuple(array(o) for o in (cit_dx, cit_dy, cit_off, cop_dx, cop_dy, cop_off))
    head = (a["code"], a["occupant"], a["cit_x"], a["cit_y"], a["cit_state"], a["cit_jail"],
            a["hardship"], a["risk_aversion"], a["cop_x"], a["cop_y"])
    if cfg.update == "sequential":
        sequential_fn(*head, a["order"], *offsets, *geometry, *common_tail, counts, work)
    elif cfg.update == "tiled":
        tiled_fn(*head, *offsets, *geometry, *common_tail, counts, work)
    else:
        bands = kernels_sync.band_starts(s.height, s.pad)
        synchronous_fn(*head, *offsets, *geometry, *common_tail, bands, counts, work)
    return {k: np.asarray(v) for k, v in arrays.items()}, np.asarray(counts), np.asarray(work)


def _assert_same(x, y):
    for k in x[0]:
        np.testing.assert_array_equal(x[0][k], y[0][k], err_msg=k)
    np.testing.assert_array_equal(x[1], y[1])
    np.testing.assert_array_equal(x[2], y[2])


@pytest.mark.parametrize("update", ["sequential", "tiled", "synchronous"])
@pytest.mark.parametrize("seed", [1, 2])
def test_kernels_match_twins(update, seed):
    cfg = replace(SMALL, update=update)
    if update == "tiled":  # 4x4 tiles, so that colours run several tiles at once
        cfg = replace(cfg, width=34, height=26, citizen_vision=3, cop_vision=3)
    fast = _run_both(cfg, seed, kernels.run_sequential, kernels_sync.run_synchronous, kernels_tiled.run_tiled)
    twin = _run_both(cfg, seed, twins.run_sequential, twins.run_synchronous, twins.run_tiled)
    _assert_same(fast, twin)
    assert fast[2][kernels.WORK_MOVES] > 0 and fast[1][:, 0].max() > 0  # exercised moves, activity


class _Strict(np.ndarray):
    """An array that raises on negative indices too, so py_func runs are fully bounds checked."""

    @staticmethod
    def _check(index):
        for i in index if isinstance(index, tuple) else (index,):
            if isinstance(i, (int, np.integer)) and i < 0:
                raise IndexError(f"negative index {i}")

    def __getitem__(self, index):
        self._check(index)
        return super().__getitem__(index)

    def __setitem__(self, index, value):
        self._check(index)
        super().__setitem__(index, value)


@contextlib.contextmanager
def _pure_python_kernels():
    """Swap every numba dispatcher used by the kernels for its ``py_func``."""
    modules = [kernels, kernels_sync, kernels_tiled, grid_module, rules, rng_module]
    saved = [(kernels, name, getattr(kernels, name))
             for name in ("prefetch", "prefetch_write", "diamond_counts")]
    kernels.prefetch = prefetch_module.prefetch_py  # an LLVM intrinsic has no py_func
    kernels.prefetch_write = prefetch_module.prefetch_py
    kernels.diamond_counts = simd.diamond_counts_py
    for module in modules:
        for name, obj in list(vars(module).items()):
            if hasattr(obj, "py_func"):
                saved.append((module, name, obj))
                setattr(module, name, obj.py_func)
    try:
        with np.errstate(over="ignore"):
            yield
    finally:
        for module, name, obj in saved:
            setattr(module, name, obj)


@pytest.mark.parametrize("update", ["sequential", "tiled", "synchronous"])
def test_kernel_py_func_is_in_bounds_and_equal(update):
    """kernel.py_func on strict arrays: every index checked, the result equals the compiled run."""
    cfg = replace(SMALL, update=update, steps=3)
    compiled = _run_both(cfg, 3, kernels.run_sequential, kernels_sync.run_synchronous, kernels_tiled.run_tiled)
    with _pure_python_kernels():
        assert not hasattr(kernels.step_sequential, "py_func")
        checked = _run_both(cfg, 3, kernels.run_sequential, kernels_sync.run_synchronous,
                            kernels_tiled.run_tiled, array=lambda v: np.asarray(v).view(_Strict))
    _assert_same(compiled, checked)


def _random_grid(width=17, height=16, pad=4, seed=0):
    rng = np.random.default_rng(seed)
    cells = rng.choice(np.array([EMPTY, COP, QUIET, ACTIVE, JAILED]), size=width * height)
    return cells, grid_module.code_grid_from_occupants(cells, width, height, pad)


def test_scan_vision_counts_the_diamond_without_its_centre():
    width, height, pad, radius = 17, 16, 4, 4
    cells, code = _random_grid(width, height, pad)
    dxs, dys = diamond_offsets(radius)
    assert dxs.size == 2 * radius * (radius + 1)
    offsets = (dys.astype(np.int32) * (width + 2 * pad) + dxs).astype(np.int32)
    g = cells.reshape(height, width)
    for x, y in [(0, 0), (16, 15), (5, 7), (3, 14), (9, 0)]:
        seen = g[(y + dys) % height, (x + dxs) % width]
        expected = ((seen == EMPTY).sum(), (seen == COP).sum(), (seen == ACTIVE).sum())
        center = padded_index(x, y, width + 2 * pad, pad)
        got = kernels.scan_vision(code, center, radius, width + 2 * pad)
        assert tuple(got) == twins.scan_vision(code, center, radius, width + 2 * pad) == tuple(expected)
        for value in (EMPTY, ACTIVE):
            where = np.flatnonzero(seen == value)
            for n in range(where.size + 1):
                expected_j = where[n] if n < where.size else -1
                assert kernels.nth_in_vision(code, center, offsets, value, n) == expected_j
                assert twins.nth_in_vision(code, center, offsets, value, n) == expected_j


@njit
def _diamond_counts_at(code, centers, radius, padded_width):
    return np.array([simd.diamond_counts(code, c, radius, padded_width) for c in centers])


@pytest.mark.parametrize("radius", [1, 4, 7, simd.MAX_RADIUS])
def test_diamond_counts_equals_its_twin_everywhere(radius):
    """Every real cell, seam and grid corners included (the last rows load a window that ends at
    the array's last byte), counts the same as the cell-by-cell twin; a grid of random codes
    with different fields (empty, cop, active) per cell."""
    width, height = 2 * radius + 3, 2 * radius + 2
    _, code = _random_grid(width, height, radius, seed=radius)
    padded_width = width + 2 * radius
    centers = np.array([padded_index(x, y, padded_width, radius)
                        for y in range(height) for x in range(width)], dtype=np.int64)
    got = _diamond_counts_at(code, centers, radius, padded_width)
    expected = [simd.diamond_counts_py(code, int(c), radius, padded_width) for c in centers]
    assert got.tolist() == expected
    assert len(set(expected)) > 5  # the counts differ from cell to cell


def test_diamond_counts_sums_past_a_byte():
    """A diamond of radius 15 holds 481 cells: on an all-empty grid the empty count needs more
    than the 8 bits of a lane counter, and the cops' and actives' fields stay zero."""
    radius = simd.MAX_RADIUS
    width = height = 2 * radius + 1
    code = grid_module.code_grid_from_occupants(np.full(width * height, EMPTY), width, height, radius)
    padded_width = width + 2 * radius
    centers = np.array([padded_index(0, 0, padded_width, radius),
                        padded_index(width - 1, height - 1, padded_width, radius)], dtype=np.int64)
    assert _diamond_counts_at(code, centers, radius, padded_width).tolist() == [481, 481]


def test_scan_vision_wide_radius_takes_the_cell_loop():
    """Beyond simd.MAX_RADIUS a row does not fit one window: the scalar loop counts it, the same
    as the twin."""
    radius = simd.MAX_RADIUS + 2
    width, height = 2 * radius + 2, 2 * radius + 1
    cells, code = _random_grid(width, height, radius, seed=5)
    padded_width = width + 2 * radius
    for x, y in [(0, 0), (width - 1, height - 1), (3, 7)]:
        center = padded_index(x, y, padded_width, radius)
        assert tuple(kernels.scan_vision(code, center, radius, padded_width)) == \
            twins.scan_vision(code, center, radius, padded_width)


def test_count_in_vision_matches_twin_and_scan():
    width, height, pad, radius = 17, 16, 4, 3
    cells, code = _random_grid(width, height, pad, seed=3)
    prefix = kernels_sync.count_scratch(width, height, pad)
    fast, serial, twin = (np.zeros(width * height, np.int32) for _ in range(3))
    kernels_sync.count_in_vision(code, prefix, fast, width, height, pad, radius)
    kernels_sync.count_in_vision(code, prefix, serial, width, height, pad, radius, False)
    twins.count_in_vision(code, prefix, twin, width, height, pad, radius)
    np.testing.assert_array_equal(fast, twin)
    np.testing.assert_array_equal(serial, twin)
    x, y = 2, 15
    n_empty, n_cop, n_active = kernels.scan_vision(code, padded_index(x, y, width + 2 * pad, pad), radius, width + 2 * pad)
    own = cells[y * width + x]
    assert fast[y * width + x] == (n_empty + (own == EMPTY)) | (n_cop + (own == COP)) << 8 | (n_active + (own == ACTIVE)) << 16


def test_random_empty_in_vision_is_uniform_over_empty_cells():
    """Mesa picks the new cell with random.choice over the empty cells in vision."""
    from scipy import stats

    width, height, pad, radius = 17, 16, 4, 4
    _, code = _random_grid(width, height, pad, seed=1)
    dxs, dys = diamond_offsets(radius)
    offsets = (dys.astype(np.int32) * (width + 2 * pad) + dxs).astype(np.int32)
    center = padded_index(8, 8, width + 2 * pad, pad)
    n_empty = kernels.scan_vision(code, center, radius, width + 2 * pad)[0]
    empty = [j for j in range(offsets.size) if code[center + offsets[j]] == EMPTY]
    assert n_empty == len(empty) > 3
    key = stream_key(1, "test")
    draws = [kernels.random_empty_in_vision(code, center, offsets, n_empty, key, 1, a) for a in range(20000)]
    assert set(draws) == set(empty)
    assert draws[:50] == [twins.random_empty_in_vision(code, center, offsets, n_empty, key, 1, a) for a in range(50)]
    observed = np.array([draws.count(j) for j in empty])
    assert stats.chisquare(observed).pvalue > 1e-3
    # nearly full neighbourhood: the fallback path must be uniform too
    sparse = code.copy()
    for j in empty[2:]:
        sparse[center + offsets[j]] = COP
    draws = [kernels.random_empty_in_vision(sparse, center, offsets, 2, key, 2, a) for a in range(4000)]
    assert set(draws) == set(empty[:2]) and abs(draws.count(empty[0]) / 4000 - 0.5) < 0.04


def test_set_code_writes_the_halo_copies():
    width, height, pad = 9, 8, 3
    code = np.zeros((height + 2 * pad) * (width + 2 * pad), np.int8)
    twin = code.copy()
    for x, y, v in [(0, 0, 1), (8, 7, 2), (4, 4, 3), (2, 6, 4), (8, 0, 1)]:
        grid_module.set_code(code, x, y, np.int8(v), width, height, pad)
        grid_module.set_code_py(twin, x, y, v, width, height, pad)
    np.testing.assert_array_equal(code, twin)
    real = code.reshape(height + 2 * pad, width + 2 * pad)[pad:-pad, pad:-pad]
    np.testing.assert_array_equal(code, grid_module.code_grid_from_occupants(real.ravel(), width, height, pad))


def test_round_half_even_ratio_matches_python_round():
    """Every ratio a diamond of radius up to simd.MAX_RADIUS (481 cells) can produce."""
    cells = 2 * simd.MAX_RADIUS * (simd.MAX_RADIUS + 1) + 1
    for num in range(0, cells):
        for den in range(1, cells + 1):
            expected = round(num / den)  # Mesa: round(cops_in_vision / actives_in_vision)
            assert rules.round_half_even_ratio(num, den) == rules.round_half_even_ratio_py(num, den) == expected


def test_arrest_probability_table_is_mesas_formula():
    import math

    table = rules.arrest_probability_table_epstein_2002(2.3, 112)
    for c in range(0, 20):
        for a in range(1, 20):
            assert table[rules.round_half_even_ratio(c, a)] == 1 - math.exp(-1 * 2.3 * round(c / a))


@pytest.mark.parametrize("update", ["sequential", "tiled", "synchronous"])
@pytest.mark.parametrize("settings", [{}, NETLOGO_SETTINGS, {"max_jail_term": 0}, {"movement": False}])
def test_invariants(update, settings):
    """Agents are conserved, each citizen is in one state, grids agree with the columns."""
    cfg = EpsteinConfig(width=30, height=25, steps=40, update=update, **settings)
    result = run_epstein(cfg, seed=5)
    s = result.state
    total = result.active + result.quiet + result.jailed
    assert np.all(total == s.n_citizens) and np.all(result.active >= 0)
    assert set(np.unique(s.cit_state)) <= {int(QUIET), int(ACTIVE), int(JAILED)}
    assert np.all((s.cit_jail >= 0) & (s.cit_jail <= cfg.max_jail_term))
    assert np.all(s.cit_state[s.cit_jail > 0] == JAILED)
    cells = np.concatenate([s.cit_y.astype(np.int64) * s.width + s.cit_x, s.cop_y.astype(np.int64) * s.width + s.cop_x])
    assert np.unique(cells).size == s.n_agents  # capacity 1
    occupant = np.full(s.width * s.height, -1)
    occupant[cells] = np.arange(s.n_agents)
    np.testing.assert_array_equal(s.occupant, occupant)
    cell_code = np.full(s.width * s.height, EMPTY, np.int8)
    cell_code[cells[: s.n_citizens]] = s.cit_state
    cell_code[cells[s.n_citizens:]] = COP
    np.testing.assert_array_equal(s.code, grid_module.code_grid_from_occupants(cell_code, s.width, s.height, s.pad))
    assert result.work["agent_updates"] == cfg.steps * s.n_agents
    if not cfg.movement:
        assert result.work["moves"] == 0
    if cfg.max_jail_term == 0:
        # A sentence of 0 frees a citizen at its next activation, so everyone jailed after a
        # step was arrested in that step, and each cop arrests at most one citizen per step.
        assert result.jailed.max() <= s.n_cops


def test_same_seed_same_result_and_seeds_differ():
    cfg = replace(SMALL, width=30, height=30, citizen_vision=7, cop_vision=7, steps=30)
    a, b, c = (run_epstein(cfg, seed) for seed in (1, 1, 2))
    np.testing.assert_array_equal(a.active, b.active)
    np.testing.assert_array_equal(a.state.cit_x, b.state.cit_x)
    assert not np.array_equal(a.state.hardship, c.state.hardship)


_THREADS_SCRIPT = """
import hashlib, json, sys
from sim.epstein import EpsteinConfig, NETLOGO_SETTINGS, run_epstein
out = {}
for update in ("sequential", "tiled", "synchronous"):
    r = run_epstein(EpsteinConfig(width=300, height=300, steps=8, update=update, **NETLOGO_SETTINGS), seed=11)
    h = hashlib.sha256()
    for a in (r.active, r.jailed, r.state.cit_x, r.state.cit_y, r.state.cit_jail, r.state.cop_x, r.state.code):
        h.update(a.tobytes())
    out[update] = [h.hexdigest(), r.work]
import numba
out["threads"] = numba.config.NUMBA_NUM_THREADS
print(json.dumps(out))
"""


def test_bit_identical_on_one_and_two_threads():
    outs = []
    for threads in (1, 2):
        env = dict(os.environ, NUMBA_NUM_THREADS=str(threads))
        proc = subprocess.run([sys.executable, "-c", _THREADS_SCRIPT], env=env, capture_output=True,
                              text=True, check=True, timeout=300)
        outs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    assert [o.pop("threads") for o in outs] == [1, 2]
    assert outs[0] == outs[1]


def test_legitimacy_schedule_jumps_and_ramps():
    cfg = EpsteinConfig(steps=10, legitimacy=0.9, legitimacy_schedule=[
        LegitimacyChange(step=3, legitimacy=0.7), LegitimacyChange(step=6, legitimacy=0.5, ramp_steps=4)])
    levels = legitimacy_by_step(cfg)
    np.testing.assert_allclose(levels, [0.9, 0.9, 0.9, 0.7, 0.7, 0.7, 0.65, 0.6, 0.55, 0.5, 0.5])
    result = run_epstein(replace(cfg, width=20, height=20), seed=1)
    np.testing.assert_allclose(result.legitimacy, levels)


@pytest.mark.parametrize("key,value,message", [
    ("width", 10, "2*max(citizen_vision, cop_vision)+1"),
    ("cop_density", 0.5, "citizen_density + cop_density <= 1"),
    ("legitimacy", 1.5, "[0, 1]"),
    ("max_jail_term", 40000, "[0, 32767]"),
    ("update", "async", "sequential"),
    ("steps", -1, ">= 0"),
    ("citizen_vision", 0, ">= 1"),
    ("movement", 1, "true or false"),
])
def test_config_errors_name_key_value_and_range(key, value, message):
    with pytest.raises(ValueError) as err:
        EpsteinConfig(**{key: value})
    assert err.value.key == f"epstein.{key}" and err.value.value == value and message in str(err.value)


def test_schedule_errors():
    with pytest.raises(ValueError, match="strictly increasing"):
        EpsteinConfig(legitimacy_schedule=[LegitimacyChange(step=5), LegitimacyChange(step=5)])
    with pytest.raises(ValueError, match="ramp_steps"):
        LegitimacyChange(step=2, ramp_steps=-1)


def test_bytes_per_agent_is_small():
    s = init_state(EpsteinConfig(width=100, height=100), seed=1)
    b = bytes_per_agent(s)
    assert b["citizen_columns"] == 15 and b["cop_columns"] == 4
    assert b["columns"] < 15 and b["total"] < 26


def test_config_is_an_omegaconf_structured_config():
    from omegaconf import OmegaConf

    base = OmegaConf.structured(EpsteinConfig)
    merged = OmegaConf.merge(base, {"legitimacy_schedule": [{"step": 50, "legitimacy": 0.7}]})
    cfg = OmegaConf.to_object(merged)
    assert isinstance(cfg, EpsteinConfig)
    assert cfg.legitimacy_schedule == [LegitimacyChange(step=50, legitimacy=0.7)]
