"""Displacement inside the civilian phase: what the civilian kernel needs, and what it did.

Called by :mod:`sim.sahel.phases.civilians` on each civilian update (every
``population.dur_civilian_update`` days):

1. :func:`prepare` - the flight hazard by cause (:func:`~sim.sahel.displacement.kernels.flight_hazard`),
   the security of every home (days secure: violence below ``mechanisms.calm`` and either state
   control or no fighters within reach; return opens after ``dur_secure`` days), crowding of
   the sites and the hardship it adds, and each cell's and community's destination
   (:func:`~sim.sahel.displacement.kernels.choose_destinations`).
2. :func:`account` - after the kernel drew who moves: flights split over their causes (each
   group's flights in proportion to the terms of its hazard) and returns, into the interval.
3. :func:`p_onward` - after the moves: the chance of onward emigration from neighbouring
   countries (drawn in the civilian phase's aggregate pass, as
   :func:`~sim.sahel.displacement.kernels.emigrate` would).

:func:`stocks` gives the displaced by the country they are in and the refugees (displaced
outside their home country) by home country: the model's ``displaced_in`` and
``refugees_from``, which :func:`sim.sahel.kernels.civilians.aggregate_cells` recomputes in its
pass over the groups after each civilian update (``stocks`` is the readable numpy reference the
tests compare it with); the harm phase takes deaths off them.
"""

from __future__ import annotations

import numpy as np

from sim.core.codes import DISPLACED, HOME
from sim.sahel.displacement import kernels as k
from sim.sahel.kernels.fields import box_sum
from sim.sahel.phases.control import STATE_ZONE


def pack_params(model) -> np.ndarray:
    d, m = model.cfg.displacement, model.cfg.mechanisms
    v = np.zeros(k.N_PARAMS)
    v[k.Q_VIOLENCE] = d.p_flee_violence
    v[k.Q_NEAR] = d.rel_violence_near
    v[k.Q_COERCION] = d.p_flee_coercion
    v[k.Q_OPERATIONS] = d.p_flee_operations
    v[k.Q_PUNISHMENT] = d.p_flee_punishment
    v[k.Q_SIEGE] = d.p_flee_siege
    v[k.Q_TRAP] = d.rel_siege_trap
    v[k.Q_PRESENCE] = m.troops_per_presence
    v[k.Q_DISTANCE] = d.rel_distance
    v[k.Q_SAFETY] = d.rel_safety_control
    v[k.Q_KIN] = d.rel_kin
    v[k.Q_CROWD] = d.rel_crowding_avoid
    v[k.Q_BORDER] = d.rel_border
    v[k.Q_CAMP] = d.rel_camp_protection
    return v


def site_crowding(model) -> np.ndarray:
    """Hosted people (present minus the cell's residents at the start) per unit of capacity, per
    site (sites sharing a cell share its capacity)."""
    s = model.sites
    n_cells = model.field("people").size
    cap = np.bincount(s.cell, weights=s.capacity, minlength=n_cells)[s.cell]
    hosted = np.maximum(model.field("people")[s.cell] - model.site_resident0, 0.0)
    return hosted / cap


