"""The few high-level actors: force units, partner contingents, factions and bands.

Their state lives in two column tables (:class:`UnitTable`, :class:`BandTable`); the Mesa agents
(:class:`ForceUnit`, :class:`Band`, :class:`Faction`, :class:`Partner`) are thin façades that read
and write those arrays by index, so no quantity is kept twice. Fighters are counted in the band
table (people), not as population agents: recruits leave the civilian arrays with status
``recruited`` and add ``people_per_agent`` fighters to a band.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.core.codes import GARRISON, OWNER_NAMES, ROLE_NAMES, STATE
from sim.core.columns import Column, ColumnTable

__all__ = ["UnitTable", "BandTable", "ForceUnit", "Band", "Faction", "Partner"]


class UnitTable(ColumnTable):
    """Ground units of the state side: garrisons and columns of states, partners and militias."""

    COLUMNS = (
        Column("owner", np.int8, STATE, "index into OWNER_NAMES", "state, partner or militia"),
        Column("role", np.int8, GARRISON, "index into ROLE_NAMES", "garrison or column"),
        Column("country", np.int8, 0, "country index", "country it belongs to / is hosted by"),
        Column("partner", np.int16, -1, "partner index", "its partner profile, -1 for state and militia"),
        Column("cell", np.int32, 0, "flat cell index x*height+y", "where it is"),
        Column("town", np.int32, -1, "town index", "garrison's town, or column's destination town"),
        Column("troops", np.float64, 0.0, "people", "troops in the unit"),
        Column("quality", np.float64, 0.0, "1", "effectiveness of fire per soldier"),
        Column("discrimination", np.float64, 0.0, "1", "how well its fire spares civilians"),
        Column("gloves_off", np.bool_, False, "bool", "detains en masse and takes reprisals"),
        Column("active", np.bool_, False, "bool", "present and with troops"),
    )
    owner: np.ndarray
    role: np.ndarray
    country: np.ndarray
    partner: np.ndarray
    cell: np.ndarray
    town: np.ndarray
    troops: np.ndarray
    quality: np.ndarray
    discrimination: np.ndarray
    gloves_off: np.ndarray
    active: np.ndarray

    def __init__(self, capacity: int):
        super().__init__(capacity)
        self.troops0 = np.zeros(0)  # troops of each unit at set-up (set once every unit is placed)

    def add(self, owner: int, role: int, country: int, cell: int, town: int, troops: float,
            partner: int = -1) -> int:
        return self.append(owner=owner, role=role, country=country, cell=cell, town=town, troops=troops,
                           partner=partner, active=True)


class BandTable(ColumnTable):
    """Insurgent bands: where they are, how many fighters and leaders, and whether disrupted."""

    COLUMNS = (
        Column("faction", np.int8, 0, "faction index", "the band's faction"),
        Column("cell", np.int32, 0, "flat cell index x*height+y", "where it is"),
        Column("fighters", np.float64, 0.0, "people", "fighters in the band"),
        Column("leaders", np.int16, 0, "people", "leaders in the band"),
        Column("experience", np.float64, 0.0, "fighter-days", "combat experience; pool for new leaders"),
        Column("t_disrupted", np.int32, -1, "step index", "step until which the band is disrupted"),
        Column("t_leader_due", np.int32, -1, "step index", "step a replacement leader emerges (-1 none due)"),
        Column("evidence", np.float64, 0.0, "1", "pattern-of-life evidence on the band's leadership"),
        Column("threshold", np.float64, np.nan, "1", "evidence at which its leader is located (Exp(1); NaN: not drawn)"),
        Column("t_senior_disrupted", np.int32, -1, "step index", "step until which a senior leader's death disrupts it"),
    )
    faction: np.ndarray
    cell: np.ndarray
    fighters: np.ndarray
    leaders: np.ndarray
    experience: np.ndarray
    t_disrupted: np.ndarray
    t_leader_due: np.ndarray
    evidence: np.ndarray
    threshold: np.ndarray
    t_senior_disrupted: np.ndarray

    @property
    def alive(self) -> np.ndarray:
        return self.fighters[: self.n] > 0

    def add(self, faction: int, cell: int, fighters: float, leaders: int) -> int:
        return self.append(faction=faction, cell=cell, fighters=fighters, leaders=leaders)


class _ArrayAgent(mesa.Agent):
    """A Mesa agent that is a view on row ``index`` of an array table."""

    def __init__(self, model: mesa.Model, table, index: int):
        super().__init__(model)
        self.table, self.index = table, index

    @property
    def xy(self) -> tuple[int, int]:
        """Grid coordinates, read from the table (Mesa's own ``pos`` stays unused)."""
        return divmod(int(self.table.cell[self.index]), self.model.world.height)


class ForceUnit(_ArrayAgent):
    """A garrison or column of a state, partner or militia (a view on the unit table)."""

    @property
    def troops(self) -> float:
        return float(self.table.troops[self.index])

    @property
    def owner(self) -> str:
        return OWNER_NAMES[self.table.owner[self.index]]

    @property
    def role(self) -> str:
        return ROLE_NAMES[self.table.role[self.index]]


class Band(_ArrayAgent):
    """An insurgent band (a view on the band table)."""

    @property
    def fighters(self) -> float:
        return float(self.table.fighters[self.index])

    @property
    def leaders(self) -> int:
        return int(self.table.leaders[self.index])


class Faction(mesa.Agent):
    """A jihadist faction: a profile from the config; its strength is the sum of its bands'."""

    def __init__(self, model: mesa.Model, index: int, name: str):
        super().__init__(model)
        self.index, self.name = index, name

    @property
    def fighters(self) -> float:
        b = self.model.bands
        return float(b.fighters[: b.n][b.faction[: b.n] == self.index].sum())


class Partner(mesa.Agent):
    """A foreign partner profile; whether it is present today follows its dates and ``active``."""

    def __init__(self, model: mesa.Model, index: int, name: str):
        super().__init__(model)
        self.index, self.name = index, name

    @property
    def present(self) -> bool:
        return bool(self.model.partner_present[self.index])
