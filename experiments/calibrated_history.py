"""The calibrated ensemble's yearly deaths against the record (issue 14), in and out of sample.

Runs each of the calibration study's best ``--members`` complete trials (its ensemble, best
first) on the trial's own seeds (the study's common seeds) and aggregates, per calendar year,
the militant-linked deaths of the central Sahel (the Africa Center's definition, from the event
log as an ACLED export is aggregated: ``sim.calibrate.loss.model_series``), Burkina Faso's share
of them and Burkina Faso's displaced at the year end. The table sets the ensemble's 10/50/90 %
(over members and seeds) beside the record, with the ratio of the median to the record and
whether it is within +-30 %; a year the loss never saw is marked out of sample.

    python experiments/calibrated_history.py --storage experiments/calibration/default.log \\
        [--problem default] [--members 10] [--jobs 2] [--out outputs/experiments/calibrated_history]

One row per member and seed goes to ``per_run.csv`` as each run finishes; a rerun skips the
rows already there (it resumes). ``summary.md`` and ``figure.png`` are rewritten at the end.
"""

from __future__ import annotations

import argparse
import math
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from common.tables import pipe_table as markdown

DEATHS, SHARE, DISPLACED = "militant_linked_deaths", "burkina_faso_share_of_deaths", "displaced"


def yearly_series(years: list[int], country: str = "burkina_faso"):
    """Deaths in the central Sahel, the country's displaced at each year end and, for Burkina
    Faso, its share of the deaths."""
    from sim.calibrate.loss import Series

    out = []
    for y in years:
        out.append(Series(DEATHS, "central_sahel", str(y), math.nan))
        if country == "burkina_faso":
            out.append(Series(SHARE, "central_sahel", str(y), math.nan))
        if country != "none":
            out.append(Series(DISPLACED, country, f"{y}-12-31", math.nan))
    return out


def one(job: tuple) -> dict:
    import sim
    from sim.calibrate.configs import trial_config
    from sim.calibrate.loss import model_series
    from sim.calibrate.space import load_problem

    problem_name, number, params, seed, years, country = job
    problem = load_problem(problem_name)
    res = sim.run(trial_config(problem, params, seed), progress=False)
    vals = model_series(yearly_series(years, country), res.timeseries, res.events)
    return {"trial": number, "seed": seed, **vals}


def record_of(problem, reference: pd.DataFrame, key: str) -> tuple[float, float, float, str]:
    """The record's value, band and sample (in/out/none) for a yearly series key."""
    ind, region, period = key.split("|")
    for s in problem.series:
        if s.key == key:
            return s.value, s.low, s.high, "in" if s.in_sample else "out"
    row = reference[(reference.indicator == ind) & (reference.region == region)
                    & (reference.period.astype(str) == period)]
    if row.empty:
        return math.nan, math.nan, math.nan, ""
    r = row.iloc[0]
    return float(r.value), float(r.low), float(r.high), "not in the problem"


def summarise(per: pd.DataFrame, problem, reference: pd.DataFrame, years: list[int],
              country: str = "burkina_faso") -> pd.DataFrame:
    rows = []
    series = yearly_series(years, country) + [s for s in problem.series if s.indicator == DEATHS and "-" in s.period]
    for s in series:
        if s.key in per.columns:
            v = per[s.key].to_numpy(float)
        else:  # a span of years: the yearly mean of each run
            ys = [str(y) for y in range(int(s.period[:4]), int(s.period[-4:]) + 1)]
            keys = [f"{s.indicator}|{s.region}|{y}" for y in ys]
            if not all(k in per.columns for k in keys):
                continue
            v = per[keys].to_numpy(float).mean(axis=1)
        value, low, high, sample = record_of(problem, reference, s.key)
        med = float(np.median(v))
        lo = low if not math.isnan(low) else value
        hi = high if not math.isnan(high) else value
        ratio = med / value if value and not math.isnan(value) else math.nan
        within = (0.7 * lo <= med <= 1.3 * hi) if not math.isnan(value) else None
        rows.append({"series": s.key.replace("|", ", "), "sample": sample or "no record",
                     "record": value, "ensemble_p10": float(np.quantile(v, 0.1)), "ensemble_median": med,
                     "ensemble_p90": float(np.quantile(v, 0.9)), "median_over_record": ratio,
                     "within_30pct": within})
    return pd.DataFrame(rows)


