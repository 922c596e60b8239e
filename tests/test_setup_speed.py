"""Set-up speed changes keep their results: fast versions against their plain twins."""

from __future__ import annotations

import numpy as np
import pytest

from sim.sahel.displacement.sites import candidates


def candidates_twin(width, height, site_cell, radius):
    """Plain-Python twin of :func:`candidates`: one list of (site, distance) per cell."""
    per_cell = [[] for _ in range(width * height)]
    for s, (c, r) in enumerate(zip(site_cell, radius, strict=True)):
        sx, sy = divmod(int(c), height)
        for x in range(max(sx - r, 0), min(sx + r + 1, width)):
            for y in range(max(sy - r, 0), min(sy + r + 1, height)):
                per_cell[x * height + y].append((s, float(max(abs(x - sx), abs(y - sy)))))
    ptr = np.zeros(width * height + 1, np.int64)
    ptr[1:] = np.cumsum([len(p) for p in per_cell])
    site = np.array([s for p in per_cell for s, _ in p], np.int64)
    dist = np.array([d for p in per_cell for _, d in p], np.float64)
    return ptr, site, dist


@pytest.mark.parametrize("seed", range(6))
def test_candidates_match_twin(seed):
    rng = np.random.default_rng(seed)
    width, height = int(rng.integers(1, 30)), int(rng.integers(1, 30))
    n = int(rng.integers(0, 12))
    site_cell = rng.integers(0, width * height, n)  # sites may share a cell
    radius = rng.integers(0, 6, n)
    got, want = candidates(width, height, site_cell, radius), candidates_twin(width, height, site_cell, radius)
    for g, w in zip(got, want, strict=True):
        assert g.dtype == w.dtype
        np.testing.assert_array_equal(g, w)


def test_the_mesa_grid_is_built_on_first_use_over_the_same_layers(small_cfg):
    from mesa.discrete_space import OrthogonalMooreGrid

    from sim.sahel.model import SahelModel

    model = SahelModel(small_cfg)
    state = model.random.getstate()
    grid = model.grid
    assert isinstance(grid, OrthogonalMooreGrid) and model.grid is grid
    assert grid.dimensions == (model.world.width, model.world.height)
    for name, layer in model.layers.items():
        assert getattr(grid, name) is layer  # the grid carries the model's own layers
    cell = grid._cells[(1, 2)]
    assert cell.people == model.layers["people"].data[1, 2]
    assert model.random.getstate() == state  # building it draws nothing


def test_config_memos_follow_the_config_object(small_cfg):
    import dataclasses

    from sim.config import ConfigError, config_hash, config_yaml, to_config

    assert to_config(small_cfg) is small_cfg
    other = dataclasses.replace(small_cfg, seed=small_cfg.seed + 1)
    assert config_hash(other) != config_hash(small_cfg)
    assert config_yaml(other) != config_yaml(small_cfg)
    bad = dataclasses.replace(small_cfg, people_per_agent=0)
    with pytest.raises(ConfigError):
        to_config(bad)  # a new Config is validated, whatever was validated before
