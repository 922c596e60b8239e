"""Experiment 2: does intelligence that kills leaders unravel a movement with a mass base?

Baseline against ``intel_sharing_uplift`` (a US-like partner shares intelligence with all three
states from the start) and ``gloves_off_plus_intel`` (the same with gloves-off doctrine), five
years, 20 seeds per arm, common random numbers. Puts leaders killed beside the change in
insurgent strength, arm by arm and seed by seed.

    python experiments/intel_uplift.py
    python experiments/intel_uplift.py --small
"""

from __future__ import annotations

import common
import numpy as np
import pandas as pd
from common import Outcome, Panel, plt
from scipy import stats

ARMS = ("baseline", "intel_sharing_uplift", "gloves_off_plus_intel")

OUTCOMES = (
    Outcome("leaders_killed", "insurgent leaders killed (total)", ("leaders_killed",), "total"),
    Outcome("fighters_change", "change in insurgent fighters (end level minus start)",
            ("insurgent_fighters",), "change"),
    Outcome("fighters_end", "insurgent fighters (end level)", ("insurgent_fighters",), "end"),
    Outcome("recruits", "recruits (total)", ("recruits",), "total"),
    Outcome("insurgent_losses", "insurgent fighters killed (total)", ("insurgent_losses",),
            "total"),
    Outcome("civ_deaths_state", "civilians killed by state forces (total)",
            ("civilian_deaths_by_state",), "total"),
    Outcome("civ_deaths_all", "civilians killed, all perpetrators (total)",
            common.CIVILIAN_DEATHS, "total"),
    Outcome("pop_insurgent_control", "share of people in insurgent-held cells (end level)",
            ("pop_share_insurgent_control",), "end", unit="share"),
)

PANELS = (
    Panel("leaders killed (cumulative)", ("leaders_killed",), True),
    Panel("insurgent fighters killed (cumulative)", ("insurgent_losses",), True),
    Panel("recruits (cumulative)", ("recruits",), True),
    Panel("insurgent fighters", ("insurgent_fighters",)),
    Panel("civilians killed by state forces (cumulative)", ("civilian_deaths_by_state",), True),
    Panel("share of people in insurgent-held cells", ("pop_share_insurgent_control",)),
)


def decapitation_table(per_run: pd.DataFrame) -> pd.DataFrame:
    """Within each arm, across seeds: does a run that kills more leaders lose more strength?"""
    rows = []
    for arm in ARMS:
        sub = per_run[per_run["scenario"] == arm]
        x, y = sub["leaders_killed"].to_numpy(float), sub["fighters_change"].to_numpy(float)
        varied = np.ptp(x) > 0 and np.ptp(y) > 0
        rho, p = stats.spearmanr(x, y) if varied and len(x) > 2 else (np.nan, np.nan)
        slope = np.polyfit(x, y, 1)[0] if varied else np.nan
        rows.append({"arm": arm, "n_runs": len(sub),
                     "leaders_killed_mean": x.mean(), "fighters_change_mean": y.mean(),
                     "spearman_leaders_vs_fighters_change": rho, "spearman_p": p,
                     "ols_fighters_change_per_leader": slope})
    return pd.DataFrame(rows)


def scatter(per_run: pd.DataFrame, path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 4.2))
    ax = axes[0]
    for i, arm in enumerate(ARMS):
        sub = per_run[per_run["scenario"] == arm]
        ax.scatter(sub["leaders_killed"], sub["fighters_change"], s=18,
                   color=common.COLORS[i], label=arm, alpha=0.8)
    _label(ax, "leaders killed over the window", "change in insurgent fighters", "each run")
    ax = axes[1]
    base = per_run[per_run["scenario"] == "baseline"].set_index("seed")
    for i, arm in enumerate(ARMS[1:], start=1):
        cur = per_run[per_run["scenario"] == arm].set_index("seed").loc[base.index]
        ax.scatter(cur["leaders_killed"] - base["leaders_killed"],
                   cur["fighters_change"] - base["fighters_change"], s=18,
                   color=common.COLORS[i], label=f"{arm} - baseline", alpha=0.8)
    _label(ax, "extra leaders killed (same seed)", "extra change in fighters (same seed)",
           "paired by seed: arm minus baseline", origin=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _label(ax, xlabel: str, ylabel: str, title: str, origin: bool = False) -> None:
    """Zero line(s), axis labels, title, legend and grid of one scatter panel."""
    ax.axhline(0, color="k", lw=0.8)
    if origin:
        ax.axvline(0, color="k", lw=0.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)


SPEC = common.ExperimentSpec(
    name="intel_uplift", doc=__doc__, arms=ARMS, outcomes=OUTCOMES, panels=PANELS,
    effects_title="Intelligence uplift: arm minus baseline",
    figure_title="Intelligence sharing and decapitation",
    tables=(common.Table("decapitation", decapitation_table,
                         title="Across seeds within an arm: leaders killed vs change in fighters",
                         note="Spearman rank correlation and least-squares slope (fighters per "
                              "leader killed) across the runs of one arm."),),
    figures=(common.Figure("leaders_vs_strength.png", scatter),))


def main(argv: list[str] | None = None) -> None:
    common.run(SPEC, argv)


if __name__ == "__main__":
    main()
