"""Tiled (block-sequential) update scheme: random sequential activation, in parallel by tiles.

Mesa activates all agents one at a time in a random order, each seeing everything done before
it. ``update="tiled"`` keeps that *within* tiles and runs far-apart tiles at the same time:

* each step the torus is cut into an even number (or one) of tiles per axis, each at least
  2·vision cells wide, with a random offset so that tile borders move from step to step;
* tiles are coloured like a checkerboard of 2x2 colours; the four colours run one after the
  other, in a random order; the tiles of one colour run in parallel (``prange``);
* a tile activates, in a fresh random order (Fisher-Yates, counter-based draws), the agents on
  its cells that have not acted yet this step, each with exactly the sequential kernels'
  ``citizen_step`` / ``cop_step``.

Why it is race-free: an agent reads and writes only cells within its vision (looking, moving,
arresting) and the columns of itself and its arrestee, who stands in its vision. Two agents of
same-colour tiles are more than 2·vision apart (a whole tile lies between them), so their
reach never overlaps. Hence results do not depend on the thread count, and each tile's work
is done by one thread. Every agent acts exactly once per step: agents are collected per tile
when its colour starts, and one that already acted (and moved on) carries this step's stamp.

How it differs from Mesa's order: all agents of a tile act before or after all agents of a
same-step neighbouring tile, instead of interleaving with them at random. With the random
offsets and colour order, each agent still sees, on average, about half of its neighbours'
moves of this step (as under a random order), so within-step contagion and arrests work as
in Mesa; docs/epstein.md has the validation. With one tile (small grids) it is exactly
Mesa's random sequential activation.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from sim.core.jit import alloc_free, kernel
from sim.core.rng import counter_uniform
from sim.epstein.kernels.sequential import (
    N_WORK,
    citizen_step,
    cop_step,
    count_states,
)
from sim.epstein.kernels.synchronous import PARALLEL_MIN_AGENTS

__all__ = ["tile_counts", "step_tiled", "run_tiled", "PURPOSE_TILE_OFFSET", "PURPOSE_TILE_SHUFFLE",
           "PURPOSE_COLOUR_ORDER"]

PURPOSE_TILE_OFFSET = 5
PURPOSE_TILE_SHUFFLE = 6
PURPOSE_COLOUR_ORDER = 7


#: Colours per axis, m: tiles of one colour are m-1 tiles apart, so tiles need only be
#: 2*vision/(m-1) wide; smaller tiles and more colours (m*m) make the order closer to a
#: uniformly random one (docs/epstein.md measures m = 2, 3, 4).
COLOURS_PER_AXIS = 2


@kernel
def tile_counts(size, vision):
    """Tiles along an axis of ``size`` cells: as many as fit at >= 2*vision/(m-1) cells, a
    multiple of m (so the colours repeat consistently around the torus), or 1."""
    m = COLOURS_PER_AXIS
    min_width = (2 * vision + m - 2) // (m - 1)  # ceil(2 * vision / (m - 1))
    n = size // min_width
    n -= n % m
    return max(1, n)


@alloc_free
def _run_tile(tx, ty, n_tx, n_ty, off_x, off_y, buffer, acted, stamp, code, occupant, cit_x, cit_y,
              cit_state, cit_jail, hardship, risk_aversion, cop_x, cop_y, cit_dx, cit_dy, cit_off,
              cop_dx, cop_dy, cop_off, width, height, pad, citizen_vision, cop_vision, legitimacy,
              threshold, p_arrest, max_jail_term, movement, key, step, work):
    """Collect the tile's agents that have not acted, shuffle them, activate them in turn."""
    n_cit = cit_x.shape[0]
    x0 = tx * width // n_tx
    x1 = (tx + 1) * width // n_tx
    y0 = ty * height // n_ty
    y1 = (ty + 1) * height // n_ty
    start = (ty * n_tx + tx) * buffer.shape[0] // (n_tx * n_ty)
    n = 0
    for yy in range(y0, y1):
        y = yy + off_y
        if y >= height:
            y -= height
        for xx in range(x0, x1):
            x = xx + off_x
            if x >= width:
                x -= width
            a = occupant[y * width + x]
            if a >= 0 and acted[a] != stamp:
                buffer[start + n] = a
                n += 1
    for i in range(n - 1, 0, -1):  # Fisher-Yates
        j = int(counter_uniform(key, step, start + i, PURPOSE_TILE_SHUFFLE) * (i + 1))
        tmp = buffer[start + i]
        buffer[start + i] = buffer[start + j]
        buffer[start + j] = tmp
    for i in range(n):
        a = buffer[start + i]
        acted[a] = stamp
        if a < n_cit:
            citizen_step(a, code, occupant, cit_x, cit_y, cit_state, cit_jail, hardship,
                         risk_aversion, cit_dx, cit_dy, cit_off, width, height, pad,
                         citizen_vision, legitimacy, threshold, p_arrest, movement, key, step, work)
        else:
            cop_step(a - n_cit, n_cit, code, occupant, cop_x, cop_y, cit_state, cit_jail,
                     cop_dx, cop_dy, cop_off, width, height, pad, cop_vision, max_jail_term,
                     movement, key, step, work)


