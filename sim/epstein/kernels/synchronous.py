"""Synchronous (parallel) update scheme of the civil-violence model.

Mesa's random sequential activation is inherently serial. ``update="synchronous"`` runs the
same rules as phases over all agents, each phase a ``prange`` loop with race-free writes:

1. **count** (cells, parallel over rows): for every cell, the empty cells, cops and active
   citizens in the vision diamond around it, at the start of the step. Row prefix sums of
   packed codes (empty | cop << 8 | active << 16, int32), then one prefix difference per
   diamond row, in loops along a row that vectorise: a few ns per cell instead of a scalar
   112-cell scan per citizen.
2. **decide** (citizens, parallel): a jailed citizen serves a step; a free one reads its
   counts, turns active or quiet (Epstein's rule) and picks a random empty cell in vision as
   its move target.
3. **show** (citizens, parallel): the new states are written to the grid (own cells only).
4. **arrest** (cops): each cop looks at the grid after 2, picks a random active citizen in
   vision (parallel) and a move target; arrests are then applied in cop-id order (serial,
   cheap), a citizen picked by two cops being arrested once. Arrested citizens do not move.
5. **move** (all, parallel): every agent with a target claims it with a random priority;
   the highest claim wins (ties impossible: the agent id is the low word, which is also how a
   mover learns that it won), losers stay put.
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
from numba import prange

from sim.core.jit import alloc_free, inline, kernel
from sim.core.rng import counter_bits, counter_uniform
from sim.epstein.grid import ACTIVE, COP, EMPTY, JAILED, QUIET, padded_index, set_code, wrap
from sim.epstein.kernels.sequential import (
    PURPOSE_ARREST_PICK,
    PURPOSE_CLAIM,
    PURPOSE_JAIL_TERM,
    WORK_ARRESTS,
    WORK_CELLS_SCANNED,
    WORK_MOVES,
    WORK_UPDATES,
    count_states,
    nth_in_vision,
    random_empty_in_vision,
    scan_vision,
)
from sim.rules.arrest import is_active_epstein_2002, round_half_even_ratio

__all__ = ["band_starts", "claim_value", "count_in_vision", "count_scratch", "step_synchronous", "run_synchronous"]

_CHUNK = 4096  # items per parallel work item
#: Below this many agents a step runs its phases serially: launching a parallel region costs
#: more than the work (measured 0.02-1.7 ms per region on a 2-core VM with numba's OpenMP layer).
#: Results are identical either way.
PARALLEL_MIN_AGENTS = 50_000

def band_starts(height: int, vision: int) -> np.ndarray:
    """Row boundaries of the claim bands: an even number (or one) of bands >= 2*vision rows."""
    n_bands = max(1, height // (2 * vision))
    if n_bands > 1 and n_bands % 2 == 1:
        n_bands -= 1
    return np.array([b * height // n_bands for b in range(n_bands + 1)], dtype=np.int64)


@inline
def claim_value(key, step, agent):
    """Packed claim of ``agent`` on its target cell: 31 random bits of priority, then the agent
    id in the low word (so the winner of a cell can be read off its claim)."""
    priority = np.int64(counter_bits(key, step, agent, PURPOSE_CLAIM) >> np.uint64(33))
    return (priority << np.int64(32)) | np.int64(agent)


@kernel
def _chunks(n):
    """Number of ``_CHUNK``-sized work items covering ``n`` items."""
    return (n + _CHUNK - 1) // _CHUNK


# Each parallel phase is a prange over chunks that calls a plain @kernel function for the chunk:
# numba optimises (vectorises) the loops of such a function fully, not those inlined in a
# prange body (measured: the count stencil ran 5-8x slower written inline).


@kernel
def count_scratch(width, height, pad):
    """Scratch for :func:`count_in_vision`: the row prefix sums of the padded grid."""
    return np.empty((height + 2 * pad) * (width + 2 * pad + 1), dtype=np.int32)


@alloc_free
def _prefix_rows(code, prefix, r0, r1, padded_width):
    """prefix[r*(padded_width+1) + i] = sum over the first i cells of padded row r of the packed
    code (empty | cop << 8 | active << 16). The fields carry into each other in the sum, and a
    very long row of active cells would wrap the int32, but the difference of two prefixes,
    taken modulo 2^32 like every int32 store, is the exact packed count of the cells between
    them: at most 2 radius + 1 < 256 per field, so the fields of a diamond's sum never carry."""
    for r in range(r0, r1):
        base = r * (padded_width + 1)
        row = r * padded_width
        acc = np.int32(0)
        prefix[base] = 0
        for i in range(padded_width):
            c = code[row + i]
            acc += np.int32(c == EMPTY) | (np.int32(c == COP) << 8) | (np.int32(c == ACTIVE) << 16)
            prefix[base + i + 1] = acc


