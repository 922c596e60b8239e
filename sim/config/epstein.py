"""Typed configuration of the Epstein (2002) civil-violence replication mode.

Every field is a config key (Hydra/OmegaConf structured-config compatible: frozen dataclasses
with defaults and only int, float, str, bool, list and dataclass fields). ``__post_init__``
validates each key and raises a ``ValueError`` naming the key, the value and what is allowed.

Defaults are Mesa's ``EpsteinScenario`` defaults (Mesa 3.5,
``mesa/examples/advanced/epstein_civil_violence/model.py``), which follow Epstein (2002),
"Modeling civil violence: an agent-based computational approach", PNAS 99 suppl. 3: 7243-7250,
Run 1 apart from the cop density and jail term. The app/NetLogo settings are cop density 0.04,
legitimacy 0.82, max jail term 30 (see :data:`NETLOGO_SETTINGS`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.core.params import ConfigError

__all__ = ["EpsteinConfig", "LegitimacyChange", "UPDATE_SCHEMES", "NETLOGO_SETTINGS"]

#: ``sequential``: Mesa's random sequential activation (exact rules, serial; kernels.py).
#: ``tiled``: random sequential within tiles, far-apart tiles in parallel (kernels_tiled.py).
#: ``synchronous``: every agent decides from the previous state, in parallel (kernels_sync.py).
UPDATE_SCHEMES = ("sequential", "tiled", "synchronous")

#: Settings of Mesa's app and NetLogo's Rebellion model (and Epstein 2002, Run 1's J_max).
NETLOGO_SETTINGS = {"cop_density": 0.04, "legitimacy": 0.82, "max_jail_term": 30}

_MAX_JAIL_TERM = 32767  # jail sentences are stored as int16
_MAX_CELLS = 2**31 - 1  # cells are indexed with int32
_MAX_SIDE = 32767  # coordinates are stored as int16


def _fail(key: str, value: object, allowed: str) -> None:
    raise ConfigError(f"epstein.{key}", value, allowed)


@dataclass(frozen=True)
class LegitimacyChange:
    """A dated change of legitimacy L.

    From step ``step`` on (steps count from 1), L moves from its current level to
    ``legitimacy``: at once when ``ramp_steps == 0``, otherwise linearly, reaching the new level
    at step ``step + ramp_steps - 1`` (one equal decrement per step: Epstein's gradual decline).
    """

    step: int = 1
    legitimacy: float = 0.8
    ramp_steps: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.step, bool) or not isinstance(self.step, int) or self.step < 1:
            _fail("legitimacy_schedule[].step", self.step, "an integer >= 1")
        if not 0.0 <= float(self.legitimacy) <= 1.0:
            _fail("legitimacy_schedule[].legitimacy", self.legitimacy, "a number in [0, 1]")
        if isinstance(self.ramp_steps, bool) or not isinstance(self.ramp_steps, int) or self.ramp_steps < 0:
            _fail("legitimacy_schedule[].ramp_steps", self.ramp_steps, "an integer >= 0")


@dataclass(frozen=True)
class EpsteinConfig:
    """Parameters of the civil-violence model (Epstein 2002, Model I) on a von Neumann torus."""

    width: int = 40
    height: int = 40
    citizen_density: float = 0.7
    cop_density: float = 0.074
    citizen_vision: int = 7
    cop_vision: int = 7
    legitimacy: float = 0.8
    max_jail_term: int = 1000
    active_threshold: float = 0.1
    arrest_prob_constant: float = 2.3
    movement: bool = True
    steps: int = 200
    update: str = "sequential"
    legitimacy_schedule: list[LegitimacyChange] = field(default_factory=list)

    def __post_init__(self) -> None:
        for key in ("width", "height", "citizen_vision", "cop_vision", "max_jail_term", "steps"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int):
                _fail(key, value, "an integer")
        for key in ("citizen_vision", "cop_vision"):
            if getattr(self, key) < 1:
                _fail(key, getattr(self, key), "an integer >= 1")
        # The padded-grid neighbourhood scan needs the diamond not to wrap onto itself, which
        # is also when Mesa's de-duplicated torus neighbourhood is the full 2r(r+1)-cell diamond.
        vision = max(self.citizen_vision, self.cop_vision)
        for key in ("width", "height"):
            if getattr(self, key) < 2 * vision + 1:
                _fail(key, getattr(self, key), f"an integer >= 2*max(citizen_vision, cop_vision)+1 = {2 * vision + 1}")
        for key in ("width", "height"):
            if getattr(self, key) > _MAX_SIDE:
                _fail(key, getattr(self, key), f"an integer <= {_MAX_SIDE} (coordinates are int16)")
        if self.width * self.height > _MAX_CELLS:
            _fail("width", self.width, f"width*height <= {_MAX_CELLS}")
        if not 0 <= self.max_jail_term <= _MAX_JAIL_TERM:
            _fail("max_jail_term", self.max_jail_term, f"an integer in [0, {_MAX_JAIL_TERM}]")
        if self.steps < 0:
            _fail("steps", self.steps, "an integer >= 0")
        for key in ("citizen_density", "cop_density", "legitimacy"):
            if not 0.0 <= float(getattr(self, key)) <= 1.0:
                _fail(key, getattr(self, key), "a number in [0, 1]")
        if self.citizen_density + self.cop_density > 1.0:
            _fail("cop_density", self.cop_density, f"citizen_density + cop_density <= 1 (citizen_density={self.citizen_density})")
        if not -1.0 <= float(self.active_threshold) <= 1.0:
            _fail("active_threshold", self.active_threshold, "a number in [-1, 1]")
        if not 0.0 <= float(self.arrest_prob_constant) <= 100.0:
            _fail("arrest_prob_constant", self.arrest_prob_constant, "a number in [0, 100]")
        if not isinstance(self.movement, bool):
            _fail("movement", self.movement, "true or false")
        if self.update not in UPDATE_SCHEMES:
            _fail("update", self.update, f"one of {list(UPDATE_SCHEMES)}")
        previous = 0
        for i, change in enumerate(self.legitimacy_schedule):
            if not isinstance(change, LegitimacyChange):
                _fail(f"legitimacy_schedule[{i}]", change, "a LegitimacyChange(step, legitimacy, ramp_steps)")
            if change.step <= previous:
                _fail(f"legitimacy_schedule[{i}].step", change.step, f"steps strictly increasing (> {previous})")
            previous = change.step

    @property
    def n_cells(self) -> int:
        return self.width * self.height
