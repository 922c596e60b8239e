"""Historical check (issue 11): ``historical_2012_2025`` over seeds, at the default resolution.

Writes one row per seed to ``outputs/historical_check/per_seed.csv`` as each run finishes (a
rerun skips the seeds already there, so it resumes), then the summary table
``summary.md`` (median and range across seeds) for the figures the issue asks for:

* senior leaders killed 2013-2022 (and band leaders), by faction;
* air/drone strikes per year in Mali and Burkina Faso (event log), before 2014 and 2023-2025;
* insurgent fighters killed as a share of conflict deaths 2022-2024;
* fighters in 2025 by faction against the record (JNIM-like 6,000-7,000; IS-Sahel-like 2,000-3,000).

    python experiments/historical_check.py --seeds 10 [--out DIR] [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from common.tables import pipe_table as markdown


def one(seed: int, overrides: tuple[str, ...] = ()) -> dict:
    import sim

    cfg = sim.load_config(["scenario=historical_2012_2025", f"seed={seed}", "output.progress=false", *overrides])
    res = sim.run(cfg)
    ts, ev = res.timeseries, res.events
    ts = ts.assign(year=pd.to_datetime(ts.date).dt.year)
    tot = ts[(ts.country == "all") & (ts.community == "all")]

    def flow(metric, y0, y1, faction="all"):
        s = tot[(tot.metric == metric) & (tot.faction == faction) & tot.year.between(y0, y1)]
        return float(s.value.sum())

    row = {"seed": seed}
    for fac in ["all", *cfg.insurgents.factions]:
        row[f"senior_killed_2013_2022_{fac}"] = flow("senior_leaders_killed", 2013, 2022, fac)
        row[f"band_leaders_killed_2013_2022_{fac}"] = flow("band_leaders_killed", 2013, 2022, fac)
    for fac in cfg.insurgents.factions:
        s = tot[(tot.metric == "insurgent_fighters") & (tot.faction == fac)]
        row[f"fighters_2025_{fac}"] = float(s[s.year == 2025].value.mean())
        row[f"fighters_max_{fac}"] = float(s.value.max())
    strikes = ev[ev.sub_event_type == "Air/drone strike"]
    for country in ("Mali", "Burkina Faso", "Niger"):
        sc = strikes[strikes.country == country]
        row[f"strikes_2012_2013_{country}"] = int((sc.year <= 2013).sum())
        row[f"strikes_per_year_2023_2025_{country}"] = float((sc.year >= 2023).sum() / 3.0)
    row["strikes_2012_2013_all"] = int((strikes.year <= 2013).sum())
    row["strikes_per_year_2014_2021_all"] = float(strikes.year.between(2014, 2021).sum() / 8.0)
    ins = flow("insurgent_losses", 2022, 2024)
    civ = sum(flow(m, 2022, 2024) for m in ("civilian_deaths_by_state", "civilian_deaths_by_partner",
                                             "civilian_deaths_by_militia", "civilian_deaths_by_insurgents"))
    state = flow("state_losses", 2022, 2024)
    row["fighters_killed_2022_2024"] = ins
    row["conflict_deaths_2022_2024"] = ins + civ + state
    row["fighters_killed_share_2022_2024"] = ins / max(ins + civ + state, 1.0)
    row["deserters_total"] = flow("deserters", 2012, 2025)
    row["recruits_total"] = flow("recruits", 2012, 2025)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--out", default="outputs/historical_check")
    ap.add_argument("overrides", nargs="*")
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "per_seed.csv"
    done = set(pd.read_csv(path).seed) if path.exists() else set()
    todo = [s for s in range(a.seeds) if s not in done]
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    with ProcessPoolExecutor(a.jobs) as pool:
        for row in pool.map(one, todo, [tuple(a.overrides)] * len(todo)):
            df = pd.DataFrame([row])
            df.to_csv(path, mode="a", header=not path.exists(), index=False)
            print(f"seed {row['seed']} done", flush=True)
    per = pd.read_csv(path).sort_values("seed")
    cols = [c for c in per.columns if c != "seed"]
    summary = pd.DataFrame({"median": per[cols].median(), "min": per[cols].min(), "max": per[cols].max()})
    summary.index.name = f"figure ({len(per)} seeds)"
    (out / "summary.md").write_text(markdown(summary, index=True) + "\n")
    print(summary.to_string())


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
