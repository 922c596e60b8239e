"""``sim.run(cfg) -> Results``: the pure-Python entry point (no Hydra command line needed).

``run`` looks the model kind (``cfg.model``) up in :data:`MODELS` and calls that model's runner;
the runners build their own :class:`~sim.output.results.Results`. Models are imported only when
they run, so loading the configuration loads no model and no numba.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable

from sim.config import Config, load_config, to_config
from sim.output.results import Results

__all__ = ["run", "load_config", "MODELS"]

MODELS: dict[str, str] = {
    "sahel": "sim.sahel.results:run_sahel",
    "epstein": "sim.epstein.results:run_epstein_results",
}
"""Model kind -> ``module:function`` taking ``(cfg, started, progress)`` and returning Results."""


def _runner(kind: str) -> Callable[..., Results]:
    module, _, name = MODELS[kind].partition(":")
    return getattr(importlib.import_module(module), name)


def run(cfg: Config, progress: bool | None = None) -> Results:
    """Run one simulation and return its :class:`Results` (nothing is written to disk)."""
    cfg = to_config(cfg)
    started = time.perf_counter()
    return _runner(cfg.model)(cfg, started, cfg.output.progress if progress is None else progress)
