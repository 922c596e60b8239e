"""Shared machinery of the experiments: command line, sweeps, loading, paired effects, figures.

Every experiment script follows the same five steps::

    args = common.parser(...).parse_args()
    exp = common.Experiment("gloves_off", args, ...)        # sizes, output folder, manifest
    sweep = exp.sweep("main", {"scenario": [...]})          # python -m sim -m ... (Hydra multirun)
    ts = exp.load(sweep, [...])                              # streamed from timeseries_all.parquet
    effects = paired_effects(outcomes, "scenario", "baseline")   # arm minus reference, per seed
    exp.write_table(effects, "effects"); exp.finish()

Design choices, stated once:

* **Runs go through Hydra's multirun** (``python -m sim -m``) in a subprocess, with
  ``hydra.sweep.dir`` under the experiment's output folder, so ``--launcher slurm`` sends the
  very same sweep to Slurm (``hydra/launcher=slurm``). The sweep is merged with
  :func:`sim.aggregate.aggregate` (streamed, run by run); only the metrics an experiment needs are
  read back (Parquet filters).
* **Common random numbers.** Every arm runs the same seeds (1..N), and the model draws each
  mechanism's randomness from its own named stream, so an arm and its reference share their
  chance events until their mechanisms diverge. Effects are therefore **paired**: for each
  seed, arm minus reference.
* **Confidence intervals are t-based**: mean of the paired differences
  +/- t(0.975, n-1) * sd / sqrt(n) (a paired t interval; ``p_value`` is the paired t-test).
  With 20 pairs this is close to a bootstrap percentile interval unless the differences are very
  skewed; the share of seeds in which the arm exceeds the reference is reported beside it.
* **Outcomes** are scalars per run: a *flow* (recruits, losses, deaths, leaders killed; the
  model records them per day) is summed over the window; a *stock* (fighters, displaced, control
  shares, blockades) is its mean over the last ``tail_days`` of the window ("end level"),
  which damps day-to-day noise; ``change`` is that end level minus the level on the first day.
* **Bands** in figures: the median over seeds with the 10-90 % range, per arm and date; flows are
  shown cumulated from the start of the run.
"""

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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `sim` importable when a script is run from anywhere

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker as mticker  # noqa: E402

from sim.aggregate import aggregate  # noqa: E402

DEFAULT_OUT = ROOT / "outputs" / "experiments"

# A finer resolution than the model's default (1,000 people per agent): recruits and deaths are
# realised a whole agent at a time, so at 1,000 a single joining decision adds 1,000 fighters.
# 250 keeps runs affordable (about 1.2x the time of 1,000); sensitivity.py checks 1,000.
PEOPLE_PER_AGENT = 250
SMALL_MAP = ["map=synthetic", "map.width=40", "map.height=30", "people_per_agent=50"]
SMALL_SEEDS, SMALL_DAYS = 3, 90
QUIET = ["output.dashboard=false", "output.progress=false"]

FLOWS = ("recruits", "state_losses", "insurgent_losses", "civilian_deaths_by_state",
         "civilian_deaths_by_partner", "civilian_deaths_by_militia",
         "civilian_deaths_by_insurgents", "leaders_killed")
CIVILIAN_DEATHS = ("civilian_deaths_by_state", "civilian_deaths_by_partner",
                   "civilian_deaths_by_militia", "civilian_deaths_by_insurgents")
EFFECT_COLUMNS = ["outcome", "description", "unit", "arm", "reference", "n_pairs",
                  "reference_mean", "arm_mean", "effect", "ci95_low", "ci95_high",
                  "relative_effect", "share_arm_higher", "p_value"]


