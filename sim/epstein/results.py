"""Wrap the Epstein (2002) replication (``model: epstein``) into the same run outputs.

The time series has metrics ``active``, ``quiet``, ``jailed`` (citizens) and ``legitimacy``;
one step is one tick of the classic model, dated from ``start_date`` for uniformity.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from sim.config import Config
from sim.epstein import run_epstein
from sim.output.events import EVENT_SCHEMA
from sim.output.metrics import EPSTEIN_METRICS
from sim.output.results import Results, provenance


def run_epstein_results(cfg: Config, started: float, progress: bool = False) -> Results:
    """Run the replication and wrap it into Results (``progress`` is unused: runs take seconds)."""
    res = run_epstein(cfg.epstein, seed=cfg.seed)
    steps = np.arange(res.active.size, dtype=np.int32)
    dates = np.datetime64(cfg.start, "D") + steps.astype("timedelta64[D]")
    frames = []
    for name, values in zip(EPSTEIN_METRICS, (res.active, res.quiet, res.jailed, res.legitimacy), strict=True):
        frames.append(pd.DataFrame({"date": dates, "step": steps, "metric": name, "country": "all",
                                    "community": "all", "faction": "all", "value": values.astype(np.float64)}))
    ts = pd.concat(frames, ignore_index=True)
    summary = {
        **provenance(cfg), "model": "epstein", "steps": cfg.epstein.steps,
        "wall_seconds": round(time.perf_counter() - started, 3),
        "headline": {"citizens": int(res.n_citizens), "cops": int(res.n_cops),
                     "mean_active": float(res.active[1:].mean()), "max_active": int(res.active.max()),
                     "mean_jailed": float(res.jailed[1:].mean()),
                     "outburst_steps": int((res.active > 50).sum())},
        "work": {k: int(v) for k, v in res.work.items()},
    }
    return Results(config=cfg, timeseries=ts, events=EVENT_SCHEMA.empty_table().to_pandas(), summary=summary)
