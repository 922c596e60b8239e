"""The ``synthetic`` map: a generated world of any size, on the same assembly path as ``sahel``.

Generation (every draw from the caller's ``numpy.random.Generator``, so a seed fixes the map):

* **Towns** at distinct cells with a minimum spacing (Chebyshev distance about half the mean
  town spacing, relaxed if the grid is crowded). The first ``n_countries`` towns are capitals.
* **Countries**: the Voronoi cells of the capitals (nearest capital, ties to the lower index).
  Voronoi cells are convex, so a straight road between two towns of one country stays in it.
* **Roads**: inside each country, the Euclidean minimum spanning tree of its towns (so every
  country's net is connected on its own); between countries, the shortest town-to-town link
  of each edge of a minimum spanning tree over countries; plus ``n_towns // 5`` extra short
  links drawn at random among each town's three nearest neighbours. An artery is paved if
  either end is a capital or both ends are in the larger half of towns; otherwise a track.
* **Terrain** by y: sudanian in the south, sahel, sahara in the north, with band edges that
  wander by a few percent of the height; a meandering river crosses west to east.
* **Mines**: about one gold mine per 1,500 cells outside the sahara, one uranium mine in it.
* **People**: ``(1 - rural_share)`` of ``synthetic_people`` in towns by Zipf's rule (the town
  of rank k has people ∝ 1/k; capitals rank first), the rest rural by the terrain weights of
  ``data/parameters.json``; the total is exactly ``synthetic_people``.
"""

from __future__ import annotations

import math
import string
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import Delaunay, QhullError, cKDTree

from sim.world.assemble import ArteryInput, MineInput, TownInput, assemble_world
from sim.world.data_io import DATA_DIR, load_parameters
from sim.world.raster import KM_PER_DEG, Grid, polyline_cells
from sim.world.types import (
    MINE_GOLD,
    MINE_URANIUM,
    ROAD_PAVED,
    ROAD_TRACK,
    TERRAIN_RIVER,
    TERRAIN_SAHARA,
    TERRAIN_SAHEL,
    TERRAIN_SUDANIAN,
    World,
)

__all__ = ["build_synthetic"]

GOLD_RADIUS_KM, URANIUM_RADIUS_KM = 10.0, 20.0  # as the sahel data's assumed mine radii
CELLS_PER_GOLD_MINE = 1500


def _place_towns(rng: np.random.Generator, w: int, h: int, n: int) -> np.ndarray:
    """``n`` distinct cells, as spread out as the grid allows; shape ``(n, 2)``."""
    spacing = max(1, int(0.5 * math.sqrt(w * h / n)))
    chosen = np.empty((0, 2), dtype=np.int64)
    while spacing >= 1:
        for _ in range(50 * n):
            cand = np.array([rng.integers(w), rng.integers(h)])
            if chosen.size == 0 or np.abs(chosen - cand).max(axis=1).min() >= spacing:
                chosen = np.vstack([chosen, cand])
                if len(chosen) == n:
                    return chosen
        spacing -= 1  # crowded grid: relax and keep the towns placed so far
    raise ValueError(f"cannot place {n} towns on a {w}x{h} grid")


def _voronoi(w: int, h: int, seeds: np.ndarray) -> np.ndarray:
    """Index of the nearest seed for every cell (ties to the lower index)."""
    xs, ys = np.arange(w)[:, None], np.arange(h)[None, :]
    best = np.full((w, h), np.inf)
    label = np.zeros((w, h), dtype=np.int8)
    for i, (sx, sy) in enumerate(seeds):
        d2 = (xs - sx) ** 2.0 + (ys - sy) ** 2.0
        closer = d2 < best
        best[closer], label[closer] = d2[closer], i
    return label


