"""Run the Sahel model and gather what it produced into :class:`~sim.output.results.Results`."""

from __future__ import annotations

import time

import numpy as np

from sim.config import Config
from sim.core.codes import DISPLACED
from sim.output.metrics import headline
from sim.output.results import Results, provenance
from sim.sahel.model import SahelModel

__all__ = ["run_sahel", "results_of", "people_balance", "DEPARTURES"]

DEPARTURES = ("civilian_deaths_by_state", "civilian_deaths_by_partner", "civilian_deaths_by_militia",
              "civilian_deaths_by_insurgents", "insurgent_losses", "emigrants")
"""The flows by which people leave the modelled population: deaths, fighters killed, emigrants."""

HEADLINE = ["insurgent_fighters", "recruits", "state_losses", "insurgent_losses",
            "civilian_deaths_by_state", "civilian_deaths_by_partner", "civilian_deaths_by_militia",
            "civilian_deaths_by_insurgents", "displaced", "pop_share_insurgent_control",
            "blockaded_towns", "arteries_cut", "leaders_killed"]
"""Metrics in ``summary.json``'s headline: flows summed over the run, stocks at its end."""


def run_sahel(cfg: Config, started: float, progress: bool = False) -> Results:
    """Build a :class:`SahelModel`, run it to ``cfg.end_date`` and return its results."""
    model = SahelModel(cfg)
    model.run(progress=progress)
    return results_of(model, started)


def results_of(model: SahelModel, started: float) -> Results:
    """The time series, event log, summary and final maps of a model that has run."""
    cfg = model.config
    ts = model.recorder.to_frame(cfg.start)
    events = model.events.to_frame()
    summary = {
        **provenance(cfg),
        "start_date": cfg.start_date, "end_date": cfg.end_date, "people_per_agent": cfg.people_per_agent,
        "population_groups": int(np.count_nonzero(model.population.people[: model.population.n])), "bytes_per_agent": model.population.bytes_per_agent,
        "wall_seconds": round(time.perf_counter() - started, 3),
        "headline": {
            **headline(ts, HEADLINE),
            "events": int(len(events)),
            "events_by_type": {k: int(v) for k, v in events["event_type"].value_counts().sort_index().items()},
        },
    }
    summary["people"] = people_balance(ts)
    w, pop, n = model.world, model.population, model.population.n
    maps = {name: model.layers[name].data.copy() for name in ("control", "violence_events", "people")}
    displaced = np.where(pop.status[:n] == DISPLACED, pop.people[:n], 0)
    maps["displaced_home"] = np.bincount(pop.home[:n], weights=displaced, minlength=w.width * w.height).reshape(
        w.width, w.height)
    return Results(config=cfg, timeseries=ts, events=events, summary=summary, maps={**maps, "world": w})


def people_balance(ts) -> dict[str, float]:
    """The people identity at the end of a run, from its time series:
    ``civilians + insurgent_fighters + cumulative departures = initial population``.

    ``initial`` is the first record's civilians plus fighters; ``balance`` is the left side
    minus ``initial`` and is exactly zero when every person is accounted for.
    """
    tot = ts[(ts.country == "all") & (ts.community == "all") & (ts.faction == "all")]
    series = {m: g["value"].to_numpy() for m, g in tot.groupby("metric", sort=False)}
    initial = float(series["civilians"][0] + series["insurgent_fighters"][0])
    out = {"initial": initial, "civilians": float(series["civilians"][-1]),
           "insurgent_fighters": float(series["insurgent_fighters"][-1])}
    out.update({name: float(series[name].sum()) for name in DEPARTURES})
    out["balance"] = out["civilians"] + out["insurgent_fighters"] + sum(out[n] for n in DEPARTURES) - initial
    return out
