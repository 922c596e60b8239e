"""Kernels of the harm phase (:mod:`sim.sahel.phases.harm`): the groups that deaths are taken
from, and the headcounts and displacement stocks they come off.

Pure functions of arrays; each has a readable twin (``*_py``) that the tests compare.
"""

from __future__ import annotations

import numpy as np

from sim.core.codes import DISPLACED
from sim.core.jit import kernel


@kernel
def groups_of(rows, community, people, k):
    """The rows among ``rows`` (in their order) of community ``k`` with people."""
    out = np.empty(rows.size, np.int64)
    n = 0
    for r in rows:
        if community[r] == k and people[r] > 0:
            out[n] = r
            n += 1
    return out[:n]


def groups_of_py(rows, community, people, k):
    """Readable twin of :func:`groups_of`."""
    return rows[(community[rows] == k) & (people[rows] > 0)].astype(np.int64)


@kernel
def take_deaths(mine, taken, cell_country, people, status, home, country, displaced_from, displaced_in, refugees_from):
    """Take ``taken[j]`` people off group ``mine[j]`` (in a cell of country ``cell_country``), and
    the displaced among them off the displaced stocks: by home country (``displaced_from``), by
    the country they are in (``displaced_in``) and, away from their home country, the refugees
    (``refugees_from``). Headcounts are whole numbers: the stocks are exact in any order."""
    for j in range(mine.size):
        i = mine[j]
        people[i] -= taken[j]
        if status[i] == DISPLACED:
            home_country = country[home[i]]
            displaced_from[home_country] -= taken[j]
            displaced_in[cell_country] -= taken[j]
            if home_country != cell_country:
                refugees_from[home_country] -= taken[j]


def take_deaths_py(mine, taken, cell_country, people, status, home, country, displaced_from, displaced_in,
                   refugees_from):
    """Readable twin of :func:`take_deaths`, with numpy."""
    people[mine] -= taken.astype(people.dtype)
    away = status[mine] == DISPLACED
    home_country = country[home[mine[away]]]
    np.subtract.at(displaced_from, home_country, taken[away])
    displaced_in[cell_country] -= taken[away].sum()
    across = home_country != cell_country
    np.subtract.at(refugees_from, home_country[across], taken[away][across])
