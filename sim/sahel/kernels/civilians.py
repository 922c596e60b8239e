"""The civilian kernels: blame, grievance and recruitment, informing, displacement and return.

Civilians are groups with headcounts (:mod:`sim.sahel.population`). :func:`civilian_update` is
one pass over the groups, in parallel (``prange``): each group reads per-cell fields and writes
only its own row, and every decision is a **count** of people, a binomial draw
(:func:`sim.core.rng.binomial`) seeded by :func:`sim.core.rng.counter_bits` of
(key, step, group, purpose), so results are bit-identical on any number of threads. The moves it
decides are then applied in index order by :func:`apply_moves` (serial: it creates rows).

Rules (parameters in ``population.*``, see docs/ODD.md):

* **Blame** (Condra & Shapiro 2012): new harm by the state side in the group's cell lowers its
  perceived legitimacy, ``L -= s * rel_blame_state * h_state``; harm by insurgents lowers its
  sympathy, ``S -= s * rel_blame_insurgent * h_ins``; both raise or lower remembered harm
  ``M`` (decaying with ``dur_harm_memory``). ``s`` is the harm-to-grievance sensitivity
  (``rel_harm_grievance``): at ``s = 0`` civilian harm does not change attitudes at all.
  Legitimacy relaxes back to its initial value at ``rate_legitimacy_recovery``.
* **Grievance and joining** (generalised Epstein 2002): ``G = H (1 - L) + s M + push``, with
  ``push`` the economic push of blockades and displacement; estimated arrest risk
  ``P = 1 - exp(-k round(C / (1 + A)))`` (:func:`sim.rules.arrest.p_arrest_epstein_2002`) from
  state troops ``C`` and fighters ``A`` within reach; net risk ``N = R P``; social pull
  ``rel_social_pull * A / (A + C + 1)``. In a group with excess ``E = G - N + pull - T > 0``
  and a band within reach, each person joins that band with daily probability
  ``p_join * appeal * (0.5 + S) * min(E / T, 3)``: Epstein's deterministic threshold becomes a
  hazard that grows with how far past the threshold the group is. Joiners leave the group.
* **Displacement** (:mod:`sim.sahel.displacement`): each person of a group at home flees with
  daily chance ``flee_hazard[cell, community] * (0.5 + R)`` (the sum of the causes of flight,
  computed per cell by :func:`sim.sahel.displacement.kernels.flight_hazard`) to the destination
  ``refuge[cell, community]`` chosen for its cell and community; a displaced person returns home
  with daily chance ``return_hazard[home] * exp(-time away / dur_settle)`` (zero until home has
  been secure for months: return is late and partial). Displaced people carry extra hardship
  (``rel_displaced_hardship``) and everyone in a crowded site the site's ``extra_hardship``:
  both raise grievance ``H (1 - L)``, so the displaced can be recruited where they are.
  Movers join their group's sibling row at the destination if it is there (attitudes mixed by
  headcount), move as the whole group if all go, or split off into a new row.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from sim.core.codes import DISPLACED, HOME
from sim.core.jit import kernel
from sim.core.rng import binomial, binomial_py, counter_bits, counter_bits_py
from sim.rules.arrest import p_arrest_epstein_2002, p_arrest_epstein_2002_py
from sim.sahel.displacement.kernels import onward

# purposes of the counter-based draws (one per decision, so they never share a number)
_JOIN, _FLEE, _RETURN = 1, 2, 3

# layout of the parameter vector (built by sim.sahel.phases.civilians.pack_params)
P_S, P_BLAME_STATE, P_BLAME_INS, P_MEMORY_DECAY, P_RECOVERY, P_K, P_T, P_PULL, P_JOIN, \
    P_DISPLACED_HARDSHIP, P_SETTLE, P_DT, P_FEAR_RISK = range(13)
N_PARAMS = 13


CHUNK = 8192
"""Rows per block of :func:`civilian_update_rows`' parallel loop (each block lists its own movers)."""


