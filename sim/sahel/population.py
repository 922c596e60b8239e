"""Civilians as groups with headcounts, in a column table (structure of arrays).

A population row is a **group**: people who share a cell, a home, a community and their
attitudes, with an integer headcount ``people``. Every decision draws a count of people (how
many join, flee, return or die), so results are in people, to the person. People who flee
split off into a group of their own at the destination (or join their group's displaced
sibling there); a group whose headcount reaches zero leaves an empty row that compaction
reclaims. ``people_per_agent`` only sets the initial group size.

One owner per person: civilians live here, fighters in their bands (``BandTable.fighters``);
the column table below is the single declaration of a group's state.
"""

from __future__ import annotations

import numpy as np

from sim.core.codes import COMMUNITIES, DISPLACED, HOME, URBAN
from sim.core.columns import Column, ColumnTable

__all__ = ["COLUMNS", "Population", "place_population", "HOME", "DISPLACED", "URBAN"]

COLUMNS: tuple[Column, ...] = (
    Column("cell", np.int32, -1, "flat cell index x*height+y", "where the group is now"),
    Column("home", np.int32, -1, "flat cell index", "home cell, where displaced people return"),
    Column("community", np.int8, 0, "index into COMMUNITIES", "farmers, pastoralists, nomads or urban"),
    Column("status", np.int8, HOME, "HOME or DISPLACED", "at home, or displaced away from it"),
    Column("people", np.int32, 0, "people", "headcount (0: an empty row)"),
    Column("hardship", np.float32, 0.0, "1", "perceived hardship H in [0, 1] (Epstein 2002)"),
    Column("risk_aversion", np.float32, 0.0, "1", "risk aversion R in [0, 1] (Epstein 2002)"),
    Column("legitimacy", np.float32, 0.0, "1", "perceived legitimacy of the state L in [0, 1]"),
    Column("sympathy", np.float32, 0.0, "1", "sympathy for the insurgents in [0, 1]"),
    Column("harm", np.float32, 0.0, "harm units", "remembered harm by the state side (decays)"),
    Column("t_displaced", np.int32, -1, "step index", "step the group was displaced (-1 if never)"),
    Column("sibling", np.int32, -1, "row index", "the row its people move to: a home group's displaced "
           "split, or a displaced group's home group (-1 none)"),
)


class Population(ColumnTable):
    """The civilian groups: one array per :data:`COLUMNS` entry, rows ``0..n-1`` in use.

    ``n`` grows as groups split; :meth:`reserve` grows the capacity (rows keep their index) and
    :meth:`compact` drops empty rows (rows are renumbered, siblings remapped).
    """

    COLUMNS = COLUMNS

    def __init__(self, n: int, people_per_agent: int, capacity: int | None = None):
        super().__init__(max(n, capacity or 0), n)
        self.people_per_agent = int(people_per_agent)

    # typed attributes for readers and linters
    cell: np.ndarray
    home: np.ndarray
    community: np.ndarray
    status: np.ndarray
    people: np.ndarray
    hardship: np.ndarray
    risk_aversion: np.ndarray
    legitimacy: np.ndarray
    sympathy: np.ndarray
    harm: np.ndarray
    t_displaced: np.ndarray
    sibling: np.ndarray

    @property
    def bytes_per_agent(self) -> int:
        """Bytes of state per group row."""
        return self.bytes_per_row()

    @property
    def total(self) -> int:
        """Civilians alive (people, at home or displaced)."""
        return int(self.people[: self.n].sum(dtype=np.int64))

    def reserve(self, extra: int) -> None:
        """Make room for ``extra`` more rows (capacity grows by at least half; indices kept)."""
        need = self.n + int(extra)
        if need <= self.capacity:
            return
        self.grow(max(need, self.capacity + self.capacity // 2 + 64))

    def compact(self) -> None:
        """Drop empty rows, keeping the others in order; siblings follow their rows."""
        n = self.n
        keep = self.people[:n] > 0
        new_index = np.full(n, -1, np.int32)
        new_index[keep] = np.arange(int(keep.sum()), dtype=np.int32)
        sib = self.sibling[:n][keep]
        remapped = np.where(sib >= 0, new_index[np.maximum(sib, 0)], -1).astype(np.int32)
        m = int(keep.sum())
        for col in self.COLUMNS:
            arr = getattr(self, col.name)
            arr[:m] = arr[:n][keep]
            arr[m:n] = col.default
        self.sibling[:m] = remapped
        self.n = m


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


def _group_sizes(people: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Split each cell's integer ``people`` into ``ceil(people / size)`` groups as equal as
    possible; return (cell of each group, its headcount)."""
    n_groups = -(-people // size)
    cells = np.repeat(np.arange(people.size, dtype=np.int32), n_groups)
    first = np.cumsum(n_groups) - n_groups
    j = np.arange(cells.size) - np.repeat(first, n_groups)  # rank of the group within its cell
    base, rem = people[cells] // n_groups[cells], people[cells] % n_groups[cells]
    return cells, (base + (j < rem)).astype(np.int32)


def place_population(world, cfg, rng: np.random.Generator) -> Population:
    """Create the civilian groups from the world's town and rural people, by community.

    For each (country, community) the people are rounded to a whole number and spread over that
    country's cells by the largest-remainder method, so placed people equal the data to within
    half a person per (country, community). Each cell's people form groups of at most
    ``people_per_agent``, as equal as possible. Town dwellers are the ``urban`` community; rural
    people are split by the terrain band's community shares (``population.shares_*``).
    Hardship and risk aversion are U(0, 1) per group as in Epstein (2002); legitimacy and
    sympathy start at their community's configured values.
    """
    pcfg = cfg.population
    size = cfg.people_per_agent
    shares = np.array([pcfg.shares_sahara, pcfg.shares_sahel, pcfg.shares_sudanian, pcfg.shares_river])
    terrain = world.terrain.ravel()
    rural = world.rural_people.ravel()
    town = world.town_people.ravel()
    country = world.country.ravel()

    cells_out: list[np.ndarray] = []
    people_out: list[np.ndarray] = []
    comm_out: list[np.ndarray] = []
    for c in range(len(world.country_names)):
        in_country = country == c
        for k in range(len(COMMUNITIES)):
            people = np.where(in_country, rural * shares[terrain, k], 0.0)
            if k == URBAN:
                people = people + np.where(in_country, town, 0.0)
            total = int(round(people.sum()))
            if total == 0:
                continue
            cells, heads = _group_sizes(_largest_remainder(people, total), size)
            cells_out.append(cells)
            people_out.append(heads)
            comm_out.append(np.full(cells.size, k, dtype=np.int8))

    cells = np.concatenate(cells_out) if cells_out else np.zeros(0, np.int32)
    n = cells.size
    pop = Population(n, size, capacity=n + n // 4 + 64)
    pop.cell[:n] = cells
    pop.home[:n] = cells
    pop.people[:n] = np.concatenate(people_out) if people_out else np.zeros(0, np.int32)
    pop.community[:n] = np.concatenate(comm_out) if comm_out else np.zeros(0, np.int8)
    pop.hardship[:n] = rng.random(n, dtype=np.float32)
    pop.risk_aversion[:n] = rng.random(n, dtype=np.float32)
    pop.legitimacy[:n] = np.asarray(pcfg.legitimacy0, np.float32)[pop.community[:n]]
    pop.sympathy[:n] = np.asarray(pcfg.sympathy0, np.float32)[pop.community[:n]]
    return pop
