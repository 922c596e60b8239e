"""The calibration loss: a weighted sum of log-ratio errors over reference series.

A *series* is one row of the reference table (``experiments/reference.csv``'s long format:
``indicator, region, period, value, low, high``). For each series the model gives one number per
seed (:func:`model_series`), averaged over the trial's seeds; its error is the distance, in
log ratio, from the reference value or band:

    e = log((m + eps) / (hi + eps))  if m > hi,   log((lo + eps) / (m + eps))  if m < lo,   0 else

where ``lo = low`` and ``hi = high`` when the reference gives a band, and ``lo = hi = value``
otherwise; ``eps`` is 0.01 for shares and 1 for counts (so that a model zero is finite). The
loss is ``sum(w * e**2) / sum(w)`` over the *in-sample* series. *Out-of-sample* series are
computed and stored with each trial but never enter the loss. See ``docs/calibration.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.data.acled import reference_series, slug

__all__ = ["Series", "load_reference", "model_series", "series_error", "loss", "SUPPORTED"]

STOCK_BY_DATE = {"displaced": "displaced"}
MEAN_BY_YEAR = {"territory_outside_state_control": "territory_share_outside_state_control"}
EVENT_INDICATORS = ("fatalities", "militant_linked_deaths", "burkina_faso_share_of_deaths")
SUPPORTED = (*EVENT_INDICATORS, "events_<type>", "fatalities_<type>", *STOCK_BY_DATE,
             *MEAN_BY_YEAR, "fighters_<faction>")


@dataclass(frozen=True)
class Series:
    """One reference series and its place in the loss."""

    indicator: str
    region: str
    period: str
    value: float
    low: float = math.nan
    high: float = math.nan
    unit: str = ""
    weight: float = 1.0
    in_sample: bool = True

    @property
    def key(self) -> str:
        return f"{self.indicator}|{self.region}|{self.period}"

    @property
    def eps(self) -> float:
        return 0.01 if self.unit.startswith("share") or "share" in self.indicator else 1.0


def load_reference(path: str | Path) -> pd.DataFrame:
    """A reference table: ``experiments/reference.csv``'s format, or an ACLED export (detected
    by its ``event_date`` column), which is aggregated by :func:`sim.data.acled.reference_series`."""
    from sim.data.acled import read_acled

    path = Path(path)
    head = pd.read_csv(path, nrows=0)
    if "event_date" in head.columns:
        return reference_series(read_acled(path), source=f"ACLED export {path.name}")
    ref = pd.read_csv(path, dtype={"period": str})
    missing = {"indicator", "region", "period", "value"} - set(ref.columns)
    if missing:
        raise ValueError(f"{path}: missing column(s) {sorted(missing)}; a reference table has "
                         "indicator, region, period, value, low, high, unit, source, note")
    return ref


# --------------------------------------------------------------------------- the model side
def _years(period: str) -> list[int]:
    a, _, b = period.partition("-")
    if len(period) == 4 and period.isdigit():
        return [int(period)]
    if len(a) == 4 and len(b) == 4 and a.isdigit() and b.isdigit():
        return list(range(int(a), int(b) + 1))
    raise ValueError(f"period {period!r} is not a year (2023) or a span of years (2016-2019)")


def _region_label(region: str, countries: list[str]) -> str:
    for c in countries:
        if slug(c) == region:
            return c
    if region in ("central_sahel", "all"):
        return "all"
    raise ValueError(f"region {region!r} is not on this map: it has "
                     + ", ".join(repr(slug(c)) for c in countries) + " and 'central_sahel'")


def model_series(series: list[Series], timeseries: pd.DataFrame, events: pd.DataFrame) -> dict[str, float]:
    """The model's value of each series, from one run's tables (``Results.timeseries``,
    ``Results.events``, or the same read from ``timeseries.parquet``/``events.parquet``).

    Event indicators (deaths, shares, events and fatalities by type) are aggregated from the
    event log exactly as an ACLED export is (:func:`sim.data.acled.reference_series`); a span of
    years is the yearly mean. ``displaced`` is the stock at the last recorded day on or before
    the period's date; ``territory_outside_state_control`` and ``fighters_<faction>`` are the
    mean over the year(s)."""
    ev = events.copy()
    ev["year"] = ev["year"].astype(int)
    ev_ref = reference_series(ev).set_index(["indicator", "region", "period"])["value"]
    ts = timeseries
    countries = sorted(set(ts["country"]) - {"all"})
    dates = pd.to_datetime(ts["date"])
    ts_years = sorted(set(dates.dt.year))
    out: dict[str, float] = {}
    for s in series:
        ind = s.indicator
        if ind in EVENT_INDICATORS or ind.startswith(("events_", "fatalities_")):
            years = _years(s.period)
            missing = [y for y in years if y not in ts_years]
            if missing:
                raise ValueError(f"series {s.key}: year(s) {missing} are outside the run ({ts_years[0]}-{ts_years[-1]})")
            vals = [ev_ref.get((ind, s.region, str(y)), 0.0) for y in years]
            out[s.key] = float(np.mean(vals))
        elif ind in STOCK_BY_DATE:
            label = _region_label(s.region, countries)
            sel = ts[(ts.metric == STOCK_BY_DATE[ind]) & (ts.country == label) & (ts.community == "all")
                     & (ts.faction == "all")]
            d = pd.to_datetime(sel["date"])
            day = pd.Timestamp(s.period)
            if len(sel) == 0 or not d.min() <= day <= d.max() + pd.Timedelta(days=1):
                raise ValueError(f"series {s.key}: date {s.period} is outside the run")
            out[s.key] = float(sel[d <= day]["value"].iloc[-1])
        elif ind in MEAN_BY_YEAR or ind.startswith("fighters_"):
            metric, faction, label = MEAN_BY_YEAR.get(ind), "all", "all"
            if metric is None:
                metric, faction = "insurgent_fighters", ind.removeprefix("fighters_")
            else:
                label = _region_label(s.region, countries)
            sel = ts[(ts.metric == metric) & (ts.country == label) & (ts.faction == faction)
                     & (ts.community == "all")]
            sel = sel[pd.to_datetime(sel["date"]).dt.year.isin(_years(s.period))]
            if sel.empty:
                raise ValueError(f"series {s.key}: no model data (metric {metric}, "
                                 f"country {label}, faction {faction}) in that period")
            out[s.key] = float(sel["value"].mean())
        else:
            raise ValueError(f"series {s.key}: indicator {ind!r} has no model counterpart; "
                             "supported: " + ", ".join(SUPPORTED))
    return out


# --------------------------------------------------------------------------- the error
def series_error(s: Series, m: float) -> float:
    """Signed log-ratio distance of model value ``m`` from the reference value or band."""
    lo = s.low if not math.isnan(s.low) else s.value
    hi = s.high if not math.isnan(s.high) else s.value
    m = max(float(m), 0.0)
    if m > hi:
        return math.log((m + s.eps) / (hi + s.eps))
    if m < lo:
        return -math.log((lo + s.eps) / (m + s.eps))
    return 0.0


def loss(series: list[Series], values: dict[str, float], in_sample: bool = True) -> float:
    """``sum(w * e**2) / sum(w)`` over the in-sample (or, with ``in_sample=False``, the
    out-of-sample) series; NaN when there is none."""
    chosen = [s for s in series if s.in_sample == in_sample]
    wsum = sum(s.weight for s in chosen)
    if not chosen or wsum <= 0:
        return math.nan
    return sum(s.weight * series_error(s, values[s.key]) ** 2 for s in chosen) / wsum