def readable(table: pd.DataFrame) -> pd.DataFrame:
    """The summary for the page: deaths every year, other series where the record has a value;
    counts with thousands separators, shares to three decimals."""
    keep = table[table.series.str.startswith(DEATHS) | table.record.notna()].copy()

    def num(v, share):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return ""
        return f"{v:.3f}" if share else f"{v:,.0f}"

    for col in ("record", "ensemble_p10", "ensemble_median", "ensemble_p90"):
        keep[col] = [num(v, "share" in sr) for v, sr in zip(keep[col], keep.series, strict=True)]
    keep["median_over_record"] = [num(v, True) for v in keep.median_over_record]
    keep["within_30pct"] = ["" if w is None else ("yes" if w else "**no**") for w in keep.within_30pct]
    return keep


def figure(per: pd.DataFrame, problem, reference: pd.DataFrame, years: list[int], path: Path,
           country: str = "burkina_faso") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [(DEATHS, "central_sahel", "{y}", "militant-linked deaths, central Sahel")]
    if country == "burkina_faso":
        panels.append((SHARE, "central_sahel", "{y}", "Burkina Faso's share of those deaths"))
    if country != "none":
        panels.append((DISPLACED, country, "{y}-12-31", f"displaced from {country}, year end"))
    fig, axes = plt.subplots(1, len(panels), figsize=(4.4 * len(panels), 3.8), squeeze=False)
    axes = axes[0]
    for ax, (ind, region, fmt, title) in zip(axes, panels, strict=True):
        keys = [f"{ind}|{region}|{fmt.format(y=y)}" for y in years]
        v = per[keys].to_numpy(float)
        ax.fill_between(years, np.quantile(v, 0.1, axis=0), np.quantile(v, 0.9, axis=0), alpha=0.3,
                        label="calibrated ensemble 10-90 %")
        ax.plot(years, np.median(v, axis=0), "-", label="ensemble median")
        for y, k in zip(years, keys, strict=True):
            value, _, _, sample = record_of(problem, reference, k)
            if not math.isnan(value):
                ax.plot([y], [value], "ko" if sample == "in" else "kx", ms=6)
        if ind == DEATHS:
            for s in problem.series:
                if s.indicator == DEATHS and "-" in s.period:
                    a, b = int(s.period[:4]), int(s.period[-4:])
                    ax.plot([a, b], [s.value, s.value], "k-", lw=2)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("year")
    axes[0].plot([], [], "ko", label="record, in sample")
    axes[0].plot([], [], "kx", label="record, out of sample / not in the loss")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--storage", required=True)
    ap.add_argument("--problem", default="default")
    ap.add_argument("--study-name", default=None)
    ap.add_argument("--members", type=int, default=10, help="best complete trials to run (default 10)")
    ap.add_argument("--years", default="2016-2024", help="first-last calendar year (default 2016-2024)")
    ap.add_argument("--country", default="burkina_faso", help="the displaced series' country (none: no displaced series)")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "outputs" / "experiments" / "calibrated_history")
    a = ap.parse_args(argv)
    import optuna

    from sim.calibrate.loss import load_reference
    from sim.calibrate.report import complete_trials
    from sim.calibrate.space import ROOT, load_problem
    from sim.calibrate.study import make_storage

    first, _, last = a.years.partition("-")
    years = list(range(int(first), int(last or first) + 1))
    problem = load_problem(a.problem)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name=a.study_name or f"calibrate-{problem.name}",
                              storage=make_storage(a.storage))
    members = complete_trials(study)[: a.members]
    if not members:
        raise SystemExit(f"error: --storage {a.storage}: the study has no complete trial")
    a.out.mkdir(parents=True, exist_ok=True)
    path = a.out / "per_run.csv"
    done = set()
    if path.exists():
        old = pd.read_csv(path)
        done = set(zip(old.trial, old.seed, strict=True))
    jobs = [(problem.name, t.number, dict(t.params), s, years, a.country) for t in members
            for s in t.user_attrs.get("seeds", [0]) if (t.number, s) not in done]
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    with ProcessPoolExecutor(a.jobs) as pool:
        for row in pool.map(one, jobs):
            pd.DataFrame([row]).to_csv(path, mode="a", header=not path.exists(), index=False)
            print(f"trial {row['trial']} seed {row['seed']} done", flush=True)
    per = pd.read_csv(path)
    per = per[per.trial.isin([t.number for t in members])]
    reference = load_reference(ROOT / "experiments" / "reference.csv")
    table = summarise(per, problem, reference, years, a.country)
    head = (f"Calibrated ensemble: the best {len(members)} trials of study `{study.study_name}` "
            f"(losses {members[0].value:.4g}-{members[-1].value:.4g}), each on its seeds; "
            f"{len(per)} runs. Within +-30 %: the median inside [0.7 x low, 1.3 x high] of the record.\n\n")
    (a.out / "summary.md").write_text(head + markdown(readable(table), index=False) + "\n")
    figure(per, problem, reference, years, a.out / "figure.png", a.country)
    print(table.to_string())
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
