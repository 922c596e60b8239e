"""The ``sahel`` map: the stylised central Sahel built from the files in ``sim/world/data/``.

Sources are named per row in the data files (towns, arteries, mines) and per entry in the JSON
files (country polygons, terrain bands, river, parameters); see ``docs/world.md``. Facts come
from ``/work/shared/reference/sahel_facts.md`` (towns and Mali populations partly from the Flee
model's input files, Suleimenova, Bell & Groen 2017, Sci. Rep. 7:13377); everything else is
marked ``approx.`` or ``assumption`` with a range.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from sim.world.assemble import ArteryInput, MineInput, TownInput, assemble_world
from sim.world.data_io import DATA_DIR, SahelData, load_sahel_data
from sim.world.raster import Grid, grid_for_box, polygon_mask, polyline_cells
from sim.world.types import (
    MINE_NAMES,
    TERRAIN_RIVER,
    TERRAIN_SAHARA,
    TERRAIN_SAHEL,
    TERRAIN_SUDANIAN,
    World,
)

__all__ = ["build_sahel", "sahel_terrain", "sahel_countries"]


def sahel_countries(grid: Grid, data: SahelData) -> np.ndarray:
    """Country raster (-1 where no polygon claims a cell): neighbour groups first, core on top."""
    labels = np.full(grid.shape, -1, dtype=np.int8)
    order = sorted(range(len(data.countries)), key=lambda i: data.countries[i].is_core)
    for i in order:  # stable: non-core in file order, then core in file order
        labels[polygon_mask(grid, np.array(data.countries[i].polygon))] = i
    return labels


def sahel_terrain(grid: Grid, geography: dict[str, Any]) -> np.ndarray:
    """Terrain raster: latitude bands split at two lon-dependent edges, then river cells."""
    lon, lat = grid.centres()
    col_lon = lon[:, 0]
    sahara = np.array(geography["sahara_south_edge"])
    sudan = np.array(geography["sudanian_north_edge"])
    sahara_edge = np.interp(col_lon, sahara[:, 0], sahara[:, 1])[:, None]
    sudan_edge = np.interp(col_lon, sudan[:, 0], sudan[:, 1])[:, None]
    terrain = np.full(grid.shape, TERRAIN_SAHEL, dtype=np.int8)
    terrain[lat > sahara_edge] = TERRAIN_SAHARA
    terrain[lat < sudan_edge] = TERRAIN_SUDANIAN
    river = polyline_cells(grid, np.array(geography["river_course"]))
    terrain[river[:, 0], river[:, 1]] = TERRAIN_RIVER
    terrain[polygon_mask(grid, np.array(geography["inner_delta"]))] = TERRAIN_RIVER
    return terrain


def _cells_on_grid(grid: Grid, what: str, names: list[str], lon: np.ndarray,
                   lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = grid.to_cell(lon, lat)
    off = ~grid.inside(x, y)
    if off.any():
        raise ValueError(
            f"{what} outside the map box lon [{grid.lon0}, {grid.lon0 + grid.width * grid.dlon:.2f}]"
            f", lat [{grid.lat0}, {grid.lat0 + grid.height * grid.dlat:.2f}]: "
            f"{[names[i] for i in np.flatnonzero(off)]}; widen map.lon_min/lon_max/lat_min/"
            f"lat_max or remove them from sim/world/data")
    return x, y


def build_sahel(cfg: Any, data_dir: Path = DATA_DIR) -> World:
    """Build the sahel :class:`World` for ``cfg`` (a ``MapConfig``: cell_km and the lon/lat box).

    Every town and mine must lie inside the box (ValueError naming them otherwise): national
    populations are placed on the on-map part of each core country, which for the default box
    leaves out only near-empty Saharan land north of 21.5° N.
    """
    data = load_sahel_data(data_dir)
    grid = grid_for_box(cfg.lon_min, cfg.lon_max, cfg.lat_min, cfg.lat_max, cfg.cell_km)
    names = [c.name for c in data.countries]
    idx = {n: i for i, n in enumerate(names)}

    t = data.towns
    t_lon = np.array([r.lon for r in t])
    t_lat = np.array([r.lat for r in t])
    tx, ty = _cells_on_grid(grid, "towns", [r.name for r in t], t_lon, t_lat)
    towns = TownInput(
        name=[r.name for r in t], x=tx, y=ty, country=np.array([idx[r.country] for r in t]),
        population=np.array([r.population for r in t]), lon=t_lon, lat=t_lat)

    town_row = {r.name: i for i, r in enumerate(t)}
    a = data.arteries
    arteries = ArteryInput(
        name=[r.name for r in a], town_a=np.array([town_row[r.town_a] for r in a]),
        town_b=np.array([town_row[r.town_b] for r in a]),
        road_class=np.array([r.road_class for r in a]), length_km=np.array([r.length_km for r in a]))

    m = data.mines
    mx, my = _cells_on_grid(grid, "mines", [r.name for r in m], np.array([r.lon for r in m]),
                            np.array([r.lat for r in m]))
    mines = MineInput(mx, my, np.array([MINE_NAMES.index(r.kind) for r in m]),
                      np.array([r.radius_km for r in m]))

    params = data.parameters
    return assemble_world(
        name="sahel", grid=grid, country_names=names,
        is_core=np.array([c.is_core for c in data.countries]),
        country_raster=sahel_countries(grid, data), terrain=sahel_terrain(grid, data.geography),
        towns=towns, arteries=arteries, mines=mines,
        national_people=np.array([c.population for c in data.countries]),
        rural_weight=params["rural_weight_by_terrain"],
        noncore_density_km2=params["noncore_rural_density_per_km2"],
        road_circuity=params["road_circuity"], sources=data.sources,
    )

