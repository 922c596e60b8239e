"""``python -m sim.calibrate``: calibrate the model's parameters against reference series (Optuna).

    python -m sim.calibrate --smoke --trials 3 --storage s.db            # seconds; run again: 6 trials
    python -m sim.calibrate --problem default --trials 500 --seeds 3 --storage cal.log --workers 2
    python -m sim.calibrate --problem default --trials 250 --storage /shared/cal.log --slurm-array 8

See ``docs/calibration.md`` (the loss, the resume rule) and :mod:`sim.calibrate.study`.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from pathlib import Path

__all__ = ["main", "parse_args"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m sim.calibrate", description=(
        "Calibrate the model against reference series with Optuna. Running the same command "
        "again resumes the study; see docs/calibration.md."))
    ap.add_argument("--problem", default="default",
                    help="a calibration problem in configs/calibration/ (default: default) or a YAML path")
    ap.add_argument("--smoke", action="store_true",
                    help="the seconds-scale problem configs/calibration/smoke.yaml (synthetic map, "
                         "short window, 2 parameters)")
    ap.add_argument("--trials", type=int, default=10, help="trials to add in this run (default 10)")
    ap.add_argument("--seeds", type=int, default=None,
                    help="seeds per trial, the same for every trial (default: the problem's)")
    ap.add_argument("--storage", default="calibration.db",
                    help="SQLite file, journal file (.log/.journal) or Optuna storage URL "
                         "(default calibration.db)")
    ap.add_argument("--study-name", default=None, help="default: calibrate-<problem>")
    ap.add_argument("--reference", default=None,
                    help="a reference CSV or an ACLED export; its rows replace the problem's")
    ap.add_argument("--workers", type=int, default=1,
                    help="local worker processes sharing the storage (trials are split among them)")
    ap.add_argument("--slurm-array", type=int, default=0, metavar="K",
                    help="submit K workers as a Slurm job array (sbatch --wait) instead of running here")
    ap.add_argument("--slurm-partition", default=None)
    ap.add_argument("--slurm-time-min", type=int, default=60)
    ap.add_argument("--sampler-seed", type=int, default=None,
                    help="seed of Optuna's TPE sampler, mixed with the worker's index and the "
                         "study's trial count so that workers and resumed runs draw apart")
    ap.add_argument("--worker-index", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--heartbeat", type=float, default=10.0, help="seconds between heartbeats")
    ap.add_argument("--grace", type=float, default=60.0,
                    help="a running trial with no heartbeat for this long is stale (default 60 s)")
    args = ap.parse_args(argv)
    if args.smoke:
        args.problem = "smoke"
    for name in ("trials", "workers"):
        if getattr(args, name) < 1:
            ap.error(f"--{name} = {getattr(args, name)} is not allowed: a whole number >= 1")
    if args.seeds is not None and args.seeds < 1:
        ap.error(f"--seeds = {args.seeds} is not allowed: a whole number >= 1")
    if args.study_name is None:
        args.study_name = f"calibrate-{Path(args.problem).stem}"
    return args


def _split(n: int, k: int) -> list[int]:
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


def _worker_argv(argv: list[str], trials: int) -> list[str]:
    """This command for one worker: ``--trials`` replaced; no ``--workers``/``--slurm-array``."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        name = a.split("=")[0]
        if name in ("--trials", "--workers", "--slurm-array", "--worker-index"):
            skip = "=" not in a
            continue
        out.append(a)
    return [sys.executable, "-m", "sim.calibrate", *out, "--trials", str(trials)]


def _slurm(args, argv: list[str]) -> int:
    if "://" not in args.storage and not args.storage.endswith((".log", ".journal")):
        print("warning: SQLite over a shared filesystem is fragile; a journal file (.log) is safer",
              file=sys.stderr)
    per = max(1, -(-args.trials // args.slurm_array))
    folder = Path(args.storage).resolve().parent if "://" not in args.storage else Path.cwd()
    script = folder / f"{args.study_name}.sbatch"
    env = f"export PYTHONPATH={shlex.quote(os.environ.get('PYTHONPATH', ''))}\n" \
          f"export PYTHONHASHSEED=0 NUMBA_NUM_THREADS=1\n"
    if "NUMBA_CACHE_DIR" in os.environ:
        env += f"export NUMBA_CACHE_DIR={shlex.quote(os.environ['NUMBA_CACHE_DIR'])}\n"
    lines = ["#!/bin/bash", f"#SBATCH --job-name={args.study_name}",
             f"#SBATCH --array=0-{args.slurm_array - 1}", "#SBATCH --cpus-per-task=1",
             f"#SBATCH --time={args.slurm_time_min}", f"#SBATCH --output={folder}/%x_%A_%a.out"]
    if args.slurm_partition:
        lines.append(f"#SBATCH --partition={args.slurm_partition}")
    cmd = " ".join(shlex.quote(a) for a in _worker_argv(argv, per))
    script.write_text("\n".join(lines) + f"\ncd {shlex.quote(str(Path.cwd()))}\n{env}{cmd}\n")
    print(f"submitting {script} ({args.slurm_array} array tasks x {per} trials)")
    return subprocess.run(["sbatch", "--wait", str(script)]).returncode


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    import optuna

    from sim.calibrate.space import load_problem
    from sim.calibrate.study import enqueue_prior, open_study, run_trials
    from sim.core.params import ConfigError

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        problem = load_problem(args.problem, args.reference)
    except (ConfigError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    worker = args.worker_index
    if worker is None:
        worker = int(os.environ.get("SLURM_ARRAY_TASK_ID", "0"))
    study = open_study(args.storage, args.study_name, args.sampler_seed, worker)  # created here
    if not study.get_trials(deepcopy=False) and enqueue_prior(study, problem):
        print("a new study: its first trial is the prior defaults", flush=True)
    if args.slurm_array:
        return _slurm(args, argv)
    if args.workers > 1:
        procs = [subprocess.Popen(_worker_argv(argv, n) + ["--worker-index", str(i)])
                 for i, n in enumerate(_split(args.trials, args.workers)) if n]
        codes = [p.wait() for p in procs]
        return max(codes)
    seeds = list(range(args.seeds or problem.seeds))
    print(f"study {args.study_name!r} in {args.storage}: {len(study.trials)} trials so far; "
          f"problem {problem.name} ({len(problem.params)} parameters, {len(problem.in_sample)} "
          f"in-sample and {len(problem.out_of_sample)} out-of-sample series), seeds {seeds}",
          flush=True)
    run_trials(study, problem, args.trials, seeds, args.heartbeat, args.grace,
               report=lambda s: print(s, flush=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
