"""Outcomes per run and the paired effects of arms against a reference.

Outcomes are scalars per run: a *flow* is summed over the window, a *stock* is its mean over
the last ``tail_days`` ("end level"); effects are paired by seed (common random numbers) with
a paired t confidence interval (see the package docstring).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.output.metrics import FLOW, METRIC_BY_NAME

FLOWS = tuple(m for m, spec in METRIC_BY_NAME.items() if spec.kind == FLOW)
"""The registry's flows (``sim.output.metrics``): what an outcome may sum over a window."""
HOWS = {"total": "flow", "end": "stock", "change": "stock", "mean": "stock"}
CIVILIAN_DEATHS = ("civilian_deaths_by_state", "civilian_deaths_by_partner",
                   "civilian_deaths_by_militia", "civilian_deaths_by_insurgents")
EFFECT_COLUMNS = ["outcome", "description", "unit", "arm", "reference", "n_pairs",
                  "reference_mean", "arm_mean", "effect", "ci95_low", "ci95_high",
                  "relative_effect", "share_arm_higher", "p_value"]


@dataclass(frozen=True)
class Outcome:
    """A scalar per run, from one or more metrics (summed) over a window.

    ``how``: ``total`` (sum of a flow over the window), ``end`` (mean level over the last
    ``tail_days`` of the window), ``change`` (end level minus the first day's level), ``mean``
    (mean level over the window).
    """

    key: str
    description: str
    metrics: tuple[str, ...]
    how: str
    unit: str = "people"
    start: str | None = None
    end: str | None = None

    def __post_init__(self) -> None:
        """Sum flows, take levels of stocks: the metric registry says which each metric is."""
        if self.how not in HOWS:
            raise ValueError(f"outcome {self.key!r}: how={self.how!r} is not one of {sorted(HOWS)}")
        for m in self.metrics:
            if m not in METRIC_BY_NAME:
                raise ValueError(f"outcome {self.key!r}: {m!r} is not a registered metric")
            if METRIC_BY_NAME[m].kind != HOWS[self.how]:
                raise ValueError(f"outcome {self.key!r}: how={self.how!r} needs a {HOWS[self.how]}, "
                                 f"and {m!r} is a {METRIC_BY_NAME[m].kind}")

    def value(self, series: pd.Series, tail_days: int) -> float:
        s = series
        if self.start:
            s = s[s.index >= pd.Timestamp(self.start)]
        if self.end:
            s = s[s.index < pd.Timestamp(self.end)]
        if s.empty:
            return float("nan")
        if self.how == "total":
            return float(s.sum())
        if self.how == "mean":
            return float(s.mean())
        end = float(s[s.index > s.index[-1] - pd.Timedelta(days=tail_days)].mean())
        if self.how == "end":
            return end
        if self.how == "change":
            return end - float(s.iloc[0])
        raise ValueError(f"unknown outcome kind {self.how!r}")


def outcomes_per_run(ts: pd.DataFrame, outcomes: Sequence[Outcome], keys: Sequence[str],
                     tail_days: int) -> pd.DataFrame:
    """One row per run (identified by ``keys``, e.g. scenario and seed), one column per outcome."""
    keys = list(keys)
    rows = []
    for ident, g in ts.groupby(keys, sort=True):
        ident = ident if isinstance(ident, tuple) else (ident,)
        by_metric = {m: s.set_index("date")["value"].sort_index() for m, s in g.groupby("metric")}
        row = dict(zip(keys, ident, strict=True))
        for o in outcomes:
            series = sum(by_metric[m] for m in o.metrics)
            row[o.key] = o.value(series, tail_days)
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- paired effects
def paired_ci(diff: np.ndarray, level: float = 0.95) -> tuple[float, float, float, float]:
    """Mean of paired differences, its t-based CI and the paired t-test p-value."""
    d = np.asarray(diff, dtype=float)
    n = d.size
    mean = float(d.mean())
    if n < 2:
        return mean, float("nan"), float("nan"), float("nan")
    sd = float(d.std(ddof=1))
    if sd == 0.0:
        return mean, mean, mean, 1.0 if mean == 0.0 else 0.0
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
    p = float(2 * stats.t.sf(abs(mean) / (sd / math.sqrt(n)), n - 1))
    return mean, mean - half, mean + half, p


def paired_effects(per_run: pd.DataFrame, arm_col: str, reference: str,
                   outcomes: Sequence[Outcome], pair_col: str = "seed",
                   arms: Sequence[str] | None = None) -> pd.DataFrame:
    """Effects of every arm against ``reference``, paired by ``pair_col`` (the seed).

    Columns: see ``EFFECT_COLUMNS``. ``relative_effect`` is effect / reference mean (NaN when
    the reference mean is 0); ``share_arm_higher`` is the share of pairs where arm > reference.
    """
    ref = per_run[per_run[arm_col] == reference].set_index(pair_col)
    arms = [a for a in (arms or sorted(per_run[arm_col].unique())) if a != reference]
    rows = []
    for o in outcomes:
        for arm in arms:
            cur = per_run[per_run[arm_col] == arm].set_index(pair_col)
            common = ref.index.intersection(cur.index).sort_values()
            r, a = ref.loc[common, o.key].to_numpy(float), cur.loc[common, o.key].to_numpy(float)
            ok = np.isfinite(r) & np.isfinite(a)
            r, a = r[ok], a[ok]
            mean, lo, hi, p = paired_ci(a - r)
            rm = float(r.mean())
            rows.append({
                "outcome": o.key, "description": o.description, "unit": o.unit, "arm": arm,
                "reference": reference, "n_pairs": int(r.size), "reference_mean": rm,
                "arm_mean": float(a.mean()), "effect": mean, "ci95_low": lo, "ci95_high": hi,
                "relative_effect": mean / rm if rm != 0 else float("nan"),
                "share_arm_higher": float((a > r).mean()), "p_value": p,
            })
    return pd.DataFrame(rows, columns=EFFECT_COLUMNS)

