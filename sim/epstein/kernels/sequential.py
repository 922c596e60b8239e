"""numba kernels of the civil-violence model: one agent activation, one step, one run.

Arrays in, arrays out; every kernel is compiled with the project's flags (:mod:`sim.core.jit`) and has a plain-Python twin of
the same name in :mod:`sim.epstein.kernels.twins`. Randomness comes only from
:func:`sim.core.rng.counter_uniform` keyed by (seed key, step, agent id, purpose), so a run is a pure
function of its seed.

Update scheme ``sequential`` (Mesa's ``shuffle_do``): each step draws a fresh uniformly random
permutation of all agents, citizens and cops together, by a Fisher-Yates shuffle whose draws
come from the counter generator, and activates them one after another; each agent sees the
moves, activations and arrests of those before it. This is Mesa's random sequential
activation in distribution (every permutation equally likely, independent across steps); the
individual draws differ from Mesa's Mersenne Twister, so single trajectories are not identical,
only their statistics. It is inherently serial.

The synchronous scheme lives in :mod:`sim.epstein.kernels.synchronous`.
"""

from __future__ import annotations

import numpy as np

from sim.core.jit import alloc_free, inline, kernel
from sim.core.rng import below, counter_bits, counter_uniform, splitmix_word
from sim.epstein.grid import ACTIVE, COP, EMPTY, JAILED, QUIET, padded_index, set_code, wrap
from sim.epstein.kernels.prefetch import prefetch, prefetch_write
from sim.epstein.kernels.simd import LANES, MAX_RADIUS, diamond_counts
from sim.rules.arrest import is_active_epstein_2002, round_half_even_ratio

__all__ = [
    "PURPOSE_SHUFFLE", "PURPOSE_ARREST_PICK", "PURPOSE_JAIL_TERM", "PURPOSE_MOVE", "PURPOSE_CLAIM",
    "PURPOSE_MOVE_FALLBACK", "MOVE_TRIES", "nth_in_vision", "random_empty_in_vision",
    "WORK_UPDATES", "WORK_CELLS_SCANNED", "WORK_ARRESTS", "WORK_MOVES", "N_WORK",
    "scan_vision", "citizen_step", "cop_step", "shuffle_order", "step_sequential",
    "count_states", "run_sequential",
]

# Purposes of counter-based draws (the 4th argument of counter_uniform).
PURPOSE_SHUFFLE = 0
PURPOSE_ARREST_PICK = 1
PURPOSE_JAIL_TERM = 2
PURPOSE_CLAIM = 3
PURPOSE_MOVE_FALLBACK = 4
PURPOSE_MOVE = 16  # seeds the rejection-sampling tries (random_empty_in_vision)
MOVE_TRIES = 16

# Deterministic work counters (indices into the ``work`` int64 array).
WORK_UPDATES = 0  # agent activations (jailed citizens included, as in Mesa)
WORK_CELLS_SCANNED = 1  # vision cells read
WORK_ARRESTS = 2
WORK_MOVES = 3
N_WORK = 4


@inline
def scan_vision(code, center, radius, padded_width):
    """Look around: count the empty cells, cops and active citizens in the vision diamond.

    ``center`` is the flat padded index of the looking agent's cell, which is not part of its
    vision (Mesa's ``get_neighborhood`` excludes it): the full diamond is counted and the
    centre taken out afterwards. Radii up to ``simd.MAX_RADIUS`` count a row per vector
    (:func:`sim.epstein.kernels.simd.diamond_counts`), wider ones cell by cell; both give the same
    counts. Returns ``(n_empty, n_cop, n_active)``.
    """
    if radius <= MAX_RADIUS and code.shape[0] >= LANES:
        packed = diamond_counts(code, center, radius, padded_width)
        n_empty = packed & 0xFFFF
        n_cop = (packed >> 16) & 0xFFFF
        n_active = packed >> 32
    else:
        n_empty = 0
        n_cop = 0
        n_active = 0
        for dy in range(-radius, radius + 1):
            half_width = radius - abs(dy)
            row = center + dy * padded_width
            for i in range(row - half_width, row + half_width + 1):
                c = code[i]
                n_empty += c == EMPTY
                n_cop += c == COP
                n_active += c == ACTIVE
    own = code[center]
    return n_empty - (own == EMPTY), n_cop - (own == COP), n_active - (own == ACTIVE)


