"""The levers' experiments (issue 11): intelligence sharing, decapitation sensitivity, gloves off
with the deterrence channel at both ends of its range.

A lean runner (plain ``sim.run`` in a process pool): every run appends one row of outcomes to
``<out>/<experiment>/runs.csv`` as it finishes, so a rerun resumes where it stopped; the tables
(``*.md``) are rebuilt from those rows. Effects are paired by seed (common random numbers):
mean of (arm - reference) with a 95 % t interval.

* ``intel`` - ``baseline`` vs ``intel_sharing_uplift``, 2020-2025, 20 seeds (findings s.2).
* ``decapitation`` - in ``baseline`` 2015-2017 (Barkhane present; two years to fit the CPU budget), leader killing on
  (the default) against leader killing off (``p_strike_leader = p_strike_senior =
  p_raid_leader = 0``: the same strikes, no leader deaths), under conditions of mass base
  (``population.p_join`` low and high), slow replacement (``dur_senior_replacement``,
  ``dur_leader_disruption``), strong disruption (``rel_senior_disruption``,
  ``rel_recruit_disrupted``), disruption of operations only (recruitment and desertion
  untouched), and all of the weakening conditions together. The effect of decapitation is
  fighters(on) - fighters(off).
* ``gloves`` - ``baseline`` vs ``take_the_gloves_off``, 2020-2025, 40 seeds (``--seeds``), with
  deterrence off (``rel_fear_risk = rel_fear_activity = 0``); off with anger at the high end of
  its range (``population.rel_harm_grievance = 3``); at the high end (0.3 and 0.5); at the high
  end with anger off (``population.rel_harm_grievance = 0``, the low end of its range); and with
  every fear parameter at the high end of its stated range and anger off (the corner most
  favourable to gloves off); then with clearing sweeps (``state.sweep_radius = 3``: detentions
  on suspected villages within 30 km) alone and in the two corners. Can the net effect take
  either sign within the declared ranges?
  The outcomes include the insurgents' attacks (their battles, explosions and attacks on
  civilians in the event log), the activity that fear deters (Lyall 2009 counted attacks).

    python experiments/levers.py intel decapitation gloves [--jobs 2] [--seeds N]
"""

from __future__ import annotations

import argparse
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from common.tables import pipe_table as markdown
from scipy import stats

OFF = ("levers.leaders.p_strike_senior=0", "levers.leaders.p_raid_leader=0", "mechanisms.p_strike_leader=0")
FIVE_2020 = ("start_date=2020-01-01", "end_date=2025-01-01")
TWO_2015 = ("start_date=2015-01-01", "end_date=2017-01-01")
DECAP_CONDITIONS = {
    "default": (),
    "mass base low (p_join=2e-7)": ("population.p_join=2e-7",),
    "mass base high (p_join=1.5e-6)": ("population.p_join=1.5e-6",),
    "slow replacement (365 d senior, 180 d band)": ("levers.leaders.dur_senior_replacement=365",
                                                    "insurgents.factions.jnim.dur_leader_disruption=180",
                                                    "insurgents.factions.is_sahel.dur_leader_disruption=180"),
    "strong disruption (operations 0.2, recruitment 0.25)": ("levers.leaders.rel_senior_disruption=0.2",
                                                             "levers.leaders.rel_recruit_disrupted=0.25"),
    "disruption of operations only (recruitment and desertion untouched)": ("levers.leaders.rel_recruit_disrupted=1",
                                                                            "levers.leaders.rel_desert_disrupted=1"),
    "small base, slow replacement, strong disruption": ("population.p_join=2e-7",
                                                        "levers.leaders.dur_senior_replacement=365",
                                                        "insurgents.factions.jnim.dur_leader_disruption=180",
                                                        "insurgents.factions.is_sahel.dur_leader_disruption=180",
                                                        "levers.leaders.rel_senior_disruption=0.2",
                                                        "levers.leaders.rel_recruit_disrupted=0.25"),
}
FEAR_OFF = ("levers.deterrence.rel_fear_risk=0", "levers.deterrence.rel_fear_activity=0")
FEAR_HIGH = ("levers.deterrence.rel_fear_risk=0.3", "levers.deterrence.rel_fear_activity=0.5")  # the tops of their ranges
FEAR_STRONGEST = (*FEAR_HIGH, "levers.deterrence.fear_per_kill=1", "levers.deterrence.fear_per_detention=0.5",
                  "levers.deterrence.dur_fear=720")
