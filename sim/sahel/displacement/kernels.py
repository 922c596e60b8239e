"""Displacement kernels: the flight hazard by cause, the choice of destination, onward emigration.

Pure functions of arrays, each with a readable twin (``*_py``) that ``tests/test_displacement.py``
compares. Parameters come packed in a vector (layout below; built by
:func:`sim.sahel.displacement.flows.pack_params`).

* :func:`flight_hazard` - the daily flight hazard of a person at home (before the
  ``0.5 + risk aversion`` factor of the civilian kernel), per cell and community, as the sum of
  one term per cause (:data:`CAUSES`), each with its own parameter:

  - ``violence``: ``p_flee_violence * (v + rel_violence_near * v_near)``, with ``v`` the cell's
    violence level and ``v_near`` the mean within ``walk_radius`` (a few days' walk);
  - ``coercion``: ``p_flee_coercion * max(-control, 0) * rel_coercion_target[k]`` where fighters
    are within reach: threats and orders to leave, aimed at some communities, with or without
    violent events;
  - ``operations``: ``p_flee_operations * min(troops_near / troops_per_presence, 1)`` where
    fighters are also within reach: clearing operations;
  - ``punishment``: ``p_flee_punishment * h_state[cell, k]``, the harm units by the state side
    among the community in the cell: collective punishment makes its targets flee;
  - ``siege``: ``p_flee_siege * (1 - supplies / supply_days)`` in a town short of supplies:
    hunger and prices.

  In a blockaded town every term is multiplied by ``1 - rel_siege_trap``: its people are
  trapped while the siege holds, and the hunger term is released when it breaks.
* :func:`choose_destinations` - per cell and community with a positive flight hazard, the best
  reachable site (towns within ``flee_radius``, refugee camps within ``camp_radius``,
  precomputed in CSR form), or the cell itself (no flight) if nothing scores better (or if nobody
  there flees). Lower scores are better::

      score = violence - rel_safety_control * control + rel_distance * distance
              + rel_crowding_avoid * crowding - rel_kin * kin share
              + rel_border * [across a border] - rel_camp_protection * [a camp]

  and the cell's own score is ``violence - rel_safety_control * control``. A blockaded site
  cannot be reached.
* :func:`emigrate` - displaced people in a neighbouring (non-core) country leave the modelled
  area with daily chance ``p_onward``: counts drawn with the counter-based generator.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from sim.core.codes import DISPLACED
from sim.core.jit import inline, kernel
from sim.core.rng import binomial, binomial_py, counter_bits, counter_bits_py

#: The causes of flight, in the order of :func:`flight_hazard`'s ``causes`` axis.
CAUSES = ("violence", "coercion", "operations", "punishment", "siege")
C_VIOLENCE, C_COERCION, C_OPERATIONS, C_PUNISHMENT, C_SIEGE = range(5)

# layout of the parameter vector
(Q_VIOLENCE, Q_NEAR, Q_COERCION, Q_OPERATIONS, Q_PUNISHMENT, Q_SIEGE, Q_TRAP, Q_PRESENCE,
 Q_DISTANCE, Q_SAFETY, Q_KIN, Q_CROWD, Q_BORDER, Q_CAMP) = range(14)
N_PARAMS = 14

_ONWARD = 4  # purpose of the counter-based draws of emigrate (civilians' kernel uses 1-3)


@kernel
def flight_hazard(violence, violence_near, control, fighters_near, troops_near, harm_state, hunger, trapped,
                  coercion_target, params, causes, total):
    """Fill ``causes[cause, cell, k]`` (daily hazard by cause) and ``total[cell, k]`` (their sum).

    Per-cell inputs are flat arrays over cells; ``harm_state`` is ``[cell, community]``;
    ``hunger`` is a town's supply shortfall in [0, 1] (0 elsewhere); ``trapped`` marks the cells
    of blockaded towns. Most cells have no cause of flight: a cell whose total was zero and whose
    terms are all zero is left as it is (its causes are zeros already), which saves rewriting
    the whole ``causes`` array each update. Returns the cells it wrote (the others had and have
    a zero total: :func:`choose_destinations_at` need visit only these).
    """
    n_cells, n_comm = harm_state.shape
    written = []
    for c in range(n_cells):
        v = params[Q_VIOLENCE] * (violence[c] + params[Q_NEAR] * violence_near[c])
        armed = fighters_near[c] > 0.0
        coerce = params[Q_COERCION] * max(-control[c], 0.0) if armed else 0.0
        ops = params[Q_OPERATIONS] * min(troops_near[c] / params[Q_PRESENCE], 1.0) if armed else 0.0
        siege = params[Q_SIEGE] * hunger[c]
        keep = 1.0 - params[Q_TRAP] if trapped[c] else 1.0
        if v == 0.0 and coerce == 0.0 and ops == 0.0 and siege == 0.0:
            quiet = True
            for k in range(n_comm):
                if total[c, k] != 0.0 or params[Q_PUNISHMENT] * harm_state[c, k] != 0.0:
                    quiet = False
                    break
            if quiet:
                continue
        written.append(c)
        for k in range(n_comm):
            terms = (v, coerce * coercion_target[k], ops, params[Q_PUNISHMENT] * harm_state[c, k], siege)
            s = 0.0
            for j in range(5):
                causes[j, c, k] = terms[j] * keep
                s += terms[j] * keep
            total[c, k] = s
    return np.array(written, dtype=np.int64)


def flight_hazard_py(violence, violence_near, control, fighters_near, troops_near, harm_state, hunger, trapped,
                     coercion_target, params, causes, total):
    """Readable twin of :func:`flight_hazard` (numpy over all cells at once)."""
    armed = fighters_near > 0.0
    keep = np.where(trapped, 1.0 - params[Q_TRAP], 1.0)[:, None]
    causes[C_VIOLENCE] = (params[Q_VIOLENCE] * (violence + params[Q_NEAR] * violence_near))[:, None]
    causes[C_COERCION] = (np.where(armed, params[Q_COERCION] * np.maximum(-control, 0.0), 0.0)[:, None]
                          * coercion_target[None, :])
    causes[C_OPERATIONS] = np.where(armed, params[Q_OPERATIONS] * np.minimum(troops_near / params[Q_PRESENCE], 1.0),
                                    0.0)[:, None]
    causes[C_PUNISHMENT] = params[Q_PUNISHMENT] * harm_state
    causes[C_SIEGE] = (params[Q_SIEGE] * hunger)[:, None]
    causes *= keep[None, :, :]
    total[:] = causes.sum(axis=0)


@inline
def _choose_cell(c, cand_ptr, cand_site, cand_dist, site_cell, site_country, site_is_camp, site_open,
                 site_crowding, site_kin, violence, control, cell_country, hazard, params, refuge):
    """``refuge[c, k]`` for every community ``k`` of cell ``c`` (see :func:`choose_destinations`)."""
    own = violence[c] - params[Q_SAFETY] * control[c]
    j0, j1 = cand_ptr[c], cand_ptr[c + 1]
    for k in range(refuge.shape[1]):
        best, best_score = c, own
        if hazard[c, k] > 0.0:
            for j in range(j0, j1):
                s = cand_site[j]
                d = site_cell[s]
                if d == c or not site_open[s]:
                    continue
                score = (violence[d] - params[Q_SAFETY] * control[d] + params[Q_DISTANCE] * cand_dist[j]
                         + params[Q_CROWD] * site_crowding[s] - params[Q_KIN] * site_kin[s, k])
                if site_country[s] != cell_country[c]:
                    score += params[Q_BORDER]
                if site_is_camp[s]:
                    score -= params[Q_CAMP]
                if score < best_score:
                    best, best_score = d, score
        refuge[c, k] = best


@kernel
def choose_destinations(cand_ptr, cand_site, cand_dist, site_cell, site_country, site_is_camp, site_open,
                        site_crowding, site_kin, violence, control, cell_country, hazard, params, refuge):
    """Fill ``refuge[cell, k]`` with the best reachable site's cell for community ``k`` (or the
    cell itself). Candidates of cell ``c`` are ``cand_site[cand_ptr[c]:cand_ptr[c + 1]]`` at
    distances ``cand_dist`` (cells); ``site_kin[s, k]`` is community ``k``'s share of the people
    in site ``s``'s cell. Only where the flight hazard ``hazard[cell, k]`` is positive: elsewhere
    nobody leaves, and ``refuge`` is the cell itself."""
    for c in range(refuge.shape[0]):
        _choose_cell(c, cand_ptr, cand_site, cand_dist, site_cell, site_country, site_is_camp, site_open,
                     site_crowding, site_kin, violence, control, cell_country, hazard, params, refuge)


@kernel
def choose_destinations_at(cells, cand_ptr, cand_site, cand_dist, site_cell, site_country, site_is_camp,
                           site_open, site_crowding, site_kin, violence, control, cell_country, hazard, params,
                           refuge):
    """:func:`choose_destinations` for ``cells`` only: the same ``refuge`` when the other cells
    have had a zero hazard since their last visit (their refuge is the cell itself already), as
    for the cells :func:`flight_hazard` did not write."""
    for c in cells:
        _choose_cell(c, cand_ptr, cand_site, cand_dist, site_cell, site_country, site_is_camp, site_open,
                     site_crowding, site_kin, violence, control, cell_country, hazard, params, refuge)


def choose_destinations_py(cand_ptr, cand_site, cand_dist, site_cell, site_country, site_is_camp, site_open,
                           site_crowding, site_kin, violence, control, cell_country, hazard, params, refuge):
    """Readable twin of :func:`choose_destinations`: score every option, keep the lowest (the
    first of equals, the cell itself before any site); the cell itself where nobody flees."""
    n_cells, n_comm = refuge.shape
    for c in range(n_cells):
        for k in range(n_comm):
            options = [(violence[c] - params[Q_SAFETY] * control[c], c)]
            for j in range(cand_ptr[c], cand_ptr[c + 1]):
                s, d = cand_site[j], site_cell[cand_site[j]]
                if d == c or not site_open[s] or not hazard[c, k] > 0.0:
                    continue
                score = (violence[d] - params[Q_SAFETY] * control[d] + params[Q_DISTANCE] * cand_dist[j]
                         + params[Q_CROWD] * site_crowding[s] - params[Q_KIN] * site_kin[s, k]
                         + params[Q_BORDER] * (site_country[s] != cell_country[c])
                         - params[Q_CAMP] * bool(site_is_camp[s]))
                options.append((score, d))
            best = options[0]
            for opt in options[1:]:
                if opt[0] < best[0]:
                    best = opt
            refuge[c, k] = best[1]


@inline
def onward(n, p, key, step, i):
    """How many of the ``n`` people of displaced group ``i`` abroad move on (``emigrate``'s draw)."""
    return binomial(n, p, np.uint64(counter_bits(key, step, i, _ONWARD)))


@kernel(parallel=True)
def emigrate(n_rows, cell, status, people, abroad, p, key, step, left):
    """People of displaced groups in a cell with ``abroad[cell]`` (a non-core country) who move
    beyond the modelled area: ``left[i]`` drawn and taken off the headcount."""
    for i in prange(n_rows):
        left[i] = 0
        n = np.int64(people[i])
        if n > 0 and status[i] == DISPLACED and abroad[cell[i]]:
            m = onward(n, p, key, step, i)
            left[i] = m
            people[i] = n - m


def emigrate_py(n_rows, cell, status, people, abroad, p, key, step, left):
    """Readable twin of :func:`emigrate`."""
    for i in range(n_rows):
        left[i] = 0
        n = int(people[i])
        if n > 0 and status[i] == DISPLACED and abroad[cell[i]]:
            left[i] = binomial_py(n, p, counter_bits_py(key, step, i, _ONWARD))
            people[i] = n - int(left[i])


def secure_homes(secure_days, violence, control, fighters_near, calm, state_zone, dt, dur_secure, p_return):
    """Days each cell has been secure, and the daily chance of return to it (numpy, per cell).

    A cell is secure on an update when its violence is below ``calm`` and it is state-held
    (control >= ``state_zone``) or has no fighters within reach; any insecure update resets its
    count. Return opens (``p_return``) only once the count reaches ``dur_secure`` days: a quiet
    fortnight is not enough.
    """
    secure = (violence < calm) & ((control >= state_zone) | (fighters_near == 0.0))
    days = np.where(secure, secure_days + dt, 0.0)
    return days, np.where(days >= dur_secure, p_return, 0.0)


@kernel
def update_secure_homes(secure_days, violence, control, fighters_near, calm, state_zone, dt, dur_secure, p_return,
                        return_hazard):
    """:func:`secure_homes` in one pass, in place: ``secure_days`` and ``return_hazard`` per cell."""
    for c in range(secure_days.size):
        if violence[c] < calm and (control[c] >= state_zone or fighters_near[c] == 0.0):
            secure_days[c] = secure_days[c] + dt
        else:
            secure_days[c] = 0.0
        return_hazard[c] = p_return if secure_days[c] >= dur_secure else 0.0


def hunger_of(supplies: np.ndarray, supply_days: float) -> np.ndarray:
    """A town's supply shortfall in [0, 1]."""
    return np.clip(1.0 - supplies / supply_days, 0.0, 1.0)


__all__ = ["CAUSES", "N_PARAMS", "flight_hazard", "flight_hazard_py", "choose_destinations", "choose_destinations_at",
           "choose_destinations_py", "emigrate", "emigrate_py", "onward", "hunger_of", "secure_homes", "update_secure_homes"]