@alloc_free
def _count_rows(prefix, counts, y0, y1, width, pad, radius):
    """Each diamond row is one difference of row prefixes: 2 (2 radius + 1) operations per cell
    instead of the diamond's 2 radius (radius + 1) + 1, in loops along a row that vectorise."""
    stride = width + 2 * pad + 1
    for y in range(y0, y1):
        out = counts[y * width:(y + 1) * width]
        out[:] = 0
        for dy in range(-radius, radius + 1):
            half_width = radius - abs(dy)
            base = (y + pad + dy) * stride + pad
            upper = prefix[base + half_width + 1:base + half_width + 1 + width]
            lower = prefix[base - half_width:base - half_width + width]
            for x in range(width):  # contiguous: vectorised
                out[x] += upper[x] - lower[x]


@kernel(parallel=True)
def count_in_vision(code, prefix, counts, width, height, pad, radius, parallel=True):
    """counts[y*width + x] = packed (empty, cop, active) counts in the radius-``radius``
    diamond around every real cell (x, y), *including* the cell itself; ``prefix`` is scratch
    from :func:`count_scratch`. Returns the number of cells the diamonds cover."""
    padded_width = width + 2 * pad
    rows = height + 2 * pad
    if not parallel:
        _prefix_rows(code, prefix, 0, rows, padded_width)
        _count_rows(prefix, counts, 0, height, width, pad, radius)
        return width * height * (2 * radius * (radius + 1) + 1)
    rows_per_item = max(1, _CHUNK // padded_width)
    for item in prange((rows + rows_per_item - 1) // rows_per_item):
        _prefix_rows(code, prefix, item * rows_per_item, min(rows, (item + 1) * rows_per_item),
                     padded_width)
    rows_per_item = max(1, _CHUNK // width)
    for item in prange((height + rows_per_item - 1) // rows_per_item):
        _count_rows(prefix, counts, item * rows_per_item, min(height, (item + 1) * rows_per_item),
                    width, pad, radius)
    return width * height * (2 * radius * (radius + 1) + 1)


@alloc_free
def _decide_chunk(i0, i1, code, around, cit_x, cit_y, cit_state, cit_jail, hardship,
                  risk_aversion, new_state, target, dxs, dys, offsets, width, height, pad,
                  legitimacy, threshold, p_arrest, movement, key, step):
    padded_width = width + 2 * pad
    for i in range(i0, i1):
        target[i] = -1
        new_state[i] = cit_state[i]
        if cit_jail[i] > 0:
            cit_jail[i] -= 1
            continue
        x = np.int64(cit_x[i])
        y = np.int64(cit_y[i])
        seen = around[y * width + x]
        own = cit_state[i] == ACTIVE  # the diamond sum includes the citizen's own cell
        n_empty = seen & 255
        n_cop = (seen >> 8) & 255
        n_active = ((seen >> 16) & 255) - own
        p = p_arrest[round_half_even_ratio(n_cop, n_active + 1)]
        active = is_active_epstein_2002(np.float64(hardship[i]), np.float64(risk_aversion[i]),
                                        p, legitimacy, threshold)
        new_state[i] = ACTIVE if active else QUIET
        if movement and n_empty > 0:
            center = padded_index(x, y, padded_width, pad)
            k = random_empty_in_vision(code, center, offsets, n_empty, key, step, i)
            target[i] = wrap(y + dys[k], height) * width + wrap(x + dxs[k], width)


@kernel(parallel=True)
def _decide(code, around, cit_x, cit_y, cit_state, cit_jail, hardship, risk_aversion, new_state,
            target, dxs, dys, offsets, width, height, pad, legitimacy, threshold, p_arrest,
            movement, key, step, parallel):
    n_cit = cit_x.shape[0]
    if not parallel:
        _decide_chunk(0, n_cit, code, around, cit_x, cit_y, cit_state, cit_jail, hardship,
                      risk_aversion, new_state, target, dxs, dys, offsets, width, height, pad,
                      legitimacy, threshold, p_arrest, movement, key, step)
        return
    for chunk in prange(_chunks(n_cit)):
        _decide_chunk(chunk * _CHUNK, min(n_cit, (chunk + 1) * _CHUNK), code, around, cit_x, cit_y,
                      cit_state, cit_jail, hardship, risk_aversion, new_state, target, dxs, dys,
                      offsets, width, height, pad, legitimacy, threshold, p_arrest, movement,
                      key, step)


@alloc_free
def _show_chunk(i0, i1, code, cit_x, cit_y, cit_state, new_state, width, height, pad):
    for i in range(i0, i1):
        if new_state[i] != cit_state[i]:
            cit_state[i] = new_state[i]
            set_code(code, np.int64(cit_x[i]), np.int64(cit_y[i]), new_state[i], width, height, pad)


@kernel(parallel=True)
def _show(code, cit_x, cit_y, cit_state, new_state, width, height, pad, parallel):
    n_cit = cit_x.shape[0]
    if not parallel:
        _show_chunk(0, n_cit, code, cit_x, cit_y, cit_state, new_state, width, height, pad)
        return
    for chunk in prange(_chunks(n_cit)):
        _show_chunk(chunk * _CHUNK, min(n_cit, (chunk + 1) * _CHUNK), code, cit_x, cit_y,
                    cit_state, new_state, width, height, pad)


@alloc_free
def _cops_look_chunk(c0, c1, code, occupant, cop_x, cop_y, victim, target, n_cit, dxs, dys,
                     offsets, width, height, pad, vision, movement, key, step):
    padded_width = width + 2 * pad
    for c in range(c0, c1):
        agent = n_cit + c
        x = np.int64(cop_x[c])
        y = np.int64(cop_y[c])
        center = padded_index(x, y, padded_width, pad)
        n_empty, n_cop_seen, n_active = scan_vision(code, center, vision, padded_width)
        victim[c] = -1
        if n_active > 0:
            n = int(counter_uniform(key, step, agent, PURPOSE_ARREST_PICK) * n_active)
            k = nth_in_vision(code, center, offsets, ACTIVE, n)
            victim[c] = occupant[wrap(y + dys[k], height) * width + wrap(x + dxs[k], width)]
        target[agent] = -1
        if movement and n_empty > 0:
            k = random_empty_in_vision(code, center, offsets, n_empty, key, step, agent)
            target[agent] = wrap(y + dys[k], height) * width + wrap(x + dxs[k], width)


@kernel(parallel=True)
def _cops_look(code, occupant, cop_x, cop_y, victim, target, n_cit, dxs, dys, offsets, width,
               height, pad, vision, movement, key, step, parallel):
    n_cop = cop_x.shape[0]
    if not parallel:
        _cops_look_chunk(0, n_cop, code, occupant, cop_x, cop_y, victim, target, n_cit, dxs, dys,
                         offsets, width, height, pad, vision, movement, key, step)
        return n_cop * offsets.shape[0]
    for chunk in prange(_chunks(n_cop)):
        _cops_look_chunk(chunk * _CHUNK, min(n_cop, (chunk + 1) * _CHUNK), code, occupant, cop_x,
                         cop_y, victim, target, n_cit, dxs, dys, offsets, width, height, pad,
                         vision, movement, key, step)
    return n_cop * offsets.shape[0]


@kernel
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


@alloc_free
def _claim_band(occupant, target, claim, cell0, cell1, key, step, spare):
    """Each mover's claim on its target; the highest claim stays. Branch-free (an empty cell or
    an agent without a target writes to the band's own ``spare`` slot after the cells): the
    occupancy of cells and the outcome of claims are random, so branches on them are
    mispredicted."""
    for cell in range(cell0, cell1):
        a = occupant[cell]
        agent = a if a >= 0 else 0
        t = target[agent]
        t = t if (a >= 0) & (t >= 0) else spare
        value = claim_value(key, step, agent)
        old = claim[t]
        claim[t] = value if value > old else old


@kernel(parallel=True)
def _claim(occupant, target, claim, bands, parity, width, key, step, parallel):
    """Claims of the movers in the bands of one parity (race-free: see the module docstring;
    ``claim`` has one spare slot per band after its ``width * height`` cells)."""
    n_bands = bands.shape[0] - 1
    n_cells = bands[n_bands] * width
    if n_bands == 1 or not parallel:
        if parity == 0:
            _claim_band(occupant, target, claim, 0, n_cells, key, step, n_cells)
        return
    for b in prange(n_bands // 2):
        band = 2 * b + parity
        _claim_band(occupant, target, claim, bands[band] * width, bands[band + 1] * width, key,
                    step, n_cells + band)


@alloc_free
def _move_chunk(a0, a1, code, occupant, cit_x, cit_y, cit_state, cop_x, cop_y, target, claim,
                width, height, pad):
    n_cit = cit_x.shape[0]
    n_moves = 0
    for a in range(a0, a1):
        t = target[a]
        # the winning claim's low word is the winner's id; a loser stays put (it may read the
        # -1 the winner has already written back, which is not its id either)
        if t < 0 or (claim[t] & np.int64(0xFFFFFFFF)) != a:
            continue
        claim[t] = -1  # reset for the next step
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


@kernel(parallel=True)
def _move(code, occupant, cit_x, cit_y, cit_state, cop_x, cop_y, target, claim, width, height, pad,
          parallel):
    n = target.shape[0]
    if not parallel:
        return _move_chunk(0, n, code, occupant, cit_x, cit_y, cit_state, cop_x, cop_y, target,
                           claim, width, height, pad)
    n_moves = 0
    for chunk in prange(_chunks(n)):
        n_moves += _move_chunk(chunk * _CHUNK, min(n, (chunk + 1) * _CHUNK), code, occupant,
                               cit_x, cit_y, cit_state, cop_x, cop_y, target, claim, width,
                               height, pad)
    return n_moves


@kernel
def step_synchronous(code, occupant, cit_x, cit_y, cit_state, cit_jail, hardship, risk_aversion,
                     cop_x, cop_y, cit_dx, cit_dy, cit_off, cop_dx, cop_dy, cop_off, width, height,
                     pad, citizen_vision, cop_vision, legitimacy, threshold, p_arrest,
                     max_jail_term, movement, key, step, prefix, around, new_state, target,
                     victim, claim, bands, work):
    """One synchronous step: count → decide → show → arrest → move (module docstring)."""
    if claim.shape[0] < width * height + bands.shape[0] - 1:
        raise ValueError("claim needs width*height cells plus one spare slot per band")
    n_cit = cit_x.shape[0]
    work[WORK_UPDATES] += n_cit + cop_x.shape[0]
    parallel = n_cit + cop_x.shape[0] >= PARALLEL_MIN_AGENTS  # same results either way
    work[WORK_CELLS_SCANNED] += count_in_vision(code, prefix, around, width, height, pad,
                                                citizen_vision, parallel)
    _decide(code, around, cit_x, cit_y, cit_state, cit_jail, hardship, risk_aversion, new_state,
            target, cit_dx, cit_dy, cit_off, width, height, pad, legitimacy, threshold, p_arrest,
            movement, key, step, parallel)
    _show(code, cit_x, cit_y, cit_state, new_state, width, height, pad, parallel)
    work[WORK_CELLS_SCANNED] += _cops_look(code, occupant, cop_x, cop_y, victim, target, n_cit,
                                           cop_dx, cop_dy, cop_off, width, height, pad,
                                           cop_vision, movement, key, step, parallel)
    work[WORK_ARRESTS] += _arrest(code, cit_x, cit_y, cit_state, cit_jail, victim, target, n_cit,
                                  width, height, pad, max_jail_term, key, step)
    if movement:
        _claim(occupant, target, claim, bands, 0, width, key, step, parallel)
        if parallel and bands.shape[0] - 1 > 1:
            _claim(occupant, target, claim, bands, 1, width, key, step, parallel)
        work[WORK_MOVES] += _move(code, occupant, cit_x, cit_y, cit_state, cop_x, cop_y, target,
                                  claim, width, height, pad, parallel)


@kernel
def run_synchronous(code, occupant, cit_x, cit_y, cit_state, cit_jail, hardship, risk_aversion,
                    cop_x, cop_y, cit_dx, cit_dy, cit_off, cop_dx, cop_dy, cop_off, width, height,
                    pad, citizen_vision, cop_vision, legitimacy_by_step, threshold, p_arrest,
                    max_jail_term, movement, key, first_step, bands, counts, work):
    """Steps ``first_step ..`` with one L per step; counts[t] = (active, quiet, jailed) after each."""
    n_cit = cit_x.shape[0]
    prefix = count_scratch(width, height, pad)
    around = np.empty(width * height, dtype=np.int32)
    new_state = np.empty(n_cit, dtype=np.int8)
    target = np.full(n_cit + cop_x.shape[0], -1, dtype=np.int32)
    victim = np.empty(cop_x.shape[0], dtype=np.int32)
    claim = np.full(width * height + bands.shape[0] - 1, -1, dtype=np.int64)  # + a spare per band
    for t in range(legitimacy_by_step.shape[0]):
        step_synchronous(code, occupant, cit_x, cit_y, cit_state, cit_jail, hardship, risk_aversion,
                         cop_x, cop_y, cit_dx, cit_dy, cit_off, cop_dx, cop_dy, cop_off, width,
                         height, pad, citizen_vision, cop_vision, legitimacy_by_step[t], threshold,
                         p_arrest, max_jail_term, movement, key, first_step + t, prefix, around,
                         new_state, target, victim, claim, bands, work)
        counts[t, 0], counts[t, 1], counts[t, 2] = count_states(cit_state)
