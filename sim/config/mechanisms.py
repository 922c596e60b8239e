"""Typed config of the shared mechanisms: detection, engagements, harm, control and movement.

Each value carries its unit and source, or ``assumption`` with a plausible range; rates are per
day unless the unit says otherwise. The engagement rule is chosen by name from
:data:`sim.rules.attrition.RULES`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.core.params import param
from sim.rules.attrition import RULES as ATTRITION_RULES


@dataclass(frozen=True)
class MechanismsConfig:
    """Parameters of the shared mechanisms: detection, engagements, harm, control, movement."""

    attrition: str = param("deitchman_1962", doc="engagement rule (sim/rules/attrition.py): aimed fire on detected targets, area fire otherwise",
                           choices=tuple(ATTRITION_RULES))
    k_fire: float = param(0.02, doc="aimed fire: enemy losses per effective shooter per engagement", lo=0,
                          source="assumption (0.005-0.05)")
    rel_area_fire: float = param(0.25, doc="effectiveness of area fire relative to aimed fire", kind="prob",
                                 source="Deitchman 1962 (Operations Research 10:818): guerrilla targets are hit far less by unaimed fire; value assumption (0.1-0.5)")
    k_collateral: float = param(0.0005, doc="civilians killed per effective shot per (person/km2) of local density, times (1 - discrimination)",
                                unit="deaths km2/(shot person)", lo=0, source="assumption (1e-4 - 3e-3)")
    collateral_density_cap: float = param(100.0, doc="densest population that area fire reaches: people shelter and fighting sits at a town's edge",
                                          unit="people/km2", lo=0, lo_open=True, source="assumption (30-500)")
    strike_shots: float = param(100.0, doc="effective shots of one air or drone strike (for its collateral)", lo=0,
                                source="assumption (20-300)")
    k_strike: float = param(0.15, doc="share of a detected band's fighters killed by one strike", kind="prob",
                            source="assumption (0.05-0.3)")
    p_strike_leader: float = param(0.3, doc="chance a strike on a band whose leader is located kills that leader",
                                   kind="prob", source="assumption (0.1-0.6)")
    k_detect: float = param(1.0, doc="detection hazard per unit of (surveillance x presence + intelligence + tips)", lo=0,
                            source="assumption (0.2-3)")
    vision: int = param(3, doc="reach of presence for detection, arrest risk and social pull", unit="cells", lo=0, hi=30,
                        source="assumption (1-5 cells, 10-50 km)")
    troops_per_presence: float = param(500.0, doc="troops that make one unit of presence for detection", unit="people",
                                       lo=1, source="assumption (100-2000)")
    control_default: float = param(0.5, doc="control a cell drifts to with no armed presence near (+1 state, -1 insurgent)",
                                   lo=-1, hi=1, source="assumption: nominal state administration")
    rate_control: float = param(0.02, doc="daily rate at which control follows the local balance of presence",
                                unit="1/day", kind="prob", source="Kalyvas 2006: control follows presence over time; value assumption (0.005-0.1)")
    dur_violence: float = param(30.0, doc="e-folding time of the local violence level", unit="days", lo=1,
                                source="assumption (7-90)")
    violence_scale: float = param(5.0, doc="deaths per 1,000 residents of a cell that raise its violence level by 1 - 1/e",
                                  unit="deaths/1000 people", lo=0, lo_open=True,
                                  source="assumption (1-20): an attack in a city frightens fewer people per death than in a village")
    calm: float = param(0.05, doc="violence level below which a cell counts as calm (a secure home, see displacement.dur_secure)", lo=0, source="assumption (0.01-0.2)")
    band_speed: int = param(3, doc="cells a band moves per day cross-country", unit="cells/day", lo=0, hi=20,
                            source="assumption (motorbikes: 20-60 km/day)")
    column_speed_km: float = param(150.0, doc="distance a column covers per day on an artery", unit="km/day", lo=1,
                                   source="assumption (50-300)")
    dur_patrol: int = param(10, doc="days a column stays at a town between moves", unit="days", lo=1,
                            source="assumption")
    max_band: float = param(600.0, doc="fighters above which a band splits in two", unit="people", lo=10,
                            source="assumption (200-1500)")
    supply_days: float = param(90.0, doc="days of supplies a town holds", unit="days", lo=1, source="assumption (30-180)")
