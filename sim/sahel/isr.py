"""Surveillance platforms, their detection of bands and leaders, and their strikes and raids.

Called by the perceive phase (:func:`perceive`) and the fight phase (:func:`strike`). Rules:

* **coverage** - each present platform (``levers.platforms``) watches the disc of
  ``radius_km`` around its base, inside the countries it may act in; its daily search effort
  on a band there is Koopman's ``W v t / A`` (:func:`sim.rules.search.koopman_1946_hazard`:
  ``search_km2_per_hour`` x ``hours_aloft`` over the orbit's area). Efforts of platforms over
  one cell add. Rebuilt only when the platforms present, or their profiles, change.
* **detection** - a band inside coverage is detected with chance
  ``1 - exp(-k_detect_isr * effort)`` whatever the troops near it (the ground detection of
  :mod:`sim.sahel.phases.perceive` still needs troops within reach). Where a *shared*
  platform watches (``shared``, e.g. US MQ-9s whose product goes to host states), the
  intelligence leaks with daily chance ``p_leak``: the band is warned, escapes detection today
  and its leaders' pattern of life is lost.
* **leaders** - pattern of life (:mod:`sim.sahel.leaders`): evidence on band and senior
  leaders accumulates with the day's detection hazard (ground and ISR, raised by partner
  intelligence sharing), never a single daily draw.
* **strikes** - each platform flies ``Poisson(sorties_per_day)`` sorties a day on bands
  detected today inside its orbit, or whose leader (band or senior) is located (a located
  leader is tracked), preferring the latter.
  A drone or aircraft strike kills ``Poisson(levers.strike_kills)`` of the band's fighters,
  the located band leader with chance ``mechanisms.p_strike_leader`` and a located senior
  guest with ``leaders.p_strike_senior``; its collateral harm is that of
  ``mechanisms.strike_shots`` at the platform's ``discrimination`` and the local density,
  attributed to the operator; every strike is an ACLED-shaped "Air/drone strike" event.
  A ``raid`` platform (special forces) strikes only bands with a located leader: it kills or
  captures that leader with ``leaders.p_raid_leader`` and ``Poisson(raid_kills)`` fighters,
  an "Armed clash".
"""

from __future__ import annotations

import numpy as np

from sim.core import rng as rngs
from sim.core.codes import PARTNER, STATE
from sim.core.params import parse_date
from sim.output.events import BATTLES, REMOTE
from sim.rules.search import koopman_1946_hazard
from sim.sahel import leaders
from sim.sahel.engagement import band_loss, collateral, faction_name, kill_civilians, kill_leader
from sim.sahel.phases.timeline import presence_dates

__all__ = ["IsrState", "perceive", "strike", "platform_present"]


class IsrState:
    """The platforms' coverage and today's detections (one owner: this object, on ``model.isr``)."""

    def __init__(self, model):
        w, cfg = model.world, model.cfg
        n_cells = w.width * w.height
        self.names: tuple[str, ...] = tuple(cfg.levers.platforms)
        self.present = np.zeros(len(self.names), np.bool_)  # platforms present today
        self.orbit: list[np.ndarray] = [np.zeros(n_cells, np.bool_) for _ in self.names]  # cells each watches
        self.effort = np.zeros(n_cells)        # daily search effort W v t / A over each cell, all platforms
        self.leak = np.zeros(n_cells)          # daily chance that shared intelligence on a band there leaks
        self.ground_hazard = np.zeros(0)       # today's ground detection hazard per band (perceive phase)
        self.ground_detected = np.zeros(0, np.bool_)  # bands detected today by ground forces alone
        self.strikes = np.zeros(len(w.country_names))  # strikes and raids since the last record, by country
        self.platforms_seen = None             # the platform profiles the coverage was built from
        self.support_key = None                # (config, partners present) the country support was built for
        self.support: tuple[np.ndarray, ...] = ()  # per country: surveillance, intelligence, leak, strikes (perceive)
        self.rng = rngs.stream(cfg.seed, "isr")


def platform_present(model, prof) -> bool:
    """Active, within its dates, and (for a partner's platform) its partner present."""
    if not prof.active or not parse_date("arrival", prof.arrival) <= model.date < parse_date("departure", prof.departure):
        return False
    partners = model.partner_names
    if prof.operator in partners:
        return bool(model.partner_present[partners.index(prof.operator)])
    return True


def _base_cell(model, prof) -> tuple[int, int] | None:
    """The base's cell; on a map that does not cover it (synthetic maps), the largest town of
    the platform's countries stands in (None if none of them is on the map: an empty orbit)."""
    w = model.world
    try:
        return w.cell_of(prof.base_lon, prof.base_lat)
    except ValueError:
        keys = model.country_key
        countries = [keys.index(c) for c in prof.countries if c in keys]
        towns = np.flatnonzero(np.isin(w.towns.country, countries))
        if towns.size == 0:
            return None
        t = int(towns[np.argmax(w.towns.population[towns])])
        return int(w.towns.x[t]), int(w.towns.y[t])