# --------------------------------------------------------------------------- command line
def parser(name: str, doc: str, *, years: float = 5, start: str = "2020-01-01",
           seeds: int = 20) -> argparse.ArgumentParser:
    """The command line every experiment shares (plus its own options, added by the caller)."""
    p = argparse.ArgumentParser(prog=f"experiments/{name}.py", description=doc,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", type=int, default=None,
                   help=f"replicates per arm, seeds 1..N, the same in every arm (default {seeds}; "
                        f"--small: {SMALL_SEEDS})")
    p.add_argument("--years", type=float, default=None,
                   help=f"length of the simulated window in years (default {years:g}; "
                        f"--small: {SMALL_DAYS} days)")
    p.add_argument("--start", default=None, help=f"first simulated day (default {start})")
    p.add_argument("--end", default=None, help="day after the last simulated day "
                                               "(default: start + years)")
    p.add_argument("--out", type=Path, default=None,
                   help=f"output folder (default {DEFAULT_OUT.relative_to(ROOT)}/{name}; "
                        f"--small: .../{name}_small)")
    p.add_argument("--launcher", choices=("local", "slurm"), default="local",
                   help="Hydra launcher: local (joblib, 2 workers) or slurm (one job array)")
    p.add_argument("--small", action="store_true",
                   help="reduced size for tests: synthetic 40x30 map, 50 people per agent, "
                        f"{SMALL_SEEDS} seeds, {SMALL_DAYS} days")
    p.add_argument("--reuse", action="store_true",
                   help="skip a sweep whose folder already holds the complete runs of the very "
                        "same command (re-analyse without re-running)")
    p.set_defaults(_defaults={"years": years, "start": start, "seeds": seeds})
    return p


def _add_years(day: dt.date, years: float) -> dt.date:
    whole = int(years)
    try:
        out = day.replace(year=day.year + whole)
    except ValueError:  # 29 February
        out = day.replace(year=day.year + whole, day=28)
    return out + dt.timedelta(days=round((years - whole) * 365.25))


# --------------------------------------------------------------------------- the experiment
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
        a, d = self.args, self.args._defaults
        self.small = bool(a.small)
        n = a.seeds or (SMALL_SEEDS if self.small else d["seeds"])
        self.seeds = list(range(1, n + 1))
        start = a.start or (self.small_start if self.small and self.small_start else d["start"])
        start_day = dt.date.fromisoformat(start)
        if a.end:
            end_day = dt.date.fromisoformat(a.end)
        elif self.small and a.years is None:
            end_day = start_day + dt.timedelta(days=SMALL_DAYS)
        else:
            end_day = _add_years(start_day, a.years if a.years is not None else d["years"])
        if end_day <= start_day:
            raise SystemExit(f"error: end {end_day} is not after start {start_day}")
        self.start, self.end = start_day.isoformat(), end_day.isoformat()
        if self.small:
            self.tail_days = min(self.tail_days, 30)
        default_out = DEFAULT_OUT / (f"{self.name}_small" if self.small else self.name)
        self.out = (a.out or default_out).resolve()
        self.out.mkdir(parents=True, exist_ok=True)
        self.t0 = time.perf_counter()
        self.started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        # the code new runs use: recorded before they start (each sweep keeps its own)
        self.revision, self.dirty = git_revision(), git_dirty()
        self.analysis_revision = self.revision

    # ---- runs
    def base_overrides(self) -> list[str]:
        size = SMALL_MAP if self.small else [f"people_per_agent={PEOPLE_PER_AGENT}"]
        return [*size, f"start_date={self.start}", f"end_date={self.end}", *QUIET]

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
        own = {f.split("=", 1)[0] for f in fixed}  # a fixed override replaces a base one
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

    def write_table(self, df: pd.DataFrame, stem: str, title: str = "", note: str = "") -> None:
        df.to_csv(self.path(f"{stem}.csv"), index=False, float_format="%.10g")
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


# --------------------------------------------------------------------------- loading
def load_series(sweep_dir: Path, metrics: Sequence[str], *, country: str = "all",
                faction: str = "all", community: str = "all") -> pd.DataFrame:
    """The merged time series of a sweep for some metrics at one breakdown.

    Reads only the needed row groups and columns of ``timeseries_all.parquet`` (Parquet
    filters), so memory stays small for large sweeps. Returns ``run``, the override columns,
    ``date`` (datetime64), ``metric``, ``value``; ``seed`` as int.
    """
    path = Path(sweep_dir) / "timeseries_all.parquet"
    names = pq.read_schema(path).names
    data = {"step", "country", "community", "faction"}
    columns = [c for c in names if c not in data]
    filters = [("metric", "in", list(metrics)), ("country", "==", country),
               ("faction", "==", faction), ("community", "==", community)]
    df = pq.read_table(path, columns=columns, filters=filters).to_pandas()
    df["date"] = pd.to_datetime(df["date"])
    if "seed" in df:
        df["seed"] = df["seed"].astype(int)
    return df


