"""Run the civil-violence model: set up, step, record.

A step is, for ``update="sequential"`` (Mesa's order of events, per agent in a fresh random
order): a jailed citizen serves one step of its sentence; a free citizen looks around, turns
active or quiet, then moves to a random empty cell in vision; a cop looks around, arrests one
random active citizen in vision, then moves. ``update="tiled"`` does exactly this within tiles
and runs far-apart tiles in parallel (:mod:`sim.epstein.kernels.tiled`). For
``update="synchronous"`` the same rules run as phases over all agents at once: citizens decide
→ cops arrest → everyone moves (:mod:`sim.epstein.kernels.synchronous`). After the step the active, quiet and jailed citizens are
counted (Mesa's ``_update_counts``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config.epstein import EpsteinConfig
from sim.core.rng import stream_key
from sim.epstein.grid import diamond_offsets
from sim.epstein.kernels import sequential as kernels
from sim.epstein.kernels import synchronous as kernels_sync
from sim.epstein.kernels import tiled as kernels_tiled
from sim.epstein.state import EpsteinState, init_state
from sim.rules.arrest import arrest_probability_table_epstein_2002

__all__ = ["EpsteinResult", "run_epstein", "legitimacy_by_step", "WORK_NAMES"]

WORK_NAMES = ("agent_updates", "cells_scanned", "arrests", "moves")


@dataclass
class EpsteinResult:
    """Per-step counts (index 0 = initial state, index t = after step t) and the final state."""

    config: EpsteinConfig
    seed: int
    active: np.ndarray  # int64[steps+1], citizens active
    quiet: np.ndarray  # int64[steps+1], citizens quiet
    jailed: np.ndarray  # int64[steps+1], citizens in jail (Mesa's ARRESTED)
    legitimacy: np.ndarray  # float64[steps+1], L used in each step (index 0: initial L)
    state: EpsteinState  # final state
    work: dict[str, int]  # deterministic work counters, see WORK_NAMES

    @property
    def n_citizens(self) -> int:
        return self.state.n_citizens

    @property
    def n_cops(self) -> int:
        return self.state.n_cops


def legitimacy_by_step(cfg: EpsteinConfig) -> np.ndarray:
    """L in force at each step 0..steps from ``cfg.legitimacy`` and ``cfg.legitimacy_schedule``.

    A change at step s with ``ramp_steps`` n moves L from its level at step s-1 to the target:
    at once (n = 0) or by n equal increments over steps s..s+n-1. A later change starts from
    wherever an unfinished ramp has got to.
    """
    levels = np.full(cfg.steps + 1, float(cfg.legitimacy), dtype=np.float64)
    for change in cfg.legitimacy_schedule:
        s = change.step
        if s > cfg.steps:
            break
        start = levels[s - 1]
        t = np.arange(s, cfg.steps + 1)
        if change.ramp_steps == 0:
            levels[s:] = change.legitimacy
        else:
            fraction = np.minimum(1.0, (t - s + 1) / change.ramp_steps)
            levels[s:] = start + (change.legitimacy - start) * fraction
    return levels


def _grid_arguments(cfg: EpsteinConfig, state: EpsteinState):
    """Vision diamonds (dx, dy and flat offsets in the padded grid) and the P table."""
    padded_width = state.width + 2 * state.pad
    cit_dx, cit_dy = diamond_offsets(cfg.citizen_vision)
    cop_dx, cop_dy = diamond_offsets(cfg.cop_vision)
    cit_off = (cit_dy.astype(np.int32) * padded_width + cit_dx).astype(np.int32)
    cop_off = (cop_dy.astype(np.int32) * padded_width + cop_dx).astype(np.int32)
    p_arrest = arrest_probability_table_epstein_2002(cfg.arrest_prob_constant, max(cit_dx.size, cop_dx.size))
    return cit_dx, cit_dy, cit_off, cop_dx, cop_dy, cop_off, p_arrest


def run_epstein(cfg: EpsteinConfig, seed: int, state: EpsteinState | None = None) -> EpsteinResult:
    """Run ``cfg.steps`` steps from a fresh population (or from ``state``, which is modified)."""
    if state is None:
        state = init_state(cfg, seed)
    legitimacy = legitimacy_by_step(cfg)
    counts = np.zeros((cfg.steps + 1, 3), dtype=np.int64)
    counts[0] = kernels.count_states(state.cit_state)
    work = np.zeros(kernels.N_WORK, dtype=np.int64)
    key = stream_key(seed, "epstein.step")
    cit_dx, cit_dy, cit_off, cop_dx, cop_dy, cop_off, p_arrest = _grid_arguments(cfg, state)
    s = state
    if cfg.update == "sequential":
        kernels.run_sequential(
            s.code, s.occupant, s.cit_x, s.cit_y, s.cit_state, s.cit_jail, s.hardship,
            s.risk_aversion, s.cop_x, s.cop_y, s.order, cit_dx, cit_dy, cit_off, cop_dx, cop_dy, cop_off,
            s.width, s.height, s.pad, cfg.citizen_vision, cfg.cop_vision, legitimacy[1:],
            float(cfg.active_threshold), p_arrest, cfg.max_jail_term, cfg.movement, key, 1,
            counts[1:], work)
    elif cfg.update == "tiled":
        kernels_tiled.run_tiled(
            s.code, s.occupant, s.cit_x, s.cit_y, s.cit_state, s.cit_jail, s.hardship,
            s.risk_aversion, s.cop_x, s.cop_y, cit_dx, cit_dy, cit_off, cop_dx, cop_dy, cop_off,
            s.width, s.height, s.pad, cfg.citizen_vision, cfg.cop_vision, legitimacy[1:],
            float(cfg.active_threshold), p_arrest, cfg.max_jail_term, cfg.movement, key, 1,
            counts[1:], work)
    else:
        kernels_sync.run_synchronous(
            s.code, s.occupant, s.cit_x, s.cit_y, s.cit_state, s.cit_jail, s.hardship,
            s.risk_aversion, s.cop_x, s.cop_y, cit_dx, cit_dy, cit_off, cop_dx, cop_dy, cop_off,
            s.width, s.height, s.pad, cfg.citizen_vision, cfg.cop_vision, legitimacy[1:],
            float(cfg.active_threshold), p_arrest, cfg.max_jail_term, cfg.movement, key, 1,
            kernels_sync.band_starts(s.height, s.pad), counts[1:], work)
    return EpsteinResult(
        config=cfg, seed=seed, active=counts[:, 0].copy(), quiet=counts[:, 1].copy(),
        jailed=counts[:, 2].copy(), legitimacy=legitimacy, state=state,
        work=dict(zip(WORK_NAMES, (int(w) for w in work), strict=True)))