def _refresh(model) -> None:
    """Rebuild orbits and the coverage fields when the platforms present or their profiles change."""
    s, w = model.isr, model.world
    profiles = model.cfg.levers.platforms
    partners = model.partner_names
    present = np.array([dates is not None and dates[0] <= model.date < dates[1]
                        and (p.operator not in partners or bool(model.partner_present[partners.index(p.operator)]))
                        for p, dates in zip(profiles.values(), presence_dates(profiles), strict=True)], np.bool_)
    if s.platforms_seen is profiles and np.array_equal(present, s.present):
        return  # (a timeline change elsewhere in the config leaves the profiles as they were)
    for i, name in enumerate(profiles):
        if present[i] and not s.present[i] and model.steps > 0:
            model.events.strategic(model.date, "Change to group/activity", name, f"platform {name} arrives", cell=None)
    s.present, s.platforms_seen = present, profiles
    s.effort[:] = 0.0
    keep = np.ones(w.width * w.height)
    xs, ys = np.divmod(np.arange(w.width * w.height), w.height)
    country = w.country.reshape(-1)
    for i, prof in enumerate(profiles.values()):
        base = _base_cell(model, prof)
        allowed = [j for j, k in enumerate(model.country_key) if k in prof.countries]
        orbit = np.zeros(xs.size, np.bool_) if base is None else \
            (np.hypot(xs - base[0], ys - base[1]) * w.cell_km <= prof.radius_km) & np.isin(country, allowed)
        s.orbit[i] = orbit
        if not present[i] or prof.kind == "raid" or not orbit.any():
            continue
        area = float(orbit.sum()) * w.cell_km ** 2
        s.effort[orbit] += koopman_1946_hazard(prof.search_km2_per_hour, prof.hours_aloft, area)
        if prof.shared and prof.p_leak > 0:
            keep[orbit] *= 1.0 - prof.p_leak
    s.leak[:] = 1.0 - keep


def perceive(model) -> None:
    """Today's ISR detection (added to the ground detection), then the leaders' pattern of life."""
    _refresh(model)
    s, b, cfg = model.isr, model.bands, model.cfg
    n = b.n
    cells = b.cell[:n]
    s.ground_detected = model.detected.copy()
    isr_hazard = cfg.levers.k_detect_isr * s.effort[cells]
    u = s.rng.random(2 * n)  # the doubles of s.rng.random(n) twice, in one call
    u1, u2 = u[:n], u[n:]
    warned = u2 < s.leak[cells]
    alive = b.fighters[:n] > 0
    model.detected = (model.detected | (u1 < 1.0 - np.exp(-isr_hazard))) & ~warned & alive
    hazard = np.maximum(s.ground_hazard[:n] if s.ground_hazard.size >= n else np.zeros(n), 0.0) + isr_hazard
    leaders.pattern_of_life(model, hazard, warned)


def _actor(model, prof) -> tuple[int, str]:
    if prof.operator in model.partner_names:
        return PARTNER, prof.actor or prof.operator
    if prof.operator in model.country_key:
        country = model.world.country_names[model.country_key.index(prof.operator)]
        return STATE, prof.actor or f"Military Forces of {country}"
    return PARTNER, prof.actor or "Foreign partner"


def strike(model) -> None:
    """Each present platform's sorties of the day on detected bands inside its orbit."""
    s, b, m = model.isr, model.bands, model.cfg.mechanisms
    if b.n == 0 or not s.present.any():
        return
    lv = model.cfg.levers
    rng = s.rng
    for i, prof in enumerate(lv.platforms.values()):
        if not s.present[i] or prof.sorties_per_day <= 0:
            continue
        sorties = int(rng.poisson(prof.sorties_per_day))
        if sorties == 0:
            continue
        perpetrator, actor = _actor(model, prof)
        for _ in range(sorties):
            cells = b.cell[: b.n]
            hvt = model.leader_detected[: b.n] | leaders.senior_located_in(model)  # a located leader is tracked
            inside = (model.detected[: b.n] | hvt) & s.orbit[i][cells] & (b.fighters[: b.n] > 0)
            hvt &= inside
            pool = np.flatnonzero(hvt) if prof.kind == "raid" or hvt.any() else np.flatnonzero(inside)
            if pool.size == 0:
                break
            band = int(pool[rng.integers(pool.size)])
            cell = int(b.cell[band])
            s.strikes[model.world.country.reshape(-1)[cell]] += 1
            note = ""
            if prof.kind == "raid":
                killed = band_loss(model, band, min(rng.poisson(lv.leaders.raid_kills), b.fighters[band]))
                if leaders.kill_located_senior(model, band, lv.leaders.p_raid_leader, rng):
                    note = " (senior leader killed)"
                elif model.leader_detected[band] and b.leaders[band] > 0 and rng.random() < lv.leaders.p_raid_leader:
                    kill_leader(model, band)
                    note = " (leader killed)"
                model.events.add(model.date, BATTLES, "Armed clash", actor, faction_name(model, band) + note + " (raid)",
                                 cell, int(killed))
                continue
            killed = band_loss(model, band, min(rng.poisson(lv.strike_kills), b.fighters[band]))
            civ = kill_civilians(model, cell, collateral(model, cell, m.strike_shots, 1.0, prof.discrimination),
                                 perpetrator)
            if leaders.kill_located_senior(model, band, lv.leaders.p_strike_senior, rng):
                note = " (senior leader killed)"
            if model.leader_detected[band] and b.leaders[band] > 0 and rng.random() < m.p_strike_leader:
                kill_leader(model, band)
                note += " (leader killed)"
            model.events.add(model.date, REMOTE, "Air/drone strike", actor, faction_name(model, band) + note, cell,
                             int(killed) + civ, civ)

