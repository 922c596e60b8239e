"""A calibration problem: which parameters, over which ranges, against which series.

Problems live in the config group ``configs/calibration/`` (``smoke.yaml``, ``default.yaml``);
``python -m sim.calibrate --problem NAME`` picks one. A problem file has

* ``overrides``: Hydra overrides applied to every trial's model config (map, window, scenario);
* ``seeds``: how many seeds each trial averages (common random numbers: seeds 0..S-1 for every
  trial);
* ``reference``: the reference table (repository-relative path), or null;
* ``parameters``: a list of ``{key, lo, hi, log}``. ``key`` is a dotted schema key; without
  ``lo``/``hi`` the range is the *plausible range* the schema states in the parameter's source
  (``assumption (0.1-0.5)``, ``plausible range 1e-7 - 2e-6``); any range must lie inside the
  schema's validation bounds. Integer parameters are searched over integers;
* ``series``: a list of ``{indicator, region, period, weight, sample}`` (``sample``: ``in`` or
  ``out``); a series missing from the reference table may give its own ``value`` (and
  ``low``/``high``/``unit``/``source``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

from sim.calibrate.loss import Series, load_reference
from sim.config import CONFIG_DIR, Config
from sim.core.params import ConfigError, parameter_rows

__all__ = ["Param", "Problem", "load_problem", "plausible_range", "schema_rows", "PROBLEM_DIR", "STATED_RANGE"]

PROBLEM_DIR = CONFIG_DIR / "calibration"
ROOT = CONFIG_DIR.parent
_NUM = r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
STATED_RANGE = re.compile(rf"(?:assumption|plausible range)[^()\d]*\(?\s*({_NUM})\s*-\s*({_NUM})")


@cache
def schema_rows() -> dict[str, dict]:
    return {r["key"]: r for r in parameter_rows(Config())}


def plausible_range(key: str) -> tuple[float, float]:
    """The range a parameter's schema source states (``assumption (0.1-0.5)``), else its
    validation bounds when both are finite; a :class:`ConfigError` when it has neither."""
    rows = schema_rows()
    if key not in rows:
        raise ConfigError(key, "<unknown key>", "a parameter declared in the schema (sim/config/)")
    r = rows[key]
    m = STATED_RANGE.search(str(r["source"]))
    if m:
        return float(m[1]), float(m[2])
    if r["lo"] is not None and r["hi"] is not None:
        return float(r["lo"]), float(r["hi"])
    raise ConfigError(key, r["source"], "a parameter with a stated plausible range; give lo and hi "
                      "in the calibration file")


@dataclass(frozen=True)
class Param:
    key: str
    lo: float
    hi: float
    log: bool = False
    integer: bool = False
    default: float = math.nan


@dataclass(frozen=True)
class Problem:
    name: str
    overrides: tuple[str, ...]
    seeds: int
    params: tuple[Param, ...]
    series: tuple[Series, ...]
    description: str = ""
    path: Path = field(default=Path())

    @property
    def in_sample(self) -> list[Series]:
        return [s for s in self.series if s.in_sample]

    @property
    def out_of_sample(self) -> list[Series]:
        return [s for s in self.series if not s.in_sample]


def _param(i: int, spec: dict, where: str) -> Param:
    key = spec.get("key")
    if not key:
        raise ConfigError(f"{where}.parameters[{i}].key", key, "a dotted schema key")
    rows = schema_rows()
    if key not in rows:
        raise ConfigError(f"{where}.parameters[{i}].key", key, "a parameter declared in the schema")
    row = rows[key]
    default = row["value"]
    if isinstance(default, bool) or not isinstance(default, int | float):
        raise ConfigError(f"{where}.parameters[{i}].key", key, "a numeric parameter")
    lo, hi = plausible_range(key) if ("lo" not in spec or "hi" not in spec) else (spec["lo"], spec["hi"])
    lo, hi = float(spec.get("lo", lo)), float(spec.get("hi", hi))
    if not lo < hi:
        raise ConfigError(f"{where}.parameters[{i}]", (lo, hi), "lo < hi")
    slo, shi = row["lo"], row["hi"]
    if (slo is not None and lo < slo) or (shi is not None and hi > shi) \
            or (row["lo_open"] and slo is not None and lo <= slo):
        raise ConfigError(f"{where}.parameters[{i}]", (lo, hi),
                          f"a range inside the schema's bounds for {key}: [{slo}, {shi}]")
    log = bool(spec.get("log", False))
    if log and lo <= 0:
        raise ConfigError(f"{where}.parameters[{i}].log", True, "a log scale only for lo > 0")
    return Param(key, lo, hi, log, isinstance(default, int), float(default))


def _series(i: int, spec: dict, ref: pd.DataFrame | None, where: str) -> Series:
    for k in ("indicator", "region", "period"):
        if k not in spec:
            raise ConfigError(f"{where}.series[{i}].{k}", None, "a value (see experiments/reference.csv)")
    ind, region, period = str(spec["indicator"]), str(spec["region"]), str(spec["period"])
    sample = spec.get("sample", "in")
    if sample not in ("in", "out"):
        raise ConfigError(f"{where}.series[{i}].sample", sample, "'in' or 'out'")
    row = None
    if ref is not None:
        hit = ref[(ref.indicator == ind) & (ref.region == region) & (ref.period.astype(str) == period)]
        row = hit.iloc[0] if len(hit) else None
    src = row if row is not None else spec
    if row is None and "value" not in spec:
        raise ConfigError(f"{where}.series[{i}]", f"{ind}|{region}|{period}",
                          "a series in the reference table, or one that gives its own value")

    def num(k):
        v = src.get(k) if hasattr(src, "get") else None
        return math.nan if v is None or (isinstance(v, float) and math.isnan(v)) or v == "" else float(v)

    weight = float(spec.get("weight", 1.0))
    if weight < 0:
        raise ConfigError(f"{where}.series[{i}].weight", weight, "a weight >= 0")
    return Series(ind, region, period, num("value"), num("low"), num("high"),
                  str(src.get("unit", "") or ""), weight, sample == "in")


def load_problem(name_or_path: str, reference: str | Path | None = None) -> Problem:
    """Load ``configs/calibration/NAME.yaml`` (or a path). ``reference`` (a reference CSV or an
    ACLED export) replaces the problem's rows where it has the same indicator, region and period."""
    path = Path(name_or_path)
    if not path.suffix:
        path = PROBLEM_DIR / f"{name_or_path}.yaml"
    if not path.is_file():
        names = sorted(p.stem for p in PROBLEM_DIR.glob("*.yaml"))
        raise ConfigError("calibration", str(name_or_path), "one of " + ", ".join(names) + " or a YAML path")
    spec = yaml.safe_load(path.read_text()) or {}
    where = f"calibration/{path.stem}"
    unknown = set(spec) - {"name", "description", "overrides", "seeds", "reference", "parameters", "series"}
    if unknown:
        raise ConfigError(f"{where}.{sorted(unknown)[0]}", "<unknown key>",
                          "name, description, overrides, seeds, reference, parameters, series")
    ref = load_reference(ROOT / spec["reference"]) if spec.get("reference") else None
    if reference is not None:
        extra = load_reference(reference)
        keys = ["indicator", "region", "period"]
        ref = extra if ref is None else pd.concat([extra, ref]).drop_duplicates(keys, keep="first")
    params = tuple(_param(i, p, where) for i, p in enumerate(spec.get("parameters") or []))
    if not params:
        raise ConfigError(f"{where}.parameters", [], "at least one parameter")
    if len({p.key for p in params}) != len(params):
        raise ConfigError(f"{where}.parameters", [p.key for p in params], "each key once")
    series = tuple(_series(i, s, ref, where) for i, s in enumerate(spec.get("series") or []))
    if not any(s.in_sample for s in series):
        raise ConfigError(f"{where}.series", len(series), "at least one in-sample series")
    seeds = int(spec.get("seeds", 3))
    return Problem(str(spec.get("name", path.stem)), tuple(spec.get("overrides") or ()), seeds,
                   params, series, str(spec.get("description", "")), path)
