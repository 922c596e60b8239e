"""Resumable sweeps: the Hydra callback that checks the output folder and reports a sweep.

``configs/config.yaml`` registers :class:`SweepReport` under ``hydra.callbacks``. It runs in the
process that starts the run or the sweep (not in the launcher's workers or Slurm tasks):

* before anything is launched, it checks that the output folder can be created and written
  (a clear one-line error and exit status 2 otherwise, instead of a traceback from deep
  inside Hydra);
* after a sweep, it prints what was **run now**, what was **skipped** (already complete for
  the same config, see :mod:`sim.output.rundir`) and what is **not complete**, with each
  incomplete run's folder, overrides and reason. ``python -m sim`` prints the same report when
  a sweep fails (a run raised, a worker process died, Slurm cancelled a task), so a dead
  worker is reported with the overrides of its run.

Whether a run is skipped is decided in the run itself (``sim/__main__.py``), so resuming works
under any launcher: re-run the same command with the same ``hydra.sweep.dir``.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from sim.output.rundir import COMPLETION, RunDirError, read_summary, run_status

__all__ = ["SweepReport", "SweepState", "classify", "format_report", "check_writable", "expected_jobs", "ACTIVE"]

OVERRIDES = Path(".hydra") / "overrides.yaml"


@dataclass
class SweepState:
    sweep_dir: Path
    started: float
    jobs: list[list[str]] = field(default_factory=list)  # each job's overrides, by job number
    reported: bool = False


def expected_jobs(task_overrides: list[str]) -> list[list[str]]:
    """The overrides of every job of a sweep, by job number, as Hydra's basic sweeper expands
    the command line (the cross product of the swept keys); [] if they cannot be expanded."""
    try:
        from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
        from hydra.core.override_parser.overrides_parser import OverridesParser

        parsed = OverridesParser.create().parse_overrides(list(task_overrides))
        return [list(job) for batch in BasicSweeper.split_arguments(parsed, None) for job in batch]
    except Exception:  # a sweeper of another kind: report the job folders that exist
        return []


ACTIVE: list[SweepState] = []
"""The sweep running in this process (set by :meth:`SweepReport.on_multirun_start`)."""


def check_writable(directory: str | Path) -> None:
    """Create ``directory`` and write a probe file there; exit 2 with one line if impossible."""
    d = Path(directory)
    probe = d / f".write-probe-{os.getpid()}"
    try:
        d.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as e:
        print(f"error: cannot write to the output directory {d}: {e.strerror or e}", file=sys.stderr)
        sys.exit(2)


@dataclass
class Classified:
    ran: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    incomplete: list[tuple[Path, list[str], str]] = field(default_factory=list)


def _overrides(run_dir: Path) -> list[str]:
    try:
        raw = yaml.safe_load((run_dir / OVERRIDES).read_text()) or []
        return [str(o) for o in raw] if isinstance(raw, list) else [str(raw)]
    except (OSError, yaml.YAMLError):
        return ["<unreadable .hydra/overrides.yaml>"]


def _job_dirs(sweep_dir: Path) -> list[Path]:
    dirs = [p.parent.parent for p in sweep_dir.rglob(str(OVERRIDES)) if ".submitit" not in p.parts]
    return sorted(dirs, key=lambda d: tuple((0, int(x)) if x.isdigit() else (1, x)
                                            for x in d.relative_to(sweep_dir).parts))


def classify(sweep_dir: str | Path, since: float, jobs: list[list[str]] | None = None) -> Classified:
    """Sort the job folders of a sweep: completed at or after ``since`` (run now), completed
    before (skipped), or not complete (with overrides and reason). ``jobs`` (each job's
    overrides by job number) adds the jobs that never started, which have no folder."""
    out = Classified()
    sweep = Path(sweep_dir)
    dirs = _job_dirs(sweep)
    for i, overrides in enumerate(jobs or []):
        if not (sweep / str(i)).is_dir():
            out.incomplete.append((sweep / str(i), overrides, "never started (its worker or task died first)"))
    for d in dirs:
        status = run_status(d)
        if not status.complete:
            out.incomplete.append((d, _overrides(d), status.reason))
            continue
        try:
            finished = float((read_summary(d) or {})[COMPLETION]["finished_at"])
        except (RunDirError, KeyError, TypeError, ValueError):
            finished = since
        (out.ran if finished >= since else out.skipped).append(d)
    return out


def format_report(sweep_dir: str | Path, c: Classified) -> str:
    n = len(c.ran) + len(c.skipped) + len(c.incomplete)
    lines = [f"sweep {sweep_dir}: {n} runs: {len(c.ran)} run now, {len(c.skipped)} skipped "
             f"(already complete), {len(c.incomplete)} not complete"]
    for d, overrides, reason in c.incomplete:
        lines.append(f"  not complete: {d} [{' '.join(overrides)}]: {reason}")
    if c.incomplete:
        lines.append("  re-run the same command (same hydra.sweep.dir) to complete them")
    return "\n".join(lines)


def report_active(stream: Any = None) -> None:
    """Print the report of the sweep running in this process, once."""
    if not ACTIVE or ACTIVE[-1].reported:
        return
    state = ACTIVE[-1]
    state.reported = True
    print(format_report(state.sweep_dir, classify(state.sweep_dir, state.started, state.jobs)),
          file=stream or sys.stdout, flush=True)


class SweepReport(Callback):
    """Check the output folder before launching; report skipped/run/incomplete after a sweep."""

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        check_writable(config.hydra.run.dir)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(str(config.hydra.sweep.dir)).absolute()
        check_writable(sweep_dir)
        ACTIVE.append(SweepState(sweep_dir, time.time(), expected_jobs(list(config.hydra.overrides.task))))

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        report_active()
