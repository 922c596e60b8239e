"""Phase 4, harm: civilian deaths drawn today come off the groups' headcounts.

Deaths are drawn in people and attributed to their perpetrator when they happen
(:func:`sim.sahel.engagement.kill_civilians`, which also raises the harm fields that the
civilians' blame reads in phase 5, and queues the deaths by cell and community). Here each
queued death is taken from the groups of that community in that cell, in proportion to their
headcounts (a multivariate hypergeometric draw from the ``harm`` stream), on the day it happens.
"""

from __future__ import annotations

import numpy as np

from sim.core.codes import DISPLACED


def realise_harm(model) -> None:
    if not model.deaths_today:
        return
    pop, rng = model.population, model.streams["harm"]
    country = model.world.country.reshape(-1)
    for cell, by_comm in model.deaths_today:
        rows = model.cell_rows[model.cell_start[cell]: model.cell_start[cell + 1]]
        for k in np.flatnonzero(by_comm):
            mine = rows[(pop.community[rows] == k) & (pop.people[rows] > 0)]
            taken = rng.multivariate_hypergeometric(pop.people[mine].astype(np.int64), int(by_comm[k]))
            pop.people[mine] -= taken.astype(np.int32)
            away = pop.status[mine] == DISPLACED
            np.subtract.at(model.displaced_from, country[pop.home[mine[away]]], taken[away])
            model.displaced_in[country[cell]] -= taken[away].sum()
            home_country = country[pop.home[mine[away]]]
            across = home_country != country[cell]
            np.subtract.at(model.refugees_from, home_country[across], taken[away][across])
        model.civilians_in[country[cell]] -= by_comm.sum()
    model.deaths_today.clear()
