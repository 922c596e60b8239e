"""The explorer's page: Mesa's SolaraViz controls around the Sahel model's map, charts and events.

Served by ``python -m sim.explore`` (:mod:`sim.tools.explore`), which runs ``solara run
sim.explore.app``. Each browser session gets its own :class:`~sim.explore.session.ExplorerModel`.
The page is assembled from Mesa's SolaraViz parts (``ModelController`` gives Step, Play and
Reset; ``update_counter`` redraws the views after each step) rather than the ``SolaraViz``
page function, because the levers must show the *picked scenario's* values: picking a scenario
loads its values into the sliders, and, as in SolaraViz, changes take effect on Reset. Every
change is validated by the schema at once; a refused value shows the schema's message and
Reset then builds nothing runnable.

``SIM_EXPLORE_OVERRIDES`` (Hydra overrides for every run, e.g. ``map=synthetic``) and
``SIM_EXPLORE_SCENARIO`` (the scenario shown first) are set by the command.
"""

from __future__ import annotations

import html  # solara.Markdown needs katex, which solara-assets lacks: plain HTML instead
import os
import shlex

import solara
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import update_counter

from sim.config import ConfigError
from sim.explore import render
from sim.explore.levers import get_value, levers_for
from sim.explore.session import (
    ExplorerModel,
    build_configs,
    chart_panels,
    latest_events,
    scenario_config,
    scenario_names,
    timeseries_frame,
    to_csv_bytes,
    to_parquet_bytes,
    warm_up,
)

BASE = tuple(shlex.split(os.environ.get("SIM_EXPLORE_OVERRIDES", "")))
DEFAULT_SCENARIO = os.environ.get("SIM_EXPLORE_SCENARIO", "baseline")
NO_COMPARE = "(none)"
print(f"sahel-sim explorer: kernels ready in {warm_up():.1f} s", flush=True)  # once, as the server starts
MARKERS = ("Markers: red squares are insurgent bands (larger with more fighters); blue are state units "
           "(columns larger than garrisons), green partner units, orange militias. Lines are arteries "
           "(dark: paved), black dots towns; countries outside Mali, Burkina Faso and Niger are washed out.")


def lever_values(scenario: str) -> dict:
    """The picked scenario's own value of every lever (what the controls show after picking it)."""
    cfg = scenario_config(scenario, BASE)
    if cfg.model != "sahel":
        return {}
    return {lever.key: get_value(cfg, lever.key) for lever in levers_for(cfg)}


def show(value) -> str:
    """A control's value as the page writes it (floats to 6 significant digits, as the sliders step)."""
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def pending_changes(current: ExplorerModel, params: dict) -> list[str]:
    """What Reset would change, as "label: running -> pending" lines; empty when nothing would.

    The page shows these lines, so a change is visibly *received* by the server before Reset is
    pressed: a browser sends a slider's new value on its own schedule, and a Reset click that
    overtakes it builds the model with the value before (the line then stays, naming what is left).
    """
    lines = []
    if params["scenario_name"] != current.scenario_name:
        lines.append(f"scenario: {current.scenario_name} -> {params['scenario_name']}")
    if params["compare"] != current.compare_name:
        lines.append(f"compare with: {current.compare_name or NO_COMPARE} -> {params['compare'] or NO_COMPARE}")
    cfg = scenario_config(params["scenario_name"], BASE)
    labels = {lever.key: lever.label for lever in levers_for(cfg)} if cfg.model == "sahel" else {}
    for key, value in params["levers"].items():
        if key not in current.levers or current.levers[key] != value:
            was = show(current.levers[key]) if key in current.levers else "(scenario default)"
            lines.append(f"{labels.get(key, key)}: {was} -> {show(value)}")
    return lines


def problem_with(params: dict) -> str | None:
    """The schema's message if these settings would be refused, else None."""
    try:
        build_configs(params["scenario_name"], params["levers"], params["compare"], params["base"])
    except ConfigError as exc:
        return str(exc)
    return None


