"""The insurgent bands' turn in the fight phase: operations, moves, splits and leadership.

Each day a band mounts an operation with chance ``p_operate`` (a third of that while disrupted
by the loss of a leader). It weighs the targets within ``band_range`` by the local force ratio
and its faction's profile, and picks one by roulette: raid a garrison (loot strengthens the
band), ambush a column, lay an IED that contests or cuts an artery, blockade a town whose
arteries are already cut, strike a mine, or punish informers. Bands then move cross-country
towards people and away from troops; borders do not stop them (safe havens emerge where no
state may follow). Leaders are replaced from experienced fighters after
``dur_leader_disruption`` days.
"""

from __future__ import annotations

import numpy as np

from sim.core.codes import COLUMN, GARRISON, INSURGENT
from sim.core.rng import pick, roulette
from sim.output.events import REMOTE, STRATEGIC, VAC
from sim.sahel.engagement import (
    add_violence,
    battle,
    faction_name,
    kill_civilians,
    state_loss,
    town_linked,
    town_links,
)
from sim.sahel.kernels import fight as kb
from sim.sahel.kernels.draws import stream_handle
from sim.sahel.kernels.fight import AMBUSH, BLOCKADE, IED, MINE, PUNISH, RAID


def band_operations(model) -> None:
    """Each band's turn, in band order: operate (plain Python, :func:`_operate`), move,
    leadership and split. The draws and arithmetic of runs of bands that do not operate are
    kernels (:mod:`sim.sahel.kernels.bands`); a band that operates or splits hands back here,
    after the pending moves are settled on the people as they are then."""
    b, rng = model.bands, model.streams["insurgents"]
    n = b.n
    if n == 0:
        return
    facs = [model.cfg.insurgents.factions[name] for name in model.faction_names]
    p_operate = np.array([f.p_operate for f in facs])
    leaders_per_band = np.array([f.leaders_per_band for f in facs], np.int64)
    dur = np.array([f.dur_leader_disruption for f in facs], np.int64)
    home = np.array([f.home_range for f in facs], np.int64)
    heart_x = np.array([hx for hx, _ in model.heartland], np.int64)
    heart_y = np.array([hy for _, hy in model.heartland], np.int64)
    fr = model.frontier
    frontier_range = model.cfg.insurgents.frontier_range if fr.on else -1
    w, m = model.world, model.cfg.mechanisms
    people, troops_near, rel_operate = model.field("people"), model.field("troops_near"), model.leaders.rel_operate
    cand, noise = np.empty((n, kb.N_CAND), np.int64), np.empty((n, kb.N_CAND))
    pending = np.empty(n, np.int64)
    stream = stream_handle(rng)
    start, resume = 0, False
    while True:
        k, band, why = kb.band_turns(stream, start, resume, n, b.fighters, b.faction, b.cell, b.t_disrupted, rel_operate,
                                     b.leaders, b.t_leader_due, p_operate, leaders_per_band, dur, model.steps,
                                     m.band_speed, m.max_band, w.height, w.width, cand, noise, pending)
        if k:
            log_people = np.log1p(people[cand[:k].ravel()])
            kb.settle_moves(k, pending, cand, noise, log_people, troops_near, b.fighters, b.faction, heart_x, heart_y,
                            home, fr.dist, frontier_range, w.height, b.cell)
        if why == kb.OPERATE:
            _operate(model, band, facs[b.faction[band]], rng)
            start, resume = band, True
        elif why == kb.SPLIT:
            _split(model, band, facs[b.faction[band]])
            start, resume = band + 1, False
        else:
            return


