"""Population placement: people placed equal the data within rounding, by country and community,
in groups of at most ``people_per_agent``."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.core import rng
from sim.core.codes import COMMUNITIES
from sim.sahel.population import COLUMNS, HOME, Population, place_population
from sim.world import build_world


@pytest.mark.parametrize(("overrides", "ppa"), [([], 1000), ([], 100), (["map=synthetic"], 50), (["map=synthetic", "map.width=200", "map.height=120"], 500)])
def test_placed_people_equal_the_data_within_rounding(overrides, ppa):
    cfg = sim.load_config(overrides + [f"people_per_agent={ppa}"])
    world = build_world(cfg.map, rng.stream(cfg.seed, "world"))
    pop = place_population(world, cfg, rng.stream(cfg.seed, "population"))
    data = world.town_people + world.rural_people
    n = pop.n
    country_of_group = world.country.reshape(-1)[pop.cell[:n]]
    for c in range(len(world.country_names)):
        placed = pop.people[:n][country_of_group == c].sum()
        expected = data[world.country == c].sum()
        # each (country, community) is rounded to the nearest whole person
        assert abs(placed - expected) <= len(COMMUNITIES) / 2 + 1e-6, world.country_names[c]
    assert (pop.status[:n] == HOME).all() and (pop.cell[:n] == pop.home[:n]).all()
    assert (pop.people[:n] >= 1).all() and (pop.people[:n] <= ppa).all()
    # a cell's groups of one community differ in size by at most one person
    key = pop.cell[:n].astype(np.int64) * 8 + pop.community[:n]
    order = np.argsort(key, kind="stable")
    k, heads = key[order], pop.people[:n][order]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    assert (np.maximum.reduceat(heads, starts) - np.minimum.reduceat(heads, starts) <= 1).all()


def test_townspeople_are_urban_and_rural_shares_follow_terrain():
    cfg = sim.load_config(["people_per_agent=200"])
    world = build_world(cfg.map, rng.stream(0, "world"))
    pop = place_population(world, cfg, rng.stream(0, "population"))
    urban = COMMUNITIES.index("urban")
    town_cells = np.flatnonzero(world.town_people.reshape(-1) > 0)
    n = pop.n
    heads = pop.people[:n]
    in_town = np.isin(pop.cell[:n], town_cells)
    assert heads[in_town & (pop.community[:n] == urban)].sum() > 0.8 * heads[in_town].sum()
    nomads = COMMUNITIES.index("nomads")
    rural_sahara = (world.terrain.reshape(-1)[pop.cell[:n]] == 0) & (pop.community[:n] != urban)
    assert heads[rural_sahara & (pop.community[:n] == nomads)].sum() > 0.5 * heads[rural_sahara].sum()


def test_bytes_per_group_is_within_the_64_byte_budget():
    assert Population(10, 100).bytes_per_agent <= 64
    assert {c.name for c in COLUMNS} >= {"cell", "community", "status", "people", "hardship", "risk_aversion",
                                         "legitimacy", "sympathy", "harm", "sibling"}


def test_compaction_drops_empty_rows_and_keeps_siblings_pointing_at_their_rows():
    pop = Population(6, 100, capacity=10)
    pop.people[:6] = [5, 0, 7, 0, 9, 4]
    pop.cell[:6] = np.arange(6)
    pop.sibling[:6] = [4, -1, 1, -1, 0, 3]  # 0 <-> 4; 2 points at an empty row; 5 at an empty row
    pop.compact()
    assert pop.n == 4 and list(pop.people[:4]) == [5, 7, 9, 4] and list(pop.cell[:4]) == [0, 2, 4, 5]
    assert list(pop.sibling[:4]) == [2, -1, 0, -1]
    assert (pop.people[4:6] == 0).all()
    pop.reserve(20)
    assert pop.capacity >= 24 and list(pop.people[:4]) == [5, 7, 9, 4]


def test_a_full_band_table_doubles_and_keeps_its_rows():
    """Bands split without a cap on their number: the table grows (it used to fail at 4,096)."""
    from sim.sahel.actors import BandTable

    b = BandTable(capacity=2)
    rows = [b.add(faction=k % 2, cell=10 + k, fighters=5.0 * k, leaders=1) for k in range(5)]
    assert rows == [0, 1, 2, 3, 4] and b.n == 5 and b.capacity == 8
    assert list(b.cell[:5]) == [10, 11, 12, 13, 14] and list(b.fighters[:5]) == [0, 5, 10, 15, 20]
    assert all(getattr(b, c.name).size == 8 for c in BandTable.COLUMNS)
    assert (b.t_disrupted[5:] == -1).all() and np.isnan(b.threshold[5:]).all()  # defaults beyond n
    b.grow(4)  # never shrinks
    assert b.capacity == 8
