"""Time the default sahel run (2015-01-01 to 2025-01-01) on one core with a warm numba cache.

    NUMBA_NUM_THREADS=1 python benchmarks/bench_sahel_run.py [--json OUT] [overrides ...]

A first short run warms the cache; the timed run is the full default scenario. Target: <= 30 s.
"""

from __future__ import annotations

import argparse
import json
import os
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", help="write the measurement here")
    parser.add_argument("overrides", nargs="*", help="Hydra-style overrides, e.g. people_per_agent=100")
    args = parser.parse_args()
    import sim

    sim.run(sim.load_config(["end_date=2015-02-01", "output.progress=false", *args.overrides]))  # warm-up
    cfg = sim.load_config(["output.progress=false", *args.overrides])
    t0 = time.perf_counter()
    res = sim.run(cfg)
    wall = time.perf_counter() - t0
    out = {"wall_s": round(wall, 2), "steps": cfg.n_steps, "groups": res.summary["population_groups"],
           "people_per_agent": cfg.people_per_agent, "threads": int(os.environ.get("NUMBA_NUM_THREADS", "0") or 0),
           "events": len(res.events), "target_s": 30}
    print(json.dumps(out))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=2)


if __name__ == "__main__":
    main()
