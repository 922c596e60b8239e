"""The insurgents' frontier: a faction's reach grows with its presence (issue 12).

With ``insurgents.frontier`` on, a faction's bands avoid moving further than
``insurgents.frontier_range`` cells beyond the cells the faction has **established** (besides the
heartland's ``home_range``, which still holds). A faction starts established where its bands
start (the box of ``max(2, band_range)`` cells around its heartland); a cell becomes established
once the faction's bands have spent ``insurgents.days_establish`` band-days in it. So the area a
faction may work in spreads outward from its heartland at a pace set by how long bands must stay
to put down roots, and in the direction its bands are drawn to (people, away from troops); it is
never written as dates or places.

The presence is counted every day; establishment and the distance field (Chebyshev distance to
the nearest established cell, ``scipy.ndimage.distance_transform_cdt``) are updated every
``EVERY`` days. Established cells stay established (a social base outlasts a band's visit).
Without the frontier (the default) nothing is counted and the moves are those of the heartland
rule alone.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import distance_transform_cdt

__all__ = ["EVERY", "FrontierState", "count_presence", "start_area"]

EVERY = 30  # days between updates of the established cells and their distance field


class FrontierState:
    """Per faction: band-days of presence, established cells and the distance to them (one
    owner: this object, on ``model.frontier``)."""

    def __init__(self, n_factions: int, width: int, height: int, on: bool):
        self.on = on
        self.shape = (width, height)
        n = width * height if on else 1  # off: one dummy cell, never read by the move kernel
        self.presence = np.zeros((n_factions, n))
        self.established = np.zeros((n_factions, n), np.bool_)
        self.dist = np.zeros((n_factions, n), np.int64)

    def update_distance(self, f: int) -> None:
        """Rebuild faction ``f``'s distance field from its established cells."""
        est = self.established[f].reshape(self.shape)
        if est.any():
            self.dist[f] = distance_transform_cdt(~est, metric="chessboard").reshape(-1)
        else:  # nothing established: everywhere is far (the heartland rule still applies)
            self.dist[f] = np.iinfo(np.int32).max


def start_area(model, faction: int, hx: int, hy: int, spread: int) -> None:
    """Establish the box of ``spread`` cells around the heartland ``(hx, hy)``, where the faction's
    bands are placed at the start."""
    s = model.frontier
    if not s.on:
        return
    w, h = model.world.width, model.world.height
    est = s.established[faction].reshape(w, h)
    est[max(0, hx - spread):min(w, hx + spread + 1), max(0, hy - spread):min(h, hy + spread + 1)] = True
    s.update_distance(faction)


def count_presence(model) -> None:
    """A day of presence for each band with fighters, in its cell; every ``EVERY`` days, cells
    with ``days_establish`` band-days become established and the distance field is rebuilt."""
    s = model.frontier
    if not s.on:
        return
    b = model.bands
    alive = b.fighters[: b.n] > 0
    np.add.at(s.presence, (b.faction[: b.n][alive], b.cell[: b.n][alive]), 1.0)
    if model.steps % EVERY == 0:
        new = (s.presence >= model.cfg.insurgents.days_establish) & ~s.established
        for f in np.flatnonzero(new.any(axis=1)).tolist():
            s.established[f] |= new[f]
            s.update_distance(f)
