"""Resolution study: do the model's outcomes depend on the initial group size?

The baseline over 2020-2025 with 10 seeds at initial group sizes (``people_per_agent``) of 100,
250, 1,000 and 4,000 people. For each size: the mean and 95 % CI (t-based, over seeds) of end
fighters, recruits, civilian deaths by perpetrator and end displaced, and each size's mean
relative to the finest size's, with a paired 95 % CI (same seeds). The recommended default is
the coarsest size whose every outcome agrees with the finest size's: the paired CI of the
difference contains 0, and the difference is within 5 % wherever the study can resolve 5 %
(the CI's half-width is at most 5 % of the finest size's mean). An outcome too noisy to
resolve 5 % at this number of seeds is held to the CI alone, and ``default.md`` names it, with
the size that the strict reading (within 5 % for every outcome) would give.

    python experiments/resolution.py                 # full size (40 runs)
    python experiments/resolution.py --small         # test size
"""

from __future__ import annotations

import math

import common
import numpy as np
import pandas as pd
from common import Outcome, Panel

NAME = "resolution"
SIZES = (100, 250, 1000, 4000)
SMALL_SIZES = (10, 50, 200)
TOLERANCE = 0.05  # agreement with the finest size: within 5 % (and within the CI)

OUTCOMES = (
    Outcome("fighters_end", "insurgent fighters (end level)", ("insurgent_fighters",), "end"),
    Outcome("recruits", "recruits (total)", ("recruits",), "total"),
    Outcome("civ_deaths_state", "civilians killed by state forces (total)", ("civilian_deaths_by_state",),
            "total"),
    Outcome("civ_deaths_partner", "civilians killed by partners (total)", ("civilian_deaths_by_partner",),
            "total"),
    Outcome("civ_deaths_militia", "civilians killed by militias (total)", ("civilian_deaths_by_militia",),
            "total"),
    Outcome("civ_deaths_insurgents", "civilians killed by insurgents (total)",
            ("civilian_deaths_by_insurgents",), "total"),
    Outcome("displaced_end", "displaced people (end level)", ("displaced",), "end"),
)
PANELS = (
    Panel("insurgent fighters", ("insurgent_fighters",)),
    Panel("recruits (cumulative)", ("recruits",), True),
    Panel("civilians killed, all perpetrators (cumulative)", common.CIVILIAN_DEATHS, True),
    Panel("displaced people (thousands)", ("displaced",), scale=1e-3),
)


def _ci(values: np.ndarray) -> tuple[float, float, float]:
    mean, low, high, _ = common.paired_ci(values)
    return mean, low, high


def level_table(per_run: pd.DataFrame, sizes: tuple[int, ...]) -> pd.DataFrame:
    """Per outcome and size: mean [95 % CI] over seeds, and the mean relative to the finest
    size with the paired 95 % CI of that difference."""
    finest = per_run[per_run.people_per_agent == sizes[0]].set_index("seed")
    rows = []
    for o in OUTCOMES:
        for size in sizes:
            runs = per_run[per_run.people_per_agent == size].set_index("seed")
            mean, low, high = _ci(runs[o.key].to_numpy())
            diff = (runs[o.key] - finest[o.key]).dropna().to_numpy()
            d_mean, d_low, d_high = _ci(diff)
            ref = float(finest[o.key].mean())
            rel = d_mean / ref if ref else float("nan")
            half = (d_high - d_low) / 2 / abs(ref) if ref else float("nan")
            finest_row = size == sizes[0]
            in_ci = finest_row or ref == 0 or d_low <= 0 <= d_high
            within = finest_row or ref == 0 or abs(rel) <= TOLERANCE
            resolves = finest_row or ref == 0 or half <= TOLERANCE
            rows.append({"outcome": o.key, "description": o.description, "people_per_group": size,
                         "n_seeds": len(runs), "mean": mean, "ci95_low": low, "ci95_high": high,
                         "minus_finest": d_mean, "diff_ci95_low": d_low, "diff_ci95_high": d_high,
                         "relative_to_finest": rel, "diff_ci95_halfwidth_relative": half,
                         "resolves_5pct": bool(resolves), "within_5pct": bool(within),
                         "agrees": bool(in_ci and (within or not resolves)),
                         "agrees_strict": bool(in_ci and within)})
    return pd.DataFrame(rows)


