"""Phases 2 and 4, and the state side of phase 3: perceive (presence, detection), strikes and
columns, harm and blame.

The actors here are few (tens of units and bands), so their choices are plain Python over the
actor tables with the named streams ``forces`` and ``insurgents``; everything over cells calls a
kernel. Rules and their sources:

* **detection** - hazard ``k_detect * (surveillance * presence + intelligence + tips)``; leaders
  are ``rel_detect_leader`` times as detectable (Kress & Szechtman 2009: imperfect intelligence
  caps what force can do). Leaked intelligence (``p_leak``) warns the band.
* **engagements** - ``deitchman_1962``: aimed fire (``k_fire`` x shooters x quality) on a
  detected enemy, area fire at ``rel_area_fire`` of that on an undetected one;
  ``lanchester_square`` treats all fire as aimed.
* **civilian harm** - ``k_collateral`` x fire x (1 - discrimination) x local density (people/km2),
  attributed to the firer; gloves-off units take reprisals (``rel_reprisal`` civilians per
  soldier lost) on the community most sympathetic to the insurgents, and detain en masse.
"""

from __future__ import annotations

import math

import numpy as np

from sim.actors import COLUMN, MILITIA, PARTNER, STATE
from sim.config_actors import COMMUNITIES
from sim.events import BATTLES, REMOTE, STRATEGIC, VAC
from sim.kernels.fields import box_sum
from sim.population import DEAD, DISPLACED, HOME

INSURGENT = 3  # perpetrator class after STATE, PARTNER, MILITIA


def perceive(model) -> None:
    """Presence fields and today's detection of bands and their leaders."""
    w, u, b = model.world, model.units, model.bands
    n_cells = w.width * w.height
    act = u.active[: u.n]
    model.field("troops")[:] = np.bincount(u.cell[: u.n][act], weights=u.troops[: u.n][act], minlength=n_cells)
    model.field("fighters")[:] = np.bincount(b.cell[: b.n], weights=b.fighters[: b.n], minlength=n_cells)
    r = model.cfg.mechanisms.vision
    box_sum(model.layers["troops"].data, r, model.layers["troops_near"].data)
    box_sum(model.layers["fighters"].data, r, model.layers["fighters_near"].data)
    _detect(model)


