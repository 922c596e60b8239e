"""``python -m sim``: the Hydra app. Composes configs/, validates, runs, writes the run directory.

    python -m sim                                  # default scenario (baseline, sahel map)
    python -m sim scenario=take_the_gloves_off seed=3
    python -m sim -m seed=1,2,3                    # a sweep through the joblib launcher (2 workers)
    python -m sim -m seed=1,2,3 hydra.sweep.dir=multirun/s1     # again: complete runs are skipped
    python -m sim -m seed=1,2,3 hydra.sweep.dir=multirun/s1 +rerun=all   # recompute them all

A run whose folder already holds a complete result for the same resolved config (the
completion record in ``summary.json``, see :mod:`sim.output.rundir`) is skipped, under any
launcher; ``+rerun=all`` recomputes it. After a sweep (or when it fails) a report lists what
was run, skipped and left incomplete (:mod:`sim.tools.sweep`). Bad config values and output
folders that cannot be written end with one line on stderr and exit status 2.
"""

from __future__ import annotations

import logging
import sys

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.errors import CompactHydraException
from hydra.types import RunMode
from omegaconf import DictConfig, open_dict

from sim.config import CONFIG_DIR, ConfigError, config_hash, register_schema, to_config
from sim.config.compose import check_overrides

register_schema()

RERUN_CHOICES = ("missing", "all")


class RunFailed(CompactHydraException):
    """A run of a sweep could not finish (Hydra prints only this message, with the overrides)."""


def _fail(message: str, multirun: bool) -> None:
    if multirun:
        raise RunFailed(message)
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def _pop_rerun(cfg: DictConfig) -> str:
    """``+rerun=all`` forces the run; ``missing`` (the default) skips a complete one."""
    with open_dict(cfg):
        rerun = str(cfg.pop("rerun", "missing"))
    if rerun not in RERUN_CHOICES:
        raise ConfigError("rerun", rerun, "one of " + ", ".join(map(repr, RERUN_CHOICES)))
    return rerun


def _headline(summary: dict) -> float:
    return float(summary.get("headline", {}).get("insurgent_fighters", 0.0))


@hydra.main(version_base=None, config_path=str(CONFIG_DIR), config_name="config")
def _app(cfg: DictConfig) -> float:
    from sim.api import run
    from sim.output.atomic import OutputError
    from sim.output.rundir import read_summary, run_status

    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    hc = HydraConfig.get()
    multirun = hc.mode == RunMode.MULTIRUN
    try:
        check_overrides(list(hc.overrides.task))
        rerun = _pop_rerun(cfg)
        config = to_config(cfg)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    out = hc.runtime.output_dir
    if rerun == "missing":
        status = run_status(out, config_hash(config))
        if status.complete:
            print(f"{config.scenario.name} seed={config.seed}: skipped {out} (complete for this config; "
                  f"+rerun=all recomputes it)")
            return _headline(read_summary(out) or {})
    results = run(config)
    try:
        results.save(out)
    except OutputError as exc:
        _fail(f"run outputs not written: {exc}", multirun)
    head = results.summary.get("headline", {})
    print(f"{config.scenario.name} seed={config.seed}: wrote {out} "
          f"({len(results.events)} events, {head.get('insurgent_fighters', float('nan')):.0f} fighters at the end)")
    return _headline(results.summary)


def main() -> None:
    from sim.tools.sweep import report_active

    try:
        _app()
    except SystemExit as exc:
        if exc.code not in (0, None):
            report_active(sys.stderr)  # a failed sweep: which runs are not complete, and why
        raise


if __name__ == "__main__":
    main()
