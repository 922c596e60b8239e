"""``sim.run(cfg) -> Results``: the pure-Python entry point (no Hydra command line needed)."""

from __future__ import annotations

import time

import numpy as np

from sim.config import Config, load_config, to_config
from sim.results import Results, provenance

__all__ = ["run", "load_config"]


def _headline(res_ts, names: list[str]) -> dict:
    out = {}
    tot = res_ts[(res_ts.country == "all") & (res_ts.community == "all") & (res_ts.faction == "all")]
    for name in names:
        s = tot[tot.metric == name]["value"]
        if s.empty:
            continue
        flows = name.startswith(("civilian_deaths", "recruits", "state_losses", "insurgent_losses", "leaders_killed"))
        out[name] = float(np.nansum(s.to_numpy())) if flows else float(s.iloc[-1])
    return out


def run(cfg: Config, progress: bool | None = None) -> Results:
    """Run one simulation and return its :class:`Results` (nothing is written to disk)."""
    cfg = to_config(cfg)
    started = time.perf_counter()
    if cfg.model == "epstein":
        from sim.epstein_results import run_epstein_results

        return run_epstein_results(cfg, started)
    from sim.model import SahelModel

    model = SahelModel(cfg)
    model.run(progress=cfg.output.progress if progress is None else progress)
    ts = model.recorder.to_frame(cfg.start)
    events = model.events.to_frame()
    summary = {
        **provenance(cfg),
        "start_date": cfg.start_date, "end_date": cfg.end_date, "people_per_agent": cfg.people_per_agent,
        "population_agents": model.population.n, "bytes_per_agent": model.population.bytes_per_agent,
        "wall_seconds": round(time.perf_counter() - started, 3),
        "headline": {
            **_headline(ts, ["insurgent_fighters", "recruits", "state_losses", "insurgent_losses",
                             "civilian_deaths_by_state", "civilian_deaths_by_partner", "civilian_deaths_by_militia",
                             "civilian_deaths_by_insurgents", "displaced", "pop_share_insurgent_control",
                             "blockaded_towns", "arteries_cut", "leaders_killed"]),
            "events": int(len(events)),
            "events_by_type": {k: int(v) for k, v in events["event_type"].value_counts().sort_index().items()},
        },
    }
    maps = {name: model.layers[name].data.copy() for name in ("control", "violence_events", "people")}
    maps["displaced_home"] = np.bincount(model.population.home[model.population.status == 1],
                                         minlength=model.world.width * model.world.height).reshape(
        model.world.width, model.world.height) * cfg.people_per_agent
    return Results(config=cfg, timeseries=ts, events=events, summary=summary, maps={**maps, "world": model.world})
