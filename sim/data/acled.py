"""Reading an ACLED export, and turning it into reference series and the model's event schema.

ACLED (Armed Conflict Location & Event Data) exports are CSV files with, among others, the
columns in :data:`REQUIRED`. :func:`read_acled` checks them and fails with an error that names
the column or the row (:class:`AcledError`). Then:

* :func:`reference_series` aggregates events (an ACLED export *or* a model run's
  ``events.parquet``: both are ACLED-shaped) into the long format of ``experiments/reference.csv``
  (``indicator, region, period, value, low, high, unit, source, note``): deaths by year and
  country, the central Sahel total (Mali + Burkina Faso + Niger), militant-linked deaths and
  Burkina Faso's share of them, events and fatalities by event type;
* :func:`to_model_events` converts an export into the model's event schema
  (:data:`sim.output.events.EVENT_SCHEMA`) so that model and ACLED events can be compared.

Command line::

    python -m sim.data.acled export.csv --out acled_reference.csv [--events acled_events.parquet]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["AcledError", "REQUIRED", "EVENT_TYPES", "CORE", "read_acled", "reference_series",
           "to_model_events", "slug", "is_militant", "main"]

REQUIRED = ("event_date", "year", "event_type", "sub_event_type", "actor1", "actor2", "country",
            "admin1", "location", "latitude", "longitude", "fatalities")
EVENT_TYPES = ("Battles", "Violence against civilians", "Explosions/Remote violence", "Riots",
               "Protests", "Strategic developments")
CORE = ("Mali", "Burkina Faso", "Niger")
"""The central Sahel of the Africa Center's counts."""
NEIGHBOURS = {
    # ACLED country -> the model map's aggregate region (sim/world/data/countries.json)
    **{c: "Coastal states" for c in ("Senegal", "Guinea", "Ivory Coast", "Cote d'Ivoire",
                                     "Côte d'Ivoire", "Ghana", "Togo", "Benin", "Nigeria")},
    **{c: "Northern neighbours" for c in ("Mauritania", "Algeria", "Libya", "Chad")},
}
KNOWN_COUNTRIES = CORE + tuple(NEIGHBOURS)
MILITANT = re.compile(r"JNIM|Jama'?at Nus?rat|Islamic State|ISGS|IS Sahel|ISWAP|Ansaroul|"
                      r"Ansar Dine|Katiba|AQIM|Al Mourabitoune|Islamist|jnim|is_sahel", re.I)
"""Actors counted as militant Islamist groups (ACLED names, and the model's faction names)."""
SOURCE = "ACLED export"
DEATHS_UNIT = "deaths per year"


class AcledError(ValueError):
    """A bad ACLED file; the message names the file, the column and (where one) the row."""


def slug(name: str) -> str:
    """``"Burkina Faso" -> "burkina_faso"``, ``"Explosions/Remote violence" ->
    "explosions_remote_violence"``."""
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")


def _bad(path, column: str, row: int | None, value, allowed: str) -> AcledError:
    where = f"row {row} (line {row + 2})" if row is not None else "header"
    return AcledError(f"{path}: column '{column}', {where}: {value!r} is not allowed: {allowed}")


