"""Typed config of displacement: flight by cause, destinations, protracted exile, sieges.

Used by :mod:`sim.sahel.displacement` (docs/ODD.md, submodel "Displacement"). Each value
carries its unit and source, or ``assumption`` with a plausible range; rates are per day.
The flight hazard of a person at home is the sum of five terms (each its own parameter, each
recorded as a cause of flight), times ``0.5 + risk aversion``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.core.codes import COMMUNITIES
from sim.core.params import ConfigError, param


def _shares(*values: float):
    return lambda: list(values)


@dataclass(frozen=True)
class DisplacementConfig:
    """Parameters of flight, destinations, return, sieges and onward emigration."""

    # ---- 1. flight from insecurity: one term per cause
    p_flee_violence: float = param(0.3, doc="flight hazard per unit of violence level (own cell plus `rel_violence_near` x the mean within `walk_radius`)",
                                   unit="1/day", kind="prob",
                                   source="assumption (0.05-0.8); the earlier population.p_flee; Flee (Suleimenova et al. 2017): people flee conflict locations")
    rel_violence_near: float = param(1.0, doc="weight of the mean violence within a few days' walk relative to the cell's own",
                                     lo=0, hi=10, source="assumption (0.3-3); IOM DTM Burkina: villages empty ahead of attacks on neighbours")
    walk_radius: int = param(4, doc="a few days' walk: reach of the violence that people flee", unit="cells", lo=0, hi=30,
                             source="assumption (2-8 cells, 20-80 km at 10 km cells)")
    p_flee_coercion: float = param(0.002, doc="flight hazard per unit of insurgent control (-control, where fighters are within reach): threats and orders to leave",
                                   unit="1/day", kind="prob",
                                   source="assumption (0.0005-0.01); HRW 2020/UN OCHA Burkina: armed groups order villages to leave, with no attack recorded")
    rel_coercion_target: list[float] = param(doc="coercion weight by community (farmers, pastoralists, nomads, urban): the communities armed groups target",
                                             lo=0, hi=10, factory=_shares(1.5, 1.0, 0.5, 1.0),
                                             source="assumption (0.5-3); HRW 2019-2020: JNIM and IS Sahel expel farming (and Christian) villages seen as backing VDP/the state")
    p_flee_operations: float = param(0.001, doc="flight hazard per unit of state-side presence (troops_near / troops_per_presence, capped at 1) where fighters are also within reach: clearing operations",
                                     unit="1/day", kind="prob",
                                     source="assumption (0.0002-0.005); HRW 2023, Amnesty 2020: army sweeps empty villages")
    p_flee_punishment: float = param(0.05, doc="flight hazard per unit of harm by the state side (deaths and detentions among the community in the cell): collective punishment",
                                     unit="1/day", kind="prob",
                                     source="assumption (0.01-0.2); HRW 2020-2024: Fulani/Peul flee reprisals by the army and VDP")
    p_flee_siege: float = param(0.01, doc="flight hazard per unit of a town's supply shortfall (1 - supplies/supply_days): hunger and prices",
                                unit="1/day", kind="prob",
                                source="assumption (0.002-0.05); OCHA Burkina 2023: people leave blockaded towns when convoys get through")
    rel_siege_trap: float = param(0.9, doc="share of the flight hazard that a blockade blocks in its town: leaving a besieged town is costly",
                                  kind="prob", source="assumption (0.5-0.98); HRW 2023 Djibo: people leaving are attacked on the roads")
    # ---- 2. destinations
    flee_radius: int = param(6, doc="reach of towns people flee to", unit="cells", lo=1, hi=100,
                             source="assumption (3-20 cells, 30-200 km); the earlier population.flee_radius")
    camp_radius: int = param(30, doc="reach of refugee camps", unit="cells", lo=0, hi=200,
                             source="assumption (10-60 cells): Malians walked and drove 200-500 km to Mbera (UNHCR 2012)")
    rel_distance: float = param(0.01, doc="destination score per cell of distance (lower is better)", unit="1/cell", lo=0,
                                source="assumption (0.002-0.05); Flee: nearer locations preferred")
    rel_safety_control: float = param(0.5, doc="weight of state control at the destination in its score", lo=0,
                                      source="assumption (0.2-1); the earlier refuge rule")
    rel_kin: float = param(0.2, doc="weight of the destination's share of one's own community in its score (kin)", lo=0,
                           source="assumption (0-0.5); IOM DTM: most IDPs are hosted by relatives")
    rel_crowding_avoid: float = param(0.2, doc="weight of crowding (hosted people / capacity) at the destination in its score", lo=0,
                                      source="assumption (0-1)")
    rel_border: float = param(0.3, doc="score penalty of a destination across a border (papers, language, distance from home)", lo=0,
                              source="assumption (0-1); UNHCR: most Sahel displaced stay in their country")
    rel_camp_protection: float = param(0.3, doc="score bonus of a refugee camp (protection and assistance)", lo=0,
                                       source="assumption (0-1)")
    rel_town_capacity: float = param(1.0, doc="displaced people a town can host per resident before crowding", lo=0, lo_open=True,
                                     source="assumption (0.3-5): Djibo went from ~60 k to ~300 k (sahel_facts.md s1)")
    rel_crowding_hardship: float = param(0.3, doc="hardship added to people in a crowded site, per unit of crowding (capped at 1)", lo=0, hi=1,
                                         source="assumption (0-0.5); UNHCR/OCHA: overcrowded sites, food and water short")
    rel_displaced_hardship: float = param(0.2, doc="hardship every displaced person carries (lost land, herds, work)", lo=0, hi=1,
                                          source="assumption (0-0.5); IDMC 2021: displacement deepens poverty")
    p_onward: float = param(0.0005, doc="daily chance that a displaced person in a neighbouring (non-core) country moves beyond the modelled area (an emigrant)",
                            unit="1/day", kind="prob", source="assumption (0-0.003); IOM: onward movement to coastal states, North Africa")
    # ---- 3. protracted displacement and return
    p_return: float = param(0.005, doc="daily chance that a displaced person returns once home has been secure for `dur_secure` days",
                            unit="1/day", kind="prob", source="assumption (0.001-0.02); the earlier population.p_return was 0.01")
    dur_secure: float = param(180.0, doc="days home must be secure (calm and state-held, or calm with no fighters near) before anyone returns",
                              unit="days", lo=0, source="assumption (90-365): a quiet fortnight is not enough (IOM DTM return intentions)")
    dur_settle: float = param(730.0, doc="e-folding time of the wish to return with time away (return is partial)", unit="days", lo=1,
                              source="assumption (365-2000); UNHCR: protracted situations last five years or more")

    def check(self, prefix: str) -> None:
        if len(self.rel_coercion_target) != len(COMMUNITIES):
            raise ConfigError(f"{prefix}.rel_coercion_target", self.rel_coercion_target,
                              f"{len(COMMUNITIES)} values, one per community {COMMUNITIES}")
