"""Small rules of the levers (issue 11), named after their sources.

* :func:`pattern_of_life` - evidence on a hidden leader accumulates with dwell time under
  surveillance and tips and decays on days when they lapse; the leader is located once the evidence
  passes a threshold drawn once per leader from Exp(1), so the chance of being located after a
  dwell of evidence ``E`` is ``1 - exp(-E)`` (a hazard integrated over time, not a daily coin
  flip). Kress & Szechtman (2009, Operations Research 57:578) model targeting as limited by
  the quality of intelligence; the integration over dwell time is the "pattern of life" of
  targeting practice (assumption on the form).
* :func:`deterrence_lyall_2009` - fear and anger. Lyall (2009, JCR 53:331) finds that Russian
  shelling cut later insurgent attacks by 24% in shelled Chechen villages (fear); Condra &
  Shapiro (2012) find that civilian harm by the counterinsurgent raises later violence (anger,
  the population's ``rel_harm_grievance``). Fear raises the perceived risk of joining and
  lowers insurgent operations in proportion to a saturating fear level in [0, 1].
* :func:`desertion` - unpaid fighters desert (a share each month) and some leave anyway (a
  yearly rate); assumption on the form (DDR literature: fighters leave when pay and prospects
  fail, e.g. Humphreys & Weinstein 2007, JCR 51:531).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["pattern_of_life", "deterrence_lyall_2009", "desertion"]


def pattern_of_life(evidence: np.ndarray, increment: np.ndarray, dur_memory: float,
                    threshold: np.ndarray) -> np.ndarray:
    """Update the evidence in place (add today's ``increment``; where there is none, the
    surveillance has lapsed and the evidence decays by ``exp(-1/dur_memory)``) and return
    whether each leader is located (evidence >= threshold)."""
    evidence[increment <= 0] *= math.exp(-1.0 / dur_memory)
    evidence += np.maximum(increment, 0.0)
    return evidence >= threshold


def deterrence_lyall_2009(fear: np.ndarray | float, rel_fear_risk: float,
                          rel_fear_activity: float) -> tuple[np.ndarray, np.ndarray]:
    """(risk added to joining, factor on insurgent operations) at fear level ``fear`` in [0, 1].

    At ``rel_fear_risk = 0`` state violence adds no risk to joining; at ``rel_fear_activity = 0``
    it deters no operation."""
    f = np.clip(np.asarray(fear, dtype=np.float64), 0.0, 1.0)
    return rel_fear_risk * f, 1.0 - rel_fear_activity * f


def desertion(fighters: float, unpaid: float, p_desert_unpaid_month: float, rate_demobilise_year: float,
              days: float) -> float:
    """Chance that one fighter leaves over ``days``: unpaid fighters (``unpaid`` of
    ``fighters``) desert at a monthly share, everyone demobilises at a yearly rate."""
    if fighters <= 0:
        return 0.0
    share_unpaid = min(max(unpaid / fighters, 0.0), 1.0)
    stay_paid = (1.0 - rate_demobilise_year) ** (days / 365.0)
    stay_unpaid = (1.0 - p_desert_unpaid_month) ** (days / 30.0)
    return 1.0 - stay_paid * (1.0 - share_unpaid * (1.0 - stay_unpaid))