@kernel(parallel=True)
def civilian_update_rows(n_rows, cell, home, community, status, people, hardship, risk_aversion, legitimacy,
                         sympathy, harm, legitimacy0, appeal,
                         troops_near, fighters_near, harm_state, harm_ins, flee_hazard, return_hazard,
                         extra_hardship, t_displaced, push, fear, refuge, recruiter, params, key, step, joined,
                         moving, joined_rows, moving_rows):
    """Update every group in place; see the module docstring for the rules.

    Per-cell inputs are flat arrays over cells; ``harm_state``/``harm_ins`` are
    ``[cell, community]``; ``recruiter[cell]`` is the band that recruits there (-1 none);
    ``appeal[b, k]`` is the appeal of band ``b``'s faction to community ``k``; ``flee_hazard`` and
    ``refuge`` are ``[cell, community]``, ``return_hazard`` and ``extra_hardship`` per cell; the
    push in a cell is ``push - rel_fear_risk * clip(fear, 0, 1)`` (the economic push less the risk
    fear adds, ``rel_fear_risk * fear``: :func:`sim.rules.levers.deterrence_lyall_2009`). Grievance, risk and pull are computed
    only for groups with a band within reach (elsewhere nobody can join). Writes
    ``joined[i]`` (people of group ``i`` who joined ``recruiter[cell[i]]``, already taken off
    its headcount) and ``moving[i]`` (people who flee, or return home, for :func:`apply_moves`),
    and lists the rows with joiners and the rows with movers, in row order, in
    ``joined_rows[:nj]`` and ``moving_rows[:nm]`` (each at least ``n_rows`` long); returns
    ``(nj, nm)``: ``np.flatnonzero(joined)`` and ``np.flatnonzero(moving)`` without a pass
    over every row.

    The loop runs over blocks of :data:`CHUNK` rows in parallel, each block in row order, with
    unsigned row and cell indices (no negative-index wraparound in the inner loop: rows and
    the cells of non-empty groups are never negative). Each block lists its rows into its own
    stretch of the lists, joined up in block order at the end.
    """
    s = params[P_S]
    dt = params[P_DT]
    keep = math.exp(-dt / params[P_MEMORY_DECAY])
    recover = 1.0 - math.exp(-dt * params[P_RECOVERY])
    n_blocks = (n_rows + CHUNK - 1) // CHUNK
    block_joined = np.zeros(n_blocks, np.int64)
    block_moving = np.zeros(n_blocks, np.int64)
    one = np.uint64(1)
    for blk in prange(n_blocks):
        lo = np.uint64(blk * CHUNK)
        nj = lo  # the block's next slot in joined_rows and moving_rows
        nm = lo
        for i in range(lo, np.uint64(min(blk * CHUNK + CHUNK, n_rows))):
            joined[i] = 0
            moving[i] = 0
            n = np.int64(people[i])
            if n <= 0:
                continue
            c = cell[i]
            k = community[i]
            cu = np.uint64(c)
            ku = np.uint64(k)
            # blame and memory
            hs = harm_state[cu, ku]
            hi = harm_ins[cu, ku]
            lg = legitimacy[i] - s * params[P_BLAME_STATE] * hs
            lg += (legitimacy0[ku] - lg) * recover
            legitimacy[i] = min(max(lg, 0.0), 1.0)
            sy = sympathy[i] - s * params[P_BLAME_INS] * hi
            sympathy[i] = min(max(sy, 0.0), 1.0)
            harm[i] = harm[i] * keep + hs
            # grievance, risk and joining (from the stored float32 values, as the twin does)
            b = recruiter[cu]
            if b >= 0:
                h_eff = hardship[i] + extra_hardship[cu]
                if status[i] == DISPLACED:
                    h_eff += params[P_DISPLACED_HARDSHIP]
                push_c = push[cu] - params[P_FEAR_RISK] * min(max(fear[cu], 0.0), 1.0)
                g = min(h_eff, 1.0) * (1.0 - legitimacy[i]) + s * harm[i] + push_c
                a, ct = fighters_near[cu], troops_near[cu]
                # no troops within reach: P = 1 - exp(-k * 0) = 0 exactly, without the exponential
                p_arrest = 0.0 if ct == 0.0 else p_arrest_epstein_2002(params[P_K], ct, a)
                net_risk = risk_aversion[i] * p_arrest
                excess = g - net_risk + params[P_PULL] * a / (a + ct + 1.0) - params[P_T]
                if excess > 0.0:
                    p = (params[P_JOIN] * appeal[b, ku] * (0.5 + sympathy[i])
                         * min(excess / max(params[P_T], 0.01), 3.0) * dt)
                    j = binomial(n, p, np.uint64(counter_bits(key, step, i, _JOIN)))
                    joined[i] = j
                    people[i] = n - j
                    n -= j
                    if j > 0:
                        joined_rows[nj] = i
                        nj += one
            # displacement and return
            m = 0
            if status[i] == HOME:
                # p > 0 needs a positive hazard (0.5 + R and dt are positive): most cells have none
                fh = flee_hazard[cu, ku]
                if fh > 0.0 and refuge[cu, ku] != c:
                    p = fh * (0.5 + risk_aversion[i]) * dt
                    if p > 0.0:
                        m = binomial(n, p, np.uint64(counter_bits(key, step, i, _FLEE)))
            else:
                back = return_hazard[np.uint64(home[i])]
                if back > 0.0:
                    p = back * math.exp(-(step - t_displaced[i]) / params[P_SETTLE]) * dt
                    m = binomial(n, p, np.uint64(counter_bits(key, step, i, _RETURN)))
            if m > 0:
                moving[i] = m
                moving_rows[nm] = i
                nm += one
        block_joined[blk] = nj - lo
        block_moving[blk] = nm - lo
    n_joined, n_moving = 0, 0
    for blk in range(n_blocks):  # join the blocks' lists up, in block order
        lo = blk * CHUNK
        for r in range(block_joined[blk]):
            joined_rows[n_joined + r] = joined_rows[lo + r]
        for r in range(block_moving[blk]):
            moving_rows[n_moving + r] = moving_rows[lo + r]
        n_joined += block_joined[blk]
        n_moving += block_moving[blk]
    return n_joined, n_moving


