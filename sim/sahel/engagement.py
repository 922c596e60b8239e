"""Engagements and civilian harm: what fighting does, shared by the fight phase and the bands.

The actors are few (tens of units and bands), so these are plain Python over the actor tables,
with the named streams ``forces`` and ``harm``. Rules and their sources:

* **engagements** - ``mechanisms.attrition`` names the rule in :mod:`sim.rules.attrition`
  (``deitchman_1962``: aimed fire on a detected enemy, area fire at ``rel_area_fire`` of that
  on an undetected one; ``lanchester_square``: all fire aimed).
* **civilian harm** - ``k_collateral`` x fire x (1 - discrimination) x local density
  (people/km2, capped at ``collateral_density_cap``), attributed to the firer; gloves-off units
  take reprisals (``rel_reprisal`` civilians per soldier lost) on the community most
  sympathetic to the insurgents. Deaths are drawn here and realised in the harm phase.
* **leaders** - a killed leader disrupts its band for ``dur_leader_disruption`` days and is
  replaced after as long (:mod:`sim.sahel.bands`).
"""

from __future__ import annotations

import math
import weakref

import numpy as np

from sim.core.codes import COMMUNITIES, INSURGENT, MILITIA, PARTNER
from sim.output.events import BATTLES, VAC
from sim.rules.attrition import expected_losses
from sim.sahel.deterrence import add_fear
from sim.sahel.leaders import band_leader_killed

__all__ = ["fire", "collateral", "kill_civilians", "add_violence", "suspect_community", "state_loss",
           "band_loss", "actor_name", "faction_name", "battle", "kill_leader", "operating_countries", "town_links",
           "town_linked"]


def local_density(model, cell: int) -> float:
    density = float(model.field("people")[cell]) / (model.world.cell_km ** 2)
    return min(density, model.cfg.mechanisms.collateral_density_cap)


def fire(model, shooters: float, quality: float, aimed: bool) -> float:
    """Expected enemy losses from one engagement (``mechanisms.attrition``)."""
    m = model.cfg.mechanisms
    return expected_losses(m.attrition, m.k_fire, shooters, quality, aimed, m.rel_area_fire)


def collateral(model, cell: int, shooters: float, quality: float, discrimination: float) -> float:
    """Expected civilian deaths from that fire in ``cell``."""
    return model.cfg.mechanisms.k_collateral * shooters * quality * (1 - discrimination) * local_density(model, cell)


def kill_civilians(model, cell: int, expected: float, perpetrator: int, faction: int = -1,
                   community: int = -1) -> int:
    """Draw civilian deaths in ``cell`` (Poisson, at most the living people there, or of
    ``community`` when the violence targets one), attribute them to their perpetrator, and queue
    them for the harm phase, which takes them off the groups' headcounts.

    Untargeted deaths fall on the cell's communities in proportion to their people (a
    multivariate hypergeometric draw). The cell's living people drop at once, so later
    violence on the same day cannot kill the same people twice.
    """
    present = model.people_by_comm[cell]
    available = present.sum() if community < 0 else present[community]
    if expected <= 0 or available <= 0:
        return 0
    rng = model.streams["harm"]
    deaths = int(min(rng.poisson(expected), available))
    if deaths == 0:
        return 0
    if community < 0:
        by_comm = rng.multivariate_hypergeometric(present.astype(np.int64), deaths)
    else:
        by_comm = np.zeros(present.size, np.int64)
        by_comm[community] = deaths
    acc = model.interval
    if perpetrator == INSURGENT:
        acc.civ_insurgents[faction] += deaths
    else:
        acc.civ_by_owner[perpetrator] += deaths
    harm = model.harm_ins_acc if perpetrator == INSURGENT else model.harm_state_acc
    if perpetrator != INSURGENT:
        add_fear(model, cell, model.cfg.levers.deterrence.fear_per_kill * deaths)
    harm[cell, :] += by_comm
    add_violence(model, cell, deaths)
    present -= by_comm
    model.field("people")[cell] -= deaths
    model.deaths_today.append((cell, by_comm))
    return deaths


def add_violence(model, cell: int, fatalities: float) -> None:
    """Raise the cell's violence level by a per-capita amount: (fatalities + 1) per 1,000
    residents, in units of ``violence_scale``, saturating (violence drives flight)."""
    per_thousand = (fatalities + 1.0) / max(model.field("people")[cell] / 1000.0, 1.0)
    model.field("violence")[cell] += 1.0 - math.exp(-per_thousand / model.cfg.mechanisms.violence_scale)
    model.field("violence_events")[cell] += 1.0


def suspect_community(model, cell: int) -> int:
    """The community a gloves-off unit suspects: the one most sympathetic to the insurgents here."""
    present = model.people_by_comm[cell] > 0
    sym = np.where(present, np.asarray(model.cfg.population.sympathy0), -1.0)
    return int(np.argmax(sym))


