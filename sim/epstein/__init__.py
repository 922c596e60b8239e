"""Epstein (2002) civil-violence replication mode, on the project's kernel machinery.

Epstein, J. M. (2002). "Modeling civil violence: an agent-based computational approach."
PNAS 99 (suppl. 3): 7243-7250. Rules as in Mesa's example ``epstein_civil_violence``
(Mesa 3.5); docs/epstein.md lists the rules, the deviations and the validation against Mesa.

>>> from sim.epstein import EpsteinConfig, run_epstein
>>> result = run_epstein(EpsteinConfig(steps=10), seed=1)
>>> result.active.shape
(11,)
"""

from sim.config.epstein import NETLOGO_SETTINGS, UPDATE_SCHEMES, EpsteinConfig, LegitimacyChange
from sim.epstein.model import WORK_NAMES, EpsteinResult, legitimacy_by_step, run_epstein
from sim.epstein.state import EpsteinState, bytes_per_agent, init_state

__all__ = [
    "EpsteinConfig",
    "LegitimacyChange",
    "EpsteinResult",
    "EpsteinState",
    "run_epstein",
    "legitimacy_by_step",
    "init_state",
    "bytes_per_agent",
    "NETLOGO_SETTINGS",
    "UPDATE_SCHEMES",
    "WORK_NAMES",
]
