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


def record(model) -> None:
    rec, w = model.recorder, model.world
    row = rec.new_row(model.steps)
    acc = model.interval
    put = rec.put
    b = model.bands
    fighters = np.bincount(b.faction[: b.n], weights=b.fighters[: b.n], minlength=len(model.faction_names))
    put(row, "insurgent_fighters", fighters.sum())
    rec.put_many(row, "insurgent_fighters", model.faction_names, fighters)
    for name, values in (("recruits", acc.recruits), ("insurgent_losses", acc.insurgent_losses),
                         ("civilian_deaths_by_insurgents", acc.civ_insurgents), ("leaders_killed", acc.leaders_killed)):
        put(row, name, values.sum())
        rec.put_many(row, name, model.faction_names, values)
    _record_levers(model, row)
    put(row, "state_losses", acc.state_losses)
    put(row, "civilian_deaths_by_state", acc.civ_by_owner[STATE])
    put(row, "civilian_deaths_by_partner", acc.civ_by_owner[PARTNER])
    put(row, "civilian_deaths_by_militia", acc.civ_by_owner[MILITIA])
    put(row, "emigrants", acc.emigrants)
    put(row, "returns", acc.returns)
    for cause, value in zip(CAUSES, acc.flights, strict=True):
        put(row, f"flight_{cause}", value)
    displaced_in, refugees = model.displaced_in, model.refugees_from
    put(row, "displaced_in", float(displaced_in.sum()))
    # people: civilians where they are, fighters where their bands are; 'all' is the whole map
    civilians, people_displaced = model.civilians_in, model.displaced_from
    fighters_in = np.bincount(w.country.reshape(-1)[b.cell[: b.n]], weights=b.fighters[: b.n],
                              minlength=civilians.size)
    put(row, "civilians", float(civilians.sum()))
    put(row, "population", float(civilians.sum() + fighters.sum()))
    # other stocks by country (core countries only; the 'all' total is over the core countries)
    cells = model.country_cells
    core, labels = cells.core, cells.labels
    put(row, "displaced", float(people_displaced[core].sum()))
    put(row, "refugees", float(refugees[core].sum()))
    rec.put_many(row, "civilians", labels, civilians[core])  # the sum of one value is that value
    rec.put_many(row, "population", labels, civilians[core] + fighters_in[core])
    rec.put_many(row, "displaced", labels, people_displaced[core])
    rec.put_many(row, "refugees", labels, refugees[core])
    rec.put_many(row, "displaced_in", labels, displaced_in[core])
    sums = np.empty((core.size + 1, 6))  # people by zone, and cells (kernels.fields.zone_sums)
    zone_sums(model.field("control"), model.field("people"), cells.starts, cells.stops, cells.ptr, STATE_ZONE,
              INSURGENT_ZONE, sums)
    p_tot = np.maximum(sums[:, 0], 1.0)
    groups = ("all", *labels)
    rec.put_many(row, "pop_share_state_control", groups, sums[:, 1] / p_tot)
    rec.put_many(row, "pop_share_insurgent_control", groups, sums[:, 2] / p_tot)
    rec.put_many(row, "pop_share_contested", groups, sums[:, 3] / p_tot)
    rec.put_many(row, "territory_share_outside_state_control", groups, sums[:, 4] / sums[:, 5])
    put(row, "blockaded_towns", float(model.blockaded.sum()))
    put(row, "arteries_cut", float(model.artery_is_cut.sum()))
    n = np.maximum(model.n_alive, 1)
    legit, griev = model.sum_legit / n, model.sum_griev / n
    weights = model.n_alive / max(model.n_alive.sum(), 1)
    put(row, "mean_legitimacy", float((legit * weights).sum()))
    put(row, "mean_grievance", float((griev * weights).sum()))
    rec.put_many(row, "mean_legitimacy", model.communities, legit)
    rec.put_many(row, "mean_grievance", model.communities, griev)


def _record_levers(model, row) -> None:
    """The levers' series (issue 11): leaders killed by kind, strikes, deserters, capacity."""
    rec, names = model.recorder, model.faction_names
    for name, values in (("senior_leaders_killed", model.leaders.senior_killed),
                         ("band_leaders_killed", model.leaders.band_killed),
                         ("deserters", model.upkeep.deserters), ("fighter_capacity", model.upkeep.capacity)):
        rec.put(row, name, float(values.sum()))
        rec.put_many(row, name, names, values)
    cells = model.country_cells
    rec.put(row, "air_drone_strikes", float(model.isr.strikes[cells.core].sum()))
    rec.put_many(row, "air_drone_strikes", cells.labels, model.isr.strikes[cells.core])
