"""Validation of the replication against Mesa's own example, over many seeds.

For each setting and seed s = 1..n it runs

* **mesa**: Mesa's example with ``rng=s``;
* **ours**: :func:`run_epstein` with ``seed=s`` (an independent population);
* **paired**: our dynamics (``seed=s``) started from Mesa's seed-s population, so that the
  comparison with *mesa* is not blurred by the population draw (the number of cops alone
  moves the mean number of active citizens several-fold; see docs/epstein.md).

and compares each summary statistic (:data:`~sim.epstein.mesa_reference.STATISTICS`):
``in_range``: our across-seed mean lies within [min, max] of Mesa's per-seed values;
``p_mwu``: two-sided Mann-Whitney U test, ours vs mesa per-seed values;
``p_paired``: two-sided Wilcoxon signed-rank test, paired vs mesa seed by seed.

    python -m sim.tools.epstein_validate --seeds 20 --steps 300 --json outputs/epstein_validation.json
    python -m sim.tools.epstein_validate --seeds 20 --legitimacy 80   # Epstein's legitimacy result
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

import numpy as np
from scipy import stats

from sim.config.epstein import NETLOGO_SETTINGS, UPDATE_SCHEMES, EpsteinConfig
from sim.epstein.mesa_reference import (
    STATISTICS,
    mesa_model,
    run_mesa,
    state_from_mesa,
    summary_statistics,
)
from sim.epstein.model import run_epstein

__all__ = ["SETTINGS", "run_seed", "run_validation", "compare", "format_table"]

#: The two validated settings: Mesa's model defaults and Mesa's app / NetLogo's Rebellion.
SETTINGS = {
    "mesa_defaults": {},
    "netlogo": dict(NETLOGO_SETTINGS),
}


def run_seed(setting: str, seed: int, steps: int, update: str = "sequential",
             mesa_stats: dict[str, float] | None = None) -> dict[str, dict[str, float]]:
    """Summary statistics of mesa, ours and paired for one setting and seed (``mesa_stats``:
    Mesa's statistics for this setting, seed and steps from an earlier run, to skip Mesa)."""
    cfg = EpsteinConfig(steps=steps, update=update, **SETTINGS[setting])
    model = mesa_model(cfg, seed)
    start = state_from_mesa(model, cfg)
    if mesa_stats is None:
        mesa = run_mesa(cfg, seed, model=model)
        mesa_stats = summary_statistics(mesa["active"], mesa["jailed"])
    ours = run_epstein(cfg, seed)
    paired = run_epstein(cfg, seed, state=start)
    return {
        "mesa": mesa_stats,
        "ours": summary_statistics(ours.active, ours.jailed),
        "paired": summary_statistics(paired.active, paired.jailed),
    }


def compare(per_seed: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Per statistic: Mesa's min/mean/max, our means, ``in_range`` and the two p-values."""
    table = {}
    for name in STATISTICS:
        mesa = np.array([r["mesa"][name] for r in per_seed])
        ours = np.array([r["ours"][name] for r in per_seed])
        paired = np.array([r["paired"][name] for r in per_seed])
        if np.array_equal(mesa, ours) or np.ptp(np.concatenate([mesa, ours])) == 0:
            p_mwu = 1.0
        else:
            p_mwu = float(stats.mannwhitneyu(ours, mesa, alternative="two-sided").pvalue)
        diff = paired - mesa
        p_paired = 1.0 if not np.any(diff) else float(stats.wilcoxon(paired, mesa).pvalue)
        table[name] = {
            "mesa_min": float(mesa.min()), "mesa_mean": float(mesa.mean()),
            "mesa_max": float(mesa.max()), "ours_mean": float(ours.mean()),
            "paired_mean": float(paired.mean()),
            "in_range": bool(mesa.min() <= ours.mean() <= mesa.max()),
            "p_mwu": p_mwu, "p_paired": p_paired,
        }
    return table


def run_validation(seeds: list[int], steps: int, settings: list[str], update: str = "sequential",
                   workers: int = 1, mesa_cache: dict | None = None) -> dict:
    """Run every (setting, seed), in ``workers`` processes, and compare per setting.

    ``mesa_cache`` maps "setting/seed/steps" to Mesa's statistics: entries found are reused
    (Mesa is deterministic given its seed), missing ones are computed and added.
    """
    cache = {} if mesa_cache is None else mesa_cache
    jobs = [(s, seed, steps, update, cache.get(f"{s}/{seed}/{steps}")) for s in settings for seed in seeds]
    if workers > 1:
        # spawn, not fork: the parent holds numba's thread pool
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            results = list(pool.map(run_seed, *zip(*jobs, strict=True)))
    else:
        results = [run_seed(*job) for job in jobs]
    for job, r in zip(jobs, results, strict=True):
        cache[f"{job[0]}/{job[1]}/{steps}"] = r["mesa"]
    out = {"steps": steps, "seeds": list(seeds), "update": update, "settings": {}}
    for s in settings:
        per_seed = [r for job, r in zip(jobs, results, strict=True) if job[0] == s]
        out["settings"][s] = {"config": SETTINGS[s], "per_seed": per_seed, "comparison": compare(per_seed)}
    return out


def legitimacy_experiment(seeds: list[int], size: int = 80, update: str = "sequential") -> dict:
    """Epstein's legitimacy result: peak active citizens after a sudden drop of L from 0.9 to
    0.65 at step 51 vs a linear decline from 0.9 to 0.5 over steps 51-350, per seed, on a
    size x size torus with Mesa's default cops and jail terms."""
    from sim.config.epstein import LegitimacyChange

    base = EpsteinConfig(width=size, height=size, legitimacy=0.9, steps=150, update=update)
    sudden = replace(base, legitimacy_schedule=[LegitimacyChange(step=51, legitimacy=0.65)])
    gradual = replace(base, steps=360,
                      legitimacy_schedule=[LegitimacyChange(step=51, legitimacy=0.5, ramp_steps=300)])
    peaks_sudden = [int(run_epstein(sudden, s).active[51:].max()) for s in seeds]
    peaks_gradual = [int(run_epstein(gradual, s).active[51:].max()) for s in seeds]
    return {"size": size, "seeds": list(seeds), "update": update, "peak_sudden": peaks_sudden,
            "peak_gradual": peaks_gradual,
            "sudden_exceeds_gradual": int(sum(a > b for a, b in zip(peaks_sudden, peaks_gradual, strict=True))),
            "median_sudden": float(np.median(peaks_sudden)), "median_gradual": float(np.median(peaks_gradual))}


def format_table(out: dict) -> str:
    """Markdown table of a :func:`run_validation` result."""
    lines = ["| setting | statistic | Mesa min | Mesa mean | Mesa max | ours mean | in range | p (MWU) | paired mean | p (paired) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for s, block in out["settings"].items():
        for name, c in block["comparison"].items():
            lines.append(f"| {s} | {name} | {c['mesa_min']:.1f} | {c['mesa_mean']:.1f} | {c['mesa_max']:.1f} "
                         f"| {c['ours_mean']:.1f} | {'yes' if c['in_range'] else 'NO'} | {c['p_mwu']:.2f} "
                         f"| {c['paired_mean']:.1f} | {c['p_paired']:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20, help="seeds 1..N")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    parser.add_argument("--update", default="sequential", choices=list(UPDATE_SCHEMES))
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--json", default=None, help="write the full result here")
    parser.add_argument("--legitimacy", type=int, default=0, metavar="SIZE",
                        help="instead: run the legitimacy experiment on a SIZE x SIZE torus")
    parser.add_argument("--mesa-cache", default=None,
                        help="JSON file of Mesa's per-seed statistics, read if present and updated")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    if args.legitimacy:
        out = legitimacy_experiment(list(range(1, args.seeds + 1)), args.legitimacy, args.update)
        print(json.dumps(out))
        return
    cache = {}
    if args.mesa_cache and os.path.exists(args.mesa_cache):
        with open(args.mesa_cache) as f:
            cache = json.load(f)
    out = run_validation(list(range(1, args.seeds + 1)), args.steps, args.settings, args.update,
                         args.workers, cache)
    if args.mesa_cache:
        with open(args.mesa_cache, "w") as f:
            json.dump(cache, f, indent=1)
    out["seconds"] = time.perf_counter() - start
    print(format_table(out))
    print(f"({len(out['seeds'])} seeds x {out['steps']} steps, update={out['update']}, {out['seconds']:.0f} s)")
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()

