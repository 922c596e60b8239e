"""Phase 4, harm: civilian deaths drawn today come off the groups' headcounts.

Deaths are drawn in people and attributed to their perpetrator when they happen
(:func:`sim.sahel.engagement.kill_civilians`, which also raises the harm fields that the
civilians' blame reads in phase 5, and queues the deaths by cell and community). Here each
queued death is taken from the groups of that community in that cell, in proportion to their
headcounts (a multivariate hypergeometric draw from the ``harm`` stream), on the day it happens.
"""

from __future__ import annotations

import numpy as np

from sim.sahel.kernels.harm import groups_of, take_deaths


def realise_harm(model) -> None:
    if not model.deaths_today:
        return
    pop, rng = model.population, model.streams["harm"]
    country = model.world.country.reshape(-1)
    for cell, by_comm in model.deaths_today:
        rows = model.cell_rows[model.cell_start[cell]: model.cell_start[cell + 1]]
        cell_country = int(country[cell])
        for k in np.flatnonzero(by_comm).tolist():
            mine = groups_of(rows, pop.community, pop.people, k)
            taken = rng.multivariate_hypergeometric(pop.people[mine].astype(np.int64), int(by_comm[k]))
            take_deaths(mine, taken, cell_country, pop.people, pop.status, pop.home, country, model.displaced_from,
                        model.displaced_in, model.refugees_from)
        model.civilians_in[cell_country] -= by_comm.sum()
    model.deaths_today.clear()
