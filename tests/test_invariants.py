"""Invariants checked after every step on small worlds: every person is counted exactly once
(the people identity, to the person), nothing is negative, units stay in their allowed countries."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import sim
from sim.core.codes import DISPLACED, HOME
from sim.sahel.model import SahelModel
from tests.conftest import SMALL

DEPARTURES = ("civilian_deaths_by_state", "civilian_deaths_by_partner", "civilian_deaths_by_militia",
              "civilian_deaths_by_insurgents", "insurgent_losses", "emigrants")


def _check(model: SahelModel) -> None:
    pop, n = model.population, model.population.n
    rec = model.recorder
    assert ((pop.status[:n] == HOME) | (pop.status[:n] == DISPLACED)).all(), "a group outside the two statuses"
    assert (pop.people[:n] >= 0).all() and (pop.people[n:] == 0).all()
    b = model.bands
    fighters = b.fighters[: b.n]
    assert (fighters >= 0).all() and (fighters == np.round(fighters)).all(), "fighters are whole people"
    assert (b.leaders[: b.n] >= 0).all()
    # the people identity, exactly: civilians + fighters + cumulative departures = initial population
    departed = sum(np.nansum(rec.values[: rec.n, rec.index[(m, "all")]]) for m in DEPARTURES)
    assert pop.total + fighters.sum() + departed == model.initial_people
    row = rec.values[rec.n - 1]
    assert row[rec.index[("civilians", "all")]] == pop.total
    assert row[rec.index[("population", "all")]] == pop.total + fighters.sum()
    # the cell fields agree with the groups' headcounts
    np.testing.assert_array_equal(model.field("people"), np.bincount(pop.cell[:n], weights=pop.people[:n],
                                                                      minlength=model.field("people").size))
    assert model.people_by_comm.sum() == pop.total
    # ... and so do the running stocks the recorder reads
    country = model.world.country.reshape(-1)
    nc = model.civilians_in.size
    heads = pop.people[:n].astype(float)
    np.testing.assert_array_equal(model.civilians_in, np.bincount(country[pop.cell[:n]], weights=heads, minlength=nc))
    away = np.where(pop.status[:n] == DISPLACED, heads, 0.0)
    np.testing.assert_array_equal(model.displaced_from, np.bincount(country[pop.home[:n]], weights=away, minlength=nc))
    u = model.units
    assert (u.troops[: u.n] >= -1e-9).all()
    for name in ("people", "troops", "fighters", "violence", "tips"):
        assert (model.field(name) >= -1e-9).all(), name
    assert ((model.field("control") >= -1 - 1e-9) & (model.field("control") <= 1 + 1e-9)).all()
    assert ((pop.legitimacy[:n] >= 0) & (pop.legitimacy[:n] <= 1)).all()
    # every unit stays in its own (or host) country unless cross-border operations are allowed,
    # and then still within the core countries
    country_of_cell = model.world.country.reshape(-1)[u.cell[: u.n]]
    if not model.cfg.state.cross_border:
        assert (country_of_cell == u.country[: u.n]).all(), "a unit left its country"
    else:
        assert model.world.is_core_country[country_of_cell].all(), "a unit left the core countries"
    assert model.deaths_today == []  # every death drawn today came off a headcount today


@pytest.mark.parametrize("extra", [[], ["state.forces.mali.doctrine=gloves_off", "state.militia.active=true",
                                        "partners.profiles.wagner.active=true", "partners.profiles.wagner.arrival=2015-02-01"],
                                   ["state.cross_border=true", "seed=5", "population.dur_civilian_update=1"]])
def test_invariants_hold_every_step(extra):
    cfg = sim.load_config(SMALL + extra)
    cfg = dataclasses.replace(cfg, end_date="2015-05-01")
    model = SahelModel(cfg)
    deaths = 0.0
    for _ in range(cfg.n_steps):
        model.step()
        _check(model)
        deaths = model.cum_civilian_deaths
    assert deaths > 0  # the check saw people die
