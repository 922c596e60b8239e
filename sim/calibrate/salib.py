"""A small bridge from a calibration problem to SALib (global sensitivity; issue 14 s.3).

``salib_problem(problem)`` gives SALib's problem dict over the same parameters and ranges as
the calibration (log-scale parameters are sampled in log10 space); ``values(problem, row)``
turns one row of a SALib sample back into schema values, ready for
:func:`sim.calibrate.study.evaluate`. The Morris and Sobol runs themselves are not done here.
"""

from __future__ import annotations

import math

import numpy as np

from sim.calibrate.space import Problem

__all__ = ["salib_problem", "values"]


def salib_problem(problem: Problem) -> dict:
    bounds = [[math.log10(p.lo), math.log10(p.hi)] if p.log else [p.lo, p.hi] for p in problem.params]
    return {"num_vars": len(problem.params), "names": [p.key for p in problem.params],
            "bounds": bounds}


def values(problem: Problem, row: np.ndarray) -> dict[str, float]:
    out: dict[str, float] = {}
    for p, x in zip(problem.params, np.asarray(row, float), strict=True):
        v = 10.0 ** x if p.log else float(x)
        v = min(max(v, p.lo), p.hi)
        out[p.key] = int(round(v)) if p.integer else v
    return out