SWEEPS = ("state.sweep_radius=3",)
DETERRENCE = {"deterrence off (0, 0)": FEAR_OFF,
              # the corner most favourable to backfire: no fear, anger at the high end (0-3)
              "deterrence off, anger high (3)": (*FEAR_OFF, "population.rel_harm_grievance=3"),
              "deterrence high (0.3, 0.5)": FEAR_HIGH,
              # the corner of both declared ranges: fear high, anger off (harm-to-grievance 0)
              "deterrence high, anger off": (*FEAR_HIGH, "population.rel_harm_grievance=0"),
              # every fear parameter at the high end of its stated range (sim/config/levers.py), anger off
              "fear strongest, anger off": (*FEAR_STRONGEST, "population.rel_harm_grievance=0"),
              # clearing sweeps (state.sweep_radius, 0-3 cells): the detentions reach the suspected villages
              "sweeps (3 cells)": SWEEPS,
              "sweeps (3 cells), deterrence off, anger high (3)": (*SWEEPS, *FEAR_OFF, "population.rel_harm_grievance=3"),
              "sweeps (3 cells), fear strongest, anger off": (*SWEEPS, *FEAR_STRONGEST, "population.rel_harm_grievance=0"),
              # the same corner without flight from collective punishment: does the sweeps' gain come from emptied villages?
              "sweeps (3 cells), fear strongest, anger off, no punishment flight": (
                  *SWEEPS, *FEAR_STRONGEST, "population.rel_harm_grievance=0", "displacement.p_flee_punishment=0")}
KEY_OUTCOMES = ("fighters_end", "recruits", "insurgent_attacks", "insurgent_losses", "civ_deaths_state", "leaders_killed")
INSURGENT_VIOLENCE = ("Battles", "Explosions/Remote violence", "Violence against civilians")
OUTCOMES = ("leaders_killed", "senior_leaders_killed", "band_leaders_killed", "fighters_end", "fighters_change",
            "recruits", "insurgent_losses", "deserters", "civ_deaths_state", "civ_deaths_all", "air_drone_strikes",
            "pop_insurgent_control", "insurgent_attacks")


def plan(which: list[str], seeds: int | None) -> list[dict]:
    jobs = []
    if "intel" in which:
        for arm in ("baseline", "intel_sharing_uplift"):
            for s in range(1, (seeds or 20) + 1):
                jobs.append({"experiment": "intel", "condition": "default", "arm": arm, "seed": s,
                             "overrides": (f"scenario={arm}", *FIVE_2020)})
    if "gloves" in which:
        for cond, ov in DETERRENCE.items():
            for arm in ("baseline", "take_the_gloves_off"):
                for s in range(1, (seeds or 40) + 1):
                    jobs.append({"experiment": "gloves", "condition": cond, "arm": arm, "seed": s,
                                 "overrides": (f"scenario={arm}", *FIVE_2020, *ov)})
    if "decapitation" in which:
        for cond, ov in DECAP_CONDITIONS.items():
            for arm, extra in (("leaders killed", ()), ("no leader killed", OFF)):
                for s in range(1, (seeds or 10) + 1):
                    jobs.append({"experiment": "decapitation", "condition": cond, "arm": arm, "seed": s,
                                 "overrides": ("scenario=baseline", *TWO_2015, *ov, *extra)})
    return jobs


def one(job: dict) -> dict:
    import sim

    cfg = sim.load_config([*job["overrides"], f"seed={job['seed']}", "output.progress=false", "output.dashboard=false"])
    res = sim.run(cfg)
    ts, ev = res.timeseries, res.events
    tot = ts[(ts.country == "all") & (ts.community == "all") & (ts.faction == "all")]

    def total(m):
        return float(tot[tot.metric == m].value.sum())

    def series(m):
        return tot[tot.metric == m].sort_values("step").value.to_numpy()

    f = series("insurgent_fighters")
    civ = sum(total(m) for m in ("civilian_deaths_by_state", "civilian_deaths_by_partner",
                                 "civilian_deaths_by_militia", "civilian_deaths_by_insurgents"))
    row = {k: v for k, v in job.items() if k != "overrides"}
    row.update(leaders_killed=total("leaders_killed"), senior_leaders_killed=total("senior_leaders_killed"),
               band_leaders_killed=total("band_leaders_killed"), fighters_end=float(f[-1]),
               fighters_change=float(f[-1] - f[0]), recruits=total("recruits"),
               insurgent_losses=total("insurgent_losses"), deserters=total("deserters"),
               civ_deaths_state=total("civilian_deaths_by_state"), civ_deaths_all=civ,
               air_drone_strikes=total("air_drone_strikes"),
               pop_insurgent_control=float(series("pop_share_insurgent_control")[-1]),
               insurgent_attacks=float((ev.actor1.isin(cfg.insurgents.factions.keys())
                                        & ev.event_type.isin(INSURGENT_VIOLENCE)).sum()))
    return row