@inline
def nth_in_vision(code, center, offsets, value, n):
    """Diamond index of the ``n``-th cell (0-based, row-major) of code ``value`` in vision,
    -1 if there are fewer."""
    found = -1
    for j in range(offsets.shape[0]):
        if code[center + offsets[j]] == value:
            if n == 0:
                found = j
                break
            n -= 1
    return found


@inline
def _first_empty_try(code, center, offsets, seed, first_word):
    """Tries ``2 first_word .. 2 first_word + 7`` (four words) of
    :func:`random_empty_in_vision`: the diamond index of the first that lands on an empty cell,
    -1 if none does. All eight are drawn and looked at, and the first hit is kept by a select,
    not a branch: whether a random cell is empty is a coin flip the CPU cannot predict."""
    n_offsets = offsets.shape[0]
    found = -1
    for w in range(first_word, first_word + 4):
        word = splitmix_word(seed, w + 1)
        for bits in (word & np.uint64(0xFFFFFFFF), word >> np.uint64(32)):
            j = below(bits, n_offsets)
            hit = (code[center + offsets[j]] == EMPTY) & (found < 0)
            found = j if hit else found
    return found


@inline
def random_empty_in_vision(code, center, offsets, n_empty, key, step, agent):
    """Diamond index of a uniformly random empty cell in vision (Mesa: ``random.choice``).

    Rejection sampling: tries t = 0, 1, ... each pick a uniformly random cell of the diamond
    and the first empty one wins; after ``MOVE_TRIES`` occupied picks, the ``k``-th empty cell
    for a uniform ``k``. Either way every empty cell is equally likely. Try ``2w`` and ``2w+1``
    are the low and high 32 bits of word ``w + 1`` of a SplitMix64 sequence seeded by one
    counter draw (one mix per two tries), turned into indices by multiply-shift. The tries are
    looked at eight at a time (:func:`_first_empty_try`). ``n_empty`` must be > 0.
    """
    seed = counter_bits(key, step, agent, PURPOSE_MOVE)
    for first_word in range(0, MOVE_TRIES // 2, 4):
        j = _first_empty_try(code, center, offsets, seed, first_word)
        if j >= 0:
            return j
    k = int(counter_uniform(key, step, agent, PURPOSE_MOVE_FALLBACK) * n_empty)
    return nth_in_vision(code, center, offsets, EMPTY, k)


@inline
def _move(code, occupant, xs, ys, agent, index, value, k, dxs, dys, width, height, pad):
    """Move agent ``index`` (occupant id ``agent``, cell code ``value``) by offset ``k``."""
    x = np.int64(xs[index])
    y = np.int64(ys[index])
    nx = wrap(x + dxs[k], width)
    ny = wrap(y + dys[k], height)
    set_code(code, x, y, EMPTY, width, height, pad)
    set_code(code, nx, ny, value, width, height, pad)
    occupant[y * width + x] = -1
    occupant[ny * width + nx] = agent
    xs[index] = nx
    ys[index] = ny


@inline
def citizen_step(i, code, occupant, cit_x, cit_y, cit_state, cit_jail, hardship, risk_aversion,
                 dxs, dys, offsets, width, height, pad, vision, legitimacy, threshold, p_arrest,
                 movement, key, step, work):
    """Mesa's ``Citizen.step``: serve jail time, or decide to be active or quiet, then move."""
    work[WORK_UPDATES] += 1
    if cit_jail[i] > 0:  # in jail: one step served, nothing else happens
        cit_jail[i] -= 1
    else:
        _citizen_acts(i, code, occupant, cit_x, cit_y, cit_state, hardship, risk_aversion, dxs,
                      dys, offsets, width, height, pad, vision, legitimacy, threshold, p_arrest,
                      movement, key, step, work)


@inline
def _citizen_acts(i, code, occupant, cit_x, cit_y, cit_state, hardship, risk_aversion, dxs, dys,
                  offsets, width, height, pad, vision, legitimacy, threshold, p_arrest, movement,
                  key, step, work):
    """A free citizen looks around, turns active or quiet, then moves."""
    x = np.int64(cit_x[i])
    y = np.int64(cit_y[i])
    center = padded_index(x, y, width + 2 * pad, pad)
    n_empty, n_cop, n_active = scan_vision(code, center, vision, width + 2 * pad)
    work[WORK_CELLS_SCANNED] += offsets.shape[0]
    # Mesa counts the citizen herself among the actives: actives_in_vision starts at 1.
    p = p_arrest[round_half_even_ratio(n_cop, n_active + 1)]
    state = ACTIVE if is_active_epstein_2002(np.float64(hardship[i]), np.float64(risk_aversion[i]),
                                             p, legitimacy, threshold) else QUIET
    if state != cit_state[i]:
        cit_state[i] = state
        set_code(code, x, y, state, width, height, pad)
    if movement and n_empty > 0:
        k = random_empty_in_vision(code, center, offsets, n_empty, key, step, i)
        _move(code, occupant, cit_x, cit_y, i, i, state, k, dxs, dys, width, height, pad)
        work[WORK_MOVES] += 1


@inline
def cop_step(c, n_cit, code, occupant, cop_x, cop_y, cit_state, cit_jail, dxs, dys, offsets,
             width, height, pad, vision, max_jail_term, movement, key, step, work):
    """Mesa's ``Cop.step``: arrest one random active citizen in vision, then move."""
    agent = n_cit + c
    work[WORK_UPDATES] += 1
    x = np.int64(cop_x[c])
    y = np.int64(cop_y[c])
    center = padded_index(x, y, width + 2 * pad, pad)
    n_empty, n_cop, n_active = scan_vision(code, center, vision, width + 2 * pad)
    work[WORK_CELLS_SCANNED] += offsets.shape[0]
    if n_active > 0:
        n = int(counter_uniform(key, step, agent, PURPOSE_ARREST_PICK) * n_active)
        k = nth_in_vision(code, center, offsets, ACTIVE, n)
        tx = wrap(x + dxs[k], width)
        ty = wrap(y + dys[k], height)
        victim = occupant[ty * width + tx]
        cit_state[victim] = JAILED
        # Mesa: randint(0, max_jail_term), both ends included.
        cit_jail[victim] = int(counter_uniform(key, step, agent, PURPOSE_JAIL_TERM) * (max_jail_term + 1))
        set_code(code, tx, ty, JAILED, width, height, pad)
        work[WORK_ARRESTS] += 1
    if movement and n_empty > 0:
        k = random_empty_in_vision(code, center, offsets, n_empty, key, step, agent)
        _move(code, occupant, cop_x, cop_y, agent, c, COP, k, dxs, dys, width, height, pad)
        work[WORK_MOVES] += 1


@kernel
def shuffle_order(order, key, step):
    """Fisher-Yates shuffle of ``order`` in place with counter-based draws: a uniformly random
    permutation, independent of the previous one."""
    for i in range(order.shape[0] - 1, 0, -1):
        j = int(counter_uniform(key, step, i, PURPOSE_SHUFFLE) * (i + 1))
        tmp = order[i]
        order[i] = order[j]
        order[j] = tmp


PREFETCH_FAR = 16  # activations ahead whose agent columns are prefetched
PREFETCH_NEAR = 8  # activations ahead whose vision rows are prefetched


@inline
def _prefetch_ahead(order, n, n_agents, n_cit, code, occupant, cit_x, cit_y, cit_state, cit_jail,
                    hardship, risk_aversion, cop_x, cop_y, width, padded_width, pad, radius):
    """Ask for the memory the activations n+PREFETCH_NEAR and n+PREFETCH_FAR will touch."""
    if n + PREFETCH_FAR < n_agents:
        far = order[n + PREFETCH_FAR]
        if far < n_cit:
            prefetch(cit_x, far)
            prefetch(cit_y, far)
            prefetch(cit_jail, far)
            prefetch(cit_state, far)
            prefetch(hardship, far)
            prefetch(risk_aversion, far)
        else:
            prefetch(cop_x, far - n_cit)
            prefetch(cop_y, far - n_cit)
    if n + PREFETCH_NEAR < n_agents:
        near = order[n + PREFETCH_NEAR]
        if near < n_cit:
            x = np.int64(cit_x[near])
            y = np.int64(cit_y[near])
        else:
            x = np.int64(cop_x[near - n_cit])
            y = np.int64(cop_y[near - n_cit])
        prefetch_write(occupant, y * width + x)  # the move writes -1 there
        center = padded_index(x, y, padded_width, pad)
        for dy in range(-radius, radius + 1):
            row = center + dy * padded_width
            prefetch(code, row - radius)
            prefetch(code, row + radius)


@alloc_free
def step_sequential(code, occupant, cit_x, cit_y, cit_state, cit_jail, hardship, risk_aversion,
                    cop_x, cop_y, order, cit_dx, cit_dy, cit_off, cop_dx, cop_dy, cop_off,
                    width, height, pad, citizen_vision, cop_vision, legitimacy, threshold,
                    p_arrest, max_jail_term, movement, key, step, work):
    """One step of random sequential activation (Mesa's ``model.agents.shuffle_do("step")``)."""
    n_cit = cit_x.shape[0]
    n_agents = order.shape[0]
    padded_width = width + 2 * pad
    shuffle_order(order, key, step)
    for n in range(n_agents):
        if PREFETCH_NEAR > 0:
            _prefetch_ahead(order, n, n_agents, n_cit, code, occupant, cit_x, cit_y, cit_state,
                            cit_jail, hardship, risk_aversion, cop_x, cop_y, width, padded_width, pad,
                            max(citizen_vision, cop_vision))
        a = order[n]
        if a < n_cit:
            citizen_step(a, code, occupant, cit_x, cit_y, cit_state, cit_jail, hardship,
                         risk_aversion, cit_dx, cit_dy, cit_off, width, height, pad,
                         citizen_vision, legitimacy, threshold, p_arrest, movement, key, step, work)
        else:
            cop_step(a - n_cit, n_cit, code, occupant, cop_x, cop_y, cit_state, cit_jail,
                     cop_dx, cop_dy, cop_off, width, height, pad, cop_vision, max_jail_term,
                     movement, key, step, work)


@kernel
def count_states(cit_state):
    """(active, quiet, jailed) citizens: Mesa's ``_update_counts``."""
    n_active = 0
    n_quiet = 0
    n_jailed = 0
    for s in cit_state:
        n_active += s == ACTIVE
        n_quiet += s == QUIET
        n_jailed += s == JAILED
    return n_active, n_quiet, n_jailed


@kernel
def run_sequential(code, occupant, cit_x, cit_y, cit_state, cit_jail, hardship, risk_aversion,
                   cop_x, cop_y, order, cit_dx, cit_dy, cit_off, cop_dx, cop_dy, cop_off,
                   width, height, pad, citizen_vision, cop_vision, legitimacy_by_step, threshold,
                   p_arrest, max_jail_term, movement, key, first_step, counts, work):
    """Steps ``first_step .. first_step + len(legitimacy_by_step) - 1``; counts[t] after each."""
    for t in range(legitimacy_by_step.shape[0]):
        step_sequential(code, occupant, cit_x, cit_y, cit_state, cit_jail, hardship, risk_aversion,
                        cop_x, cop_y, order, cit_dx, cit_dy, cit_off, cop_dx, cop_dy, cop_off,
                        width, height, pad, citizen_vision, cop_vision, legitimacy_by_step[t],
                        threshold, p_arrest, max_jail_term, movement, key, first_step + t, work)
        counts[t, 0], counts[t, 1], counts[t, 2] = count_states(cit_state)
