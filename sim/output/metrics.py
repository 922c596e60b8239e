"""The metric registry and the preallocated recorder behind ``timeseries.parquet``.

Every metric is declared once (name, unit, kind, description, breakdown). Its ``kind`` says how
to read it over time: a ``flow`` counts what happened during the recorded interval (sum it over a
window); a ``stock`` is a level at the recorded step (take its value at the end, or a mean). The recorder allocates one
float64 array for the whole run up front; the model fills a row per recorded step. The output is
a long, tidy table: ``date, step, metric, country, community, faction, value``, with ``all`` in a
breakdown column that a metric is not broken down by. All counts are in people, never agents.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = ["Metric", "METRICS", "METRIC_BY_NAME", "KINDS", "Recorder", "TIMESERIES_SCHEMA", "MODEL_METRICS",
           "EPSTEIN_METRICS", "headline"]

FLOW, STOCK = "flow", "stock"
KINDS = (FLOW, STOCK)


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    kind: str  # FLOW (during the interval) or STOCK (level at the step)
    description: str
    by: str = ""  # "", "faction", "community" or "country": a breakdown besides the total

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"metric {self.name!r}: kind {self.kind!r} is not one of {KINDS}")


METRICS: tuple[Metric, ...] = (
    Metric("population", "people", STOCK, "people alive: civilians plus insurgent fighters (all = the whole map)", "country"),
    Metric("civilians", "people", STOCK, "civilians alive in the modelled area, at home or displaced, by where they are now (all = the whole map)", "country"),
    Metric("insurgent_fighters", "people", STOCK, "fighters in the factions' bands", "faction"),
    Metric("emigrants", "people", FLOW, "people who left the modelled area during the interval (displaced people moving on from neighbouring countries)"),
    Metric("recruits", "people", FLOW, "people who joined a faction during the recorded interval", "faction"),
    Metric("state_losses", "people", FLOW, "state, partner and militia personnel killed during the interval"),
    Metric("insurgent_losses", "people", FLOW, "insurgent fighters killed during the interval", "faction"),
    Metric("civilian_deaths_by_state", "people", FLOW, "civilians killed by state forces during the interval"),
    Metric("civilian_deaths_by_partner", "people", FLOW, "civilians killed by foreign partners during the interval"),
    Metric("civilian_deaths_by_militia", "people", FLOW, "civilians killed by militias during the interval"),
    Metric("civilian_deaths_by_insurgents", "people", FLOW, "civilians killed by insurgents during the interval", "faction"),
    Metric("displaced", "people", STOCK, "people away from home, by home country (all = from the core countries)", "country"),
    Metric("displaced_in", "people", STOCK, "people away from home, by the country they are in now (all = anywhere on the map)", "country"),
    Metric("refugees", "people", STOCK, "displaced people outside their home country, by home country", "country"),
    Metric("flight_violence", "people", FLOW, "people who fled during the interval, the share of their flight hazard due to violence nearby"),
    Metric("flight_coercion", "people", FLOW, "people who fled during the interval, the share due to armed groups' threats and orders to leave"),
    Metric("flight_operations", "people", FLOW, "people who fled during the interval, the share due to state or partner operations"),
    Metric("flight_punishment", "people", FLOW, "people who fled during the interval, the share due to collective punishment by the state side"),
    Metric("flight_siege", "people", FLOW, "people who fled during the interval, the share due to a siege's hunger and prices"),
    Metric("returns", "people", FLOW, "displaced people who went home during the interval"),
    Metric("pop_share_state_control", "1", STOCK, "share of people in state-controlled cells", "country"),
    Metric("pop_share_contested", "1", STOCK, "share of people in contested cells", "country"),
    Metric("pop_share_insurgent_control", "1", STOCK, "share of people in insurgent-controlled cells", "country"),
    Metric("territory_share_outside_state_control", "1", STOCK, "share of a country's cells not under state control", "country"),
    Metric("blockaded_towns", "towns", STOCK, "towns whose arteries are all cut"),
    Metric("arteries_cut", "arteries", STOCK, "arteries with at least one cut cell"),
    Metric("leaders_killed", "people", FLOW, "insurgent leaders killed during the interval", "faction"),
    Metric("senior_leaders_killed", "people", FLOW, "senior (katiba or regional) leaders killed during the interval", "faction"),
    Metric("band_leaders_killed", "people", FLOW, "band leaders killed during the interval", "faction"),
    Metric("air_drone_strikes", "strikes", FLOW, "platform strikes and raids during the interval, by the country they hit", "country"),
    Metric("deserters", "people", FLOW, "fighters who deserted or demobilised back to the civilians during the interval", "faction"),
    Metric("fighter_capacity", "people", STOCK, "fighters a faction's income (taxation, mines, smuggling) pays for", "faction"),
    Metric("mean_legitimacy", "1", STOCK, "mean perceived state legitimacy among civilians", "community"),
    Metric("mean_grievance", "1", STOCK, "mean grievance among civilians", "community"),
)
METRIC_BY_NAME = {m.name: m for m in METRICS}

EPSTEIN_METRICS = ("active", "quiet", "jailed", "legitimacy")
"""The Epstein (2002) replication's series (citizens by state, and the legitimacy)."""

