"""Global sensitivity with SALib (issue 14 s.3): Morris screening, then Sobol indices.

    python -m sim.calibrate.sensitivity morris [--problem default] [--trajectories 6] [--jobs 2] [--out DIR]
    python -m sim.calibrate.sensitivity sobol [--problem default] --from DIR/morris [--top 8] [--base 64] [--out DIR]
    python -m sim.calibrate.sensitivity report --out DIR        # the tables and figure from what has run

A problem (``configs/sensitivity/NAME.yaml``) gives the model overrides, the seeds, the arms
(gloves off, intelligence sharing: each sample is run again with the arm's overrides, and the
effect is arm minus baseline, paired by seed) and the parameters: ``all`` means every
behavioural parameter whose schema states a plausible range ("assumption (lo-hi)"). Parameters
that differ only by country, faction or platform move together as one factor (a SALib group).
The keys an arm's scenario sets are its treatment and are left out, as are parameters whose
default lies outside their stated range (a unit slip in the schema; they are listed).

Resumable: the sample is drawn once (``samples.csv``, ``meta.json``; a rerun with other settings
is refused); each run writes one JSON file under ``runs/`` atomically, and a rerun does only what
is missing. ``--shard I/K`` runs every K-th run from I, so K Slurm array tasks (or K machines)
share one folder. The analysis waits for every run of the sample.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sim.calibrate.space import STATED_RANGE, schema_rows
from sim.config import CONFIG_DIR
from sim.core.params import ConfigError
from sim.output.atomic import write_text_atomic

__all__ = ["GsaProblem", "Factor", "load_gsa_problem", "factors", "plan", "run_one", "outcomes", "analyse", "main"]

GSA_DIR = CONFIG_DIR / "sensitivity"
_GROUPED = re.compile(r"^(state\.forces|insurgents\.factions|levers\.platforms|partners\.profiles)\.[^.]+\.(.+)$")
OUTCOMES = ("fighters_end", "recruits", "civ_deaths_state", "civ_deaths_partner", "civ_deaths_militia",
            "civ_deaths_insurgents", "displaced_end", "pop_insurgent_control", "territory_outside_state",
            "leaders_killed")
EFFECTS = {"gloves": ("fighters_end", "civ_deaths_state"), "intel": ("leaders_killed", "fighters_end")}
REFERENCE = "reference"  # the arm run with the problem's own overrides; effects are arm minus it


@dataclass(frozen=True)
class GsaProblem:
    name: str
    overrides: tuple[str, ...]
    seeds: int
    arms: dict[str, tuple[str, ...]]
    parameters: str | tuple[str, ...]
    exclude: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Factor:
    """One SALib factor: a group of schema keys moving together over their own ranges."""

    name: str
    keys: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]
    log: bool
    integer: tuple[bool, ...] = field(default=())


def load_gsa_problem(name: str) -> GsaProblem:
    path = GSA_DIR / f"{name}.yaml"
    if not path.exists():
        have = sorted(p.stem for p in GSA_DIR.glob("*.yaml"))
        raise ConfigError("--problem", name, f"one of {have} (configs/sensitivity/)")
    raw = yaml.safe_load(path.read_text())
    allowed = {"name", "description", "overrides", "seeds", "arms", "parameters", "exclude"}
    extra = set(raw) - allowed
    if extra:
        raise ConfigError(f"{path.name}: {sorted(extra)[0]}", raw[sorted(extra)[0]], f"one of {sorted(allowed)}")
    params = raw.get("parameters", "all")
    if params != "all" and not (isinstance(params, list) and params):
        raise ConfigError(f"{path.name}: parameters", params, "'all' or a non-empty list of schema keys")
    seeds = raw.get("seeds", 1)
    if not isinstance(seeds, int) or seeds < 1:
        raise ConfigError(f"{path.name}: seeds", seeds, "an integer >= 1")
    arms = {k: tuple(v) for k, v in (raw.get("arms") or {}).items()}
    unknown = set(arms) - set(EFFECTS)
    if unknown:
        raise ConfigError(f"{path.name}: arms", sorted(unknown)[0], f"one of {sorted(EFFECTS)}")
    return GsaProblem(raw.get("name", name), tuple(raw.get("overrides", [])), seeds, arms,
                      params if params == "all" else tuple(params), tuple(raw.get("exclude") or ()),
                      raw.get("description", ""))


def _with(overrides: tuple[str, ...], extra: tuple[str, ...]) -> tuple[str, ...]:
    """``overrides`` with ``extra`` appended; an extra key replaces the same key before it."""
    keys = {e.split("=", 1)[0] for e in extra}
    return tuple(o for o in overrides if o.split("=", 1)[0] not in keys) + tuple(extra)


def _values(overrides: tuple[str, ...]) -> dict[str, object]:
    from sim.calibrate.configs import base_config
    from sim.core.params import parameter_rows

    return {r["key"]: r["value"] for r in parameter_rows(base_config(overrides))}


def factors(problem: GsaProblem) -> tuple[list[Factor], list[tuple[str, str]]]:
    """The problem's factors, and the (key, reason) of the parameters left out."""
    rows, base = schema_rows(), _values(problem.overrides)
    treated = set()
    for extra in problem.arms.values():
        arm = _values(_with(problem.overrides, extra))
        treated |= {k for k in base if arm.get(k) != base[k]}
    keys = list(rows) if problem.parameters == "all" else list(problem.parameters)
    skipped: list[tuple[str, str]] = []
    groups: dict[str, list[tuple[str, float, float, bool]]] = {}
    for key in keys:
        if key not in rows:
            raise ConfigError("parameters", key, "a parameter declared in the schema (sim/config/)")
        value, m = base.get(key), STATED_RANGE.search(str(rows[key]["source"]))
        if m is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            if problem.parameters != "all":
                raise ConfigError("parameters", key, "a numeric parameter whose schema states a plausible range")
            continue
        lo, hi = float(m[1]), float(m[2])
        if any(key.startswith(p) for p in problem.exclude):
            skipped.append((key, "excluded by the problem"))
        elif key in treated:
            skipped.append((key, "set by an arm's scenario (the treatment)"))
        elif not lo < hi or not lo <= float(value) <= hi:
            skipped.append((key, f"default {value} outside its stated range {lo:g}-{hi:g}"))
        else:
            g = _GROUPED.match(key)
            groups.setdefault(f"{g[1]}.*.{g[2]}" if g else key, []).append((key, lo, hi, isinstance(value, int)))
    out = []
    for name, members in groups.items():
        log = all(lo > 0 and hi / lo >= 20 for _, lo, hi, _ in members)
        name = name if len(members) > 1 else members[0][0]  # a group of one is named by its key
        out.append(Factor(name, tuple(k for k, *_ in members), tuple((lo, hi) for _, lo, hi, _ in members),
                          log, tuple(i for *_, i in members)))
    return out, skipped


