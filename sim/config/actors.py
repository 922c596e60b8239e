"""Typed config of the actors: populations, state forces, partners and insurgents.

Each value carries its unit and source, or ``assumption`` with a plausible range. Defaults are
the ``baseline`` scenario; the YAML files under ``configs/`` restate them and scenarios change
them as config diffs. Rates are per day unless the unit says otherwise. The domain's names
(communities, core countries) are in :mod:`sim.core.codes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.core.codes import COMMUNITIES, COUNTRY_KEYS
from sim.core.params import ConfigError, param


def _shares(*values: float):
    return lambda: list(values)


@dataclass(frozen=True)
class PopulationConfig:
    """Civilians: placement by community, and the attitudes behind recruitment and displacement."""

    # placement (world -> agents); rows are terrain bands (sahara, sahel, sudanian, river)
    shares_sahara: list[float] = param(doc="rural community shares in the Sahara band (farmers, pastoralists, nomads, urban)",
                                       kind="prob", factory=_shares(0.05, 0.25, 0.70, 0.0),
                                       source="assumption (nomads 0.5-0.9 of the Saharan north)")
    shares_sahel: list[float] = param(doc="rural community shares in the Sahel band", kind="prob",
                                      factory=_shares(0.55, 0.35, 0.10, 0.0),
                                      source="assumption (pastoralists 0.2-0.5 of the Sahel belt)")
    shares_sudanian: list[float] = param(doc="rural community shares in the Sudanian band", kind="prob",
                                         factory=_shares(0.85, 0.15, 0.0, 0.0),
                                         source="assumption (farmers 0.7-0.95)")
    shares_river: list[float] = param(doc="rural community shares on the Niger river and inner delta", kind="prob",
                                      factory=_shares(0.60, 0.35, 0.05, 0.0),
                                      source="assumption (Fulani herders share the delta with farmers and fishers)")
    # Epstein (2002) attitudes
    legitimacy0: list[float] = param(doc="initial perceived state legitimacy by community (farmers, pastoralists, nomads, urban)",
                                     kind="prob", factory=_shares(0.65, 0.45, 0.40, 0.75),
                                     source="assumption (0.3-0.9); Epstein 2002 uses 0.8-0.9 for a stable regime")
    sympathy0: list[float] = param(doc="initial sympathy for the insurgents by community", kind="prob",
                                   factory=_shares(0.05, 0.15, 0.15, 0.02),
                                   source="assumption (0-0.3): Fulani grievances exploited by Katiba Macina")
    threshold: float = param(0.1, doc="activation threshold T: join when G - N > T", lo=0, hi=1,
                             source="Epstein 2002, PNAS 99:7243, T = 0.1")
    arrest_k: float = param(2.3, doc="arrest-probability constant k in P = 1 - exp(-k C/(1+A))", lo=0,
                            source="Epstein 2002, k = 2.3")
    p_join: float = param(5e-7, doc="daily chance that a civilian past the joining threshold joins (x appeal x (0.5 + S) x min(E/T, 3))",
                          kind="prob", unit="1/day",
                          source="calibrated to order of magnitude only: baseline fighters grow from ~3k (2015) towards ~10^4 (Africa Center 2025: JNIM 6-7k, IS Sahel 2-3k); plausible range 1e-7 - 2e-6")
    rel_harm_grievance: float = param(1.0, doc="harm-to-grievance sensitivity: grievance added per unit of remembered harm",
                                      lo=0, source="assumption (0-3); Condra et al. 2010 find ~0.03 attacks per 1,000 people per civilian killed by the counterinsurgent")
    harm_scale: float = param(1.0, doc="civilian deaths per 1,000 residents of a cell that count as one unit of harm",
                              unit="deaths/1000 people", lo=0, lo_open=True, source="assumption (0.1-10)")
    dur_harm_memory: float = param(365.0, doc="e-folding time of remembered harm", unit="days", lo=1,
                                   source="assumption (90-1000); Condra et al. 2010 see effects lasting months")
    rel_social_pull: float = param(0.15, doc="weight of local insurgent presence (share of recruits nearby) in joining",
                                   lo=0, source="assumption (0-0.5); 'mass base' social pull")
    rel_economic_push: float = param(0.15, doc="grievance added by blockade or displacement hardship", lo=0,
                                     source="assumption (0-0.4)")
    rel_blame_state: float = param(0.5, doc="legitimacy lost per unit of harm by the state, partners or militias", lo=0,
                                   source="assumption (0-2); Condra & Shapiro 2012: harm by the counterinsurgent raises later violence")
    rel_blame_insurgent: float = param(0.5, doc="sympathy lost per unit of harm by an insurgent faction", lo=0,
                                       source="assumption (0-2); Condra & Shapiro 2012: insurgent harm lowers later violence")
    rate_legitimacy_recovery: float = param(0.001, doc="daily relaxation of legitimacy towards its initial value",
                                            unit="1/day", kind="prob", source="assumption (0-0.01)")
    p_inform: float = param(0.5, doc="chance a supportive civilian in a state-held zone passes a tip", kind="prob",
                            source="assumption (0.1-0.9); Kalyvas 2006: collaboration follows control")
    dur_civilian_update: int = param(7, doc="the civilian phase runs every n days (its rates are scaled to per-day)",
                                     unit="days", lo=1, hi=30, source="assumption: attitudes move on weeks, not hours")

    def check(self, prefix: str) -> None:
        for name in ("shares_sahara", "shares_sahel", "shares_sudanian", "shares_river",
                     "legitimacy0", "sympathy0"):
            values = getattr(self, name)
            if len(values) != len(COMMUNITIES):
                raise ConfigError(f"{prefix}.{name}", values, f"{len(COMMUNITIES)} values, one per community {COMMUNITIES}")
            if name.startswith("shares") and abs(sum(values) - 1.0) > 1e-6:
                raise ConfigError(f"{prefix}.{name}", values, "shares that sum to 1")


@dataclass(frozen=True)
class ForceConfig:
    """One country's state forces."""

    troops: int = param(10_000, doc="deployable troops", unit="people", lo=0, source="assumption")
    quality: float = param(0.5, doc="effectiveness of fire per soldier relative to a fighter", kind="prob",
                           source="assumption (0.3-0.9)")
    discrimination: float = param(0.6, doc="share of fire that separates combatants from civilians", kind="prob",
                                  source="assumption (0.2-0.95); Bennett 2008 uses accuracy 0.8")
    doctrine: str = param("restrained", doc="rules of engagement", choices=("restrained", "gloves_off"))
    garrison_share: float = param(0.6, doc="share of troops in town garrisons (rest in mobile columns)", kind="prob",
                                  source="assumption (0.4-0.8)")
    n_columns: int = param(6, doc="mobile columns patrolling arteries", lo=0, hi=200, source="assumption")
    strikes_per_day: float = param(0.2, doc="air strikes on detected bands", unit="1/day", lo=0, source="assumption (0-2)")
    surveillance: float = param(0.2, doc="own detection capacity per unit of presence", lo=0, source="assumption (0-1)")


