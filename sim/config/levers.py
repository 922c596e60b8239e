"""Typed config of the levers (issue 11): surveillance platforms, strikes and raids, the leader
hierarchy, deterrence, and what limits an armed group's size.

Each value carries its unit and source, or ``assumption`` with a plausible range. The rules that
read them live in :mod:`sim.rules.search` (Koopman 1946 random search), :mod:`sim.rules.levers`
(pattern of life, deterrence, desertion) and the model modules :mod:`sim.sahel.isr`,
:mod:`sim.sahel.leaders`, :mod:`sim.sahel.upkeep` and :mod:`sim.sahel.deterrence`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.core.codes import COUNTRY_KEYS
from sim.core.params import ConfigError, param

__all__ = ["PlatformConfig", "LeadersConfig", "DeterrenceConfig", "UpkeepConfig", "LeversConfig"]


@dataclass(frozen=True)
class PlatformConfig:
    """A surveillance-and-strike platform (aircraft, drones) or a special-forces raiding force.

    Present while ``active``, ``arrival <= date < departure`` and (when ``operator`` names a
    partner profile) that partner is present. Its orbit is the disc of ``radius_km`` around its
    base, clipped to ``countries``.
    """

    kind: str = param("drone", doc="what it is: a drone or aircraft fleet that watches and strikes, or a special-forces raid force",
                      choices=("drone", "aircraft", "raid"))
    active: bool = param(True, doc="the platform is in the scenario at all")
    operator: str = param("", doc="who flies it: a partner profile (present only with that partner) or a state force key; '' none")
    actor: str = param("", doc="its name in the event log (default: the operator's actor name)")
    base: str = param("Niamey", doc="its base (for the record; the base's coordinates place the orbit)")
    base_lon: float = param(2.12, doc="longitude of its base", unit="deg E", lo=-30, hi=40)
    base_lat: float = param(13.52, doc="latitude of its base", unit="deg N", lo=-10, hi=40)
    countries: list[str] = param(doc="countries it may watch and strike in", factory=lambda: list(COUNTRY_KEYS),
                                 choices=COUNTRY_KEYS)
    radius_km: float = param(1000.0, doc="orbit radius around the base", unit="km", lo=10, hi=3000,
                             source="assumption (MQ-9 combat radius ~1,800 km; TB2 line-of-sight 150-300 km)")
    hours_aloft: float = param(24.0, doc="platform-hours on station per day, the fleet together", unit="h/day", lo=0, hi=240,
                               source="assumption (one continuous orbit = 24 h/day)")
    search_km2_per_hour: float = param(1500.0, doc="area its sensors search per hour aloft (Koopman sweep rate W v)",
                                       unit="km2/h", lo=0, hi=20000,
                                       source="assumption (300-5000): EO/IR footprint of a few km times cruise speed")
    sorties_per_day: float = param(0.0, doc="strikes (or raids) it can fly per day on located bands", unit="1/day",
                                   lo=0, hi=10, source="assumption")
    discrimination: float = param(0.8, doc="share of its fire that spares civilians", kind="prob",
                                  source="assumption (0.4-0.95)")
    shared: bool = param(False, doc="its intelligence is shared with host states (and may leak)")
    p_leak: float = param(0.0, doc="daily chance that shared intelligence on a band it watches leaks (the band is warned)",
                          kind="prob", unit="1/day", source="assumption (0-0.1)")
    arrival: str = param("2000-01-01", doc="arrival date", kind="date")
    departure: str = param("2100-01-01", doc="departure date", kind="date")

    def check(self, prefix: str) -> None:
        if self.departure <= self.arrival:
            raise ConfigError(f"{prefix}.departure", self.departure, f"a date after arrival={self.arrival}")


def _platforms():
    # Dates and bases: sahel_facts.md s.3-4 and the public record (approx.); capacities: assumption.
    return {
        # Barkhane's Reapers (Niamey, from Jan 2014; armed from Dec 2019) and strike aircraft.
        "barkhane_air": PlatformConfig(kind="aircraft", operator="barkhane", actor="barkhane", base="Niamey",
                                       base_lon=2.12, base_lat=13.52, radius_km=1000.0, hours_aloft=24.0,
                                       search_km2_per_hour=1500.0, sorties_per_day=0.15, discrimination=0.85,
                                       arrival="2014-01-16"),
        # Task Force Sabre: helicopter-borne special-forces raids on located leaders.
        "barkhane_sabre": PlatformConfig(kind="raid", operator="barkhane", actor="barkhane", base="Gao",
                                         base_lon=-0.04, base_lat=16.27, radius_km=400.0, hours_aloft=0.0,
                                         search_km2_per_hour=0.0, sorties_per_day=0.03, discrimination=0.9,
                                         arrival="2014-08-01"),
        # US MQ-9s: Niamey from 2013, Agadez (Air Base 201) from late 2019 until Aug 2024; ISR
        # shared with France and Niger, no strikes in the model.
        "us_mq9_niamey": PlatformConfig(kind="drone", actor="United States", base="Niamey", base_lon=2.12,
                                        base_lat=13.52, countries=["mali", "niger"], radius_km=1000.0,
                                        hours_aloft=16.0, search_km2_per_hour=1500.0, shared=True,
                                        arrival="2013-02-22", departure="2019-11-01"),
        "us_mq9_agadez": PlatformConfig(kind="drone", actor="United States", base="Agadez", base_lon=7.99,
                                        base_lat=16.97, countries=["mali", "niger"], radius_km=1200.0,
                                        hours_aloft=16.0, search_km2_per_hour=1500.0, shared=True,
                                        arrival="2019-11-01", departure="2024-08-05"),
        # The states' Turkish TB2s (from 2022): Mali (Sévaré), Burkina Faso (Ouagadougou), Niger (Niamey).
        "mali_tb2": PlatformConfig(kind="drone", operator="mali", base="Sévaré", base_lon=-4.10, base_lat=14.53,
                                   countries=["mali"], radius_km=350.0, hours_aloft=12.0, search_km2_per_hour=800.0,
                                   sorties_per_day=0.4, discrimination=0.5, arrival="2022-12-01"),
        "burkina_tb2": PlatformConfig(kind="drone", operator="burkina_faso", base="Ouagadougou", base_lon=-1.52,
                                      base_lat=12.37, countries=["burkina_faso"], radius_km=350.0, hours_aloft=12.0,
                                      search_km2_per_hour=800.0, sorties_per_day=0.4, discrimination=0.5,
                                      arrival="2022-10-01"),
        "niger_tb2": PlatformConfig(kind="drone", operator="niger", base="Niamey", base_lon=2.12, base_lat=13.52,
                                    countries=["niger"], radius_km=350.0, hours_aloft=8.0, search_km2_per_hour=800.0,
                                    sorties_per_day=0.2, discrimination=0.55, arrival="2022-06-01"),
    }


@dataclass(frozen=True)
class LeadersConfig:
    """The leader hierarchy: senior leaders of a faction's regions above the band leaders."""

    n_senior: list[int] = param(doc="senior leaders (emirs of katibas and regions) per faction, in faction order",
                                lo=0, hi=100, factory=lambda: [12, 6],
                                source="assumption: JNIM unites ~5 groups with about a dozen named katiba and regional emirs; IS Sahel fewer")
    rel_detect_senior: float = param(0.1, doc="pattern-of-life evidence on a senior leader per unit of detection hazard on his band (band leaders: the faction's rel_detect_leader)", lo=0, hi=1,
                                     source="assumption (0.03-0.3)")
    dur_track_memory: float = param(90.0, doc="e-folding time of pattern-of-life evidence once surveillance lapses",
                                    unit="days", lo=1, hi=1000, source="assumption (30-365)")
    dur_senior_replacement: int = param(120, doc="days before an experienced band leader is promoted to a vacant senior post",
                                        unit="days", lo=0, hi=2000, source="assumption (30-365): successions in JNIM and IS Sahel took months")
    dur_senior_disruption: int = param(90, doc="days the bands of a killed senior leader's region are disrupted",
                                       unit="days", lo=0, hi=2000, source="assumption (0-365)")
    rel_senior_disruption: float = param(0.5, doc="operations of a disrupted region's bands relative to normal", kind="prob",
                                         source="assumption (0.2-1): Johnston 2012 finds decapitation lowers insurgent attacks")
    rel_recruit_disrupted: float = param(0.5, doc="recruitment by a band disrupted by the loss of one of its own leaders (sim/sahel/leaders.py) relative to normal",
                                         kind="prob",
                                         source="assumption (0.25-1): recruitment runs through commanders' local networks; Price 2012 finds decapitated groups end sooner, Jordan 2009 not for large, old ones; 1 leaves recruitment untouched by decapitation")
    rel_desert_disrupted: float = param(1.5, doc="desertion and demobilisation of the fighters of a band disrupted by the loss of one of its own leaders, relative to normal",
                                        lo=1, hi=5, source="assumption (1-3): cohesion falls when commanders die; 1 leaves desertion untouched")
    senior_region: int = param(30, doc="radius of a senior leader's region around where he is killed", unit="cells",
                               lo=1, hi=500, source="assumption (15-60 cells, 150-600 km)")
    p_strike_senior: float = param(0.5, doc="chance a strike or raid on a band whose senior guest is located kills him",
                                   kind="prob", source="assumption (0.2-0.8)")
    p_raid_leader: float = param(0.6, doc="chance a special-forces raid kills or captures the located leader it targets",
                                 kind="prob", source="assumption (0.3-0.9)")
    raid_kills: float = param(5.0, doc="mean fighters killed in one raid", unit="people", lo=0, hi=100,
                              source="assumption (2-20)")