def salib_problem(fs: list[Factor]) -> dict:
    """SALib's problem over the factors' keys (log-scale factors in log10), grouped."""
    names, bounds, groups = [], [], []
    for f in fs:
        for key, (lo, hi) in zip(f.keys, f.bounds, strict=True):
            names.append(key)
            bounds.append([math.log10(lo), math.log10(hi)] if f.log else [lo, hi])
            groups.append(f.name)
    return {"num_vars": len(names), "names": names, "bounds": bounds, "groups": groups}


def to_values(fs: list[Factor], row: np.ndarray) -> dict[str, float]:
    """One sample row (SALib's space) back to schema values."""
    out, i = {}, 0
    for f in fs:
        for key, (lo, hi), integer in zip(f.keys, f.bounds, f.integer, strict=True):
            v = 10.0 ** float(row[i]) if f.log else float(row[i])
            v = min(max(v, lo), hi)
            out[key] = int(round(v)) if integer else v
            i += 1
    return out


def outcomes(timeseries: pd.DataFrame) -> dict[str, float]:
    """One run's outcomes: flows summed over the run, stocks at its end."""
    t = timeseries[(timeseries.country == "all") & (timeseries.community == "all") & (timeseries.faction == "all")]
    by = {m: g.sort_values("step").value.to_numpy() for m, g in t.groupby("metric")}

    def total(m):
        return float(np.nansum(by[m])) if m in by else 0.0

    def last(m):
        return float(by[m][-1]) if m in by and by[m].size else math.nan

    return {"fighters_end": last("insurgent_fighters"), "recruits": total("recruits"),
            "civ_deaths_state": total("civilian_deaths_by_state"), "civ_deaths_partner": total("civilian_deaths_by_partner"),
            "civ_deaths_militia": total("civilian_deaths_by_militia"),
            "civ_deaths_insurgents": total("civilian_deaths_by_insurgents"), "displaced_end": last("displaced"),
            "pop_insurgent_control": last("pop_share_insurgent_control"),
            "territory_outside_state": last("territory_share_outside_state_control"),
            "leaders_killed": total("leaders_killed")}