def _country_support(model) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per country: surveillance, intelligence sharing, leak chance, strikes per day."""
    cfg, w = model.cfg, model.world
    nc = len(w.country_names)
    surv, intel, leak, strikes = (np.zeros(nc) for _ in range(4))
    index = {n: i for i, n in enumerate(model.country_key)}
    for name, f in cfg.state.forces.items():
        if name in index:
            surv[index[name]] += f.surveillance
            strikes[index[name]] += f.strikes_per_day
    for p, prof in enumerate(cfg.partners.profiles.values()):
        if not model.partner_present[p]:
            continue
        hosts = [index[h] for h in prof.countries if h in index]
        for c in hosts:
            surv[c] += prof.surveillance
            intel[c] += prof.intel_sharing
            leak[c] = 1 - (1 - leak[c]) * (1 - prof.p_leak)
            strikes[c] += prof.strikes_per_day / len(hosts)
    return surv, intel, leak, strikes


def _detect(model) -> None:
    cfg, w, b = model.cfg, model.world, model.bands
    m, rng = cfg.mechanisms, model.streams["forces"]
    surv, intel, leak, strikes = _country_support(model)
    model.strikes_per_day = strikes
    n = b.n
    cells = b.cell[:n]
    country = w.country.reshape(-1)[cells]
    people = np.maximum(model.field("people")[cells], 1.0)
    tip_share = model.field("tips")[cells] / people * cfg.population.p_inform * np.clip(model.field("control")[cells], 0, 1)
    presence = model.field("troops_near")[cells] / m.troops_per_presence
    hazard = m.k_detect * (surv[country] * presence + intel[country] + tip_share)
    hazard = np.where(model.field("troops_near")[cells] > 0, hazard, 0.0)
    p = 1 - np.exp(-hazard)
    rel_leader = np.array([f.rel_detect_leader for f in cfg.insurgents.factions.values()])[b.faction[:n]]
    u1, u2, u3 = rng.random(n), rng.random(n), rng.random(n)
    warned = (intel[country] > 0) & (u3 < leak[country])
    model.detected = (u1 < p) & ~warned & (b.fighters[:n] > 0)
    model.leader_detected = model.detected & (u2 < p * rel_leader) & (b.leaders[:n] > 0)


# ---------------------------------------------------------------- engagements and harm

def _density(model, cell: int) -> float:
    density = float(model.field("people")[cell]) / (model.world.cell_km ** 2)
    return min(density, model.cfg.mechanisms.collateral_density_cap)


def fire(model, shooters: float, quality: float, aimed: bool) -> float:
    """Expected enemy losses from one engagement (``mechanisms.attrition``)."""
    m = model.cfg.mechanisms
    rel = 1.0 if (aimed or m.attrition == "lanchester_square") else m.rel_area_fire
    return m.k_fire * shooters * quality * rel


def collateral(model, cell: int, shooters: float, quality: float, discrimination: float) -> float:
    """Expected civilian deaths from that fire in ``cell``."""
    return model.cfg.mechanisms.k_collateral * shooters * quality * (1 - discrimination) * _density(model, cell)


def kill_civilians(model, cell: int, expected: float, perpetrator: int, faction: int = -1,
                   community: int = -1) -> int:
    """Draw civilian deaths (Poisson), attribute them, and leave them pending for realisation."""
    if expected <= 0 or model.field("people")[cell] <= 0:
        return 0
    deaths = int(min(model.streams["harm"].poisson(expected), model.field("people")[cell]))
    if deaths == 0:
        return 0
    acc = model.interval
    if perpetrator == INSURGENT:
        acc.civ_insurgents[faction] += deaths
    else:
        acc.civ_by_owner[perpetrator] += deaths
    model.field("deaths_pending")[cell] += deaths
    model.cum_civilian_deaths += deaths
    harm = model.harm_ins_acc if perpetrator == INSURGENT else model.harm_state_acc
    by_comm = model.people_by_comm[cell]
    if community < 0:
        harm[cell, :] += deaths * by_comm / max(by_comm.sum(), 1.0)
    else:
        harm[cell, community] += deaths
    add_violence(model, cell, deaths)
    return deaths


def add_violence(model, cell: int, fatalities: float) -> None:
    """Raise the cell's violence level by a per-capita amount: (fatalities + 1) per 1,000
    residents, in units of ``violence_scale``, saturating (violence drives flight)."""
    per_thousand = (fatalities + 1.0) / max(model.field("people")[cell] / 1000.0, 1.0)
    model.field("violence")[cell] += 1.0 - math.exp(-per_thousand / model.cfg.mechanisms.violence_scale)
    model.field("violence_events")[cell] += 1.0


def _suspect_community(model, cell: int) -> int:
    """The community a gloves-off unit suspects: the one most sympathetic to the insurgents here."""
    present = model.people_by_comm[cell] > 0
    sym = np.where(present, np.asarray(model.cfg.population.sympathy0), -1.0)
    return int(np.argmax(sym))


def _state_loss(model, unit: int, losses: float, cell: int) -> None:
    """Apply losses to a unit; gloves-off units answer losses with reprisals on civilians."""
    u = model.units
    losses = min(losses, u.troops[unit])
    u.troops[unit] -= losses
    model.interval.state_losses += losses
    if u.troops[unit] <= 0:
        u.active[unit] = False
    if u.gloves_off[unit] and losses > 0:
        expected = model.cfg.state.rel_reprisal * losses
        comm = _suspect_community(model, cell)
        d = kill_civilians(model, cell, expected, int(u.owner[unit]), community=comm)
        if d:
            model.events.add(model.date, VAC, "Attack", _actor(model, unit), f"Civilians ({COMMUNITIES[comm]})",
                             cell, d, d)


def _band_loss(model, band: int, losses: float) -> float:
    b = model.bands
    losses = min(losses, b.fighters[band])
    b.fighters[band] -= losses
    model.interval.insurgent_losses[b.faction[band]] += losses
    return losses


def _actor(model, unit: int) -> str:
    u = model.units
    if u.owner[unit] == PARTNER:
        return model.partner_names[u.partner[unit]]
    country = model.world.country_names[u.country[unit]]
    return f"{'Militia' if u.owner[unit] == MILITIA else 'Military Forces'} of {country}"


def _faction(model, band: int) -> str:
    return model.faction_names[model.bands.faction[band]]


def battle(model, band: int, unit: int, cell: int, band_attacks: bool, sub_type: str) -> None:
    """One engagement between a band and a unit; the attacker's fire is aimed, the surprised
    defender's is area fire unless it had detected the attacker."""
    b, u, rng = model.bands, model.units, model.streams["forces"]
    fq = model.cfg.insurgents.factions[_faction(model, band)].quality * (1 + min(b.experience[band] / 1e4, 0.5))
    fighters, troops = b.fighters[band], u.troops[unit]
    unit_aimed = (not band_attacks) or bool(model.detected[band])
    band_loss = rng.poisson(fire(model, troops, u.quality[unit], unit_aimed))
    unit_loss = rng.poisson(fire(model, fighters, fq, True))
    band_loss = _band_loss(model, band, band_loss)
    civ = kill_civilians(model, cell, collateral(model, cell, troops, u.quality[unit], u.discrimination[unit]),
                         int(u.owner[unit]))
    brut = model.cfg.insurgents.factions[_faction(model, band)].brutality
    civ += kill_civilians(model, cell, collateral(model, cell, fighters, fq, 1 - brut), INSURGENT, int(b.faction[band]))
    before = u.troops[unit]
    _state_loss(model, unit, unit_loss, cell)
    lost = before - u.troops[unit]
    b.experience[band] += fighters
    a1, a2 = (_faction(model, band), _actor(model, unit)) if band_attacks else (_actor(model, unit), _faction(model, band))
    model.events.add(model.date, BATTLES, sub_type, a1, a2, cell, int(round(band_loss + lost)) + civ, civ)
    add_violence(model, cell, band_loss + lost)
    if band_attacks and lost > band_loss:  # a successful raid: loot strengthens the band
        b.experience[band] += model.cfg.insurgents.loot_per_raid * 1e4


