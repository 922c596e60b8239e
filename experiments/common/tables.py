"""Tables: number formatting, Markdown tables, the effects table (CSV and Markdown)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .experiment import Experiment


def fmt(x, digits: int = 3) -> str:
    if isinstance(x, (int, np.integer)):
        return f"{int(x):,}"
    if isinstance(x, (float, np.floating)):
        if not np.isfinite(x):
            return "n/a"
        if x == 0:
            return "0"
        if abs(x) >= 1000:
            return f"{x:,.0f}"
        return f"{x:.{digits}g}"
    return str(x)


def fmt_interval(estimate, low, high) -> str:
    """``estimate [low, high]``, each as :func:`fmt` writes it."""
    return f"{fmt(estimate)} [{fmt(low)}, {fmt(high)}]"


def fmt_intervals(estimates, lows, highs) -> list[str]:
    """:func:`fmt_interval` element by element (columns of equal length)."""
    return [fmt_interval(e, lo, hi) for e, lo, hi in zip(estimates, lows, highs, strict=True)]


def fmt_relative(v: float) -> str:
    """A relative effect as a signed percentage (``n/a`` when not finite)."""
    return "n/a" if not np.isfinite(v) else f"{v:+.0%}"


def markdown_table(df: pd.DataFrame, title: str = "", note: str = "",
                   columns: Sequence[str] | None = None) -> str:
    cols = list(columns or df.columns)
    lines = []
    if title:
        lines += [f"**{title}**", ""]
    lines.append("| " + " | ".join(cols) + " |")
    lines.append("|" + "|".join("---" for _ in cols) + "|")
    for _, row in df[cols].iterrows():
        lines.append("| " + " | ".join(fmt(row[c]) for c in cols) + " |")
    if note:
        lines += ["", note]
    return "\n".join(lines) + "\n"


def effects_markdown(effects: pd.DataFrame, title: str = "", note: str = "") -> str:
    """A compact effects table: outcome, arm, reference mean, effect [95 % CI], relative, share."""
    view = pd.DataFrame({
        "outcome": effects["description"],
        "arm": effects["arm"],
        "reference (mean)": effects["reference_mean"].map(fmt),
        "arm (mean)": effects["arm_mean"].map(fmt),
        "effect [95 % CI]": fmt_intervals(effects["effect"], effects["ci95_low"],
                                          effects["ci95_high"]),
        "relative": effects["relative_effect"].map(fmt_relative),
        "seeds arm > ref": effects["share_arm_higher"].map(lambda v: f"{v:.0%}"),
    })
    return markdown_table(view, title=title, note=note)


def write_effects(exp: Experiment, effects: pd.DataFrame, stem: str = "effects",
                  title: str = "", note: str = "") -> None:
    effects.to_csv(exp.path(f"{stem}.csv"), index=False, float_format="%.10g")
    n = int(effects["n_pairs"].min()) if len(effects) else 0
    note = (note + " " if note else "") + (
        f"Paired by seed ({n} seeds per arm, common random numbers); effect = mean of "
        "(arm - reference); 95 % CI paired t. Window "
        f"{exp.start} to {exp.end}; `end` levels are means over the last {exp.tail_days} days.")
    exp.path(f"{stem}.md").write_text(effects_markdown(effects, title=title, note=note))




def pipe_table(df: pd.DataFrame, index: bool = False) -> str:
    """A bare pipe table (no title, no trailing newline); floats to 3 significant figures."""
    if index:
        df = df.reset_index()

    def cell(v):
        if isinstance(v, float | np.floating):
            return f"{v:.3g}"
        return str(v)

    rows = ["| " + " | ".join(map(str, df.columns)) + " |", "|" + "---|" * len(df.columns)]
    rows += ["| " + " | ".join(cell(v) for v in r) + " |" for r in df.itertuples(index=False)]
    return "\n".join(rows)
