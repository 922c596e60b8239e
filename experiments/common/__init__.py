"""Shared machinery of the experiments: command line, sweeps, loading, paired effects, figures.

A scenario experiment (arms compared against a reference) *declares* what it compares and
hands that to the shared runner::

    SPEC = common.ExperimentSpec(name="gloves_off", doc=__doc__,
                                 arms=("baseline", "take_the_gloves_off"),
                                 outcomes=OUTCOMES, panels=PANELS, ...)
    def main(argv=None):
        common.run(SPEC, argv)

and :func:`common.runner.run` does the same steps for each of them::

    args = common.parser(...).parse_args()
    exp = common.Experiment("gloves_off", args, ...)        # sizes, output folder, manifest
    sweep = exp.sweep("main", {"scenario": [...]})          # python -m sim -m ... (Hydra multirun)
    per_run = common.per_run_outcomes(exp, sweep, outcomes, ["scenario", "seed"])
    effects = paired_effects(per_run, "scenario", "baseline", outcomes)  # arm minus reference
    write_effects(exp, effects); band_figure(...); exp.finish()

Experiments with an analysis of their own (accuracy_effectiveness, history, sensitivity) use
the same pieces directly. The modules, by concern:

* :mod:`common.cli`: the command line every experiment shares, sizes and windows;
* :mod:`common.experiment`: :class:`Experiment` (output folder, sweeps, manifest);
* :mod:`common.data`: reading the merged time series and event logs of a sweep;
* :mod:`common.effects`: outcomes per run and paired effects;
* :mod:`common.tables`: CSV and Markdown tables;
* :mod:`common.figures`: band, difference and forest figures;
* :mod:`common.runner`: :class:`ExperimentSpec` and :func:`run`.

Design choices, stated once:

* **Runs go through Hydra's multirun** (``python -m sim -m``) in a subprocess, with
  ``hydra.sweep.dir`` under the experiment's output folder, so ``--launcher slurm`` sends the
  very same sweep to Slurm (``hydra/launcher=slurm``). The sweep is merged with
  :func:`sim.aggregate.aggregate` (streamed, run by run); only the metrics an experiment needs are
  read back (Parquet filters).
* **Common random numbers.** Every arm runs the same seeds (1..N), and the model draws each
  mechanism's randomness from its own named stream, so an arm and its reference share their
  chance events until their mechanisms diverge. Effects are therefore **paired**: for each
  seed, arm minus reference.
* **Confidence intervals are t-based**: mean of the paired differences
  +/- t(0.975, n-1) * sd / sqrt(n) (a paired t interval; ``p_value`` is the paired t-test).
  With 20 pairs this is close to a bootstrap percentile interval unless the differences are very
  skewed; the share of seeds in which the arm exceeds the reference is reported beside it.
* **Outcomes** are scalars per run: a *flow* (recruits, losses, deaths, leaders killed; the
  model records them per day) is summed over the window; a *stock* (fighters, displaced, control
  shares, blockades) is its mean over the last ``tail_days`` of the window ("end level"),
  which damps day-to-day noise; ``change`` is that end level minus the level on the first day.
* **Bands** in figures: the median over seeds with the 10-90 % range, per arm and date; flows are
  shown cumulated from the start of the run.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # `sim` importable when a script is run from anywhere

import matplotlib  # noqa: E402

matplotlib.use("Agg")

from .cli import (  # noqa: E402
    DEFAULT_OUT,
    PEOPLE_PER_AGENT,
    QUIET,
    SMALL_DAYS,
    SMALL_MAP,
    SMALL_SEEDS,
    parser,
)
from .data import events_summary, load_events, load_series, wide  # noqa: E402
from .effects import (  # noqa: E402
    CIVILIAN_DEATHS,
    EFFECT_COLUMNS,
    FLOWS,
    Outcome,
    outcomes_per_run,
    paired_ci,
    paired_effects,
)
from .experiment import Experiment, SweepRecord, git_dirty, git_revision  # noqa: E402
from .figures import (  # noqa: E402
    COLORS,
    Panel,
    band_figure,
    difference_figure,
    effects_figure,
    plt,
    scenario_loader,
)
from .runner import ExperimentSpec, Figure, Table, per_run_outcomes, run  # noqa: E402
from .tables import (  # noqa: E402
    effects_markdown,
    fmt,
    fmt_interval,
    fmt_intervals,
    fmt_relative,
    markdown_table,
    write_effects,
)

__all__ = [
    "CIVILIAN_DEATHS", "COLORS", "DEFAULT_OUT", "EFFECT_COLUMNS", "FLOWS", "PEOPLE_PER_AGENT",
    "QUIET", "ROOT", "SMALL_DAYS", "SMALL_MAP", "SMALL_SEEDS", "Experiment", "ExperimentSpec",
    "Figure", "Outcome", "Panel", "SweepRecord", "Table", "band_figure", "difference_figure",
    "effects_figure", "effects_markdown", "events_summary", "fmt", "fmt_interval",
    "fmt_intervals", "fmt_relative", "git_dirty", "git_revision", "load_events", "load_series",
    "markdown_table", "outcomes_per_run", "paired_ci", "paired_effects", "parser",
    "per_run_outcomes", "plt", "run", "scenario_loader", "wide", "write_effects",
]
