"""Benchmark gate: our kernels' speed relative to this machine, and their exact work.

Fails when a workload is 1.30x slower than the committed ``benchmarks/baseline.json`` (relative
to a fixed reference workload timed in the same process), warns at 1.15x, and fails when the
deterministic work counters of a seeded run change. Refresh the baseline only on purpose:
``python benchmarks/gate.py --refresh`` (``make bench-baseline``).
"""

from __future__ import annotations

import importlib.util
import pathlib
import sys
import warnings

_GATE = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "gate.py"


def _load_gate():
    if "benchmarks_gate" in sys.modules:
        return sys.modules["benchmarks_gate"]
    spec = importlib.util.spec_from_file_location("benchmarks_gate", _GATE)
    module = importlib.util.module_from_spec(spec)
    sys.modules["benchmarks_gate"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_benchmark_gate():
    gate = _load_gate()
    report = gate.check()
    for message in report.warnings:
        warnings.warn(message, stacklevel=1)
    assert not report.failures, report.table() + "\n" + "\n".join(report.failures)
    assert {r["workload"] for r in report.rows} == set(gate.WORKLOADS) | set(gate.SAHEL_WORKLOADS)
    # The gate's own budget. Compiling the Epstein kernels on a cold numba cache (about 50 s on
    # 2 cores, shared with tests/test_epstein*.py) is timed apart, in report.warm_up_seconds.
    assert report.gate_seconds < 60, f"gate took {report.gate_seconds:.1f} s"


def test_gate_warns_at_115_fails_at_130_and_on_changed_work():
    gate = _load_gate()
    baseline = gate.load_baseline()
    name = next(iter(baseline["ratios"]))
    base_ratio = baseline["ratios"][name]["ratio"]
    counters = baseline["work"]

    def judged(slowdown, work=counters):
        ratios = {name: {"ratio": base_ratio * slowdown, "seconds": 1.0}}
        return gate.compare(baseline, ratios, work)

    assert not judged(1.10).failures and not judged(1.10).warnings
    assert judged(1.20).warnings and not judged(1.20).failures
    assert judged(1.35).failures
    changed = {k: dict(v) for k, v in counters.items()}
    first = next(iter(changed))
    changed[first]["arrests"] += 1
    assert judged(1.0, changed).failures


def test_a_sahel_step_slowed_by_half_fails_the_gate():
    """The test-only hook sleeps half the Sahel stepping's own time: 1.5x, past the 1.30x fail."""
    gate = _load_gate()
    baseline = gate.load_baseline()
    gate.warm_up()
    names = tuple(gate.SAHEL_WORKLOADS)
    slowed = gate.compare(baseline, gate.measure_ratios(rounds=5, names=names, sahel_slowdown=1.5), {})
    assert any(f.startswith(names[0]) and "slower than baseline" in f for f in slowed.failures), slowed.table()


def test_the_sahel_summary_changes_with_the_seed_and_not_otherwise():
    gate = _load_gate()
    name, (_, days) = next(iter(gate.SAHEL_WORKLOADS.items()))
    first = gate.sahel_summary(name, 10)
    assert gate.sahel_summary(name, 10) == first
    seed, gate.SEED = gate.SEED, gate.SEED + 1
    try:
        assert gate.sahel_summary(name, 10)["timeseries_sha256"] != first["timeseries_sha256"]
    finally:
        gate.SEED = seed
