"""Experiment 1: does taking the gloves off backfire?

Baseline (restrained doctrine, discriminating partner) against ``take_the_gloves_off`` (all
three states: mass detentions, collective punishment, reprisals, discrimination 0.3) over five
years, 20 seeds per arm with common random numbers. Outcomes: civilian deaths by perpetrator,
recruits, insurgent strength, population under insurgent control, displaced people.

    python experiments/gloves_off.py                 # full size (~40 runs)
    python experiments/gloves_off.py --small         # test size
"""

from __future__ import annotations

import common
from common import Outcome, Panel

OUTCOMES = (
    Outcome("civ_deaths_state", "civilians killed by state forces (total)",
            ("civilian_deaths_by_state",), "total"),
    Outcome("civ_deaths_partner", "civilians killed by partners (total)",
            ("civilian_deaths_by_partner",), "total"),
    Outcome("civ_deaths_insurgents", "civilians killed by insurgents (total)",
            ("civilian_deaths_by_insurgents",), "total"),
    Outcome("civ_deaths_all", "civilians killed, all perpetrators (total)",
            common.CIVILIAN_DEATHS, "total"),
    Outcome("recruits", "recruits (total)", ("recruits",), "total"),
    Outcome("fighters_end", "insurgent fighters (end level)", ("insurgent_fighters",), "end"),
    Outcome("insurgent_losses", "insurgent fighters killed (total)", ("insurgent_losses",),
            "total"),
    Outcome("state_losses", "state and partner personnel killed (total)", ("state_losses",),
            "total"),
    Outcome("pop_insurgent_control", "share of people in insurgent-held cells (end level)",
            ("pop_share_insurgent_control",), "end", unit="share"),
    Outcome("pop_contested", "share of people in contested cells (end level)",
            ("pop_share_contested",), "end", unit="share"),
    Outcome("displaced_end", "displaced people (end level)", ("displaced",), "end"),
)

PANELS = (
    Panel("civilians killed by state forces (cumulative)", ("civilian_deaths_by_state",), True),
    Panel("civilians killed by insurgents (cumulative)", ("civilian_deaths_by_insurgents",),
          True),
    Panel("recruits (cumulative)", ("recruits",), True),
    Panel("insurgent fighters", ("insurgent_fighters",)),
    Panel("share of people in insurgent-held cells", ("pop_share_insurgent_control",)),
    Panel("displaced people (millions)", ("displaced",), scale=1e-6),
)


SPEC = common.ExperimentSpec(
    name="gloves_off", doc=__doc__, arms=("baseline", "take_the_gloves_off"),
    outcomes=OUTCOMES, panels=PANELS,
    effects_title="Gloves off: take_the_gloves_off minus baseline",
    figure_title="Baseline vs take the gloves off",
    effects_figure_title="Gloves off minus baseline (relative, 95 % CI)")


def main(argv: list[str] | None = None) -> None:
    common.run(SPEC, argv)


if __name__ == "__main__":
    main()
