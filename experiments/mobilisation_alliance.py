"""Experiment 4: what do popular mobilisation and a regional alliance change?

Baseline against ``popular_mobilisation`` (volunteer militias in every town, recruited from
sedentary and urban communities, poorly discriminating) and ``regional_alliance`` (state forces
may operate across the three core countries' borders), five years, 20 seeds per arm, common
random numbers.

    python experiments/mobilisation_alliance.py
    python experiments/mobilisation_alliance.py --small
"""

from __future__ import annotations

import common
from common import Outcome, Panel

OUTCOMES = (
    Outcome("civ_deaths_militia", "civilians killed by militias (total)",
            ("civilian_deaths_by_militia",), "total"),
    Outcome("civ_deaths_state", "civilians killed by state forces (total)",
            ("civilian_deaths_by_state",), "total"),
    Outcome("civ_deaths_insurgents", "civilians killed by insurgents (total)",
            ("civilian_deaths_by_insurgents",), "total"),
    Outcome("civ_deaths_all", "civilians killed, all perpetrators (total)",
            common.CIVILIAN_DEATHS, "total"),
    Outcome("state_losses", "state, partner and militia personnel killed (total)",
            ("state_losses",), "total"),
    Outcome("insurgent_losses", "insurgent fighters killed (total)", ("insurgent_losses",),
            "total"),
    Outcome("recruits", "recruits (total)", ("recruits",), "total"),
    Outcome("fighters_end", "insurgent fighters (end level)", ("insurgent_fighters",), "end"),
    Outcome("pop_insurgent_control", "share of people in insurgent-held cells (end level)",
            ("pop_share_insurgent_control",), "end", unit="share"),
    Outcome("territory_outside", "share of territory outside state control (end level)",
            ("territory_share_outside_state_control",), "end", unit="share"),
    Outcome("blockaded_towns", "blockaded towns (end level)", ("blockaded_towns",), "end",
            unit="towns"),
    Outcome("displaced_end", "displaced people (end level)", ("displaced",), "end"),
)

PANELS = (
    Panel("civilians killed by militias (cumulative)", ("civilian_deaths_by_militia",), True),
    Panel("civilians killed, all perpetrators (cumulative)", common.CIVILIAN_DEATHS, True),
    Panel("recruits (cumulative)", ("recruits",), True),
    Panel("insurgent fighters", ("insurgent_fighters",)),
    Panel("share of territory outside state control", ("territory_share_outside_state_control",)),
    Panel("displaced people (millions)", ("displaced",), scale=1e-6),
)


SPEC = common.ExperimentSpec(
    name="mobilisation_alliance", doc=__doc__,
    arms=("baseline", "popular_mobilisation", "regional_alliance"),
    outcomes=OUTCOMES, panels=PANELS,
    effects_title="Popular mobilisation and regional alliance minus baseline",
    figure_title="Baseline vs popular mobilisation vs regional alliance")


def main(argv: list[str] | None = None) -> None:
    common.run(SPEC, argv)


if __name__ == "__main__":
    main()