@kernel
def civilian_update(n_rows, cell, home, community, status, people, hardship, risk_aversion, legitimacy,
                    sympathy, harm, legitimacy0, appeal,
                    troops_near, fighters_near, harm_state, harm_ins, flee_hazard, return_hazard,
                    extra_hardship, t_displaced, push, fear, refuge, recruiter, params, key, step, joined, moving):
    """:func:`civilian_update_rows` without the lists of rows (``joined`` and ``moving`` only)."""
    civilian_update_rows(n_rows, cell, home, community, status, people, hardship, risk_aversion, legitimacy,
                         sympathy, harm, legitimacy0, appeal, troops_near, fighters_near, harm_state, harm_ins,
                         flee_hazard, return_hazard, extra_hardship, t_displaced, push, fear, refuge, recruiter,
                         params, key, step, joined, moving, np.empty(n_rows, np.int64), np.empty(n_rows, np.int64))


def civilian_update_py(n_rows, cell, home, community, status, people, hardship, risk_aversion, legitimacy,
                       sympathy, harm, legitimacy0, appeal,
                       troops_near, fighters_near, harm_state, harm_ins, flee_hazard, return_hazard,
                       extra_hardship, t_displaced, push, fear, refuge, recruiter, params, key, step, joined, moving):
    """Readable twin of :func:`civilian_update` (same rules, plain Python, float32 columns)."""
    s, dt = params[P_S], params[P_DT]
    keep = math.exp(-dt / params[P_MEMORY_DECAY])
    f32 = np.float32
    for i in range(n_rows):
        joined[i], moving[i] = 0, 0
        n = int(people[i])
        if n <= 0:
            continue
        c, k = cell[i], community[i]
        # Blame: the state side's harm costs legitimacy, insurgents' harm costs sympathy.
        # (float() keeps the arithmetic in float64, as numba does, before storing float32.)
        h_state, h_ins = float(harm_state[c, k]), float(harm_ins[c, k])
        lg = float(legitimacy[i]) - s * params[P_BLAME_STATE] * h_state
        lg += (float(legitimacy0[k]) - lg) * (1.0 - math.exp(-dt * params[P_RECOVERY]))
        legitimacy[i] = f32(min(max(lg, 0.0), 1.0))
        sympathy[i] = f32(min(max(float(sympathy[i]) - s * params[P_BLAME_INS] * h_ins, 0.0), 1.0))
        harm[i] = f32(float(harm[i]) * keep + h_state)
        # Generalised Epstein (2002): join when grievance minus net risk, plus pull, exceeds T.
        # displaced people carry extra hardship, and a crowded site adds its own
        h_eff = float(hardship[i]) + float(extra_hardship[c])
        if status[i] == DISPLACED:
            h_eff += params[P_DISPLACED_HARDSHIP]
        # the economic push less the risk fear adds (rel_fear_risk * fear, sim.rules.levers.deterrence_lyall_2009)
        push_c = float(push[c]) - params[P_FEAR_RISK] * min(max(float(fear[c]), 0.0), 1.0)
        grievance = min(h_eff, 1.0) * (1.0 - float(legitimacy[i])) + s * float(harm[i]) + push_c
        a, ct = float(fighters_near[c]), float(troops_near[c])
        p_arrest = p_arrest_epstein_2002_py(params[P_K], ct, a)
        pull = params[P_PULL] * a / (a + ct + 1.0)
        b = recruiter[c]
        excess = grievance - float(risk_aversion[i]) * p_arrest + pull - params[P_T]
        if b >= 0 and excess > 0.0:
            # the joining hazard grows with the excess over the threshold (in units of T, capped at 3)
            p_join = (params[P_JOIN] * float(appeal[b, k]) * (0.5 + float(sympathy[i]))
                      * min(excess / max(params[P_T], 0.01), 3.0) * dt)
            joined[i] = binomial_py(n, p_join, counter_bits_py(key, step, i, _JOIN))
            n -= int(joined[i])
            people[i] = n
        # Flight (the causes' summed hazard), and late, partial return once home is secure: counts.
        if status[i] == HOME:
            p_flee = float(flee_hazard[c, k]) * (0.5 + float(risk_aversion[i])) * dt
            if refuge[c, k] != c and p_flee > 0.0:
                moving[i] = binomial_py(n, p_flee, counter_bits_py(key, step, i, _FLEE))
        elif return_hazard[home[i]] > 0.0:
            away = step - int(t_displaced[i])
            p_back = float(return_hazard[home[i]]) * math.exp(-away / params[P_SETTLE]) * dt
            moving[i] = binomial_py(n, p_back, counter_bits_py(key, step, i, _RETURN))


