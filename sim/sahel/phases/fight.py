"""Phase 3, decide and fight: strikes on detected bands, columns on patrol, then the bands' turn.

* **strikes** - each country's strikes per day (its own and its partners') fall on detected
  bands in the countries its forces may act in; a strike kills ``k_strike`` of the band's
  fighters (binomial) and, where the band's leader is located, that leader with chance
  ``p_strike_leader``; its collateral is that of ``strike_shots`` at the striker's
  discrimination.
* **columns** - columns move between towns along open arteries every ``dur_patrol`` days
  (Wagner-like partners accompany a state column), engage a detected band within reach, and
  gloves-off columns detain en masse where they stop, or in a village they sweep within
  ``state.sweep_radius`` (harm without deaths; :func:`sim.sahel.deterrence.swept_cell`).
* **bands** - each band's operation, move, leadership and split (:mod:`sim.sahel.bands`).
"""

from __future__ import annotations

import numpy as np

from sim.core.codes import COLUMN, COMMUNITIES, PARTNER, STATE
from sim.core.rng import pick
from sim.output.events import REMOTE, STRATEGIC
from sim.sahel import bands, deterrence, isr
from sim.sahel.engagement import (
    actor_name,
    band_loss,
    battle,
    collateral,
    faction_name,
    kill_civilians,
    kill_leader,
    operating_countries,
    suspect_community,
    town_links,
)
from sim.sahel.kernels import fight as kf


def fight(model) -> None:
    strikes(model)
    isr.strike(model)
    columns(model)
    bands.band_operations(model)


def strikes(model) -> None:
    w, b, rng = model.world, model.bands, model.streams["forces"]
    m = model.cfg.mechanisms
    detected = np.flatnonzero(model.isr.ground_detected)  # ground-directed: platforms strike in isr.strike
    if detected.size == 0:
        return
    band_country = w.country.reshape(-1)[b.cell[: b.n]]
    for c, rate in enumerate(model.strikes_per_day):
        if rate <= 0:
            continue
        allowed = np.isin(band_country[detected], operating_countries(model, c))
        targets = detected[allowed]
        for _ in range(rng.poisson(rate)):
            if targets.size == 0:
                break
            band = int(pick(rng, targets))
            cell = int(b.cell[band])
            killed = band_loss(model, band, rng.binomial(int(b.fighters[band]), m.k_strike))
            perpetrator, actor, disc = _striker(model, c)
            civ = kill_civilians(model, cell, collateral(model, cell, m.strike_shots, 1.0, disc), perpetrator)
            note = ""
            if model.leader_detected[band] and b.leaders[band] > 0 and rng.random() < m.p_strike_leader:
                kill_leader(model, band)
                note = " (leader killed)"
            model.events.add(model.date, REMOTE, "Air/drone strike", actor, faction_name(model, band) + note, cell,
                             int(killed) + civ, civ)


def _striker(model, country: int) -> tuple[int, str, float]:
    """Who flies today's strike in ``country``: a present partner with strikes, else the state."""
    cfg = model.cfg
    name = model.country_key[country]
    for p, prof in enumerate(cfg.partners.profiles.values()):
        if model.partner_present[p] and prof.strikes_per_day > 0 and name in prof.countries:
            if model.streams["forces"].random() < prof.strikes_per_day / max(model.strikes_per_day[country], 1e-9):
                return PARTNER, model.partner_names[p], prof.discrimination
    f = cfg.state.forces.get(name)
    return STATE, f"Military Forces of {name}", (f.discrimination if f else 0.5)