def _forces():
    return {
        # Troop numbers are rough public estimates of deployable army strength (assumption, +-50%).
        "mali": ForceConfig(troops=20_000, quality=0.45, discrimination=0.55, n_columns=8),
        "burkina_faso": ForceConfig(troops=12_000, quality=0.45, discrimination=0.55, n_columns=6),
        "niger": ForceConfig(troops=15_000, quality=0.5, discrimination=0.6, n_columns=6),
    }


@dataclass(frozen=True)
class MilitiaConfig:
    """Popular mobilisation (Burkina Faso's VDP and the like)."""

    active: bool = param(False, doc="militias are raised")
    volunteers_per_town: int = param(50, doc="volunteers raised per town", unit="people", lo=0,
                                     source="assumption (0-500); VDP recruited tens of thousands nationally")
    quality: float = param(0.3, doc="effectiveness of militia fire per volunteer", kind="prob",
                           source="assumption (0.1-0.5): little training")
    discrimination: float = param(0.3, doc="share of militia fire that spares civilians", kind="prob",
                                  source="assumption (0.1-0.5): poorly trained, community-based")
    communities: list[str] = param(doc="communities militias recruit from (their reprisals hit the others)",
                                   factory=lambda: ["farmers", "urban"], choices=COMMUNITIES,
                                   source="assumption: VDP drew mainly on sedentary communities")


