"""The ACLED-shaped event log.

Columns follow ACLED's codebook (event_date, event_type, sub_event_type, actor1, actor2, country,
location, latitude, longitude, fatalities) plus ``civilian_fatalities``. Event types used:
``Battles``, ``Violence against civilians``, ``Explosions/Remote violence`` and
``Strategic developments``. ``location`` is the nearest town.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa

EVENT_SCHEMA = pa.schema([
    ("event_id", pa.int64()), ("event_date", pa.date32()), ("year", pa.int32()),
    ("event_type", pa.string()), ("sub_event_type", pa.string()), ("actor1", pa.string()),
    ("actor2", pa.string()), ("country", pa.string()), ("location", pa.string()),
    ("latitude", pa.float64()), ("longitude", pa.float64()), ("fatalities", pa.int64()),
    ("civilian_fatalities", pa.int64()),
])

BATTLES = "Battles"
VAC = "Violence against civilians"
REMOTE = "Explosions/Remote violence"
STRATEGIC = "Strategic developments"


class EventLog:
    """Append-only list of events; few per day, so plain lists are the right tool."""

    def __init__(self, model):
        self.model = model
        self.rows: list[tuple] = []
        w = model.world
        self._town_xy = np.stack([w.towns.x, w.towns.y], axis=1).astype(np.int64)
        self._places: dict[int, tuple[str, str, float, float]] = {}  # cell -> (country, town, lat, lon)

    def add(self, date: dt.date, event_type: str, sub_type: str, actor1: str, actor2: str,
            cell: int | None, fatalities: int = 0, civilian_fatalities: int = 0) -> None:
        if cell is None:
            country, location, lat, lon = "", "", float("nan"), float("nan")
        else:
            place = self._places.get(int(cell))
            country, location, lat, lon = place if place is not None else self._place(int(cell))
        self.rows.append((len(self.rows), date, date.year, event_type, sub_type, actor1, actor2,
                          country, location, lat, lon, int(fatalities), int(civilian_fatalities)))

    def _place(self, cell: int) -> tuple[str, str, float, float]:
        """A cell's country, nearest town (Chebyshev distance, the first of ties) and centre,
        found once per cell (countries and towns never change)."""
        w = self.model.world
        x, y = divmod(cell, w.height)
        country = w.country_names[w.country[x, y]]
        d = np.abs(self._town_xy - (x, y)).max(axis=1)
        location = str(w.towns.name[int(np.argmin(d))])
        lon, lat = w.lonlat_of(x, y)
        place = self._places[cell] = (country, location, float(lat), float(lon))
        return place

    def strategic(self, date, sub_type, actor, note, cell=None) -> None:
        self.add(date, STRATEGIC, sub_type, actor, note, cell)

    def to_frame(self) -> pd.DataFrame:
        names = EVENT_SCHEMA.names
        if not self.rows:
            return EVENT_SCHEMA.empty_table().to_pandas()
        df = pd.DataFrame(self.rows, columns=names)
        df["event_date"] = pd.to_datetime(df["event_date"]).dt.date
        return df
