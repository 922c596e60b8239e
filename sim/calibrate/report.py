"""The calibration report: best trial, ensemble, importances, bands and errors, from a study.

    python -m sim.calibrate.report --storage experiments/calibration/default.log \\
        [--problem default] [--tolerance 0.25] [--out docs/calibration] [--params configs/params/calibrated.yaml]

Reads a study written by ``python -m sim.calibrate`` and writes, into ``--out``:

* ``results.md``: the study's size, the best trial, the **ensemble** (the complete trials whose
  loss is at most ``(1 + tolerance)`` times the best loss) with its parameter ranges beside the
  prior (search) ranges, parameter importances, each series' ensemble band beside the record,
  and the in-sample and out-of-sample errors;
* ``trials.csv``: every complete trial (number, losses, parameters, seed-mean series);
* ``series.png``: each series' ensemble 10-90 % band (over members and seeds) and the best
  trial beside the record's value or band;
* ``ranges.png``: the ensemble's parameter ranges inside the prior ranges;

and ``--params``: the best trial's values as the config choice ``params=calibrated`` (a Hydra
group file; ``params=prior``, the default, keeps the schema's values).

Importances are Optuna's PED-ANOVA (``optuna.importance.PedAnovaImportanceEvaluator``: how much
a parameter's distribution among the best trials differs from its distribution among all), a
dependency-free estimator; they describe the study's trials, not a variance decomposition.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibrate.loss import Series, series_error
from sim.calibrate.space import Param, Problem, load_problem

__all__ = ["complete_trials", "ensemble", "series_table", "error_table", "write_params", "main"]

ROOT = Path(__file__).resolve().parents[2]


def complete_trials(study) -> list:
    from optuna.trial import TrialState

    return sorted(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)),
                  key=lambda t: t.value)


def ensemble(trials: list, tolerance: float) -> list:
    """The complete trials within ``(1 + tolerance)`` times the best loss (best first)."""
    if tolerance < 0:
        raise ValueError(f"--tolerance: {tolerance!r} is negative; it must be >= 0")
    if not trials:
        return []
    cut = trials[0].value * (1.0 + tolerance)
    return [t for t in trials if t.value <= cut]


def _member_values(t, key: str) -> list[float]:
    per_seed = t.user_attrs.get("series_per_seed")
    if per_seed:
        return [float(d[key]) for d in per_seed]
    return [float(t.user_attrs["series"][key])]


def series_table(problem: Problem, best, members: list) -> pd.DataFrame:
    """Per series: the record, the best trial, the ensemble's 10/50/90 % over members and seeds."""
    rows = []
    for s in problem.series:
        vals = np.array([v for t in members for v in _member_values(t, s.key)])
        b = float(best.user_attrs["series"][s.key])
        rows.append({"series": s.key, "sample": "in" if s.in_sample else "out", "unit": s.unit,
                     "record": s.value, "record_low": s.low, "record_high": s.high,
                     "best": b, "p10": float(np.quantile(vals, 0.1)),
                     "p50": float(np.quantile(vals, 0.5)), "p90": float(np.quantile(vals, 0.9)),
                     "error_best": series_error(s, b),
                     "inside_band": bool(_lo(s) <= np.quantile(vals, 0.9) and np.quantile(vals, 0.1) <= _hi(s))})
    return pd.DataFrame(rows)


def _lo(s: Series) -> float:
    return s.low if not math.isnan(s.low) else s.value


def _hi(s: Series) -> float:
    return s.high if not math.isnan(s.high) else s.value


def error_table(problem: Problem, trials_: dict[str, object]) -> pd.DataFrame:
    """In- and out-of-sample loss (weighted mean squared log-ratio error) of named trials."""
    from sim.calibrate.loss import loss

    rows = []
    for name, t in trials_.items():
        vals = t.user_attrs["series"] if hasattr(t, "user_attrs") else t
        rows.append({"trial": name, "loss_in_sample": loss(list(problem.series), vals, True),
                     "loss_out_of_sample": loss(list(problem.series), vals, False)})
    return pd.DataFrame(rows)


