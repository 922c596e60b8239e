"""One trial's model config: the problem's overrides, then the trial's parameter values and seed."""

from __future__ import annotations

from functools import lru_cache

from omegaconf import OmegaConf

from sim.calibrate.space import Problem
from sim.config import Config, load_config, to_config

__all__ = ["base_config", "trial_config"]


@lru_cache(maxsize=4)
def base_config(overrides: tuple[str, ...]) -> Config:
    return load_config([*overrides, "output.progress=false", "output.dashboard=false"])


def trial_config(problem: Problem, values: dict[str, float], seed: int) -> Config:
    """The validated config of one trial run (a value outside the schema's range fails here)."""
    node = OmegaConf.create(OmegaConf.to_container(OmegaConf.structured(base_config(problem.overrides))))
    for key, value in {**values, "seed": seed}.items():
        OmegaConf.update(node, key, value, merge=False)
    return to_config(node)
