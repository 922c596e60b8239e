"""Phase 7, record: record the metrics (in people) into the preallocated recorder."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.codes import MILITIA, PARTNER, STATE
from sim.sahel.displacement import CAUSES
from sim.sahel.kernels.fields import zone_sums
from sim.sahel.phases.control import INSURGENT_ZONE, STATE_ZONE


@dataclass
class Interval:
    """Counters of what happens between two records (the flows, as opposed to stocks), in people."""

    recruits: np.ndarray          # by faction
    insurgent_losses: np.ndarray  # by faction
    civ_insurgents: np.ndarray    # civilians killed by insurgents, by faction
    leaders_killed: np.ndarray    # by faction
    civ_by_owner: np.ndarray      # civilians killed by STATE, PARTNER, MILITIA
    flights: np.ndarray           # people who fled, by cause (sim.sahel.displacement.CAUSES)
    state_losses: float = 0.0
    emigrants: float = 0.0        # people who left the modelled area
    returns: float = 0.0          # displaced people who went home

    @classmethod
    def zeros(cls, n_factions: int) -> Interval:
        return cls(np.zeros(n_factions), np.zeros(n_factions), np.zeros(n_factions), np.zeros(n_factions),
                   np.zeros(3), np.zeros(len(CAUSES)))

    def reset(self) -> None:
        for counts in (self.recruits, self.insurgent_losses, self.civ_insurgents, self.leaders_killed,
                       self.civ_by_owner, self.flights):
            counts[:] = 0.0
        self.state_losses = 0.0
        self.emigrants = 0.0
        self.returns = 0.0


def reset_interval(model) -> None:
    """Start a new interval of flows."""
    model.interval.reset()
    for flows in (model.leaders.senior_killed, model.leaders.band_killed, model.isr.strikes, model.upkeep.deserters):
        flows[:] = 0.0


@dataclass
class CountryCells:
    """The core countries and their cells, built once (countries never change): ``core`` their
    ids, ``labels`` their names; their cells as runs of consecutive flat cell indices
    ``starts[r]:stops[r]``, country ``core[g]``'s runs ``r`` in ``ptr[g]:ptr[g + 1]``."""

    core: np.ndarray
    labels: tuple[str, ...]
    starts: np.ndarray
    stops: np.ndarray
    ptr: np.ndarray

    @classmethod
    def of(cls, world) -> CountryCells:
        country = world.country.reshape(-1)
        core = np.flatnonzero(world.is_core_country)
        starts, stops, ptr = [], [], [0]
        for i in core:
            cells = np.flatnonzero(country == i)
            breaks = np.flatnonzero(np.diff(cells) != 1) + 1
            starts.append(cells[np.concatenate([[0], breaks])] if cells.size else cells)
            stops.append(cells[np.concatenate([breaks - 1, [cells.size - 1]])] + 1 if cells.size else cells)
            ptr.append(ptr[-1] + starts[-1].size)
        join = (lambda parts: np.concatenate(parts).astype(np.int64)) if core.size else (lambda _: np.zeros(0, np.int64))
        return cls(core, tuple(world.country_names[i] for i in core), join(starts), join(stops), np.array(ptr))


_TOTALS = ("insurgent_fighters", "recruits", "insurgent_losses", "civilian_deaths_by_insurgents", "leaders_killed",
           "senior_leaders_killed", "band_leaders_killed", "deserters", "fighter_capacity", "air_drone_strikes",
           "state_losses", "civilian_deaths_by_state", "civilian_deaths_by_partner", "civilian_deaths_by_militia",
           "emigrants", "returns", *(f"flight_{cause}" for cause in CAUSES), "displaced_in", "civilians", "population",
           "displaced", "refugees", "blockaded_towns", "arteries_cut", "mean_legitimacy", "mean_grievance")
"""The metrics whose 'all' series :func:`record` writes as scalars, in the order of its list."""

_BY_FACTION = ("insurgent_fighters", "recruits", "insurgent_losses", "civilian_deaths_by_insurgents", "leaders_killed",
               "senior_leaders_killed", "band_leaders_killed", "deserters", "fighter_capacity")
