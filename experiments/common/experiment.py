"""One experiment: its sizes, output folder and provenance; it launches and loads its sweeps
and writes its manifest."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.aggregate import aggregate

from . import ROOT
from .cli import DEFAULT_OUT, PEOPLE_PER_AGENT, QUIET, SMALL_MAP, seeds_of, window
from .data import load_series
from .tables import markdown_table


@dataclass
class SweepRecord:
    label: str
    command: list[str]
    sweep_dir: Path
    n_runs: int
    seconds: float  # what the runs took (for a reused sweep: when they were made)
    reused: bool
    wall: float = 0.0  # time spent in this invocation
    revision: str = ""  # the code that made the runs (for a reused sweep: when they were made)
    dirty: bool = False


@dataclass
class Experiment:
    """Sizes, output folder and provenance of one experiment; launches and loads its sweeps."""

    name: str
    args: argparse.Namespace
    small_start: str | None = None  # first day of the --small window (default: the normal one)
    tail_days: int = 90
    out: Path = field(init=False)
    seeds: list[int] = field(init=False)
    start: str = field(init=False)
    end: str = field(init=False)
    sweeps: list[SweepRecord] = field(init=False, default_factory=list)
    outputs: list[str] = field(init=False, default_factory=list)
    notes: dict = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.small = bool(self.args.small)
        self.seeds = seeds_of(self.args)
        self.start, self.end = window(self.args, self.small_start)
        if self.small:
            self.tail_days = min(self.tail_days, 30)
        tag = "" if getattr(self.args, "params", "prior") == "prior" else f"_{self.args.params}"
        default_out = DEFAULT_OUT / (f"{self.name}{tag}_small" if self.small else f"{self.name}{tag}")
        self.out = (self.args.out or default_out).resolve()
        self.out.mkdir(parents=True, exist_ok=True)
        self.t0 = time.perf_counter()
        self.started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        # the code new runs use: recorded before they start (each sweep keeps its own)
        self.revision, self.dirty = git_revision(), git_dirty()
        self.analysis_revision = self.revision

    # ---- runs
    def base_overrides(self) -> list[str]:
        size = SMALL_MAP if self.small else [f"people_per_agent={PEOPLE_PER_AGENT}"]
        # the prior is the config's default: its commands stay as they were (and --reuse finds them)
        params = [] if getattr(self.args, "params", "prior") == "prior" else [f"params={self.args.params}"]
        return [*size, *params, f"start_date={self.start}", f"end_date={self.end}", *QUIET]

    def sweep(self, label: str, sweep: dict[str, Sequence], fixed: Iterable[str] = (),
              seeds: Sequence[int] | None = None) -> Path:
        """Run ``python -m sim -m`` over the cross product of ``sweep`` (key -> values) and the
        seeds, with ``fixed`` overrides; merge it; return the sweep folder."""
        seeds = list(seeds or self.seeds)
        sweep_dir = self.out / "sweeps" / label
        params = [f"{k}={','.join(str(v) for v in vals)}" for k, vals in sweep.items()]
        params.append(f"seed={','.join(str(s) for s in seeds)}")
        launcher = ["hydra/launcher=slurm"] if self.args.launcher == "slurm" else []
        fixed = list(fixed)
        own = {f.split("=", 1)[0] for f in fixed} | set(sweep)  # a fixed or swept key replaces a base one
        base = [b for b in self.base_overrides() if b.split("=", 1)[0] not in own]
        cmd = [sys.executable, "-m", "sim", "-m", *launcher, *params, *base, *fixed,
               f"hydra.sweep.dir={sweep_dir}"]
        n_runs = len(seeds) * math.prod(len(v) for v in sweep.values())
        stamp = sweep_dir / "experiment_sweep.json"
        started = time.perf_counter()
        reused = bool(self.args.reuse and stamp.is_file() and _same_sweep(stamp, cmd, n_runs))
        if reused:  # keep what the original runs took and which code made them
            old = json.loads(stamp.read_text())
            seconds = old.get("seconds", float("nan"))
            revision, dirty = old.get("git_revision", "unknown"), old.get("git_dirty", False)
        else:
            if sweep_dir.exists():
                shutil.rmtree(sweep_dir)
            sweep_dir.mkdir(parents=True)
            print(f"[{self.name}] {label}: {n_runs} runs: {shlex.join(_display(cmd))}", flush=True)
            _run_logged(cmd, self.out / "logs" / f"{label}.log")
            found = sum(1 for _ in sweep_dir.glob("*/timeseries.parquet"))
            if found != n_runs:
                raise RuntimeError(f"sweep {label}: expected {n_runs} runs, found {found} "
                                   f"(log: {self.out / 'logs' / f'{label}.log'})")
            aggregate(sweep_dir)
            seconds = round(time.perf_counter() - started, 1)
            revision, dirty = self.revision, self.dirty
            stamp.write_text(json.dumps({"command": _display(cmd), "n_runs": n_runs,
                                         "seconds": seconds, "git_revision": self.revision,
                                         "git_dirty": self.dirty}, indent=1))
        self.sweeps.append(SweepRecord(label, cmd, sweep_dir, n_runs, seconds, reused,
                                       time.perf_counter() - started, revision, dirty))
        return sweep_dir

    # ---- loading
    def load(self, sweep_dir: Path, metrics: Sequence[str], *, country: str = "all",
             faction: str = "all", community: str = "all") -> pd.DataFrame:
        """Rows of the merged time series for ``metrics`` at one breakdown (streamed read)."""
        return load_series(sweep_dir, metrics, country=country, faction=faction,
                           community=community)

    # ---- outputs
    def path(self, name: str) -> Path:
        p = self.out / name
        self.outputs.append(name)
        return p

    def write_csv(self, df: pd.DataFrame, name: str) -> None:
        """``name`` (e.g. ``per_run.csv``): no index, floats to 10 significant digits."""
        df.to_csv(self.path(name), index=False, float_format="%.10g")

    def write_table(self, df: pd.DataFrame, stem: str, title: str = "", note: str = "") -> None:
        self.write_csv(df, f"{stem}.csv")
        self.path(f"{stem}.md").write_text(markdown_table(df, title=title, note=note))

    def finish(self, **extra) -> Path:
        """Write manifest.json: command lines, seeds, window, git revision, sweeps, outputs."""
        manifest = {
            "experiment": self.name,
            "command": shlex.join([Path(sys.executable).name, *_rel_argv()]),
            "size": "small" if self.small else "full",
            "seeds": self.seeds,
            "replicates_per_arm": len(self.seeds),
            "start_date": self.start, "end_date": self.end,
            "tail_days": self.tail_days,
            "base_overrides": self.base_overrides(),
            "launcher": self.args.launcher,
            "confidence_intervals": "paired t: mean(arm - reference) +/- t(0.975, n-1) sd/sqrt(n)",
            # the code that made the runs: one revision, or several (comma-separated) when
            # reused sweeps and new ones were made at different revisions (see "sweeps")
            "git_revision": ",".join(dict.fromkeys(s.revision for s in self.sweeps))
            or self.revision,
            "git_dirty": any(s.dirty for s in self.sweeps),
            "analysis_git_revision": self.analysis_revision,
            "python": platform.python_version(),
            "sweeps": [{"label": s.label, "command": shlex.join(_display(s.command)),
                        "sweep_dir": _rel(s.sweep_dir), "n_runs": s.n_runs,
                        "seconds": s.seconds, "reused": s.reused, "git_revision": s.revision,
                        "git_dirty": s.dirty} for s in self.sweeps],
            "outputs": sorted(set(self.outputs)),
            "started_utc": self.started,
            # the runs (as long as they took when made) plus this invocation's analysis
            "seconds": round(sum(s.seconds for s in self.sweeps if math.isfinite(s.seconds))
                             + time.perf_counter() - self.t0 - sum(s.wall for s in self.sweeps),
                             1),
            **self.notes, **extra,
        }
        path = self.out / "manifest.json"
        path.write_text(json.dumps(manifest, indent=2, default=str) + "\n")
        print(f"[{self.name}] done in {manifest['seconds']:.0f} s: {self.out}", flush=True)
        return path


def _display(cmd: list[str]) -> list[str]:
    """A command as it would be typed from the repository root."""
    return ["python", *[_rel_arg(c) for c in cmd[1:]]]


def _rel_arg(arg: str) -> str:
    key, eq, value = arg.partition("=")
    if eq and value.startswith(str(ROOT)):
        return f"{key}={_rel(Path(value))}"
    return arg


def _rel(p: Path) -> str:
    try:
        return str(Path(p).resolve().relative_to(ROOT))
    except ValueError:
        return str(p)


def _rel_argv() -> list[str]:
    return [_rel(Path(sys.argv[0])), *sys.argv[1:]]


def _same_sweep(stamp: Path, cmd: list[str], n_runs: int) -> bool:
    try:
        old = json.loads(stamp.read_text())
    except (OSError, ValueError):
        return False
    done = sum(1 for _ in stamp.parent.glob("*/timeseries.parquet"))
    return (old.get("command") == _display(cmd) and old.get("n_runs") == n_runs == done
            and (stamp.parent / "timeseries_all.parquet").is_file())


def _run_logged(cmd: list[str], log: Path) -> None:
    log.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".numba_cache"))
    env.setdefault("PYTHONHASHSEED", "0")
    with log.open("w") as f:
        f.write(shlex.join(cmd) + "\n\n")
        f.flush()
        r = subprocess.run(cmd, cwd=ROOT, env=env, stdout=f, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        tail = log.read_text()[-4000:]
        raise RuntimeError(f"sweep failed (exit {r.returncode}), log {log}:\n{tail}")


def git_revision() -> str:
    r = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return r.stdout.strip() or "unknown"


def git_dirty() -> bool:
    """Whether the model's code or configs (sim/, configs/) differ from the revision."""
    r = subprocess.run(["git", "status", "--porcelain", "--", "sim", "configs"], cwd=ROOT,
                       capture_output=True, text=True)
    return bool(r.stdout.strip())
