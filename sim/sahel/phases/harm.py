"""Phase 4, harm and blame: civilian deaths drawn today are realised in the population.

Deaths are drawn in people and attributed to their perpetrator when they happen
(:func:`sim.sahel.engagement.kill_civilians`, which also raises the harm fields that the
civilians' blame reads in phase 5); here they become dead population agents.
"""

from __future__ import annotations

import numpy as np

from sim.core.codes import DEAD, DISPLACED, HOME


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
