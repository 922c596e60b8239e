"""Reading a merged sweep: its time series and its event logs (streamed, Parquet filters)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq


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

