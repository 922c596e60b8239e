"""Synchronous (parallel) update scheme of the civil-violence model.

Mesa's random sequential activation is inherently serial. ``update="synchronous"`` runs the
same rules as phases over all agents, each phase a ``prange`` loop with race-free writes:

1. **decide** (citizens, parallel): a jailed citizen serves a step; a free one looks at the
   state at the start of the step, turns active or quiet (Epstein's rule), and picks a random
   empty cell in vision as its move target.
2. **show** (citizens, parallel): the new states are written to the grid (own cells only).
3. **arrest** (cops): each cop looks at the grid after 2, picks a random active citizen in
   vision (parallel) and a move target; arrests are then applied in cop-id order (serial,
   cheap), a citizen picked by two cops being arrested once. Arrested citizens do not move.
4. **move** (all, parallel): every agent with a target claims it with a random priority;
   the highest claim wins (ties impossible: the agent id is the low word), losers stay put.
   Claims are written band by band: rows are cut into an even number of bands at least
   2·vision rows high, and the even bands, then the odd ones, run in parallel, so no two
   threads ever write the same claim cell.

Every draw comes from ``counter_uniform(key, step, agent, purpose)`` and every reduction is
over integers, so results are bit-identical for any number of threads.

Deviations from sequential activation: decisions see the previous step's states (no
within-step contagion), a citizen arrested this step starts serving next step, and only one
agent can enter each empty cell per step (a vacated cell is not re-used in the same step), so
fewer agents move per step than under Mesa's scheme. docs/epstein.md reports how far this
moves the statistics.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.epstein.grid import ACTIVE, COP, EMPTY, JAILED, QUIET, padded_index, set_code, wrap
from sim.epstein.kernels import (
    PURPOSE_ARREST_PICK,
    PURPOSE_CLAIM,
    PURPOSE_JAIL_TERM,
    PURPOSE_MOVE,
    WORK_ARRESTS,
    WORK_CELLS_SCANNED,
    WORK_MOVES,
    WORK_UPDATES,
    count_states,
    scan_vision,
)
from sim.epstein.rules import is_active_epstein_2002, round_half_even_ratio
from sim.rng import counter_uniform

__all__ = ["band_starts", "step_synchronous", "run_synchronous", "claim_value"]

_CHUNK = 2048  # agents per parallel work item (each allocates its scan scratch once)


def band_starts(height: int, vision: int) -> np.ndarray:
    """Row boundaries of the claim bands: an even number (or one) of bands >= 2*vision rows."""
    n_bands = max(1, height // (2 * vision))
    if n_bands > 1 and n_bands % 2 == 1:
        n_bands -= 1
    return np.array([b * height // n_bands for b in range(n_bands + 1)], dtype=np.int64)


@njit(cache=True, inline="always")
def claim_value(key, step, agent):
    """Packed claim of ``agent`` on its target cell: 31-bit random priority, then the agent id."""
    priority = np.int64(counter_uniform(key, step, agent, PURPOSE_CLAIM) * 2147483648.0)
    return (priority << np.int64(32)) | np.int64(agent)


@njit(cache=True, parallel=True)
def _decide(code, cit_x, cit_y, cit_state, cit_jail, hardship, risk_aversion, new_state, target,
            dxs, dys, width, height, pad, vision, legitimacy, threshold, p_arrest, movement,
            key, step):
    n_cit = cit_x.shape[0]
    n_offsets = dxs.shape[0]
    padded_width = width + 2 * pad
    n_scanned = 0
    for chunk in prange((n_cit + _CHUNK - 1) // _CHUNK):
        empties = np.empty(n_offsets, dtype=np.int32)
        actives = np.empty(n_offsets, dtype=np.int32)
        scanned = 0
        for i in range(chunk * _CHUNK, min(n_cit, (chunk + 1) * _CHUNK)):
            target[i] = -1
            if cit_jail[i] > 0:
                cit_jail[i] -= 1
                new_state[i] = cit_state[i]
                continue
            x = np.int64(cit_x[i])
            y = np.int64(cit_y[i])
            n_empty, n_cop, n_active = scan_vision(code, padded_index(x, y, padded_width, pad),
                                                   vision, padded_width, empties, actives)
            scanned += n_offsets
            p = p_arrest[round_half_even_ratio(n_cop, n_active + 1)]
            active = is_active_epstein_2002(np.float64(hardship[i]), np.float64(risk_aversion[i]),
                                            p, legitimacy, threshold)
            new_state[i] = ACTIVE if active else QUIET
            if movement and n_empty > 0:
                k = empties[int(counter_uniform(key, step, i, PURPOSE_MOVE) * n_empty)]
                target[i] = wrap(y + dys[k], height) * width + wrap(x + dxs[k], width)
        n_scanned += scanned
    return n_scanned


@njit(cache=True, parallel=True)
def _show(code, cit_x, cit_y, cit_state, new_state, width, height, pad):
    for i in prange(cit_x.shape[0]):
        if new_state[i] != cit_state[i]:
            cit_state[i] = new_state[i]
            set_code(code, np.int64(cit_x[i]), np.int64(cit_y[i]), new_state[i], width, height, pad)


@njit(cache=True, parallel=True)
def _cops_look(code, occupant, cop_x, cop_y, victim, target, n_cit, dxs, dys, width, height, pad,
               vision, movement, key, step):
    n_cop = cop_x.shape[0]
    n_offsets = dxs.shape[0]
    padded_width = width + 2 * pad
    n_scanned = 0
    for chunk in prange((n_cop + _CHUNK - 1) // _CHUNK):
        empties = np.empty(n_offsets, dtype=np.int32)
        actives = np.empty(n_offsets, dtype=np.int32)
        scanned = 0
        for c in range(chunk * _CHUNK, min(n_cop, (chunk + 1) * _CHUNK)):
            agent = n_cit + c
            x = np.int64(cop_x[c])
            y = np.int64(cop_y[c])
            n_empty, n_cop_seen, n_active = scan_vision(code, padded_index(x, y, padded_width, pad),
                                                        vision, padded_width, empties, actives)
            scanned += n_offsets
            victim[c] = -1
            if n_active > 0:
                k = actives[int(counter_uniform(key, step, agent, PURPOSE_ARREST_PICK) * n_active)]
                victim[c] = occupant[wrap(y + dys[k], height) * width + wrap(x + dxs[k], width)]
            target[agent] = -1
            if movement and n_empty > 0:
                k = empties[int(counter_uniform(key, step, agent, PURPOSE_MOVE) * n_empty)]
                target[agent] = wrap(y + dys[k], height) * width + wrap(x + dxs[k], width)
        n_scanned += scanned
    return n_scanned


@njit(cache=True)
def _arrest(code, cit_x, cit_y, cit_state, cit_jail, victim, target, n_cit, width, height, pad,
            max_jail_term, key, step):
    n_arrests = 0
    for c in range(victim.shape[0]):
        v = victim[c]
        if v >= 0 and cit_state[v] == ACTIVE:
            cit_state[v] = JAILED
            cit_jail[v] = int(counter_uniform(key, step, n_cit + c, PURPOSE_JAIL_TERM) * (max_jail_term + 1))
            set_code(code, np.int64(cit_x[v]), np.int64(cit_y[v]), JAILED, width, height, pad)
            target[v] = -1  # jailed citizens stay on their cell
            n_arrests += 1
    return n_arrests


@njit(cache=True, parallel=True)
def _claim(occupant, target, claim, bands, parity, width, key, step):
    n_bands = bands.shape[0] - 1
    for b in prange(n_bands // 2 if n_bands > 1 else 1):
        band = 2 * b + parity if n_bands > 1 else 0
        for cell in range(bands[band] * width, bands[band + 1] * width):
            a = occupant[cell]
            if a >= 0 and target[a] >= 0:
                value = claim_value(key, step, a)
                if value > claim[target[a]]:
                    claim[target[a]] = value


@njit(cache=True, parallel=True)
def _losers_stay(target, claim, key, step):
    for a in prange(target.shape[0]):
        if target[a] >= 0 and claim[target[a]] != claim_value(key, step, a):
            target[a] = -1


@njit(cache=True, parallel=True)
def _move(code, occupant, cit_x, cit_y, cit_state, cop_x, cop_y, target, claim, width, height, pad):
    n_cit = cit_x.shape[0]
    n_moves = 0
    for a in prange(target.shape[0]):
        t = target[a]
        if t < 0:
            continue
        claim[t] = -1
        if a < n_cit:
            x = np.int64(cit_x[a])
            y = np.int64(cit_y[a])
            value = cit_state[a]
        else:
            x = np.int64(cop_x[a - n_cit])
            y = np.int64(cop_y[a - n_cit])
            value = COP
        nx = t % width
        ny = t // width
        set_code(code, x, y, EMPTY, width, height, pad)
        set_code(code, nx, ny, value, width, height, pad)
        occupant[y * width + x] = -1
        occupant[t] = a
        if a < n_cit:
            cit_x[a] = nx
            cit_y[a] = ny
        else:
            cop_x[a - n_cit] = nx
            cop_y[a - n_cit] = ny
        n_moves += 1
    return n_moves


@njit(cache=True)
def step_synchronous(code, occupant, cit_x, cit_y, cit_state, cit_jail, hardship, risk_aversion,
                     cop_x, cop_y, cit_dx, cit_dy, cop_dx, cop_dy, width, height, pad,
                     citizen_vision, cop_vision, legitimacy, threshold, p_arrest, max_jail_term,
                     movement, key, step, new_state, target, victim, claim, bands, work):
    """One synchronous step: decide → show → arrest → move (see the module docstring)."""
    n_cit = cit_x.shape[0]
    work[WORK_UPDATES] += n_cit + cop_x.shape[0]
    work[WORK_CELLS_SCANNED] += _decide(code, cit_x, cit_y, cit_state, cit_jail, hardship,
                                        risk_aversion, new_state, target, cit_dx, cit_dy, width,
                                        height, pad, citizen_vision, legitimacy, threshold,
                                        p_arrest, movement, key, step)
    _show(code, cit_x, cit_y, cit_state, new_state, width, height, pad)
    work[WORK_CELLS_SCANNED] += _cops_look(code, occupant, cop_x, cop_y, victim, target, n_cit,
                                           cop_dx, cop_dy, width, height, pad, cop_vision,
                                           movement, key, step)
    work[WORK_ARRESTS] += _arrest(code, cit_x, cit_y, cit_state, cit_jail, victim, target, n_cit,
                                  width, height, pad, max_jail_term, key, step)
    if movement:
        _claim(occupant, target, claim, bands, 0, width, key, step)
        if bands.shape[0] - 1 > 1:
            _claim(occupant, target, claim, bands, 1, width, key, step)
        _losers_stay(target, claim, key, step)
        work[WORK_MOVES] += _move(code, occupant, cit_x, cit_y, cit_state, cop_x, cop_y, target,
                                  claim, width, height, pad)


@njit(cache=True)
def run_synchronous(code, occupant, cit_x, cit_y, cit_state, cit_jail, hardship, risk_aversion,
                    cop_x, cop_y, cit_dx, cit_dy, cop_dx, cop_dy, width, height, pad,
                    citizen_vision, cop_vision, legitimacy_by_step, threshold, p_arrest,
                    max_jail_term, movement, key, first_step, bands, counts, work):
    """Steps ``first_step ..`` with one L per step; counts[t] = (active, quiet, jailed) after each."""
    n_cit = cit_x.shape[0]
    new_state = np.empty(n_cit, dtype=np.int8)
    target = np.full(n_cit + cop_x.shape[0], -1, dtype=np.int32)
    victim = np.empty(cop_x.shape[0], dtype=np.int32)
    claim = np.full(width * height, -1, dtype=np.int64)
    for t in range(legitimacy_by_step.shape[0]):
        step_synchronous(code, occupant, cit_x, cit_y, cit_state, cit_jail, hardship, risk_aversion,
                         cop_x, cop_y, cit_dx, cit_dy, cop_dx, cop_dy, width, height, pad,
                         citizen_vision, cop_vision, legitimacy_by_step[t], threshold, p_arrest,
                         max_jail_term, movement, key, first_step + t, new_state, target, victim,
                         claim, bands, work)
        counts[t, 0], counts[t, 1], counts[t, 2] = count_states(cit_state)
