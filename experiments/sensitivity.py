"""One-at-a-time sensitivity of the gloves-off effect: which parameters flip its sign?

For the default parameters and then for each parameter set, one at a time, to the low and the
high end of its documented plausible range (docs/ODD.md), runs baseline and
``take_the_gloves_off`` with the same seeds and estimates the paired gloves-off effect (gloves
off minus baseline) on insurgent strength, recruits and civilian deaths. A case *flips* the
effect when its point estimate has the opposite sign to the default's; the table says whether
its 95 % CI also excludes zero.

Two kinds of case:

* ``both``: the override applies to both arms (a property of the world: harm sensitivity,
  blame, joining rate, collateral, detection, reprisals, resolution);
* ``arm``: the override applies to the gloves-off arm only, against the default baseline
  (the doctrine's own discrimination, 0.3 in the scenario).

With ``--intel`` the intelligence-sharing arm runs too and its effect is tabulated the same way.

    python experiments/sensitivity.py                       # 5 years, 10 seeds per arm
    python experiments/sensitivity.py --small
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import common
import numpy as np
import pandas as pd
from common import Outcome, plt

NAME = "sensitivity"
REFERENCE, GLOVES, INTEL = "baseline", "take_the_gloves_off", "intel_sharing_uplift"
COUNTRIES = ("mali", "burkina_faso", "niger")


@dataclass(frozen=True)
class Case:
    param: str           # what is varied (as named in the tables)
    value: str           # value as typed
    default: str         # the model's default, for the table
    overrides: tuple[str, ...]
    scope: str = "both"  # "both" arms, or the treatment "arm" only

    @property
    def label(self) -> str:
        return f"{self.param}={self.value}"


def _case(key: str, value: str, default: str) -> Case:
    return Case(key, value, default, (f"{key}={value}",))


def _gloves_disc(value: str) -> Case:
    return Case("gloves-off discrimination (treatment arm only)", value, "0.3",
                tuple(f"state.forces.{c}.discrimination={value}" for c in COUNTRIES), "arm")


CASES = [
    _case("population.rel_harm_grievance", "0", "1"),
    _case("population.rel_harm_grievance", "3", "1"),
    _case("population.rel_blame_state", "0", "0.5"),
    _case("population.rel_blame_state", "2", "0.5"),
    _case("population.p_join", "1e-7", "5e-7"),
    _case("population.p_join", "2e-6", "5e-7"),
    _case("mechanisms.k_collateral", "1e-4", "5e-4"),
    _case("mechanisms.k_collateral", "3e-3", "5e-4"),
    _gloves_disc("0.1"),
    _gloves_disc("0.5"),
    _case("mechanisms.k_detect", "0.2", "1"),
    _case("mechanisms.k_detect", "3", "1"),
    _case("state.rel_reprisal", "0", "2"),
    _case("state.rel_reprisal", "10", "2"),
    _case("people_per_agent", "1000", "250 (experiments)"),
]
SMALL_CASES = [CASES[0], CASES[8]]

OUTCOMES = [
    Outcome("fighters_end", "insurgent fighters (end level)", ("insurgent_fighters",), "end"),
    Outcome("recruits", "recruits (total)", ("recruits",), "total"),
    Outcome("civ_deaths_all", "civilians killed, all perpetrators (total)",
            common.CIVILIAN_DEATHS, "total"),
    Outcome("pop_insurgent_control", "share of people in insurgent-held cells (end level)",
            ("pop_share_insurgent_control",), "end", unit="share"),
    Outcome("displaced_end", "displaced people (end level)", ("displaced",), "end"),
]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text.replace("=", "__"))[:80]


def per_run_of(exp, sweep) -> pd.DataFrame:
    metrics = sorted({m for o in OUTCOMES for m in o.metrics})
    return common.outcomes_per_run(exp.load(sweep, metrics), OUTCOMES, ["scenario", "seed"],
                                   exp.tail_days)


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
                row[names[o]] = (f"{common.fmt(r['effect'])} [{common.fmt(r['ci95_low'])}, "
                                 f"{common.fmt(r['ci95_high'])}]{MARK.get(r['verdict'], '')}")
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


def main(argv: list[str] | None = None) -> None:
    p = common.parser(NAME, __doc__, years=5, seeds=10)
    p.add_argument("--intel", action="store_true", help="also the intelligence-sharing effect")
    args = p.parse_args(argv)
    exp = common.Experiment(NAME, args)
    cases = SMALL_CASES if exp.small else CASES
    treatments = [GLOVES, INTEL] if args.intel else [GLOVES]

    default = per_run_of(exp, exp.sweep("default", {"scenario": [REFERENCE, *treatments]}))
    default.to_csv(exp.path("per_run_default.csv"), index=False, float_format="%.10g")
    default_base = default[default["scenario"] == REFERENCE]
    tables = [common.paired_effects(default, "scenario", REFERENCE, OUTCOMES, arms=treatments)
              .assign(case="default", param="(defaults)", value="", default="", scope="")]
    for case in cases:
        arms = treatments if case.scope == "arm" else [REFERENCE, *treatments]
        sweep = exp.sweep(_slug(case.label), {"scenario": arms}, fixed=case.overrides)
        per_run = per_run_of(exp, sweep)
        if case.scope == "arm":
            per_run = pd.concat([default_base, per_run], ignore_index=True)
        eff = common.paired_effects(per_run, "scenario", REFERENCE, OUTCOMES, arms=treatments)
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
    table.to_csv(exp.path("effects.csv"), index=False, float_format="%.10g")

    view = pd.DataFrame({
        "case": table["case"], "arm": table["arm"], "outcome": table["description"],
        "effect [95 % CI]": [f"{common.fmt(e)} [{common.fmt(lo)}, {common.fmt(hi)}]"
                             for e, lo, hi in zip(table["effect"], table["ci95_low"],
                                                  table["ci95_high"], strict=True)],
        "relative": table["relative_effect"].map(
            lambda v: "n/a" if not np.isfinite(v) else f"{v:+.0%}"),
        "verdict vs default": table["verdict"],
    })
    note = (f"One parameter at a time; {len(exp.seeds)} seeds per arm (common random numbers), "
            f"window {exp.start} to {exp.end}; effect = mean of (arm - baseline) per seed, 95 % "
            "CI paired t. 'scope both': the override applies to both arms; 'arm': the gloves-off "
            "arm only, against the default baseline.")
    exp.path("effects.md").write_text(common.markdown_table(
        view, title="Sensitivity of the gloves-off effect", note=note))
    exp.path("summary.md").write_text(summary_markdown(table, treatments, note))
    levels = (table[table["arm"] == treatments[0]]
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
        forest(table, arm, exp.path(f"figure{'' if arm == GLOVES else '_intel'}.png"))
    exp.finish(cases=[{"case": c.label, "overrides": list(c.overrides), "scope": c.scope}
                      for c in cases], treatments=treatments)


if __name__ == "__main__":
    main()
