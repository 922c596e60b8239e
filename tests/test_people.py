"""People counted to the person: every person is counted exactly once, on every recorded step.

``civilians + insurgent_fighters + cumulative (civilian deaths + insurgent_losses + emigrants)
= the initial population`` holds exactly; deaths come off the groups of the cell (and of the
targeted community) on the day they happen; counts do not come in lumps of the group size.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.core.codes import COMMUNITIES
from sim.sahel.engagement import kill_civilians
from sim.sahel.model import SahelModel
from sim.sahel.phases import harm
from sim.sahel.results import DEPARTURES
from tests.conftest import SMALL


def _totals(res) -> pd.DataFrame:
    ts = res.timeseries
    tot = ts[(ts.country == "all") & (ts.community == "all") & (ts.faction == "all")]
    return tot.pivot(index="step", columns="metric", values="value")


def assert_people_identity(res) -> None:
    """The identity on every recorded row, exactly (to the person), and in summary.json."""
    w = _totals(res)
    departed = w[list(DEPARTURES)].sum(axis=1).cumsum()
    accounted = w["civilians"] + w["insurgent_fighters"] + departed
    initial = w["civilians"].iloc[0] + w["insurgent_fighters"].iloc[0]
    assert (accounted == initial).all(), accounted[accounted != initial].head()
    assert (w["population"] == w["civilians"] + w["insurgent_fighters"]).all()
    assert res.summary["people"]["balance"] == 0 and res.summary["people"]["initial"] == initial
    for name in ("civilians", "insurgent_fighters", *DEPARTURES):
        assert (w[name] >= 0).all() and (w[name] == np.round(w[name])).all(), name


@pytest.fixture(scope="module")
def historical_five_years():
    """2012-2016 of the historical scenario at 1,000 people per group."""
    cfg = sim.load_config(["scenario=historical_2012_2025", "seed=2", "people_per_agent=1000", "start_date=2012-01-01",
                           "end_date=2017-01-01", "output.progress=false", "output.dashboard=false"])
    return sim.run(cfg)


def test_the_people_identity_holds_on_every_step_of_a_five_year_historical_run(historical_five_years):
    res = historical_five_years
    assert_people_identity(res)
    w = _totals(res)
    # the dead leave the population: it falls by exactly the deaths and the fighters killed
    dead = w[list(DEPARTURES)].sum().sum()
    assert dead > 1000
    assert w["population"].iloc[0] - w["population"].iloc[-1] == dead


def test_fighters_do_not_come_in_lumps_of_the_group_size(historical_five_years):
    res = historical_five_years
    size = res.config.people_per_agent
    assert size == 1000
    rises = np.diff(_totals(res)["insurgent_fighters"].to_numpy())
    rises = rises[rises > 0]
    assert rises.size > 100
    assert rises.max() < size
    assert (rises % size != 0).all()


def test_deaths_come_off_the_targeted_community_in_their_cell_the_same_day():
    model = SahelModel(sim.load_config(SMALL))
    pop, n = model.population, model.population.n
    by_cell_comm = np.zeros((model.field("people").size, len(COMMUNITIES)))
    np.add.at(by_cell_comm, (pop.cell[:n], pop.community[:n]), pop.people[:n])
    cell, comm = np.unravel_index(np.argmax(by_cell_comm), by_cell_comm.shape)
    before = by_cell_comm.copy()
    total = pop.total
    deaths = kill_civilians(model, int(cell), 40.0, 0, community=int(comm))
    assert deaths > 0
    assert pop.total == total  # drawn, not yet realised ...
    harm.realise_harm(model)
    assert pop.total == total - deaths  # ... gone from the headcounts in the harm phase
    after = np.zeros_like(before)
    np.add.at(after, (pop.cell[:n], pop.community[:n]), pop.people[:n])
    change = before - after
    assert change[cell, comm] == deaths and change.sum() == deaths
    assert model.people_by_comm[cell, comm] == after[cell, comm]
    # untargeted violence kills across the cell's communities, never more than live there
    mixed = int(np.argmax((by_cell_comm > 0).sum(axis=1)))
    d2 = kill_civilians(model, mixed, 1e9, 3, faction=0)
    harm.realise_harm(model)
    assert d2 == before[mixed].sum() - change[mixed].sum()
    assert model.people_by_comm[mixed].sum() == 0 == model.field("people")[mixed]


@pytest.mark.slow
def test_end_fighters_at_group_sizes_250_and_1000_agree_within_15_percent():
    """A 3-seed, two-year baseline: resolution changes the mean end level by under 15 %."""
    ends = {}
    for size in (250, 1000):
        ends[size] = np.mean([
            sim.run(sim.load_config([f"people_per_agent={size}", f"seed={seed}", "start_date=2020-01-01",
                                     "end_date=2022-01-01", "output.progress=false"])).summary["headline"][
                "insurgent_fighters"]
            for seed in (1, 2, 3)])
    assert abs(ends[250] - ends[1000]) <= 0.15 * ends[250], ends