@solara.component
def DateInfo(model: ExplorerModel):
    update_counter.get()
    if model.arm is None:
        solara.Text("Date: none (nothing runs)")
        return
    cfg = model.arm.cfg
    solara.Text(f"Date: {model.date.isoformat()}", classes=["sim-date"])
    solara.Text(f"day {model.day} of {cfg.n_steps} ({cfg.start_date} to {cfg.end_date}); "
                f"{model.arm.population.total:,} civilians in groups of up to {cfg.people_per_agent:,}",
                classes=["sim-day"])


@solara.component
def MapView(model: ExplorerModel, layer: str):
    update_counter.get()
    runs = model.runs
    if not runs:
        return
    with solara.Columns([1] * len(runs)):
        for role, run in runs:
            with solara.Column(gap="4px"):
                solara.Text(f"{role}: {run.config.scenario.name}, {render.LAYERS[layer].label}, {run.date.isoformat()}")
                solara.Image(render.map_png(run, layer), width="100%", classes=["sim-map"])


@solara.component
def Charts(model: ExplorerModel):
    update_counter.get()
    if model.arm is None:
        return
    solara.FigureEcharts(option=render.chart_option(chart_panels(model)),
                         attributes={"style": "height: 460px; width: 100%;", "class": "sim-charts"})


@solara.component
def EventFeed(model: ExplorerModel):
    update_counter.get()
    if model.arm is None:
        return
    rows = latest_events(model.arm, 12)
    if not rows:
        solara.Text("No events yet.", classes=["sim-events-empty"])
        return
    cells = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in (
            r["event_date"], f"{r['event_type']}: {r['sub_event_type']}", f"{r['actor1']} / {r['actor2']}",
            f"{r['location']}, {r['country']}" if r["location"] else r["country"], r["fatalities"])) + "</tr>"
        for r in rows)
    head = "".join(f"<th>{h}</th>" for h in ("date", "type", "actors", "place", "fatalities"))
    solara.HTML(tag="table", unsafe_innerHTML=f"<thead><tr>{head}</tr></thead><tbody>{cells}</tbody>",
                classes=["sim-events"], style="font-size: 12px; border-collapse: collapse; width: 100%;")


@solara.component
def Export(model: ExplorerModel, layer: str):
    if model.arm is None:
        return
    name = model.scenario_name + (f"_vs_{model.compare_name}" if model.compare_name else "")

    def view_png() -> bytes:
        maps = [render.map_png(run, layer) for _, run in model.runs]
        title = f"{name}, seed {model.arm.config.seed}, {model.date.isoformat()}"
        return render.stack_png([*maps, render.legend_png(layer), render.chart_png(chart_panels(model), title)])

    with solara.Row():
        solara.FileDownload(lambda: to_csv_bytes(timeseries_frame(model)), filename=f"{name}_timeseries.csv",
                            label="Time series (CSV)", mime_type="text/csv")
        solara.FileDownload(lambda: to_parquet_bytes(timeseries_frame(model)), filename=f"{name}_timeseries.parquet",
                            label="Time series (Parquet)")
        solara.FileDownload(view_png, filename=f"{name}_view.png", label="View (PNG)", mime_type="image/png")


@solara.component
def LeverInputs(scenario: str, values: dict, on_change):
    cfg = scenario_config(scenario, BASE)
    if cfg.model != "sahel":
        return
    group = None
    for lever in levers_for(cfg):
        if lever.group != group:
            group = lever.group
            solara.HTML(tag="b", unsafe_innerHTML=html.escape(group))

        def set_value(value, key=lever.key):
            on_change(key, value)

        value = values.get(lever.key)
        if lever.widget == "select":
            solara.Select(lever.label, values=list(lever.choices), value=value, on_value=set_value)
        elif lever.widget == "slider":
            solara.SliderFloat(lever.label, value=value, min=lever.lo, max=lever.hi, step=lever.step,
                               on_value=set_value)
        elif lever.widget == "int_slider":
            solara.SliderInt(lever.label, value=value, min=int(lever.lo), max=int(lever.hi), step=int(lever.step),
                             on_value=set_value)
        elif lever.widget == "switch":
            solara.Switch(label=lever.label, value=bool(value), on_value=set_value)
        else:
            # continuous: the value reaches the server with the field's own update; on Enter or
            # blur alone, solara reads the field as the server last had it, which can be the
            # value before a fast Enter (the browser sends the two on different paths)
            solara.InputInt(lever.label, value=value, on_value=set_value, continuous_update=True)


