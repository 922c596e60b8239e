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

import math

import numpy as np

from sim.core.codes import COLUMN, GARRISON, INSURGENT
from sim.output.events import REMOTE, STRATEGIC, VAC
from sim.sahel.engagement import (
    add_violence,
    battle,
    faction_name,
    kill_civilians,
    pick,
    state_loss,
)

RAID, AMBUSH, IED, BLOCKADE, MINE, PUNISH = range(6)


def band_operations(model) -> None:
    b, rng = model.bands, model.streams["insurgents"]
    for band in range(b.n):
        if b.fighters[band] <= 0:
            continue
        fac = model.cfg.insurgents.factions[faction_name(model, band)]
        disrupted = b.t_disrupted[band] > model.steps
        if rng.random() < fac.p_operate * (0.33 if disrupted else 1.0) * model.leaders.rel_operate[band]:
            _operate(model, band, fac, rng)
        _move(model, band, rng)
        _lead_and_split(model, band, fac)


def _operate(model, band: int, fac, rng) -> None:
    w, u, b = model.world, model.units, model.bands
    h, reach = w.height, model.cfg.insurgents.band_range
    x, y = divmod(int(b.cell[band]), h)
    f = b.fighters[band]
    options: list[tuple[int, float, int]] = []  # (operation, weight, target)
    ux, uy = np.divmod(u.cell[: u.n], h)
    near = u.active[: u.n] & (np.maximum(np.abs(ux - x), np.abs(uy - y)) <= reach)
    for i in np.flatnonzero(near):
        ratio = f / (f + u.troops[i])
        options.append((RAID if u.role[i] == GARRISON else AMBUSH, ratio * ratio, int(i)))
    tx, ty = w.towns.x, w.towns.y
    towns = np.flatnonzero(np.maximum(np.abs(tx - x), np.abs(ty - y)) <= reach)
    for t in towns:
        if _arteries_of_town(model, int(t)).size:
            options.append((IED, 0.3, int(t)))
            if model.town_cut_share[t] > 0:
                options.append((BLOCKADE, 0.2 + 0.4 * fac.governs, int(t)))
    x0, x1, y0, y1 = max(x - reach, 0), x + reach + 1, max(y - reach, 0), y + reach + 1
    if (model.layers["mine"].data[x0:x1, y0:y1] > 0).any():
        options.append((MINE, 0.2, -1))
    tips = model.layers["tips"].data[x0:x1, y0:y1]
    if tips.sum() > 0:
        options.append((PUNISH, fac.brutality, -1))
    if not options:
        return
    weights = np.array([o[1] for o in options])
    op, _, target = options[int(rng.choice(len(options), p=weights / weights.sum()))]
    if op in (RAID, AMBUSH):
        battle(model, band, target, int(u.cell[target]), band_attacks=True,
               sub_type="Armed clash")
        if op == AMBUSH:
            _contest_near(model, int(u.cell[target]))
    elif op == IED:
        _ied(model, band, target, rng)
    elif op == BLOCKADE:
        for e in _arteries_of_town(model, target):
            _set_artery_cell(model, int(e), target, 2)
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


def _arteries_of_town(model, t: int) -> np.ndarray:
    a = model.world.arteries
    return np.flatnonzero((a.town_a == t) | (a.town_b == t))


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
    edges = _arteries_of_town(model, town)
    e = int(pick(rng, edges))
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


def _move(model, band: int, rng) -> None:
    """Move towards people, away from troops and back towards the heartland once beyond
    ``home_range``: the best of a few random cells within reach."""
    w, b = model.world, model.bands
    speed = model.cfg.mechanisms.band_speed
    if speed == 0:
        return
    h, wd = w.height, w.width
    here = int(b.cell[band])
    x, y = divmod(here, h)
    # Six x steps, then six y steps: one call draws the same 32-bit stream as two of six.
    d = rng.integers(-speed, speed + 1, 12).tolist()
    dx, dy = d[:6], d[6:]
    if speed <= x < wd - speed and speed <= y < h - speed:  # inland: no step leaves the map
        cells = [here] + [here + i * h + j for i, j in zip(dx, dy, strict=True)]
    else:
        cells = [here] + [min(max(x + i, 0), wd - 1) * h + min(max(y + j, 0), h - 1)
                          for i, j in zip(dx, dy, strict=True)]
    hx, hy = model.heartland[b.faction[band]]
    home = model.cfg.insurgents.factions[faction_name(model, band)].home_range
    at = np.array(cells)
    # The score, term by term in float64 as numpy would (log1p stays numpy's): people draw,
    # troops repel, distance beyond the home range pulls back, and a little noise.
    log_people = np.log1p(model.field("people")[at]).tolist()
    troops = model.field("troops_near")[at].tolist()
    noise = rng.random(len(cells)).tolist()
    f1 = float(b.fighters[band]) + 1.0
    best, k = -math.inf, 0
    for j, c in enumerate(cells):
        beyond = max(max(abs(c // h - hx), abs(c % h - hy)) - home, 0)
        score = 0.2 * log_people[j] - troops[j] / f1 - 0.1 * beyond + 0.1 * noise[j]
        if score > best or j == 0:  # the first best, as np.argmax
            best, k = score, j
    b.cell[band] = cells[k]


def _lead_and_split(model, band: int, fac) -> None:
    b = model.bands
    if b.leaders[band] < fac.leaders_per_band and model.steps >= b.t_leader_due[band] >= 0:
        b.leaders[band] += 1  # an experienced fighter steps up
        b.t_leader_due[band] = model.steps + fac.dur_leader_disruption if b.leaders[band] < fac.leaders_per_band else -1
    if b.leaders[band] == 0 and b.t_leader_due[band] < 0:
        b.t_leader_due[band] = model.steps + fac.dur_leader_disruption
    if b.fighters[band] > model.cfg.mechanisms.max_band and b.leaders[band] >= 1:
        half = float(b.fighters[band] // 2)  # fighters are whole people
        b.fighters[band] -= half
        new = b.add(int(b.faction[band]), int(b.cell[band]), half, 1)
        b.experience[new] = b.experience[band] / 2
        b.experience[band] /= 2
        b.t_leader_due[new] = model.steps + fac.dur_leader_disruption