def civilian_update_rows_py(n_rows, cell, home, community, status, people, hardship, risk_aversion, legitimacy,
                            sympathy, harm, legitimacy0, appeal,
                            troops_near, fighters_near, harm_state, harm_ins, flee_hazard, return_hazard,
                            extra_hardship, t_displaced, push, fear, refuge, recruiter, params, key, step, joined,
                            moving, joined_rows, moving_rows):
    """Readable twin of :func:`civilian_update_rows`: :func:`civilian_update_py`, then the rows
    with joiners and with movers."""
    civilian_update_py(n_rows, cell, home, community, status, people, hardship, risk_aversion, legitimacy,
                       sympathy, harm, legitimacy0, appeal, troops_near, fighters_near, harm_state, harm_ins,
                       flee_hazard, return_hazard, extra_hardship, t_displaced, push, fear, refuge, recruiter,
                       params, key, step, joined, moving)
    j, m = np.flatnonzero(joined[:n_rows]), np.flatnonzero(moving[:n_rows])
    joined_rows[: j.size], moving_rows[: m.size] = j, m
    return j.size, m.size


@kernel
def apply_moves(n_rows, cell, home, community, status, people, hardship, risk_aversion, legitimacy, sympathy,
                harm, t_displaced, sibling, refuge, moving, step):
    """Move ``moving[i]`` people of each group ``i`` (in index order); return the rows now in use.

    From home they go to ``refuge[cell, community]``, back home when displaced. They join the group's
    ``sibling`` row if that row is at the destination and points back (attitudes mixed by
    headcount), else the whole group moves if all go, else they split off into a new row
    ``n_rows, n_rows + 1, ...`` (the caller has reserved one row per mover)."""
    rows = np.empty(n_rows, np.int64)
    n_moving = 0
    for i in range(n_rows):
        if moving[i] > 0:
            rows[n_moving] = i
            n_moving += 1
    return apply_moves_at(n_rows, rows[:n_moving], cell, home, community, status, people, hardship, risk_aversion,
                          legitimacy, sympathy, harm, t_displaced, sibling, refuge, moving, step)