def importances(study, params: tuple[Param, ...]) -> dict[str, float]:
    import optuna
    from optuna.importance import PedAnovaImportanceEvaluator

    try:
        return optuna.importance.get_param_importances(
            study, evaluator=PedAnovaImportanceEvaluator(), params=[p.key for p in params])
    except (RuntimeError, ValueError) as e:  # too few trials
        print(f"importances not computed: {e}")
        return {}


def write_params(path: Path, problem: Problem, best, members: list, study_name: str,
                 storage: str, tolerance: float) -> None:
    """The best trial as a Hydra group file (``params=calibrated``), each value with its origin."""
    today = dt.date.today().isoformat()
    lines = ["# @package _global_",
             f"# Calibrated parameters (issue 14): the best trial (#{best.number}, loss {best.value:.4g}) of",
             f"# study {study_name!r} in {storage}, problem {problem.name!r}, written {today} by",
             "#     python -m sim.calibrate.report (docs/calibration/results.md).",
             f"# Beside each value: the prior (search) range and the range over the {len(members)} ensemble",
             f"# members (loss <= {1 + tolerance:g} x best). Values are rounded to 6 significant digits.",
             "# Everything not listed keeps its schema value;",
             "# params=prior (the default) keeps the schema's values for these too."]
    tree: dict[str, list[str]] = {}
    for p in problem.params:
        v = best.params[p.key]
        vals = [t.params[p.key] for t in members]
        head, _, leaf = p.key.rpartition(".")
        value = int(v) if p.integer else float(f"{v:.6g}")
        tree.setdefault(head, []).append(
            f"{leaf}: {value}  # prior {p.lo:g}-{p.hi:g}; ensemble {min(vals):.3g}-{max(vals):.3g}")
    for head, items in tree.items():
        parts = head.split(".")
        for depth, part in enumerate(parts):
            lines.append("  " * depth + f"{part}:")
        lines += ["  " * len(parts) + it for it in items]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


EDGE = 0.05  # a best value within this share of its range's ends is flagged


def position(p: Param, v: float) -> float:
    """Where ``v`` lies in ``p``'s prior range, 0 (low end) to 1 (high end), on its search scale."""
    if p.log:
        return (math.log10(v) - math.log10(p.lo)) / (math.log10(p.hi) - math.log10(p.lo))
    return (v - p.lo) / (p.hi - p.lo) if p.hi > p.lo else 0.5


def label(key: str) -> str:
    """A series key (``indicator|region|period``) as table text (a pipe would split the cell)."""
    return ", ".join(key.split("|"))


def _fmt(x: float) -> str:
    if isinstance(x, float) and math.isnan(x):
        return ""
    if abs(x) < 1:
        return f"{x:.3g}"
    return f"{x:,.0f}"