@dataclass(frozen=True)
class StateConfig:
    """State forces per country, and the rules that bind them."""

    forces: dict[str, ForceConfig] = field(default_factory=_forces)
    militia: MilitiaConfig = field(default_factory=MilitiaConfig)
    cross_border: bool = param(False, doc="forces may operate in neighbouring core countries (regional alliance)")
    rel_reprisal: float = param(2.0, doc="civilians killed in reprisal per soldier lost, under gloves_off",
                                lo=0, source="assumption (0-10); Moura 2022: at least 500 killed after an attack")
    p_detain: float = param(0.3, doc="daily chance a gloves-off unit detains suspects en masse (where it sits, or in a village it sweeps)",
                            kind="prob", source="assumption (0-1)")
    sweep_radius: int = param(0, doc="reach of a gloves-off unit's clearing sweeps: its mass detentions fall on a populated cell within this many cells, drawn by how insurgent its control leans (0: only where the unit sits)",
                              unit="cells", lo=0, hi=10,
                              source="assumption (0-3 cells, 0-30 km): the record's state-side massacres fell on villages off the columns' stops (Moura, Mali, Mar 2022, a heliborne operation; Karma, Burkina Faso, Apr 2023; sahel_facts.md s.4); 0 keeps the calibrated model's detentions at the stop")

    def check(self, prefix: str) -> None:
        for name in self.forces:
            if name not in COUNTRY_KEYS:
                raise ConfigError(f"{prefix}.forces.{name}", name, f"one of {COUNTRY_KEYS}")


@dataclass(frozen=True)
class PartnerConfig:
    """A foreign partner profile, present between ``arrival`` and ``departure``."""

    kind: str = param("ground", doc="what it brings", choices=("ground", "intel", "drone", "peacekeeping"))
    active: bool = param(True, doc="the partner is in the scenario at all")
    countries: list[str] = param(doc="host countries", factory=lambda: list(COUNTRY_KEYS), choices=COUNTRY_KEYS)
    arrival: str = param("2000-01-01", doc="arrival date", kind="date")
    departure: str = param("2100-01-01", doc="departure date", kind="date")
    troops: int = param(0, doc="troops deployed (all host countries together)", unit="people", lo=0)
    quality: float = param(0.8, doc="effectiveness of fire per soldier", kind="prob")
    discrimination: float = param(0.85, doc="share of fire that spares civilians", kind="prob")
    surveillance: float = param(0.0, doc="own detection capacity per unit of presence", lo=0)
    intel_sharing: float = param(0.0, doc="detection uplift given to host forces", lo=0)
    collective_punishment: bool = param(False, doc="punishes communities suspected of support")
    strikes_per_day: float = param(0.0, doc="strikes on detected bands", unit="1/day", lo=0)
    p_leak: float = param(0.0, doc="chance that shared intelligence leaks to a third party (the insurgents)", kind="prob")

    def check(self, prefix: str) -> None:
        if self.departure <= self.arrival:
            raise ConfigError(f"{prefix}.departure", self.departure, f"a date after arrival={self.arrival}")


def _partners():
    return {
        "barkhane": PartnerConfig(kind="ground", troops=5_100, quality=0.85, discrimination=0.85,
                                  surveillance=0.6, strikes_per_day=0.3, arrival="2014-08-01", departure="2022-11-09"),
        "wagner": PartnerConfig(kind="ground", active=False, countries=["mali"], troops=1_000, quality=0.6,
                                discrimination=0.2, collective_punishment=True, arrival="2021-12-01"),
        "us_intel": PartnerConfig(kind="intel", active=False, countries=["mali", "burkina_faso", "niger"],
                                  intel_sharing=0.5, p_leak=0.05, arrival="2025-01-01"),
        "drones": PartnerConfig(kind="drone", active=False, strikes_per_day=0.5, discrimination=0.6, quality=0.7),
        "un_mission": PartnerConfig(kind="peacekeeping", countries=["mali"], troops=13_000, quality=0.5,
                                    discrimination=0.9, arrival="2013-07-01", departure="2023-12-31"),
    }


@dataclass(frozen=True)
class PartnersConfig:
    """Foreign partner profiles by name."""

    profiles: dict[str, PartnerConfig] = field(default_factory=_partners)


