"""Time Mesa's Epstein example and ours on identical settings, in one process.

For each grid size: build Mesa's model and our state from the same settings (Mesa's model
defaults), then alternate timed runs of ``--steps`` steps — Mesa, ours (sequential), ours
(synchronous) — ``--repeats`` times and keep the minimum of each. Model construction and
numba compilation are not timed. Mesa is timed as shipped except for its DataCollector, which
also records two per-agent reporters every step; ``--mesa-collect`` times it with it.

The JSON is a list with one record per size (keys include ``size``, ``mesa_updates_per_s``,
``ours_updates_per_s``, ``ratio``, ``ours_sync_updates_per_s``, ``ratio_sync``).

Agent-updates per second = agents x steps / seconds (one update = one agent's activation, as
Mesa's ``shuffle_do`` does; jailed citizens count, as in Mesa).

    python benchmarks/epstein_vs_mesa.py --size 40 100 200 --steps 10 --json outputs/bench_vs_mesa.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import replace

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from sim.epstein import EpsteinConfig, init_state, run_epstein  # noqa: E402
from sim.epstein.mesa_reference import mesa_model  # noqa: E402


def _time_ours(cfg: EpsteinConfig, seed: int) -> float:
    state = init_state(cfg, seed)
    start = time.perf_counter()
    run_epstein(cfg, seed, state=state)
    return time.perf_counter() - start


def _time_mesa(cfg: EpsteinConfig, seed: int, collect: bool) -> tuple[float, int]:
    model = mesa_model(cfg, seed, collect=collect)
    n_agents = len(model.agents)
    start = time.perf_counter()
    for _ in range(cfg.steps):
        model.step()
    return time.perf_counter() - start, n_agents


def bench_size(size: int, steps: int, repeats: int, seed: int = 1, mesa_collect: bool = False) -> dict:
    """Min-over-repeats timings and agent-updates/s of Mesa and ours at one grid size."""
    cfg = EpsteinConfig(width=size, height=size, steps=steps)
    sync = replace(cfg, update="synchronous")
    run_epstein(replace(cfg, steps=2), seed)  # compile (or load) the kernels: not timed
    run_epstein(replace(sync, steps=2), seed)
    n_ours = init_state(cfg, seed).n_agents
    best = {"mesa": float("inf"), "ours": float("inf"), "ours_sync": float("inf")}
    n_mesa = 0
    for _ in range(repeats):
        seconds, n_mesa = _time_mesa(cfg, seed, mesa_collect)
        best["mesa"] = min(best["mesa"], seconds)
        best["ours"] = min(best["ours"], _time_ours(cfg, seed))
        best["ours_sync"] = min(best["ours_sync"], _time_ours(sync, seed))
    mesa_rate = n_mesa * steps / best["mesa"]
    ours_rate = n_ours * steps / best["ours"]
    sync_rate = n_ours * steps / best["ours_sync"]
    return {
        "size": size, "steps": steps, "repeats": repeats,
        "mesa_agents": n_mesa, "ours_agents": n_ours,
        "mesa_seconds": best["mesa"], "ours_seconds": best["ours"], "ours_sync_seconds": best["ours_sync"],
        "mesa_updates_per_s": mesa_rate, "ours_updates_per_s": ours_rate,
        "ours_sync_updates_per_s": sync_rate,
        "ratio": ours_rate / mesa_rate, "ratio_sync": sync_rate / mesa_rate,
        "mesa_collect": mesa_collect,
    }


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, nargs="+", default=[40, 100, 200], help="grid side(s)")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--mesa-collect", action="store_true", help="keep Mesa's DataCollector")
    parser.add_argument("--json", default=None, help="write the results here")
    args = parser.parse_args(argv)
    import numba

    rows = []
    print(f"{'size':>5} {'agents':>7} {'Mesa upd/s':>11} {'ours upd/s':>11} {'ratio':>7} "
          f"{'sync upd/s':>11} {'ratio':>7}")
    for size in args.size:
        row = bench_size(size, args.steps, args.repeats, args.seed, args.mesa_collect)
        rows.append(row)
        print(f"{size:>5} {row['ours_agents']:>7} {row['mesa_updates_per_s']:>11.3g} "
              f"{row['ours_updates_per_s']:>11.3g} {row['ratio']:>7.0f} "
              f"{row['ours_sync_updates_per_s']:>11.3g} {row['ratio_sync']:>7.0f}", flush=True)
    meta = {"machine": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
            "numba_threads": numba.config.NUMBA_NUM_THREADS, "python": platform.python_version()}
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump([{**row, **meta} for row in rows], f, indent=1)
    return rows


if __name__ == "__main__":
    main()
