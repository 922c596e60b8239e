"""The typed configuration schema, and loading/validating configs without Hydra's command line.

One frozen dataclass per YAML group under ``configs/`` (``map/``, ``population/``, ``state/``,
``partners/``, ``insurgents/``, ``mechanisms/``, ``scenario/``), all under :class:`Config`. The schema is
registered in Hydra's ConfigStore as ``sahel_schema`` and is the first entry of
``configs/config.yaml``'s defaults list, so every group is merged into a typed node: an unknown
key or a wrong type fails at composition. Ranges and cross-field rules are then checked by
:func:`sim.params.validate`, whose errors name the key, the value and what is allowed.

Actor and mechanism parameters live in :mod:`sim.config_actors` to keep this file readable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

from sim.config_actors import (
    InsurgentsConfig,
    MechanismsConfig,
    PartnersConfig,
    PopulationConfig,
    StateConfig,
)
from sim.epstein import EpsteinConfig
from sim.params import ConfigError, param, parse_date, validate

__all__ = [
    "Config", "MapConfig", "ScenarioConfig", "Intervention", "OutputConfig", "ConfigError",
    "CONFIG_DIR", "load_config", "to_config", "config_hash", "register_schema",
]

CONFIG_DIR = Path(__file__).resolve().parents[1] / "configs"


@dataclass(frozen=True)
class MapConfig:
    """Which map, and at what resolution (see ``docs/world.md``)."""

    kind: str = param("sahel", doc="map to build", choices=("sahel", "synthetic"))
    cell_km: float = param(10.0, doc="cell side", unit="km", lo=1.0, hi=100.0,
                           source="MODEL.md: about 10 km a side")
    lon_min: float = param(-12.5, doc="sahel map: western edge", unit="deg E", lo=-30, hi=40)
    lon_max: float = param(15.0, doc="sahel map: eastern edge", unit="deg E", lo=-30, hi=40)
    lat_min: float = param(9.0, doc="sahel map: southern edge", unit="deg N", lo=-10, hi=40)
    lat_max: float = param(21.5, doc="sahel map: northern edge", unit="deg N", lo=-10, hi=40)
    width: int = param(60, doc="synthetic map: width", unit="cells", lo=8, hi=5000)
    height: int = param(40, doc="synthetic map: height", unit="cells", lo=8, hi=5000)
    n_towns: int = param(12, doc="synthetic map: number of towns", lo=2, hi=10000)
    n_countries: int = param(2, doc="synthetic map: number of countries", lo=2, hi=16)
    synthetic_people: float = param(2_000_000.0, doc="synthetic map: total population",
                                    unit="people", lo=0, lo_open=True)
    rural_share: float = param(0.6, doc="synthetic map: share of people outside towns",
                               kind="prob")

    def check(self, prefix: str) -> None:
        if self.lon_max <= self.lon_min:
            raise ConfigError(f"{prefix}.lon_max", self.lon_max, f"greater than lon_min={self.lon_min}")
        if self.lat_max <= self.lat_min:
            raise ConfigError(f"{prefix}.lat_max", self.lat_max, f"greater than lat_min={self.lat_min}")
        if self.kind == "synthetic" and self.n_towns > self.width * self.height // 4:
            raise ConfigError(f"{prefix}.n_towns", self.n_towns,
                              f"at most width*height/4 = {self.width * self.height // 4}")


@dataclass(frozen=True)
class Intervention:
    """A dated change of one config value: ``{date: 2021-12-01, key: ..., value: ...}``.

    ``key`` is a dotted path into the config (for example ``partners.wagner.active``); the
    new value must have the same type as the old one. Applied at the start of that day.
    """

    date: str = param("2015-01-01", doc="day the change takes effect", kind="date")
    key: str = param("", doc="dotted config key to change")
    value: Any = None
    note: str = param("", doc="what this represents, with its source")


@dataclass(frozen=True)
class ScenarioConfig:
    """A named scenario: a config diff plus an optional timeline of dated interventions."""

    name: str = param("baseline", doc="scenario name (for provenance only; never branched on)")
    description: str = param("", doc="what the scenario represents")
    timeline: list[Intervention] = param(doc="dated interventions", factory=list)


@dataclass(frozen=True)
class OutputConfig:
    """What a run writes."""

    dashboard: bool = param(True, doc="write dashboard.png")
    progress: bool = param(True, doc="show a progress bar on runs longer than a few seconds")
    record_every: int = param(1, doc="record the time series every n steps", unit="steps", lo=1)


@dataclass(frozen=True)
class Config:
    """The whole configuration of one run."""

    seed: int = param(0, doc="root seed of every random stream", lo=0, hi=2**63 - 1)
    start_date: str = param("2015-01-01", doc="date of the initial state (the first simulated day is the next)", kind="date")
    end_date: str = param("2025-01-01", doc="last simulated day", kind="date")
    people_per_agent: int = param(1000, doc="people represented by one population agent",
                                  unit="people/agent", lo=1,
                                  source="assumption (100-5000; smaller is finer and slower)")
    model: str = param("sahel", doc="which model runs: the Sahel model or the Epstein (2002) replication",
                       choices=("sahel", "epstein"))
    map: MapConfig = field(default_factory=MapConfig)
    population: PopulationConfig = field(default_factory=PopulationConfig)
    state: StateConfig = field(default_factory=StateConfig)
    partners: PartnersConfig = field(default_factory=PartnersConfig)
    insurgents: InsurgentsConfig = field(default_factory=InsurgentsConfig)
    mechanisms: MechanismsConfig = field(default_factory=MechanismsConfig)
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    epstein: EpsteinConfig = field(default_factory=EpsteinConfig)
    output: OutputConfig = field(default_factory=OutputConfig)

    @property
    def start(self) -> dt.date:
        return parse_date("start_date", self.start_date)

    @property
    def end(self) -> dt.date:
        return parse_date("end_date", self.end_date)

    @property
    def n_steps(self) -> int:
        """Number of daily steps."""
        return (self.end - self.start).days

    def check(self, prefix: str) -> None:
        if self.end <= self.start:
            raise ConfigError("end_date", self.end_date, f"a date after start_date={self.start_date}")
        for i, iv in enumerate(self.scenario.timeline):
            _check_intervention(self, iv, f"scenario.timeline[{i}]")


def _check_intervention(cfg: Config, iv: Intervention, key: str) -> None:
    try:
        old = OmegaConf.select(OmegaConf.structured(cfg), iv.key, throw_on_missing=True)
    except Exception:
        old = None
    if not iv.key or old is None or isinstance(old, DictConfig):
        raise ConfigError(f"{key}.key", iv.key, "the dotted key of an existing scalar config value")
    if type(old) is not type(iv.value) and not (isinstance(old, float) and type(iv.value) is int):
        raise ConfigError(f"{key}.value", iv.value, f"a {type(old).__name__} like {iv.key}={old!r}")


def register_schema() -> None:
    """Register the schema in Hydra's ConfigStore (idempotent)."""
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name="sahel_schema", node=schema_node())


