"""The few high-level actors: force units, partner contingents, factions and bands.

Their state lives in two array tables (:class:`UnitTable`, :class:`BandTable`); the Mesa agents
(:class:`ForceUnit`, :class:`Band`, :class:`Faction`, :class:`Partner`) are thin façades that read
and write those arrays by index, so no quantity is kept twice. Fighters are counted in the band
table (people), not as population agents: recruits leave the civilian arrays with status
``recruited`` and add ``people_per_agent`` fighters to a band.
"""

from __future__ import annotations

import mesa
import numpy as np

__all__ = ["UnitTable", "BandTable", "ForceUnit", "Band", "Faction", "Partner",
           "STATE", "PARTNER", "MILITIA", "OWNER_NAMES", "GARRISON", "COLUMN", "ROLE_NAMES"]

# who a unit belongs to (the perpetrator classes of civilian harm)
STATE, PARTNER, MILITIA = 0, 1, 2
OWNER_NAMES = ("state", "partner", "militia")
# what a unit does
GARRISON, COLUMN = 0, 1
ROLE_NAMES = ("garrison", "column")


class UnitTable:
    """Ground units of the state side: garrisons and columns of states, partners and militias."""

    def __init__(self, capacity: int):
        self.n = 0
        self.owner = np.zeros(capacity, np.int8)
        self.role = np.zeros(capacity, np.int8)
        self.country = np.zeros(capacity, np.int8)     # country it belongs to / is hosted by
        self.partner = np.full(capacity, -1, np.int16)  # partner index, -1 for state and militia
        self.cell = np.zeros(capacity, np.int32)        # flat cell index
        self.town = np.full(capacity, -1, np.int32)     # garrison's town, or column's destination town
        self.troops = np.zeros(capacity, np.float64)    # people
        self.quality = np.zeros(capacity, np.float64)
        self.discrimination = np.zeros(capacity, np.float64)
        self.gloves_off = np.zeros(capacity, np.bool_)
        self.active = np.zeros(capacity, np.bool_)

    def add(self, owner: int, role: int, country: int, cell: int, town: int, troops: float,
            partner: int = -1) -> int:
        i = self.n
        if i >= self.owner.size:
            raise RuntimeError("unit table is full")
        self.owner[i], self.role[i], self.country[i], self.cell[i] = owner, role, country, cell
        self.town[i], self.troops[i], self.partner[i], self.active[i] = town, troops, partner, True
        self.n += 1
        return i


class BandTable:
    """Insurgent bands: where they are, how many fighters and leaders, and whether disrupted."""

    def __init__(self, capacity: int):
        self.n = 0
        self.faction = np.zeros(capacity, np.int8)
        self.cell = np.zeros(capacity, np.int32)
        self.fighters = np.zeros(capacity, np.float64)   # people
        self.leaders = np.zeros(capacity, np.int16)
        self.experience = np.zeros(capacity, np.float64)  # fighter-days of combat; pool for new leaders
        self.t_disrupted = np.full(capacity, -1, np.int32)  # step until which the band is disrupted
        self.t_leader_due = np.full(capacity, -1, np.int32)  # step a replacement leader emerges

    @property
    def alive(self) -> np.ndarray:
        return self.fighters[: self.n] > 0

    def add(self, faction: int, cell: int, fighters: float, leaders: int) -> int:
        i = self.n
        if i >= self.faction.size:
            raise RuntimeError("band table is full")
        self.faction[i], self.cell[i], self.fighters[i], self.leaders[i] = faction, cell, fighters, leaders
        self.n += 1
        return i


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
