"""Replication tier: our Epstein (2002) kernels against Mesa's own example, and Epstein's result.

What these protect: (1) on any configuration Mesa produces, every agent perceives exactly what
Mesa's agent perceives and every citizen decides exactly as Mesa's citizen does; (2) over
several seeds our runs fall within Mesa's seed-to-seed spread on both validated settings;
(3) Epstein's legitimacy result: a sudden drop triggers an outburst where a larger gradual
decline does not.

The statistical criteria are defined in :mod:`sim.tools.epstein_validate`: ``in_range`` (our mean
over seeds within [min, max] of Mesa's per-seed values), a two-sided Mann-Whitney U test of our
per-seed values against Mesa's, and a two-sided Wilcoxon signed-rank test of runs started from
Mesa's own populations against Mesa's runs (alpha = 0.01). With the 5 seeds of the fast test
the rank tests have little power (Wilcoxon on 5 pairs cannot reach p < 0.06), so it relies on
the ranges; the slow tests (20 seeds x 300 steps, the table in docs/epstein.md) are the
statistical validation. The exact-rules ``sequential`` scheme passes all criteria; the parallel
schemes pass the independent-seed criteria but the paired test detects their bias.
"""

from __future__ import annotations

import os
from dataclasses import replace

import numpy as np
import pytest

from sim.epstein import EpsteinConfig, LegitimacyChange, legitimacy_by_step, run_epstein
from sim.epstein.grid import ACTIVE, COP, EMPTY, JAILED, QUIET, diamond_offsets
from sim.epstein.kernels import twins
from sim.epstein.mesa_reference import mesa_model, run_mesa, state_from_mesa
from sim.rules.arrest import (
    arrest_probability_table_epstein_2002,
    is_active_epstein_2002,
    round_half_even_ratio,
)
from sim.tools.epstein_validate import SETTINGS, run_validation

ALPHA = 0.01
_WORKERS = min(2, os.cpu_count() or 1)


def _cells(diamond_indices, x, y, dxs, dys, cfg):
    """Torus coordinates of the given vision-diamond cells around (x, y)."""
    return {((x + int(dxs[j])) % cfg.width, (y + int(dys[j])) % cfg.height) for j in diamond_indices}


def test_agents_perceive_and_decide_exactly_as_mesas_agents():
    """On Mesa's own grid (after a few Mesa steps, with actives and jailed about), each of our
    vision scans finds the same empty cells, cops and active citizens as Mesa's
    ``update_neighbors``, and each free citizen reaches Mesa's decision."""
    from mesa.examples.advanced.epstein_civil_violence.agents import Citizen, Cop

    cfg = EpsteinConfig(steps=4, **SETTINGS["netlogo"])
    model = mesa_model(cfg, seed=2)
    run_mesa(cfg, seed=2, model=model)
    assert model.ACTIVE > 0 and model.ARRESTED > 0
    state = state_from_mesa(model, cfg)
    dxs, dys = diamond_offsets(cfg.cop_vision)
    p_table = arrest_probability_table_epstein_2002(cfg.arrest_prob_constant, dxs.size)
    n_citizens_checked = 0
    for agent in model.agents:
        x, y = agent.cell.coordinate
        empty, n_cop, active = twins._look(state.code, x, y, dxs, dys, cfg.width, cfg.height, state.pad)
        agent.update_neighbors()
        neighbours = list(agent.neighborhood.agents)
        assert _cells(empty, x, y, dxs, dys, cfg) == {c.coordinate for c in agent.empty_neighbors}
        assert n_cop == sum(isinstance(a, Cop) for a in neighbours)
        assert _cells(active, x, y, dxs, dys, cfg) == {
            a.cell.coordinate for a in neighbours if isinstance(a, Citizen) and a.state.name == "ACTIVE"}
        if isinstance(agent, Citizen) and not agent.jail_sentence:
            agent.update_estimated_arrest_probability()
            p = p_table[round_half_even_ratio(n_cop, len(active) + 1)]
            assert p == agent.arrest_probability
            mesa_active = agent.grievance - agent.risk_aversion * agent.arrest_probability > cfg.active_threshold
            ours = is_active_epstein_2002(float(np.float32(agent.hardship)), float(np.float32(agent.risk_aversion)),
                                          p, cfg.legitimacy, cfg.active_threshold)
            # H and R are stored as float32: decisions can differ only within float32 rounding
            # of the margin G - N - T.
            margin = agent.grievance - agent.risk_aversion * p - cfg.active_threshold
            assert ours == mesa_active or abs(margin) < 1e-6
            n_citizens_checked += 1
    assert n_citizens_checked > 800