def plan(n_rows: int, problem: GsaProblem) -> list[tuple[int, str, int]]:
    """Every run of a sample: (row, arm, seed); the REFERENCE arm runs the problem's own overrides."""
    arms = [REFERENCE, *problem.arms]
    return [(r, a, s) for r in range(n_rows) for a in arms for s in range(1, problem.seeds + 1)]


def run_path(out: Path, job: tuple[int, str, int]) -> Path:
    return out / "runs" / f"{job[0]:05d}_{job[1]}_{job[2]}.json"


def run_one(args: tuple[str, dict, tuple[int, str, int], str]) -> str:
    """Run one (row, arm, seed) and write its outcomes atomically; return the file written."""
    from omegaconf import OmegaConf

    import sim
    from sim.calibrate.configs import base_config
    from sim.config import to_config

    name, values, job, out = args
    problem = load_gsa_problem(name)
    row, arm, seed = job
    overrides = _with(problem.overrides, problem.arms.get(arm, ()))
    node = OmegaConf.create(OmegaConf.to_container(OmegaConf.structured(base_config(overrides))))
    for key, value in {**values, "seed": seed}.items():
        OmegaConf.update(node, key, value, merge=False)
    res = sim.run(to_config(node), progress=False)
    path = run_path(Path(out), job)
    write_text_atomic(path, json.dumps({"row": row, "arm": arm, "seed": seed, **outcomes(res.timeseries)}))
    return str(path)


def _meta(method: str, problem: GsaProblem, fs: list[Factor], settings: dict) -> dict:
    return {"method": method, "problem": problem.name, "overrides": list(problem.overrides), "seeds": problem.seeds,
            "arms": {k: list(v) for k, v in problem.arms.items()}, "settings": settings,
            "factors": [{"name": f.name, "keys": list(f.keys), "bounds": [list(b) for b in f.bounds], "log": f.log}
                        for f in fs]}


