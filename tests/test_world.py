"""The world (sim.world): both maps keep the promises the model relies on.

Towns sit in their own country, each core country's road net connects its towns, people add up
to the data's totals, roads are unbroken cell paths between their towns, the synthetic map is
reproducible at any size, and bad data files fail loudly, naming file, row and column.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from sim.config import MapConfig
from sim.world import (
    MINE_NAMES,
    ROAD_NONE,
    TERRAIN_NAMES,
    World,
    WorldDataError,
    build_world,
    load_sahel_data,
)
from sim.world.data_io import DATA_DIR
from sim.world.raster import grid_for_box, polygon_mask, polygon_mask_reference
from sim.world.sahel import build_sahel, sahel_countries

CORE = ("Mali", "Burkina Faso", "Niger")
NATIONAL = {"Mali": 23e6, "Burkina Faso": 23e6, "Niger": 27e6}  # sahel_facts.md s1 (2024)


def sahel(cell_km: float = 10.0) -> World:
    return build_world(MapConfig(kind="sahel", cell_km=cell_km), np.random.default_rng(0))


def synthetic(width: int, height: int, seed: int = 0, **kw) -> World:
    cfg = MapConfig(kind="synthetic", width=width, height=height, **kw)
    return build_world(cfg, np.random.default_rng(seed))


SYNTHETIC_CASES = [(20, 15, 0, {}), (20, 15, 1, {"n_countries": 3}), (60, 40, 2, {}),
                   (120, 80, 3, {"n_towns": 40, "n_countries": 5}), (400, 300, 4, {"n_towns": 60})]
ALL_WORLDS = ([pytest.param(lambda km=km: sahel(km), id=f"sahel-{km}km") for km in (5, 10, 50)]
              + [pytest.param(lambda c=c: synthetic(c[0], c[1], c[2], **c[3]),
                              id=f"synthetic-{c[0]}x{c[1]}-seed{c[2]}") for c in SYNTHETIC_CASES])


def components(n: int, edges: list[tuple[int, int]]) -> np.ndarray:
    """Connected-component label of each of ``n`` nodes (union-find)."""
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in edges:
        parent[find(a)] = find(b)
    return np.array([find(i) for i in range(n)])


# --- towns, countries, roads ---------------------------------------------------------------

@pytest.mark.parametrize("make", ALL_WORLDS)
def test_every_town_lies_in_a_cell_of_its_own_country_one_town_per_cell(make) -> None:
    w = make()
    t = w.towns
    assert np.array_equal(w.country[t.x, t.y], t.country)
    assert len({(int(x), int(y)) for x, y in zip(t.x, t.y, strict=True)}) == len(t)
    assert w.country.min() >= 0 and w.country.max() < len(w.country_names)  # no unassigned cell


@pytest.mark.parametrize("cell_km", [5.0, 10.0, 20.0])
def test_sahel_polygons_alone_put_every_town_in_its_country(cell_km: float) -> None:
    """At working resolutions no town needs the nudge: the coarse polygons are right there."""
    data = load_sahel_data()
    grid = grid_for_box(-12.5, 15.0, 9.0, 21.5, cell_km)
    labels = sahel_countries(grid, data)
    names = [c.name for c in data.countries]
    for t in data.towns:
        x, y = grid.to_cell(np.array(t.lon), np.array(t.lat))
        assert names[labels[int(x), int(y)]] == t.country, t.name


@pytest.mark.parametrize("make", ALL_WORLDS)
def test_each_core_country_road_net_connects_its_towns(make) -> None:
    """Strict notion: towns of a core country are connected by arteries inside that country.

    True for the sahel data (every Mali, Burkina and Niger town is reachable without transit
    through a neighbour) and by construction for the synthetic map.
    """
    w = make()
    a, t = w.arteries, w.towns
    for c in np.flatnonzero(w.is_core_country):
        own = [(int(i), int(j)) for i, j in zip(a.town_a, a.town_b, strict=True)
               if t.country[i] == c and t.country[j] == c]
        members = np.flatnonzero(t.country == c)
        labels = components(len(t), own)[members]
        assert len(set(labels)) == 1, (w.country_names[c], list(t.name[members]))
    all_edges = list(zip(a.town_a.tolist(), a.town_b.tolist(), strict=True))
    assert len(set(components(len(t), all_edges))) == 1  # and the whole net is one piece


@pytest.mark.parametrize("make", ALL_WORLDS)
def test_artery_cells_are_unbroken_paths_between_their_towns(make) -> None:
    w = make()
    a, t = w.arteries, w.towns
    assert a.cell_ptr[0] == 0 and a.cell_ptr[-1] == len(a.cell_xy) and np.all(np.diff(a.cell_ptr) >= 2)
    for i in range(len(a)):
        cells = a.cells(i)
        assert tuple(cells[0]) == (t.x[a.town_a[i]], t.y[a.town_a[i]])
        assert tuple(cells[-1]) == (t.x[a.town_b[i]], t.y[a.town_b[i]])
        assert np.abs(np.diff(cells, axis=0)).max() == 1  # 8-connected, no repeats or jumps
        assert np.all(w.road_class[cells[:, 0], cells[:, 1]] >= a.road_class[i])
    on_road = np.zeros(w.shape, dtype=bool)
    on_road[a.cell_xy[:, 0], a.cell_xy[:, 1]] = True
    assert np.array_equal(on_road, w.road_class > ROAD_NONE)
    assert np.array_equal(on_road, w.artery_of_cell >= 0)
    x, y = np.nonzero(on_road)
    assert np.array_equal(a.road_class[w.artery_of_cell[x, y]], w.road_class[x, y])
    assert np.all(a.length_km > 0)


def test_sahel_road_lengths_agree_with_the_facts() -> None:
    """Totals the facts give for multi-town routes (sahel_facts.md s2), within 15 %."""
    routes = {("Ségou", "San", "Mopti"): 401, ("Mopti", "Konna", "Douentza", "Hombori", "Gossi", "Gao"): 573,
              ("Niamey", "Dosso", "Maradi", "Zinder", "Diffa"): 1254, ("Niamey", "Tahoua", "Agadez"): 905,
              ("Bamako", "Kati", "Diéma", "Kayes"): 550}
    for cell_km in (5.0, 10.0):
        w = sahel(cell_km)
        a, idx = w.arteries, w.towns.index_of
        pair = {frozenset((int(i), int(j))): k for k, (i, j) in enumerate(zip(a.town_a, a.town_b, strict=True))}
        for route, km in routes.items():
            total = sum(a.length_km[pair[frozenset((idx(p), idx(q)))]] for p, q in zip(route, route[1:], strict=False))
            assert abs(total / km - 1) < 0.15, (route, total, km)


def test_towns_sharing_a_cell_are_merged_keeping_people_and_roads() -> None:
    data = load_sahel_data()
    w = sahel(100.0)  # coarse: e.g. Bamako and Kati share a cell
    assert len(w.towns) < len(data.towns)
    assert w.towns.population.sum() == pytest.approx(sum(t.population for t in data.towns), rel=1e-12)
    assert "Bamako" in set(w.towns.name) and "Kati" not in set(w.towns.name)
    assert np.all(w.arteries.town_a != w.arteries.town_b)


# --- people ----------------------------------------------------------------------------------

@pytest.mark.parametrize("cell_km", [5.0, 10.0, 50.0])
def test_sahel_people_add_up_to_each_core_countrys_national_population(cell_km: float) -> None:
    w = sahel(cell_km)
    for name, total in NATIONAL.items():
        mask = w.country == w.country_index(name)
        assert w.town_people[mask].sum() + w.rural_people[mask].sum() == pytest.approx(total, rel=1e-9)
    assert w.town_people.sum() == pytest.approx(w.towns.population.sum(), rel=1e-12)
    assert w.town_people.min() >= 0 and w.rural_people.min() >= 0
    for c in np.flatnonzero(~w.is_core_country):  # neighbours: only a small assumed density
        density = w.rural_people[w.country == c] / w.cell_km ** 2
        assert density.max() <= 5.0 * 3.0 + 1e-9  # parameters.json: 5 /km2 x weight <= 3


@pytest.mark.parametrize("rural_share", [0.0, 0.6, 1.0])
def test_synthetic_people_add_up_to_the_configured_total(rural_share: float) -> None:
    w = synthetic(50, 30, seed=7, synthetic_people=1_234_567.0, rural_share=rural_share)
    assert w.people.sum() == pytest.approx(1_234_567.0, rel=1e-9)
    assert w.rural_people.sum() == pytest.approx(1_234_567.0 * rural_share, rel=1e-9, abs=1e-6)


# --- synthetic map -------------------------------------------------------------------------

@pytest.mark.parametrize(("width", "height"), [(20, 15), (400, 300)])
def test_synthetic_builds_small_and_large_grids(width: int, height: int) -> None:
    t0 = time.perf_counter()
    w = synthetic(width, height, seed=11, n_towns=12, n_countries=3)
    assert time.perf_counter() - t0 < 5.0
    assert w.shape == (width, height)
    for arr in (w.country, w.terrain, w.road_class, w.artery_of_cell, w.mine, w.town_people, w.rural_people):
        assert arr.shape == (width, height)
    assert len(w.towns) == 12 and sorted(set(w.country.ravel())) == [0, 1, 2]
    assert set(np.unique(w.terrain)) <= set(range(len(TERRAIN_NAMES)))


def test_synthetic_is_deterministic_per_seed_and_differs_across_seeds() -> None:
    a, b, c = synthetic(60, 40, seed=5), synthetic(60, 40, seed=5), synthetic(60, 40, seed=6)
    for name in ("country", "terrain", "road_class", "artery_of_cell", "mine", "town_people", "rural_people"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert np.array_equal(a.arteries.cell_xy, b.arteries.cell_xy)
    assert not (np.array_equal(a.town_people, c.town_people) and np.array_equal(a.country, c.country))


# --- geography and API ---------------------------------------------------------------------

def test_sahel_terrain_and_mines_where_a_reader_expects_them() -> None:
    w = sahel(10.0)

    def at(town: str) -> tuple[int, int]:
        i = w.towns.index_of(town)
        return int(w.towns.x[i]), int(w.towns.y[i])

    def terrain(town: str) -> str:
        return TERRAIN_NAMES[w.terrain[at(town)]]

    assert {terrain(t) for t in ("Kidal", "Tessalit", "Arlit", "Agadez")} == {"sahara"}
    assert {terrain(t) for t in ("Djibo", "Dori", "Tahoua", "Ménaka")} == {"sahel"}
    assert {terrain(t) for t in ("Ouagadougou", "Sikasso", "Bamako")} <= {"sudanian", "river"}
    assert terrain("Mopti") == "river" and terrain("Niamey") == "river"
    assert MINE_NAMES[w.mine[at("Arlit")]] == "uranium"
    assert MINE_NAMES[w.mine[w.cell_of(-0.08, 14.38)]] == "gold"  # Essakane
    for m in load_sahel_data().mines:  # every mine site lies in its own country
        assert w.country[w.cell_of(m.lon, m.lat)] == w.country_index(m.country), m.name


def test_world_layers_follow_the_mesa_convention_and_are_read_only() -> None:
    w = sahel(10.0)
    assert w.shape == (296, 139)  # ~10 km cells over 12.5 W-15 E, 9-21.5 N
    assert w.country.dtype == np.int8 and w.terrain.dtype == np.int8 and w.mine.dtype == np.int8
    assert w.road_class.dtype == np.int8 and w.artery_of_cell.dtype == np.int32
    assert w.town_people.dtype == np.float64 and w.is_core_country.tolist() == [True, True, True, False, False]
    x, y = w.cell_of(-8.001, 12.649)  # Bamako: x grows east, y grows north
    assert (x, y) == (w.towns.x[w.towns.index_of("Bamako")], w.towns.y[w.towns.index_of("Bamako")])
    assert w.cell_of(*w.lonlat_of(x + 3, y + 2)) == (x + 3, y + 2)
    with pytest.raises(ValueError, match="off the"):
        w.cell_of(30.0, 12.0)
    with pytest.raises(ValueError, match="read-only"):
        w.rural_people[0, 0] = 1.0
    assert set(w.sources) >= {"towns.csv", "arteries.csv", "countries.json"}


def test_polygon_scanline_matches_its_matplotlib_twin() -> None:
    data = load_sahel_data()
    for cell_km in (7.0, 25.0):
        grid = grid_for_box(-12.5, 15.0, 9.0, 21.5, cell_km)
        for c in data.countries:
            poly = np.array(c.polygon)
            assert np.array_equal(polygon_mask(grid, poly), polygon_mask_reference(grid, poly)), c.name


def test_sahel_builds_well_under_a_second() -> None:
    sahel(10.0)  # warm imports
    best = min(_timed(lambda: sahel(10.0)) for _ in range(3))
    assert best < 0.5, f"sahel at 10 km took {best:.3f} s"


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def test_unknown_map_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="map.kind"):
        build_world(SimpleNamespace(kind="atlantis"), np.random.default_rng(0))


# --- data files ------------------------------------------------------------------------------

def _cites_facts_or_is_marked(source: str) -> bool:
    s = source.lower()
    return "sahel_facts" in s or "flee" in s or "approx." in s or "assumption" in s


def test_every_data_row_names_its_source_and_marks_approximations() -> None:
    data = load_sahel_data()
    for t in data.towns:
        assert _cites_facts_or_is_marked(t.coord_source) and _cites_facts_or_is_marked(t.population_source), t.name
    for a in data.arteries:
        assert _cites_facts_or_is_marked(a.source), a
    for m in data.mines:
        assert _cites_facts_or_is_marked(m.source), m.name
    for c in data.countries:
        assert "approx." in c.polygon_source and 10 <= len(c.polygon) <= 30, c.name
        if c.is_core:
            assert "sahel_facts" in c.population_source and c.population == NATIONAL[c.name]
    facts_towns = {"Bamako", "Ségou", "Mopti", "Konna", "Douentza", "Timbuktu", "Gao", "Bourem",
                   "Ansongo", "Kidal", "Ménaka", "Tessalit", "Tinzaouaten", "Nioro du Sahel", "Kayes",
                   "Ouagadougou", "Djibo", "Dori", "Kaya", "Ouahigouya", "Fada N'Gourma", "Niamey",
                   "Tillabéri", "Ayorou", "Ouallam", "Tongo-Tongo", "Tahoua", "Agadez", "Diffa"}
    assert facts_towns <= {t.name for t in data.towns}  # all of sahel_facts.md s1


def _corrupt(tmp_path: Path, file: str, old: str, new: str) -> Path:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    text = (data / file).read_text(encoding="utf-8")
    assert old in text
    (data / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    return data


@pytest.mark.parametrize(("file", "old", "new", "expected"), [
    ("towns.csv", "Ségou,Mali,13.443", "Ségou,Mali,13.4x3", ["towns.csv", "row 2", "'lat'", "13.4x3"]),
    ("towns.csv", "Kidal,Mali,18.444", "Kidal,Malli,18.444", ["towns.csv", "row 10", "'country'", "Malli"]),
    ("towns.csv", "Flee input files (Suleimenova et al. 2017) via sahel_facts.md s1,Flee: 2009 census",
     ",Flee: 2009 census", ["towns.csv", "row 1", "'coord_source'", "empty"]),
    ("towns.csv", "population_range", "pop_range", ["towns.csv", "header", "population_range"]),
    ("arteries.csv", "RN6,San,Mopti,2", "RN6,San,Moptii,2", ["arteries.csv", "row 3", "'town_b'", "Moptii"]),
    ("arteries.csv", "RN6,San,Mopti,2", "RN6,San,Mopti,3", ["arteries.csv", "row 3", "'road_class'", "3"]),
    ("mines.csv", "Syama,gold", "Syama,silver", ["mines.csv", "row 4", "'kind'", "silver"]),
    ("countries.json", "[[0.24, 14.98], [-0.45, 15.08]", "[[0.24, 14.98], [-0.45]",
     ["countries.json", "countries[1].polygon[1]"]),
    ("countries.json", '"population": 27000000', '"population": "many"',
     ["countries.json", "countries[2].population"]),
    ("geography.json", '"river_course": {', '"river_curse": {', ["geography.json", "river_course"]),
    ("parameters.json", '"sahara": 0.02', '"sahara": -1', ["parameters.json", "sahara"]),
])
def test_malformed_data_fails_naming_file_row_and_column(tmp_path: Path, file: str, old: str,
                                                         new: str, expected: list[str]) -> None:
    data = _corrupt(tmp_path, file, old, new)
    with pytest.raises(WorldDataError) as err:
        build_sahel(MapConfig(kind="sahel"), data_dir=data)
    for part in expected:
        assert part in str(err.value), (part, str(err.value))


def test_towns_outside_the_map_box_are_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Kidal"):
        build_sahel(MapConfig(kind="sahel", lat_max=18.0))
