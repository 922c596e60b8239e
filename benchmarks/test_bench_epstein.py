"""pytest-benchmark benchmarks of the Epstein kernels (``make bench``).

* scaling: one step at ~1e4, ~1e5 and ~7.7e5 agents (114x114, 360x360, 1000x1000 grids),
  all three update schemes; 3600x3600 (~1e7 agents) only with ``EPSTEIN_BENCH_1E7=1``;
* memory: bytes per agent (columns, and everything including grids);
* start-up: cold (fresh NUMBA_CACHE_DIR: everything compiles) vs warm (cached), in a
  subprocess that imports sim.epstein and runs 10 steps of each scheme;
* threads: the parallel schemes (tiled, synchronous) at 1000x1000 with NUMBA_NUM_THREADS=1
  and 2.

Each benchmark puts agent-updates per second and the other figures in ``extra_info``
(``--benchmark-json`` keeps them). Targets (docs/epstein.md; reported, not asserted):
>= 1e7 agent-updates/s/core at 1000x1000, >= 1.7x on 2 threads, warm start <= 2 s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import replace

import pytest

from sim.epstein import EpsteinConfig, bytes_per_agent, init_state, run_epstein

SIDES = {"1e4": 114, "1e5": 360, "1e6": 1000}
if os.environ.get("EPSTEIN_BENCH_1E7"):
    SIDES["1e7"] = 3600
ROUNDS = {"1e4": 30, "1e5": 10, "1e6": 5, "1e7": 3}
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("update", ["sequential", "tiled", "synchronous"])
@pytest.mark.parametrize("label", list(SIDES))
def test_step_scaling(benchmark, label, update):
    side = SIDES[label]
    cfg = EpsteinConfig(width=side, height=side, steps=1, update=update)
    run_epstein(replace(cfg, width=40, height=40, steps=2), 1)  # compile / load
    state = init_state(cfg, 1)
    benchmark.pedantic(run_epstein, args=(cfg, 1), kwargs={"state": state},
                       rounds=ROUNDS[label], warmup_rounds=1)
    import numba

    benchmark.extra_info.update({
        "agents": state.n_agents, "side": side, "threads": numba.get_num_threads(),
        "updates_per_s_min_time": state.n_agents / benchmark.stats["min"],
        "updates_per_s_median_time": state.n_agents / benchmark.stats["median"],
        **{f"bytes_per_agent_{k}": v for k, v in bytes_per_agent(state).items()},
    })


def test_bytes_per_agent(benchmark):
    cfg = EpsteinConfig(width=1000, height=1000)
    state = benchmark.pedantic(init_state, args=(cfg, 1), rounds=3)
    b = bytes_per_agent(state)
    benchmark.extra_info.update({"agents": state.n_agents, **b})
    assert b["citizen_columns"] == 15 and b["cop_columns"] == 4


_START_SCRIPT = """
import time
start = time.perf_counter()
from sim.epstein import EpsteinConfig, run_epstein
imported = time.perf_counter()
run_epstein(EpsteinConfig(steps=10), 1)
sequential = time.perf_counter()
run_epstein(EpsteinConfig(steps=10, update="tiled"), 1)
tiled = time.perf_counter()
run_epstein(EpsteinConfig(steps=10, update="synchronous"), 1)
done = time.perf_counter()
import json
print(json.dumps({"import": imported - start, "sequential": sequential - imported,
                  "tiled": tiled - sequential, "synchronous": done - tiled, "total": done - start}))
"""


def _start(cache_dir: str) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    proc = subprocess.run([sys.executable, "-c", _START_SCRIPT], env=env, cwd=REPO,
                          capture_output=True, text=True, check=True, timeout=600)
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("cache", ["cold", "warm"])
def test_start_time(benchmark, cache):
    """Import + first 10 steps of each scheme in a fresh process (interpreter start excluded)."""
    with tempfile.TemporaryDirectory() as cache_dir:
        if cache == "warm":
            _start(cache_dir)  # populate the cache
        result = {}

        def start():
            if cache == "cold":
                for entry in os.listdir(cache_dir):
                    subprocess.run(["rm", "-rf", os.path.join(cache_dir, entry)], check=True)
            result.update(_start(cache_dir))

        benchmark.pedantic(start, rounds=1 if cache == "cold" else 3)
        benchmark.extra_info.update({f"{k}_s": v for k, v in result.items()})


_THREADS_SCRIPT = """
import json, sys, time, numba
from sim.epstein import EpsteinConfig, init_state, run_epstein
cfg = EpsteinConfig(width=1000, height=1000, steps=1, update=sys.argv[1])
run_epstein(EpsteinConfig(steps=2, update=sys.argv[1]), 1)
state = init_state(cfg, 1)
times = []
for _ in range(6):
    t = time.perf_counter(); run_epstein(cfg, 1, state=state); times.append(time.perf_counter() - t)
print(json.dumps({"threads": numba.get_num_threads(), "agents": state.n_agents, "min_step_s": min(times[1:])}))
"""


def _threads(n: int, update: str) -> dict:
    env = dict(os.environ, NUMBA_NUM_THREADS=str(n))
    proc = subprocess.run([sys.executable, "-c", _THREADS_SCRIPT, update], env=env, cwd=REPO,
                          capture_output=True, text=True, check=True, timeout=600)
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("update", ["tiled", "synchronous"])
def test_threads_speedup(benchmark, update):
    """A parallel scheme at 1000x1000: one step on 1 thread vs 2 threads (subprocesses)."""
    result = {}

    def both():
        result["one"] = _threads(1, update)
        result["two"] = _threads(2, update)

    benchmark.pedantic(both, rounds=1)
    one, two = result["one"], result["two"]
    benchmark.extra_info.update({
        "agents": one["agents"], "step_s_1_thread": one["min_step_s"], "step_s_2_threads": two["min_step_s"],
        "updates_per_s_1_thread": one["agents"] / one["min_step_s"],
        "updates_per_s_2_threads": two["agents"] / two["min_step_s"],
        "speedup_2_threads": one["min_step_s"] / two["min_step_s"], "cpus": os.cpu_count(),
    })