def load_events(sweep_dir: Path, columns: Sequence[str] | None = None,
                filters: list | None = None) -> pd.DataFrame:
    df = pq.read_table(Path(sweep_dir) / "events_all.parquet", columns=columns,
                       filters=filters).to_pandas()
    if "seed" in df:
        df["seed"] = df["seed"].astype(int)
    return df


def wide(ts: pd.DataFrame, metric: str, keys: Sequence[str] = ("run",)) -> pd.DataFrame:
    """One metric as a date x run table (columns: tuples of ``keys`` or a single key)."""
    sub = ts[ts["metric"] == metric]
    return sub.pivot_table(index="date", columns=list(keys), values="value", aggfunc="sum")


def events_summary(sweep_dir: Path, arm_col: str, arms: Sequence[str]) -> pd.DataFrame:
    """Per arm and event (sub-)type: mean per run of events, fatalities, civilian fatalities.

    Says *how* an arm differs: which kinds of engagement happen more or less often.
    """
    ev = load_events(sweep_dir, columns=["run", arm_col, "event_type", "sub_event_type",
                                         "fatalities", "civilian_fatalities"])
    n_runs = ev.groupby(arm_col)["run"].nunique()
    g = ev.groupby([arm_col, "event_type", "sub_event_type"]).agg(
        events=("fatalities", "size"), fatalities=("fatalities", "sum"),
        civilian_fatalities=("civilian_fatalities", "sum")).reset_index()
    runs = g[arm_col].map(n_runs)
    for c in ("events", "fatalities", "civilian_fatalities"):
        g[c] = g[c] / runs
    wide_ = g.pivot_table(index=["event_type", "sub_event_type"], columns=arm_col,
                          values=["events", "fatalities"], fill_value=0.0)
    wide_.columns = [f"{arm} {what} per run" for what, arm in wide_.columns]
    order = [f"{a} {w} per run" for w in ("events", "fatalities") for a in arms
             if f"{a} {w} per run" in wide_.columns]
    return wide_[order].reset_index()


# --------------------------------------------------------------------------- outcomes
@dataclass(frozen=True)
class Outcome:
    """A scalar per run, from one or more metrics (summed) over a window.

    ``how``: ``total`` (sum of a flow over the window), ``end`` (mean level over the last
    ``tail_days`` of the window), ``change`` (end level minus the first day's level), ``mean``
    (mean level over the window).
    """

    key: str
    description: str
    metrics: tuple[str, ...]
    how: str
    unit: str = "people"
    start: str | None = None
    end: str | None = None

    def value(self, series: pd.Series, tail_days: int) -> float:
        s = series
        if self.start:
            s = s[s.index >= pd.Timestamp(self.start)]
        if self.end:
            s = s[s.index < pd.Timestamp(self.end)]
        if s.empty:
            return float("nan")
        if self.how == "total":
            return float(s.sum())
        if self.how == "mean":
            return float(s.mean())
        end = float(s[s.index > s.index[-1] - pd.Timedelta(days=tail_days)].mean())
        if self.how == "end":
            return end
        if self.how == "change":
            return end - float(s.iloc[0])
        raise ValueError(f"unknown outcome kind {self.how!r}")


