"""Deterrence and coercion: fear of state violence (anger is the civilians' harm-to-grievance).

* **fear** - a cell's fear level in [0, 1] rises by ``fear_per_kill`` per person the state
  side kills there (fighters or civilians) and ``fear_per_detention`` per mass detention,
  saturating at 1, and decays with ``dur_fear``.
* **effects** (:func:`sim.rules.levers.deterrence_lyall_2009`) - fear adds
  ``rel_fear_risk * fear`` to the perceived risk of joining (subtracted from the joining
  excess ``G - N + pull - T`` of the civilian kernel) and scales the operations of a band in
  that cell by ``1 - rel_fear_activity * fear`` (Lyall 2009: 24% fewer attacks after shelling).
  The anger channel is :mod:`sim.sahel.kernels.civilians`' blame and grievance
  (``population.rel_harm_grievance``): with both parameterised, the net effect of gloves off
  can take either sign.
* **sweeps** (:func:`swept_cell`) - a gloves-off unit's mass detention falls where it sits, or,
  with ``state.sweep_radius`` > 0, on a populated cell within that many cells, drawn with weight
  ``1 - control`` (the villages whose control leans insurgent are the suspected ones): coercion
  that reaches the insurgents' own villages, and with it both the fear and the harm.
"""

from __future__ import annotations

import math

import numpy as np

from sim.core.rng import roulette
from sim.rules.levers import deterrence_lyall_2009

__all__ = ["FearState", "add_fear", "decay", "operations_factor", "swept_cell"]


class FearState:
    """The fear field (one owner: this object, on ``model.fear``)."""

    def __init__(self, n_cells: int):
        self.level = np.zeros(n_cells)  # fear of state violence per cell, in [0, 1]
        self.touched = np.zeros(n_cells, np.bool_)  # cells fear was ever added to (elsewhere it is 0)
        self.cells: np.ndarray | None = np.zeros(0, np.int64)  # their indices (None: to be rebuilt)


def add_fear(model, cell: int, amount: float) -> None:
    s = model.fear
    s.level[cell] = min(1.0, s.level[cell] + amount)
    if not s.touched[cell]:
        s.touched[cell], s.cells = True, None


def decay(model) -> None:
    """A day's decay of fear (only where there was ever any: elsewhere it stays 0)."""
    s = model.fear
    if s.cells is None:
        s.cells = np.flatnonzero(s.touched)
    s.level[s.cells] *= math.exp(-1.0 / model.cfg.levers.deterrence.dur_fear)


def operations_factor(model, cells: np.ndarray) -> np.ndarray:
    """Per band (by its cell): the share of its operations that fear does not deter."""
    d = model.cfg.levers.deterrence
    return deterrence_lyall_2009(model.fear.level[cells], d.rel_fear_risk, d.rel_fear_activity)[1]


def swept_cell(model, cell: int, rng: np.random.Generator) -> int:
    """The cell a gloves-off unit at ``cell`` detains in: ``cell`` itself at ``sweep_radius = 0``
    (no draw), else a populated cell within the radius (Chebyshev, clipped to the map) drawn
    with weight ``1 - control`` in [0, 2]; ``cell`` where no cell within reach has weight."""
    r = model.cfg.state.sweep_radius
    if r <= 0:
        return cell
    w = model.world
    h = w.height
    x, y = divmod(cell, h)
    xs = np.arange(max(0, x - r), min(w.width, x + r + 1))
    ys = np.arange(max(0, y - r), min(h, y + r + 1))
    box = (xs[:, None] * h + ys[None, :]).reshape(-1)
    weight = np.where(model.field("people")[box] > 0, 1.0 - model.field("control")[box], 0.0)
    if weight.sum() <= 0:
        return cell
    return int(box[roulette(rng, weight)])
