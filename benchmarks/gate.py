"""CI benchmark gate for the Epstein kernels: speed relative to this machine, and exact work.

Speed is machine-dependent, so the gate never compares seconds. In one process it interleaves
each of our workloads with a fixed reference workload (a numba loop of the same kind: vision
diamonds summed over an int8 grid in a random order, written here, independent of our code),
keeps the minimum time of each over several rounds, and compares the ratio ours / reference
with the committed ``benchmarks/baseline.json``: a ratio 1.15x the baseline's warns, 1.30x
fails. numba runs single-threaded while timing, so the ratio does not depend on core count.

It also checks deterministic work counters (agent updates, vision cells scanned, arrests, moves
and the final counts of a fixed seeded run) for exact equality: a change there means the model
now does different work, which must be a decision (refresh the baseline), never an accident.

    python benchmarks/gate.py            # check, print the table, exit 1 on failure
    python benchmarks/gate.py --refresh  # measure and rewrite benchmarks/baseline.json
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
import warnings
from dataclasses import dataclass, replace

import numpy as np
from numba import njit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from sim.epstein import NETLOGO_SETTINGS, EpsteinConfig, init_state, run_epstein  # noqa: E402

BASELINE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "baseline.json")
WARN_SLOWDOWN = 1.15
FAIL_SLOWDOWN = 1.30
ROUNDS = 20
SEED = 7

#: Timed workloads: a few steps of a 200x200 model (31k agents) from a fixed state.
WORKLOADS = {
    "sequential_200x200": EpsteinConfig(width=200, height=200, steps=3, **NETLOGO_SETTINGS),
    "tiled_200x200": EpsteinConfig(width=200, height=200, steps=3, update="tiled", **NETLOGO_SETTINGS),
    "synchronous_200x200": EpsteinConfig(width=200, height=200, steps=3, update="synchronous",
                                         **NETLOGO_SETTINGS),
}
#: Work-counter runs: exact numbers for a fixed seed.
COUNTER_RUNS = {
    "sequential_60x60": EpsteinConfig(width=60, height=60, steps=60, **NETLOGO_SETTINGS),
    "tiled_60x60": EpsteinConfig(width=60, height=60, steps=60, update="tiled", **NETLOGO_SETTINGS),
    "synchronous_60x60": EpsteinConfig(width=60, height=60, steps=60, update="synchronous",
                                       **NETLOGO_SETTINGS),
}


@njit(cache=True)
def reference_workload(grid, order, width, radius):
    """Machine-speed yardstick: diamond sums of an int8 grid at positions in a random order,
    with a data-dependent write, the memory and instruction mix of a sequential step."""
    total = 0
    padded_width = width + 2 * radius
    for n in range(order.shape[0]):
        center = order[n]
        count = 0
        for dy in range(-radius, radius + 1):
            half_width = radius - abs(dy)
            row = center + dy * padded_width
            for i in range(row - half_width, row + half_width + 1):
                count += grid[i] == 0
        total += count
        grid[center] = 1 - grid[center] if count > 20 else grid[center]
    return total


def _reference_inputs(width: int = 200, radius: int = 7, n: int = 60_000):
    rng = np.random.default_rng(12345)
    padded_width = width + 2 * radius
    grid = (rng.random(padded_width * padded_width) < 0.5).astype(np.int8)
    rows = rng.integers(radius, width + radius, n)
    cols = rng.integers(radius, width + radius, n)
    return grid, (rows * padded_width + cols).astype(np.int64), width, radius


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure_ratios(rounds: int = ROUNDS) -> dict[str, dict[str, float]]:
    """min(ours) / min(reference) per workload, interleaved over ``rounds`` rounds."""
    import numba

    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        ref_inputs = _reference_inputs()
        states = {name: init_state(cfg, SEED) for name, cfg in WORKLOADS.items()}
        for name, cfg in WORKLOADS.items():  # compile / load, not timed
            run_epstein(replace(cfg, steps=1), SEED, state=states[name].copy())
        reference_workload(ref_inputs[0].copy(), *ref_inputs[1:])
        best = {name: float("inf") for name in WORKLOADS}
        best_ref = float("inf")
        for _ in range(rounds):
            for name, cfg in WORKLOADS.items():
                state = states[name].copy()
                best[name] = min(best[name], _time(lambda cfg=cfg, state=state: run_epstein(cfg, SEED, state=state)))
                grid = ref_inputs[0].copy()
                best_ref = min(best_ref, _time(lambda grid=grid: reference_workload(grid, *ref_inputs[1:])))
    finally:
        numba.set_num_threads(threads)
    return {name: {"seconds": best[name], "reference_seconds": best_ref, "ratio": best[name] / best_ref}
            for name in WORKLOADS}


def work_counters() -> dict[str, dict[str, int]]:
    """Exact work of fixed seeded runs (platform-independent)."""
    out = {}
    for name, cfg in COUNTER_RUNS.items():
        result = run_epstein(cfg, SEED)
        out[name] = {**result.work, "final_active": int(result.active[-1]),
                     "final_jailed": int(result.jailed[-1]), "sum_active": int(result.active.sum())}
    return out


@dataclass
class GateReport:
    rows: list[dict]
    failures: list[str]
    warnings: list[str]

    def table(self) -> str:
        lines = [f"{'workload':<22} {'baseline':>9} {'now':>9} {'slowdown':>9}  status"]
        for r in self.rows:
            lines.append(f"{r['workload']:<22} {r['baseline_ratio']:>9.3f} {r['ratio']:>9.3f} "
                         f"{r['slowdown']:>9.3f}  {r['status']}")
        return "\n".join(lines)


def compare(baseline: dict, ratios: dict, counters: dict) -> GateReport:
    """Judge measured ``ratios`` and ``counters`` against ``baseline`` (pure; no timing)."""
    rows, failures, warns = [], [], []
    for name, now in ratios.items():
        if name not in baseline["ratios"]:
            failures.append(f"{name}: not in baseline.json (run gate.py --refresh)")
            continue
        base = baseline["ratios"][name]["ratio"]
        slowdown = now["ratio"] / base
        status = "ok"
        if slowdown >= FAIL_SLOWDOWN:
            status = "FAIL"
            failures.append(f"{name}: {slowdown:.2f}x slower than baseline (fail at {FAIL_SLOWDOWN}x)")
        elif slowdown >= WARN_SLOWDOWN:
            status = "warn"
            warns.append(f"{name}: {slowdown:.2f}x slower than baseline (warn at {WARN_SLOWDOWN}x)")
        rows.append({"workload": name, "baseline_ratio": base, "ratio": now["ratio"],
                     "slowdown": slowdown, "status": status, "seconds": now["seconds"]})
    for name, now in counters.items():
        expected = baseline["work"].get(name)
        if expected != now:
            failures.append(f"{name}: work counters changed: {expected} -> {now}")
    return GateReport(rows, failures, warns)


def load_baseline() -> dict:
    with open(BASELINE) as f:
        return json.load(f)


def check(baseline: dict | None = None, rounds: int = ROUNDS) -> GateReport:
    """Measure this machine's ratios and the exact work counters; compare with the baseline."""
    return compare(load_baseline() if baseline is None else baseline, measure_ratios(rounds),
                   work_counters())


def refresh() -> dict:
    """Measure and write baseline.json (the only way it changes)."""
    import numba

    baseline = {
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"processor": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
                    "python": platform.python_version(), "numba": numba.__version__},
        "thresholds": {"warn": WARN_SLOWDOWN, "fail": FAIL_SLOWDOWN},
        "ratios": measure_ratios(),
        "work": work_counters(),
    }
    with open(BASELINE, "w") as f:
        json.dump(baseline, f, indent=1)
        f.write("\n")
    return baseline


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--refresh", action="store_true", help="rewrite benchmarks/baseline.json")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args(argv)
    if args.refresh:
        baseline = refresh()
        for name, r in baseline["ratios"].items():
            print(f"{name:<22} ratio {r['ratio']:.3f} ({r['seconds'] * 1e3:.1f} ms vs reference "
                  f"{r['reference_seconds'] * 1e3:.1f} ms)")
        print(f"wrote {BASELINE}")
        return 0
    start = time.perf_counter()
    report = check(rounds=args.rounds)
    print(report.table())
    for w in report.warnings:
        warnings.warn(w, stacklevel=1)
    for f in report.failures:
        print("FAIL:", f)
    print(f"({time.perf_counter() - start:.1f} s)")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
