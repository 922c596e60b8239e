"""Displacement in ``historical_2012_2025`` beside the record (issue 12), 10 seeds, resumable.

Each seed's yearly displacement series (displaced by home country, by country of location,
refugees, flights by cause, returns, emigrants) is written to
``outputs/displacement_history/seed_<n>.csv`` as soon as it finishes; a rerun skips seeds already
there. The summary (median and range over seeds at each year-end, beside CONASUR and UNHCR) goes
to ``summary.csv`` and the figure to ``docs/figures/displacement_history.png``. No parameter is
tuned here.

    NUMBA_NUM_THREADS=1 python experiments/displacement_history.py [--seeds 10] [--out DIR] [--figure PNG] [overrides ...]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

import sim

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "outputs" / "displacement_history"
FIGURE = ROOT / "docs" / "figures" / "displacement_history.png"
STOCKS = ("displaced", "displaced_in", "refugees")
FLOWS = ("flight_violence", "flight_coercion", "flight_operations", "flight_punishment", "flight_siege",
         "returns", "emigrants")
# CONASUR year-end internally displaced in Burkina Faso; UNHCR central Sahel (sahel_facts.md s.4)
RECORD_BF = {2018: 47_029, 2019: 560_033, 2020: 1_074_993, 2021: 1_579_976, 2022: 1_882_391}
RECORD_SAHEL = {2013: 217_000, 2021: 2_100_000}


def run_seed(seed: int, overrides: tuple[str, ...] = ()) -> pd.DataFrame:
    cfg = sim.load_config(["scenario=historical_2012_2025", f"seed={seed}", *overrides, "output.dashboard=false",
                           "output.progress=false"])
    ts = sim.run(cfg).timeseries
    ts = ts[(ts.community == "all") & (ts.faction == "all")].copy()
    ts["year"] = pd.to_datetime(ts["date"]).dt.year
    rows = []
    for m in STOCKS:
        s = ts[ts.metric == m].groupby(["country", "year"])["value"].last()
        rows += [(m, c, y, v) for (c, y), v in s.items()]
    for m in FLOWS:
        s = ts[ts.metric == m].groupby(["country", "year"])["value"].sum()
        rows += [(m, c, y, v) for (c, y), v in s.items()]
    df = pd.DataFrame(rows, columns=["metric", "country", "year", "value"])
    df["seed"] = seed
    return df[df.year <= 2025]


def summarise(frames: list[pd.DataFrame]) -> pd.DataFrame:
    df = pd.concat(frames)
    g = df.groupby(["metric", "country", "year"])["value"]
    out = pd.DataFrame({"median": g.median(), "lo": g.min(), "hi": g.max(), "n_seeds": g.size()}).reset_index()
    return out


def figure(summary: pd.DataFrame, path: Path = FIGURE) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    for ax, (country, record, title) in zip(axes, (("Burkina Faso", RECORD_BF, "displaced from Burkina Faso"),
                                                   ("all", RECORD_SAHEL, "displaced from the central Sahel"),
                                                   (None, None, "refugees (outside home country)")), strict=True):
        if country is None:
            for c in ("Mali", "Burkina Faso", "Niger"):
                s = summary[(summary.metric == "refugees") & (summary.country == c)]
                ax.plot(s.year, s["median"] / 1e3, marker="o", label=c)
                ax.fill_between(s.year, s.lo / 1e3, s.hi / 1e3, alpha=0.2)
            ax.set_ylabel("thousand people (year-end)")
        else:
            s = summary[(summary.metric == "displaced") & (summary.country == country)]
            ax.plot(s.year, s["median"] / 1e6, marker="o", label="model (median, range over seeds)")
            ax.fill_between(s.year, s.lo / 1e6, s.hi / 1e6, alpha=0.2)
            yrs = sorted(record)
            ax.plot(yrs, [record[y] / 1e6 for y in yrs], "ks", label="record")
            for y in yrs:
                ax.plot([y, y], [record[y] / 2e6, record[y] * 2 / 1e6], "k-", lw=0.8, alpha=0.5)
            ax.set_ylabel("million people (year-end)")
        ax.set_title(title)
        ax.legend(fontsize=8)
    fig.suptitle("historical_2012_2025: displacement, model vs record (bars: within a factor of 2)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--out", type=Path, default=OUT,
                    help="folder of the per-seed rows (a rerun resumes from those there: use a fresh one "
                         "after a change to the model)")
    ap.add_argument("--figure", type=Path, default=FIGURE, help=f"the figure (default {FIGURE.relative_to(ROOT)})")
    ap.add_argument("overrides", nargs="*", help="model overrides, e.g. params=calibrated")
    args = ap.parse_args()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    meta, want = out / "overrides.json", json.dumps(sorted(args.overrides))
    if meta.exists() and meta.read_text() != want:
        raise SystemExit(f"error: --out {out} holds runs with overrides {meta.read_text()}, not {want}: "
                         "use another folder")
    meta.write_text(want)
    frames = []
    for seed in range(args.seeds):
        path = out / f"seed_{seed}.csv"
        if not path.exists():
            run_seed(seed, tuple(args.overrides)).to_csv(path, index=False)
            print(f"seed {seed} done", flush=True)
        frames.append(pd.read_csv(path))
        summary = summarise(frames)
        summary.to_csv(out / "summary.csv", index=False)
    figure(summary, args.figure)
    bf = summary[(summary.metric == "displaced") & (summary.country == "Burkina Faso")].set_index("year")
    sahel = summary[(summary.metric == "displaced") & (summary.country == "all")].set_index("year")
    for y, rec in RECORD_BF.items():
        print(f"Burkina Faso {y}: model median {bf.loc[y, 'median']:,.0f} (range {bf.loc[y, 'lo']:,.0f}-"
              f"{bf.loc[y, 'hi']:,.0f}), record {rec:,}, ratio {bf.loc[y, 'median'] / rec:.2f}")
    for y, rec in RECORD_SAHEL.items():
        print(f"central Sahel {y}: model median {sahel.loc[y, 'median']:,.0f}, record {rec:,}, "
              f"ratio {sahel.loc[y, 'median'] / rec:.2f}")
    print("n seeds:", int(bf["n_seeds"].max()), "; mean flights by cause per year (all):")
    for m in FLOWS:
        s = summary[(summary.metric == m) & (summary.country == "all")]
        print(f"  {m}: {np.round(s['median'].to_numpy() / 1e3).astype(int).tolist()} (thousands, 2012-2025)")


if __name__ == "__main__":
    main()
