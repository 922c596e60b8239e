"""``build_world``: the single entry point from a map config to a :class:`World`."""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.world.sahel import build_sahel
from sim.world.synthetic import build_synthetic
from sim.world.types import World

__all__ = ["build_world", "MAP_KINDS"]

MAP_KINDS = ("sahel", "synthetic")


def build_world(cfg: Any, rng: np.random.Generator) -> World:
    """Build the map named by ``cfg.kind`` (a ``sim.config.MapConfig``).

    ``sahel`` is deterministic (built from ``sim/world/data``) and ignores ``rng``;
    ``synthetic`` draws everything from ``rng``, so one seed gives one map.
    """
    if cfg.kind == "sahel":
        return build_sahel(cfg)
    if cfg.kind == "synthetic":
        return build_synthetic(cfg, rng)
    raise ValueError(f"map.kind = {cfg.kind!r} is not a known map; choose one of {MAP_KINDS}")
