"""Invariants checked after every step on small worlds (tests/invariants.py): every person is
counted exactly once, nothing is negative, units stay in their allowed countries."""

from __future__ import annotations

import dataclasses

import pytest

import sim
from tests.conftest import SMALL
from tests.invariants import run_checked


@pytest.mark.parametrize("extra", [[], ["state.forces.mali.doctrine=gloves_off", "state.militia.active=true",
                                        "partners.profiles.wagner.active=true", "partners.profiles.wagner.arrival=2015-02-01"],
                                   ["state.cross_border=true", "seed=5", "population.dur_civilian_update=1"]])
def test_invariants_hold_every_step(extra):
    cfg = sim.load_config(SMALL + extra)
    cfg = dataclasses.replace(cfg, end_date="2015-05-01")
    run_checked(cfg)  # check_step after every step, check_run on the results