def _mst_edges(pts: np.ndarray) -> list[tuple[int, int]]:
    """Euclidean minimum spanning tree edges over ``pts`` (Delaunay candidates if many)."""
    n = len(pts)
    if n < 2:
        return []
    if n <= 200:
        i, j = np.triu_indices(n, 1)
    else:
        try:
            tri = Delaunay(pts.astype(float)).simplices
            e = np.sort(np.concatenate([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [0, 2]]]), axis=1)
            i, j = np.unique(e, axis=0).T
        except QhullError:  # all collinear: fall back to the dense graph
            i, j = np.triu_indices(n, 1)
    d = np.hypot(*(pts[i] - pts[j]).T) + 1e-9  # +eps: zero weights are read as "no edge"
    mst = minimum_spanning_tree(coo_matrix((d, (i, j)), shape=(n, n)).tocsr()).tocoo()
    return sorted(zip(mst.row.tolist(), mst.col.tolist(), strict=True))


def _roads(rng: np.random.Generator, pts: np.ndarray, country: np.ndarray,
           n_countries: int) -> list[tuple[int, int]]:
    edges: set[tuple[int, int]] = set()
    for c in range(n_countries):  # 1. each country's own tree
        members = np.flatnonzero(country == c)
        edges |= {tuple(sorted((int(members[a]), int(members[b]))))
                  for a, b in _mst_edges(pts[members])}
    # 2. link countries: shortest town pair per country pair, then a tree over countries
    link = {}
    dist = np.full((n_countries, n_countries), np.inf)
    for a in range(n_countries):
        for b in range(a + 1, n_countries):
            ia, ib = np.flatnonzero(country == a), np.flatnonzero(country == b)
            d = np.hypot(*(pts[ia][:, None, :] - pts[ib][None, :, :]).transpose(2, 0, 1))
            k = np.unravel_index(np.argmin(d), d.shape)
            dist[a, b], link[a, b] = d[k], (int(ia[k[0]]), int(ib[k[1]]))
    i, j = np.triu_indices(n_countries, 1)
    tree = minimum_spanning_tree(coo_matrix((dist[i, j], (i, j)),
                                            shape=(n_countries,) * 2).tocsr()).tocoo()
    edges |= {tuple(sorted(link[min(a, b), max(a, b)])) for a, b in zip(tree.row, tree.col, strict=True)}
    # 3. a few extra short links
    k = min(4, len(pts))
    _, nn = cKDTree(pts).query(pts, k=k)
    cand = sorted({tuple(sorted((int(a), int(b)))) for a, row in enumerate(nn) for b in row[1:]}
                  - edges)
    n_extra = min(len(pts) // 5, len(cand))
    if n_extra:
        edges |= {cand[c] for c in rng.choice(len(cand), size=n_extra, replace=False)}
    return sorted(edges)


def _terrain(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    def edge(mean: float) -> np.ndarray:  # a band edge wandering by a few % of the height
        ctrl = mean + rng.normal(0.0, 0.04, size=8)
        return h * np.interp(np.arange(w), np.linspace(0, w - 1, 8), ctrl)

    y = np.arange(h)[None, :] + 0.5
    terrain = np.full((w, h), TERRAIN_SAHEL, dtype=np.int8)
    terrain[y < edge(0.30)[:, None]] = TERRAIN_SUDANIAN
    terrain[y > edge(0.70)[:, None]] = TERRAIN_SAHARA
    xs = np.linspace(0, w - 1, 6)
    ys = h * (0.5 + rng.uniform(-0.12, 0.12, size=6))
    grid = Grid(w, h, 1.0, 0.0, 0.0, 1.0, 1.0)  # rasterise in cell units
    river = polyline_cells(grid, np.column_stack([xs + 0.5, ys]))
    terrain[river[:, 0], river[:, 1]] = TERRAIN_RIVER
    return terrain


def _mines(rng: np.random.Generator, terrain: np.ndarray) -> MineInput:
    xs, ys, kinds, radii = [], [], [], []
    fertile = np.argwhere(terrain != TERRAIN_SAHARA)
    desert = np.argwhere(terrain == TERRAIN_SAHARA)
    n_gold = max(1, round(terrain.size / CELLS_PER_GOLD_MINE))
    for cells, n, kind, r in ((fertile, n_gold, MINE_GOLD, GOLD_RADIUS_KM),
                              (desert, 1, MINE_URANIUM, URANIUM_RADIUS_KM)):
        if len(cells) == 0:
            continue
        for x, y in cells[rng.choice(len(cells), size=min(n, len(cells)), replace=False)]:
            xs.append(x), ys.append(y), kinds.append(kind), radii.append(r)
    return MineInput(np.array(xs, int), np.array(ys, int), np.array(kinds, int), np.array(radii, float))


def _country_names(n: int) -> list[str]:
    return [f"Country {string.ascii_uppercase[i]}" if i < 26 else f"Country {i + 1}" for i in range(n)]


def build_synthetic(cfg: Any, rng: np.random.Generator) -> World:
    """Generate a synthetic :class:`World` of ``cfg.width × cfg.height`` cells from ``rng``."""
    w, h, n, k = int(cfg.width), int(cfg.height), int(cfg.n_towns), int(cfg.n_countries)
    if w < 2 or h < 2:
        raise ValueError(f"map.width and map.height must be >= 2, got {w}x{h}")
    if not 1 <= k <= n <= w * h // 4:
        raise ValueError(f"need 1 <= map.n_countries ({k}) <= map.n_towns ({n}) <= "
                         f"width*height/4 ({w * h // 4})")
    if not 0.0 <= cfg.rural_share <= 1.0 or cfg.synthetic_people <= 0:
        raise ValueError(f"map.rural_share must be in [0, 1] and map.synthetic_people > 0, got "
                         f"{cfg.rural_share}, {cfg.synthetic_people}")
    params = load_parameters(DATA_DIR / "parameters.json")
    pts = _place_towns(rng, w, h, n)
    country_raster = _voronoi(w, h, pts[:k])
    town_country = country_raster[pts[:, 0], pts[:, 1]].astype(np.int64)

    rank = np.concatenate([np.arange(k), k + rng.permutation(n - k)])  # capitals first
    zipf = 1.0 / (rank + 1.0)
    town_pop = cfg.synthetic_people * (1.0 - cfg.rural_share) * zipf / zipf.sum()
    big = rank < (n + 1) // 2
    edges = np.array(_roads(rng, pts.astype(float), town_country, k), dtype=np.int64).reshape(-1, 2)
    paved = (edges < k).any(axis=1) | (big[edges[:, 0]] & big[edges[:, 1]])

    names = _country_names(k)
    town_names = [f"Capital {names[i][8:]}" if i < k else f"Town {i}" for i in range(n)]
    terrain = _terrain(rng, w, h)
    mines = _mines(rng, terrain)
    dd = cfg.cell_km / KM_PER_DEG  # nominal degrees per cell, origin at (0, 0)
    grid = Grid(w, h, float(cfg.cell_km), 0.0, 0.0, dd, dd)
    lon, lat = (pts[:, 0] + 0.5) * dd, (pts[:, 1] + 0.5) * dd
    return assemble_world(
        name="synthetic", grid=grid, country_names=names, is_core=np.ones(k, dtype=bool),
        country_raster=country_raster, terrain=terrain,
        towns=TownInput(town_names, pts[:, 0], pts[:, 1], town_country, town_pop, lon, lat),
        arteries=ArteryInput([f"road {a}-{b}" for a, b in edges], edges[:, 0], edges[:, 1],
                             np.where(paved, ROAD_PAVED, ROAD_TRACK), np.full(len(edges), np.nan)),
        mines=mines, national_people=np.full(k, np.nan),
        rural_weight=params["rural_weight_by_terrain"], noncore_density_km2=0.0,
        road_circuity=params["road_circuity"],
        rural_total=cfg.synthetic_people * cfg.rural_share,
        sources={"synthetic": "generated by sim.world.synthetic from the caller's numpy Generator",
                 "parameters.json": "rural weights per terrain and road circuity (assumptions)"},
    )
