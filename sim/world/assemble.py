"""The one code path from rasters and town/artery lists to a :class:`World`, shared by both maps.

The builders (:mod:`sim.world.sahel`, :mod:`sim.world.synthetic`) make a country raster, a
terrain raster, towns placed in cells, artery end-points and mines; :func:`assemble_world`
then applies the same rules to both:

1. **Countries**: cells no polygon claims take the country of the nearest claimed cell; each
   town's cell is given the town's country (documented "nudge" for border towns whose cell
   centre falls just outside the coarse polygon).
2. **Towns sharing a cell are merged**: the most populous keeps its name, coordinates and
   country and receives the others' people; arteries are re-pointed to it, and an artery whose
   two ends merge is dropped. Afterwards there is at most one town per cell.
3. **Arteries** are rasterised as straight 8-connected cell lines from town_a's cell to
   town_b's. ``road_class`` is the maximum class over arteries through a cell;
   ``artery_of_cell`` the highest-class artery (ties: the first in table order).
   ``length_km`` is the data's length where given, else the rasterised length times the
   road-circuity assumption.
4. **People**: town people sit in their town's cell. Rural people follow a terrain weight; for
   each core country they are scaled so that town plus rural people equals its national total
   (or, with ``rural_total``, spread over the whole map to that total); non-core countries get
   ``noncore_density_km2 × weight`` people per km².
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.world.raster import Grid, disc_mask, fill_nearest, line_cells, path_length_cells
from sim.world.types import TERRAIN_NAMES, ArteryTable, TownTable, World

__all__ = ["TownInput", "ArteryInput", "MineInput", "assemble_world"]


@dataclass(frozen=True)
class TownInput:
    """Towns before merging: parallel sequences; ``country`` indexes the country names."""

    name: Sequence[str]
    x: np.ndarray
    y: np.ndarray
    country: np.ndarray
    population: np.ndarray
    lon: np.ndarray
    lat: np.ndarray


@dataclass(frozen=True)
class ArteryInput:
    """Arteries by town row (into :class:`TownInput`); ``length_km`` is nan where unknown."""

    name: Sequence[str]
    town_a: np.ndarray
    town_b: np.ndarray
    road_class: np.ndarray
    length_km: np.ndarray


@dataclass(frozen=True)
class MineInput:
    """Mines: cell, kind code (index into ``MINE_NAMES``) and radius in km."""

    x: np.ndarray
    y: np.ndarray
    kind: np.ndarray
    radius_km: np.ndarray


def _merge_towns(towns: TownInput) -> tuple[TownTable, np.ndarray]:
    """Merge towns sharing a cell; return the table and old-row → new-row map."""
    n = len(towns.name)
    pop = np.asarray(towns.population, dtype=np.float64)
    cell_id = np.asarray(towns.x, np.int64) * (1 << 32) + np.asarray(towns.y, np.int64)
    # the keeper of each cell: highest population, ties to the earlier row
    order = np.lexsort((np.arange(n), -pop, cell_id))
    first = np.ones(n, dtype=bool)
    first[1:] = cell_id[order][1:] != cell_id[order][:-1]
    keeper_of_sorted = order[np.maximum.accumulate(np.where(first, np.arange(n), 0))]
    keeper = np.empty(n, dtype=np.int64)
    keeper[order] = keeper_of_sorted
    kept = np.flatnonzero(keeper == np.arange(n))  # in original table order
    new_row = np.full(n, -1, dtype=np.int64)
    new_row[kept] = np.arange(kept.size)
    remap = new_row[keeper]
    merged_pop = np.bincount(remap, weights=pop, minlength=kept.size)
    table = TownTable(
        name=np.array([towns.name[i] for i in kept], dtype=object),
        x=np.asarray(towns.x, np.int32)[kept], y=np.asarray(towns.y, np.int32)[kept],
        country=np.asarray(towns.country, np.int16)[kept], population=merged_pop,
        lon=np.asarray(towns.lon, np.float64)[kept], lat=np.asarray(towns.lat, np.float64)[kept],
    )
    return table, remap


def _rasterise_arteries(grid: Grid, towns: TownTable, arteries: ArteryInput, remap: np.ndarray,
                        circuity: float) -> tuple[ArteryTable, np.ndarray, np.ndarray]:
    a = remap[np.asarray(arteries.town_a, np.int64)]
    b = remap[np.asarray(arteries.town_b, np.int64)]
    keep = np.flatnonzero(a != b)
    cls = np.asarray(arteries.road_class, np.int8)[keep]
    parts = [line_cells(int(towns.x[a[i]]), int(towns.y[a[i]]), int(towns.x[b[i]]), int(towns.y[b[i]]))
             for i in keep]
    ptr = np.zeros(keep.size + 1, dtype=np.int32)
    ptr[1:] = np.cumsum([len(p) for p in parts])
    cell_xy = np.concatenate(parts).astype(np.int32) if parts else np.empty((0, 2), np.int32)
    given = np.asarray(arteries.length_km, np.float64)[keep]
    raster_km = np.array([path_length_cells(p, grid.cell_km) for p in parts])
    raster_km = raster_km.reshape(given.shape)  # also when no artery survives
    length = np.where(np.isfinite(given), given, raster_km * circuity)
    table = ArteryTable(
        name=np.array([arteries.name[i] for i in keep], dtype=object),
        town_a=a[keep].astype(np.int32), town_b=b[keep].astype(np.int32), road_class=cls,
        length_km=length.astype(np.float64), cell_ptr=ptr, cell_xy=cell_xy,
    )
    road_class = np.zeros(grid.shape, dtype=np.int8)
    artery_of_cell = np.full(grid.shape, -1, dtype=np.int32)
    # paint low class first and, within a class, later rows first: the survivor in each cell
    # is the highest-class artery, ties to the earliest row
    for i in np.lexsort((-np.arange(keep.size), cls)):
        c = parts[i]
        road_class[c[:, 0], c[:, 1]] = np.maximum(road_class[c[:, 0], c[:, 1]], cls[i])
        artery_of_cell[c[:, 0], c[:, 1]] = i
    return table, road_class, artery_of_cell


def _place_people(grid: Grid, country: np.ndarray, terrain: np.ndarray, towns: TownTable,
                  country_names: Sequence[str], national_people: np.ndarray,
                  rural_weight: np.ndarray, noncore_density_km2: float,
                  rural_total: float | None) -> tuple[np.ndarray, np.ndarray]:
    town_people = np.zeros(grid.shape, dtype=np.float64)
    town_people[towns.x, towns.y] = towns.population  # one town per cell after merging
    weight = rural_weight[terrain]
    rural = np.zeros(grid.shape, dtype=np.float64)
    if rural_total is not None:
        mass = weight.sum()
        if mass <= 0:
            raise ValueError("rural weights are zero on every cell; cannot place rural people")
        return town_people, weight * (rural_total / mass)
    for c, name in enumerate(country_names):
        mask = country == c
        if np.isnan(national_people[c]):
            rural[mask] = noncore_density_km2 * grid.cell_km ** 2 * weight[mask]
            continue
        target = national_people[c] - town_people[mask].sum()
        mass = weight[mask].sum()
        if target < 0 or mass <= 0:
            raise ValueError(
                f"country {name!r}: cannot place {national_people[c]:.0f} people on "
                f"{int(mask.sum())} cells (town people {town_people[mask].sum():.0f}, rural "
                f"weight {mass:.3g}); check its polygon, towns and national population")
        rural[mask] = weight[mask] * (target / mass)
    return town_people, rural


def _frozen(*arrays: np.ndarray) -> None:
    for a in arrays:
        a.setflags(write=False)


def assemble_world(*, name: str, grid: Grid, country_names: Sequence[str],
                   is_core: np.ndarray, country_raster: np.ndarray, terrain: np.ndarray,
                   towns: TownInput, arteries: ArteryInput, mines: MineInput,
                   national_people: np.ndarray, rural_weight: dict[str, float],
                   noncore_density_km2: float, road_circuity: float,
                   rural_total: float | None = None, sources: dict[str, str] | None = None) -> World:
    """Apply the shared rules (module docstring) and return a read-only :class:`World`.

    ``country_raster`` uses -1 for unclaimed cells; ``national_people[c]`` is nan for non-core
    countries; ``rural_total`` (synthetic map) replaces the per-country targets.
    """
    if country_raster.shape != grid.shape or terrain.shape != grid.shape:
        raise ValueError(f"rasters must have shape {grid.shape}")
    tx, ty = np.asarray(towns.x), np.asarray(towns.y)
    off = ~grid.inside(tx, ty)
    if off.any():
        raise ValueError(f"towns off the {grid.width}x{grid.height} grid: "
                         f"{[towns.name[i] for i in np.flatnonzero(off)]}")
    country = fill_nearest(country_raster.astype(np.int8), -1)
    town_table, remap = _merge_towns(towns)
    country[town_table.x, town_table.y] = town_table.country  # nudge: a town's cell is its country's
    artery_table, road_class, artery_of_cell = _rasterise_arteries(
        grid, town_table, arteries, remap, road_circuity)
    weights = np.array([rural_weight[t] for t in TERRAIN_NAMES], dtype=np.float64)
    town_people, rural_people = _place_people(
        grid, country, terrain, town_table, country_names, np.asarray(national_people, float),
        weights, noncore_density_km2, rural_total)
    mine = np.zeros(grid.shape, dtype=np.int8)
    for i in range(len(mines.x)):
        mine[disc_mask(grid, int(mines.x[i]), int(mines.y[i]), float(mines.radius_km[i]))] = mines.kind[i]
    terrain = terrain.astype(np.int8)
    is_core = np.asarray(is_core, dtype=bool)
    _frozen(country, terrain, road_class, artery_of_cell, mine, town_people, rural_people, is_core,
            *vars(town_table).values(), *vars(artery_table).values())
    return World(
        name=name, cell_km=grid.cell_km, width=grid.width, height=grid.height,
        lon0=grid.lon0, lat0=grid.lat0, dlon=grid.dlon, dlat=grid.dlat,
        country_names=tuple(country_names), country=country, is_core_country=is_core,
        terrain=terrain, road_class=road_class, artery_of_cell=artery_of_cell, mine=mine,
        town_people=town_people, rural_people=rural_people, towns=town_table,
        arteries=artery_table, sources=dict(sources or {}),
    )
