"""Declaring parameters once: value, unit, meaning, source and allowed range.

Every field of the typed config schema (:mod:`sim.config`) is declared with :func:`param`. The
metadata it carries drives three things, so they can never disagree:

* validation (:func:`validate`), with errors that name the full key, the value and what is
  allowed;
* the parameter table of ``docs/ODD.md`` (:func:`parameter_rows`);
* the provenance of every number (``source``: a citation, or ``assumption`` with a range).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

__all__ = ["ConfigError", "param", "validate", "parameter_rows", "parse_date"]


class ConfigError(ValueError):
    """A configuration value is not allowed. The message names the key, the value and the rule."""

    def __init__(self, key: str, value: Any, allowed: str):
        self.key, self.value, self.allowed = key, value, allowed
        super().__init__(f"config key '{key}' = {value!r} is not allowed: {allowed}")


def param(
    default: Any = dataclasses.MISSING,
    *,
    doc: str,
    unit: str = "",
    source: str = "assumption",
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    choices: tuple[str, ...] | None = None,
    kind: str | None = None,
    factory: Any = None,
) -> Any:
    """A dataclass field with its documentation and validation rule.

    ``lo``/``hi`` bound numbers (``lo_open`` makes the lower bound strict); ``choices`` lists
    allowed strings; ``kind="date"`` demands an ISO date; ``kind="prob"`` is shorthand for
    ``lo=0, hi=1``. ``source`` is a citation, or starts with ``assumption``.
    """
    if kind == "prob":
        lo, hi = 0.0, 1.0
    meta = {"doc": doc, "unit": unit, "source": source, "lo": lo, "hi": hi,
            "lo_open": lo_open, "choices": choices, "kind": kind}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def parse_date(key: str, value: str) -> dt.date:
    """Parse an ISO date, or raise a :class:`ConfigError` naming the key."""
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(key, value, "an ISO date YYYY-MM-DD") from None


def _check_value(key: str, value: Any, meta: dict) -> None:
    if meta.get("kind") == "date":
        parse_date(key, value)
        return
    choices = meta.get("choices")
    if choices is not None and value not in choices:
        raise ConfigError(key, value, "one of " + ", ".join(repr(c) for c in choices))
    lo, hi = meta.get("lo"), meta.get("hi")
    if lo is None and hi is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(key, value, "a number")
    if value != value:  # NaN
        raise ConfigError(key, value, "a number, not NaN")
    if value in (float("inf"), float("-inf")):
        raise ConfigError(key, value, "a finite number")
    lo_txt = "(" if meta.get("lo_open") else "["
    rng = f"{lo_txt}{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}]"
    if lo is not None and (value < lo or (meta.get("lo_open") and value == lo)):
        raise ConfigError(key, value, f"a value in {rng}")
    if hi is not None and value > hi:
        raise ConfigError(key, value, f"a value in {rng}")


def validate(obj: Any, prefix: str = "") -> None:
    """Check every declared field of a config dataclass tree, then its cross-field rules.

    A dataclass may define ``check(prefix)`` for rules that relate several fields; it is called
    after its fields are checked, with the dotted path of the dataclass.
    """
    if not dataclasses.is_dataclass(obj):
        return
    for f in dataclasses.fields(obj):
        key = f"{prefix}.{f.name}" if prefix else f.name
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            validate(value, key)
        elif isinstance(value, list | tuple):
            for i, item in enumerate(value):
                if dataclasses.is_dataclass(item):
                    validate(item, f"{key}[{i}]")
                elif f.metadata:
                    _check_value(f"{key}[{i}]", item, f.metadata)
        elif isinstance(value, dict):
            for k, item in value.items():
                if dataclasses.is_dataclass(item):
                    validate(item, f"{key}.{k}")
                elif f.metadata:
                    _check_value(f"{key}.{k}", item, f.metadata)
        elif f.metadata:
            _check_value(key, value, f.metadata)
    check = getattr(obj, "check", None)
    if callable(check):
        check(prefix)


def parameter_rows(obj: Any, prefix: str = "") -> Iterator[dict[str, Any]]:
    """Yield one row per declared parameter: key, value, unit, doc, source (for docs/ODD.md),
    and its rule: lo, hi, lo_open, choices, kind (for generated tests)."""
    for f in dataclasses.fields(obj):
        key = f"{prefix}.{f.name}" if prefix else f.name
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            yield from parameter_rows(value, key)
        elif isinstance(value, dict) and value and all(dataclasses.is_dataclass(v) for v in value.values()):
            for k, v in value.items():
                yield from parameter_rows(v, f"{key}.{k}")
        elif f.metadata:
            yield {"key": key, "value": value, "unit": f.metadata.get("unit", ""),
                   "doc": f.metadata.get("doc", ""), "source": f.metadata.get("source", ""),
                   **{rule: f.metadata.get(rule) for rule in ("lo", "hi", "lo_open", "choices", "kind")}}
