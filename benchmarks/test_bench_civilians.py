"""Benchmarks of the Sahel model's performance core (run with ``make bench``).

* the civilian kernel at 1 million groups (1,000 people each), one thread: target >= 1e7
  group-updates/s/core;
* bytes of state per group: target <= 64;
* the default sahel run 2015-2025 with a warm numba cache: target <= 30 s on one core
  (``python benchmarks/bench_sahel_run.py``, too long for a pytest benchmark round).
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from sim.core import rng
from sim.sahel.kernels import civilians as kc
from sim.sahel.population import COLUMNS, DISPLACED, HOME


def _inputs(n: int, n_cells: int = 40_000, n_bands: int = 30, seed: int = 0):
    """Arguments of :func:`sim.sahel.kernels.civilians.civilian_update` (its current signature):
    ``n`` groups of 1,000 over ``n_cells`` cells, every cell with a flight hazard (so every group
    at home draws a flight count), troops and fighters in half the cells."""
    g = np.random.default_rng(seed)
    cols = dict(
        cell=g.integers(0, n_cells, n).astype(np.int32), home=g.integers(0, n_cells, n).astype(np.int32),
        community=g.integers(0, 4, n).astype(np.int8),
        status=g.choice([HOME] * 9 + [DISPLACED], n).astype(np.int8),
        people=np.full(n, 1000, np.int32),
        hardship=g.random(n, dtype=np.float32), risk_aversion=g.random(n, dtype=np.float32),
        legitimacy=g.random(n, dtype=np.float32), sympathy=g.random(n, dtype=np.float32) * 0.3,
        harm=np.zeros(n, np.float32),
    )
    cells = dict(
        legitimacy0=np.full(4, 0.6), appeal=g.random((n_bands, 4)),
        troops_near=g.choice([0.0, 500.0], n_cells), fighters_near=g.choice([0.0, 100.0], n_cells),
        harm_state=np.zeros((n_cells, 4)), harm_ins=np.zeros((n_cells, 4)),
        flee_hazard=g.random((n_cells, 4)) * 0.01, return_hazard=g.random(n_cells) * 0.005,
        extra_hardship=np.zeros(n_cells), t_displaced=np.full(n, -1, np.int32),
        push=np.zeros(n_cells), fear=np.zeros(n_cells),
        refuge=g.integers(0, n_cells, (n_cells, 4)).astype(np.int32),
        recruiter=g.integers(-1, n_bands, n_cells).astype(np.int32),
    )
    params = np.zeros(kc.N_PARAMS)
    for name, value in (("P_S", 1.0), ("P_BLAME_STATE", 0.5), ("P_BLAME_INS", 0.5), ("P_MEMORY_DECAY", 365.0),
                        ("P_RECOVERY", 0.001), ("P_K", 2.3), ("P_T", 0.1), ("P_PULL", 0.15), ("P_JOIN", 5e-6),
                        ("P_DISPLACED_HARDSHIP", 0.2), ("P_SETTLE", 730.0), ("P_DT", 7.0), ("P_FEAR_RISK", 0.1)):
        params[getattr(kc, name)] = value
    order = ["cell", "home", "community", "status", "people", "hardship", "risk_aversion", "legitimacy", "sympathy",
             "harm"]
    corder = ["legitimacy0", "appeal", "troops_near", "fighters_near", "harm_state", "harm_ins", "flee_hazard",
              "return_hazard", "extra_hardship", "t_displaced", "push", "fear", "refuge", "recruiter"]
    head = [n] + [cols[k] for k in order] + [cells[k] for k in corder] + [params, rng.stream_key(0, "civilians")]
    return head, (np.zeros(n, np.int32), np.zeros(n, np.int32))


@pytest.mark.parametrize("threads", [1, 2])
def test_civilian_phase_1m_groups(benchmark, threads):
    if threads > numba.config.NUMBA_NUM_THREADS:
        pytest.skip("fewer threads available")
    args, out = _inputs(1_000_000)
    step = iter(range(10**9))
    kc.civilian_update(*args, 0, *out)  # compile / load from cache
    numba.set_num_threads(threads)
    try:
        benchmark(lambda: kc.civilian_update(*args, next(step), *out))
    finally:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    rate = 1_000_000 / benchmark.stats.stats.min
    benchmark.extra_info["group_updates_per_s"] = rate
    benchmark.extra_info["per_core"] = rate / threads
    print(f"\ncivilian kernel, {threads} thread(s): {rate:.3g} group-updates/s ({rate / threads:.3g} per core)")


def test_bytes_per_group(benchmark):
    nbytes = benchmark(lambda: sum(np.dtype(c.dtype).itemsize for c in COLUMNS))
    benchmark.extra_info["bytes_per_group"] = nbytes
    print(f"\nper-group state: {nbytes} bytes")
    assert nbytes <= 64
