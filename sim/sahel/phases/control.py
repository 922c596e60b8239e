"""Phase 6, control: control, arteries, blockades and supplies, taxation.

* **control** follows the balance of armed presence (Kalyvas 2006; kernel ``update_control``);
  zones: state >= 1/3 > contested > -1/3 >= insurgent.
* **arteries**: a contested or cut artery cell reopens ``dur_artery_repair`` days after its last
  attack if no fighters are within reach. An artery is cut when any of its cells is cut.
* **blockades**: a town whose arteries are all cut is blockaded; its supplies fall by a day's
  worth per day (and refill three times as fast when open), and the shortfall pushes grievance
  (``rel_economic_push``).
* **taxation**: governing factions' bands draw resources (experience) from the people of
  insurgent-held cells within reach (``tax_rate``).
"""

from __future__ import annotations

import math

import numpy as np

from sim.sahel import frontier
from sim.sahel.kernels.fields import (
    reopen_arteries,
    strongest_band,
    tax_bands,
    town_supplies,
    update_control,
)

STATE_ZONE, INSURGENT_ZONE = 1.0 / 3.0, -1.0 / 3.0


def update(model) -> None:
    m = model.cfg.mechanisms
    update_control(model.layers["control"].data, model.layers["troops_near"].data,
                   model.layers["fighters_near"].data, m.control_default, m.rate_control, m.troops_per_presence)
    model.field("violence")[:] *= math.exp(-1.0 / m.dur_violence)
    _arteries(model)
    _blockades(model)
    _taxation(model)
    assign_recruiters(model)
    frontier.count_presence(model)


def _arteries(model) -> None:
    a = model.world.arteries
    model.artery_is_cut = np.zeros(len(a.name), np.bool_)
    st = model.field("artery_status")
    reopen_arteries(st, np.flatnonzero(st > 0), model.artery_last_attack, model.field("fighters_near"), model.steps,
                    model.cfg.insurgents.dur_artery_repair, a.cell_xy, a.cell_ptr, model.world.height,
                    model.artery_is_cut)


def _blockades(model) -> None:
    w, m = model.world, model.cfg.mechanisms
    n_towns = len(w.towns.name)
    blockaded, model.town_cut_share, model.supplies = np.zeros(n_towns, np.bool_), np.zeros(n_towns), model.supplies.copy()
    town_supplies(w.arteries.town_a, w.arteries.town_b, model.artery_is_cut, model.supplies, m.supply_days, blockaded,
                  model.town_cut_share)
    for t in np.flatnonzero(blockaded & ~model.blockaded):
        model.events.strategic(model.date, "Other", "Insurgents", f"{w.towns.name[t]} blockaded",
                               cell=int(w.towns.x[t]) * w.height + int(w.towns.y[t]))
    model.blockaded = blockaded
    push = model.field("push")
    cells = w.towns.x.astype(np.int64) * w.height + w.towns.y
    push[cells] = model.cfg.population.rel_economic_push * (1.0 - model.supplies / m.supply_days)


def _taxation(model) -> None:
    cfg, b = model.cfg, model.bands
    governs = np.array([f.governs for f in cfg.insurgents.factions.values()], np.bool_)
    tax_bands(b.fighters[: b.n], b.faction[: b.n], b.cell[: b.n], governs, model.field("control"), model.field("people"),
              INSURGENT_ZONE, cfg.insurgents.tax_rate, b.experience[: b.n])


def assign_recruiters(model) -> None:
    """For each cell, the strongest band within ``band_range`` (the one a new recruit joins)."""
    w, b = model.world, model.bands
    r = model.cfg.insurgents.band_range
    rec = model.recruiter.reshape(w.width, w.height)  # filled in place
    rec[:] = -1
    strongest_band(np.flatnonzero(b.fighters[: b.n] > 0), b.cell[: b.n], b.fighters[: b.n], r, rec)