_BY_CORE = ("air_drone_strikes", "civilians", "population", "displaced", "refugees", "displaced_in")
_BY_ZONE = ("pop_share_state_control", "pop_share_insurgent_control", "pop_share_contested",
            "territory_share_outside_state_control")  # over ("all", *core countries)
_BY_COMMUNITY = ("mean_legitimacy", "mean_grievance")


def _columns(model) -> np.ndarray:
    """The recorder's columns of one record's values, in :func:`record`'s order (built once)."""
    rec = model.recorder
    key = ("record", model.faction_names, model.country_cells.labels, model.communities)
    cols = rec.columns.get(key)
    if cols is None:
        labels = model.country_cells.labels
        pairs = [(name, "all") for name in _TOTALS]
        pairs += [(name, g) for name in _BY_FACTION for g in model.faction_names]
        pairs += [(name, g) for name in _BY_CORE for g in labels]
        pairs += [(name, g) for name in _BY_ZONE for g in ("all", *labels)]
        pairs += [(name, g) for name in _BY_COMMUNITY for g in model.communities]
        cols = rec.columns[key] = np.array([rec.index[p] for p in pairs], np.int64)
    return cols


def record(model) -> None:
    """One row of every series, written by one assignment (the columns from :func:`_columns`)."""
    rec, w = model.recorder, model.world
    row = rec.new_row(model.steps)
    acc, b, lv, up = model.interval, model.bands, model.leaders, model.upkeep
    fighters = np.bincount(b.faction[: b.n], weights=b.fighters[: b.n], minlength=len(model.faction_names))
    displaced_in, refugees = model.displaced_in, model.refugees_from
    # people: civilians where they are, fighters where their bands are; 'all' is the whole map
    civilians, people_displaced = model.civilians_in, model.displaced_from
    fighters_in = np.bincount(w.country.reshape(-1)[b.cell[: b.n]], weights=b.fighters[: b.n],
                              minlength=civilians.size)
    # other stocks by country (core countries only; the 'all' total is over the core countries)
    cells = model.country_cells
    core = cells.core
    strikes = model.isr.strikes[core]
    sums = np.empty((core.size + 1, 6))  # people by zone, and cells (kernels.fields.zone_sums)
    zone_sums(model.field("control"), model.field("people"), cells.starts, cells.stops, cells.ptr, STATE_ZONE,
              INSURGENT_ZONE, sums)
    p_tot = np.maximum(sums[:, 0], 1.0)
    n = np.maximum(model.n_alive, 1)
    legit, griev = model.sum_legit / n, model.sum_griev / n
    weights = model.n_alive / max(model.n_alive.sum(), 1)
    civilians_all, fighters_all = civilians.sum(), fighters.sum()
    by_faction = (fighters, acc.recruits, acc.insurgent_losses, acc.civ_insurgents, acc.leaders_killed,
                  lv.senior_killed, lv.band_killed, up.deserters, up.capacity)  # _BY_FACTION's, in order
    totals = [strikes.sum(), acc.state_losses, acc.civ_by_owner[STATE], acc.civ_by_owner[PARTNER],
              acc.civ_by_owner[MILITIA], acc.emigrants, acc.returns, *acc.flights.tolist(), displaced_in.sum(),
              civilians_all, civilians_all + fighters_all, people_displaced[core].sum(), refugees[core].sum(),
              model.blockaded.sum(), model.artery_is_cut.sum(), (legit * weights).sum(), (griev * weights).sum()]
    civ_core = civilians[core]  # the sum of one value is that value
    nb = len(by_faction)
    values = np.concatenate([np.empty(nb), np.array(totals, np.float64), *by_faction, strikes, civ_core,
                             civ_core + fighters_in[core], people_displaced[core], refugees[core], displaced_in[core],
                             sums[:, 1] / p_tot, sums[:, 2] / p_tot, sums[:, 3] / p_tot, sums[:, 4] / sums[:, 5],
                             legit, griev], dtype=np.float64)
    # the totals of the by-faction series: each row's sum, as the sum of that array alone gives it
    nt = nb + len(totals)
    values[:nb] = values[nt: nt + nb * fighters.size].reshape(nb, fighters.size).sum(axis=1)
    cols = _columns(model)
    if values.size != cols.size:
        raise ValueError(f"record: {values.size} values for {cols.size} series")
    row[cols] = values
