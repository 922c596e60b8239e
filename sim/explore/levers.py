"""The explorer's levers: which config keys a student can change, and in what range.

A lever is a dotted config key plus how to show it. The list is read off a composed
:class:`~sim.config.Config` (one doctrine and one discrimination lever per country in
``state.forces``, one presence switch per partner profile, one sharing slider per intelligence
partner), and each lever's range and choices come from the schema's own
:func:`~sim.core.params.param` metadata, so a new country, partner or bound reaches the app
without edits. Where the schema sets no upper bound, the slider stops at the plausible range
quoted in the parameter's ``source`` (:data:`UI_MAX`); values are still validated by the
schema, never clamped.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from sim.config import Config

__all__ = ["Lever", "levers_for", "field_meta", "get_value", "UI_MAX"]

UI_MAX: dict[str, float] = {
    "intel_sharing": 1.5,         # scenario intel_sharing_uplift: plausible range 0.2-1.0
    "rel_harm_grievance": 3.0,    # schema source: assumption (0-3)
    "people_per_agent": 5000,     # schema source: resolution, docs/resolution.md (100-4000)
}
"""Slider ends for parameters the schema bounds only from below."""

UI_MIN: dict[str, float] = {"people_per_agent": 100}
"""Slider starts above the schema's bound where smaller values would be too slow to explore."""


@dataclass(frozen=True)
class Lever:
    """One control: ``widget`` is ``select``, ``slider``, ``int_slider``, ``switch`` or ``int``."""

    key: str
    label: str
    widget: str
    group: str
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    choices: tuple[str, ...] | None = None
    doc: str = ""


def _walk(cfg: Config, key: str) -> tuple[Any, str, dict]:
    """The parent object of ``key``, its last part and the declared metadata of that field."""
    obj: Any = cfg
    parts = key.split(".")
    meta: dict = {}
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if dataclasses.is_dataclass(obj):
            fields = {f.name: f for f in dataclasses.fields(obj)}
            if part not in fields:
                raise KeyError(f"no config key {key!r} (at {part!r})")
            meta = dict(fields[part].metadata)
            if last:
                return obj, part, meta
            obj = getattr(obj, part)
        elif isinstance(obj, dict):
            if part not in obj:
                raise KeyError(f"no config key {key!r} (at {part!r})")
            if last:
                return obj, part, meta
            obj = obj[part]
        else:
            raise KeyError(f"no config key {key!r}")
    raise KeyError(key)


def field_meta(cfg: Config, key: str) -> dict:
    """The schema metadata (doc, unit, lo, hi, choices, ...) declared for a dotted key."""
    return _walk(cfg, key)[2]


def get_value(cfg: Config, key: str) -> Any:
    """The value of a dotted key in a Config (``state.forces.mali.doctrine``)."""
    parent, name, _ = _walk(cfg, key)
    return parent[name] if isinstance(parent, dict) else getattr(parent, name)


def _numeric(cfg: Config, key: str, label: str, group: str, step: float, integer: bool = False) -> Lever:
    meta = field_meta(cfg, key)
    name = key.rsplit(".", 1)[-1]
    lo = meta.get("lo") if meta.get("lo") is not None else 0.0
    lo = max(lo, UI_MIN.get(name, lo))
    hi = meta.get("hi") if meta.get("hi") is not None else UI_MAX[name]
    widget = "int_slider" if integer else "slider"
    return Lever(key, label, widget, group, lo=lo, hi=hi, step=step, doc=meta.get("doc", ""))


def _window(cfg: Config, profile) -> str:
    """When a partner profile would be present within the run (if switched on), in words."""
    start, end = cfg.start_date, cfg.end_date
    if profile.departure <= start or profile.arrival >= end:
        return f"dates {profile.arrival} to {profile.departure}, outside this run"
    if profile.arrival <= start and profile.departure >= end:
        return "whole run"
    return f"{max(profile.arrival, start)} to {min(profile.departure, end)}"


def levers_for(cfg: Config) -> list[Lever]:
    """The key levers of a Sahel config, in the order the app shows them."""
    out: list[Lever] = []
    for country in cfg.state.forces:
        key = f"state.forces.{country}.doctrine"
        meta = field_meta(cfg, key)
        out.append(Lever(key, f"{country.replace('_', ' ').title()}: doctrine", "select", "Doctrine and fire",
                         choices=tuple(meta["choices"]), doc=meta["doc"]))
        out.append(_numeric(cfg, f"state.forces.{country}.discrimination",
                            f"{country.replace('_', ' ').title()}: fire discrimination", "Doctrine and fire", 0.05))
    for name, profile in cfg.partners.profiles.items():
        if profile.kind == "intel":
            out.append(_numeric(cfg, f"partners.profiles.{name}.intel_sharing",
                                f"{name}: intelligence sharing", "Partners", 0.05))
    for name, profile in cfg.partners.profiles.items():
        out.append(Lever(f"partners.profiles.{name}.active", f"{name} ({profile.kind}), {_window(cfg, profile)}",
                         "switch", "Partners", doc=field_meta(cfg, f"partners.profiles.{name}.active")["doc"]))
    out.append(_numeric(cfg, "population.rel_harm_grievance", "harm-to-grievance sensitivity", "Civilians", 0.1))
    out.append(_numeric(cfg, "people_per_agent", "people per group", "Run", 100, integer=True))
    meta = field_meta(cfg, "seed")
    out.append(Lever("seed", "seed", "int", "Run", lo=meta.get("lo"), hi=meta.get("hi"), doc=meta["doc"]))
    return out
