"""pytest-benchmark benchmarks of the Epstein kernels (``make bench``).

* scaling: one step at ~1e4, ~1e5 and ~7.7e5 agents (114x114, 360x360, 1000x1000 grids),
  all three update schemes; 3600x3600 (~1e7 agents) only with ``EPSTEIN_BENCH_1E7=1``;
* memory: bytes per agent (columns, and everything including grids);
* start-up: cold (fresh NUMBA_CACHE_DIR: everything compiles) vs warm (cached), in a
  subprocess that imports sim.epstein and runs 10 steps of each scheme;
* threads: the parallel schemes (tiled, synchronous) at 1000x1000 on 1 and on 2 threads, in
  alternation in one process (``python benchmarks/test_bench_epstein.py`` prints the table).

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
#: Steps per timed call: a run's set-up (scratch allocation, first touch of ~25 bytes per cell)
#: is paid once per run, not per step, and is reported with the start-up times.
STEPS = 5
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("update", ["sequential", "tiled", "synchronous"])
@pytest.mark.parametrize("label", list(SIDES))
def test_step_scaling(benchmark, label, update):
    side = SIDES[label]
    cfg = EpsteinConfig(width=side, height=side, steps=STEPS, update=update)
    run_epstein(replace(cfg, width=40, height=40, steps=2), 1)  # compile / load
    state = init_state(cfg, 1)
    benchmark.pedantic(run_epstein, args=(cfg, 1), kwargs={"state": state},
                       rounds=ROUNDS[label], warmup_rounds=1)
    import numba

    benchmark.extra_info.update({
        "agents": state.n_agents, "side": side, "threads": numba.get_num_threads(),
        "steps_per_round": STEPS,
        "updates_per_s_min_time": STEPS * state.n_agents / benchmark.stats["min"],
        "updates_per_s_median_time": STEPS * state.n_agents / benchmark.stats["median"],
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
update, steps, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
cfg = EpsteinConfig(width=1000, height=1000, steps=steps, update=update)
run_epstein(EpsteinConfig(steps=2, update=update), 1)
start = init_state(cfg, 1)
best = {1: float("inf"), 2: float("inf")}
for _ in range(rounds):  # 1 and 2 threads alternate, so that a busy spell hits both alike
    for n in (1, 2):
        numba.set_num_threads(n)
        state = start.copy()
        t = time.perf_counter(); run_epstein(cfg, 1, state=state); t = time.perf_counter() - t
        best[n] = min(best[n], t / steps)
print(json.dumps({"agents": start.n_agents, "step_s_1_thread": best[1], "step_s_2_threads": best[2]}))
"""


def threads_speedup(update: str, steps: int = STEPS, rounds: int = 7) -> dict:
    """One process with 2 numba threads: the same run from the same state, on 1 and on 2
    threads in alternation; per-step time is the best over ``rounds``."""
    env = dict(os.environ, NUMBA_NUM_THREADS="2")
    proc = subprocess.run([sys.executable, "-c", _THREADS_SCRIPT, update, str(steps), str(rounds)],
                          env=env, cwd=REPO, capture_output=True, text=True, check=True, timeout=600)
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("update", ["tiled", "synchronous"])
def test_threads_speedup(benchmark, update):
    """A parallel scheme at 1000x1000: per-step time on 1 vs 2 threads (one subprocess)."""
    result = {}
    benchmark.pedantic(lambda: result.update(threads_speedup(update)), rounds=1)
    one, two, n = result["step_s_1_thread"], result["step_s_2_threads"], result["agents"]
    benchmark.extra_info.update({
        "agents": n, "steps_per_round": STEPS, "step_s_1_thread": one, "step_s_2_threads": two,
        "updates_per_s_1_thread": n / one, "updates_per_s_2_threads": n / two,
        "speedup_2_threads": one / two, "cpus": os.cpu_count(),
    })


if __name__ == "__main__":  # python benchmarks/test_bench_epstein.py [scheme ...]: the thread table
    for scheme in sys.argv[1:] or ["synchronous", "tiled"]:
        r = threads_speedup(scheme)
        print(f"{scheme:<12} {r['agents']:,} agents at 1000x1000: 1 thread {r['agents'] / r['step_s_1_thread']:.3g}"
              f" updates/s, 2 threads {r['agents'] / r['step_s_2_threads']:.3g} updates/s, speed-up "
              f"{r['step_s_1_thread'] / r['step_s_2_threads']:.2f}x", flush=True)
