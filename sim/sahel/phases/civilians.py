"""Phase 5, civilians: the civilian kernel (blame, grievance, recruitment, flight and return).

Prepares the flight hazards, secure homes and destinations (:func:`sim.sahel.displacement.flows.prepare`),
unwraps the population columns and cell fields, calls
:func:`sim.sahel.kernels.civilians.civilian_update_rows`, hands the people who joined to their bands
(they leave their group's headcount and join the band's fighters), counts flights by cause and
returns, applies the moves it decided (:func:`sim.sahel.kernels.civilians.apply_moves_at`), pays the
fighters (:func:`sim.sahel.upkeep.pay_and_desert`), then lets displaced people in neighbouring
countries move on (emigrants) in the pass that aggregates the groups (:func:`aggregate`).
"""

from __future__ import annotations

import numpy as np

from sim.sahel import leaders, upkeep
from sim.sahel.displacement import flows
from sim.sahel.kernels import civilians as k
from sim.sahel.kernels.fields import clear_harm_units, harm_units_in_place


def pack_params(model) -> np.ndarray:
    p = model.cfg.population
    v = np.zeros(k.N_PARAMS)
    v[k.P_S] = p.rel_harm_grievance
    v[k.P_BLAME_STATE] = p.rel_blame_state
    v[k.P_BLAME_INS] = p.rel_blame_insurgent
    v[k.P_MEMORY_DECAY] = p.dur_harm_memory
    v[k.P_RECOVERY] = p.rate_legitimacy_recovery
    v[k.P_K] = p.arrest_k
    v[k.P_T] = p.threshold
    v[k.P_PULL] = p.rel_social_pull
    v[k.P_JOIN] = p.p_join
    v[k.P_DISPLACED_HARDSHIP] = model.cfg.displacement.rel_displaced_hardship
    v[k.P_SETTLE] = model.cfg.displacement.dur_settle
    v[k.P_DT] = p.dur_civilian_update
    v[k.P_FEAR_RISK] = model.cfg.levers.deterrence.rel_fear_risk
    return v


def aggregate(model, p_onward: float = 0.0) -> None:
    """Cell and community aggregates of the civilians (people present, tips, attitudes), the
    population stocks by country (civilians, displaced and refugees), and the index of each
    cell's groups (what the harm phase takes deaths from); first, with ``p_onward > 0``, the
    onward emigration of displaced people abroad (:func:`sim.sahel.displacement.flows.p_onward`),
    counted into the interval's emigrants."""
    pop = model.population
    if model.cell_rows.size < pop.capacity:
        model.cell_rows = np.zeros(pop.capacity, np.int32)
    left = k.aggregate_cells(pop.n, pop.cell, pop.home, pop.community, pop.status, pop.people, pop.legitimacy,
                             pop.sympathy, pop.hardship, pop.harm, model.cfg.population.rel_harm_grievance,
                             model.field("country"), model.abroad, p_onward, model.keys["displacement"], model.steps,
                             model.field("people"), model.people_by_comm, model.field("tips"),
                             model.sum_legit, model.sum_griev, model.n_alive, model.civilians_in,
                             model.displaced_from, model.displaced_in, model.refugees_from, model.cell_start,
                             model.cell_rows)
    if p_onward > 0.0:
        model.interval.emigrants += float(left)


def _harm_units(model, acc: np.ndarray) -> np.ndarray:
    """Deaths per (cell, community) -> harm units, written over the accumulator ``acc`` itself
    (:func:`sim.sahel.kernels.fields.harm_units_in_place`); returns the cells that had harm, for
    :func:`_clear_harm` to zero ``acc`` around them after the update."""
    return harm_units_in_place(acc, model.people_by_comm, model.layers["people"].data,
                               model.cfg.population.harm_scale)


def _clear_harm(model, acc: np.ndarray, cells: np.ndarray) -> None:
    """Zero the harm units :func:`_harm_units` wrote around ``cells``: ``acc`` is all zero again."""
    w, h = model.layers["people"].data.shape
    clear_harm_units(acc, cells, w, h)


def update(model) -> None:
    """The civilian kernel over every group, recruits to their bands, then the moves it decided."""
    cfg, pop = model.cfg, model.population
    if 2 * int(np.count_nonzero(pop.people[: pop.n])) < pop.n:
        pop.compact()  # more than half the rows are empty: reclaim them (rows renumbered)
    # the harm since the last update, as harm units, in the accumulators themselves until the end
    harm_state, harm_ins = model.harm_state_acc, model.harm_ins_acc
    state_cells, ins_cells = _harm_units(model, harm_state), _harm_units(model, harm_ins)
    flows.prepare(model, harm_state)
    appeal = np.array([f.appeal for f in cfg.insurgents.factions.values()], np.float64)
    band_appeal = appeal[model.bands.faction[: max(model.bands.n, 1)]]
    if model.bands.n:  # a disrupted band recruits less (sim.sahel.leaders.recruit_factor)
        band_appeal = band_appeal * leaders.recruit_factor(model)[:, None]
    n = pop.n
    joined = np.empty(n, np.int32)  # the kernel writes every row of both
    moving = np.empty(n, np.int32)
    joined_rows = np.empty(n, np.int64)  # and lists the rows with joiners and with movers here
    moving_rows = np.empty(n, np.int64)
    n_joined, n_moving = k.civilian_update_rows(
        n, pop.cell, pop.home, pop.community, pop.status, pop.people, pop.hardship, pop.risk_aversion,
        pop.legitimacy, pop.sympathy, pop.harm, np.asarray(cfg.population.legitimacy0, np.float64), band_appeal,
        model.field("troops_near"), model.field("fighters_near"), harm_state, harm_ins, model.flee_hazard,
        model.return_hazard, model.extra_hardship, pop.t_displaced, model.field("push"), model.fear.level,
        model.refuge, model.recruiter, pack_params(model), model.keys["civilians"], model.steps, joined, moving,
        joined_rows, moving_rows)
    rows = joined_rows[:n_joined]  # np.flatnonzero(joined)
    if rows.size:
        band = model.recruiter[pop.cell[rows]]
        per_band = np.bincount(band, weights=joined[rows], minlength=model.bands.n)
        model.bands.fighters[: model.bands.n] += per_band
        np.add.at(model.interval.recruits, model.bands.faction[band], joined[rows])
    movers = moving_rows[:n_moving]  # np.flatnonzero(moving)
    pop.reserve(flows.account(model, n, moving, movers))  # a new row at most per group with movers
    pop.n = k.apply_moves_at(n, movers, pop.cell, pop.home, pop.community, pop.status, pop.people, pop.hardship,
                             pop.risk_aversion, pop.legitimacy, pop.sympathy, pop.harm, pop.t_displaced,
                             pop.sibling, model.refuge, moving, model.steps)
    # deserters go home to groups at home; onward emigration (in aggregate) takes from displaced
    # groups abroad: the two touch different rows and draws, so paying first changes nothing
    upkeep.pay_and_desert(model, float(cfg.population.dur_civilian_update))
    _clear_harm(model, harm_state, state_cells)
    _clear_harm(model, harm_ins, ins_cells)
    aggregate(model, flows.p_onward(model))  # also the displaced_in and refugees_from stocks (flows.stocks)