def _operate(model, band: int, fac, rng) -> None:
    w, u, b = model.world, model.units, model.bands
    h, reach = w.height, model.cfg.insurgents.band_range
    x, y = divmod(int(b.cell[band]), h)
    n, tx, ty = u.n, w.towns.x, w.towns.y
    size = n + 2 * len(tx) + 2
    ops, weights, targets = np.empty(size, np.int64), np.empty(size), np.empty(size, np.int64)
    k = kb.operation_options(x, y, b.fighters[band], reach, h, u.cell[:n], u.active[:n], u.troops[:n],
                             u.role[:n] == GARRISON, tx, ty, town_linked(w),
                             model.town_cut_share, 0.2 + 0.4 * fac.governs, ops, weights, targets)
    x0, x1, y0, y1 = max(x - reach, 0), x + reach + 1, max(y - reach, 0), y + reach + 1
    if (model.layers["mine"].data[x0:x1, y0:y1] > 0).any():
        ops[k], weights[k], targets[k] = MINE, 0.2, -1
        k += 1
    tips = model.layers["tips"].data[x0:x1, y0:y1]
    if tips.sum() > 0:
        ops[k], weights[k], targets[k] = PUNISH, fac.brutality, -1
        k += 1
    if k == 0:
        return
    choice = roulette(rng, weights[:k])
    op, target = int(ops[choice]), int(targets[choice])
    if op in (RAID, AMBUSH):
        battle(model, band, target, int(u.cell[target]), band_attacks=True,
               sub_type="Armed clash")
        if op == AMBUSH:
            _contest_near(model, int(u.cell[target]))
    elif op == IED:
        _ied(model, band, target, rng)
    elif op == BLOCKADE:
        for e, _ in town_links(w)[target]:
            _set_artery_cell(model, e, target, 2)
        model.events.add(model.date, STRATEGIC, "Other", faction_name(model, band),
                          f"blockade of {w.towns.name[target]}", int(tx[target]) * h + int(ty[target]))
    elif op == MINE:
        xs, ys = np.nonzero(model.layers["mine"].data[x0:x1, y0:y1])
        cell = (int(xs[0]) + x0) * h + int(ys[0]) + y0
        d = kill_civilians(model, cell, model.cfg.insurgents.k_mine_attack * fac.brutality + 0.5, INSURGENT, int(b.faction[band]))
        model.events.add(model.date, STRATEGIC, "Looting/property destruction", faction_name(model, band),
                          "mine", cell, d, d)
    elif op == PUNISH:
        xs, ys = np.nonzero(tips == tips.max())
        cell = (int(xs[0]) + x0) * h + int(ys[0]) + y0
        d = kill_civilians(model, cell, 1.0 + model.cfg.insurgents.k_punish * fac.brutality, INSURGENT, int(b.faction[band]))
        if d:
            model.events.add(model.date, VAC, "Attack", faction_name(model, band), "Civilians (informers)", cell, d, d)


def _set_artery_cell(model, e: int, town: int, status: int) -> int:
    """Set the artery cell next to ``town`` on artery ``e`` to at least ``status``; return it."""
    a, h = model.world.arteries, model.world.height
    xy = a.cell_xy[a.cell_ptr[e]: a.cell_ptr[e + 1]]
    k = min(1, len(xy) - 1) if a.town_a[e] == town else max(len(xy) - 2, 0)
    cell = int(xy[k, 0]) * h + int(xy[k, 1])
    st = model.field("artery_status")
    st[cell] = max(st[cell], status)
    model.artery_last_attack[cell] = model.steps
    return cell


def _contest_near(model, cell: int) -> None:
    st = model.field("artery_status")
    if model.field("road_class")[cell] > 0:
        st[cell] = max(st[cell], 1)
        model.artery_last_attack[cell] = model.steps


def _ied(model, band: int, town: int, rng) -> None:
    e, _ = pick(rng, town_links(model.world)[town])
    status = 2 if rng.random() < model.cfg.insurgents.p_ied_cut else 1
    cell = _set_artery_cell(model, e, town, status)
    u = model.units
    hit = np.flatnonzero(u.active[: u.n] & (u.role[: u.n] == COLUMN) & (u.cell[: u.n] == cell))
    killed = 0.0
    for i in hit:
        before = u.troops[i]
        state_loss(model, int(i), rng.poisson(model.cfg.insurgents.ied_casualties), cell)
        killed += before - u.troops[i]
    add_violence(model, cell, killed)
    model.events.add(model.date, REMOTE, "Remote explosive/landmine/IED", faction_name(model, band),
                      "Military Forces" if hit.size else "artery", cell, int(killed), 0)


def _split(model, band: int, fac) -> None:
    """Split a band grown beyond ``max_band`` in two (whole people); the new half has one leader."""
    b = model.bands
    half = float(b.fighters[band] // 2)  # fighters are whole people
    b.fighters[band] -= half
    new = b.add(int(b.faction[band]), int(b.cell[band]), half, 1)
    b.experience[new] = b.experience[band] / 2
    b.experience[band] /= 2
    b.t_leader_due[new] = model.steps + fac.dur_leader_disruption