def columns(model) -> None:
    """Columns patrol between towns along open arteries, engage detected bands within reach, and
    gloves-off columns detain en masse where they stop."""
    w, u, b, rng = model.world, model.units, model.bands, model.streams["forces"]
    m, h = model.cfg.mechanisms, w.height
    profiles = list(model.cfg.partners.profiles.values())
    # Only detected bands can be engaged, and no column moves a band: their positions and
    # countries are taken once (a column keeps the candidates in the countries it may act in).
    cand = np.flatnonzero(model.detected) if b.n else np.zeros(0, np.int64)
    cand_x, cand_y = np.divmod(b.cell[cand].astype(np.int64), h)
    cand_country = w.country.reshape(-1)[b.cell[cand]]
    in_reach: dict[int, list[tuple[int, int, int]]] = {}  # a column's country -> (band, x, y) it may act on
    cut = town_country = None
    owner, role, active = u.owner[: u.n], u.role[: u.n], u.active[: u.n]
    state_columns = np.flatnonzero((owner == STATE) & (role == COLUMN) & active)
    hosts: dict[int, np.ndarray] = {}  # a country's state columns
    # what no column changes during the loop, read once as Python values
    owners, partners, countries = owner.tolist(), u.partner[: u.n].tolist(), u.country[: u.n].tolist()
    gloves_off, cells = u.gloves_off[: u.n].tolist(), u.cell  # (cells: moved in the loop, read live)
    dur_patrol, vision, steps = m.dur_patrol, m.vision, model.steps
    p_detain = model.cfg.state.p_detain
    for i in np.flatnonzero((role == COLUMN) & active).tolist():
        prof = profiles[partners[i]] if owners[i] == PARTNER else None
        if prof is not None and prof.collective_punishment and state_columns.size:
            c = countries[i]
            if c not in hosts:
                hosts[c] = state_columns[u.country[state_columns] == c]
            host = hosts[c]
            if host.size:  # accompanies a state column
                cells[i] = cells[int(host[(steps // dur_patrol + i) % host.size])]
        elif (steps + i) % dur_patrol == 0:
            if cut is None:  # no column changes an artery: one look a day
                a = w.arteries
                cut = np.empty(len(a), np.bool_)
                kf.cut_arteries(model.field("artery_status"), a.cell_xy, a.cell_ptr, h, cut)
                cut, town_country = cut.tolist(), w.towns.country.tolist()
            _move_column(model, i, cut, town_country)
        if cand.size:
            c = countries[i]
            if c not in in_reach:
                allowed = np.zeros(len(w.country_names), np.bool_)
                allowed[operating_countries(model, c)] = True
                k = allowed[cand_country]
                in_reach[c] = list(zip(cand[k].tolist(), cand_x[k].tolist(), cand_y[k].tolist(), strict=True))
            x, y = divmod(int(cells[i]), h)
            near = [j for j, bx, by in in_reach[c] if max(abs(bx - x), abs(by - y)) <= vision]
            if near:
                band = int(pick(rng, near))
                battle(model, band, i, int(b.cell[band]), band_attacks=False, sub_type="Armed clash")
        if gloves_off[i] and rng.random() < p_detain:
            cell = deterrence.swept_cell(model, int(cells[i]), rng)
            comm = suspect_community(model, cell)
            if model.people_by_comm[cell, comm] > 0:
                model.harm_state_acc[cell, comm] += 1.0  # detention abuse: harm without deaths
                deterrence.add_fear(model, cell, model.cfg.levers.deterrence.fear_per_detention)
                model.events.add(model.date, STRATEGIC, "Arrests", actor_name(model, i),
                                 f"Civilians ({COMMUNITIES[comm]})", cell)


def _move_column(model, i: int, cut: list[bool], town_country: list[int]) -> None:
    """Move column ``i`` to a town one open artery away (``cut``: per artery, cut somewhere;
    ``town_country``: each town's country)."""
    w, u, rng = model.world, model.units, model.streams["forces"]
    allowed = operating_countries(model, int(u.country[i]))
    options = [other for e, other in town_links(w)[int(u.town[i])] if town_country[other] in allowed and not cut[e]]
    if options:
        t = int(pick(rng, options))
        u.town[i] = t
        u.cell[i] = int(w.towns.x[t]) * w.height + int(w.towns.y[t])