def prepare(out: Path, method: str, problem: GsaProblem, fs: list[Factor], settings: dict, seed: int) -> np.ndarray:
    """Draw the sample once (or reload it; a folder started with other settings is refused)."""
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    meta = _meta(method, problem, fs, settings)
    meta_path, sample_path = out / "meta.json", out / "samples.csv"
    if meta_path.exists():
        old = json.loads(meta_path.read_text())
        for key in meta:
            if old.get(key) != meta[key]:
                raise ConfigError(f"{meta_path}: {key}", meta[key],
                                  f"the value this folder was started with ({old.get(key)}); use another --out")
        return pd.read_csv(sample_path).to_numpy()
    sp = salib_problem(fs)
    if method == "morris":
        x = morris_sample.sample(sp, settings["trajectories"], num_levels=4, seed=seed)
    else:
        x = sobol_sample.sample(sp, settings["base"], calc_second_order=False, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(sample_path, pd.DataFrame(x, columns=sp["names"]).to_csv(index=False))
    write_text_atomic(meta_path, json.dumps(meta, indent=2) + "\n")
    return x


def response(out: Path, n_rows: int, problem: GsaProblem) -> tuple[pd.DataFrame, int]:
    """The seed-mean outcome of each sample row (effects: arm minus baseline, paired by seed),
    and how many runs are still missing."""
    jobs = plan(n_rows, problem)
    have = [json.loads(run_path(out, j).read_text()) for j in jobs if run_path(out, j).exists()]
    missing = len(jobs) - len(have)
    if not have:
        return pd.DataFrame(), missing
    runs = pd.DataFrame(have)
    base = runs[runs.arm == REFERENCE].set_index(["row", "seed"])
    cols = {o: base[o] for o in OUTCOMES}
    for arm, outs in EFFECTS.items():
        if arm in problem.arms:
            a = runs[runs.arm == arm].set_index(["row", "seed"])
            for o in outs:
                cols[f"{arm}_effect_{o}"] = a[o] - base[o]
    return pd.DataFrame(cols).groupby(level="row").mean().reindex(range(n_rows)), missing


def analyse(out: Path) -> dict[str, pd.DataFrame] | None:
    """Morris (mu*, sigma) or Sobol (S1, ST) per factor and outcome, once every run is in."""
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze

    meta = json.loads((out / "meta.json").read_text())
    problem = load_gsa_problem(meta["problem"])
    fs = [Factor(f["name"], tuple(f["keys"]), tuple(map(tuple, f["bounds"])), f["log"]) for f in meta["factors"]]
    x = pd.read_csv(out / "samples.csv").to_numpy()
    y, missing = response(out, len(x), problem)
    if missing:
        return None
    sp = salib_problem(fs)
    tables = {}
    for o in y.columns:
        v = y[o].to_numpy(float)
        if not np.isfinite(v).all() or np.ptp(v) == 0:
            continue
        if meta["method"] == "morris":
            r = morris_analyze.analyze(sp, x, v, num_levels=4, seed=1).to_df()
        else:
            total, first = sobol_analyze.analyze(sp, v, calc_second_order=False, seed=1).to_df()
            r = total.join(first)
        tables[o] = r
    return tables


def ranking(tables: dict[str, pd.DataFrame]) -> pd.Series:
    """Factors ranked by mu* relative to the largest mu* of each outcome, averaged over outcomes."""
    rel = pd.DataFrame({o: t["mu_star"] / t["mu_star"].max() for o, t in tables.items() if t["mu_star"].max() > 0})
    return rel.mean(axis=1).sort_values(ascending=False)


def report(out: Path) -> bool:
    """Write ``<method>.csv``, ``<method>.md`` and ``<method>.png``; False while runs are missing."""
    meta = json.loads((out / "meta.json").read_text())
    method = meta["method"]
    n = len(pd.read_csv(out / "samples.csv"))
    tables = analyse(out)
    if tables is None:
        _, missing = response(out, n, load_gsa_problem(meta["problem"]))
        print(f"{out}: {missing} of {len(plan(n, load_gsa_problem(meta['problem'])))} runs missing; no analysis yet")
        return False
    long = pd.concat({o: t for o, t in tables.items()}, names=["outcome", "factor"]).reset_index()
    write_text_atomic(out / f"{method}.csv", long.to_csv(index=False))
    lines = [f"# {method.title()} sensitivity: problem `{meta['problem']}`, {n} samples x "
             f"{1 + len(meta['arms'])} arms x {meta['seeds']} seed(s), {len(meta['factors'])} factors", ""]
    if method == "morris":
        rank = ranking(tables)
        write_text_atomic(out / "ranking.csv", rank.rename("relative_mu_star").to_csv())
        top = rank.index[:15]
        cols = list(tables)
        lines += ["mu* of each factor relative to the largest mu* for that outcome (1 = the most influential); "
                  "factors ranked by the mean over outcomes.", "",
                  "| factor | mean | " + " | ".join(cols) + " |", "|---" * (len(cols) + 2) + "|"]
        for f in top:
            cells = [f"{tables[o]['mu_star'].get(f, math.nan) / max(tables[o]['mu_star'].max(), 1e-300):.2f}" for o in cols]
            lines.append(f"| {f} | {rank[f]:.2f} | " + " | ".join(cells) + " |")
    else:
        lines += ["| outcome | factor | S1 | S1 conf | ST | ST conf |", "|---|---|---|---|---|---|"]
        for o, t in tables.items():
            for f, r in t.sort_values("ST", ascending=False).iterrows():
                lines.append(f"| {o} | {f} | {r.S1:.2f} | {r.S1_conf:.2f} | {r.ST:.2f} | {r.ST_conf:.2f} |")
    write_text_atomic(out / f"{method}.md", "\n".join(lines) + "\n")
    _figure(out, method, tables)
    return True


def _figure(out: Path, method: str, tables: dict[str, pd.DataFrame]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(tables)[:6]
    fig, axes = plt.subplots(1, len(names), figsize=(4 * len(names), 4), squeeze=False)
    for ax, o in zip(axes[0], names, strict=False):
        t = tables[o]
        if method == "morris":
            ax.scatter(t["mu_star"], t["sigma"], s=12)
            for f in t["mu_star"].sort_values(ascending=False).index[:5]:
                ax.annotate(f.split(".")[-1], (t.loc[f, "mu_star"], t.loc[f, "sigma"]), fontsize=7)
            ax.set_xlabel("mu*")
            ax.set_ylabel("sigma")
        else:
            t = t.sort_values("ST", ascending=False)
            xs = np.arange(len(t))
            ax.bar(xs - 0.2, t["S1"], 0.4, label="S1")
            ax.bar(xs + 0.2, t["ST"], 0.4, label="ST")
            ax.set_xticks(xs, [f.split(".")[-1] for f in t.index], rotation=70, fontsize=7)
            ax.legend(fontsize=7)
        ax.set_title(o, fontsize=9)
    fig.tight_layout()
    path = out / f"{method}.png"
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m sim.calibrate.sensitivity", description=__doc__.split("\n\n")[0])
    ap.add_argument("method", choices=("morris", "sobol", "report"))
    ap.add_argument("--problem", default="default", help="configs/sensitivity/NAME.yaml (default: default)")
    ap.add_argument("--smoke", action="store_true", help="the seconds-scale problem (same as --problem smoke)")
    ap.add_argument("--out", help="output folder (default outputs/sensitivity/<problem>/<method>)")
    ap.add_argument("--trajectories", type=int, default=6, help="Morris trajectories (default 6)")
    ap.add_argument("--from", dest="morris", help="a finished Morris folder: Sobol takes its --top factors")
    ap.add_argument("--top", type=int, default=8, help="factors for Sobol, from the Morris ranking (default 8)")
    ap.add_argument("--base", type=int, default=64, help="Sobol base sample N (N x (factors + 2) samples; default 64)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--shard", default="0/1", help="I/K: run every K-th run from I (Slurm array tasks)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the SALib sample (default 1)")
    a = ap.parse_args(argv)
    if a.smoke:
        a.problem = "smoke"
    for key in ("trajectories", "top", "base", "jobs"):
        if getattr(a, key) < 1:
            ap.error(f"--{key} {getattr(a, key)}: must be at least 1")
    m = re.fullmatch(r"(\d+)/(\d+)", a.shard)
    if not m or not int(m[1]) < int(m[2]):
        ap.error(f"--shard {a.shard}: must be I/K with 0 <= I < K")
    a.shard = (int(m[1]), int(m[2]))
    if a.method == "sobol" and not a.morris:
        ap.error("sobol needs --from: a finished Morris folder to take the top factors from")
    return a


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    out = Path(a.out or f"outputs/sensitivity/{a.problem}/{a.method}")
    if a.method == "report":
        return 0 if report(out) else 1
    problem = load_gsa_problem(a.problem)
    fs, skipped = factors(problem)
    if a.method == "sobol":
        tables = analyse(Path(a.morris))
        if tables is None:
            raise SystemExit(f"--from {a.morris}: the Morris runs are not all done; finish them first")
        keep = list(ranking(tables).index[: a.top])
        by_name = {f.name: f for f in fs}
        fs = [by_name[name] for name in keep if name in by_name]
        settings = {"base": a.base, "top": keep}
    else:
        settings = {"trajectories": a.trajectories}
    x = prepare(out, a.method, problem, fs, settings, a.seed)
    write_text_atomic(out / "skipped.csv", pd.DataFrame(skipped, columns=["key", "reason"]).to_csv(index=False))
    (out / "runs").mkdir(exist_ok=True)
    i, k = a.shard
    jobs = [j for n, j in enumerate(plan(len(x), problem)) if n % k == i and not run_path(out, j).exists()]
    print(f"{a.method}: {len(fs)} factors, {len(x)} samples, {len(plan(len(x), problem))} runs "
          f"({len(jobs)} to do in shard {i}/{k}) -> {out}", flush=True)
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    args = [(a.problem, to_values(fs, x[j[0]]), j, str(out)) for j in jobs]
    done = 0
    with ProcessPoolExecutor(a.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        for _ in pool.map(run_one, args):
            done += 1
            if done % 10 == 0 or done == len(jobs):
                print(f"  {done}/{len(jobs)} runs done", flush=True)
    return 0 if report(out) or k > 1 else 1


if __name__ == "__main__":
    sys.exit(main())
