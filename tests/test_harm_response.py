"""Civilian harm feeds recruitment only through the harm-to-grievance sensitivity s
(``population.rel_harm_grievance``): at s = 0 the recruitment response to harm is gone."""

from __future__ import annotations

import dataclasses

import numpy as np

import sim
from sim.core import rng
from sim.sahel.kernels import civilians as kc
from tests.conftest import SMALL
from tests.test_kernels import _civilian_inputs, _update


def _run_kernel(s: float, harm_level: float, seed: int = 11):
    cols, cells, params = _civilian_inputs(seed, n=4000)
    cols["harm"][:] = 0.0
    cells["harm_state"][:] = harm_level
    cells["harm_ins"][:] = 0.0
    cells["troops_near"][:] = 0.0
    cells["flee_hazard"][:] = 0.0
    params[kc.P_S] = s
    params[kc.P_JOIN] = 0.01
    joined, _ = _update(kc.civilian_update, cols, cells, params, rng.stream_key(seed, "civilians"), 3)
    cols["joined"] = joined
    return cols, int(joined.sum())


def test_with_zero_sensitivity_harm_changes_no_civilian_at_all():
    calm, n_calm = _run_kernel(0.0, 0.0)
    harmed, n_harmed = _run_kernel(0.0, 0.5)
    for k in ("status", "people", "joined", "legitimacy", "sympathy", "cell"):
        np.testing.assert_array_equal(calm[k], harmed[k], err_msg=k)
    assert n_calm == n_harmed


def test_with_positive_sensitivity_harm_raises_recruitment():
    calm, n_calm = _run_kernel(1.0, 0.0)
    harmed, n_harmed = _run_kernel(1.0, 0.5)
    assert n_harmed > 1.2 * n_calm
    # common random numbers: a group that sent recruits without harm sends at least as many with it
    assert (harmed["joined"] >= calm["joined"]).mean() > 0.99


def _run(extra: list[str], seed: int):
    # a join rate 40x the calibrated one gives a one-year run on a small world enough recruits to compare
    cfg = sim.load_config(SMALL + extra + [f"seed={seed}", "population.rel_blame_insurgent=0.0", "population.p_join=2e-5"])
    return sim.run(dataclasses.replace(cfg, end_date="2016-01-01"))


NO_STATE_HARM = ["mechanisms.k_collateral=0.0", "state.rel_reprisal=0.0", "state.p_detain=0.0"]
HEAVY_STATE_HARM = ["state.forces.mali.discrimination=0.0", "state.forces.burkina_faso.discrimination=0.0",
                    "mechanisms.k_collateral=0.005"]


def test_in_the_model_sensitivity_acts_only_through_harm():
    """Without harm by the state side, s changes nothing: the runs are identical."""
    a = _run(NO_STATE_HARM + ["population.rel_harm_grievance=0.0"], seed=1)
    b = _run(NO_STATE_HARM + ["population.rel_harm_grievance=2.0"], seed=1)
    assert a.summary["headline"]["civilian_deaths_by_state"] == 0
    assert a.timeseries["value"].equals(b.timeseries["value"])


def test_in_the_model_state_harm_raises_recruitment_only_when_sensitivity_is_positive():
    totals = {"off": 0.0, "on": 0.0}
    for seed in (1, 2, 3):
        off = _run(HEAVY_STATE_HARM + ["population.rel_harm_grievance=0.0"], seed)
        on = _run(HEAVY_STATE_HARM + ["population.rel_harm_grievance=2.0"], seed)
        assert off.summary["headline"]["civilian_deaths_by_state"] > 100
        assert on.summary["headline"]["recruits"] > off.summary["headline"]["recruits"]
        totals["off"] += off.summary["headline"]["recruits"]
        totals["on"] += on.summary["headline"]["recruits"]
    assert totals["on"] > 1.3 * totals["off"]
