"""Phase 7: record the metrics (in people) into the preallocated recorder."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from sim.actors import MILITIA, PARTNER, STATE
from sim.phases.territory import INSURGENT_ZONE, STATE_ZONE
from sim.population import DISPLACED, HOME, RECRUITED


def reset_interval(model) -> None:
    """Counters of what happens between two records (flows, as opposed to stocks)."""
    nf = len(model.faction_names)
    model.interval = SimpleNamespace(
        recruits=np.zeros(nf), insurgent_losses=np.zeros(nf), civ_insurgents=np.zeros(nf),
        leaders_killed=np.zeros(nf), civ_by_owner=np.zeros(3), state_losses=0.0)


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
    put(row, "state_losses", acc.state_losses)
    put(row, "civilian_deaths_by_state", acc.civ_by_owner[STATE])
    put(row, "civilian_deaths_by_partner", acc.civ_by_owner[PARTNER])
    put(row, "civilian_deaths_by_militia", acc.civ_by_owner[MILITIA])
    # stocks by country (core countries only; the 'all' total is over the core countries)
    people_alive, people_displaced = _population_stocks(model)
    control, people = model.field("control"), model.field("people")
    zone_state, zone_ins = control >= STATE_ZONE, control <= INSURGENT_ZONE
    cells_country = w.country.reshape(-1)
    core = [i for i, is_core in enumerate(w.is_core_country) if is_core]
    groups = [("all", np.isin(cells_country, core), core)] + [(w.country_names[i], cells_country == i, [i]) for i in core]
    for label, mask_cells, ids in groups:
        p_tot = max(people[mask_cells].sum(), 1.0)
        put(row, "population", float(people_alive[ids].sum()), label)
        put(row, "displaced", float(people_displaced[ids].sum()), label)
        put(row, "pop_share_state_control", people[mask_cells & zone_state].sum() / p_tot, label)
        put(row, "pop_share_insurgent_control", people[mask_cells & zone_ins].sum() / p_tot, label)
        put(row, "pop_share_contested", people[mask_cells & ~zone_state & ~zone_ins].sum() / p_tot, label)
        put(row, "territory_share_outside_state_control", float((~zone_state[mask_cells]).mean()), label)
    put(row, "blockaded_towns", float(model.blockaded.sum()))
    put(row, "arteries_cut", float(model.artery_is_cut.sum()))
    n = np.maximum(model.n_alive, 1)
    legit, griev = model.sum_legit / n, model.sum_griev / n
    weights = model.n_alive / max(model.n_alive.sum(), 1)
    put(row, "mean_legitimacy", float((legit * weights).sum()))
    put(row, "mean_grievance", float((griev * weights).sum()))
    rec.put_many(row, "mean_legitimacy", model.communities, legit)
    rec.put_many(row, "mean_grievance", model.communities, griev)


def _population_stocks(model) -> tuple[np.ndarray, np.ndarray]:
    """People alive (by the country they are in) and displaced (by home country).

    Cached: the population changes only in the civilian phase and when deaths are realised,
    which set ``model.population_changed``.
    """
    if model.population_changed or not hasattr(model, "_stocks"):
        pop, w = model.population, model.world
        nc = len(w.country_names)
        country = w.country.reshape(-1)
        alive = (pop.status == HOME) | (pop.status == DISPLACED) | (pop.status == RECRUITED)
        people_alive = np.bincount(country[pop.cell], weights=alive, minlength=nc) * pop.people_per_agent
        displaced = pop.status == DISPLACED
        people_displaced = np.bincount(country[pop.home], weights=displaced, minlength=nc) * pop.people_per_agent
        model._stocks = (people_alive, people_displaced)
        model.population_changed = False
    return model._stocks
