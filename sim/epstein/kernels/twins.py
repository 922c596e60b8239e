"""Plain-Python twins of the civil-violence kernels, written for reading, not for speed.

Same names and signatures as the kernels in :mod:`sim.epstein.kernels.sequential` and
:mod:`sim.epstein.kernels.synchronous`, same draws from the counter generator (via
:func:`sim.core.rng.counter_uniform_py`), hence bit-identical results; tests/test_epstein_kernels.py
checks that on small grids. Coordinates wrap with ``%`` and the vision is the list of
diamond offsets, so each rule reads as in Mesa's ``agents.py``.
"""

from __future__ import annotations

import math

import numpy as np

from sim.core.rng import below_py, counter_bits_py, counter_uniform_py, splitmix_word_py
from sim.epstein.grid import ACTIVE, COP, EMPTY, JAILED, QUIET, diamond_offsets, set_code_py
from sim.epstein.kernels.sequential import (
    MOVE_TRIES,
    PURPOSE_ARREST_PICK,
    PURPOSE_CLAIM,
    PURPOSE_JAIL_TERM,
    PURPOSE_MOVE,
    PURPOSE_MOVE_FALLBACK,
    PURPOSE_SHUFFLE,
    WORK_ARRESTS,
    WORK_CELLS_SCANNED,
    WORK_MOVES,
    WORK_UPDATES,
)
from sim.epstein.kernels.tiled import (
    COLOURS_PER_AXIS,
    PURPOSE_COLOUR_ORDER,
    PURPOSE_TILE_OFFSET,
    PURPOSE_TILE_SHUFFLE,
)
from sim.rules.arrest import is_active_epstein_2002_py, round_half_even_ratio_py

__all__ = ["scan_vision", "nth_in_vision", "random_empty_in_vision", "citizen_step", "cop_step",
           "shuffle_order", "step_sequential", "count_states", "run_sequential",
           "count_in_vision", "step_synchronous", "run_synchronous", "tile_counts", "step_tiled",
           "run_tiled"]


def _cell_code(code, x, y, width, height, pad):
    """Code of real cell (x, y), wrapped onto the torus."""
    return code[((y % height) + pad) * (width + 2 * pad) + (x % width) + pad]


def scan_vision(code, center, radius, padded_width):
    """Twin of kernels.scan_vision: walk the diamond around ``center`` and count."""
    dxs, dys = diamond_offsets(radius)
    seen = [code[center + int(dy) * padded_width + int(dx)] for dx, dy in zip(dxs, dys, strict=True)]
    return seen.count(EMPTY), seen.count(COP), seen.count(ACTIVE)


def nth_in_vision(code, center, offsets, value, n):
    """Twin of kernels.nth_in_vision."""
    matches = [j for j, off in enumerate(offsets) if code[center + off] == value]
    return matches[n] if n < len(matches) else -1