def prepare(model, harm_state: np.ndarray) -> None:
    """Fill ``flee_hazard``, ``flight_causes``, ``return_hazard``, ``extra_hardship`` and ``refuge``."""
    cfg, w, s = model.cfg, model.world, model.sites
    d, dt = cfg.displacement, cfg.population.dur_civilian_update
    violence = model.layers["violence"].data
    near = np.empty_like(violence)
    box_sum(violence, d.walk_radius, near)
    near /= (2 * d.walk_radius + 1) ** 2
    n_cells = violence.size
    hunger, trapped = np.zeros(n_cells), np.zeros(n_cells, np.bool_)
    towns = s.town >= 0
    hunger[s.cell[towns]] = k.hunger_of(model.supplies[s.town[towns]], cfg.mechanisms.supply_days)
    trapped[s.cell[towns]] = model.blockaded[s.town[towns]]
    control = model.field("control")
    written = k.flight_hazard(violence.reshape(-1), near.reshape(-1), control, model.field("fighters_near"),
                    model.field("troops_near"), harm_state, hunger, trapped,
                    np.asarray(d.rel_coercion_target, np.float64), pack_params(model), model.flight_causes,
                    model.flee_hazard)
    # return needs a home secure for months: calm, and state-held or free of fighters
    v = violence.reshape(-1)
    if model.secure_days.dtype != np.float64:
        model.secure_days = model.secure_days.astype(np.float64)
    k.update_secure_homes(model.secure_days, v, control, model.field("fighters_near"), cfg.mechanisms.calm, STATE_ZONE,
                          dt, d.dur_secure, d.p_return, model.return_hazard)  # in place (k.secure_homes, one pass)
    # crowding of sites: it adds hardship there and makes the site less attractive
    crowd = site_crowding(model)
    model.extra_hardship[:] = 0.0
    model.extra_hardship[s.cell] = np.maximum(model.extra_hardship[s.cell],
                                              d.rel_crowding_hardship * np.minimum(crowd, 1.0))
    site_kin = model.people_by_comm[s.cell] / np.maximum(model.field("people")[s.cell], 1.0)[:, None]
    site_open = np.ones(len(s), np.bool_)
    site_open[towns] = ~model.blockaded[s.town[towns]]
    # only the cells whose hazard flight_hazard wrote: elsewhere it was and is zero, and their
    # refuge the cell itself (what choose_destinations would write again)
    k.choose_destinations_at(written, s.cand_ptr, s.cand_site, s.cand_dist, s.cell, s.country, s.is_camp, site_open, crowd,
                          site_kin, v, control, w.country.reshape(-1).astype(np.int64), model.flee_hazard,
                          pack_params(model), model.refuge)


def account(model, n_rows: int, moving: np.ndarray, rows: np.ndarray | None = None) -> int:
    """Flights by cause and returns decided by the civilian kernel (before the moves); returns
    the number of groups with movers. ``rows``: the rows with movers, ``np.flatnonzero(moving[:n_rows])``
    (as the civilian kernel lists them), found here if not given."""
    pop = model.population
    if rows is None:
        rows = np.flatnonzero(moving[:n_rows])
    if rows.size == 0:
        return 0
    home = pop.status[rows] == HOME
    flee, back = rows[home], rows[~home]
    if flee.size:
        c, kk = pop.cell[flee], pop.community[flee]
        terms = model.flight_causes[:, c, kk]                       # (cause, row)
        share = terms / np.maximum(terms.sum(axis=0), 1e-300)
        model.interval.flights += (share * moving[flee]).sum(axis=1)
    model.interval.returns += float(moving[back].sum())
    return int(rows.size)


def p_onward(model) -> float:
    """Chance per civilian update that a displaced person in a neighbouring country moves beyond
    the modelled area (drawn per group by :func:`sim.sahel.displacement.kernels.onward`, in
    :func:`sim.sahel.kernels.civilians.aggregate_cells`' pass after the moves)."""
    return model.cfg.displacement.p_onward * model.cfg.population.dur_civilian_update


def stocks(model) -> tuple[np.ndarray, np.ndarray]:
    """Displaced people by the country they are in, and refugees (displaced outside their home
    country) by home country."""
    pop, n = model.population, model.population.n
    nc = len(model.world.country_names)
    away = (pop.status[:n] == DISPLACED) & (pop.people[:n] > 0)
    country = model.field("country")
    now, home = country[pop.cell[:n][away]], country[pop.home[:n][away]]
    people = pop.people[:n][away].astype(np.float64)
    across = now != home
    return (np.bincount(now, weights=people, minlength=nc),
            np.bincount(home[across], weights=people[across], minlength=nc))
