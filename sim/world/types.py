"""The world's data types: :class:`World`, :class:`TownTable`, :class:`ArteryTable` and codes.

A :class:`World` is static geography: numpy arrays over a grid of square cells, all of shape
``(width, height)`` and indexed ``[x, y]`` with x = column west→east and y = row south→north
(Mesa's grid and ``PropertyLayer`` convention). Its arrays are made read-only when the world is
assembled: geography does not change during a run; state that does (people displaced, control,
roads cut) belongs to the model and starts from a copy.

See ``docs/world.md`` for the data files, projection and rasterisation rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "TERRAIN_NAMES", "TERRAIN_SAHARA", "TERRAIN_SAHEL", "TERRAIN_SUDANIAN", "TERRAIN_RIVER",
    "ROAD_NONE", "ROAD_TRACK", "ROAD_PAVED", "MINE_NAMES", "MINE_NONE", "MINE_GOLD",
    "MINE_URANIUM", "TownTable", "ArteryTable", "World",
]

#: Terrain codes stored in ``World.terrain`` (the index into this tuple).
TERRAIN_NAMES: tuple[str, ...] = ("sahara", "sahel", "sudanian", "river")
TERRAIN_SAHARA, TERRAIN_SAHEL, TERRAIN_SUDANIAN, TERRAIN_RIVER = 0, 1, 2, 3

#: Road classes stored in ``World.road_class`` and ``ArteryTable.road_class``.
ROAD_NONE, ROAD_TRACK, ROAD_PAVED = 0, 1, 2

#: Mine codes stored in ``World.mine``.
MINE_NAMES: tuple[str, ...] = ("none", "gold", "uranium")
MINE_NONE, MINE_GOLD, MINE_URANIUM = 0, 1, 2


@dataclass(frozen=True, eq=False)
class TownTable:
    """Towns as parallel columns (one row per town, at most one town per cell).

    ``x``, ``y`` are the town's cell; ``lon``, ``lat`` its (approximate) coordinates;
    ``country`` indexes ``World.country_names``; ``population`` is people living in the town.
    """

    name: np.ndarray  # object (str)
    x: np.ndarray  # int32
    y: np.ndarray  # int32
    country: np.ndarray  # int16
    population: np.ndarray  # float64, people
    lon: np.ndarray  # float64, deg E
    lat: np.ndarray  # float64, deg N

    def __len__(self) -> int:
        return int(self.name.shape[0])

    def index_of(self, name: str) -> int:
        """Row of the town called ``name`` (KeyError naming the known towns if absent)."""
        hits = np.flatnonzero(self.name == name)
        if hits.size == 0:
            raise KeyError(f"no town named {name!r}; towns are {list(self.name)}")
        return int(hits[0])


@dataclass(frozen=True, eq=False)
class ArteryTable:
    """Arteries (road segments between two towns) and their rasterised cells in CSR form.

    Artery ``i`` runs from town ``town_a[i]`` to town ``town_b[i]``; its cells, ordered from
    town_a's cell to town_b's cell and 8-connected, are
    ``cell_xy[cell_ptr[i]:cell_ptr[i + 1]]`` (an ``(n, 2)`` array of ``x, y``).
    ``length_km`` is the road length from the data where known, otherwise the rasterised length
    times a documented circuity factor (``data/parameters.json``).
    """

    name: np.ndarray  # object (str)
    town_a: np.ndarray  # int32, row in TownTable
    town_b: np.ndarray  # int32
    road_class: np.ndarray  # int8, ROAD_TRACK or ROAD_PAVED
    length_km: np.ndarray  # float64, km
    cell_ptr: np.ndarray  # int32[n + 1]
    cell_xy: np.ndarray  # int32[n_cells_total, 2]

    def __len__(self) -> int:
        return int(self.name.shape[0])

    def cells(self, i: int) -> np.ndarray:
        """The ordered ``(n, 2)`` cells of artery ``i``, from town_a to town_b."""
        return self.cell_xy[self.cell_ptr[i]:self.cell_ptr[i + 1]]


@dataclass(frozen=True, eq=False)
class World:
    """A map as arrays over a ``width × height`` grid of square ``cell_km`` cells.

    Cell ``(x, y)`` has its centre at ``lon0 + (x + 0.5) * dlon``, ``lat0 + (y + 0.5) * dlat``
    (an equirectangular projection; see ``docs/world.md``). Every 2-D array has shape
    ``(width, height)`` and is indexed ``[x, y]``.
    """

    name: str
    cell_km: float
    width: int
    height: int
    lon0: float
    lat0: float
    dlon: float
    dlat: float
    country_names: tuple[str, ...]
    country: np.ndarray  # int8[w, h], index into country_names, never -1
    is_core_country: np.ndarray  # bool[n_countries]
    terrain: np.ndarray  # int8[w, h], index into TERRAIN_NAMES
    road_class: np.ndarray  # int8[w, h], max class over arteries through the cell
    artery_of_cell: np.ndarray  # int32[w, h], -1 or highest-class artery through the cell
    mine: np.ndarray  # int8[w, h], index into MINE_NAMES
    town_people: np.ndarray  # float64[w, h], people living in towns
    rural_people: np.ndarray  # float64[w, h], people outside towns
    towns: TownTable
    arteries: ArteryTable
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        """``(width, height)``, the shape of every 2-D array."""
        return (self.width, self.height)

    @property
    def people(self) -> np.ndarray:
        """All people per cell (a new array: town plus rural)."""
        return self.town_people + self.rural_people

    def cell_of(self, lon: float | np.ndarray, lat: float | np.ndarray):
        """Cell ``(x, y)`` containing the point(s) ``lon, lat``; ValueError if off the map."""
        x = np.floor((np.asarray(lon, dtype=np.float64) - self.lon0) / self.dlon).astype(np.int64)
        y = np.floor((np.asarray(lat, dtype=np.float64) - self.lat0) / self.dlat).astype(np.int64)
        off = (x < 0) | (x >= self.width) | (y < 0) | (y >= self.height)
        if np.any(off):
            raise ValueError(
                f"point(s) lon={np.asarray(lon)[off] if np.ndim(lon) else lon}, "
                f"lat={np.asarray(lat)[off] if np.ndim(lat) else lat} lie off the "
                f"{self.width}x{self.height} map {self.name!r}"
            )
        if x.ndim == 0:
            return int(x), int(y)
        return x, y

    def lonlat_of(self, x: int | np.ndarray, y: int | np.ndarray):
        """Coordinates ``(lon, lat)`` of the centre of cell(s) ``(x, y)``."""
        lon = self.lon0 + (np.asarray(x, dtype=np.float64) + 0.5) * self.dlon
        lat = self.lat0 + (np.asarray(y, dtype=np.float64) + 0.5) * self.dlat
        if lon.ndim == 0:
            return float(lon), float(lat)
        return lon, lat

    def country_index(self, name: str) -> int:
        """Index of country ``name`` in ``country_names`` (KeyError listing them if absent)."""
        try:
            return self.country_names.index(name)
        except ValueError:
            raise KeyError(f"no country {name!r}; countries are {self.country_names}") from None