def read_acled(path: str | Path, countries: tuple[str, ...] = KNOWN_COUNTRIES) -> pd.DataFrame:
    """Read and check an ACLED CSV export. Returns one row per event with ``event_date`` as a
    datetime64 column, ``year`` and ``fatalities`` as integers. Extra columns are kept.

    Errors (:class:`AcledError`) name the column and the row: a missing column, an unparseable
    date, a year that disagrees with the date, a negative or non-integer fatality count, an
    unknown event type or country, a latitude or longitude out of range or missing."""
    path = Path(path)
    if not path.is_file():
        raise AcledError(f"{path}: no such file")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as e:
        raise AcledError(f"{path}: not a readable CSV file ({e})") from None
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise AcledError(f"{path}: missing column(s) {', '.join(repr(c) for c in missing)}; an "
                         f"ACLED export has {', '.join(REQUIRED)}")
    out = df.copy()
    dates = pd.to_datetime(df["event_date"], format="mixed", errors="coerce", dayfirst=True)
    for i in np.flatnonzero(dates.isna().to_numpy()):
        raise _bad(path, "event_date", int(i), df["event_date"].iat[i],
                   "a date such as 2023-12-31 or '31 December 2023'")
    out["event_date"] = dates
    out["year"] = _integers(path, df, "year", lo=1900)
    for i in np.flatnonzero((out["year"] != dates.dt.year).to_numpy()):
        raise _bad(path, "year", int(i), df["year"].iat[i], f"the year of event_date ({dates.iat[i].year})")
    out["fatalities"] = _integers(path, df, "fatalities", lo=0)
    for col, lo, hi in (("latitude", -90, 90), ("longitude", -180, 180)):
        vals = pd.to_numeric(df[col], errors="coerce")
        for i in np.flatnonzero((vals.isna() | (vals < lo) | (vals > hi)).to_numpy()):
            raise _bad(path, col, int(i), df[col].iat[i], f"a number in [{lo}, {hi}]")
        out[col] = vals.astype(float)
    for i in np.flatnonzero(~df["event_type"].isin(EVENT_TYPES).to_numpy()):
        raise _bad(path, "event_type", int(i), df["event_type"].iat[i],
                   "one of " + ", ".join(repr(t) for t in EVENT_TYPES))
    for i in np.flatnonzero(~df["country"].isin(countries).to_numpy()):
        raise _bad(path, "country", int(i), df["country"].iat[i],
                   "one of " + ", ".join(repr(c) for c in countries))
    return out.reset_index(drop=True)


def _integers(path, df: pd.DataFrame, col: str, lo: int) -> pd.Series:
    vals = pd.to_numeric(df[col], errors="coerce")
    bad = vals.isna() | (vals != vals.round()) | (vals < lo)
    for i in np.flatnonzero(bad.to_numpy()):
        raise _bad(path, col, int(i), df[col].iat[i], f"a whole number >= {lo}")
    return vals.astype(np.int64)


def is_militant(events: pd.DataFrame) -> pd.Series:
    """Events with a militant Islamist group (:data:`MILITANT`) as actor1 or actor2."""
    a1 = events["actor1"].fillna("").astype(str)
    a2 = events["actor2"].fillna("").astype(str)
    return a1.str.contains(MILITANT) | a2.str.contains(MILITANT)


def _row(indicator, region, period, value, unit, note="", source=SOURCE) -> dict:
    return {"indicator": indicator, "region": region, "period": str(period), "value": float(value),
            "low": np.nan, "high": np.nan, "unit": unit, "source": source, "note": note}


