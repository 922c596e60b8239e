"""Loading and validating the sahel map's data files (``sim/world/data/``).

Every loader checks its file against a declared schema and raises :class:`WorldDataError`
naming the file, the row (or JSON path) and the column, the bad value and what is allowed.
Every row must name its source; values not taken from ``sahel_facts.md`` say ``approx.`` or
``assumption`` in their source (checked by ``tests/test_world.py``).
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "DATA_DIR", "WorldDataError", "TownRow", "ArteryRow", "MineRow", "CountryRow",
    "SahelData", "load_towns", "load_arteries", "load_mines", "load_countries",
    "load_geography", "load_parameters", "load_sahel_data",
]

DATA_DIR = Path(__file__).resolve().parent / "data"


class WorldDataError(ValueError):
    """A data file is missing, malformed or inconsistent; the message says where and why."""


@dataclass(frozen=True)
class _Col:
    """One CSV column: name, type ('str' | 'float' | 'int'), whether blank is allowed, range."""

    name: str
    kind: str = "str"
    optional: bool = False
    lo: float = -math.inf
    hi: float = math.inf
    choices: tuple[Any, ...] = ()


@dataclass(frozen=True)
class TownRow:
    name: str
    country: str
    lat: float
    lon: float
    population: float
    population_range: str
    coord_source: str
    population_source: str
    note: str


@dataclass(frozen=True)
class ArteryRow:
    name: str
    town_a: str
    town_b: str
    road_class: int
    length_km: float  # nan when the data give none
    source: str
    note: str


@dataclass(frozen=True)
class MineRow:
    name: str
    kind: str
    country: str
    lat: float
    lon: float
    radius_km: float
    source: str


@dataclass(frozen=True)
class CountryRow:
    name: str
    is_core: bool
    population: float  # nan for non-core groups
    population_source: str
    members: tuple[str, ...]
    polygon: tuple[tuple[float, float], ...]  # (lon, lat)
    polygon_source: str


@dataclass(frozen=True)
class SahelData:
    """All sahel data files, loaded and cross-checked."""

    countries: tuple[CountryRow, ...]
    towns: tuple[TownRow, ...]
    arteries: tuple[ArteryRow, ...]
    mines: tuple[MineRow, ...]
    geography: dict[str, Any]
    parameters: dict[str, Any]
    sources: dict[str, str]


def _convert(file: str, row: int, line: int, col: _Col, raw: str) -> Any:
    where = f"{file}, row {row} (line {line}), column {col.name!r}"
    raw = raw.strip()
    if raw == "":
        if col.optional:
            return math.nan if col.kind in ("float", "int") else ""
        raise WorldDataError(f"{where}: value is empty; a {col.kind} is required")
    if col.kind == "str":
        value: Any = raw
    else:
        try:
            value = int(raw) if col.kind == "int" else float(raw)
        except ValueError:
            raise WorldDataError(f"{where}: {raw!r} is not a valid {col.kind}") from None
        if not math.isfinite(value) or not (col.lo <= value <= col.hi):
            raise WorldDataError(f"{where}: {raw!r} is outside the allowed range [{col.lo}, {col.hi}]")
    if col.choices and value not in col.choices:
        raise WorldDataError(f"{where}: {raw!r} is not one of {list(col.choices)}")
    return value


def _read_csv(path: Path, cols: Sequence[_Col]) -> list[dict[str, Any]]:
    """Rows of a UTF-8 CSV as dicts of converted values.

    Data rows are numbered from 1 after the header; errors also give the file's line number.
    """
    file = path.name
    if not path.is_file():
        raise WorldDataError(f"{path}: data file not found")
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise WorldDataError(f"{file}: file is empty; expected a header row") from None
        want = [c.name for c in cols]
        missing = [c for c in want if c not in header]
        unknown = [h for h in header if h not in want]
        if missing or unknown:
            raise WorldDataError(f"{file}, header: missing columns {missing}, unknown columns "
                                 f"{unknown}; expected exactly {want}")
        rows = []
        for i, cells in enumerate(reader, start=1):
            if not cells or all(not c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                raise WorldDataError(f"{file}, row {i} (line {reader.line_num}): has {len(cells)} fields, header has "
                                     f"{len(header)} ({header})")
            raw = dict(zip(header, cells, strict=True))
            rows.append({"_row": i, **{c.name: _convert(file, i, reader.line_num, c, raw[c.name])
                                       for c in cols}})
    if not rows:
        raise WorldDataError(f"{file}: no data rows")
    return rows


def _unique(file: str, rows: list[dict[str, Any]], key: str) -> None:
    seen: dict[Any, int] = {}
    for r in rows:
        if r[key] in seen:
            raise WorldDataError(f"{file}, row {r['_row']}, column {key!r}: {r[key]!r} repeats "
                                 f"row {seen[r[key]]}")
        seen[r[key]] = r["_row"]


def _check_ref(file: str, r: dict[str, Any], key: str, known: Sequence[str], what: str) -> None:
    if r[key] not in known:
        raise WorldDataError(f"{file}, row {r['_row']}, column {key!r}: unknown {what} "
                             f"{r[key]!r}; known: {sorted(known)}")


def load_towns(path: Path, country_names: Sequence[str]) -> tuple[TownRow, ...]:
    cols = [_Col("name"), _Col("country", choices=tuple(country_names)),
            _Col("lat", "float", lo=-90, hi=90), _Col("lon", "float", lo=-180, hi=180),
            _Col("population", "float", lo=1, hi=5e7), _Col("population_range", optional=True),
            _Col("coord_source"), _Col("population_source"), _Col("note", optional=True)]
    rows = _read_csv(path, cols)
    _unique(path.name, rows, "name")
    return tuple(TownRow(**{k: v for k, v in r.items() if k != "_row"}) for r in rows)


def load_arteries(path: Path, town_names: Sequence[str]) -> tuple[ArteryRow, ...]:
    cols = [_Col("name"), _Col("town_a"), _Col("town_b"), _Col("road_class", "int", choices=(1, 2)),
            _Col("length_km", "float", optional=True, lo=0.1, hi=5000), _Col("source"),
            _Col("note", optional=True)]
    rows = _read_csv(path, cols)
    for r in rows:
        _check_ref(path.name, r, "town_a", town_names, "town")
        _check_ref(path.name, r, "town_b", town_names, "town")
        if r["town_a"] == r["town_b"]:
            raise WorldDataError(f"{path.name}, row {r['_row']}, column 'town_b': same town as "
                                 f"town_a ({r['town_a']!r})")
    return tuple(ArteryRow(**{k: v for k, v in r.items() if k != "_row"}) for r in rows)


def load_mines(path: Path, country_names: Sequence[str]) -> tuple[MineRow, ...]:
    cols = [_Col("name"), _Col("kind", choices=("gold", "uranium")),
            _Col("country", choices=tuple(country_names)), _Col("lat", "float", lo=-90, hi=90),
            _Col("lon", "float", lo=-180, hi=180), _Col("radius_km", "float", lo=0, hi=500),
            _Col("source")]
    rows = _read_csv(path, cols)
    _unique(path.name, rows, "name")
    return tuple(MineRow(**{k: v for k, v in r.items() if k != "_row"}) for r in rows)


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise WorldDataError(f"{path}: data file not found")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise WorldDataError(f"{path.name}, line {e.lineno}, column {e.colno}: invalid JSON: {e.msg}") from None
    if not isinstance(doc, dict):
        raise WorldDataError(f"{path.name}: top level must be an object")
    return doc


def _field(file: str, obj: Any, key: str, where: str, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise WorldDataError(f"{file}, {where}: missing field {key!r}")
    value = obj[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        kinds = kind if isinstance(kind, tuple) else (kind,)
        want = " or ".join({"str": "a string", "bool": "true/false", "int": "a number",
                            "float": "a number", "list": "a list", "dict": "an object"}
                           .get(k.__name__, k.__name__) for k in kinds)
        raise WorldDataError(f"{file}, {where}.{key}: expected {want}, got {value!r}")
    if isinstance(value, str) and not value.strip():
        raise WorldDataError(f"{file}, {where}.{key}: must not be empty")
    return value


def _lonlat_list(file: str, value: Any, where: str, min_len: int) -> tuple[tuple[float, float], ...]:
    if not isinstance(value, list) or len(value) < min_len:
        raise WorldDataError(f"{file}, {where}: expected a list of at least {min_len} [lon, lat] pairs")
    out = []
    for i, p in enumerate(value):
        ok = (isinstance(p, list) and len(p) == 2
              and all(isinstance(c, int | float) and not isinstance(c, bool) for c in p))
        if not ok or not (-180 <= p[0] <= 180 and -90 <= p[1] <= 90):
            raise WorldDataError(f"{file}, {where}[{i}]: expected [lon, lat] in degrees, got {p!r}")
        out.append((float(p[0]), float(p[1])))
    return tuple(out)


def load_countries(path: Path) -> tuple[CountryRow, ...]:
    file, doc = path.name, _read_json(path)
    items = _field(file, doc, "countries", "top level", list)
    rows = []
    for i, c in enumerate(items):
        where = f"countries[{i}]"
        name = _field(file, c, "name", where, str)
        core = _field(file, c, "core", where, bool)
        members = tuple(_field(file, c, "members", where, list))
        if core:
            pop = float(_field(file, c, "population", where, (int, float)))
            if pop <= 0:
                raise WorldDataError(f"{file}, {where}.population: must be > 0, got {pop}")
            pop_src = _field(file, c, "population_source", where, str)
        else:
            pop, pop_src = math.nan, ""
        poly = _lonlat_list(file, c.get("polygon"), f"{where}.polygon", 3)
        rows.append(CountryRow(name, core, pop, pop_src, members, poly,
                               _field(file, c, "polygon_source", where, str)))
    names = [r.name for r in rows]
    if len(set(names)) != len(names) or not any(r.is_core for r in rows):
        raise WorldDataError(f"{file}, countries: names must be unique and at least one core; got {names}")
    return tuple(rows)


def load_geography(path: Path) -> dict[str, Any]:
    """Terrain band edges (lat as a function of lon), the river course and the inner delta."""
    file, doc = path.name, _read_json(path)
    out: dict[str, Any] = {}
    for key in ("sahara_south_edge", "sudanian_north_edge", "river_course", "inner_delta"):
        entry = _field(file, doc, key, "top level", dict)
        _field(file, entry, "source", key, str)
        out[key] = _lonlat_list(file, entry.get("points"), f"{key}.points", 2)
    for key in ("sahara_south_edge", "sudanian_north_edge"):
        lons = [p[0] for p in out[key]]
        if any(b <= a for a, b in zip(lons, lons[1:], strict=False)):
            raise WorldDataError(f"{file}, {key}.points: longitudes must increase strictly")
    return out


def load_parameters(path: Path) -> dict[str, Any]:
    """Scalar assumptions: rural weight per terrain, non-core density, road circuity."""
    file, doc = path.name, _read_json(path)
    w = _field(file, doc, "rural_weight_by_terrain", "top level", dict)
    _field(file, w, "source", "rural_weight_by_terrain", str)
    weights = {}
    for t in ("sahara", "sahel", "sudanian", "river"):
        v = _field(file, w, t, "rural_weight_by_terrain", (int, float))
        if v < 0:
            raise WorldDataError(f"{file}, rural_weight_by_terrain.{t}: must be >= 0, got {v}")
        weights[t] = float(v)
    out: dict[str, Any] = {"rural_weight_by_terrain": weights}
    for key, lo in (("noncore_rural_density_per_km2", 0.0), ("road_circuity", 1.0)):
        entry = _field(file, doc, key, "top level", dict)
        _field(file, entry, "source", key, str)
        v = float(_field(file, entry, "value", key, (int, float)))
        if v < lo:
            raise WorldDataError(f"{file}, {key}.value: must be >= {lo}, got {v}")
        out[key] = v
    return out


def load_sahel_data(data_dir: Path = DATA_DIR) -> SahelData:
    """Load and cross-check every sahel data file in ``data_dir``."""
    data_dir = Path(data_dir)
    countries = load_countries(data_dir / "countries.json")
    names = [c.name for c in countries]
    towns = load_towns(data_dir / "towns.csv", names)
    arteries = load_arteries(data_dir / "arteries.csv", [t.name for t in towns])
    mines = load_mines(data_dir / "mines.csv", names)
    geography = load_geography(data_dir / "geography.json")
    parameters = load_parameters(data_dir / "parameters.json")
    sources = {
        "countries.json": "hand-simplified polygons (approx.); national populations from "
                          "sahel_facts.md section 1 (2024, approx.)",
        "towns.csv": "sahel_facts.md sections 1-2 (Flee input files for Mali, Suleimenova et al. "
                     "2017); waypoint towns approx.; per-row columns coord_source, population_source",
        "arteries.csv": "sahel_facts.md section 2; extra links approx.; per-row column source",
        "mines.csv": "sahel_facts.md section 1 (mines); mine sites approx.; per-row column source",
        "geography.json": "hand-drawn isohyet bands, Niger course and inner delta (approx.)",
        "parameters.json": "assumptions with ranges and sources, per entry",
    }
    return SahelData(countries, towns, arteries, mines, geography, parameters, sources)
