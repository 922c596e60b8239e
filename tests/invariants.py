"""The model's invariants, in one place: :func:`check_step` after every step of a model,
:func:`check_run` on what a run produced. Every invariant test (hand-written, property-based,
extremes) calls these, so a new invariant is added once, here.

Invariants as the code defines them today: every agent has one status and people are
conserved across statuses; nothing is negative or NaN; control in [-1, 1], legitimacy and every
share in [0, 1]; fighters + insurgent losses = recruited people; units stay in their (host)
country, or the core countries with cross-border operations; the population falls only by
civilian deaths. (When population groups with headcounts land, the people identity
``civilians + fighters + cumulative(civilian deaths + insurgent losses + emigrants) = initial``
goes into :func:`check_step`.)
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from sim.output.events import EVENT_SCHEMA
from sim.output.metrics import METRIC_BY_NAME, TIMESERIES_SCHEMA
from sim.sahel.model import SahelModel
from sim.sahel.population import DEAD, RECRUITED, STATUS_NAMES

TOL = 1e-9
SHARES = {m.name for m in METRIC_BY_NAME.values() if "share" in m.name} | {"mean_legitimacy"}
"""Metrics bounded by [0, 1] (grievance is dimensionless too, but unbounded above)."""
CIVILIAN_DEATHS = ("civilian_deaths_by_state", "civilian_deaths_by_partner", "civilian_deaths_by_militia",
                   "civilian_deaths_by_insurgents")


def check_step(model: SahelModel) -> None:
    """Every invariant of the model's state after a step (call after each ``model.step()``)."""
    pop, ppa = model.population, model.population.people_per_agent
    assert ((pop.status >= 0) & (pop.status < len(STATUS_NAMES))).all(), "an agent outside the four statuses"
    by_status = np.bincount(pop.status, minlength=4) * ppa
    assert by_status.sum() == model.initial_people, "people are not conserved"
    recruited = (pop.status == RECRUITED)
    assert (pop.band[recruited] >= 0).all() and (pop.band[~recruited] == -1).all()
    b = model.bands
    assert np.isfinite(b.fighters[: b.n]).all() and (b.fighters[: b.n] >= -TOL).all() and (b.leaders[: b.n] >= 0).all()
    u = model.units
    assert np.isfinite(u.troops[: u.n]).all() and (u.troops[: u.n] >= -TOL).all()
    for name in ("people", "troops", "fighters", "violence", "tips", "deaths_pending"):
        f = model.field(name)
        assert np.isfinite(f).all() and (f >= -TOL).all(), name
    control = model.field("control")
    assert np.isfinite(control).all() and ((control >= -1 - TOL) & (control <= 1 + TOL)).all()
    assert ((pop.legitimacy >= 0) & (pop.legitimacy <= 1)).all()
    # fighters come only from recruits: fighters + insurgent losses = recruited people
    rec = model.recorder
    losses = np.nansum(rec.values[: rec.n, rec.index[("insurgent_losses", "all")]])
    if rec.n == 0 or rec.steps[rec.n - 1] != model.steps:  # flows since the last record (record_every > 1)
        losses += model.interval.insurgent_losses.sum()
    assert b.fighters[: b.n].sum() + losses == pytest.approx(by_status[RECRUITED], rel=1e-9, abs=1e-6)
    # every unit stays in its own (or host) country unless cross-border operations are allowed,
    # and then still within the core countries
    country_of_cell = model.world.country.reshape(-1)[u.cell[: u.n]]
    if not model.cfg.state.cross_border:
        assert (country_of_cell == u.country[: u.n]).all(), "a unit left its country"
    else:
        assert model.world.is_core_country[country_of_cell].all(), "a unit left the core countries"
    # deaths drawn in people are realised as dead agents, less than one agent per cell pending
    assert (model.field("deaths_pending") < ppa).all()
    assert by_status[DEAD] <= model.cum_civilian_deaths + 1e-6
    # the latest record: finite, not negative, shares in [0, 1]
    if rec.n:
        _check_values(rec.values[rec.n - 1], [m for m, *_ in rec.series])


def _check_values(values: np.ndarray, metrics: list[str]) -> None:
    values = np.asarray(values, dtype=float)
    assert np.isfinite(values).all(), f"NaN or inf in {sorted({m for m, v in zip(metrics, values, strict=True) if not np.isfinite(v)})}"
    assert (values >= -TOL).all(), f"negative {sorted({m for m, v in zip(metrics, values, strict=True) if v < -TOL})}"
    share = np.array([m in SHARES for m in metrics])
    assert (values[share] <= 1 + TOL).all(), "a share above 1"


def check_run(results) -> None:
    """What a run produced is well formed: the tables have their schemas, every metric is in
    the registry, values are finite, non-negative, shares in [0, 1], the population falls only
    by civilian deaths, events are dated within the run."""
    cfg, ts, ev = results.config, results.timeseries, results.events
    pa.Table.from_pandas(ts, schema=TIMESERIES_SCHEMA, preserve_index=False)  # raises if off-schema
    pa.Table.from_pandas(ev, schema=EVENT_SCHEMA, preserve_index=False)
    assert set(ts["metric"]) <= set(METRIC_BY_NAME), set(ts["metric"]) - set(METRIC_BY_NAME)
    assert len(ts) > 0
    _check_values(ts["value"].to_numpy(), list(ts["metric"]))
    assert ts["step"].min() == 0 and ts["step"].max() == cfg.n_steps
    total = ts[(ts.country == "all") & (ts.community == "all") & (ts.faction == "all")].pivot(
        index="step", columns="metric", values="value")
    pop = total["population"].to_numpy()
    drop = pop[0] - pop
    deaths = total[list(CIVILIAN_DEATHS)].sum(axis=1).cumsum().to_numpy()
    assert (np.diff(pop) <= TOL).all(), "the population grew"
    assert (drop <= deaths + 1e-6).all(), "people vanished that no death accounts for"
    if len(ev):
        dates = pd.to_datetime(ev["event_date"])
        assert dates.min() > pd.Timestamp(cfg.start) and dates.max() <= pd.Timestamp(cfg.end)
        assert (ev["fatalities"] >= 0).all() and (ev["civilian_fatalities"] >= 0).all()


def run_checked(cfg, start: dt.date | None = None):
    """Run ``cfg`` step by step with :func:`check_step` after each step; return its Results
    after :func:`check_run`."""
    import time

    from sim.sahel.results import results_of

    started = time.perf_counter()
    model = SahelModel(cfg)
    for _ in range(cfg.n_steps):
        model.step()
        check_step(model)
    results = results_of(model, started)
    check_run(results)
    return results