def state_loss(model, unit: int, losses: float, cell: int) -> None:
    """Apply losses to a unit; gloves-off units answer losses with reprisals on civilians."""
    u = model.units
    losses = min(losses, u.troops[unit])
    u.troops[unit] -= losses
    model.interval.state_losses += losses
    if u.troops[unit] <= 0:
        u.active[unit] = False
    if u.gloves_off[unit] and losses > 0:
        expected = model.cfg.state.rel_reprisal * losses
        comm = suspect_community(model, cell)
        d = kill_civilians(model, cell, expected, int(u.owner[unit]), community=comm)
        if d:
            model.events.add(model.date, VAC, "Attack", actor_name(model, unit), f"Civilians ({COMMUNITIES[comm]})",
                             cell, d, d)


def band_loss(model, band: int, losses: float) -> float:
    b = model.bands
    losses = min(losses, b.fighters[band])
    b.fighters[band] -= losses
    model.interval.insurgent_losses[b.faction[band]] += losses
    add_fear(model, int(b.cell[band]), model.cfg.levers.deterrence.fear_per_kill * losses)
    return losses


def actor_name(model, unit: int) -> str:
    u = model.units
    if u.owner[unit] == PARTNER:
        return model.partner_names[u.partner[unit]]
    country = model.world.country_names[u.country[unit]]
    return f"{'Militia' if u.owner[unit] == MILITIA else 'Military Forces'} of {country}"


def faction_name(model, band: int) -> str:
    return model.faction_names[model.bands.faction[band]]


def battle(model, band: int, unit: int, cell: int, band_attacks: bool, sub_type: str) -> None:
    """One engagement between a band and a unit; the attacker's fire is aimed, the surprised
    defender's is area fire unless it had detected the attacker."""
    b, u, rng = model.bands, model.units, model.streams["forces"]
    fq = model.cfg.insurgents.factions[faction_name(model, band)].quality * (1 + min(b.experience[band] / 1e4, 0.5))
    fighters, troops = b.fighters[band], u.troops[unit]
    unit_aimed = (not band_attacks) or bool(model.detected[band])
    fighters_lost = rng.poisson(fire(model, troops, u.quality[unit], unit_aimed))
    unit_loss = rng.poisson(fire(model, fighters, fq, True))
    fighters_lost = band_loss(model, band, fighters_lost)
    civ = kill_civilians(model, cell, collateral(model, cell, troops, u.quality[unit], u.discrimination[unit]),
                         int(u.owner[unit]))
    brut = model.cfg.insurgents.factions[faction_name(model, band)].brutality
    civ += kill_civilians(model, cell, collateral(model, cell, fighters, fq, 1 - brut), INSURGENT, int(b.faction[band]))
    before = u.troops[unit]
    state_loss(model, unit, unit_loss, cell)
    lost = before - u.troops[unit]
    b.experience[band] += fighters
    a1, a2 = (faction_name(model, band), actor_name(model, unit)) if band_attacks else (actor_name(model, unit), faction_name(model, band))
    model.events.add(model.date, BATTLES, sub_type, a1, a2, cell, int(round(fighters_lost + lost)) + civ, civ)
    add_violence(model, cell, fighters_lost + lost)
    if band_attacks and lost > fighters_lost:  # a successful raid: loot strengthens the band
        b.experience[band] += model.cfg.insurgents.loot_per_raid * 1e4
        model.upkeep.loot[b.faction[band]] += model.cfg.levers.upkeep.loot_usd_per_raid


def kill_leader(model, band: int) -> None:
    b, fac = model.bands, model.cfg.insurgents.factions[faction_name(model, band)]
    b.leaders[band] -= 1
    b.t_disrupted[band] = model.steps + fac.dur_leader_disruption
    b.t_leader_due[band] = model.steps + fac.dur_leader_disruption
    model.interval.leaders_killed[b.faction[band]] += 1
    band_leader_killed(model, band)


def operating_countries(model, country: int) -> list[int]:
    """Countries a state's forces may act in: its own, or every core country under cross_border."""
    w = model.world
    if model.cfg.state.cross_border:
        return [i for i, core in enumerate(w.is_core_country) if core]
    return [country]


_LINKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def town_links(world) -> list[list[tuple[int, int]]]:
    """Per town, ``(artery, town at its other end)`` for each artery ending there, in artery
    order. Arteries never change: built once per world."""
    links = _LINKS.get(world)
    if links is None:
        a = world.arteries
        links = [[(e, int(a.town_b[e] if a.town_a[e] == t else a.town_a[e]))
                  for e in np.flatnonzero((a.town_a == t) | (a.town_b == t)).tolist()]
                 for t in range(len(world.towns))]
        _LINKS[world] = links
    return links


_LINKED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def town_linked(world) -> np.ndarray:
    """Per town: whether any artery ends there (built once per world; not to be written)."""
    linked = _LINKED.get(world)
    if linked is None:
        linked = _LINKED[world] = np.array([bool(t) for t in town_links(world)])
    return linked
