"""Sweep throughput: historical runs an hour through the joblib launcher, and the overhead per run.

    python benchmarks/bench_sweep.py [--runs 8] [--jobs 2] [--json OUT] [overrides ...]

Runs ``python -m sim -m scenario=historical_2012_2025 seed=1..N`` with the default (joblib,
loky) launcher into a fresh sweep folder, timing the whole command: interpreter and Hydra start,
worker processes, numba cache load, the runs and their Parquet output (no dashboards). Then

- runs per hour = N / wall * 3600 (target >= 300 on 2 cores);
- overhead per run = wall * jobs / N - the mean in-run seconds (``summary.json`` wall_seconds:
  set-up, the run and gathering its results), i.e. what a run costs beyond simulating it
  (target <= 1 s). With few runs this carries a share of the fixed start cost, so it is split:
- fixed start = from the command's start to the first job's start (interpreter, Hydra and
  ``import sim`` in the parent, composing the sweep, spawning the workers, their imports and the
  first job's config composition); a job starts when Hydra writes its ``.hydra/`` folder;
- fixed end = from the last run's completion record to the command's exit;
- overhead per run beyond the fixed parts = (wall - fixed start - fixed end) * jobs / N - mean
  in-run seconds: config composition, ``.hydra/`` files, validation, saving and the gaps
  between jobs.

The numba cache is warmed first by one short run, as on a cluster node after the first job.
``cpu_s`` is the CPU time (user + sys) of the sweep command and its workers: on a busy machine
it is a steadier figure than the wall-clock ones.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=8, help="historical runs in the sweep (default 8)")
    parser.add_argument("--jobs", type=int, default=2, help="joblib workers (default 2)")
    parser.add_argument("--json", help="write the measurement here")
    parser.add_argument("overrides", nargs="*", help="extra Hydra overrides for every run")
    args = parser.parse_args()
    for key, value in (("--runs", args.runs), ("--jobs", args.jobs)):
        if value < 1:
            parser.error(f"{key} {value}: must be at least 1")
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    base = [sys.executable, "-m", "sim", "-m", "scenario=historical_2012_2025", "output.dashboard=false",
            "output.progress=false", *args.overrides]
    with tempfile.TemporaryDirectory(prefix="bench_sweep_") as tmp:
        subprocess.run([*base, "end_date=2012-02-01", f"hydra.sweep.dir={tmp}/warm"], check=True, env=env,
                       cwd=ROOT, stdout=subprocess.DEVNULL)
        sweep = pathlib.Path(tmp) / "sweep"
        cmd = [*base, f"seed=range(1,{args.runs + 1})", f"hydra.launcher.n_jobs={args.jobs}",
               f"hydra.sweep.dir={sweep}"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0, w0 = time.perf_counter(), time.time()
        subprocess.run(cmd, check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
        wall, w1 = time.perf_counter() - t0, time.time()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        summaries = [json.loads(p.read_text()) for p in sorted(sweep.glob("*/summary.json"))]
        starts = [min(f.stat().st_mtime for f in (p / ".hydra").iterdir()) for p in sweep.iterdir()
                  if (p / ".hydra").is_dir()]
    if len(summaries) != args.runs:
        raise SystemExit(f"bench_sweep: {len(summaries)} of {args.runs} runs wrote summary.json")
    mean_run = sum(s["wall_seconds"] for s in summaries) / len(summaries)
    fixed_start = min(starts) - w0
    fixed_end = w1 - max(s["completion"]["finished_at"] for s in summaries)
    out = {"runs": args.runs, "jobs": args.jobs, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
           "runs_per_hour": round(args.runs / wall * 3600, 1), "mean_run_s": round(mean_run, 2),
           "overhead_per_run_s": round(wall * args.jobs / args.runs - mean_run, 2),
           "fixed_start_s": round(fixed_start, 2), "fixed_end_s": round(fixed_end, 2),
           "overhead_per_run_beyond_fixed_s": round(
               (wall - fixed_start - fixed_end) * args.jobs / args.runs - mean_run, 2),
           "targets": {"runs_per_hour": 300, "overhead_per_run_s": 1.0}}
    print(json.dumps(out))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