def reference_series(events: pd.DataFrame, core: tuple[str, ...] = CORE,
                     source: str = SOURCE) -> pd.DataFrame:
    """Aggregate ACLED-shaped events into reference rows (the long format of
    ``experiments/reference.csv``), one per indicator, region and year:

    * ``fatalities`` by country (region = its slug) and for ``central_sahel`` (the ``core``
      countries; on a map without them, every country);
    * ``militant_linked_deaths`` (central Sahel; events with a militant group, :func:`is_militant`)
      and ``burkina_faso_share_of_deaths`` (Burkina Faso's share of those deaths);
    * ``events_<type>`` and ``fatalities_<type>`` by event type (central Sahel).

    Years with no event in a country give no row for it (zero rows are written for the central
    Sahel's years, which are every year of the data)."""
    ev = events.copy()
    ev["year"] = ev["year"].astype(int)
    present = [c for c in core if c in set(ev["country"])]
    core_ev = ev[ev["country"].isin(present)] if present else ev
    years = sorted(set(core_ev["year"]))
    rows: list[dict] = []
    for (country, year), f in ev.groupby(["country", "year"])["fatalities"].sum().items():
        if country:
            rows.append(_row("fatalities", slug(country), year, f, DEATHS_UNIT, source=source))
    tot = core_ev.groupby("year")["fatalities"].sum().reindex(years, fill_value=0)
    mil_ev = core_ev[is_militant(core_ev)]
    mil = mil_ev.groupby("year")["fatalities"].sum().reindex(years, fill_value=0)
    bf = mil_ev[mil_ev["country"] == "Burkina Faso"].groupby("year")["fatalities"].sum()
    for year in years:
        rows.append(_row("fatalities", "central_sahel", year, tot[year], DEATHS_UNIT,
                         "+".join(present) or "all countries", source))
        rows.append(_row("militant_linked_deaths", "central_sahel", year, mil[year], DEATHS_UNIT,
                         "events with a militant Islamist actor", source))
        if present and mil[year] > 0:
            rows.append(_row("burkina_faso_share_of_deaths", "central_sahel", year,
                             bf.get(year, 0) / mil[year], "share", source=source))
    for etype, g in core_ev.groupby("event_type"):
        n = g.groupby("year").size().reindex(years, fill_value=0)
        f = g.groupby("year")["fatalities"].sum().reindex(years, fill_value=0)
        for year in years:
            rows.append(_row(f"events_{slug(etype)}", "central_sahel", year, n[year],
                             "events per year", etype, source))
            rows.append(_row(f"fatalities_{slug(etype)}", "central_sahel", year, f[year],
                             DEATHS_UNIT, etype, source))
    cols = ["indicator", "region", "period", "value", "low", "high", "unit", "source", "note"]
    return pd.DataFrame(rows, columns=cols).sort_values(["indicator", "region", "period"],
                                                        ignore_index=True)


def to_model_events(acled: pd.DataFrame) -> pd.DataFrame:
    """An ACLED export in the model's event schema (``EventLog.to_frame``'s columns): countries
    outside the core become the model map's regions (``Coastal states``, ``Northern
    neighbours``); ``civilian_fatalities`` is the fatalities of violence against civilians (ACLED
    does not split the others)."""
    from sim.output.events import EVENT_SCHEMA, VAC

    out = pd.DataFrame({
        "event_id": np.arange(len(acled), dtype=np.int64),
        "event_date": pd.to_datetime(acled["event_date"]).dt.date,
        "year": acled["year"].astype(np.int32),
        "event_type": acled["event_type"].astype(str),
        "sub_event_type": acled["sub_event_type"].astype(str),
        "actor1": acled["actor1"].astype(str), "actor2": acled["actor2"].astype(str),
        "country": acled["country"].map(lambda c: NEIGHBOURS.get(c, c)).astype(str),
        "location": acled["location"].astype(str),
        "latitude": acled["latitude"].astype(float), "longitude": acled["longitude"].astype(float),
        "fatalities": acled["fatalities"].astype(np.int64),
        "civilian_fatalities": np.where(acled["event_type"] == VAC, acled["fatalities"], 0).astype(np.int64),
    })
    return out[EVENT_SCHEMA.names]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sim.data.acled", description=(
        "Check an ACLED export and write its reference series (experiments/reference.csv's format) "
        "and, optionally, its events in the model's schema."))
    ap.add_argument("export", help="ACLED CSV export")
    ap.add_argument("--out", required=True, help="reference series CSV to write")
    ap.add_argument("--events", help="also write the events in the model's schema (.parquet)")
    args = ap.parse_args(argv)
    try:
        acled = read_acled(args.export)
    except AcledError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    ref = reference_series(acled)
    ref.to_csv(args.out, index=False)
    if args.events:
        import pyarrow as pa
        import pyarrow.parquet as pq

        from sim.output.events import EVENT_SCHEMA

        pq.write_table(pa.Table.from_pandas(to_model_events(acled), schema=EVENT_SCHEMA,
                                            preserve_index=False), args.events)
    print(f"{len(acled)} events -> {len(ref)} reference rows in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