# ---------------------------------------------------------------- the state side

def strikes(model) -> None:
    w, b, rng = model.world, model.bands, model.streams["forces"]
    m = model.cfg.mechanisms
    band_country = w.country.reshape(-1)[b.cell[: b.n]]
    detected = np.flatnonzero(model.detected)
    for c, rate in enumerate(model.strikes_per_day):
        if rate <= 0 or detected.size == 0:
            continue
        allowed = np.isin(band_country[detected], _operating_countries(model, c))
        targets = detected[allowed]
        for _ in range(rng.poisson(rate)):
            if targets.size == 0:
                break
            band = int(rng.choice(targets))
            cell = int(b.cell[band])
            killed = _band_loss(model, band, rng.binomial(int(b.fighters[band]), m.k_strike))
            perpetrator, actor, disc = _striker(model, c)
            civ = kill_civilians(model, cell, collateral(model, cell, m.strike_shots, 1.0, disc), perpetrator)
            note = ""
            if model.leader_detected[band] and b.leaders[band] > 0 and rng.random() < m.p_strike_leader:
                _kill_leader(model, band)
                note = " (leader killed)"
            model.events.add(model.date, REMOTE, "Air/drone strike", actor, _faction(model, band) + note, cell,
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


def _kill_leader(model, band: int) -> None:
    b, fac = model.bands, model.cfg.insurgents.factions[_faction(model, band)]
    b.leaders[band] -= 1
    b.t_disrupted[band] = model.steps + fac.dur_leader_disruption
    b.t_leader_due[band] = model.steps + fac.dur_leader_disruption
    model.interval.leaders_killed[b.faction[band]] += 1


def _operating_countries(model, country: int) -> list[int]:
    """Countries a state's forces may act in: its own, or every core country under cross_border."""
    w = model.world
    if model.cfg.state.cross_border:
        return [i for i, core in enumerate(w.is_core_country) if core]
    return [country]


def columns(model) -> None:
    """Columns patrol between towns along open arteries, engage detected bands within reach, and
    gloves-off columns detain en masse where they stop."""
    w, u, b, rng = model.world, model.units, model.bands, model.streams["forces"]
    m, h = model.cfg.mechanisms, w.height
    band_xy = np.stack(np.divmod(b.cell[: b.n], h), axis=1)
    state_columns = np.flatnonzero((u.owner[: u.n] == STATE) & (u.role[: u.n] == COLUMN) & u.active[: u.n])
    for i in np.flatnonzero((u.role[: u.n] == COLUMN) & u.active[: u.n]):
        prof = list(model.cfg.partners.profiles.values())[u.partner[i]] if u.owner[i] == PARTNER else None
        if prof is not None and prof.collective_punishment and state_columns.size:
            host = state_columns[u.country[state_columns] == u.country[i]]  # accompanies a state column
            if host.size:
                u.cell[i] = u.cell[int(host[(model.steps // m.dur_patrol + i) % host.size])]
        elif (model.steps + i) % m.dur_patrol == 0:
            _move_column(model, i)
        x, y = divmod(int(u.cell[i]), h)
        if b.n:
            near = np.flatnonzero(model.detected & (np.abs(band_xy - (x, y)).max(axis=1) <= m.vision)
                                  & np.isin(w.country.reshape(-1)[b.cell[: b.n]], _operating_countries(model, int(u.country[i]))))
            if near.size:
                band = int(rng.choice(near))
                battle(model, band, i, int(b.cell[band]), band_attacks=False, sub_type="Armed clash")
        if u.gloves_off[i] and rng.random() < model.cfg.state.p_detain:
            cell = int(u.cell[i])
            comm = _suspect_community(model, cell)
            if model.people_by_comm[cell, comm] > 0:
                model.harm_state_acc[cell, comm] += 1.0  # detention abuse: harm without deaths
                model.events.add(model.date, STRATEGIC, "Arrests", _actor(model, i),
                                 f"Civilians ({COMMUNITIES[comm]})", cell)


def _move_column(model, i: int) -> None:
    w, u, rng = model.world, model.units, model.streams["forces"]
    a = w.arteries
    here = int(u.town[i])
    edges = np.flatnonzero((a.town_a == here) | (a.town_b == here))
    allowed = _operating_countries(model, int(u.country[i]))
    options = []
    for e in edges:
        other = int(a.town_b[e] if a.town_a[e] == here else a.town_a[e])
        if w.towns.country[other] in allowed and not _artery_cut(model, int(e)):
            options.append(other)
    if options:
        t = int(rng.choice(options))
        u.town[i] = t
        u.cell[i] = int(w.towns.x[t]) * w.height + int(w.towns.y[t])


def _artery_cut(model, e: int) -> bool:
    a, h = model.world.arteries, model.world.height
    xy = a.cell_xy[a.cell_ptr[e]: a.cell_ptr[e + 1]]
    return bool((model.field("artery_status")[xy[:, 0] * h + xy[:, 1]] == 2).any())


def realise_harm(model) -> None:
    """Phase 4: pending civilian deaths become dead population agents, a whole agent at a time.

    Deaths are drawn in people; an agent stands for ``people_per_agent`` people, so each cell
    keeps the remainder pending (always less than one agent's worth).
    """
    pending = model.field("deaths_pending")
    ppa = model.cfg.people_per_agent
    cells = np.flatnonzero(pending >= ppa)
    if cells.size == 0:
        return
    pop = model.population
    alive = (pop.status == HOME) | (pop.status == DISPLACED)
    for c in cells:
        here = np.flatnonzero(alive & (pop.cell == c))
        n = min(int(pending[c] // ppa), here.size)
        if n:
            chosen = model.streams["harm"].choice(here, size=n, replace=False)
            pop.status[chosen] = DEAD
            model.population_changed = True
        pending[c] -= n * ppa
        if here.size == n:
            pending[c] = 0.0  # nobody left to realise the remainder on