MODEL_METRICS: dict[str, tuple[str, ...]] = {"sahel": tuple(METRIC_BY_NAME), "epstein": EPSTEIN_METRICS}
"""Model kind -> the metric names its ``timeseries.parquet`` may hold (checked on reading)."""

TIMESERIES_SCHEMA = pa.schema([
    ("date", pa.date32()), ("step", pa.int32()), ("metric", pa.string()), ("country", pa.string()),
    ("community", pa.string()), ("faction", pa.string()), ("value", pa.float64()),
])


class Recorder:
    """Preallocated storage for every (metric, breakdown) series over the recorded steps."""

    def __init__(self, n_records: int, factions: tuple[str, ...], communities: tuple[str, ...],
                 countries: tuple[str, ...]):
        labels = {"faction": factions, "community": communities, "country": countries}
        self.series: list[tuple[str, str, str, str]] = []  # (metric, country, community, faction)
        self.index: dict[tuple[str, str], int] = {}
        for m in METRICS:
            for group in ("all", *labels.get(m.by, ())):
                key = {"country": "all", "community": "all", "faction": "all"}
                if group != "all":
                    key[m.by] = group
                self.index[(m.name, group)] = len(self.series)
                self.series.append((m.name, key["country"], key["community"], key["faction"]))
        self.values = np.full((n_records, len(self.series)), np.nan)
        self.columns: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}  # (metric, groups) -> their columns
        self.steps = np.full(n_records, -1, dtype=np.int32)
        self.n = 0

    def new_row(self, step: int) -> np.ndarray:
        """Start the record of ``step`` and return its row (its values by the columns of ``index``)."""
        self.steps[self.n] = step
        self.n += 1
        return self.values[self.n - 1]

    def to_frame(self, start: dt.date) -> pd.DataFrame:
        """The long table; one row per (recorded step, series)."""
        n, s = self.n, len(self.series)
        steps = np.repeat(self.steps[:n], s)
        dates = np.datetime64(start, "D") + steps.astype("timedelta64[D]")
        metric, country, community, faction = (np.tile(np.array(col, dtype=object), n) for col in zip(*self.series, strict=True))
        return pd.DataFrame({
            "date": dates, "step": steps.astype(np.int32), "metric": metric, "country": country,
            "community": community, "faction": faction, "value": self.values[:n].ravel(),
        })


def headline(ts: pd.DataFrame, names: list[str]) -> dict[str, float]:
    """Totals of the named metrics over a run: a flow summed over every record, a stock's last
    value (the ``all`` series; metrics without a series are left out)."""
    out = {}
    tot = ts[(ts.country == "all") & (ts.community == "all") & (ts.faction == "all")]
    for name in names:
        s = tot[tot.metric == name]["value"]
        if s.empty:
            continue
        out[name] = float(np.nansum(s.to_numpy())) if METRIC_BY_NAME[name].kind == FLOW else float(s.iloc[-1])
    return out