@dataclass(frozen=True)
class DeterrenceConfig:
    """Fear: state violence raises perceived risk and lowers insurgent activity (anger is
    ``population.rel_harm_grievance``)."""

    rel_fear_risk: float = param(0.1, doc="perceived risk of joining added at full fear (G - N - this * fear > T)",
                                 lo=0, hi=0.5, source="assumption (0-0.3); Lyall 2009 (JCR 53:331): shelling deterred")
    rel_fear_activity: float = param(0.24, doc="share of insurgent operations deterred at full fear", kind="prob",
                                     source="Lyall 2009: shelled villages saw 24% fewer later attacks; range 0-0.5")
    fear_per_kill: float = param(0.2, doc="fear added in a cell per person killed there by the state side (fighter or civilian), saturating at 1",
                                 lo=0, hi=5, source="assumption (0.05-1)")
    fear_per_detention: float = param(0.1, doc="fear added by a mass detention", lo=0, hi=5, source="assumption (0-0.5)")
    dur_fear: float = param(180.0, doc="e-folding time of fear", unit="days", lo=1, hi=3000, source="assumption (60-720)")


@dataclass(frozen=True)
class UpkeepConfig:
    """What a faction can arm and pay: income from taxation, mines, loot and smuggling, against
    the upkeep of its fighters; unpaid fighters desert, and some demobilise anyway."""

    usd_per_fighter_year: float = param(1200.0, doc="upkeep of a fighter (pay, food, fuel, arms)", unit="USD/yr", lo=0, lo_open=True,
                                        hi=20000, source="assumption (600-3600): reported JNIM pay of roughly 50-150 USD a month")
    tax_usd_per_person_year: float = param(15.0, doc="zakat and levies per person in a cell the faction holds",
                                           unit="USD/yr", lo=0, hi=200,
                                           source="assumption (5-40): zakat of 2.5% on rural incomes of 400-900 USD")
    rel_contested_tax: float = param(0.3, doc="taxation in contested cells relative to held cells", kind="prob",
                                     source="assumption (0-0.6)")
    rel_extortion: float = param(0.6, doc="a non-governing faction's take relative to a governing one's", kind="prob",
                                 source="assumption (0.3-1): IS Sahel extorts rather than administers")
    mine_usd_per_year: float = param(1_000_000.0, doc="income from a mine cell the faction holds or contests", unit="USD/yr",
                                     lo=0, hi=1e8, source="assumption (1e5-5e6): artisanal gold taxation")
    loot_usd_per_raid: float = param(50_000.0, doc="value of arms, vehicles and fuel taken in a successful raid", unit="USD",
                                     lo=0, hi=1e7, source="assumption (1e4-3e5)")
    smuggling_usd_per_year: list[float] = param(doc="income from smuggling routes, kidnapping and outside funding, per faction",
                                                lo=0, hi=1e9, factory=lambda: [2_000_000.0, 1_000_000.0],
                                                source="assumption (0-1e7): ransoms and trafficking; order of magnitude")
    reserve_months: float = param(6.0, doc="months of upkeep a faction can hold in reserve", unit="months", lo=0, hi=120,
                                  source="assumption (1-24)")
    p_desert_unpaid: float = param(0.3, doc="share of unpaid fighters who desert each month", kind="prob", unit="1/month",
                                   source="assumption (0.1-0.6)")
    rate_demobilise: float = param(0.05, doc="yearly share of fighters who leave anyway (fatigue, amnesty, family)", kind="prob",
                                   unit="1/yr", source="assumption (0.02-0.15)")


@dataclass(frozen=True)
class LeversConfig:
    """The levers of issue 11: surveillance platforms, strikes and raids, leaders, deterrence, upkeep."""

    platforms: dict[str, PlatformConfig] = field(default_factory=_platforms)
    leaders: LeadersConfig = field(default_factory=LeadersConfig)
    deterrence: DeterrenceConfig = field(default_factory=DeterrenceConfig)
    upkeep: UpkeepConfig = field(default_factory=UpkeepConfig)
    strike_kills: float = param(8.0, doc="mean fighters killed by one platform strike (Poisson, at most the band)", unit="people",
                                lo=0, hi=100, source="assumption (3-20): reported tolls of single drone strikes in Mali and Burkina Faso are mostly 5-15")
    k_detect_isr: float = param(1.0, doc="detection hazard per unit of Koopman search effort (W v t / A)", lo=0, hi=10,
                                source="Koopman 1946 (random search): p = 1 - exp(-W v t / A); scale assumption (0.5-2)")