@solara.component
def Page():
    first_levers = solara.use_memo(lambda: lever_values(DEFAULT_SCENARIO), [])
    first_model = solara.use_memo(lambda: ExplorerModel(DEFAULT_SCENARIO, first_levers, None, BASE), [])
    model = solara.use_reactive(first_model)
    scenario = solara.use_reactive(DEFAULT_SCENARIO)
    compare = solara.use_reactive(NO_COMPARE)
    levers = solara.use_reactive(first_levers)
    layer = solara.use_reactive("control")
    play_interval = solara.use_reactive(50)
    render_interval = solara.use_reactive(1)
    use_threads = solara.use_reactive(False)
    params = {"scenario_name": scenario.value, "levers": levers.value,
              "compare": None if compare.value == NO_COMPARE else compare.value, "base": BASE}
    problem = solara.use_memo(lambda: problem_with(params), [scenario.value, levers.value, compare.value])
    current = model.value
    pending = pending_changes(current, params)

    def pick_scenario(name: str) -> None:
        scenario.set(name)
        levers.set(lever_values(name))

    def set_lever(key: str, value) -> None:
        levers.set({**levers.value, key: value})

    with solara.AppBar():
        solara.AppBarTitle("sahel-sim explorer")
    with solara.Sidebar(), solara.Column():
        with solara.Card("Run"):
            ModelController(model, model_parameters=params, play_interval=play_interval,
                            render_interval=render_interval, use_threads=use_threads)
            solara.SliderInt("days per Step", value=render_interval, min=1, max=90, on_value=render_interval.set)
            solara.Text(f"{render_interval.value} days per Step", classes=["sim-days-per-step"])
            DateInfo(current)
            if current.error:
                solara.Error(f"Refused, nothing runs: {current.error}", classes=["sim-refused"])
        with solara.Card("Scenario"):
            solara.Select("scenario", values=scenario_names(), value=scenario.value, on_value=pick_scenario)
            solara.Text(scenario_config(scenario.value, BASE).scenario.description)
            solara.Select("compare with (reference)", values=[NO_COMPARE, *scenario_names()], value=compare)
            solara.Text(f"Reset runs {scenario.value} " + (
                "alone" if compare.value == NO_COMPARE else f"against {compare.value}"), classes=["sim-next"])
            if problem:
                solara.Error(f"Refused: {problem}", classes=["sim-problem"])
            elif pending:
                solara.Info("Changed: press Reset to run with these settings.")
                solara.HTML(tag="ul", classes=["sim-pending"], style="font-size: 12px;", unsafe_innerHTML="".join(
                    f"<li>{html.escape(line)}</li>" for line in pending))
        with solara.Card("Levers"):
            LeverInputs(scenario.value, levers.value, set_lever)
    with solara.Column():
        if current.reference is not None:
            solara.HTML(tag="div", classes=["sim-compare"], unsafe_innerHTML=html.escape(
                f"Compare mode: arm {current.scenario_name} (with the levers) against reference "
                f"{current.compare_name}, same seed {current.arm.config.seed}, people per group and dates; "
                "charts show arm minus reference."))
        with solara.Row():
            solara.ToggleButtonsSingle(value=layer, values=list(render.LAYERS), classes=["sim-layers"])
            solara.Image(render.legend_png(layer.value))
        MapView(current, layer.value)
        solara.Text(MARKERS)
        Charts(current)
        with solara.Card("Latest events"):
            EventFeed(current)
        with solara.Card("Export"):
            Export(current, layer.value)
