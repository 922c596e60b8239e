"""Engagement rules: expected enemy losses from one engagement, chosen by ``mechanisms.attrition``.

Each rule maps (``k_fire``, shooters, their quality, whether the fire is aimed,
``rel_area_fire``) to expected losses of the other side; the caller draws the losses (Poisson).

* :func:`deitchman_1962`: Deitchman, S. J. (1962), "A Lanchester model of guerrilla warfare",
  Operations Research 10(6): 818-827. Fire at a located enemy is aimed (losses proportional to
  the shooters); fire at an unlocated one is area fire, whose effect per shooter is lower,
  here ``rel_area_fire`` times that of aimed fire.
* :func:`lanchester_square`: Lanchester, F. W. (1916), "Aircraft in Warfare": every shooter
  fires aimed, so losses are proportional to the shooters whatever the detection (the
  square law's attrition term).
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["RULES", "deitchman_1962", "lanchester_square", "expected_losses"]


def deitchman_1962(k_fire: float, shooters: float, quality: float, aimed: bool, rel_area_fire: float) -> float:
    """Aimed fire ``k_fire * shooters * quality``; area fire ``rel_area_fire`` times that."""
    return k_fire * shooters * quality * (1.0 if aimed else rel_area_fire)


def lanchester_square(k_fire: float, shooters: float, quality: float, aimed: bool, rel_area_fire: float) -> float:
    """All fire aimed: ``k_fire * shooters * quality`` (``aimed`` and ``rel_area_fire`` unused)."""
    return k_fire * shooters * quality * 1.0


RULES: dict[str, Callable[[float, float, float, bool, float], float]] = {
    "deitchman_1962": deitchman_1962,
    "lanchester_square": lanchester_square,
}
"""The rules by the name ``mechanisms.attrition`` gives."""


def expected_losses(rule: str, k_fire: float, shooters: float, quality: float, aimed: bool,
                    rel_area_fire: float) -> float:
    """Expected losses under the rule named ``rule`` (a key of :data:`RULES`)."""
    return RULES[rule](k_fire, shooters, quality, aimed, rel_area_fire)