def outcomes_per_run(ts: pd.DataFrame, outcomes: Sequence[Outcome], keys: Sequence[str],
                     tail_days: int) -> pd.DataFrame:
    """One row per run (identified by ``keys``, e.g. scenario and seed), one column per outcome."""
    keys = list(keys)
    rows = []
    for ident, g in ts.groupby(keys, sort=True):
        ident = ident if isinstance(ident, tuple) else (ident,)
        by_metric = {m: s.set_index("date")["value"].sort_index() for m, s in g.groupby("metric")}
        row = dict(zip(keys, ident, strict=True))
        for o in outcomes:
            series = sum(by_metric[m] for m in o.metrics)
            row[o.key] = o.value(series, tail_days)
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- paired effects
def paired_ci(diff: np.ndarray, level: float = 0.95) -> tuple[float, float, float, float]:
    """Mean of paired differences, its t-based CI and the paired t-test p-value."""
    d = np.asarray(diff, dtype=float)
    n = d.size
    mean = float(d.mean())
    if n < 2:
        return mean, float("nan"), float("nan"), float("nan")
    sd = float(d.std(ddof=1))
    if sd == 0.0:
        return mean, mean, mean, 1.0 if mean == 0.0 else 0.0
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
    p = float(2 * stats.t.sf(abs(mean) / (sd / math.sqrt(n)), n - 1))
    return mean, mean - half, mean + half, p


def paired_effects(per_run: pd.DataFrame, arm_col: str, reference: str,
                   outcomes: Sequence[Outcome], pair_col: str = "seed",
                   arms: Sequence[str] | None = None) -> pd.DataFrame:
    """Effects of every arm against ``reference``, paired by ``pair_col`` (the seed).

    Columns: see ``EFFECT_COLUMNS``. ``relative_effect`` is effect / reference mean (NaN when
    the reference mean is 0); ``share_arm_higher`` is the share of pairs where arm > reference.
    """
    ref = per_run[per_run[arm_col] == reference].set_index(pair_col)
    arms = [a for a in (arms or sorted(per_run[arm_col].unique())) if a != reference]
    rows = []
    for o in outcomes:
        for arm in arms:
            cur = per_run[per_run[arm_col] == arm].set_index(pair_col)
            common = ref.index.intersection(cur.index).sort_values()
            r, a = ref.loc[common, o.key].to_numpy(float), cur.loc[common, o.key].to_numpy(float)
            ok = np.isfinite(r) & np.isfinite(a)
            r, a = r[ok], a[ok]
            mean, lo, hi, p = paired_ci(a - r)
            rm = float(r.mean())
            rows.append({
                "outcome": o.key, "description": o.description, "unit": o.unit, "arm": arm,
                "reference": reference, "n_pairs": int(r.size), "reference_mean": rm,
                "arm_mean": float(a.mean()), "effect": mean, "ci95_low": lo, "ci95_high": hi,
                "relative_effect": mean / rm if rm != 0 else float("nan"),
                "share_arm_higher": float((a > r).mean()), "p_value": p,
            })
    return pd.DataFrame(rows, columns=EFFECT_COLUMNS)


# --------------------------------------------------------------------------- tables
def fmt(x, digits: int = 3) -> str:
    if isinstance(x, (int, np.integer)):
        return f"{int(x):,}"
    if isinstance(x, (float, np.floating)):
        if not np.isfinite(x):
            return "n/a"
        if x == 0:
            return "0"
        if abs(x) >= 1000:
            return f"{x:,.0f}"
        return f"{x:.{digits}g}"
    return str(x)


def markdown_table(df: pd.DataFrame, title: str = "", note: str = "",
                   columns: Sequence[str] | None = None) -> str:
    cols = list(columns or df.columns)
    lines = []
    if title:
        lines += [f"**{title}**", ""]
    lines.append("| " + " | ".join(cols) + " |")
    lines.append("|" + "|".join("---" for _ in cols) + "|")
    for _, row in df[cols].iterrows():
        lines.append("| " + " | ".join(fmt(row[c]) for c in cols) + " |")
    if note:
        lines += ["", note]
    return "\n".join(lines) + "\n"


def effects_markdown(effects: pd.DataFrame, title: str = "", note: str = "") -> str:
    """A compact effects table: outcome, arm, reference mean, effect [95 % CI], relative, share."""
    view = pd.DataFrame({
        "outcome": effects["description"],
        "arm": effects["arm"],
        "reference (mean)": effects["reference_mean"].map(fmt),
        "arm (mean)": effects["arm_mean"].map(fmt),
        "effect [95 % CI]": [f"{fmt(e)} [{fmt(lo)}, {fmt(hi)}]" for e, lo, hi in
                             zip(effects["effect"], effects["ci95_low"], effects["ci95_high"],
                                 strict=True)],
        "relative": effects["relative_effect"].map(
            lambda v: "n/a" if not np.isfinite(v) else f"{v:+.0%}"),
        "seeds arm > ref": effects["share_arm_higher"].map(lambda v: f"{v:.0%}"),
    })
    return markdown_table(view, title=title, note=note)


