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
    rec, pop, w = model.recorder, model.population, model.world
    row = rec.new_row(model.steps)
    acc, ppa = model.interval, pop.people_per_agent
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
    country_of_agent = w.country.reshape(-1)[pop.cell]
    alive = (pop.status == HOME) | (pop.status == DISPLACED) | (pop.status == RECRUITED)
    control = model.field("control")
    people = model.field("people")
    zone_state, zone_ins = control >= STATE_ZONE, control <= INSURGENT_ZONE
    cells_country = w.country.reshape(-1)
    core = [(i, n) for i, n in enumerate(w.country_names) if w.is_core_country[i]]
    in_core = np.isin(cells_country, [i for i, _ in core])
    for label, mask_cells, mask_agents in [("all", in_core, np.isin(country_of_agent, [i for i, _ in core]))] + \
            [(n, cells_country == i, country_of_agent == i) for i, n in core]:
        p_tot = max(people[mask_cells].sum(), 1.0)
        put(row, "population", float((alive & mask_agents).sum() * ppa), label)
        put(row, "displaced", float(((pop.status == DISPLACED) & np.isin(w.country.reshape(-1)[pop.home], [i for i, n in core if label in ("all", n)])).sum() * ppa), label)
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
