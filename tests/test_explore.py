"""The explorer without a browser: its model wrapper, levers, export, pictures and command.

What a student relies on: a value outside the schema's range is refused with the schema's own
message (never clamped); compare mode runs two scenarios with the same seed and the reference
is exactly what a plain run of that scenario gives; the exported time series reads back
unchanged; the server binds 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import sim
from sim.config import ConfigError
from sim.explore import render
from sim.explore.levers import field_meta, get_value, levers_for
from sim.explore.session import (
    ExplorerModel,
    build_configs,
    chart_panels,
    latest_events,
    read_export,
    scenario_config,
    scenario_names,
    timeseries_frame,
    to_csv_bytes,
    to_parquet_bytes,
    with_levers,
)
from sim.sahel.model import SahelModel
from sim.tools.explore import DEFAULT_HOST, build_parser, server_command

BASE = ("map=synthetic", "map.width=40", "map.height=30", "map.n_towns=10", "map.synthetic_people=1000000",
        "people_per_agent=50", "end_date=2015-03-01")


@pytest.mark.parametrize(("key", "value", "allowed"), [
    ("state.forces.mali.discrimination", 1.2, "a value in [0.0, 1.0]"),
    ("population.rel_harm_grievance", -0.5, "a value in [0, inf]"),
    ("people_per_agent", 0, "a value in [1, inf]"),
    ("seed", -1, "a value in [0, 9223372036854775807]"),
    ("state.forces.niger.doctrine", "scorched_earth", "one of 'restrained', 'gloves_off'"),
])
def test_out_of_range_levers_are_refused_with_the_schema_message(key, value, allowed):
    with pytest.raises(ConfigError) as schema:
        with_levers(scenario_config("baseline", BASE), {key: value})
    assert str(schema.value) == f"config key '{key}' = {value!r} is not allowed: {allowed}"
    model = ExplorerModel("baseline", {key: value}, base=BASE)
    assert model.error == str(schema.value)  # the app shows exactly this
    assert model.arm is None and not model.running
    model.step()  # refused: nothing runs, nothing is clamped into range
    assert model.arm is None and model.day == 0


def test_an_unknown_key_or_scenario_is_refused():
    assert "only keys declared in the schema" in ExplorerModel("baseline", {"state.forces.mali.morale": 1}, base=BASE).error
    assert ExplorerModel("no_such_scenario", base=BASE).error.startswith("config key 'scenario' = 'no_such_scenario'")
    # the Epstein replication is listed (every configs/scenario is) but has no map to explore
    assert "epstein_2002" in scenario_names()
    assert "a scenario of the Sahel model" in ExplorerModel("epstein_2002").error


def test_levers_take_the_schema_ranges_and_the_scenario_values():
    cfg = scenario_config("take_the_gloves_off", BASE)
    levers = {lever.key: lever for lever in levers_for(cfg)}
    for country in cfg.state.forces:
        assert levers[f"state.forces.{country}.doctrine"].choices == field_meta(cfg, f"state.forces.{country}.doctrine")["choices"]
        d = levers[f"state.forces.{country}.discrimination"]
        assert (d.lo, d.hi) == (0.0, 1.0)
        assert get_value(cfg, f"state.forces.{country}.doctrine") == "gloves_off"
    assert set(cfg.partners.profiles) == {k.split(".")[2] for k in levers if k.endswith(".active")}
    assert levers["people_per_agent"].lo >= field_meta(cfg, "people_per_agent")["lo"]
    assert levers["seed"].lo == 0


def test_a_valid_lever_reaches_the_run():
    model = ExplorerModel("baseline", {"state.forces.mali.doctrine": "gloves_off", "seed": 7}, base=BASE)
    assert model.error is None
    assert model.arm.config.state.forces["mali"].doctrine == "gloves_off"
    assert model.arm.config.seed == 7


def test_compare_mode_runs_two_scenarios_with_the_same_seed():
    model = ExplorerModel("take_the_gloves_off", {"seed": 3}, compare="baseline", base=BASE)
    arm, ref = model.arm, model.reference
    assert arm.config.scenario.name == "take_the_gloves_off" and ref.config.scenario.name == "baseline"
    assert arm.config.seed == ref.config.seed == 3
    assert arm.config.people_per_agent == ref.config.people_per_agent
    for _ in range(14):
        model.step()
    assert arm.steps == ref.steps == 14 and model.date == arm.config.start + pd.Timedelta(days=14)
    # the reference is exactly a plain run of that scenario with that seed
    alone = SahelModel(sim.load_config(["scenario=baseline", "seed=3", "output.progress=false", *BASE]))
    for _ in range(14):
        alone.step()
    np.testing.assert_array_equal(alone.recorder.values[: alone.recorder.n], ref.recorder.values[: ref.recorder.n])
    # charts show arm minus reference
    (title, lines), *_ = chart_panels(model)
    assert title.endswith("arm - reference")
    label, dates, diff = lines[0]
    assert label == "state" and len(dates) == 15
    assert diff[-1] == pytest.approx(arm.recorder.values[:15, arm.recorder.index[("civilian_deaths_by_state", "all")]].sum()
                                     - ref.recorder.values[:15, ref.recorder.index[("civilian_deaths_by_state", "all")]].sum())


@pytest.fixture(scope="module")
def stepped():
    model = ExplorerModel("baseline", compare="french_withdrawal", base=BASE)
    for _ in range(20):
        model.step()
    return model


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_round_trip(stepped, fmt):
    df = timeseries_frame(stepped)
    assert list(df.columns[:2]) == ["scenario", "role"]
    assert set(df.role) == {"arm", "reference"}
    assert df.date.max() == pd.Timestamp(stepped.date)
    data = to_csv_bytes(df) if fmt == "csv" else to_parquet_bytes(df)
    back = read_export(data, fmt)
    pd.testing.assert_frame_equal(back, df.astype({"date": "datetime64[s]"}))
    # the arm's rows are the model's own Results (sim.output's long table)
    arm = back[back.role == "arm"].drop(columns=["scenario", "role"]).reset_index(drop=True)
    assert arm.value.sum() == pytest.approx(np.nansum(stepped.arm.recorder.values[: stepped.arm.recorder.n]))


def test_pictures(stepped):
    for layer in render.LAYERS:
        img = Image.open(io.BytesIO(render.map_png(stepped.arm, layer)))
        s = render.scale_for(stepped.arm.world)
        assert img.size == (40 * s, 30 * s)
        assert len(np.unique(np.asarray(img).reshape(-1, 3), axis=0)) > 5  # not blank
    option = render.chart_option(chart_panels(stepped))
    assert len(option["grid"]) == 5 and all(len(s["data"]) == 21 for s in option["series"])
    view = Image.open(io.BytesIO(render.stack_png([render.map_png(stepped.arm, "control"),
                                                   render.chart_png(chart_panels(stepped))])))
    assert view.height > 30 * render.scale_for(stepped.arm.world)


def test_event_feed_is_newest_first(stepped):
    rows = latest_events(stepped.arm, 5)
    assert 0 < len(rows) <= 5
    assert [r["event_id"] for r in rows] == sorted((r["event_id"] for r in rows), reverse=True)
    assert {"event_date", "event_type", "actor1", "actor2", "location", "fatalities"} <= set(rows[0])


def test_server_binds_loopback_by_default():
    args = build_parser().parse_args([])
    assert args.host == DEFAULT_HOST == "127.0.0.1"
    cmd = server_command(args)
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
    other = build_parser().parse_args(["--host", "0.0.0.0", "--port", "9001"])
    cmd = server_command(other)
    assert cmd[cmd.index("--host") + 1] == "0.0.0.0" and cmd[cmd.index("--port") + 1] == "9001"


def test_the_command_refuses_a_bad_override_before_serving(capsys):
    from sim.tools.explore import main

    assert main(["--set", "people_per_agent=0"]) == 2
    assert "config key 'people_per_agent' = 0 is not allowed" in capsys.readouterr().err


def test_build_configs_shares_the_window():
    arm, ref = build_configs("historical_2012_2025", {}, "baseline", BASE)
    assert (ref.start_date, ref.end_date) == (arm.start_date, arm.end_date) == ("2012-01-01", "2015-03-01")


def test_pending_changes_name_what_reset_would_change():
    """The page lists each pending change as the server holds it (the browser test waits on it)."""
    from sim.explore.app import lever_values, pending_changes

    levers = lever_values("baseline")
    model = ExplorerModel("baseline", levers, base=BASE)
    same = {"scenario_name": "baseline", "levers": dict(levers), "compare": None, "base": BASE}
    assert pending_changes(model, same) == []
    key = "population.rel_harm_grievance"
    moved = {**same, "levers": {**levers, key: levers[key] + 0.3}}
    assert pending_changes(model, moved) == [
        f"harm-to-grievance sensitivity: {levers[key]:.6g} -> {levers[key] + 0.3:.6g}"]
    assert pending_changes(model, {**same, "compare": "baseline"}) == ["compare with: (none) -> baseline"]
    other = {**same, "scenario_name": "take_the_gloves_off", "levers": lever_values("take_the_gloves_off")}
    lines = pending_changes(model, other)
    assert lines[0] == "scenario: baseline -> take_the_gloves_off"
    assert "Mali: doctrine: restrained -> gloves_off" in lines