@dataclass(frozen=True)
class FactionConfig:
    """A jihadist faction's profile."""

    fighters0: int = param(1_000, doc="fighters at the start", unit="people", lo=0)
    n_bands: int = param(8, doc="bands at the start", lo=1, hi=1000)
    home_lon: float = param(-3.0, doc="longitude of the faction's heartland", unit="deg E", lo=-30, hi=40)
    home_lat: float = param(15.0, doc="latitude of the faction's heartland", unit="deg N", lo=-10, hi=40)
    home_range: int = param(40, doc="bands avoid moving further than this from the faction's heartland", unit="cells",
                            lo=1, source="assumption (20-80 cells, 200-800 km): factions operate from their social base")
    brutality: float = param(0.3, doc="propensity to kill civilians when punishing or raiding", kind="prob")
    governs: bool = param(True, doc="taxes and administers the cells it controls")
    quality: float = param(0.5, doc="effectiveness of fire per fighter", kind="prob", source="assumption (0.3-0.8)")
    appeal: list[float] = param(doc="recruitment appeal by community (farmers, pastoralists, nomads, urban)", lo=0,
                                factory=_shares(0.6, 1.0, 0.6, 0.3), source="assumption (0-1)")
    leaders_per_band: int = param(2, doc="leaders in each band", lo=0, hi=20, source="assumption")
    dur_leader_disruption: int = param(60, doc="days a band is disrupted after losing a leader", unit="days", lo=0,
                                       source="assumption (14-180)")
    rel_detect_leader: float = param(0.3, doc="pattern-of-life evidence on a band leader per unit of detection hazard on his band (sim/sahel/leaders.py)", lo=0, hi=1,
                                     source="assumption (0.1-0.5): leaders are harder to find")
    p_operate: float = param(0.05, doc="daily chance that a band mounts an operation", kind="prob", unit="1/day",
                             source="assumption (0.01-0.2)")

    def check(self, prefix: str) -> None:
        if len(self.appeal) != len(COMMUNITIES):
            raise ConfigError(f"{prefix}.appeal", self.appeal, f"{len(COMMUNITIES)} values, one per community")


def _factions():
    return {
        # JNIM-like: governs, taxes, negotiates, targets civilians less. 2015 size: assumption.
        "jnim": FactionConfig(fighters0=2_000, n_bands=12, home_lon=-3.9, home_lat=14.9, brutality=0.2,
                              governs=True, appeal=[0.6, 1.0, 0.7, 0.3]),
        # IS-Sahel-like: more brutal, Ménaka / tri-border heartland.
        "is_sahel": FactionConfig(fighters0=800, n_bands=6, home_lon=1.5, home_lat=15.2, brutality=0.6,
                                  governs=False, appeal=[0.4, 0.9, 0.6, 0.2]),
    }


@dataclass(frozen=True)
class InsurgentsConfig:
    """Jihadist factions, and the rules of their operations."""

    factions: dict[str, FactionConfig] = field(default_factory=_factions)
    band_range: int = param(8, doc="how far a band reaches for a target", unit="cells", lo=1, hi=100,
                            source="assumption (4-15 cells at 10 km a cell: a motorbike raiding radius of 40-150 km)")
    frontier: bool = param(False, doc="a faction's reach grows with its presence: bands avoid moving beyond frontier_range of the cells their faction has established (sim/sahel/frontier.py)")
    frontier_range: int = param(8, doc="how far beyond its established cells a faction's bands range (with frontier on)", unit="cells",
                                lo=0, hi=100, source="assumption (4-15 cells, as band_range: a band works a raiding radius around its base)")
    days_establish: float = param(180.0, doc="band-days of presence in a cell that establish it as the faction's (with frontier on)",
                                  unit="days", lo=1, hi=3650,
                                  source="assumption (60-365): months of presence to recruit, marry in and tax; with frontier_range 8 it bounds the spread near 8 cells (80 km) per establishment time")
    loot_per_raid: float = param(0.05, doc="band strength gained per successful raid, as a share", lo=0,
                                 source="assumption (0-0.2)")
    p_ied_cut: float = param(0.3, doc="chance an IED or ambush cuts (rather than contests) an artery cell", kind="prob",
                             source="assumption")
    dur_artery_repair: int = param(30, doc="days to reopen a cut artery cell with no insurgent presence", unit="days",
                                   lo=1, source="assumption (7-90)")
    k_punish: float = param(10.0, doc="civilians killed by one punishment of informers at brutality 1 (plus one)",
                            unit="people", lo=0, source="assumption (2-30)")
    k_mine_attack: float = param(3.0, doc="civilians (workers) killed by one attack on a mine at brutality 1 (plus 0.5)",
                                 unit="people", lo=0, source="assumption (0-10)")
    ied_casualties: float = param(3.0, doc="mean troops killed when an IED hits a column", unit="people", lo=0,
                                  source="assumption (1-10)")
    tax_rate: float = param(0.02, doc="hardship added per day-equivalent of insurgent taxation (zakat) in governed cells",
                            lo=0, hi=1, source="assumption (0-0.1)")