def test_state_copied_from_mesa_counts_as_mesa_does():
    cfg = EpsteinConfig(steps=3, **SETTINGS["netlogo"])
    model = mesa_model(cfg, seed=4)
    run_mesa(cfg, seed=4, model=model)
    state = state_from_mesa(model, cfg)
    counts = {v: int(np.sum(state.cit_state == v)) for v in (ACTIVE, QUIET, JAILED)}
    assert (counts[ACTIVE], counts[QUIET], counts[JAILED]) == (model.ACTIVE, model.QUIET, model.ARRESTED)
    cells = state.code.reshape(cfg.height + 2 * state.pad, -1)[state.pad:-state.pad, state.pad:-state.pad]
    assert int(np.sum(cells == COP)) == state.n_cops and int(np.sum(cells == EMPTY)) == cfg.n_cells - state.n_agents


UPDATES = ["sequential", "tiled", "synchronous"]


@pytest.fixture(scope="module")
def fast_validation():
    """5 seeds x 120 steps on both settings (about 30-45 s of Mesa, run once for all schemes)."""
    mesa_cache = {}
    return {update: run_validation(seeds=[1, 2, 3, 4, 5], steps=120, settings=list(SETTINGS),
                                   update=update, workers=_WORKERS, mesa_cache=mesa_cache)
            for update in UPDATES}


def _failures(out, paired: bool, ranges: bool = True, p_values: bool = True):
    """Statistics outside the criteria: our mean within Mesa's per-seed range (and, when
    ``paired``, the mean of the runs from Mesa's populations too), Mann-Whitney p >= ALPHA, and
    when ``paired`` Wilcoxon p >= ALPHA. Where all of Mesa's runs give one value (no outburst
    in any of its 20 runs on its defaults) there is no spread to fall within: the p-values alone
    judge that statistic."""
    failures = []
    for setting, block in out["settings"].items():
        for name, c in block["comparison"].items():
            spread = c["mesa_min"] < c["mesa_max"]
            ok = True
            if ranges and spread:
                ok = c["in_range"] and (not paired or c["mesa_min"] <= c["paired_mean"] <= c["mesa_max"])
            if p_values:
                ok = ok and c["p_mwu"] >= ALPHA and (not paired or c["p_paired"] >= ALPHA)
            if not ok:
                failures.append((setting, name, c))
    return failures


@pytest.mark.parametrize("update", UPDATES)
def test_not_separated_from_mesa_5_seeds(fast_validation, update):
    """Smoke level: no statistic of our 5 runs is (almost) completely separated from Mesa's 5
    (two-sided Mann-Whitney p >= 0.01 needs U not at its extremes). Catches gross errors only;
    5-seed ranges fail even for the exact scheme (the statistics are driven by rare outbursts),
    so the range and paired criteria are left to the 20-seed slow tests."""
    failures = [(s, name, c["p_mwu"]) for s, block in fast_validation[update]["settings"].items()
                for name, c in block["comparison"].items() if c["p_mwu"] < ALPHA]
    assert not failures


