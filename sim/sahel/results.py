"""Run the Sahel model and gather what it produced into :class:`~sim.output.results.Results`."""

from __future__ import annotations

import time

import numpy as np

from sim.config import Config
from sim.core.codes import DISPLACED
from sim.output.metrics import headline
from sim.output.results import Results, provenance
from sim.sahel.model import SahelModel

__all__ = ["run_sahel", "results_of"]

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
        "population_agents": model.population.n, "bytes_per_agent": model.population.bytes_per_agent,
        "wall_seconds": round(time.perf_counter() - started, 3),
        "headline": {
            **headline(ts, HEADLINE),
            "events": int(len(events)),
            "events_by_type": {k: int(v) for k, v in events["event_type"].value_counts().sort_index().items()},
        },
    }
    w, pop = model.world, model.population
    maps = {name: model.layers[name].data.copy() for name in ("control", "violence_events", "people")}
    maps["displaced_home"] = np.bincount(pop.home[pop.status == DISPLACED], minlength=w.width * w.height).reshape(
        w.width, w.height) * cfg.people_per_agent
    return Results(config=cfg, timeseries=ts, events=events, summary=summary, maps={**maps, "world": w})
