"""The integer codes and domain names shared across the Sahel model, its config and its outputs.

Plain constants (no numpy, no numba), so the config schema can use them without loading a model.
"""

from __future__ import annotations

__all__ = [
    "COMMUNITIES", "URBAN", "CORE_COUNTRIES", "COUNTRY_KEYS", "country_key",
    "HOME", "DISPLACED", "STATUS_NAMES",
    "STATE", "PARTNER", "MILITIA", "INSURGENT", "OWNER_NAMES", "GARRISON", "COLUMN", "ROLE_NAMES",
]

COMMUNITIES = ("farmers", "pastoralists", "nomads", "urban")
"""Sedentary farmers, pastoralists (e.g. Fulani/Peul), northern nomads (Tuareg/Arab), town dwellers."""
URBAN = COMMUNITIES.index("urban")

CORE_COUNTRIES = ("Mali", "Burkina Faso", "Niger")
COUNTRY_KEYS = ("mali", "burkina_faso", "niger")
"""Config keys of the core countries (identifiers, so Hydra overrides can address them)."""


def country_key(name: str) -> str:
    """``"Burkina Faso"`` -> ``"burkina_faso"``."""
    return name.lower().replace(" ", "_").replace("-", "_")


# statuses of a population group (int8): at home, or displaced away from it
HOME, DISPLACED = 0, 1
STATUS_NAMES = ("home", "displaced")

# who a unit belongs to: the perpetrator classes of civilian harm (insurgents come after them)
STATE, PARTNER, MILITIA, INSURGENT = 0, 1, 2, 3
OWNER_NAMES = ("state", "partner", "militia")
# what a unit does
GARRISON, COLUMN = 0, 1
ROLE_NAMES = ("garrison", "column")
