"""``python -m sim``: the Hydra app. Composes configs/, validates, runs, writes the run directory.

    python -m sim                                  # default scenario (baseline, sahel map)
    python -m sim scenario=take_the_gloves_off seed=3
    python -m sim -m seed=1,2,3                    # a sweep through the joblib launcher (2 workers)
"""

from __future__ import annotations

import logging
import sys

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim.config import CONFIG_DIR, ConfigError, register_schema, to_config

register_schema()


@hydra.main(version_base=None, config_path=str(CONFIG_DIR), config_name="config")
def _app(cfg: DictConfig) -> float:
    from sim.api import run

    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    try:
        config = to_config(cfg)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    out = HydraConfig.get().runtime.output_dir
    results = run(config)
    results.save(out)
    head = results.summary.get("headline", {})
    print(f"{config.scenario.name} seed={config.seed}: wrote {out} "
          f"({len(results.events)} events, {head.get('insurgent_fighters', float('nan')):.0f} fighters at the end)")
    return float(head.get("insurgent_fighters", 0.0))


def main() -> None:
    _app()


if __name__ == "__main__":
    main()