def choose_default(levels: pd.DataFrame, sizes: tuple[int, ...], column: str = "agrees") -> tuple[int, str]:
    """The coarsest size at which every outcome agrees with the finest (see the docstring), and
    the sizes that do not, with the outcomes on which they do not."""
    ok = levels.groupby("people_per_group")[column].all()
    best = max(s for s in sizes if ok.get(s, False))
    failing = {s: sorted(levels[(levels.people_per_group == s) & ~levels[column]].outcome)
               for s in sizes if not ok.get(s, False)}
    why = "; ".join(f"{s:,}: {', '.join(names)}" for s, names in failing.items()) or "none"
    return best, why


def default_note(levels: pd.DataFrame, sizes: tuple[int, ...]) -> tuple[int, str]:
    default, why = choose_default(levels, sizes)
    strict, strict_why = choose_default(levels, sizes, "agrees_strict")
    coarse = levels[levels.people_per_group != sizes[0]]
    noisy = sorted(set(coarse[~coarse.resolves_5pct].outcome))
    text = (f"Recommended initial group size: **{default:,} people**, the coarsest of "
            f"{', '.join(f'{s:,}' for s in sizes)} whose every outcome agrees with the finest size's: the "
            f"paired 95 % CI of the difference contains 0, and the difference is within {TOLERANCE:.0%} "
            f"wherever the study resolves {TOLERANCE:.0%}. Sizes that do not agree, and on what: {why}.\n\n"
            f"Outcomes whose paired CI is wider than ±{TOLERANCE:.0%} at some size (too noisy at "
            f"{int(levels.n_seeds.max())} seeds to show agreement within {TOLERANCE:.0%}, so held to the CI "
            f"alone): {', '.join(noisy) or 'none'}. Holding every outcome to {TOLERANCE:.0%} as well "
            f"(the strict reading) gives {strict:,} (failing: {strict_why}).\n")
    return default, text


def figure(per_run: pd.DataFrame, sizes: tuple[int, ...], path) -> None:
    plt = common.plt
    n = len(OUTCOMES)
    cols = 4
    fig, axes = plt.subplots(math.ceil(n / cols), cols, figsize=(3.2 * cols, 2.6 * math.ceil(n / cols)))
    for ax, o in zip(axes.flat, OUTCOMES, strict=False):
        means, lows, highs = [], [], []
        for size in sizes:
            m, lo, hi = _ci(per_run[per_run.people_per_agent == size][o.key].to_numpy())
            means.append(m), lows.append(lo), highs.append(hi)
        means, lows, highs = map(np.asarray, (means, lows, highs))
        ax.errorbar(sizes, means, yerr=[means - lows, highs - means], marker="o", capsize=3)
        ax.set_xscale("log")
        ax.set_xticks(sizes, [f"{s:,}" for s in sizes])
        ax.set_title(o.description, fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.supxlabel("initial group size (people per group)", fontsize=9)
    fig.suptitle("Outcomes by group size: mean and 95 % CI over seeds", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    args = common.parser(NAME, __doc__, years=5, start="2020-01-01", seeds=10).parse_args(argv)
    exp = common.Experiment(NAME, args)
    sizes = SMALL_SIZES if exp.small else SIZES
    sweep = exp.sweep("main", {"people_per_agent": sizes})
    per_run = common.per_run_outcomes(exp, sweep, OUTCOMES, keys=("people_per_agent", "seed"))
    per_run["people_per_agent"] = per_run["people_per_agent"].astype(int)
    exp.write_csv(per_run, "per_run.csv")
    levels = level_table(per_run, sizes)
    exp.write_table(levels, "levels", title="Outcomes by initial group size (mean and 95 % CI over seeds; "
                    "difference from the finest size with its paired 95 % CI)")
    default, text = default_note(levels, sizes)
    exp.path("default.md").write_text(text)
    figure(per_run, sizes, exp.path("figure.png"))
    exp.finish(sizes=list(sizes), default=default)


if __name__ == "__main__":
    main()
