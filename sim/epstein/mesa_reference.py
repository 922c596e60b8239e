"""Mesa's own Epstein example as the reference implementation, and the statistics we compare.

Runs ``mesa.examples.advanced.epstein_civil_violence`` (Mesa 3.5) on the settings of an
:class:`~sim.config.epstein.EpsteinConfig`, copies a Mesa population into our state (so both
implementations can start from the same agents), and reduces count series to the summary
statistics of the validation (docs/epstein.md). Mesa is imported lazily: importing it switches
``multiprocessing`` to the spawn start method.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from sim.config.epstein import EpsteinConfig
from sim.epstein.grid import ACTIVE, COP, JAILED, QUIET, code_grid_from_occupants
from sim.epstein.state import EpsteinState

__all__ = ["OUTBURST_ACTIVE", "STATISTICS", "summary_statistics", "mesa_model", "run_mesa",
           "state_from_mesa", "time_mesa_steps"]

#: A step is part of an outburst when more than this many citizens are active.
OUTBURST_ACTIVE = 50
#: Names of the per-run summary statistics, in table order.
STATISTICS = ("mean_active", "max_active", "mean_jailed", "outburst_steps")


def summary_statistics(active: np.ndarray, jailed: np.ndarray) -> dict[str, float]:
    """Per-run statistics over steps 1..S (index 0, the initial state, is left out)."""
    a = np.asarray(active[1:], dtype=np.float64)
    j = np.asarray(jailed[1:], dtype=np.float64)
    return {
        "mean_active": float(a.mean()),
        "max_active": float(a.max()),
        "mean_jailed": float(j.mean()),
        "outburst_steps": float((a > OUTBURST_ACTIVE).sum()),
    }


def mesa_model(cfg: EpsteinConfig, seed: int, collect: bool = False):
    """Mesa's ``EpsteinCivilViolence`` on the settings of ``cfg`` (constant legitimacy only).

    ``collect=False`` replaces the per-step DataCollector (which also records two per-agent
    reporters) by a no-op; the counts ACTIVE/QUIET/ARRESTED are still updated every step.
    """
    from mesa.examples.advanced.epstein_civil_violence.model import (
        EpsteinCivilViolence,
        EpsteinScenario,
    )

    if cfg.citizen_vision != cfg.cop_vision:
        raise ValueError("Mesa's example uses cop_vision for citizens too; use equal visions")
    if cfg.legitimacy_schedule:
        raise ValueError("Mesa's example has no legitimacy schedule")
    scenario = EpsteinScenario(
        rng=seed, citizen_density=cfg.citizen_density, cop_density=cfg.cop_density,
        citizen_vision=cfg.citizen_vision, cop_vision=cfg.cop_vision, legitimacy=cfg.legitimacy,
        max_jail_term=cfg.max_jail_term, active_threshold=cfg.active_threshold,
        arrest_prob_constant=cfg.arrest_prob_constant, movement=cfg.movement,
        max_iters=10**9)
    model = EpsteinCivilViolence(width=cfg.width, height=cfg.height, scenario=scenario)
    if not collect:
        model.datacollector.collect = lambda _model: None
    return model


def run_mesa(cfg: EpsteinConfig, seed: int, model=None) -> dict[str, np.ndarray]:
    """Run Mesa's example ``cfg.steps`` steps; int64[steps+1] series like ``EpsteinResult``."""
    if model is None:
        model = mesa_model(cfg, seed)
    series = np.zeros((cfg.steps + 1, 3), dtype=np.int64)
    series[0] = (model.ACTIVE, model.QUIET, model.ARRESTED)
    for t in range(1, cfg.steps + 1):
        model.step()
        series[t] = (model.ACTIVE, model.QUIET, model.ARRESTED)
    return {"active": series[:, 0], "quiet": series[:, 1], "jailed": series[:, 2]}


def state_from_mesa(model, cfg: EpsteinConfig) -> EpsteinState:
    """Our state holding exactly the agents of a Mesa model (positions, H, R, states, jail)."""
    from mesa.examples.advanced.epstein_civil_violence.agents import Citizen, CitizenState, Cop

    width, height = cfg.width, cfg.height
    citizens = [a for a in model.agents if isinstance(a, Citizen)]
    cops = [a for a in model.agents if isinstance(a, Cop)]
    to_code = {CitizenState.QUIET: QUIET, CitizenState.ACTIVE: ACTIVE, CitizenState.ARRESTED: JAILED}
    cit_xy = np.array([a.cell.coordinate for a in citizens], dtype=np.int64).reshape(-1, 2)
    cop_xy = np.array([a.cell.coordinate for a in cops], dtype=np.int64).reshape(-1, 2)
    n_cit, n_cop = len(citizens), len(cops)
    cit_state = np.array([to_code[a.state] for a in citizens], dtype=np.int8)
    occupant = np.full(width * height, -1, dtype=np.int32)
    cell_code = np.zeros(width * height, dtype=np.int8)
    cit_cells = cit_xy[:, 1] * width + cit_xy[:, 0]
    cop_cells = cop_xy[:, 1] * width + cop_xy[:, 0]
    occupant[cit_cells] = np.arange(n_cit)
    occupant[cop_cells] = np.arange(n_cit, n_cit + n_cop)
    cell_code[cit_cells] = cit_state
    cell_code[cop_cells] = COP
    pad = max(cfg.citizen_vision, cfg.cop_vision)
    return EpsteinState(
        cit_x=cit_xy[:, 0].astype(np.int16), cit_y=cit_xy[:, 1].astype(np.int16),
        cit_state=cit_state,
        cit_jail=np.array([a.jail_sentence for a in citizens], dtype=np.int16),
        hardship=np.array([a.hardship for a in citizens], dtype=np.float32),
        risk_aversion=np.array([a.risk_aversion for a in citizens], dtype=np.float32),
        cop_x=cop_xy[:, 0].astype(np.int16), cop_y=cop_xy[:, 1].astype(np.int16),
        code=code_grid_from_occupants(cell_code, width, height, pad), occupant=occupant,
        order=np.arange(n_cit + n_cop, dtype=np.int32), width=width, height=height, pad=pad)


def time_mesa_steps(cfg: EpsteinConfig, seed: int, steps: int, collect: bool = False) -> tuple[float, int]:
    """(seconds for ``steps`` Mesa steps, agents) on a freshly built model (build not timed)."""
    model = mesa_model(replace(cfg, steps=steps), seed, collect=collect)
    n_agents = len(model.agents)
    start = time.perf_counter()
    for _ in range(steps):
        model.step()
    return time.perf_counter() - start, n_agents