@kernel
def apply_moves_at(n_rows, rows, cell, home, community, status, people, hardship, risk_aversion, legitimacy,
                   sympathy, harm, t_displaced, sibling, refuge, moving, step):
    """:func:`apply_moves` given the rows with movers, ``rows``, in index order (the rows with
    ``moving > 0``: ``moving_rows`` of :func:`civilian_update_rows`): the same moves, without a
    pass over every row."""
    n_used = n_rows
    for i in rows:
        k = moving[i]
        if k <= 0:
            continue
        leaving_home = status[i] == HOME
        dest = refuge[cell[i], community[i]] if leaving_home else home[i]
        new_status = DISPLACED if leaving_home else HOME
        j = sibling[i]
        if j >= 0 and people[j] > 0 and sibling[j] == i and status[j] == new_status and cell[j] == dest:
            w_old, w_new = float(people[j]), float(k)
            tot = w_old + w_new
            legitimacy[j] = (w_old * legitimacy[j] + w_new * legitimacy[i]) / tot
            sympathy[j] = (w_old * sympathy[j] + w_new * sympathy[i]) / tot
            harm[j] = (w_old * harm[j] + w_new * harm[i]) / tot
            people[j] += k
            people[i] -= k
        elif k == people[i]:
            status[i] = new_status
            cell[i] = dest
            if leaving_home:
                t_displaced[i] = step
            sibling[i] = -1
        else:
            r = n_used
            n_used += 1
            cell[r], home[r], community[r], status[r] = dest, home[i], community[i], new_status
            people[r] = k
            people[i] -= k
            hardship[r], risk_aversion[r] = hardship[i], risk_aversion[i]
            legitimacy[r], sympathy[r], harm[r] = legitimacy[i], sympathy[i], harm[i]
            t_displaced[r] = step if leaving_home else t_displaced[i]
            sibling[r] = i
            sibling[i] = r
    return n_used


def apply_moves_py(n_rows, cell, home, community, status, people, hardship, risk_aversion, legitimacy, sympathy,
                   harm, t_displaced, sibling, refuge, moving, step):
    """Readable twin of :func:`apply_moves`."""
    return apply_moves_at_py(n_rows, np.flatnonzero(moving[:n_rows] > 0), cell, home, community, status, people,
                             hardship, risk_aversion, legitimacy, sympathy, harm, t_displaced, sibling, refuge,
                             moving, step)


def apply_moves_at_py(n_rows, rows, cell, home, community, status, people, hardship, risk_aversion, legitimacy,
                      sympathy, harm, t_displaced, sibling, refuge, moving, step):
    """Readable twin of :func:`apply_moves_at`."""
    n_used = n_rows
    f32 = np.float32
    for i in rows:
        i = int(i)
        k = int(moving[i])
        if k <= 0:
            continue
        leaving_home = status[i] == HOME
        dest = refuge[cell[i], community[i]] if leaving_home else home[i]
        new_status = DISPLACED if leaving_home else HOME
        j = int(sibling[i])
        if j >= 0 and people[j] > 0 and sibling[j] == i and status[j] == new_status and cell[j] == dest:
            # they join their sibling group there: attitudes are mixed by headcount
            w_old, w_new = float(people[j]), float(k)
            for col in (legitimacy, sympathy, harm):
                col[j] = f32((w_old * float(col[j]) + w_new * float(col[i])) / (w_old + w_new))
            people[j] += k
            people[i] -= k
        elif k == people[i]:
            # the whole group moves
            status[i], cell[i], sibling[i] = new_status, dest, -1
            if leaving_home:
                t_displaced[i] = step
        else:
            # the movers split off into a new group with the same attributes
            r = n_used
            n_used += 1
            for col in (home, community, hardship, risk_aversion, legitimacy, sympathy, harm):
                col[r] = col[i]
            cell[r], status[r], people[r] = dest, new_status, k
            t_displaced[r] = step if leaving_home else t_displaced[i]
            people[i] -= k
            sibling[r], sibling[i] = i, r
    return n_used