def random_empty_in_vision(code, center, offsets, n_empty, key, step, agent):
    """Twin of kernels.random_empty_in_vision: a few random cells of the diamond, the first empty
    one wins; failing that, a uniformly chosen one of the empty cells."""
    seed = counter_bits_py(key, step, agent, PURPOSE_MOVE)
    for t in range(MOVE_TRIES):
        word = splitmix_word_py(seed, t // 2 + 1)
        j = below_py(word >> 32 if t % 2 else word & 0xFFFFFFFF, len(offsets))
        if code[center + offsets[j]] == EMPTY:
            return j
    k = int(counter_uniform_py(key, step, agent, PURPOSE_MOVE_FALLBACK) * n_empty)
    return nth_in_vision(code, center, offsets, EMPTY, k)


def _look(code, x, y, dxs, dys, width, height, pad):
    """Diamond indices of the empty cells, the number of cops and the active citizens' indices."""
    empty, active, n_cop = [], [], 0
    for j, (dx, dy) in enumerate(zip(dxs, dys, strict=True)):
        c = _cell_code(code, x + int(dx), y + int(dy), width, height, pad)
        if c == EMPTY:
            empty.append(j)
        elif c == COP:
            n_cop += 1
        elif c == ACTIVE:
            active.append(j)
    return empty, n_cop, active


def _move_to(code, occupant, xs, ys, agent, index, value, x, y, nx, ny, width, height, pad):
    set_code_py(code, x, y, EMPTY, width, height, pad)
    set_code_py(code, nx, ny, value, width, height, pad)
    occupant[y * width + x] = -1
    occupant[ny * width + nx] = agent
    xs[index] = nx
    ys[index] = ny


def _center(x, y, width, pad):
    return (y + pad) * (width + 2 * pad) + x + pad


def citizen_step(i, code, occupant, cit_x, cit_y, cit_state, cit_jail, hardship, risk_aversion,
                 dxs, dys, offsets, width, height, pad, vision, legitimacy, threshold, p_arrest,
                 movement, key, step, work):
    """Twin of kernels.citizen_step (Mesa's ``Citizen.step``)."""
    work[WORK_UPDATES] += 1
    if cit_jail[i] > 0:
        cit_jail[i] -= 1
        return
    x, y = int(cit_x[i]), int(cit_y[i])
    empty, n_cop, active = _look(code, x, y, dxs, dys, width, height, pad)
    work[WORK_CELLS_SCANNED] += len(dxs)
    p = p_arrest[round_half_even_ratio_py(n_cop, len(active) + 1)]
    active_now = is_active_epstein_2002_py(hardship[i], risk_aversion[i], p, legitimacy, threshold)
    state = ACTIVE if active_now else QUIET
    if state != cit_state[i]:
        cit_state[i] = state
        set_code_py(code, x, y, state, width, height, pad)
    if movement and empty:
        k = random_empty_in_vision(code, _center(x, y, width, pad), offsets, len(empty), key, step, i)
        nx, ny = (x + int(dxs[k])) % width, (y + int(dys[k])) % height
        _move_to(code, occupant, cit_x, cit_y, i, i, state, x, y, nx, ny, width, height, pad)
        work[WORK_MOVES] += 1


def cop_step(c, n_cit, code, occupant, cop_x, cop_y, cit_state, cit_jail, dxs, dys, offsets,
             width, height, pad, vision, max_jail_term, movement, key, step, work):
    """Twin of kernels.cop_step (Mesa's ``Cop.step``)."""
    agent = n_cit + c
    work[WORK_UPDATES] += 1
    x, y = int(cop_x[c]), int(cop_y[c])
    empty, _, active = _look(code, x, y, dxs, dys, width, height, pad)
    work[WORK_CELLS_SCANNED] += len(dxs)
    if active:
        k = active[int(counter_uniform_py(key, step, agent, PURPOSE_ARREST_PICK) * len(active))]
        tx, ty = (x + int(dxs[k])) % width, (y + int(dys[k])) % height
        victim = occupant[ty * width + tx]
        cit_state[victim] = JAILED
        cit_jail[victim] = int(counter_uniform_py(key, step, agent, PURPOSE_JAIL_TERM) * (max_jail_term + 1))
        set_code_py(code, tx, ty, JAILED, width, height, pad)
        work[WORK_ARRESTS] += 1
    if movement and empty:
        k = random_empty_in_vision(code, _center(x, y, width, pad), offsets, len(empty), key, step, agent)
        nx, ny = (x + int(dxs[k])) % width, (y + int(dys[k])) % height
        _move_to(code, occupant, cop_x, cop_y, agent, c, COP, x, y, nx, ny, width, height, pad)
        work[WORK_MOVES] += 1


def shuffle_order(order, key, step):
    """Twin of kernels.shuffle_order (Fisher-Yates)."""
    for i in range(len(order) - 1, 0, -1):
        j = int(counter_uniform_py(key, step, i, PURPOSE_SHUFFLE) * (i + 1))
        order[i], order[j] = order[j], order[i]


def step_sequential(code, occupant, cit_x, cit_y, cit_state, cit_jail, hardship, risk_aversion,
                    cop_x, cop_y, order, cit_dx, cit_dy, cit_off, cop_dx, cop_dy, cop_off,
                    width, height, pad, citizen_vision, cop_vision, legitimacy, threshold,
                    p_arrest, max_jail_term, movement, key, step, work):
    """Twin of kernels.step_sequential: shuffle, then activate each agent in turn."""
    n_cit = len(cit_x)
    shuffle_order(order, key, step)
    for a in order:
        if a < n_cit:
            citizen_step(int(a), code, occupant, cit_x, cit_y, cit_state, cit_jail, hardship,
                         risk_aversion, cit_dx, cit_dy, cit_off, width, height, pad,
                         citizen_vision, legitimacy, threshold, p_arrest, movement, key, step, work)
        else:
            cop_step(int(a) - n_cit, n_cit, code, occupant, cop_x, cop_y, cit_state, cit_jail,
                     cop_dx, cop_dy, cop_off, width, height, pad, cop_vision, max_jail_term,
                     movement, key, step, work)


def count_states(cit_state):
    """Twin of kernels.count_states."""
    return (int(np.sum(cit_state == ACTIVE)), int(np.sum(cit_state == QUIET)),
            int(np.sum(cit_state == JAILED)))


def run_sequential(code, occupant, cit_x, cit_y, cit_state, cit_jail, hardship, risk_aversion,
                   cop_x, cop_y, order, cit_dx, cit_dy, cit_off, cop_dx, cop_dy, cop_off,
                   width, height, pad, citizen_vision, cop_vision, legitimacy_by_step, threshold,
                   p_arrest, max_jail_term, movement, key, first_step, counts, work):
    """Twin of kernels.run_sequential."""
    for t, legitimacy in enumerate(legitimacy_by_step):
        step_sequential(code, occupant, cit_x, cit_y, cit_state, cit_jail, hardship, risk_aversion,
                        cop_x, cop_y, order, cit_dx, cit_dy, cit_off, cop_dx, cop_dy, cop_off,
                        width, height, pad, citizen_vision, cop_vision, legitimacy, threshold,
                        p_arrest, max_jail_term, movement, key, first_step + t, work)
        counts[t] = count_states(cit_state)


def count_in_vision(code, prefix, counts, width, height, pad, radius):
    """Twin of kernels_sync.count_in_vision: per real cell, (empty, cop, active) counts in its
    diamond *including* the cell itself, packed as empty | cop << 8 | active << 16."""
    dxs, dys = diamond_offsets(radius)
    offsets = [(0, 0)] + list(zip(dxs.tolist(), dys.tolist(), strict=True))
    for y in range(height):
        for x in range(width):
            seen = [_cell_code(code, x + dx, y + dy, width, height, pad) for dx, dy in offsets]
            counts[y * width + x] = (seen.count(EMPTY) | seen.count(COP) << 8 | seen.count(ACTIVE) << 16)
    return width * height * len(offsets)


def _claim_value(key, step, agent):
    return ((counter_bits_py(key, step, agent, PURPOSE_CLAIM) >> 33) << 32) | agent


def step_synchronous(code, occupant, cit_x, cit_y, cit_state, cit_jail, hardship, risk_aversion,
                     cop_x, cop_y, cit_dx, cit_dy, cit_off, cop_dx, cop_dy, cop_off, width, height,
                     pad, citizen_vision, cop_vision, legitimacy, threshold, p_arrest,
                     max_jail_term, movement, key, step, prefix, around, new_state, target,
                     victim, claim, bands, work):
    """Twin of kernels_sync.step_synchronous: count → decide → show → arrest → move, serially."""
    n_cit, n_cop = len(cit_x), len(cop_x)
    work[WORK_UPDATES] += n_cit + n_cop
    work[WORK_CELLS_SCANNED] += width * height * (len(cit_dx) + 1) + n_cop * len(cop_dx)
    # 1-2. every citizen decides from the state at the start of the step
    for i in range(n_cit):
        target[i] = -1
        new_state[i] = cit_state[i]
        if cit_jail[i] > 0:
            cit_jail[i] -= 1
            continue
        x, y = int(cit_x[i]), int(cit_y[i])
        empty, n_cop_seen, active = _look(code, x, y, cit_dx, cit_dy, width, height, pad)
        p = p_arrest[round_half_even_ratio_py(n_cop_seen, len(active) + 1)]
        is_active = is_active_epstein_2002_py(hardship[i], risk_aversion[i], p, legitimacy, threshold)
        new_state[i] = ACTIVE if is_active else QUIET
        if movement and empty:
            k = random_empty_in_vision(code, _center(x, y, width, pad), cit_off, len(empty), key, step, i)
            target[i] = ((y + int(cit_dy[k])) % height) * width + (x + int(cit_dx[k])) % width
    # 3. show the new states
    for i in range(n_cit):
        if new_state[i] != cit_state[i]:
            cit_state[i] = new_state[i]
            set_code_py(code, int(cit_x[i]), int(cit_y[i]), new_state[i], width, height, pad)
    # 4. cops pick a victim and a target, then arrests apply in cop-id order
    for c in range(n_cop):
        agent = n_cit + c
        x, y = int(cop_x[c]), int(cop_y[c])
        empty, _, active = _look(code, x, y, cop_dx, cop_dy, width, height, pad)
        victim[c] = -1
        if active:
            k = active[int(counter_uniform_py(key, step, agent, PURPOSE_ARREST_PICK) * len(active))]
            victim[c] = occupant[((y + int(cop_dy[k])) % height) * width + (x + int(cop_dx[k])) % width]
        target[agent] = -1
        if movement and empty:
            k = random_empty_in_vision(code, _center(x, y, width, pad), cop_off, len(empty), key, step, agent)
            target[agent] = ((y + int(cop_dy[k])) % height) * width + (x + int(cop_dx[k])) % width
    for c in range(n_cop):
        v = victim[c]
        if v >= 0 and cit_state[v] == ACTIVE:
            cit_state[v] = JAILED
            cit_jail[v] = int(counter_uniform_py(key, step, n_cit + c, PURPOSE_JAIL_TERM) * (max_jail_term + 1))
            set_code_py(code, int(cit_x[v]), int(cit_y[v]), JAILED, width, height, pad)
            target[v] = -1
            work[WORK_ARRESTS] += 1
    if not movement:
        return
    # 5. the highest claim on each target cell wins; everyone else stays put
    best = {}
    for a in range(n_cit + n_cop):
        if target[a] >= 0:
            best[target[a]] = max(best.get(target[a], -1), _claim_value(key, step, a))
    for a in range(n_cit + n_cop):
        t = int(target[a])
        if t < 0 or best[t] != _claim_value(key, step, a):
            continue
        if a < n_cit:
            xs, ys, index, value = cit_x, cit_y, a, cit_state[a]
        else:
            xs, ys, index, value = cop_x, cop_y, a - n_cit, COP
        x, y = int(xs[index]), int(ys[index])
        _move_to(code, occupant, xs, ys, a, index, value, x, y, t % width, t // width, width, height, pad)
        work[WORK_MOVES] += 1


def run_synchronous(code, occupant, cit_x, cit_y, cit_state, cit_jail, hardship, risk_aversion,
                    cop_x, cop_y, cit_dx, cit_dy, cit_off, cop_dx, cop_dy, cop_off, width, height,
                    pad, citizen_vision, cop_vision, legitimacy_by_step, threshold, p_arrest,
                    max_jail_term, movement, key, first_step, bands, counts, work):
    """Twin of kernels_sync.run_synchronous."""
    n_cit = len(cit_x)
    new_state = np.empty(n_cit, dtype=np.int8)
    target = np.full(n_cit + len(cop_x), -1, dtype=np.int32)
    victim = np.empty(len(cop_x), dtype=np.int32)
    for t, legitimacy in enumerate(legitimacy_by_step):
        step_synchronous(code, occupant, cit_x, cit_y, cit_state, cit_jail, hardship, risk_aversion,
                         cop_x, cop_y, cit_dx, cit_dy, cit_off, cop_dx, cop_dy, cop_off, width,
                         height, pad, citizen_vision, cop_vision, legitimacy, threshold, p_arrest,
                         max_jail_term, movement, key, first_step + t, None, None, new_state,
                         target, victim, None, bands, work)
        counts[t] = count_states(cit_state)


def tile_counts(size, vision):
    """Twin of kernels_tiled.tile_counts: tiles >= 2*vision/(m-1) wide, a multiple of m, or 1."""
    m = COLOURS_PER_AXIS
    n = size // math.ceil(2 * vision / (m - 1))
    return max(1, n - n % m)


def step_tiled(code, occupant, cit_x, cit_y, cit_state, cit_jail, hardship, risk_aversion,
               cop_x, cop_y, cit_dx, cit_dy, cit_off, cop_dx, cop_dy, cop_off, width, height, pad,
               citizen_vision, cop_vision, legitimacy, threshold, p_arrest, max_jail_term,
               movement, key, step, buffer, acted, colours, tile_work):
    """Twin of kernels_tiled.step_tiled: the tiles of each colour one after another."""
    n_cit = len(cit_x)
    n_tx, n_ty = tile_counts(width, pad), tile_counts(height, pad)
    tile_area = buffer.shape[0] // (n_tx * n_ty)
    off_x = int(counter_uniform_py(key, step, 0, PURPOSE_TILE_OFFSET) * width)
    off_y = int(counter_uniform_py(key, step, 1, PURPOSE_TILE_OFFSET) * height)
    m = COLOURS_PER_AXIS
    colour_order = list(range(m * m))
    for i in range(m * m - 1, 0, -1):
        j = int(counter_uniform_py(key, step, i, PURPOSE_COLOUR_ORDER) * (i + 1))
        colour_order[i], colour_order[j] = colour_order[j], colour_order[i]
    stamp = step & 255
    for colour in colour_order:
        for ty in range(colour // m, n_ty, m):
            for tx in range(colour % m, n_tx, m):
                tile = ty * n_tx + tx
                # the agents standing on the tile's cells that have not acted this step
                agents = []
                for yy in range(ty * height // n_ty, (ty + 1) * height // n_ty):
                    for xx in range(tx * width // n_tx, (tx + 1) * width // n_tx):
                        a = occupant[((yy + off_y) % height) * width + (xx + off_x) % width]
                        if a >= 0 and acted[a] != stamp:
                            agents.append(int(a))
                start = tile * tile_area
                for i in range(len(agents) - 1, 0, -1):
                    j = int(counter_uniform_py(key, step, start + i, PURPOSE_TILE_SHUFFLE) * (i + 1))
                    agents[i], agents[j] = agents[j], agents[i]
                for a in agents:
                    acted[a] = stamp
                    if a < n_cit:
                        citizen_step(a, code, occupant, cit_x, cit_y, cit_state, cit_jail, hardship,
                                     risk_aversion, cit_dx, cit_dy, cit_off, width, height, pad,
                                     citizen_vision, legitimacy, threshold, p_arrest, movement, key,
                                     step, tile_work[tile])
                    else:
                        cop_step(a - n_cit, n_cit, code, occupant, cop_x, cop_y, cit_state, cit_jail,
                                 cop_dx, cop_dy, cop_off, width, height, pad, cop_vision,
                                 max_jail_term, movement, key, step, tile_work[tile])


def run_tiled(code, occupant, cit_x, cit_y, cit_state, cit_jail, hardship, risk_aversion,
              cop_x, cop_y, cit_dx, cit_dy, cit_off, cop_dx, cop_dy, cop_off, width, height, pad,
              citizen_vision, cop_vision, legitimacy_by_step, threshold, p_arrest, max_jail_term,
              movement, key, first_step, counts, work):
    """Twin of kernels_tiled.run_tiled."""
    n_tx, n_ty = tile_counts(width, pad), tile_counts(height, pad)
    tile_area = -(-width // n_tx) * -(-height // n_ty)
    buffer = np.empty(n_tx * n_ty * tile_area, dtype=np.int32)
    acted = np.zeros(len(cit_x) + len(cop_x), dtype=np.uint8)
    tile_work = np.zeros((n_tx * n_ty, len(work)), dtype=np.int64)
    for t, legitimacy in enumerate(legitimacy_by_step):
        step_tiled(code, occupant, cit_x, cit_y, cit_state, cit_jail, hardship, risk_aversion,
                   cop_x, cop_y, cit_dx, cit_dy, cit_off, cop_dx, cop_dy, cop_off, width, height,
                   pad, citizen_vision, cop_vision, legitimacy, threshold, p_arrest, max_jail_term,
                   movement, key, first_step + t, buffer, acted, None, tile_work)
        counts[t] = count_states(cit_state)
    work += tile_work.sum(axis=0)
