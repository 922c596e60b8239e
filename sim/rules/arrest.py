"""Arrest risk and activation: the rules of Epstein's civil-violence model, named after their source.

Epstein, J. M. (2002). "Modeling civil violence: an agent-based computational approach."
PNAS 99 (suppl. 3): 7243-7250. Model I ("generalized deterrence"), as implemented in Mesa's
example ``epstein_civil_violence`` (Mesa 3.5, ``agents.py``).

The Sahel model's civilians estimate their arrest risk with the same rule
(:func:`p_arrest_epstein_2002`), counting state troops as cops and fighters as actives.

Each rule is a small compiled function (:mod:`sim.core.jit`) with a plain-Python twin (``*_py``).
"""

from __future__ import annotations

import math

import numpy as np

from sim.core.jit import inline

__all__ = [
    "round_half_even_ratio",
    "round_half_even_ratio_py",
    "arrest_probability_table_epstein_2002",
    "is_active_epstein_2002",
    "is_active_epstein_2002_py",
    "p_arrest_epstein_2002",
    "p_arrest_epstein_2002_py",
]


@inline
def round_half_even_ratio(numerator: int, denominator: int) -> int:
    """``round(numerator / denominator)`` with ties to even.

    Mesa computes ``round(cops_in_vision / actives_in_vision)`` with Python's ``round``: the
    float64 quotient rounded half to even. This is the same expression (``np.rint`` rounds half
    to even), so it agrees with Mesa by construction. A float division pipelines better than a
    64-bit integer one: about 4 % on the sequential step.
    """
    return int(np.rint(numerator / denominator))


def round_half_even_ratio_py(numerator: int, denominator: int) -> int:
    """Plain-Python twin of :func:`round_half_even_ratio`: literally Mesa's expression."""
    return round(numerator / denominator)


def arrest_probability_table_epstein_2002(k: float, max_ratio: int) -> np.ndarray:
    """Estimated arrest probability P = 1 - exp(-k * round(C / A)) for every possible ratio.

    Epstein (2002), eq. for P: P = 1 - exp(-k (C/A)_v), k = 2.3 (his constant), where C and A
    are the cops and active citizens in vision and A counts the citizen herself. The rounding
    is not in the paper; Mesa and NetLogo add it because without it the published dynamics are
    not reproduced (Mesa rounds half to even, NetLogo floors). Indexed by the rounded ratio
    ``0..max_ratio``; computed with ``math.exp`` in float64 exactly as Mesa does.
    """
    return np.array([1.0 - math.exp(-1 * k * n) for n in range(max_ratio + 1)], dtype=np.float64)


@inline
def is_active_epstein_2002(
    hardship: float, risk_aversion: float, p_arrest: float, legitimacy: float, threshold: float
) -> bool:
    """Epstein's activation rule: grievance G = H(1 - L), net risk N = R * P; active iff G - N > T."""
    grievance = hardship * (1.0 - legitimacy)
    return grievance - risk_aversion * p_arrest > threshold


def is_active_epstein_2002_py(
    hardship: float, risk_aversion: float, p_arrest: float, legitimacy: float, threshold: float
) -> bool:
    """Plain-Python twin of :func:`is_active_epstein_2002`."""
    grievance = float(hardship) * (1.0 - legitimacy)
    return grievance - float(risk_aversion) * p_arrest > threshold


@inline
def p_arrest_epstein_2002(k: float, cops: float, actives_besides_self: float) -> float:
    """Estimated arrest probability P = 1 - exp(-k round(C / (1 + A))) over float counts.

    Epstein (2002), eq. for P with the citizen counted among the actives (the ``1 +``) and the
    ratio rounded half to even, as Mesa does; used by the Sahel civilians, where ``cops`` are
    state troops and ``actives_besides_self`` insurgent fighters within reach (people).
    """
    return 1.0 - math.exp(-k * np.rint(cops / (1.0 + actives_besides_self)))


def p_arrest_epstein_2002_py(k: float, cops: float, actives_besides_self: float) -> float:
    """Plain-Python twin of :func:`p_arrest_epstein_2002`."""
    return 1.0 - math.exp(-k * np.rint(float(cops) / (1.0 + float(actives_besides_self))))