@kernel
def aggregate_cells(n_rows, cell, home, community, status, people, legitimacy, sympathy, hardship, harm, s,
                    cell_country, abroad, p_onward, key, step, people_cell, people_by_comm, tips, sum_legit,
                    sum_griev, n_alive, civilians_in, displaced_from, displaced_in, refugees_from, cell_start,
                    cell_rows):
    """Onward emigration, then per-cell and per-community aggregates of the civilian groups, and
    the groups of each cell (serial: it scatters); returns the emigrants (people).

    First, where ``p_onward > 0``, each displaced group in a cell with ``abroad[cell]`` loses the
    people who move beyond the modelled area (the draw of
    :func:`sim.sahel.displacement.kernels.emigrate`, same key, step and row). Then it
    fills ``people_cell[cell]`` (civilians present), ``people_by_comm[cell, k]``, ``tips[cell]``
    (people inclined to inform the state: legitimacy above sympathy), per-community
    headcount-weighted sums of legitimacy and grievance ``H (1 - L) + s M`` and headcounts
    ``n_alive``; civilians by the country they are in, displaced people by home country and by
    the country they are in, and refugees (displaced outside their home country) by home country
    (``cell_country`` maps cells to countries); and the rows of each cell's non-empty groups,
    ``cell_rows[cell_start[c]:cell_start[c + 1]]`` in row order (a counting sort).
    """
    people_cell[:] = 0.0
    people_by_comm[:] = 0.0
    tips[:] = 0.0
    sum_legit[:] = 0.0
    sum_griev[:] = 0.0
    n_alive[:] = 0.0
    civilians_in[:] = 0.0
    displaced_from[:] = 0.0
    displaced_in[:] = 0.0
    refugees_from[:] = 0.0
    cell_start[:] = 0
    emigrants = 0
    onward_on = p_onward > 0.0
    # unsigned row and cell indices: no negative-index wraparound (the cells of non-empty groups
    # and their homes are never negative)
    for i in range(np.uint64(n_rows)):
        n = np.int64(people[i])
        if n <= 0:
            continue
        c = np.uint64(cell[i])
        if onward_on and status[i] == DISPLACED and abroad[c]:
            m = onward(n, p_onward, key, step, i)
            people[i] = n - m
            n -= m
            emigrants += m
            if n <= 0:
                continue
        k = np.uint64(community[i])
        people_cell[c] += n
        people_by_comm[c, k] += n
        if legitimacy[i] > sympathy[i]:
            tips[c] += n
        sum_legit[k] += n * legitimacy[i]
        sum_griev[k] += n * (hardship[i] * (1.0 - legitimacy[i]) + s * harm[i])
        n_alive[k] += n
        now = np.uint64(cell_country[c])
        civilians_in[now] += n
        if status[i] == DISPLACED:
            from_ = np.uint64(cell_country[np.uint64(home[i])])
            displaced_from[from_] += n
            displaced_in[now] += n
            if now != from_:
                refugees_from[from_] += n
        cell_start[c + np.uint64(1)] += 1
    for c in range(cell_start.size - 1):
        cell_start[c + 1] += cell_start[c]
    fill = cell_start[:-1].copy()
    for i in range(np.uint64(n_rows)):
        if people[i] > 0:
            c = np.uint64(cell[i])
            cell_rows[np.uint64(fill[c])] = i
            fill[c] += 1
    return emigrants


@kernel
def first_home_rows(n_rows, cell, status, people, slot, first):
    """``first[slot[c]]``: the lowest non-empty row at home in cell ``c``, for the cells with
    ``slot[c] >= 0`` (``first`` is filled with -1 first; -1 stays where there is none). Stops
    once every wanted cell has its row."""
    first[:] = -1
    found = 0
    for i in range(np.uint64(n_rows)):  # unsigned: no wraparound (cells of non-empty groups are >= 0)
        if people[i] > 0 and status[i] == HOME:
            j = slot[np.uint64(cell[i])]
            if j >= 0 and first[j] < 0:
                first[j] = i
                found += 1
                if found == first.size:
                    break


def first_home_rows_py(n_rows, cell, status, people, slot, first):
    """Readable twin of :func:`first_home_rows`."""
    first[:] = -1
    for i in range(n_rows):
        if people[i] > 0 and status[i] == HOME and slot[cell[i]] >= 0 and first[slot[cell[i]]] < 0:
            first[slot[cell[i]]] = i
