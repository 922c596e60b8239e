"""Civilian population agents as a structure of arrays, declared once in a column table.

Civilians are too many for one Python object each. Each population agent stands for
``people_per_agent`` people and lives in typed numpy columns (LASER/Starsim style). The column
table below is the single declaration: name, dtype, default, unit and meaning. Results are
always reported in people (agents x people_per_agent), never in agents.
"""

from __future__ import annotations

import numpy as np

from sim.core.codes import COMMUNITIES, DEAD, DISPLACED, HOME, RECRUITED, STATUS_NAMES, URBAN
from sim.core.columns import Column, ColumnTable

__all__ = ["COLUMNS", "Population", "place_population", "HOME", "DISPLACED", "RECRUITED", "DEAD",
           "STATUS_NAMES", "URBAN"]

COLUMNS: tuple[Column, ...] = (
    Column("cell", np.int32, -1, "flat cell index x*height+y", "where the agent is now (for recruits: home cell)"),
    Column("home", np.int32, -1, "flat cell index", "home cell, where displaced people return"),
    Column("community", np.int8, 0, "index into COMMUNITIES", "farmers, pastoralists, nomads or urban"),
    Column("status", np.int8, HOME, "index into STATUS_NAMES", "home, displaced, recruited or dead"),
    Column("band", np.int16, -1, "band index", "the band a recruit fights in (-1 if not recruited)"),
    Column("hardship", np.float32, 0.0, "1", "perceived hardship H in [0, 1] (Epstein 2002)"),
    Column("risk_aversion", np.float32, 0.0, "1", "risk aversion R in [0, 1] (Epstein 2002)"),
    Column("legitimacy", np.float32, 0.0, "1", "perceived legitimacy of the state L in [0, 1]"),
    Column("sympathy", np.float32, 0.0, "1", "sympathy for the insurgents in [0, 1]"),
    Column("harm", np.float32, 0.0, "harm units", "remembered harm by the state side (decays)"),
    Column("t_displaced", np.int32, -1, "step index", "step the agent was displaced (-1 if never)"),
)


class Population(ColumnTable):
    """Typed columns of the population agents, one array per :data:`COLUMNS` entry (all rows in use)."""

    COLUMNS = COLUMNS

    def __init__(self, n: int, people_per_agent: int):
        super().__init__(n, n)
        self.people_per_agent = int(people_per_agent)

    # typed attributes for readers and linters
    cell: np.ndarray
    home: np.ndarray
    community: np.ndarray
    status: np.ndarray
    band: np.ndarray
    hardship: np.ndarray
    risk_aversion: np.ndarray
    legitimacy: np.ndarray
    sympathy: np.ndarray
    harm: np.ndarray
    t_displaced: np.ndarray

    @property
    def bytes_per_agent(self) -> int:
        return self.bytes_per_row()

    def people_by_status(self) -> np.ndarray:
        """People in each status (index by HOME, DISPLACED, RECRUITED, DEAD)."""
        return np.bincount(self.status, minlength=len(STATUS_NAMES)).astype(np.float64) * self.people_per_agent


def _largest_remainder(expected: np.ndarray, total: int) -> np.ndarray:
    """Integer counts summing to ``total`` that are as close as possible to ``expected``.

    Hamilton's method; ties broken by position so the result is deterministic.
    """
    base = np.floor(expected).astype(np.int64)
    short = int(total - base.sum())
    if short > 0:
        order = np.argsort(-(expected - base), kind="stable")
        base[order[:short]] += 1
    return base


def place_population(world, cfg, rng: np.random.Generator) -> Population:
    """Create population agents from the world's town and rural people, by community.

    For each (country, community) group the number of agents is the group's people divided by
    ``people_per_agent``, rounded to the nearest integer; agents are spread over that group's
    cells by the largest-remainder method, so placed people equal the data within
    ``people_per_agent / 2`` per group. Town dwellers are the ``urban`` community; rural people
    are split by the terrain band's community shares (``population.shares_*``).
    Hardship and risk aversion are U(0, 1) as in Epstein (2002); legitimacy and sympathy start at
    their community's configured values.
    """
    pcfg = cfg.population
    ppa = cfg.people_per_agent
    shares = np.array([pcfg.shares_sahara, pcfg.shares_sahel, pcfg.shares_sudanian, pcfg.shares_river])
    terrain = world.terrain.ravel()
    rural = world.rural_people.ravel()
    town = world.town_people.ravel()
    country = world.country.ravel()

    cells_out: list[np.ndarray] = []
    comm_out: list[np.ndarray] = []
    for c in range(len(world.country_names)):
        in_country = country == c
        for k in range(len(COMMUNITIES)):
            people = np.where(in_country, rural * shares[terrain, k], 0.0)
            if k == URBAN:
                people = people + np.where(in_country, town, 0.0)
            total_people = people.sum()
            n_agents = int(round(total_people / ppa))
            if n_agents == 0:
                continue
            counts = _largest_remainder(people / ppa, n_agents)
            cells_out.append(np.repeat(np.arange(people.size, dtype=np.int32), counts))
            comm_out.append(np.full(n_agents, k, dtype=np.int8))

    cells = np.concatenate(cells_out) if cells_out else np.zeros(0, np.int32)
    pop = Population(cells.size, ppa)
    pop.cell[:] = cells
    pop.home[:] = cells
    pop.community[:] = np.concatenate(comm_out) if comm_out else np.zeros(0, np.int8)
    pop.hardship[:] = rng.random(pop.n, dtype=np.float32)
    pop.risk_aversion[:] = rng.random(pop.n, dtype=np.float32)
    pop.legitimacy[:] = np.asarray(pcfg.legitimacy0, np.float32)[pop.community]
    pop.sympathy[:] = np.asarray(pcfg.sympathy0, np.float32)[pop.community]
    return pop
