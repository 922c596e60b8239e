"""Random search: the chance that a searcher finds a target it cannot see in advance.

Koopman, B. O. (1946/1956), "Search and Screening" (OEG Report 56; Operations Research 4:324):
a searcher sweeping a band of width W at speed v for time t over an area A, with the target
placed at random, finds it with probability ``p = 1 - exp(-W v t / A)`` (the random-search
formula). Here ``W v`` is a platform's ``search_km2_per_hour``, ``t`` its hours aloft per day
and ``A`` the area of its orbit, so ``W v t / A`` is the daily detection hazard on a band in
that orbit; several platforms over the same cell add their hazards.

Plain numpy (the platforms are few; the coverage field is rebuilt only when they change).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["koopman_1946_hazard", "koopman_1946_p"]


def koopman_1946_hazard(search_km2_per_hour: float, hours_aloft: float, area_km2: float) -> float:
    """Daily search effort ``W v t / A`` of one platform over its orbit (0 for no area)."""
    if area_km2 <= 0:
        return 0.0
    return search_km2_per_hour * hours_aloft / area_km2


def koopman_1946_p(hazard: np.ndarray | float) -> np.ndarray | float:
    """Chance of detection ``1 - exp(-hazard)`` (random search, Koopman 1946)."""
    if np.isscalar(hazard):
        return 1.0 - math.exp(-float(hazard))
    return 1.0 - np.exp(-np.asarray(hazard))
