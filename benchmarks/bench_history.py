"""Time the historical run (``scenario=historical_2012_2025``, 5,114 days) on one thread, warm.

    NUMBA_NUM_THREADS=1 python benchmarks/bench_history.py [--repeats 5] [--json OUT] [overrides ...]

A short run first loads numba's cache (or compiles). Each timed repeat builds the model (set-up:
world and population) and runs it; the table gives set-up, the best and median of the runs,
and seconds per simulated day split by phase (the median run's), so that the next person can
see where the time goes. Target (issue "Fast enough to calibrate"): 10 s or less.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time


def timed_run(overrides: list[str]) -> dict:
    """One run: set-up seconds, run seconds and the model's per-phase seconds."""
    import sim
    from sim.sahel.model import SahelModel

    cfg = sim.load_config(["scenario=historical_2012_2025", "output.progress=false", *overrides])
    t0 = time.perf_counter()
    model = SahelModel(cfg)
    t1 = time.perf_counter()
    model.run()
    t2 = time.perf_counter()
    return {"setup_s": t1 - t0, "run_s": t2 - t1, "total_s": t2 - t0, "days": cfg.n_steps,
            "groups": int(model.population.n), "phases_s": dict(model.phase_seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5, help="timed runs (default 5)")
    parser.add_argument("--json", help="write the measurements here")
    parser.add_argument("overrides", nargs="*", help="Hydra-style overrides, e.g. people_per_agent=1000")
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error(f"--repeats {args.repeats}: must be at least 1")
    import sim

    sim.run(sim.load_config(["scenario=historical_2012_2025", "end_date=2012-02-01", "output.progress=false",
                             *args.overrides]))  # numba cache load or compile
    runs = [timed_run(args.overrides) for _ in range(args.repeats)]
    totals = [r["total_s"] for r in runs]
    median_run = sorted(runs, key=lambda r: r["total_s"])[len(runs) // 2]
    days = median_run["days"]
    print(f"historical_2012_2025: {days} days, {median_run['groups']:,} groups, "
          f"NUMBA_NUM_THREADS={os.environ.get('NUMBA_NUM_THREADS', '(all)')}")
    print(f"total (set-up + run) over {len(runs)} runs: best {min(totals):.2f} s, "
          f"median {statistics.median(totals):.2f} s (target 10 s); set-up {median_run['setup_s']:.2f} s")
    print(f"{'phase':<10} {'s/run':>8} {'ms/day':>8} {'share':>6}")
    run_s = median_run["run_s"]
    for phase, sec in median_run["phases_s"].items():
        print(f"{phase:<10} {sec:>8.2f} {1e3 * sec / days:>8.3f} {sec / run_s:>6.1%}")
    other = run_s - sum(median_run["phases_s"].values())
    print(f"{'(loop)':<10} {other:>8.2f} {1e3 * other / days:>8.3f} {other / run_s:>6.1%}")
    out = {"best_s": round(min(totals), 3), "median_s": round(statistics.median(totals), 3), "target_s": 10,
           "runs": [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items() if k != "phases_s"}
                    | {"phases_s": {p: round(v, 4) for p, v in r["phases_s"].items()}} for r in runs]}
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=2)


if __name__ == "__main__":
    main()
