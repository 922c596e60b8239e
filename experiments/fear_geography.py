"""Where does the fear of state violence fall? (findings s.1.1: why gloves off cannot deter.)

Runs ``baseline`` and ``take_the_gloves_off`` with the deterrence channel at the high end of its
range (``rel_fear_risk = 0.3``, ``rel_fear_activity = 0.5``), 2020-2023, without and with
clearing sweeps (``state.sweep_radius = 3``: the gloves-off units' detentions fall on suspected
villages within 30 km, sim/sahel/deterrence.py), and every 30 days reads
the fear field (sim/sahel/deterrence.py) twice: weighted by the fighters of each band (the fear
that deters operations) and weighted by the civilians of each cell (the fear that adds risk to
joining). The table gives the means over those days, per arm and seed, and the share of band
operations that fear deters (``rel_fear_activity`` x the fighter-weighted fear).

    python experiments/fear_geography.py [--seeds 3] [--out outputs/experiments/fear_geography]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from common.tables import pipe_table as markdown
from levers import FEAR_HIGH, SWEEPS

WINDOW = ("start_date=2020-01-01", "end_date=2023-01-01")
# arm label -> (scenario, extra overrides): the two scenarios, without and with clearing sweeps
ARMS = {"baseline": ("baseline", ()), "take_the_gloves_off": ("take_the_gloves_off", ()),
        "baseline, sweeps (3 cells)": ("baseline", SWEEPS),
        "take_the_gloves_off, sweeps (3 cells)": ("take_the_gloves_off", SWEEPS)}


def one(arm: str, seed: int) -> dict:
    import sim
    from sim.config import to_config
    from sim.sahel.model import SahelModel

    scenario, extra = ARMS[arm]
    cfg = to_config(sim.load_config([f"scenario={scenario}", *WINDOW, *FEAR_HIGH, *extra, f"seed={seed}",
                                     "output.progress=false", "output.dashboard=false"]))
    m = SahelModel(cfg)
    band_fear, people_fear = [], []
    for day in range(cfg.n_steps):
        m.step()
        if day % 30 != 29:
            continue
        b, fear, people = m.bands, m.fear.level, m.field("people")  # civilians per cell, the model's own sum
        alive = b.fighters[: b.n] > 0
        f = b.fighters[: b.n][alive]
        band_fear.append(float((fear[b.cell[: b.n][alive]] * f).sum() / max(f.sum(), 1.0)))
        people_fear.append(float((fear * people).sum() / people.sum()))
    act = cfg.levers.deterrence.rel_fear_activity
    return {"arm": arm, "seed": seed, "fear_at_bands": np.mean(band_fear), "fear_at_people": np.mean(people_fear),
            "operations_deterred": act * np.mean(band_fear)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--out", default="outputs/experiments/fear_geography")
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = pd.DataFrame([one(arm, s) for s in range(1, a.seeds + 1) for arm in ARMS])
    rows.to_csv(out / "per_run.csv", index=False)
    mean = rows.groupby("arm", sort=False)[["fear_at_bands", "fear_at_people", "operations_deterred"]].mean()
    table = mean.reset_index().map(lambda v: f"{v:.3f}" if isinstance(v, float) else v)
    (out / "summary.md").write_text(
        f"**Fear of state violence, deterrence high, 2020-2022, mean over every 30th day and {a.seeds} seeds** "
        "(fear in [0, 1]; `python experiments/fear_geography.py`)\n\n" + markdown(table) + "\n")
    print((out / "summary.md").read_text())


if __name__ == "__main__":
    main()