def write_effects(exp: Experiment, effects: pd.DataFrame, stem: str = "effects",
                  title: str = "", note: str = "") -> None:
    effects.to_csv(exp.path(f"{stem}.csv"), index=False, float_format="%.10g")
    n = int(effects["n_pairs"].min()) if len(effects) else 0
    note = (note + " " if note else "") + (
        f"Paired by seed ({n} seeds per arm, common random numbers); effect = mean of "
        "(arm - reference); 95 % CI paired t. Window "
        f"{exp.start} to {exp.end}; `end` levels are means over the last {exp.tail_days} days.")
    exp.path(f"{stem}.md").write_text(effects_markdown(effects, title=title, note=note))


# --------------------------------------------------------------------------- figures
COLORS = ["#444444", "#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]


@dataclass(frozen=True)
class Panel:
    """One panel of a band figure: metrics summed, optionally cumulated (flows)."""

    title: str
    metrics: tuple[str, ...]
    cumulative: bool = False
    scale: float = 1.0  # e.g. 1e-3 for thousands
    ylabel: str = ""
    country: str = "all"
    faction: str = "all"


def band_figure(load: Callable[[Panel], pd.DataFrame], panels: Sequence[Panel], arm_col: str,
                arms: Sequence[str], path: Path, title: str = "", ncols: int = 3,
                vlines: Sequence[tuple[str, str]] = (), labels: dict | None = None) -> None:
    """Median and 10-90 % band over seeds, per arm, for each panel.

    ``load(panel)`` returns long rows (``run``, ``arm_col``, ``date``, ``metric``, ``value``).
    ``vlines``: (date, label) marks, e.g. a partner's exit.
    """
    nrows = math.ceil(len(panels) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, 3.3 * nrows), squeeze=False,
                             sharex=True)
    for ax, panel in zip(axes.flat, panels, strict=False):
        df = load(panel)
        df = df[df["metric"].isin(panel.metrics)]
        for i, arm in enumerate(arms):
            sub = df[df[arm_col] == arm]
            if sub.empty:
                continue
            w = sub.pivot_table(index="date", columns="run", values="value", aggfunc="sum")
            w = w.sort_index()
            if panel.cumulative:
                w = w.cumsum()
            w = w * panel.scale
            q = w.quantile([0.1, 0.5, 0.9], axis=1).T
            c = COLORS[i % len(COLORS)]
            ax.fill_between(q.index, q[0.1], q[0.9], color=c, alpha=0.18, lw=0)
            ax.plot(q.index, q[0.5], color=c, lw=1.6, label=(labels or {}).get(arm, arm))
        for day, text in vlines:
            ax.axvline(pd.Timestamp(day), color="k", ls=":", lw=1)
            ax.text(pd.Timestamp(day), ax.get_ylim()[1], f" {text}", va="top", ha="left",
                    fontsize=7)
        ax.set_title(panel.title, fontsize=10)
        ax.set_ylabel(panel.ylabel, fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    handles, lab = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, lab, loc="lower center", ncol=len(arms), fontsize=9, frameon=False)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.text(0.99, 0.005, "lines: median over seeds; bands: 10-90 %", ha="right", fontsize=7,
             color="#555555")
    fig.autofmt_xdate()
    fig.tight_layout(rect=(0, 0.05, 1, 0.96 if title else 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def difference_figure(load: Callable[[Panel], pd.DataFrame], panels: Sequence[Panel],
                      arm_col: str, reference: str, arms: Sequence[str], path: Path,
                      title: str = "", ncols: int = 3,
                      vlines: Sequence[tuple[str, str]] = ()) -> None:
    """Paired differences over time: for each seed, arm minus reference; median and 10-90 %."""
    nrows = math.ceil(len(panels) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, 3.3 * nrows), squeeze=False,
                             sharex=True)
    for ax, panel in zip(axes.flat, panels, strict=False):
        df = load(panel)
        df = df[df["metric"].isin(panel.metrics)]
        w = df.pivot_table(index="date", columns=[arm_col, "seed"], values="value",
                           aggfunc="sum").sort_index()
        if panel.cumulative:
            w = w.cumsum()
        ref = w[reference]
        for i, arm in enumerate(a for a in arms if a != reference):
            d = (w[arm] - ref[w[arm].columns]) * panel.scale
            q = d.quantile([0.1, 0.5, 0.9], axis=1).T
            c = COLORS[(i + 1) % len(COLORS)]
            ax.fill_between(q.index, q[0.1], q[0.9], color=c, alpha=0.18, lw=0)
            ax.plot(q.index, q[0.5], color=c, lw=1.6, label=f"{arm} - {reference}")
        ax.axhline(0, color="k", lw=0.8)
        for day, text in vlines:
            ax.axvline(pd.Timestamp(day), color="k", ls=":", lw=1)
            ax.text(pd.Timestamp(day), ax.get_ylim()[1], f" {text}", va="top", ha="left",
                    fontsize=7)
        ax.set_title(panel.title, fontsize=10)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    handles, lab = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, lab, loc="lower center", ncol=max(1, len(arms) - 1), fontsize=9,
               frameon=False)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.text(0.99, 0.005, "paired by seed; lines: median difference; bands: 10-90 %",
             ha="right", fontsize=7, color="#555555")
    fig.autofmt_xdate()
    fig.tight_layout(rect=(0, 0.05, 1, 0.96 if title else 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def effects_figure(effects: pd.DataFrame, path: Path, title: str = "",
                   relative: bool = True) -> None:
    """Forest plot of effects with 95 % CIs (relative to the reference mean when asked)."""
    df = effects.copy()
    if relative:
        scale = df["reference_mean"].abs().replace(0, np.nan)
        for c in ("effect", "ci95_low", "ci95_high"):
            df[c] = df[c] / scale
    arms = list(dict.fromkeys(df["arm"]))
    outs = list(dict.fromkeys(df["description"]))
    fig, ax = plt.subplots(figsize=(7.5, 0.32 * len(outs) * len(arms) + 1.2))
    y = 0
    ticks, names, labelled = [], [], set()
    for o in outs:
        for i, arm in enumerate(arms):
            r = df[(df["description"] == o) & (df["arm"] == arm)]
            if r.empty or not np.isfinite(r["effect"].iloc[0]):
                continue
            r = r.iloc[0]
            c = COLORS[(i + 1) % len(COLORS)]
            ax.plot([r["ci95_low"], r["ci95_high"]], [y, y], color=c, lw=2)
            ax.plot(r["effect"], y, "o", color=c, label=None if arm in labelled else arm)
            labelled.add(arm)
            ticks.append(y)
            names.append(o if len(arms) == 1 else f"{o} ({arm})")
            y -= 1
        y -= 0.5
    ax.axvline(0, color="k", lw=0.8)
    ax.set_yticks(ticks, names, fontsize=7)
    ax.set_xlabel("effect relative to the reference mean (95 % CI)" if relative
                  else "effect (95 % CI)")
    if relative:
        ax.xaxis.set_major_formatter(mticker.PercentFormatter(1.0))
    ax.grid(axis="x", alpha=0.3)
    if len(arms) > 1:
        ax.legend(fontsize=8, loc="best")
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def scenario_loader(exp: Experiment, sweep: Path) -> Callable[[Panel], pd.DataFrame]:
    """A ``load(panel)`` for :func:`band_figure` over one sweep (cached per breakdown)."""
    cache: dict[tuple, pd.DataFrame] = {}

    def load(panel: Panel) -> pd.DataFrame:
        key = (panel.metrics, panel.country, panel.faction)
        if key not in cache:
            cache[key] = exp.load(sweep, panel.metrics, country=panel.country,
                                  faction=panel.faction)
        return cache[key]

    return load
