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
from sim.sahel.kernels.detection import ground_hazard, sightings
from sim.sahel.kernels.fields import box_sum_at, scatter_add


def perceive(model) -> None:
    """Presence fields and today's detection of bands and their leaders."""
    u, b = model.units, model.bands
    act = u.active[: u.n]
    unit_cells = u.cell[: u.n][act]
    scatter_add(model.field("troops"), unit_cells, u.troops[: u.n][act])
    scatter_add(model.field("fighters"), b.cell[: b.n], b.fighters[: b.n])
    r = model.cfg.mechanisms.vision
    box_sum_at(model.layers["troops"].data, unit_cells, r, model.layers["troops_near"].data)
    box_sum_at(model.layers["fighters"].data, b.cell[: b.n], r, model.layers["fighters_near"].data)
    _detect(model)
    deterrence.decay(model)
    isr.perceive(model)


def country_support(model) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per country: surveillance, intelligence sharing, leak chance, strikes per day (rebuilt only
    when the config in force or the partners present change; the arrays are shared, read-only)."""
    s = model.isr
    key = (model.cfg, tuple(model.partner_present.tolist()))
    if s.support_key is None or s.support_key[0] is not key[0] or s.support_key[1] != key[1]:
        s.support_key, s.support = key, _country_support(model)
    return s.support


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
    surv, intel, leak, strikes = country_support(model)
    model.strikes_per_day = strikes
    n = b.n
    hazard, intel_b, leak_b = np.empty(n), np.empty(n), np.empty(n)
    ground_hazard(b.cell[:n], w.country.reshape(-1), model.field("people"), model.field("tips"), model.field("control"),
                  model.field("troops_near"), surv, intel, leak, cfg.population.p_inform, m.troops_per_presence,
                  m.k_detect, hazard, intel_b, leak_b)
    model.isr.ground_hazard, model.leaders.intel = hazard, intel_b
    p = 1 - np.exp(-hazard)
    rel_leader = np.array([f.rel_detect_leader for f in cfg.insurgents.factions.values()])
    u = rng.random(3 * n)  # the doubles of rng.random(n) three times, in one call
    u1, u2, u3 = u[:n], u[n: 2 * n], u[2 * n:]
    model.detected, model.leader_detected = np.empty(n, np.bool_), np.empty(n, np.bool_)
    sightings(p, u1, u2, u3, intel_b, leak_b, rel_leader, b.faction[:n], b.fighters[:n], b.leaders[:n],
              model.detected, model.leader_detected)
