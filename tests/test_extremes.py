"""Extremes: the model runs (with every invariant after every step) or refuses clearly.

Each case is a user question: what if nobody fights, nobody defends, the roads are all cut,
the run is fifty years long, one agent stands for one person or for everybody, the map is
tiny or huge, or two interventions fall on the same day?
"""

from __future__ import annotations

import dataclasses
import resource
import time

import pytest

import sim
from sim import ConfigError
from sim.sahel.model import SahelModel
from tests.invariants import check_run, check_step, run_checked

TINY = ["map=synthetic", "map.width=8", "map.height=8", "map.n_towns=2", "map.synthetic_people=20000",
        "people_per_agent=50", "start_date=2015-01-01", "end_date=2015-03-01", "output.progress=false",
        "output.dashboard=false"]


def headline(results, name: str) -> float:
    return results.summary["headline"][name]


def test_no_insurgents():
    r = run_checked(sim.load_config([*TINY, "insurgents.factions.jnim.fighters0=0",
                                     "insurgents.factions.is_sahel.fighters0=0"]))
    assert headline(r, "insurgent_losses") == 0 and headline(r, "civilian_deaths_by_insurgents") == 0


def test_no_state_forces():
    troops = [f"state.forces.{c}.troops=0" for c in ("mali", "burkina_faso", "niger")]
    partners = [f"partners.profiles.{p}.active=false" for p in ("barkhane", "un_mission")]
    r = run_checked(sim.load_config([*TINY, *troops, *partners]))
    assert headline(r, "state_losses") == 0 and headline(r, "civilian_deaths_by_state") == 0


def test_every_artery_cut_from_day_one():
    cfg = sim.load_config([*TINY, "insurgents.dur_artery_repair=100000"])
    model = SahelModel(cfg)
    a, h = model.world.arteries, model.world.height
    model.field("artery_status")[a.cell_xy[:, 0] * h + a.cell_xy[:, 1]] = 2
    model.artery_last_attack[:] = 0
    for _ in range(cfg.n_steps):
        model.step()
        check_step(model)
    assert model.artery_is_cut.all(), "the arteries stay cut"
    rec = model.recorder
    assert rec.values[rec.n - 1, rec.index[("arteries_cut", "all")]] == len(a.name)


@pytest.mark.slow
def test_a_fifty_year_run():
    cfg = sim.load_config([*TINY, "end_date=2065-01-01", "output.record_every=30"])
    started = time.perf_counter()
    r = sim.run(cfg)
    check_run(r)
    assert cfg.n_steps == 18263 and time.perf_counter() - started < 600


@pytest.mark.parametrize("ppa", [1, 20000])
def test_group_sizes_at_the_bounds(ppa):
    """One person per group (the lower bound), and groups as large as the whole population (no
    upper bound is declared): every person is placed either way, each cell's people forming as
    many groups as the size needs, and every invariant holds."""
    cfg = sim.load_config([*TINY, f"people_per_agent={ppa}", "map.synthetic_people=20000",
                           "end_date=2015-01-20", "insurgents.factions.jnim.fighters0=0",
                           "insurgents.factions.is_sahel.fighters0=0"])
    r = run_checked(cfg)
    people = r.summary["people"]["initial"]
    assert abs(people - 20000) <= 2 * 4  # rounded to whole people per (country, community)
    groups = r.summary["population_groups"]
    if ppa == 1:
        assert groups > people / 2  # one person per group at set-up; movers may since have merged
    else:
        assert groups <= 8 * 8 * 4  # at most one group per cell and community
    with pytest.raises(ConfigError, match="people_per_agent"):
        sim.load_config([*TINY, "people_per_agent=0"])


def test_a_5x5_map_is_refused_clearly():
    """The schema's lower bound (8 cells a side) stays: below it a map has too few cells for a
    town, its hinterland and an artery per country; the refusal names the key and the bound."""
    with pytest.raises(ConfigError) as err:
        sim.load_config([*TINY, "map.width=5", "map.height=5"])
    assert err.value.key == "map.width" and "[8" in str(err.value)


def test_the_smallest_map_runs():
    run_checked(sim.load_config([*TINY, "map.width=8", "map.height=8", "map.n_towns=2"]))


@pytest.mark.slow
def test_a_2000x2000_map_sets_up_in_sane_time_and_memory():
    cfg = sim.load_config(["map=synthetic", "map.width=2000", "map.height=2000", "map.n_towns=200",
                           "map.n_countries=4", "people_per_agent=1000", "output.progress=false"])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    model = SahelModel(cfg)
    seconds = time.perf_counter() - started
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(f"2000x2000 set-up: {seconds:.1f} s, peak RSS grew {grown_mb:.0f} MB")
    assert model.world.width * model.world.height == 4_000_000
    assert seconds < 300 and grown_mb < 16_000


def test_interventions_on_the_same_day():
    """Two changes of different keys, and two of the same key, on one day: all apply, and of
    two on the same key the later in the timeline wins."""
    timeline = ("scenario.timeline=[{date: '2015-01-10', key: state.forces.mali.doctrine, value: gloves_off},"
                "{date: '2015-01-10', key: state.militia.active, value: true},"
                "{date: '2015-01-10', key: state.forces.niger.quality, value: 0.1},"
                "{date: '2015-01-10', key: state.forces.niger.quality, value: 0.9}]")
    cfg = sim.load_config([*TINY, timeline, "end_date=2015-01-20"])
    model = SahelModel(cfg)
    for _ in range(cfg.n_steps):
        model.step()
        check_step(model)
    assert model.cfg.state.forces["mali"].doctrine == "gloves_off"
    assert model.cfg.state.militia.active is True
    assert model.cfg.state.forces["niger"].quality == 0.9
    assert dataclasses.is_dataclass(model.cfg)


def test_a_country_of_one_cell(monkeypatch):
    """A synthetic map whose second country is a single town's cell: its forces garrison that
    one town, its people live in that one cell, and every invariant holds."""
    import numpy as np

    from sim.world import synthetic

    real = synthetic.assemble_world

    def one_cell(**kw):
        towns = kw["towns"]
        country = np.zeros(len(towns.name), dtype=np.asarray(towns.country).dtype)
        keep = int(np.argmax(towns.population))
        country[keep] = 1
        raster = np.zeros_like(kw["country_raster"])
        raster[int(towns.x[keep]), int(towns.y[keep])] = 1
        return real(**{**kw, "towns": dataclasses.replace(towns, country=country), "country_raster": raster})

    monkeypatch.setattr(synthetic, "assemble_world", one_cell)
    cfg = sim.load_config([*TINY, "map.width=12", "map.height=12", "map.n_towns=4", "end_date=2015-02-15"])
    model = SahelModel(cfg)
    assert (model.world.country == 1).sum() == 1
    assert (model.world.towns.country == 1).sum() == 1
    w = model.world
    placed = (w.town_people + w.rural_people)[w.country == 1].sum()
    assert model.civilians_in[1] > 0 and abs(model.civilians_in[1] - placed) <= 4  # rounded per community
    for _ in range(cfg.n_steps):
        model.step()
        check_step(model)