def _figures(out: Path, table: pd.DataFrame, problem: Problem, members: list, best) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(table)
    fig, ax = plt.subplots(figsize=(8, 0.42 * n + 1.2))
    y = np.arange(n)[::-1]
    for yi, (_, r) in zip(y, table.iterrows(), strict=True):
        lo = r.record_low if not math.isnan(r.record_low) else r.record
        hi = r.record_high if not math.isnan(r.record_high) else r.record
        scale = hi if hi > 0 else 1.0
        ax.plot([r.p10 / scale, r.p90 / scale], [yi, yi], lw=6, color="tab:blue", alpha=0.45,
                solid_capstyle="butt", label="ensemble 10-90 %" if yi == y[0] else None)
        ax.plot([r.best / scale], [yi], "o", color="tab:blue", label="best trial" if yi == y[0] else None)
        ax.plot([lo / scale, hi / scale], [yi, yi], "|-", color="k", ms=12,
                label="record (band)" if yi == y[0] else None)
    ax.set_xscale("log")
    ax.axvline(1.0, color="k", lw=0.5)
    ax.set_yticks(y, [f"{label(k)} ({s})" for k, s in zip(table.series, table["sample"], strict=True)], fontsize=7)
    ax.set_xlabel("model / record (upper end of the record's band); log scale")
    ax.set_title(f"Calibration: {problem.name}, {len(members)} ensemble members")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(out / "series.png", dpi=130)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 0.35 * len(problem.params) + 1))
    for i, p in enumerate(problem.params):
        def f(v: float, p: Param = p) -> float:
            return position(p, v)

        vals = [f(t.params[p.key]) for t in members]
        ax.plot([0, 1], [i, i], color="0.85", lw=6, solid_capstyle="butt")
        ax.plot([min(vals), max(vals)], [i, i], color="tab:orange", lw=6, solid_capstyle="butt")
        ax.plot([f(best.params[p.key])], [i], "ko", ms=4)
        if not math.isnan(p.default) and p.lo <= p.default <= p.hi:
            ax.plot([f(p.default)], [i], "|", color="tab:red", ms=12)
    ax.set_yticks(range(len(problem.params)), [p.key for p in problem.params], fontsize=7)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel("position in the prior range (log scale where searched so): grey prior, "
                  "orange ensemble, dot best, red prior default", fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "ranges.png", dpi=130)
    plt.close(fig)


def reach_table(problem: Problem, trials: list) -> pd.DataFrame:
    """Per series: the range of the seed-mean over *every* complete trial, and whether the
    record (or its band) lies inside it: what no parameter setting in the study reaches."""
    rows = []
    for s in problem.series:
        v = np.array([t.user_attrs["series"][s.key] for t in trials], float)
        rows.append({"series": s.key, "sample": "in" if s.in_sample else "out",
                     "record_low": _lo(s), "record_high": _hi(s), "min": float(v.min()),
                     "max": float(v.max()), "reached": bool(v.min() <= _hi(s) and _lo(s) <= v.max())})
    return pd.DataFrame(rows)


def growth_table(problem: Problem, trials: list) -> pd.DataFrame:
    """For each indicator and region with two or more in-sample periods: the ratio of the last
    period's value to the first's, in the record and over every trial (its best and range)."""
    rows = []
    groups: dict[tuple[str, str], list[Series]] = {}
    for s in problem.in_sample:
        groups.setdefault((s.indicator, s.region), []).append(s)
    for (ind, region), ss in groups.items():
        if len(ss) < 2:
            continue
        a, b = ss[0], ss[-1]
        r = np.array([t.user_attrs["series"][b.key] / max(t.user_attrs["series"][a.key], 1e-9)
                      for t in trials])
        rows.append({"indicator": ind, "region": region, "from": a.period, "to": b.period,
                     "record": b.value / a.value if a.value else math.nan, "best_trial": float(r[0]),
                     "all_trials_min": float(r.min()), "all_trials_max": float(r.max())})
    return pd.DataFrame(rows)


def reach_section(problem: Problem, trials: list) -> list[str]:
    reach, growth = reach_table(problem, trials), growth_table(problem, trials)
    md = ["## What no trial reaches", "",
          f"The range of each series' seed-mean over all {len(trials)} complete trials (every "
          "parameter setting the study tried, not only the ensemble); `reached`: the record or its "
          "band lies inside that range.", "",
          "| series | sample | record | all trials: min | max | reached |", "|---|---|---|---|---|---|"]
    for _, r in reach.iterrows():
        rec = _fmt(r.record_low) if r.record_low == r.record_high else f"{_fmt(r.record_low)}-{_fmt(r.record_high)}"
        md.append(f"| {label(r.series)} | {r['sample']} | {rec} | {_fmt(r['min'])} | {_fmt(r['max'])} | "
                  f"{'yes' if r.reached else '**no**'} |")
    if len(growth):
        md += ["", "Growth between the first and last in-sample period of a series (last / first):", "",
               "| indicator | region | from | to | record | best trial | all trials: min | max |",
               "|---|---|---|---|---|---|---|---|"]
        for _, r in growth.iterrows():
            md.append(f"| {r.indicator} | {r.region} | {r['from']} | {r['to']} | {r.record:.2f} | "
                      f"{r.best_trial:.2f} | {r.all_trials_min:.2f} | {r.all_trials_max:.2f} |")
    return md + [""]


