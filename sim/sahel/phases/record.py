"""Phase 7, record: record the metrics (in people) into the preallocated recorder."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.codes import MILITIA, PARTNER, STATE
from sim.sahel.displacement import CAUSES
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
    """The cells of the core countries, built once (countries never change): ``all`` indexes the
    cell fields (ascending), and each group (``all``, then each core country) is ``(label, at, ids)``:
    its positions in ``all`` (None for every one) and its country ids."""

    all: np.ndarray
    groups: list[tuple[str, np.ndarray | None, list[int]]]

    @classmethod
    def of(cls, world) -> CountryCells:
        country = world.country.reshape(-1)
        core = [i for i, is_core in enumerate(world.is_core_country) if is_core]
        cells = np.flatnonzero(np.isin(country, core))
        groups = [("all", None, core)] + [(world.country_names[i], np.flatnonzero(country[cells] == i), [i])
                                          for i in core]
        return cls(cells, groups)


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
    control, people = model.field("control")[cells.all], model.field("people")[cells.all]
    zone_state, zone_ins = control >= STATE_ZONE, control <= INSURGENT_ZONE
    for label, at, ids in cells.groups:
        p, z_state, z_ins = (people, zone_state, zone_ins) if at is None else (people[at], zone_state[at], zone_ins[at])
        p_tot = max(p.sum(), 1.0)
        if label != "all":
            put(row, "civilians", float(civilians[ids].sum()), label)
            put(row, "population", float(civilians[ids].sum() + fighters_in[ids].sum()), label)
        put(row, "displaced", float(people_displaced[ids].sum()), label)
        put(row, "refugees", float(refugees[ids].sum()), label)
        if label != "all":
            put(row, "displaced_in", float(displaced_in[ids].sum()), label)
        put(row, "pop_share_state_control", p[z_state].sum() / p_tot, label)
        put(row, "pop_share_insurgent_control", p[z_ins].sum() / p_tot, label)
        put(row, "pop_share_contested", p[~z_state & ~z_ins].sum() / p_tot, label)
        put(row, "territory_share_outside_state_control", float((~z_state).mean()), label)
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
    w = model.world
    core = [i for i, is_core in enumerate(w.is_core_country) if is_core]
    rec.put(row, "air_drone_strikes", float(model.isr.strikes[core].sum()))
    for i in core:
        rec.put(row, "air_drone_strikes", float(model.isr.strikes[i]), w.country_names[i])