def paired(runs: pd.DataFrame, ref: str, arm: str, outcome: str) -> dict:
    a = runs[runs.arm == arm].set_index("seed")[outcome]
    r = runs[runs.arm == ref].set_index("seed")[outcome]
    d = (a - r).dropna()
    n = len(d)
    mean = float(d.mean()) if n else np.nan
    half = float(stats.t.ppf(0.975, n - 1) * d.std(ddof=1) / np.sqrt(n)) if n > 1 else np.nan
    return {"outcome": outcome, "n": n, "reference_mean": float(r.mean()), "arm_mean": float(a.mean()),
            "effect": mean, "ci_lo": mean - half, "ci_hi": mean + half,
            "excludes_zero": bool(n > 1 and (mean - half > 0 or mean + half < 0))}


def tables(out: Path) -> None:
    path = out / "runs.csv"
    if not path.exists():
        return
    runs = pd.read_csv(path)
    spec = {"intel": ("baseline", "intel_sharing_uplift"), "gloves": ("baseline", "take_the_gloves_off"),
            "decapitation": ("no leader killed", "leaders killed")}
    for name, (ref, arm) in spec.items():
        sub = runs[runs.experiment == name]
        if sub.empty:
            continue
        rows = []
        for cond, c in sub.groupby("condition", sort=False):
            for o in OUTCOMES:
                rows.append({"condition": cond, **paired(c, ref, arm, o)})
        df = pd.DataFrame(rows)
        df.to_csv(out / f"{name}.csv", index=False)
        title = f"# {name}: {arm} minus {ref}, paired by seed (mean, 95 % t CI)\n\n"
        (out / f"{name}.md").write_text(title + markdown(df) + "\n")
        (out / f"{name}_summary.md").write_text(summary(df, ref, arm) + "\n")


def summary(df: pd.DataFrame, ref: str, arm: str) -> str:
    """One row per condition, the key outcomes as effect [95 % CI], * where the CI excludes 0."""
    rows = []
    for cond, g in df.groupby("condition", sort=False):
        g = g.set_index("outcome")
        row = {"condition": cond, "n": int(g["n"].min())}
        for o in KEY_OUTCOMES:
            r = g.loc[o]
            row[o] = (f"{r.effect:,.3g} [{r.ci_lo:,.3g}, {r.ci_hi:,.3g}]" + (" *" if r.excludes_zero else "")
                      + f" (ref {r.reference_mean:,.4g})")
        rows.append(row)
    return (f"**{arm} minus {ref}, paired by seed: effect [95 % t CI] (the reference arm's mean)**; "
            "* marks a CI that excludes zero.\n\n" + markdown(pd.DataFrame(rows)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("experiments", nargs="+", choices=("intel", "decapitation", "gloves"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seeds", type=int, default=None)
    ap.add_argument("--out", default="outputs/levers")
    ap.add_argument("--params", choices=("prior", "calibrated"), default="prior",
                    help="parameter set (calibrated: configs/params/calibrated.yaml; use its own --out)")
    ap.add_argument("--conditions", default=None,
                    help=f"gloves: semicolon-separated conditions to run (default all: {'; '.join(DETERRENCE)})")
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "runs.csv"
    done = set()
    header = ["experiment", "condition", "arm", "seed", *OUTCOMES]
    if path.exists():
        prev = pd.read_csv(path)
        if set(prev.columns) != set(header):
            raise SystemExit(f"{path}: its columns {sorted(prev.columns)} are not this version's {sorted(header)}; "
                             "give another --out (appending would misalign the rows)")
        header = list(prev.columns)
        done = set(zip(prev.experiment, prev.condition, prev.arm, prev.seed, strict=True))
    jobs = plan(a.experiments, a.seeds)
    if a.conditions is not None:
        wanted = [c.strip() for c in a.conditions.split(";") if c.strip()]
        unknown = [c for c in wanted if c not in DETERRENCE]
        if unknown or not wanted:
            ap.error(f"--conditions {a.conditions!r}: {unknown or 'none given'} not among {list(DETERRENCE)}")
        jobs = [j for j in jobs if j["experiment"] != "gloves" or j["condition"] in wanted]
    if a.params != "prior":
        jobs = [{**j, "overrides": (*j["overrides"], f"params={a.params}")} for j in jobs]
    todo = [j for j in jobs if (j["experiment"], j["condition"], j["arm"], j["seed"]) not in done]
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    with ProcessPoolExecutor(a.jobs) as pool:
        for row in pool.map(one, todo):
            pd.DataFrame([row])[header].to_csv(path, mode="a", header=not path.exists(), index=False)
            print(row["experiment"], row["condition"], row["arm"], row["seed"], "done", flush=True)
            tables(out)
    tables(out)


if __name__ == "__main__":
    main()
