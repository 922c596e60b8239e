"""Figures: bands over seeds per arm, paired differences over time, forest plots of effects.

Bands: the median over seeds with the 10-90 % range, per arm and date; flows are shown
cumulated from the start of the run.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker as mticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.output.metrics import FLOW, METRIC_BY_NAME  # noqa: E402

if TYPE_CHECKING:
    from .experiment import Experiment

COLORS = ["#444444", "#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]


@dataclass(frozen=True)
class Panel:
    """One panel of a band figure: metrics summed, optionally cumulated (flows)."""

    title: str
    metrics: tuple[str, ...]
    cumulative: bool = False
    scale: float = 1.0  # e.g. 1e-3 for thousands
    ylabel: str = ""
    country: str = "all"
    faction: str = "all"

    def __post_init__(self) -> None:
        """Only flows are cumulated (the metric registry says which metrics are flows)."""
        kinds = {METRIC_BY_NAME[m].kind for m in self.metrics}
        if self.cumulative and kinds != {FLOW}:
            raise ValueError(f"panel {self.title!r}: only flows can be cumulated, not {sorted(self.metrics)}")
        if len(kinds) > 1:
            raise ValueError(f"panel {self.title!r} adds flows and stocks: {sorted(self.metrics)}")


def band_figure(load: Callable[[Panel], pd.DataFrame], panels: Sequence[Panel], arm_col: str,
                arms: Sequence[str], path: Path, title: str = "", ncols: int = 3,
                vlines: Sequence[tuple[str, str]] = (), labels: dict | None = None) -> None:
    """Median and 10-90 % band over seeds, per arm, for each panel.

    ``load(panel)`` returns long rows (``run``, ``arm_col``, ``date``, ``metric``, ``value``).
    ``vlines``: (date, label) marks, e.g. a partner's exit.
    """
    def draw(ax, panel: Panel, df: pd.DataFrame) -> None:
        for i, arm in enumerate(arms):
            sub = df[df[arm_col] == arm]
            if sub.empty:
                continue
            w = sub.pivot_table(index="date", columns="run", values="value", aggfunc="sum")
            w = w.sort_index()
            if panel.cumulative:
                w = w.cumsum()
            _band(ax, w * panel.scale, COLORS[i % len(COLORS)], (labels or {}).get(arm, arm))

    _panel_grid(load, panels, draw, path, title=title, ncols=ncols, vlines=vlines,
                ylabels=True, legend_cols=len(arms),
                note="lines: median over seeds; bands: 10-90 %")


def difference_figure(load: Callable[[Panel], pd.DataFrame], panels: Sequence[Panel],
                      arm_col: str, reference: str, arms: Sequence[str], path: Path,
                      title: str = "", ncols: int = 3,
                      vlines: Sequence[tuple[str, str]] = ()) -> None:
    """Paired differences over time: for each seed, arm minus reference; median and 10-90 %."""
    def draw(ax, panel: Panel, df: pd.DataFrame) -> None:
        w = df.pivot_table(index="date", columns=[arm_col, "seed"], values="value",
                           aggfunc="sum").sort_index()
        if panel.cumulative:
            w = w.cumsum()
        ref = w[reference]
        for i, arm in enumerate(a for a in arms if a != reference):
            d = (w[arm] - ref[w[arm].columns]) * panel.scale
            _band(ax, d, COLORS[(i + 1) % len(COLORS)], f"{arm} - {reference}")
        ax.axhline(0, color="k", lw=0.8)

    _panel_grid(load, panels, draw, path, title=title, ncols=ncols, vlines=vlines,
                ylabels=False, legend_cols=max(1, len(arms) - 1),
                note="paired by seed; lines: median difference; bands: 10-90 %")


def _band(ax, w: pd.DataFrame, color: str, label: str) -> None:
    """Median line and 10-90 % band across the columns of a date x run table."""
    q = w.quantile([0.1, 0.5, 0.9], axis=1).T
    ax.fill_between(q.index, q[0.1], q[0.9], color=color, alpha=0.18, lw=0)
    ax.plot(q.index, q[0.5], color=color, lw=1.6, label=label)


def _panel_grid(load: Callable[[Panel], pd.DataFrame], panels: Sequence[Panel],
                draw: Callable, path: Path, *, title: str, ncols: int,
                vlines: Sequence[tuple[str, str]], ylabels: bool, legend_cols: int,
                note: str) -> None:
    """A grid of time-series panels, one per :class:`Panel`: ``draw(ax, panel, rows)`` draws
    its lines; then the date marks, titles, one legend for all, the note, and the file."""
    nrows = math.ceil(len(panels) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, 3.3 * nrows), squeeze=False,
                             sharex=True)
    for ax, panel in zip(axes.flat, panels, strict=False):
        df = load(panel)
        draw(ax, panel, df[df["metric"].isin(panel.metrics)])
        for day, text in vlines:
            ax.axvline(pd.Timestamp(day), color="k", ls=":", lw=1)
            ax.text(pd.Timestamp(day), ax.get_ylim()[1], f" {text}", va="top", ha="left",
                    fontsize=7)
        ax.set_title(panel.title, fontsize=10)
        if ylabels:
            ax.set_ylabel(panel.ylabel, fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    handles, lab = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, lab, loc="lower center", ncol=legend_cols, fontsize=9, frameon=False)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.text(0.99, 0.005, note, ha="right", fontsize=7, color="#555555")
    fig.autofmt_xdate()
    fig.tight_layout(rect=(0, 0.05, 1, 0.96 if title else 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def effects_figure(effects: pd.DataFrame, path: Path, title: str = "",
                   relative: bool = True) -> None:
    """Forest plot of effects with 95 % CIs (relative to the reference mean when asked)."""
    df = effects.copy()
    if relative:
        scale = df["reference_mean"].abs().replace(0, np.nan)
        for c in ("effect", "ci95_low", "ci95_high"):
            df[c] = df[c] / scale
    arms = list(dict.fromkeys(df["arm"]))
    outs = list(dict.fromkeys(df["description"]))
    fig, ax = plt.subplots(figsize=(7.5, 0.32 * len(outs) * len(arms) + 1.2))
    y = 0
    ticks, names, labelled = [], [], set()
    for o in outs:
        for i, arm in enumerate(arms):
            r = df[(df["description"] == o) & (df["arm"] == arm)]
            if r.empty or not np.isfinite(r["effect"].iloc[0]):
                continue
            r = r.iloc[0]
            c = COLORS[(i + 1) % len(COLORS)]
            ax.plot([r["ci95_low"], r["ci95_high"]], [y, y], color=c, lw=2)
            ax.plot(r["effect"], y, "o", color=c, label=None if arm in labelled else arm)
            labelled.add(arm)
            ticks.append(y)
            names.append(o if len(arms) == 1 else f"{o} ({arm})")
            y -= 1
        y -= 0.5
    ax.axvline(0, color="k", lw=0.8)
    ax.set_yticks(ticks, names, fontsize=7)
    ax.set_xlabel("effect relative to the reference mean (95 % CI)" if relative
                  else "effect (95 % CI)")
    if relative:
        ax.xaxis.set_major_formatter(mticker.PercentFormatter(1.0))
    ax.grid(axis="x", alpha=0.3)
    if len(arms) > 1:
        ax.legend(fontsize=8, loc="best")
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def scenario_loader(exp: Experiment, sweep: Path) -> Callable[[Panel], pd.DataFrame]:
    """A ``load(panel)`` for :func:`band_figure` over one sweep (cached per breakdown)."""
    cache: dict[tuple, pd.DataFrame] = {}

    def load(panel: Panel) -> pd.DataFrame:
        key = (panel.metrics, panel.country, panel.faction)
        if key not in cache:
            cache[key] = exp.load(sweep, panel.metrics, country=panel.country,
                                  faction=panel.faction)
        return cache[key]

    return load
