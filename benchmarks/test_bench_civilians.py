"""Benchmarks of the Sahel model's performance core (run with ``make bench``).

* the civilian phase at 1 million agents, one thread: target >= 1e7 civilian-updates/s/core;
* bytes of per-agent state: target <= 64;
* the default sahel run 2015-2025 with a warm numba cache: target <= 60 s on one core
  (``python benchmarks/bench_sahel_run.py``, too long for a pytest benchmark round).
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from sim.core import rng
from sim.sahel.kernels import civilians as kc
from sim.sahel.population import COLUMNS, DISPLACED, HOME, RECRUITED


def _inputs(n: int, n_cells: int = 40_000, n_bands: int = 30, seed: int = 0):
    g = np.random.default_rng(seed)
    cols = dict(
        cell=g.integers(0, n_cells, n).astype(np.int32), home=g.integers(0, n_cells, n).astype(np.int32),
        community=g.integers(0, 4, n).astype(np.int8),
        status=g.choice([HOME] * 8 + [DISPLACED, RECRUITED], n).astype(np.int8),
        band=np.full(n, -1, np.int16),
        hardship=g.random(n, dtype=np.float32), risk_aversion=g.random(n, dtype=np.float32),
        legitimacy=g.random(n, dtype=np.float32), sympathy=g.random(n, dtype=np.float32) * 0.3,
        harm=np.zeros(n, np.float32), t_displaced=np.full(n, -1, np.int32),
    )
    cells = dict(
        legitimacy0=np.full(4, 0.6), appeal=g.random((n_bands, 4)),
        troops_near=g.choice([0.0, 500.0], n_cells), fighters_near=g.choice([0.0, 100.0], n_cells),
        harm_state=np.zeros((n_cells, 4)), harm_ins=np.zeros((n_cells, 4)),
        violence=g.random(n_cells) * 0.1, push=np.zeros(n_cells),
        refuge=g.integers(0, n_cells, n_cells).astype(np.int32),
        recruiter=g.integers(-1, n_bands, n_cells).astype(np.int32),
    )
    params = np.array([1.0, 0.5, 0.5, 365.0, 0.001, 2.3, 0.1, 0.15, 5e-6, 0.3, 0.01, 0.05, 7.0])
    order = ["cell", "home", "community", "status", "band", "hardship", "risk_aversion", "legitimacy", "sympathy",
             "harm", "t_displaced"]
    corder = ["legitimacy0", "appeal", "troops_near", "fighters_near", "harm_state", "harm_ins", "violence", "push",
              "refuge", "recruiter"]
    return [cols[k] for k in order] + [cells[k] for k in corder] + [params, rng.stream_key(0, "civilians")]


@pytest.mark.parametrize("threads", [1, 2])
def test_civilian_phase_1m_agents(benchmark, threads):
    if threads > numba.config.NUMBA_NUM_THREADS:
        pytest.skip("fewer threads available")
    args = _inputs(1_000_000)
    step = iter(range(10**9))
    kc.civilian_update(*args, 0)  # compile / load from cache
    numba.set_num_threads(threads)
    try:
        benchmark(lambda: kc.civilian_update(*args, next(step)))
    finally:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    rate = 1_000_000 / benchmark.stats.stats.min
    benchmark.extra_info["civilian_updates_per_s"] = rate
    benchmark.extra_info["per_core"] = rate / threads
    print(f"\ncivilian phase, {threads} thread(s): {rate:.3g} civilian-updates/s ({rate / threads:.3g} per core)")


def test_bytes_per_agent(benchmark):
    nbytes = benchmark(lambda: sum(np.dtype(c.dtype).itemsize for c in COLUMNS))
    benchmark.extra_info["bytes_per_agent"] = nbytes
    print(f"\nper-agent state: {nbytes} bytes")
    assert nbytes <= 64