def schema_node() -> DictConfig:
    """The typed schema as an OmegaConf node. The dataclasses are frozen for Python users; the
    node is made writable so that YAML groups and overrides can be merged into it (types and
    keys are still enforced)."""
    node = OmegaConf.structured(Config)
    _writable(node)
    return node


def _writable(node) -> None:
    OmegaConf.set_readonly(node, None)
    children = node.values() if isinstance(node, DictConfig) else (node if isinstance(node, ListConfig) else ())
    for child in children if not isinstance(node, DictConfig) else (node._get_node(k) for k in node.keys()):
        if isinstance(child, DictConfig | ListConfig):
            _writable(child)


_TYPE_NAMES = {"Integer": "int", "Float": "float", "Boolean": "bool", "String": "str"}

_HYDRA_MESSAGES = [
    # (pattern in Hydra/OmegaConf's message, how to say it)
    (re.compile(r"Could not find '([\w/]+)/(\w+)'.*?Available options in '\w+':\s*(.*)", re.S),
     lambda m: ConfigError(m[1], m[2], "one of " + ", ".join(m[3].split()))),
    (re.compile(r"Key '(\w+)' not in '\w+'.*?full_key: ([\w.\[\]]+)", re.S),
     lambda m: ConfigError(m[2], "<unknown key>", "only keys declared in the schema (sim/config.py)")),
    (re.compile(r"Key '(\w+)' is not in struct.*?full_key: ([\w.\[\]]+)", re.S),
     lambda m: ConfigError(m[2], "<unknown key>", "only keys declared in the schema (sim/config.py)")),
    (re.compile(r"Could not override '([\w.]+)'.*?Key '(\w+)' is not in struct", re.S),
     lambda m: ConfigError(m[1], "<unknown key>", "only keys declared in the schema (sim/config.py)")),
    (re.compile(r"Value '(.*?)' (?:of type '\w+' )?could not be converted to (\w+).*?full_key: ([\w.\[\]]+)", re.S),
     lambda m: ConfigError(m[3], m[1], f"a value of type {_TYPE_NAMES.get(m[2], m[2])}")),
    (re.compile(r"Invalid value '(.*?)', expected one of \[(.*?)\].*?full_key: ([\w.\[\]]+)", re.S),
     lambda m: ConfigError(m[3], m[1], f"one of {m[2]}")),
]