def write_report(study, problem: Problem, out: Path, tolerance: float, storage: str,
                 params_path: Path | None) -> Path:
    from optuna.trial import TrialState

    trials = complete_trials(study)
    if not trials:
        raise SystemExit(f"error: study {study.study_name!r} in {storage} has no complete trial")
    members = ensemble(trials, tolerance)
    best = trials[0]
    out.mkdir(parents=True, exist_ok=True)
    table = series_table(problem, best, members)
    imp = importances(study, problem.params)
    allstates = study.get_trials(deepcopy=False)
    n_fail = sum(t.state == TrialState.FAIL for t in allstates)

    rows = []
    for t in trials:
        row = {"number": t.number, "loss_in_sample": t.value,
               "loss_out_of_sample": t.user_attrs.get("loss_out_of_sample"), **t.params}
        row.update({f"series:{k}": v for k, v in t.user_attrs["series"].items()})
        rows.append(row)
    pd.DataFrame(rows).to_csv(out / "trials.csv", index=False)
    _figures(out, table, problem, members, best)
    if params_path is not None:
        write_params(params_path, problem, best, members, study.study_name, storage, tolerance)

    median_member = members[len(members) // 2]
    prior = [t for t in trials if t.user_attrs.get("prior_defaults")]
    named = {f"best (#{best.number})": best,
             f"ensemble median member (#{median_member.number})": median_member}
    if prior:
        named[f"prior defaults (#{prior[0].number})"] = prior[0]
    errs = error_table(problem, named)
    seeds = best.user_attrs.get("seeds", [])
    starts = [t.datetime_start for t in allstates if t.datetime_start]
    ends = [t.datetime_complete for t in allstates if t.datetime_complete]
    workers = {t.user_attrs.get("worker") for t in trials} - {None}
    wall = (max(ends) - min(starts)).total_seconds() / 3600
    cpu = sum((t.datetime_complete - t.datetime_start).total_seconds() for t in trials) / 3600
    md = [f"# Calibration results: problem `{problem.name}`", "",
          f"Written by `python -m sim.calibrate.report --storage {storage} --problem {problem.name} "
          f"--tolerance {tolerance:g}` on {dt.date.today().isoformat()}. Do not edit by hand.", "",
          f"* study `{study.study_name}`: {len(trials)} complete trials, {n_fail} failed "
          f"(killed and retried under the stale-trial rule); seeds per trial {seeds} (common random numbers);",
          f"* wall time {wall:.2f} h from the first trial's start to the last one's end "
          f"({min(starts):%Y-%m-%d %H:%M} to {max(ends):%H:%M}), {len(workers)} worker processes "
          f"over the study (restarts included); {cpu:.2f} h of trial time in all;",
          f"* best trial #{best.number}: in-sample loss **{best.value:.4g}**, out-of-sample "
          f"{best.user_attrs.get('loss_out_of_sample', math.nan):.4g};",
          f"* ensemble: the {len(members)} trials with loss <= {1 + tolerance:g} x best "
          f"(<= {best.value * (1 + tolerance):.4g});",
          f"* the best trial's values are the config choice `params=calibrated` "
          f"(`{params_path}`)." if params_path else "* no params file written."]
    if prior:
        md += [f"* the prior defaults (the schema's values, trial #{prior[0].number}): in-sample loss "
               f"{prior[0].value:.4g}, out-of-sample {prior[0].user_attrs.get('loss_out_of_sample', math.nan):.4g}, "
               f"rank {trials.index(prior[0]) + 1} of {len(trials)}."]
    md.append("")
    md += ["## Parameters: prior range, ensemble range, best", "",
           "| parameter | prior range | ensemble range | best | position of best | importance |",
           "|---|---|---|---|---|---|"]
    edges = []
    for p in problem.params:
        vals = [t.params[p.key] for t in members]
        pos = position(p, best.params[p.key])
        at_edge = pos < EDGE or pos > 1 - EDGE
        if at_edge:
            edges.append(p.key)
        md.append(f"| `{p.key}` | {p.lo:g} - {p.hi:g}{' (log)' if p.log else ''} | "
                  f"{min(vals):.3g} - {max(vals):.3g} | {best.params[p.key]:.3g} | "
                  f"{pos:.2f}{' **edge**' if at_edge else ''} | {imp.get(p.key, math.nan):.2f} |")
    md += ["", "Position: where the best value lies in its prior range (0 = low end, 1 = high end, on "
           f"the scale it was searched on); **edge**: within {EDGE:.0%} of an end. "
           + (f"At an edge: {', '.join(f'`{k}`' for k in edges)}. A best value at the end of its "
              "plausible range says the fit wants more than the range allows: read it as a pointer "
              "to a mechanism that is too weak or missing, not as an estimate."
              if edges else "No best value lies at an edge of its range."), "",
           "Importance: Optuna's PED-ANOVA over the study's trials (sums to 1).", "",
           "![ranges](ranges.png)", "",
           "## Series: the record beside the ensemble", "",
           "The band is the 10-90 % range over ensemble members and their seeds; `error` is the best "
           "trial's signed log-ratio error (0 inside the record's band; +0.69 = twice the upper end).", "",
           "| series | sample | record | best | ensemble 10 % | 50 % | 90 % | error (best) |",
           "|---|---|---|---|---|---|---|---|"]
    for _, r in table.iterrows():
        rec = _fmt(r.record) if math.isnan(r.record_low) else f"{_fmt(r.record_low)}-{_fmt(r.record_high)}"
        md.append(f"| {label(r.series)} | {r['sample']} | {rec} | {_fmt(r.best)} | {_fmt(r.p10)} | "
                  f"{_fmt(r.p50)} | {_fmt(r.p90)} | {r.error_best:+.2f} |")
    md += ["", "![series](series.png)", "", *reach_section(problem, trials)]
    md += ["## Errors in and out of sample", "",
           "Weighted mean squared log-ratio error (docs/calibration.md). Out-of-sample series never "
           "entered the loss.", "", "| trial | in sample | out of sample |", "|---|---|---|"]
    for _, r in errs.iterrows():
        md.append(f"| {r.trial} | {r.loss_in_sample:.4g} | {r.loss_out_of_sample:.4g} |")
    md.append("")
    path = out / "results.md"
    path.write_text("\n".join(md))
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--storage", required=True, help="the study's storage (as for python -m sim.calibrate)")
    ap.add_argument("--problem", default="default", help="the calibration problem (default: default)")
    ap.add_argument("--study-name", default=None, help="default: calibrate-<problem>")
    ap.add_argument("--tolerance", type=float, default=0.25,
                    help="ensemble: trials with loss <= (1 + tolerance) x best (default 0.25)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "calibration"), help="report folder")
    ap.add_argument("--params", default=None,
                    help="write the best trial here as a params group file (e.g. configs/params/calibrated.yaml)")
    args = ap.parse_args(argv)
    import optuna

    from sim.calibrate.study import make_storage

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    problem = load_problem(args.problem)
    name = args.study_name or f"calibrate-{problem.name}"
    try:
        study = optuna.load_study(study_name=name, storage=make_storage(args.storage))
    except KeyError:
        print(f"error: --study-name: no study {name!r} in {args.storage}")
        return 2
    try:
        ensemble([], args.tolerance)
    except ValueError as e:
        print(f"error: {e}")
        return 2
    path = write_report(study, problem, Path(args.out), args.tolerance, args.storage,
                        Path(args.params) if args.params else None)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
