"""The shared runner of the scenario experiments: arms against a reference, paired by seed.

An experiment *declares* an :class:`ExperimentSpec` (its arms, reference, outcomes, figure
panels, extra tables and figures, titles) and :func:`run` does the rest, always in the same
order:

1. the command line (:func:`common.parser`) and the :class:`~common.experiment.Experiment`
   (sizes, window, output folder); the window is checked against ``must_span``;
2. one sweep, ``main``: every arm (``scenario=...``) over the same seeds;
3. the outcomes per run (``per_run.csv``) and the event types per arm (``events.csv/.md``);
4. the paired effects of each arm against the reference (``effects.csv/.md``);
5. the experiment's own tables (``tables``), computed from the outcomes per run;
6. the band figure (``figure.png``), the paired-difference figure (``difference.png``, when
   ``difference_title`` is set), the experiment's own figures, the forest plot of the effects
   (``effects.png``);
7. the manifest (``manifest.json``: arms, reference and ``manifest`` beside the provenance).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .cli import parser
from .data import events_summary
from .effects import Outcome, outcomes_per_run, paired_effects
from .experiment import Experiment
from .figures import Panel, band_figure, difference_figure, effects_figure, scenario_loader
from .tables import write_effects

ARM_COLUMN = "scenario"  # the arms are scenarios (configs/scenario/<arm>.yaml)


@dataclass(frozen=True)
class Table:
    """An extra table ``<stem>.csv`` and ``<stem>.md``, built from the outcomes per run."""

    stem: str
    build: Callable[[pd.DataFrame], pd.DataFrame]
    title: str = ""
    note: str = ""


@dataclass(frozen=True)
class Figure:
    """An extra figure ``<name>``: ``draw(per_run, path)``."""

    name: str
    draw: Callable[[pd.DataFrame, Path], None]


@dataclass(frozen=True)
class ExperimentSpec:
    """What a scenario experiment compares, and how its outputs are titled."""

    name: str
    doc: str
    arms: tuple[str, ...]  # the reference among them, in the order of tables and figures
    outcomes: tuple[Outcome, ...]
    panels: tuple[Panel, ...]  # of figure.png (and difference.png)
    effects_title: str
    figure_title: str
    effects_figure_title: str = "Arm minus baseline (relative, 95 % CI)"
    reference: str = "baseline"
    effects_note: str = ""
    difference_title: str = ""  # set: also a paired-difference figure, difference.png
    marks: tuple[tuple[str, str], ...] = ()  # (date, label) on the time-series figures
    must_span: tuple[tuple[str, str], ...] = ()  # (date, what): the window must contain it
    small_start: str | None = None  # first day of the --small window
    tables: tuple[Table, ...] = ()
    figures: tuple[Figure, ...] = ()
    manifest: Mapping[str, object] = field(default_factory=dict)  # extra manifest entries

    def __post_init__(self) -> None:
        if self.reference not in self.arms:
            raise ValueError(f"{self.name}: reference {self.reference!r} is not an arm "
                             f"{list(self.arms)}")
        if len(set(self.arms)) != len(self.arms) or len(self.arms) < 2:
            raise ValueError(f"{self.name}: arms must be two or more distinct scenarios")
        keys = [o.key for o in self.outcomes]
        if not keys or len(set(keys)) != len(keys):
            raise ValueError(f"{self.name}: outcome keys must be present and distinct: {keys}")

    @property
    def metrics(self) -> list[str]:
        return metrics_of(self.outcomes)


def metrics_of(outcomes: Sequence[Outcome]) -> list[str]:
    """The metrics the outcomes read, sorted."""
    return sorted({m for o in outcomes for m in o.metrics})


def per_run_outcomes(exp: Experiment, sweep: Path, outcomes: Sequence[Outcome],
                     keys: Sequence[str] = (ARM_COLUMN, "seed")) -> pd.DataFrame:
    """Load the metrics the outcomes need from a sweep and reduce them to one row per run."""
    return outcomes_per_run(exp.load(sweep, metrics_of(outcomes)), outcomes, list(keys),
                            exp.tail_days)


def check_window(exp: Experiment, must_span: Sequence[tuple[str, str]]) -> None:
    for day, what in must_span:
        if not exp.start < day < exp.end:
            raise SystemExit(f"error: the window {exp.start}..{exp.end} must span {what} {day}")


def run(spec: ExperimentSpec, argv: list[str] | None = None) -> Path:
    """Run a declared experiment end to end (see the module docstring); the manifest's path."""
    args = parser(spec.name, spec.doc).parse_args(argv)
    exp = Experiment(spec.name, args, small_start=spec.small_start)
    check_window(exp, spec.must_span)
    arms, ref = list(spec.arms), spec.reference
    sweep = exp.sweep("main", {ARM_COLUMN: arms})
    per_run = per_run_outcomes(exp, sweep, spec.outcomes)
    exp.write_csv(per_run, "per_run.csv")
    exp.write_table(events_summary(sweep, ARM_COLUMN, arms), "events",
                    title="Events by type: mean per run (from the ACLED-shaped event logs)")
    effects = paired_effects(per_run, ARM_COLUMN, ref, spec.outcomes, arms=arms)
    write_effects(exp, effects, title=spec.effects_title, note=spec.effects_note)
    for table in spec.tables:
        exp.write_table(table.build(per_run), table.stem, title=table.title, note=table.note)
    load = scenario_loader(exp, sweep)
    band_figure(load, spec.panels, ARM_COLUMN, arms, exp.path("figure.png"),
                title=spec.figure_title, vlines=spec.marks)
    if spec.difference_title:
        difference_figure(load, spec.panels, ARM_COLUMN, ref, arms, exp.path("difference.png"),
                          title=spec.difference_title, vlines=spec.marks)
    for figure in spec.figures:
        figure.draw(per_run, exp.path(figure.name))
    effects_figure(effects, exp.path("effects.png"), title=spec.effects_figure_title)
    return exp.finish(arms=arms, reference=ref, **spec.manifest)
