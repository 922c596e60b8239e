"""Phase 2, perceive: armed presence fields, and today's detection of bands and their leaders.

* **presence** - troops and fighters per cell, and within ``mechanisms.vision`` (box sums).
* **detection** - hazard ``k_detect * (surveillance * presence + intelligence + tips)`` on each
  band with troops within reach; a first sighting of leaders at ``rel_detect_leader`` times
  that, which :mod:`sim.sahel.isr` replaces by the leaders' pattern of life
  (Kress & Szechtman 2009: imperfect intelligence caps what force can do). Leaked intelligence
  (``p_leak``) warns the band. The state's strikes per day per country are set here too.
"""

from __future__ import annotations

import numpy as np

from sim.sahel import deterrence, isr
from sim.sahel.kernels.fields import box_sum


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
    deterrence.decay(model)
    isr.perceive(model)


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
    model.isr.ground_hazard, model.leaders.intel = hazard, intel[country]
    p = 1 - np.exp(-hazard)
    rel_leader = np.array([f.rel_detect_leader for f in cfg.insurgents.factions.values()])[b.faction[:n]]
    u1, u2, u3 = rng.random(n), rng.random(n), rng.random(n)
    warned = (intel[country] > 0) & (u3 < leak[country])
    model.detected = (u1 < p) & ~warned & (b.fighters[:n] > 0)
    model.leader_detected = model.detected & (u2 < p * rel_leader) & (b.leaders[:n] > 0)
