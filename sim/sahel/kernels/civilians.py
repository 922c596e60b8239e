"""The civilian kernel: blame, grievance and recruitment, informing, displacement and return.

One pass over the population agents, in parallel (``prange``): each agent reads per-cell fields
and writes only its own columns, and every random draw is :func:`sim.core.rng.counter_uniform` of
(key, step, agent, purpose), so results are bit-identical on any number of threads.

Rules (parameters in ``population.*``, see docs/ODD.md):

* **Blame** (Condra & Shapiro 2012): new harm by the state side in the agent's cell lowers its
  perceived legitimacy, ``L -= s * rel_blame_state * h_state``; harm by insurgents lowers its
  sympathy, ``S -= s * rel_blame_insurgent * h_ins``; both raise or lower remembered harm
  ``M`` (decaying with ``dur_harm_memory``). ``s`` is the harm-to-grievance sensitivity
  (``rel_harm_grievance``): at ``s = 0`` civilian harm does not change attitudes at all.
  Legitimacy relaxes back to its initial value at ``rate_legitimacy_recovery``.
* **Grievance and joining** (generalised Epstein 2002): ``G = H (1 - L) + s M + push``, with
  ``push`` the economic push of blockades and displacement; estimated arrest risk
  ``P = 1 - exp(-k round(C / (1 + A)))`` from state troops ``C`` and fighters ``A`` within reach;
  net risk ``N = R P``; social pull ``rel_social_pull * A / (A + C + 1)``. A civilian with
  excess ``E = G - N + pull - T > 0`` and a band within reach joins that band with daily
  probability ``p_join * appeal * (0.5 + S) * min(E / T, 3)``: Epstein's deterministic
  threshold becomes a hazard that grows with how far past the threshold a civilian is.
* **Displacement** (violence-driven flight): daily chance ``p_flee * violence * (0.5 + R)`` to
  move to the refuge cell precomputed for the agent's cell; displaced people return home with
  daily chance ``p_return`` once home's violence is below ``calm``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from sim.core.codes import DEAD, DISPLACED, HOME, RECRUITED
from sim.core.jit import kernel
from sim.core.rng import counter_uniform, counter_uniform_py
from sim.rules.arrest import p_arrest_epstein_2002, p_arrest_epstein_2002_py

# purposes of the counter-based draws (one per decision, so they never share a number)
_JOIN, _FLEE, _RETURN = 1, 2, 3

# layout of the parameter vector (built by sim.sahel.phases.civilians.pack_params)
P_S, P_BLAME_STATE, P_BLAME_INS, P_MEMORY_DECAY, P_RECOVERY, P_K, P_T, P_PULL, P_JOIN, P_FLEE, \
    P_RETURN, P_CALM, P_DT = range(13)
N_PARAMS = 13


@kernel(parallel=True)
def civilian_update(cell, home, community, status, band, hardship, risk_aversion, legitimacy,
                    sympathy, harm, t_displaced, legitimacy0, appeal,
                    troops_near, fighters_near, harm_state, harm_ins, violence, push, refuge,
                    recruiter, params, key, step):
    """Update every living civilian agent in place; see the module docstring for the rules.

    Per-cell inputs are flat arrays over cells; ``harm_state``/``harm_ins`` are
    ``[cell, community]``; ``recruiter[cell]`` is the band that recruits there (-1 none);
    ``appeal[b, k]`` is the appeal of band ``b``'s faction to community ``k``.
    """
    s = params[P_S]
    dt = params[P_DT]
    keep = math.exp(-dt / params[P_MEMORY_DECAY])
    for i in prange(cell.size):
        st = status[i]
        if st == DEAD or st == RECRUITED:
            continue
        c = cell[i]
        k = community[i]
        # blame and memory
        hs = harm_state[c, k]
        hi = harm_ins[c, k]
        lg = legitimacy[i] - s * params[P_BLAME_STATE] * hs
        lg += (legitimacy0[k] - lg) * (1.0 - math.exp(-dt * params[P_RECOVERY]))
        legitimacy[i] = min(max(lg, 0.0), 1.0)
        sy = sympathy[i] - s * params[P_BLAME_INS] * hi
        sympathy[i] = min(max(sy, 0.0), 1.0)
        harm[i] = harm[i] * keep + hs
        # grievance, risk and joining (from the stored float32 values, as the twin does)
        g = hardship[i] * (1.0 - legitimacy[i]) + s * harm[i] + push[c]
        a = fighters_near[c]
        ct = troops_near[c]
        p_arrest = p_arrest_epstein_2002(params[P_K], ct, a)
        net_risk = risk_aversion[i] * p_arrest
        pull = params[P_PULL] * a / (a + ct + 1.0)
        b = recruiter[c]
        excess = g - net_risk + pull - params[P_T]
        if b >= 0 and excess > 0.0:
            p = params[P_JOIN] * appeal[b, k] * (0.5 + sympathy[i]) * min(excess / max(params[P_T], 0.01), 3.0) * dt
            if counter_uniform(key, step, i, _JOIN) < p:
                status[i] = RECRUITED
                band[i] = b
                continue
        # displacement and return
        if st == HOME:
            p = params[P_FLEE] * violence[c] * (0.5 + risk_aversion[i]) * dt
            if refuge[c] != c and counter_uniform(key, step, i, _FLEE) < p:
                status[i] = DISPLACED
                cell[i] = refuge[c]
                t_displaced[i] = step
        elif st == DISPLACED:
            if violence[home[i]] < params[P_CALM] and counter_uniform(key, step, i, _RETURN) < params[P_RETURN] * dt:
                status[i] = HOME
                cell[i] = home[i]


def civilian_update_py(cell, home, community, status, band, hardship, risk_aversion, legitimacy,
                       sympathy, harm, t_displaced, legitimacy0, appeal,
                       troops_near, fighters_near, harm_state, harm_ins, violence, push, refuge,
                       recruiter, params, key, step):
    """Readable twin of :func:`civilian_update` (same rules, plain Python, float32 columns)."""
    s, dt = params[P_S], params[P_DT]
    keep = math.exp(-dt / params[P_MEMORY_DECAY])
    f32 = np.float32
    for i in range(cell.size):
        if status[i] in (DEAD, RECRUITED):
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
        grievance = float(hardship[i]) * (1.0 - float(legitimacy[i])) + s * float(harm[i]) + float(push[c])
        a, ct = float(fighters_near[c]), float(troops_near[c])
        p_arrest = p_arrest_epstein_2002_py(params[P_K], ct, a)
        pull = params[P_PULL] * a / (a + ct + 1.0)
        b = recruiter[c]
        excess = grievance - float(risk_aversion[i]) * p_arrest + pull - params[P_T]
        if b >= 0 and excess > 0.0:
            # the joining hazard grows with the excess over the threshold (in units of T, capped at 3)
            p_join = (params[P_JOIN] * float(appeal[b, k]) * (0.5 + float(sympathy[i]))
                      * min(excess / max(params[P_T], 0.01), 3.0) * dt)
            if counter_uniform_py(key, step, i, _JOIN) < p_join:
                status[i], band[i] = RECRUITED, b
                continue
        # Flight from violence, and return once home is calm.
        if status[i] == HOME:
            p_flee = params[P_FLEE] * float(violence[c]) * (0.5 + float(risk_aversion[i])) * dt
            if refuge[c] != c and counter_uniform_py(key, step, i, _FLEE) < p_flee:
                status[i], cell[i], t_displaced[i] = DISPLACED, refuge[c], step
        elif status[i] == DISPLACED:
            if violence[home[i]] < params[P_CALM] and counter_uniform_py(key, step, i, _RETURN) < params[P_RETURN] * dt:
                status[i], cell[i] = HOME, home[i]


@kernel
def aggregate_cells(cell, community, status, legitimacy, sympathy, hardship, harm, s, n_communities,
                    people_per_agent, people, people_by_comm, tips, sum_legit, sum_griev, n_alive):
    """Per-cell and per-community aggregates of the civilian agents (serial: it scatters).

    Fills ``people[cell]`` (civilians present), ``people_by_comm[cell, k]``, ``tips[cell]``
    (people inclined to inform the state: legitimacy above sympathy), and per-community sums of
    legitimacy and grievance ``H (1 - L) + s M`` over living civilians.
    """
    people[:] = 0.0
    people_by_comm[:] = 0.0
    tips[:] = 0.0
    sum_legit[:] = 0.0
    sum_griev[:] = 0.0
    n_alive[:] = 0
    for i in range(cell.size):
        st = status[i]
        if st == DEAD or st == RECRUITED:
            continue
        c = cell[i]
        k = community[i]
        people[c] += people_per_agent
        people_by_comm[c, k] += people_per_agent
        if legitimacy[i] > sympathy[i]:
            tips[c] += people_per_agent
        sum_legit[k] += legitimacy[i]
        sum_griev[k] += hardship[i] * (1.0 - legitimacy[i]) + s * harm[i]
        n_alive[k] += 1
