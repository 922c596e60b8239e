"""One-at-a-time sensitivity of the scenario effects (gloves off, intelligence sharing, the
partner's withdrawal, popular mobilisation, accurate fire): which parameters flip their signs?

For the default parameters and then for each parameter set, one at a time, to the low and the
high end of its documented plausible range (docs/ODD.md), runs ``baseline`` and the treatment
arms with the same seeds and estimates each paired effect (arm minus baseline) on insurgent
strength, recruits, civilian deaths, insurgent-held population, displacement and leaders
killed. A case *flips* an effect when its point estimate has the opposite sign to the
default's; the tables say whether its 95 % CI also excludes zero.

The arms: ``take_the_gloves_off`` (question 1), ``intel_sharing_uplift`` (question 2),
``french_withdrawal`` (question 3), ``popular_mobilisation`` (question 4) and ``accurate_fire``
(question 5: the baseline with the three states' discrimination at 0.8, the top of experiment 5's
grid, against their defaults of 0.55-0.6). Each case says which arms it is run with; the
intelligence-only cases are the detection and strike parameters on which decapitation depends;
the withdrawal, mobilisation and accuracy arms run on the world's parameters (harm-to-grievance,
joining rate, collateral). ``--treatments`` runs some arms only (with their cases); a later run
with ``--reuse`` keeps the arms' sweeps already made (a baseline sweep that now runs with the
gloves-off arm is a new command, and runs again).

Two kinds of case:

* ``both``: the override applies to the baseline and to the arms (a property of the world:
  harm sensitivity, blame, joining rate, collateral, detection, reprisals, resolution);
* ``arm``: the override applies to the treatment arm only, against the default baseline
  (the gloves-off doctrine's own discrimination; the strength of the shared intelligence).

Each arm of a case is its own sweep over the same seeds, so an arm added later reuses the
baseline runs already made (``--reuse``).

    python experiments/sensitivity.py                       # 5 years, 10 seeds per arm
    python experiments/sensitivity.py --treatments french_withdrawal,popular_mobilisation,accurate_fire
    python experiments/sensitivity.py --small
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass, replace

import common
import numpy as np
import pandas as pd
from common import Outcome, plt

NAME = "sensitivity"
REFERENCE, GLOVES, INTEL = "baseline", "take_the_gloves_off", "intel_sharing_uplift"
WITHDRAWAL, MOBILISATION, ACCURATE = "french_withdrawal", "popular_mobilisation", "accurate_fire"
TREATMENTS = (GLOVES, INTEL, WITHDRAWAL, MOBILISATION, ACCURATE)
WORLD = TREATMENTS  # a world parameter's cases run every arm
COUNTRIES = ("mali", "burkina_faso", "niger")
# an arm that is not a scenario: (the scenario it runs, its own overrides)
ARM_RUNS = {ACCURATE: (REFERENCE, tuple(f"state.forces.{c}.discrimination=0.8" for c in COUNTRIES))}
FIGURES = {GLOVES: "figure.png", INTEL: "figure_intel.png", WITHDRAWAL: "figure_withdrawal.png",
           MOBILISATION: "figure_mobilisation.png", ACCURATE: "figure_accurate.png"}
FACTIONS = ("jnim", "is_sahel")


@dataclass(frozen=True)
class Case:
    param: str           # what is varied (as named in the tables)
    value: str           # value as typed
    default: str         # the model's default, for the table
    overrides: tuple[str, ...]
    scope: str = "both"  # "both" arms, or the treatment "arm" only
    treatments: tuple[str, ...] = (GLOVES, INTEL)

    @property
    def label(self) -> str:
        return f"{self.param}={self.value}"


def _case(key: str, value: str, default: str, treatments=(GLOVES, INTEL)) -> Case:
    return Case(key, value, default, (f"{key}={value}",), treatments=treatments)


def _per_country(name: str, key: str, value: str, default: str, treatments) -> Case:
    return Case(name, value, default, tuple(f"state.forces.{c}.{key}={value}" for c in COUNTRIES),
                treatments=treatments)


def _gloves_disc(value: str) -> Case:
    return Case("gloves-off discrimination (treatment arm only)", value, "0.3",
                tuple(f"state.forces.{c}.discrimination={value}" for c in COUNTRIES), "arm",
                (GLOVES,))


def _leader_detection(value: str) -> Case:
    return Case("insurgents.factions.*.rel_detect_leader", value, "0.3",
                tuple(f"insurgents.factions.{f}.rel_detect_leader={value}" for f in FACTIONS),
                treatments=(INTEL,))


def _intel_strength(value: str) -> Case:
    return Case("intelligence shared (treatment arm only)", value, "0.5",
                (f"partners.profiles.us_intel.intel_sharing={value}",), "arm", (INTEL,))


CASES = [
    _case("population.rel_harm_grievance", "0", "1", WORLD),
    _case("population.rel_harm_grievance", "3", "1", WORLD),
    _case("population.rel_blame_state", "0", "0.5"),
    _case("population.rel_blame_state", "2", "0.5"),
    _case("population.p_join", "1e-7", "5e-7", WORLD),
    _case("population.p_join", "2e-6", "5e-7", WORLD),
    _case("mechanisms.k_collateral", "1e-4", "5e-4", WORLD),
    _case("mechanisms.k_collateral", "3e-3", "5e-4", WORLD),
    _gloves_disc("0.1"),
    _gloves_disc("0.5"),
    _case("mechanisms.k_detect", "0.2", "1"),
    _case("mechanisms.k_detect", "3", "1"),
    _case("state.rel_reprisal", "0", "2", treatments=(GLOVES,)),  # restrained forces never reprise
    _case("state.rel_reprisal", "10", "2", treatments=(GLOVES,)),
    _case("people_per_agent", "1000", "4000 (the default)"),
    # what decapitation needs (question 2): high ends of the detection and strike chain
    _case("mechanisms.vision", "5", "3", treatments=(INTEL,)),
    _leader_detection("0.5"),
    _case("mechanisms.p_strike_leader", "0.6", "0.3", treatments=(INTEL,)),
    _per_country("state.forces.*.strikes_per_day", "strikes_per_day", "2", "0.2", (INTEL,)),
    _intel_strength("0.2"),
    _intel_strength("1.0"),
]
# the small run (tests): every arm on the defaults; the other cases with their first two arms only
SMALL_CASES = [replace(CASES[0], treatments=(GLOVES, INTEL)), CASES[8], CASES[-1]]

OUTCOMES = [
    Outcome("fighters_end", "insurgent fighters (end level)", ("insurgent_fighters",), "end"),
    Outcome("recruits", "recruits (total)", ("recruits",), "total"),
    Outcome("civ_deaths_all", "civilians killed, all perpetrators (total)",
            common.CIVILIAN_DEATHS, "total"),
    Outcome("pop_insurgent_control", "share of people in insurgent-held cells (end level)",
            ("pop_share_insurgent_control",), "end", unit="share"),
    Outcome("displaced_end", "displaced people (end level)", ("displaced",), "end"),
    Outcome("leaders_killed", "insurgent leaders killed (total)", ("leaders_killed",), "total"),
]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text.replace("=", "__"))[:80]


def per_run_of(exp, sweep) -> pd.DataFrame:
    return common.per_run_outcomes(exp, sweep, OUTCOMES)


def classify(effect: float, lo: float, hi: float, default_effect: float) -> str:
    if not np.isfinite(effect) or effect == 0 or default_effect == 0:
        return "no effect" if effect == 0 else "n/a"
    significant = lo > 0 or hi < 0
    if np.sign(effect) != np.sign(default_effect):
        return "FLIPS (CI excludes 0)" if significant else "flips (CI includes 0)"
    return "same sign" if significant else "same sign (CI includes 0)"


MARK = {"FLIPS (CI excludes 0)": " **FLIP**", "flips (CI includes 0)": " (flip, n.s.)",
        "same sign": "", "same sign (CI includes 0)": " (n.s.)", "no effect": "", "n/a": ""}


def summary_markdown(table: pd.DataFrame, treatments: list[str], note: str) -> str:
    """One row per case, one column per outcome: effect [95 % CI] and a flip mark."""
    parts = []
    for arm in treatments:
        sub = table[table["arm"] == arm]
        outs = list(dict.fromkeys(sub["outcome"]))
        names = dict(zip(sub["outcome"], sub["description"], strict=False))
        rows = []
        for case, g in sub.groupby("case", sort=False):
            g = g.set_index("outcome")
            row = {"case": case}
            for o in outs:
                r = g.loc[o]
                row[names[o]] = (common.fmt_interval(r["effect"], r["ci95_low"], r["ci95_high"])
                                 + MARK.get(r["verdict"], ""))
            rows.append(row)
        parts.append(common.markdown_table(
            pd.DataFrame(rows), title=f"{arm} minus baseline, one parameter at a time"))
    legend = ("**FLIP**: opposite sign to the default effect with a 95 % CI excluding 0; "
              "(flip, n.s.): opposite sign, CI includes 0; (n.s.): same sign, CI includes 0.")
    return "\n".join(parts) + "\n" + legend + " " + note + "\n"


def forest(table: pd.DataFrame, arm: str, path) -> None:
    sub = table[table["arm"] == arm]
    outs = list(dict.fromkeys(sub["outcome"]))
    cases = list(dict.fromkeys(sub["case"]))
    fig, axes = plt.subplots(1, len(outs), figsize=(4.2 * len(outs), 0.34 * len(cases) + 1.6),
                             sharey=True)
    for ax, o in zip(np.atleast_1d(axes), outs, strict=True):
        s = sub[sub["outcome"] == o].set_index("case").loc[cases]
        y = np.arange(len(cases))[::-1]
        default = s.loc["default", "effect"]
        for yi, (case, r) in zip(y, s.iterrows(), strict=True):
            c = "k" if case == "default" else ("#d62728" if "flips" in r["verdict"].lower()
                                               else "#1f77b4")
            ax.plot([r["ci95_low"], r["ci95_high"]], [yi, yi], color=c, lw=2)
            ax.plot(r["effect"], yi, "o", color=c, ms=4)
        ax.axvline(0, color="k", lw=0.8)
        ax.axvline(default, color="k", lw=0.6, ls=":")
        ax.set_title(s["description"].iloc[0], fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(axis="x", alpha=0.3)
    np.atleast_1d(axes)[0].set_yticks(np.arange(len(cases))[::-1], cases, fontsize=7)
    fig.suptitle(f"{arm} minus baseline, one parameter at a time (95 % CI; red: sign flips)",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def case_runs(exp, case: Case | None, default_base: pd.DataFrame | None,
              selected: tuple[str, ...] = TREATMENTS) -> pd.DataFrame:
    """Per-run outcomes of one case (None: the defaults), baseline included. Sweeps: the
    baseline with the gloves-off arm (or alone), and each other arm on its own, all over the
    same seeds; an ``arm``-scope case runs its arm only and pairs it with the default baseline."""
    label = "default" if case is None else _slug(case.label)
    fixed = () if case is None else case.overrides
    treatments = [t for t in (TREATMENTS if case is None else case.treatments) if t in selected]
    if case is not None and case.scope == "arm":
        sweeps = [exp.sweep(label, {"scenario": list(treatments)}, fixed=fixed)]
        return pd.concat([default_base, *(per_run_of(exp, s) for s in sweeps)], ignore_index=True)
    first = [REFERENCE, GLOVES] if GLOVES in treatments else [REFERENCE]
    parts = [per_run_of(exp, exp.sweep(label, {"scenario": first}, fixed=fixed))]
    for arm in treatments:
        if arm in first:
            continue
        scenario, own = ARM_RUNS.get(arm, (arm, ()))
        sweep = exp.sweep(f"{label}__{arm}", {"scenario": [scenario]}, fixed=(*fixed, *own))
        parts.append(per_run_of(exp, sweep).assign(scenario=arm))  # named by the arm, not its scenario
    return pd.concat(parts, ignore_index=True)


def treatments_arg(text: str) -> tuple[str, ...]:
    names = tuple(t for t in text.split(",") if t)
    bad = [t for t in names if t not in TREATMENTS]
    if bad or not names:
        raise argparse.ArgumentTypeError(f"--treatments {text!r}: {bad or 'none given'} not among {list(TREATMENTS)}")
    return names


def main(argv: list[str] | None = None) -> None:
    p = common.parser(NAME, __doc__, years=5, seeds=10)
    p.add_argument("--treatments", type=treatments_arg, default=TREATMENTS,
                   help=f"comma-separated arms to run (default all: {','.join(TREATMENTS)})")
    args = p.parse_args(argv)
    exp = common.Experiment(NAME, args)
    treatments = list(args.treatments)
    cases = [c for c in (SMALL_CASES if exp.small else CASES) if set(c.treatments) & set(treatments)]

    default = case_runs(exp, None, None, args.treatments)
    exp.write_csv(default, "per_run_default.csv")
    default_base = default[default["scenario"] == REFERENCE]
    tables = [common.paired_effects(default, "scenario", REFERENCE, OUTCOMES, arms=treatments)
              .assign(case="default", param="(defaults)", value="", default="", scope="")]
    for case in cases:
        per_run = case_runs(exp, case, default_base, args.treatments)
        eff = common.paired_effects(per_run, "scenario", REFERENCE, OUTCOMES,
                                    arms=[t for t in case.treatments if t in treatments])
        tables.append(eff.assign(case=case.label, param=case.param, value=case.value,
                                 default=case.default, scope=case.scope))
    table = pd.concat(tables, ignore_index=True)
    ref = table[table["case"] == "default"].set_index(["arm", "outcome"])["effect"]
    table["default_effect"] = [ref[(a, o)] for a, o in zip(table["arm"], table["outcome"],
                                                            strict=True)]
    table["verdict"] = [classify(e, lo, hi, d) for e, lo, hi, d in
                        zip(table["effect"], table["ci95_low"], table["ci95_high"],
                            table["default_effect"], strict=True)]
    front = ["case", "param", "value", "default", "scope"]
    table = table[front + [c for c in table.columns if c not in front]]
    exp.write_csv(table, "effects.csv")

    view = pd.DataFrame({
        "case": table["case"], "arm": table["arm"], "outcome": table["description"],
        "effect [95 % CI]": common.fmt_intervals(table["effect"], table["ci95_low"],
                                                 table["ci95_high"]),
        "relative": table["relative_effect"].map(common.fmt_relative),
        "verdict vs default": table["verdict"],
    })
    note = (f"One parameter at a time; {len(exp.seeds)} seeds per arm (common random numbers), "
            f"window {exp.start} to {exp.end}; effect = mean of (arm - baseline) per seed, 95 % "
            "CI paired t. 'scope both': the override applies to the baseline and the arm; 'arm': "
            "to the arm only, against the default baseline.")
    exp.path("effects.md").write_text(common.markdown_table(
        view, title=f"Sensitivity of the effects of {', '.join(treatments)}", note=note))
    exp.path("summary.md").write_text(summary_markdown(table, treatments, note))
    levels = (table[table["scope"] != "arm"].drop_duplicates(["case", "outcome"])
              .pivot_table(index="case", columns="description", values="reference_mean",
                           sort=False).reset_index())
    exp.write_table(levels, "levels", title="Baseline-arm levels (means over seeds) per case",
                    note="How each parameter moves the baseline itself (the reference of the "
                         "effects above).")
    flips = table[table["verdict"].str.lower().str.contains("flips")]
    exp.write_table(flips[["case", "arm", "outcome", "effect", "ci95_low", "ci95_high",
                           "default_effect", "verdict"]], "flips",
                    title="Cases that flip the sign of the effect")
    for arm in treatments:
        forest(table, arm, exp.path(FIGURES[arm]))
    exp.finish(cases=[{"case": c.label, "overrides": list(c.overrides), "scope": c.scope,
                       "treatments": [t for t in c.treatments if t in treatments]} for c in cases],
               treatments=treatments,
               arm_overrides={a: {"scenario": sc, "overrides": list(ov)} for a, (sc, ov) in ARM_RUNS.items()
                              if a in treatments})


if __name__ == "__main__":
    main()
