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

from sim.sahel.kernels.fields import strongest_band, update_control

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


def _arteries(model) -> None:
    st = model.field("artery_status")
    hit = np.flatnonzero(st > 0)
    if hit.size:
        quiet = (model.steps - model.artery_last_attack[hit] >= model.cfg.insurgents.dur_artery_repair) \
            & (model.field("fighters_near")[hit] == 0)
        st[hit[quiet]] = 0
    a, h = model.world.arteries, model.world.height
    cells = a.cell_xy[:, 0] * h + a.cell_xy[:, 1]
    cut_cells = (st[cells] == 2).astype(np.int64)
    per_artery = np.add.reduceat(cut_cells, a.cell_ptr[:-1]) if cells.size else np.zeros(0, np.int64)
    model.artery_is_cut = per_artery > 0


def _blockades(model) -> None:
    w, a, m = model.world, model.world.arteries, model.cfg.mechanisms
    n_towns = len(w.towns.name)
    n_art = np.bincount(a.town_a, minlength=n_towns) + np.bincount(a.town_b, minlength=n_towns)
    cut = model.artery_is_cut.astype(np.int64)
    n_cut = np.bincount(a.town_a, weights=cut, minlength=n_towns) + np.bincount(a.town_b, weights=cut, minlength=n_towns)
    model.town_cut_share = np.where(n_art > 0, n_cut / np.maximum(n_art, 1), 0.0)
    blockaded = (n_art > 0) & (n_cut == n_art)
    newly = blockaded & ~model.blockaded
    for t in np.flatnonzero(newly):
        model.events.strategic(model.date, "Other", "Insurgents", f"{w.towns.name[t]} blockaded",
                               cell=int(w.towns.x[t]) * w.height + int(w.towns.y[t]))
    model.blockaded = blockaded
    model.supplies = np.where(blockaded, np.maximum(model.supplies - 1.0, 0.0),
                              np.minimum(model.supplies + 3.0, m.supply_days))
    push = model.field("push")
    cells = w.towns.x.astype(np.int64) * w.height + w.towns.y
    push[cells] = model.cfg.population.rel_economic_push * (1.0 - model.supplies / m.supply_days)


def _taxation(model) -> None:
    cfg, b = model.cfg, model.bands
    governs = np.array([f.governs for f in cfg.insurgents.factions.values()])
    held = model.field("control") <= INSURGENT_ZONE
    for band in np.flatnonzero((b.fighters[: b.n] > 0) & governs[b.faction[: b.n]]):
        if held[b.cell[band]]:
            b.experience[band] += cfg.insurgents.tax_rate * model.field("people")[b.cell[band]] / 1000.0


def assign_recruiters(model) -> None:
    """For each cell, the strongest band within ``band_range`` (the one a new recruit joins)."""
    w, b = model.world, model.bands
    r = model.cfg.insurgents.band_range
    best = np.zeros((w.width, w.height))
    rec = np.full((w.width, w.height), -1, np.int32)
    bands = np.flatnonzero(b.fighters[: b.n] > 0)
    strongest_band(bands, b.cell[bands].astype(np.int64), b.fighters[bands], r, best, rec)
    model.recruiter = rec.reshape(-1)
