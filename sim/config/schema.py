"""The root of the typed configuration schema: the run, the map, the scenario and the outputs.

One frozen dataclass per YAML group under ``configs/`` (``map/``, ``population/``, ``state/``,
``partners/``, ``insurgents/``, ``mechanisms/``, ``displacement/``, ``scenario/``), all under :class:`Config`; the
actors' and mechanisms' groups are declared in :mod:`sim.config.actors` and
:mod:`sim.config.mechanisms`, the Epstein replication's in :mod:`sim.config.epstein`. Every field
is declared with :func:`sim.core.params.param` (value, unit, source, range).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim.config.actors import InsurgentsConfig, PartnersConfig, PopulationConfig, StateConfig
from sim.config.displacement import DisplacementConfig
from sim.config.epstein import EpsteinConfig
from sim.config.levers import LeversConfig
from sim.config.mechanisms import MechanismsConfig
from sim.core.params import ConfigError, param, parse_date

__all__ = ["Config", "MapConfig", "ScenarioConfig", "Intervention", "OutputConfig"]


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
        if self.kind == "synthetic" and self.n_countries > self.n_towns:
            raise ConfigError(f"{prefix}.n_countries", self.n_countries,
                              f"at most n_towns = {self.n_towns} (each country has a capital)")
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
    people_per_agent: int = param(4000, doc="initial size of a population group (groups split as people move)",
                                  unit="people/group", lo=1,
                                  source="resolution, not behaviour: docs/resolution.md (100-4000; smaller is slower)")
    model: str = param("sahel", doc="which model runs: the Sahel model or the Epstein (2002) replication",
                       choices=("sahel", "epstein"))
    map: MapConfig = field(default_factory=MapConfig)
    population: PopulationConfig = field(default_factory=PopulationConfig)
    state: StateConfig = field(default_factory=StateConfig)
    partners: PartnersConfig = field(default_factory=PartnersConfig)
    insurgents: InsurgentsConfig = field(default_factory=InsurgentsConfig)
    mechanisms: MechanismsConfig = field(default_factory=MechanismsConfig)
    levers: LeversConfig = field(default_factory=LeversConfig)
    displacement: DisplacementConfig = field(default_factory=DisplacementConfig)
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
        try:  # the config as a node, made once for all interventions (0.1 s each)
            node = config_node(self) if self.scenario.timeline else None
        except Exception:
            node = None  # every intervention then fails its check, naming its key
        for i, iv in enumerate(self.scenario.timeline):
            _check_intervention(node, iv, f"scenario.timeline[{i}]")
        _check_levers(self)


_NODES: dict[int, tuple[Config, DictConfig]] = {}  # id -> (Config, its node), the last few


def config_node(cfg: Config) -> DictConfig:
    """``OmegaConf.structured(cfg)``, read only, made once per Config object (a Config is frozen):
    validation and the config's YAML and hash read the same node."""
    hit = _NODES.get(id(cfg))
    if hit is None or hit[0] is not cfg:
        node = OmegaConf.structured(cfg)
        OmegaConf.set_readonly(node, True)
        if len(_NODES) >= 8:
            _NODES.pop(next(iter(_NODES)))
        hit = _NODES[id(cfg)] = (cfg, node)
    return hit[1]


def _check_levers(cfg: Config) -> None:
    """Rules that tie the levers to the other groups: operators exist, one value per faction."""
    n = len(cfg.insurgents.factions)
    for name in ("n_senior",):
        values = getattr(cfg.levers.leaders, name)
        if len(values) != n:
            raise ConfigError(f"levers.leaders.{name}", values, f"{n} values, one per faction {tuple(cfg.insurgents.factions)}")
    if len(cfg.levers.upkeep.smuggling_usd_per_year) != n:
        raise ConfigError("levers.upkeep.smuggling_usd_per_year", cfg.levers.upkeep.smuggling_usd_per_year,
                          f"{n} values, one per faction {tuple(cfg.insurgents.factions)}")
    operators = ("", *cfg.partners.profiles, *cfg.state.forces)
    for name, p in cfg.levers.platforms.items():
        if p.operator not in operators:
            raise ConfigError(f"levers.platforms.{name}.operator", p.operator,
                              "'' or a partner profile or state force: " + ", ".join(repr(o) for o in operators[1:]))


def _check_intervention(node: DictConfig, iv: Intervention, key: str) -> None:
    """``iv`` names an existing scalar of the config (``node``, the config as an OmegaConf node)
    and gives it a value of the same type."""
    try:
        old = OmegaConf.select(node, iv.key, throw_on_missing=True)
    except Exception:
        old = None
    if not iv.key or old is None or isinstance(old, DictConfig):
        raise ConfigError(f"{key}.key", iv.key, "the dotted key of an existing scalar config value")
    if type(old) is not type(iv.value) and not (isinstance(old, float) and type(iv.value) is int):
        raise ConfigError(f"{key}.value", iv.value, f"a {type(old).__name__} like {iv.key}={old!r}")
