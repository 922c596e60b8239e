"""Population placement: people placed equal the data within rounding, by country and community."""

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
    country_of_agent = world.country.reshape(-1)[pop.cell]
    for c in range(len(world.country_names)):
        placed = (country_of_agent == c).sum() * ppa
        expected = data[world.country == c].sum()
        # each (country, community) group is rounded to the nearest whole agent
        assert abs(placed - expected) <= len(COMMUNITIES) * ppa / 2 + 1e-6, world.country_names[c]
    assert (pop.status == HOME).all() and (pop.cell == pop.home).all()


def test_townspeople_are_urban_and_rural_shares_follow_terrain():
    cfg = sim.load_config(["people_per_agent=200"])
    world = build_world(cfg.map, rng.stream(0, "world"))
    pop = place_population(world, cfg, rng.stream(0, "population"))
    urban = COMMUNITIES.index("urban")
    town_cells = np.flatnonzero(world.town_people.reshape(-1) > 0)
    assert (pop.community[np.isin(pop.cell, town_cells)] == urban).mean() > 0.8
    nomads = COMMUNITIES.index("nomads")
    sahara = world.terrain.reshape(-1)[pop.cell] == 0
    assert (pop.community[sahara & (pop.community != urban)] == nomads).mean() > 0.5


def test_bytes_per_agent_is_within_the_64_byte_budget():
    assert Population(10, 100).bytes_per_agent <= 64
    assert {c.name for c in COLUMNS} >= {"cell", "community", "status", "hardship", "risk_aversion", "legitimacy",
                                         "sympathy", "harm"}
