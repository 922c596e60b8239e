"""The world: maps as numpy arrays over a grid of square cells (``docs/world.md``).

``build_world(cfg, rng)`` turns a ``MapConfig`` into a :class:`World`. Two maps share one code
path (:mod:`sim.world.assemble`): ``sahel``, a stylised central Sahel from the data files in
``sim/world/data/``, and ``synthetic``, generated at any size from a numpy Generator.
"""

from sim.world.build import MAP_KINDS, build_world
from sim.world.data_io import WorldDataError, load_sahel_data
from sim.world.types import (
    MINE_NAMES,
    ROAD_NONE,
    ROAD_PAVED,
    ROAD_TRACK,
    TERRAIN_NAMES,
    ArteryTable,
    TownTable,
    World,
)

__all__ = [
    "World", "TownTable", "ArteryTable", "build_world", "MAP_KINDS", "TERRAIN_NAMES",
    "ROAD_NONE", "ROAD_TRACK", "ROAD_PAVED", "MINE_NAMES", "WorldDataError", "load_sahel_data",
]
