"""Every scenario composes, validates and runs; scenarios are config diffs; timelines fire on their dates."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest

import sim
from sim.config import CONFIG_DIR
from sim.sahel.model import SahelModel
from tests.conftest import SMALL
from tests.test_people import assert_people_identity

SCENARIOS = sorted(p.stem for p in (CONFIG_DIR / "scenario").glob("*.yaml"))
REQUIRED = {"baseline", "barkhane", "take_the_gloves_off", "intel_sharing_uplift", "gloves_off_plus_intel",
            "french_withdrawal", "popular_mobilisation", "regional_alliance", "dialogue", "historical_2012_2025",
            "epstein_2002"}


def test_all_required_scenarios_exist():
    assert REQUIRED <= set(SCENARIOS)


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_composes_validates_and_runs(name):
    cfg = sim.load_config([f"scenario={name}", *SMALL[:-3], "output.progress=false"])
    assert cfg.scenario.name == name
    if cfg.model == "epstein":
        cfg = dataclasses.replace(cfg, epstein=dataclasses.replace(cfg.epstein, steps=20))
    else:
        cfg = dataclasses.replace(cfg, end_date=(cfg.start + dt.timedelta(days=45)).isoformat())
    res = sim.run(cfg)
    assert len(res.timeseries) > 0 and res.summary["scenario"] == name
    if cfg.model == "sahel":
        assert_people_identity(res)


def test_no_code_branches_on_a_scenario():
    lines = [line for p in Path(sim.__file__).parent.rglob("*.py") for line in p.read_text().splitlines()]
    branching = [line for line in lines if any(w in line for w in ("if ", "elif ", "case ", "match ", "==", "!="))]
    condition_on_name = re.compile(r"\b(if|elif|match|case|while)\s+(not\s+)?[\w.]*scenario\.name|scenario\.name\s*(==|!=|in\b)")
    for line in branching:
        assert not condition_on_name.search(line), line
        for name in REQUIRED:
            assert f'"{name}"' not in line and f"'{name}'" not in line, line


def test_scenarios_differ_from_baseline_only_where_they_say():
    base = sim.load_config(["scenario=baseline"])
    gloves = sim.load_config(["scenario=take_the_gloves_off"])
    assert gloves.state.forces["mali"].doctrine == "gloves_off"
    assert dataclasses.replace(gloves, state=base.state, scenario=base.scenario) == base


def test_historical_timeline_fires_on_its_dates():
    cfg = sim.load_config(["scenario=historical_2012_2025", "start_date=2021-11-25", "end_date=2021-12-05",
                           "output.progress=false", "people_per_agent=5000"])
    model = SahelModel(cfg)
    assert model.cfg.state.forces["mali"].doctrine == "restrained"
    wagner = model.partner_names.index("wagner")
    assert not model.partner_present[wagner]
    for _ in range(cfg.n_steps):
        model.step()
    assert model.cfg.state.forces["mali"].doctrine == "gloves_off"
    assert model.partner_present[wagner]
    mali_units = model.units.country[: model.units.n] == model.world.country_names.index("Mali")
    assert model.units.gloves_off[: model.units.n][mali_units].any()
    notes = " ".join(model.events.to_frame()["actor2"])
    assert "wagner arrives" in notes and "Mali after the 2020-21 coups" in notes


def test_no_intervention_is_skipped_before_the_start_or_between_model_dates():
    """An intervention dated before the start applies at set-up (the world as it stands on the
    start date); every later one applies on the first model date on or after its own, in date
    order, with an event saying when."""
    start = dt.date(2021, 1, 1)
    timeline = ("[{date: '2020-06-01', key: state.forces.mali.doctrine, value: gloves_off},"
                f" {{date: '{start + dt.timedelta(days=5)}', key: state.forces.niger.quality, value: 0.9}},"
                f" {{date: '{start + dt.timedelta(days=1)}', key: state.forces.niger.quality, value: 0.2}}]")
    cfg = sim.load_config([*SMALL[:-3], f"start_date={start}", f"end_date={start + dt.timedelta(days=10)}",
                           "output.progress=false", f"scenario.timeline={timeline}"])
    model = SahelModel(cfg)
    assert model.cfg.state.forces["mali"].doctrine == "gloves_off"
    assert model.cfg.state.forces["niger"].quality == cfg.state.forces["niger"].quality
    model.step()
    assert model.cfg.state.forces["niger"].quality == 0.2
    for _ in range(cfg.n_steps - 1):
        model.step()
    assert model.cfg.state.forces["niger"].quality == 0.9  # the later date wins, whatever the order written
    notes = list(model.events.to_frame()["actor2"])
    assert any("dated 2020-06-01, applied 2021-01-01" in n for n in notes)
    assert sum("state.forces.niger.quality" in n for n in notes) == 2
