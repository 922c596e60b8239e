"""Model versus ACLED: maps of events side by side, and yearly series.

    python -m sim.data.compare outputs/default acled.csv --out model_vs_acled.png

``model_vs_acled(run_dir, acled_csv, out)`` reads a run's ``events.parquet`` (and, if there,
``timeseries.parquet`` for the run's window) and an ACLED export; both are aggregated by
:func:`sim.data.acled.reference_series`, so the yearly series use one definition.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from sim.data.acled import read_acled, reference_series, to_model_events  # noqa: E402

__all__ = ["model_vs_acled", "yearly_table"]

VIOLENT = ("Battles", "Violence against civilians", "Explosions/Remote violence")
COLORS = {"Battles": "tab:red", "Violence against civilians": "tab:purple",
          "Explosions/Remote violence": "tab:orange"}


def yearly_table(model_events: pd.DataFrame, acled_events: pd.DataFrame,
                 indicators=("militant_linked_deaths", "fatalities")) -> pd.DataFrame:
    """Year by year, model beside ACLED: indicator, region, period, model, acled."""
    key = ["indicator", "region", "period"]
    m = reference_series(model_events).rename(columns={"value": "model"})[key + ["model"]]
    a = reference_series(acled_events).rename(columns={"value": "acled"})[key + ["acled"]]
    t = m.merge(a, on=key, how="outer")
    return t[t.indicator.isin(indicators) & (t.region == "central_sahel")].sort_values(key, ignore_index=True)


def _map(ax, ev: pd.DataFrame, title: str) -> None:
    ev = ev[ev["event_type"].isin(VIOLENT)]
    for etype, g in ev.groupby("event_type"):
        ax.scatter(g["longitude"], g["latitude"], s=2 + g["fatalities"].clip(upper=200) / 4,
                   c=COLORS[etype], alpha=0.35, linewidths=0, label=etype)
    ax.set_title(f"{title}: {len(ev):,} violent events, {int(ev['fatalities'].sum()):,} deaths",
                 fontsize=9)
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_aspect("equal", adjustable="datalim")


def model_vs_acled(run_dir: str | Path, acled_csv: str | Path, out: str | Path) -> pd.DataFrame:
    """Draw the figure to ``out`` (PNG); return the yearly table it plots. ACLED events outside
    the run's window are left out."""
    run_dir = Path(run_dir)
    model = pd.read_parquet(run_dir / "events.parquet")
    acled = to_model_events(read_acled(acled_csv))
    ts_path = run_dir / "timeseries.parquet"
    if ts_path.is_file():
        dates = pd.to_datetime(pd.read_parquet(ts_path, columns=["date"])["date"])
        keep = (pd.to_datetime(acled["event_date"]) >= dates.min()) & \
               (pd.to_datetime(acled["event_date"]) <= dates.max())
        acled = acled[keep]
    table = yearly_table(model, acled)
    fig = plt.figure(figsize=(12, 8))
    ax1, ax2 = fig.add_subplot(2, 2, 1), fig.add_subplot(2, 2, 2)
    _map(ax1, model, "model")
    _map(ax2, acled, "ACLED")
    lims = [min(ax1.get_xlim()[0], ax2.get_xlim()[0]), max(ax1.get_xlim()[1], ax2.get_xlim()[1])]
    for ax in (ax1, ax2):
        ax.set_xlim(lims)
    ax1.legend(fontsize=7, markerscale=3, loc="lower left")
    for i, ind in enumerate(("militant_linked_deaths", "fatalities")):
        ax = fig.add_subplot(2, 2, 3 + i)
        t = table[table.indicator == ind]
        years = t["period"].astype(int)
        ax.plot(years, t["model"], "o-", label="model")
        ax.plot(years, t["acled"], "s--", color="k", label="ACLED")
        ax.set_title(f"{ind.replace('_', ' ')}, central Sahel, per year", fontsize=9)
        ax.set_xlabel("year")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return table


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sim.data.compare",
                                 description="Model-versus-ACLED figure: event maps and yearly series")
    ap.add_argument("run_dir", help="a run folder with events.parquet (and timeseries.parquet)")
    ap.add_argument("acled", help="ACLED CSV export")
    ap.add_argument("--out", default="model_vs_acled.png")
    args = ap.parse_args(argv)
    table = model_vs_acled(args.run_dir, args.acled, args.out)
    print(table.to_string(index=False))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
