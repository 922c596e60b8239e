"""Experiment 3: after the French exit, a security vacuum or little difference?

Baseline (the Barkhane-like partner stays) against ``french_withdrawal`` (it leaves on
2022-08-15) over 2020-01-01 to 2025-01-01, 20 seeds per arm with common random numbers. The two
arms share their configuration until the exit, so they must agree before it (a placebo check:
the pre-exit effects are reported too); the question is what differs after it.

    python experiments/french_withdrawal.py
    python experiments/french_withdrawal.py --small
"""

from __future__ import annotations

import common
from common import Outcome, Panel

EXIT = "2022-08-15"  # configs/scenario/french_withdrawal.yaml


def outcomes(exit_day: str) -> list[Outcome]:
    post = {"start": exit_day}
    return [
        Outcome("pre_civ_deaths_all", "PLACEBO before the exit: civilians killed (total)",
                common.CIVILIAN_DEATHS, "total", end=exit_day),
        Outcome("pre_fighters", "PLACEBO before the exit: insurgent fighters (mean level)",
                ("insurgent_fighters",), "mean", end=exit_day),
        Outcome("civ_deaths_all", "after the exit: civilians killed, all perpetrators",
                common.CIVILIAN_DEATHS, "total", **post),
        Outcome("civ_deaths_insurgents", "after the exit: civilians killed by insurgents",
                ("civilian_deaths_by_insurgents",), "total", **post),
        Outcome("civ_deaths_state_partner", "after the exit: civilians killed by state and partners",
                ("civilian_deaths_by_state", "civilian_deaths_by_partner"), "total", **post),
        Outcome("state_losses", "after the exit: state and partner personnel killed",
                ("state_losses",), "total", **post),
        Outcome("insurgent_losses", "after the exit: insurgent fighters killed",
                ("insurgent_losses",), "total", **post),
        Outcome("recruits", "after the exit: recruits", ("recruits",), "total", **post),
        Outcome("fighters_end", "insurgent fighters (end level)", ("insurgent_fighters",), "end"),
        Outcome("pop_insurgent_control", "share of people in insurgent-held cells (end level)",
                ("pop_share_insurgent_control",), "end", unit="share"),
        Outcome("pop_contested", "share of people in contested cells (end level)",
                ("pop_share_contested",), "end", unit="share"),
        Outcome("territory_outside", "share of territory outside state control (end level)",
                ("territory_share_outside_state_control",), "end", unit="share"),
        Outcome("blockaded_towns", "blockaded towns (mean after the exit)", ("blockaded_towns",),
                "mean", unit="towns", **post),
        Outcome("arteries_cut", "arteries cut (mean after the exit)", ("arteries_cut",), "mean",
                unit="arteries", **post),
        Outcome("displaced_end", "displaced people (end level)", ("displaced",), "end"),
    ]


PANELS = (
    Panel("civilians killed, all perpetrators (cumulative)", common.CIVILIAN_DEATHS, True),
    Panel("state and partner personnel killed (cumulative)", ("state_losses",), True),
    Panel("insurgent fighters", ("insurgent_fighters",)),
    Panel("share of territory outside state control", ("territory_share_outside_state_control",)),
    Panel("arteries cut", ("arteries_cut",)),
    Panel("displaced people (millions)", ("displaced",), scale=1e-6),
)


SPEC = common.ExperimentSpec(
    name="french_withdrawal", doc=__doc__, arms=("baseline", "french_withdrawal"),
    outcomes=tuple(outcomes(EXIT)), panels=PANELS,
    effects_title="French withdrawal minus baseline",
    effects_note=f"The partner leaves on {EXIT}; 'after the exit' sums run from that day to the "
                 "end of the window.",
    figure_title="Baseline vs French withdrawal (Aug 2022)",
    difference_title="French withdrawal minus baseline, seed by seed",
    effects_figure_title="French withdrawal minus baseline (relative, 95 % CI)",
    marks=((EXIT, "French exit"),), must_span=((EXIT, "the exit"),), small_start="2022-07-01",
    manifest={"exit_date": EXIT})


def main(argv: list[str] | None = None) -> None:
    common.run(SPEC, argv)


if __name__ == "__main__":
    main()