def explain(exc: BaseException) -> ConfigError:
    """Turn a Hydra/OmegaConf composition error into a :class:`ConfigError` with a clear message."""
    text = str(exc)
    cause = exc.__cause__
    while cause is not None:
        text += "\n" + str(cause)
        cause = cause.__cause__
    for pattern, make in _HYDRA_MESSAGES:
        m = pattern.search(text)
        if m:
            return make(m)
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return ConfigError("<config>", first, "a valid configuration")


def to_config(cfg: DictConfig | Config) -> Config:
    """Convert a composed DictConfig (or a Config) into a validated, frozen :class:`Config`."""
    if isinstance(cfg, Config):
        obj = cfg
    else:
        cfg = cfg.copy()
        with _open(cfg):
            cfg.pop("hydra", None)
        _reject_unknown_keys(cfg, schema_node())
        try:
            merged = OmegaConf.merge(schema_node(), cfg)
            obj = OmegaConf.to_object(merged)
        except ConfigError:
            raise
        except Exception as exc:  # OmegaConf's ValidationError, KeyError, ... (may wrap our own)
            inner = exc.__cause__ or exc.__context__
            if isinstance(inner, ConfigError):
                raise inner from None
            raise explain(exc) from None
    validate(obj)
    return obj


def _reject_unknown_keys(node: DictConfig, schema: DictConfig, prefix: str = "") -> None:
    """Name the first key of ``node`` that the schema does not declare (dict-typed fields,
    such as ``state.forces``, accept new names)."""
    for key in node.keys():
        full = f"{prefix}.{key}" if prefix else str(key)
        if key not in schema:
            raise ConfigError(full, "<unknown key>", "only keys declared in the schema (sim/config.py)")
        child, sub = node._get_node(key), schema._get_node(key)
        if isinstance(child, DictConfig) and isinstance(sub, DictConfig) and not _is_open_dict(sub):
            _reject_unknown_keys(child, sub, full)


def _is_open_dict(node: DictConfig) -> bool:
    """True for ``dict[str, X]`` fields (named profiles), false for dataclass nodes."""
    return node._metadata.object_type in (dict, None)


class _open:
    """Temporarily lift OmegaConf's struct flag."""

    def __init__(self, cfg: DictConfig):
        self.cfg = cfg

    def __enter__(self):
        OmegaConf.set_struct(self.cfg, False)

    def __exit__(self, *exc):
        OmegaConf.set_struct(self.cfg, True)


def load_config(overrides: list[str] | tuple[str, ...] = (), config_dir: str | Path | None = None) -> Config:
    """Compose ``configs/config.yaml`` with Hydra-style ``overrides``; return a validated Config.

    Works without Hydra's command line (for notebooks and tests)::

        cfg = sim.load_config(["scenario=take_the_gloves_off", "seed=3"])
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    register_schema()
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(config_dir or CONFIG_DIR), version_base=None):
            composed = compose(config_name="config", overrides=list(overrides))
    except ConfigError:
        raise
    except Exception as exc:
        raise explain(exc) from None
    finally:
        GlobalHydra.instance().clear()
    return to_config(composed)


def config_hash(cfg: Config) -> str:
    """A short, stable hash of the resolved config (for provenance)."""
    text = OmegaConf.to_yaml(OmegaConf.structured(cfg), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def config_yaml(cfg: Config) -> str:
    """The resolved config as YAML."""
    return OmegaConf.to_yaml(OmegaConf.structured(cfg))