@kernel(parallel=True)
def _run_colour(colour_x, colour_y, n_tx, n_ty, off_x, off_y, buffer, acted, stamp, code, occupant,
                cit_x, cit_y, cit_state, cit_jail, hardship, risk_aversion, cop_x, cop_y, cit_dx,
                cit_dy, cit_off, cop_dx, cop_dy, cop_off, width, height, pad, citizen_vision,
                cop_vision, legitimacy, threshold, p_arrest, max_jail_term, movement, key, step,
                tile_work, parallel):
    """All tiles of one colour, in parallel (or one after another on small grids: same
    results, no thread launch); tile (tx, ty) adds its work to tile_work[tile]."""
    m = COLOURS_PER_AXIS
    per_row = (n_tx - colour_x + m - 1) // m
    per_col = (n_ty - colour_y + m - 1) // m
    if not parallel:
        for item in range(per_row * per_col):
            tx = colour_x + m * (item % per_row)
            ty = colour_y + m * (item // per_row)
            _run_tile(tx, ty, n_tx, n_ty, off_x, off_y, buffer, acted, stamp, code, occupant,
                      cit_x, cit_y, cit_state, cit_jail, hardship, risk_aversion, cop_x, cop_y,
                      cit_dx, cit_dy, cit_off, cop_dx, cop_dy, cop_off, width, height, pad,
                      citizen_vision, cop_vision, legitimacy, threshold, p_arrest, max_jail_term,
                      movement, key, step, tile_work[ty * n_tx + tx])
        return
    for item in prange(per_row * per_col):
        tx = colour_x + m * (item % per_row)
        ty = colour_y + m * (item // per_row)
        _run_tile(tx, ty, n_tx, n_ty, off_x, off_y, buffer, acted, stamp, code, occupant, cit_x,
                  cit_y, cit_state, cit_jail, hardship, risk_aversion, cop_x, cop_y, cit_dx, cit_dy,
                  cit_off, cop_dx, cop_dy, cop_off, width, height, pad, citizen_vision, cop_vision,
                  legitimacy, threshold, p_arrest, max_jail_term, movement, key, step,
                  tile_work[ty * n_tx + tx])


@kernel
def step_tiled(code, occupant, cit_x, cit_y, cit_state, cit_jail, hardship, risk_aversion,
               cop_x, cop_y, cit_dx, cit_dy, cit_off, cop_dx, cop_dy, cop_off, width, height, pad,
               citizen_vision, cop_vision, legitimacy, threshold, p_arrest, max_jail_term,
               movement, key, step, buffer, acted, colours, tile_work):
    """One tiled step (module docstring): random offset, colours in random order, tiles in
    parallel within a colour. ``colours`` is int64 scratch of length m*m."""
    n_tx = tile_counts(width, pad)
    n_ty = tile_counts(height, pad)
    off_x = int(counter_uniform(key, step, 0, PURPOSE_TILE_OFFSET) * width)
    off_y = int(counter_uniform(key, step, 1, PURPOSE_TILE_OFFSET) * height)
    m = COLOURS_PER_AXIS
    n_colours = m * m
    for c in range(n_colours):
        colours[c] = c
    for i in range(n_colours - 1, 0, -1):
        j = int(counter_uniform(key, step, i, PURPOSE_COLOUR_ORDER) * (i + 1))
        tmp = colours[i]
        colours[i] = colours[j]
        colours[j] = tmp
    stamp = np.uint8(step & 255)  # every agent acts every step: its stamp is step or step-1
    parallel = cit_x.shape[0] + cop_x.shape[0] >= PARALLEL_MIN_AGENTS  # same results either way
    for c in range(n_colours):
        colour_x = colours[c] % m
        colour_y = colours[c] // m
        if colour_x >= n_tx or colour_y >= n_ty:
            continue
        _run_colour(colour_x, colour_y, n_tx, n_ty, off_x, off_y, buffer, acted, stamp, code,
                    occupant, cit_x, cit_y, cit_state, cit_jail, hardship, risk_aversion, cop_x,
                    cop_y, cit_dx, cit_dy, cit_off, cop_dx, cop_dy, cop_off, width, height, pad,
                    citizen_vision, cop_vision, legitimacy, threshold, p_arrest, max_jail_term,
                    movement, key, step, tile_work, parallel)


@kernel
def run_tiled(code, occupant, cit_x, cit_y, cit_state, cit_jail, hardship, risk_aversion,
              cop_x, cop_y, cit_dx, cit_dy, cit_off, cop_dx, cop_dy, cop_off, width, height, pad,
              citizen_vision, cop_vision, legitimacy_by_step, threshold, p_arrest, max_jail_term,
              movement, key, first_step, counts, work):
    """Steps ``first_step ..`` with one L per step; counts[t] = (active, quiet, jailed) after each."""
    n_tx = tile_counts(width, pad)
    n_ty = tile_counts(height, pad)
    tile_width = (width + n_tx - 1) // n_tx
    tile_height = (height + n_ty - 1) // n_ty
    buffer = np.empty(n_tx * n_ty * tile_width * tile_height, dtype=np.int32)
    acted = np.zeros(cit_x.shape[0] + cop_x.shape[0], dtype=np.uint8)
    colours = np.empty(COLOURS_PER_AXIS * COLOURS_PER_AXIS, dtype=np.int64)
    tile_work = np.zeros((n_tx * n_ty, N_WORK), dtype=np.int64)
    for t in range(legitimacy_by_step.shape[0]):
        step_tiled(code, occupant, cit_x, cit_y, cit_state, cit_jail, hardship, risk_aversion,
                   cop_x, cop_y, cit_dx, cit_dy, cit_off, cop_dx, cop_dy, cop_off, width, height,
                   pad, citizen_vision, cop_vision, legitimacy_by_step[t], threshold, p_arrest,
                   max_jail_term, movement, key, first_step + t, buffer, acted, colours, tile_work)
        counts[t, 0], counts[t, 1], counts[t, 2] = count_states(cit_state)
    for k in range(N_WORK):
        work[k] += tile_work[:, k].sum()