@pytest.fixture(scope="module")
def slow_validation():
    """20 seeds x 300 steps on both settings: the docs/epstein.md table (about 10 min)."""
    mesa_cache = {}
    return {update: run_validation(seeds=list(range(1, 21)), steps=300, settings=list(SETTINGS),
                                   update=update, workers=_WORKERS, mesa_cache=mesa_cache)
            for update in UPDATES}


@pytest.mark.slow
def test_sequential_matches_mesa_20_seeds(slow_validation):
    """The exact-rules scheme: ranges, Mann-Whitney and the paired Wilcoxon test all pass."""
    assert not _failures(slow_validation["sequential"], paired=True)


@pytest.mark.slow
@pytest.mark.parametrize("update", ["tiled", "synchronous"])
def test_parallel_schemes_within_mesas_spread_20_seeds(slow_validation, update):
    """Independent seeds: every statistic's mean lies within Mesa's seed-to-seed range."""
    assert not _failures(slow_validation[update], paired=False, p_values=False)


@pytest.mark.slow
@pytest.mark.parametrize("update", [
    "tiled",
    pytest.param("synchronous", marks=pytest.mark.xfail(
        strict=True, reason="known bias, docs/epstein.md: the synchronous scheme's peak outbursts "
        "are smaller (max active ~ -38 % on NetLogo settings), which 20 independent seeds detect "
        "(Mann-Whitney p = 0.007)")),
])
def test_parallel_schemes_not_separated_from_mesa_20_seeds(slow_validation, update):
    """Independent seeds: no statistic separates our runs from Mesa's (Mann-Whitney p >= 0.01)."""
    assert not _failures(slow_validation[update], paired=False, ranges=False)


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="known bias, docs/epstein.md: from Mesa's own populations, "
                   "tiled runs ~9% more active citizens, synchronous ~20% more with smaller outbursts")
@pytest.mark.parametrize("update", ["tiled", "synchronous"])
def test_parallel_schemes_pass_the_paired_test_20_seeds(slow_validation, update):
    assert not _failures(slow_validation[update], paired=True)


def test_sudden_legitimacy_drop_triggers_outburst_where_larger_gradual_decline_does_not():
    """Epstein (2002): when legitimacy falls gradually, the most aggrieved turn active a few at a
    time and are jailed one by one, so no outburst follows even when L falls further than in an
    abrupt drop, which creates many actives at once who embolden each other.

    80x80 torus, Mesa's default cops and jail terms (long terms make the picking-off stick),
    L = 0.9 until step 50 (grievance <= 0.1 = T: nobody can be active); then either a sudden
    drop to 0.65 or a linear decline to 0.5 over 300 steps. Over seeds 1-20 the peak after the
    sudden drop exceeded the gradual run's peak in 20/20 seeds, median 120 vs 48 active
    (docs/epstein.md); here seeds 1-6.
    """
    base = EpsteinConfig(width=80, height=80, legitimacy=0.9, steps=150)
    sudden = replace(base, legitimacy_schedule=[LegitimacyChange(step=51, legitimacy=0.65)])
    gradual = replace(base, steps=360,
                      legitimacy_schedule=[LegitimacyChange(step=51, legitimacy=0.5, ramp_steps=300)])
    assert legitimacy_by_step(gradual).min() < legitimacy_by_step(sudden).min()  # falls further
    peaks_sudden, peaks_gradual = [], []
    for seed in range(1, 7):
        run_sudden, run_gradual = run_epstein(sudden, seed), run_epstein(gradual, seed)
        assert run_sudden.active[:51].max() == 0  # calm before the change
        peaks_sudden.append(run_sudden.active[51:].max())
        peaks_gradual.append(run_gradual.active[51:].max())
    peaks_sudden, peaks_gradual = np.array(peaks_sudden), np.array(peaks_gradual)
    assert np.all(peaks_sudden > peaks_gradual), (peaks_sudden, peaks_gradual)
    assert np.median(peaks_sudden) >= 2 * np.median(peaks_gradual), (peaks_sudden, peaks_gradual)
