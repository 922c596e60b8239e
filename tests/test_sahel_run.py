"""The default sahel map over a few years: every event type, harm by at least three
perpetrator kinds, displaced people and contested cells all emerge."""

from __future__ import annotations

import numpy as np
import pytest

import sim


@pytest.fixture(scope="module")
def sahel():
    cfg = sim.load_config(["end_date=2018-01-01", "output.progress=false",
                           "state.militia.active=true"])  # militias raised, so all four perpetrator kinds can act
    return sim.run(cfg)


def test_every_acled_event_type_occurs(sahel):
    types = set(sahel.events["event_type"])
    assert types == {"Battles", "Violence against civilians", "Explosions/Remote violence", "Strategic developments"}
    assert (sahel.events["fatalities"] >= sahel.events["civilian_fatalities"]).all()
    assert set(sahel.events["country"]) >= {"Mali", "Burkina Faso", "Niger"}


def test_civilian_deaths_attributed_to_at_least_three_perpetrator_kinds(sahel):
    kinds = [k for k in ("state", "partner", "militia", "insurgents")
             if np.nansum(sahel.metric(f"civilian_deaths_by_{k}").to_numpy()) > 0]
    assert len(kinds) >= 3, kinds


def test_displacement_and_contested_cells_emerge(sahel):
    assert sahel.metric("displaced").iloc[-1] > 0
    assert (sahel.maps["control"] < 1 / 3).sum() > 0
    assert sahel.metric("pop_share_contested").max() + sahel.metric("pop_share_insurgent_control").max() > 0
