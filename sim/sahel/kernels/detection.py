"""Detection kernels of the perceive phase (:mod:`sim.sahel.phases.perceive`): per band, the
ground detection hazard, then today's sightings from the day's uniform draws.

Pure functions of arrays; each has a readable twin (``*_py``) that the tests compare bit for bit
(the same operations in the same order as the numpy code they replaced).
"""

from __future__ import annotations

import numpy as np

from sim.core.jit import kernel
from sim.rules.levers import deterrence_lyall_2009


@kernel
def ground_hazard(cells, country, people, tips, control, troops_near, surv, intel, leak, p_inform, troops_per_presence,
                  k_detect, hazard, intel_b, leak_b):
    """Per band (in cell ``cells[i]``): ``k_detect * (surveillance * presence + intelligence +
    tips)`` where troops are within reach (else 0), with presence ``troops_near /
    troops_per_presence`` and tips the cell's share of informers ``tips / max(people, 1) *
    p_inform * clip(control, 0, 1)``; and its country's intelligence sharing and leak chance."""
    for i in range(cells.size):
        c = cells[i]
        k = country[c]
        tip_share = tips[c] / max(people[c], 1.0) * p_inform * min(max(control[c], 0.0), 1.0)
        h = k_detect * (surv[k] * (troops_near[c] / troops_per_presence) + intel[k] + tip_share)
        hazard[i] = h if troops_near[c] > 0 else 0.0
        intel_b[i] = intel[k]
        leak_b[i] = leak[k]


def ground_hazard_py(cells, country, people, tips, control, troops_near, surv, intel, leak, p_inform,
                     troops_per_presence, k_detect, hazard, intel_b, leak_b):
    """Readable twin of :func:`ground_hazard`, with numpy."""
    k = country[cells]
    tip_share = tips[cells] / np.maximum(people[cells], 1.0) * p_inform * np.clip(control[cells], 0, 1)
    h = k_detect * (surv[k] * (troops_near[cells] / troops_per_presence) + intel[k] + tip_share)
    hazard[:] = np.where(troops_near[cells] > 0, h, 0.0)
    intel_b[:], leak_b[:] = intel[k], leak[k]


@kernel
def sightings(p, u1, u2, u3, intel_b, leak_b, rel_leader, faction, fighters, leaders, detected, leader_detected):
    """Per band with detection chance ``p``: warned by leaked intelligence (``u3 < leak`` where
    intelligence is shared), else detected if ``u1 < p`` and it has fighters; its leaders are
    sighted if also ``u2 < p * rel_leader`` of its faction and it has leaders."""
    for i in range(p.size):
        warned = intel_b[i] > 0 and u3[i] < leak_b[i]
        detected[i] = u1[i] < p[i] and not warned and fighters[i] > 0
        leader_detected[i] = detected[i] and u2[i] < p[i] * rel_leader[faction[i]] and leaders[i] > 0


def sightings_py(p, u1, u2, u3, intel_b, leak_b, rel_leader, faction, fighters, leaders, detected, leader_detected):
    """Readable twin of :func:`sightings`, with numpy."""
    warned = (intel_b > 0) & (u3 < leak_b)
    detected[:] = (u1 < p) & ~warned & (fighters > 0)
    leader_detected[:] = detected & (u2 < p * rel_leader[faction]) & (leaders > 0)


@kernel
def band_evidence(evidence, threshold, warned, rel_leader, faction, hazard, boost, decay, leaders, fighters,
                  leader_detected):
    """Pattern of life on each band's leadership (:func:`sim.rules.levers.pattern_of_life`, per
    band): evidence is lost if the band was warned, grows by ``rel_leader * hazard * boost`` or,
    without any, decays by ``decay``; a band's leaders are located once it reaches their
    threshold (and it has leaders and fighters)."""
    for i in range(evidence.size):
        if warned[i]:
            evidence[i] = 0.0
        inc = rel_leader[faction[i]] * hazard[i] * boost[i]
        if inc <= 0:
            evidence[i] *= decay
        evidence[i] += max(inc, 0.0)
        leader_detected[i] = evidence[i] >= threshold[i] and leaders[i] > 0 and fighters[i] > 0


def band_evidence_py(evidence, threshold, warned, rel_leader, faction, hazard, boost, decay, leaders, fighters,
                     leader_detected):
    """Readable twin of :func:`band_evidence`, with numpy."""
    evidence[warned] = 0.0
    inc = rel_leader[faction] * hazard * boost
    evidence[inc <= 0] *= decay
    evidence += np.maximum(inc, 0.0)
    leader_detected[:] = (evidence >= threshold) & (leaders > 0) & (fighters > 0)


@kernel
def senior_evidence(evidence, threshold, host, warned, hazard, boost, rel_detect_senior, decay, located):
    """Pattern of life on each senior-leader post (:func:`sim.rules.levers.pattern_of_life`):
    a filled post (``host >= 0``) loses its evidence if its host band was warned, and gains
    ``rel_detect_senior * hazard * boost`` of its host band; without a gain the evidence decays
    by ``decay``; the leader is located where a filled post's evidence reaches his threshold."""
    for j in range(evidence.size):
        band = host[j]
        inc = 0.0
        if band >= 0:
            if warned[band]:
                evidence[j] = 0.0
            inc = rel_detect_senior * hazard[band] * boost[band]
        if inc <= 0:
            evidence[j] *= decay
        evidence[j] += max(inc, 0.0)
        located[j] = evidence[j] >= threshold[j] and band >= 0


def senior_evidence_py(evidence, threshold, host, warned, hazard, boost, rel_detect_senior, decay, located):
    """Readable twin of :func:`senior_evidence`, with numpy (``decay`` is ``exp(-1 / memory)``)."""
    filled = host >= 0
    h = np.maximum(host, 0)
    evidence[filled & warned[h]] = 0.0
    inc = np.where(filled, rel_detect_senior * hazard[h] * boost[h], 0.0)
    evidence[inc <= 0] *= decay
    evidence += np.maximum(inc, 0.0)
    located[:] = (evidence >= threshold) & filled


@kernel
def band_operations_factor(t_disrupted, step, rel_disruption, fear, cells, rel_fear_activity, out):
    """Per band: ``rel_disruption`` while its seniors' loss disrupts it (``t_disrupted > step``,
    else 1) times the share of its operations that the fear in its cell does not deter,
    ``1 - rel_fear_activity * clip(fear, 0, 1)`` (:func:`sim.rules.levers.deterrence_lyall_2009`)."""
    for i in range(cells.size):
        f = min(max(fear[cells[i]], 0.0), 1.0)
        out[i] = (rel_disruption if t_disrupted[i] > step else 1.0) * (1.0 - rel_fear_activity * f)


def band_operations_factor_py(t_disrupted, step, rel_disruption, fear, cells, rel_fear_activity, out):
    """Readable twin of :func:`band_operations_factor`, with numpy and the rule."""
    out[:] = np.where(t_disrupted > step, rel_disruption, 1.0) * deterrence_lyall_2009(fear[cells], 0.0,
                                                                                        rel_fear_activity)[1]
