"""Destinations of flight: the map's towns and the record's refugee camps, with capacities.

A :class:`Sites` table holds every place people can flee to: each town of the map (capacity
``rel_town_capacity`` x its population) and, on the ``sahel`` map, the refugee camps of
``sim/world/data/camps.csv`` (Mbera in Mauritania, Goudoubo and Mentao in Burkina Faso, the
Tillabéri and Tahoua camps in Niger, and the sites hosting Burkinabè refugees in Togo, Côte
d'Ivoire and Ghana; coordinates and capacities approx., sources per row). Which sites each cell
can reach (towns within ``flee_radius``, camps within ``camp_radius``) is computed once, in CSR
form, from the config at the start of the run.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.world.data_io import DATA_DIR, WorldDataError

CAMPS_CSV = DATA_DIR / "camps.csv"
_COLUMNS = ("name", "country", "host_country", "lat", "lon", "capacity", "coord_source", "capacity_source", "note")


@dataclass
class Sites:
    """Destinations as parallel columns; candidates of cell ``c`` are
    ``cand_site[cand_ptr[c]:cand_ptr[c + 1]]``, at Chebyshev distance ``cand_dist`` (cells)."""

    name: np.ndarray       # object (str)
    cell: np.ndarray       # int64, flat cell index
    country: np.ndarray    # int64, index into World.country_names
    is_camp: np.ndarray    # bool
    capacity: np.ndarray   # float64, people it can host before crowding
    town: np.ndarray       # int64, row in World.towns (-1 for a camp)
    cand_ptr: np.ndarray   # int64[n_cells + 1]
    cand_site: np.ndarray  # int64
    cand_dist: np.ndarray  # float64, cells

    def __len__(self) -> int:
        return int(self.name.shape[0])


def load_camps(world, path: Path = CAMPS_CSV) -> list[dict]:
    """The camps of ``path`` that lie on ``world`` (each must lie in the country it names)."""
    if not path.is_file():
        raise WorldDataError(f"{path}: data file not found")
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    camps = []
    for i, r in enumerate(rows, start=2):
        missing = [c for c in _COLUMNS if c not in r or (r[c] in (None, "") and c != "note")]
        if missing:
            raise WorldDataError(f"{path.name}, line {i}: missing {missing}")
        try:
            lat, lon, cap = float(r["lat"]), float(r["lon"]), float(r["capacity"])
        except ValueError as e:
            raise WorldDataError(f"{path.name}, line {i}: {e}") from None
        if cap <= 0:
            raise WorldDataError(f"{path.name}, line {i}, column 'capacity': must be > 0, got {cap}")
        x, y = world.cell_of(lon, lat)
        where = world.country_names[world.country[x, y]]
        if where != r["country"]:
            raise WorldDataError(f"{path.name}, line {i}: camp {r['name']!r} lies in {where!r} on the map, "
                                 f"not {r['country']!r}")
        camps.append({"name": r["name"], "cell": x * world.height + y, "country": int(world.country[x, y]),
                      "capacity": cap})
    return camps


def build_sites(world, town_capacity: float, flee_radius: int, camp_radius: int) -> Sites:
    """Towns (and, on the sahel map, camps) with capacities and each cell's reachable sites."""
    t = world.towns
    h = world.height
    names = list(t.name)
    cells = list(t.x.astype(np.int64) * h + t.y.astype(np.int64))
    country = list(t.country.astype(np.int64))
    capacity = list(np.maximum(t.population * town_capacity, 1.0))
    is_camp = [False] * len(names)
    town = list(range(len(names)))
    if world.name == "sahel":
        for camp in load_camps(world):
            names.append(camp["name"])
            cells.append(camp["cell"])
            country.append(camp["country"])
            capacity.append(camp["capacity"])
            is_camp.append(True)
            town.append(-1)
    cells_a = np.array(cells, np.int64)
    is_camp_a = np.array(is_camp, np.bool_)
    ptr, site, dist = candidates(world.width, h, cells_a, np.where(is_camp_a, camp_radius, flee_radius))
    return Sites(np.array(names, dtype=object), cells_a, np.array(country, np.int64), is_camp_a,
                 np.array(capacity, np.float64), np.array(town, np.int64), ptr, site, dist)


def candidates(width: int, height: int, site_cell: np.ndarray, radius: np.ndarray):
    """CSR lists of the sites within each site's radius of every cell (sites in index order)."""
    cells, sites, dists = [], [], []
    for s, (c, r) in enumerate(zip(site_cell, radius, strict=True)):
        sx, sy = divmod(int(c), height)
        r = int(r)
        bx = np.arange(max(sx - r, 0), min(sx + r + 1, width), dtype=np.int64)[:, None]
        by = np.arange(max(sy - r, 0), min(sy + r + 1, height), dtype=np.int64)[None, :]
        cells.append((bx * height + by).ravel())  # the box around the site, x-major
        dists.append(np.maximum(np.abs(bx - sx), np.abs(by - sy)).ravel())
        sites.append(np.full(cells[-1].size, s, np.int64))
    cell = np.concatenate(cells) if cells else np.zeros(0, np.int64)
    order = np.argsort(cell, kind="stable")  # by cell; within a cell, by site
    ptr = np.zeros(width * height + 1, np.int64)
    ptr[1:] = np.cumsum(np.bincount(cell, minlength=width * height))
    site = np.concatenate(sites)[order] if cells else np.zeros(0, np.int64)
    dist = np.concatenate(dists)[order].astype(np.float64) if cells else np.zeros(0, np.float64)
    return ptr, site, dist
