"""The model's invariants, in one place: :func:`check_step` after every step of a model,
:func:`check_run` on what a run produced. Every invariant test (hand-written, property-based,
extremes) calls these, so a new invariant is added once, here.

The invariants: every person is counted exactly once (the people identity ``civilians +
insurgent_fighters + cumulative (civilian deaths + insurgent losses + emigrants) = initial
population``, to the person, on every step); groups are at home or displaced with whole,
non-negative headcounts, and fighters are whole people; the cell fields and running stocks
agree with the groups; nothing is negative or NaN; control in [-1, 1], legitimacy and every
share in [0, 1]; units stay in their (host) country, or the core countries with cross-border
operations; every death drawn on a day comes off a headcount that day.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.core.codes import DISPLACED, HOME
from sim.output.events import EVENT_SCHEMA
from sim.output.metrics import METRIC_BY_NAME, TIMESERIES_SCHEMA
from sim.sahel.model import SahelModel
from sim.sahel.results import DEPARTURES

TOL = 1e-9
SHARES = {m.name for m in METRIC_BY_NAME.values() if "share" in m.name} | {"mean_legitimacy"}
"""Metrics bounded by [0, 1] (grievance is dimensionless too, but unbounded above)."""


def check_step(model: SahelModel) -> None:
    """Every invariant of the model's state after a step (call after each ``model.step()``)."""
    pop, n, rec = model.population, model.population.n, model.recorder
    assert ((pop.status[:n] == HOME) | (pop.status[:n] == DISPLACED)).all(), "a group outside the two statuses"
    assert (pop.people[:n] >= 0).all() and (pop.people[n:] == 0).all()
    b = model.bands
    fighters = b.fighters[: b.n]
    assert np.isfinite(fighters).all() and (fighters >= 0).all() and (fighters == np.round(fighters)).all()
    assert (b.leaders[: b.n] >= 0).all()
    # the people identity, exactly: flows recorded so far plus those of the open interval
    departed = sum(np.nansum(rec.values[: rec.n, rec.index[(m, "all")]]) for m in DEPARTURES)
    if rec.n == 0 or rec.steps[rec.n - 1] != model.steps:  # flows since the last record (record_every > 1)
        i = model.interval
        departed += i.civ_by_owner.sum() + i.civ_insurgents.sum() + i.insurgent_losses.sum() + i.emigrants
    assert pop.total + fighters.sum() + departed == model.initial_people, "a person is missing or counted twice"
    # the cell fields and running stocks agree with the groups' headcounts
    heads = pop.people[:n].astype(float)
    n_cells = model.field("people").size
    np.testing.assert_array_equal(model.field("people"), np.bincount(pop.cell[:n], weights=heads, minlength=n_cells))
    assert model.people_by_comm.sum() == pop.total
    country = model.world.country.reshape(-1)
    nc = model.civilians_in.size
    np.testing.assert_array_equal(model.civilians_in, np.bincount(country[pop.cell[:n]], weights=heads, minlength=nc))
    away = np.where(pop.status[:n] == DISPLACED, heads, 0.0)
    np.testing.assert_array_equal(model.displaced_from, np.bincount(country[pop.home[:n]], weights=away, minlength=nc))
    np.testing.assert_array_equal(model.displaced_in, np.bincount(country[pop.cell[:n]], weights=away, minlength=nc))
    abroad = np.where(country[pop.cell[:n]] != country[pop.home[:n]], away, 0.0)
    np.testing.assert_array_equal(model.refugees_from, np.bincount(country[pop.home[:n]], weights=abroad, minlength=nc))
    assert model.deaths_today == []  # every death drawn today came off a headcount today
    u = model.units
    assert np.isfinite(u.troops[: u.n]).all() and (u.troops[: u.n] >= -TOL).all()
    for name in ("people", "troops", "fighters", "violence", "tips"):
        f = model.field(name)
        assert np.isfinite(f).all() and (f >= -TOL).all(), name
    control = model.field("control")
    assert np.isfinite(control).all() and ((control >= -1 - TOL) & (control <= 1 + TOL)).all()
    assert ((pop.legitimacy[:n] >= 0) & (pop.legitimacy[:n] <= 1)).all()
    # every unit stays in its own (or host) country unless cross-border operations are allowed,
    # and then still within the core countries
    country_of_cell = country[u.cell[: u.n]]
    if not model.cfg.state.cross_border:
        assert (country_of_cell == u.country[: u.n]).all(), "a unit left its country"
    else:
        assert model.world.is_core_country[country_of_cell].all(), "a unit left the core countries"
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
    the registry, values are finite, non-negative, shares in [0, 1], the people identity holds
    on every row, events are dated within the run."""
    cfg, ts, ev = results.config, results.timeseries, results.events
    pa.Table.from_pandas(ts, schema=TIMESERIES_SCHEMA, preserve_index=False)  # raises if off-schema
    pa.Table.from_pandas(ev, schema=EVENT_SCHEMA, preserve_index=False)
    assert set(ts["metric"]) <= set(METRIC_BY_NAME), set(ts["metric"]) - set(METRIC_BY_NAME)
    assert len(ts) > 0
    _check_values(ts["value"].to_numpy(), list(ts["metric"]))
    assert ts["step"].min() == 0 and ts["step"].max() == cfg.n_steps
    total = ts[(ts.country == "all") & (ts.community == "all") & (ts.faction == "all")].pivot(
        index="step", columns="metric", values="value")
    departed = total[list(DEPARTURES)].sum(axis=1).cumsum()
    initial = total["civilians"].iloc[0] + total["insurgent_fighters"].iloc[0]
    assert (total["civilians"] + total["insurgent_fighters"] + departed == initial).all(), "the people identity"
    assert (total["population"] == total["civilians"] + total["insurgent_fighters"]).all()
    assert (np.diff(total["population"].to_numpy()) <= 0).all(), "the population grew"
    assert results.summary["people"]["balance"] == 0
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
