"""Invariants checked after every step on small worlds: people are conserved, nothing is
negative, every agent has exactly one status, units stay in their allowed countries."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import sim
from sim.sahel.model import SahelModel
from sim.sahel.population import DEAD, RECRUITED, STATUS_NAMES
from tests.conftest import SMALL


def _check(model: SahelModel, fighters_in: float) -> None:
    pop, ppa = model.population, model.population.people_per_agent
    assert ((pop.status >= 0) & (pop.status < len(STATUS_NAMES))).all(), "an agent outside the four statuses"
    by_status = np.bincount(pop.status, minlength=4) * ppa
    assert by_status.sum() == model.initial_people, "people are not conserved"
    recruited = (pop.status == RECRUITED)
    assert (pop.band[recruited] >= 0).all() and (pop.band[~recruited] == -1).all()
    b = model.bands
    assert (b.fighters[: b.n] >= -1e-9).all() and (b.leaders[: b.n] >= 0).all()
    u = model.units
    assert (u.troops[: u.n] >= -1e-9).all()
    for name in ("people", "troops", "fighters", "violence", "tips", "deaths_pending"):
        assert (model.field(name) >= -1e-9).all(), name
    assert ((model.field("control") >= -1 - 1e-9) & (model.field("control") <= 1 + 1e-9)).all()
    assert ((pop.legitimacy >= 0) & (pop.legitimacy <= 1)).all()
    # fighters come only from recruits: fighters + insurgent losses = recruited people
    assert b.fighters[: b.n].sum() + fighters_in == pytest.approx(by_status[RECRUITED], rel=1e-9, abs=1e-6)
    # every unit stays in its own (or host) country unless cross-border operations are allowed,
    # and then still within the core countries
    country_of_cell = model.world.country.reshape(-1)[u.cell[: u.n]]
    if not model.cfg.state.cross_border:
        assert (country_of_cell == u.country[: u.n]).all(), "a unit left its country"
    else:
        assert model.world.is_core_country[country_of_cell].all(), "a unit left the core countries"
    # deaths drawn in people are realised as dead agents, less than one agent per cell pending
    assert (model.field("deaths_pending") < ppa).all()
    assert by_status[DEAD] <= model.cum_civilian_deaths + 1e-6


@pytest.mark.parametrize("extra", [[], ["state.forces.mali.doctrine=gloves_off", "state.militia.active=true",
                                        "partners.profiles.wagner.active=true", "partners.profiles.wagner.arrival=2015-02-01"],
                                   ["state.cross_border=true", "seed=5"]])
def test_invariants_hold_every_step(extra):
    cfg = sim.load_config(SMALL + extra)
    cfg = dataclasses.replace(cfg, end_date="2015-05-01")
    model = SahelModel(cfg)
    for _ in range(cfg.n_steps):
        model.step()
        ts = model.recorder
        row = ts.values[ts.n - 1]
        losses_so_far = np.nansum(model.recorder.values[: ts.n, ts.index[("insurgent_losses", "all")]])
        _check(model, losses_so_far)
        assert not np.isnan(row).all()
