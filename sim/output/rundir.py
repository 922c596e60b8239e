"""A run directory: when it is complete, and reading it back with its schema checked.

A run writes ``timeseries.parquet``, ``events.parquet``, ``config.yaml`` (and ``dashboard.png``)
each atomically (:mod:`sim.output.atomic`), then **``summary.json`` last**. ``summary.json`` is
the completion marker: its ``completion`` block holds the hash of the run's resolved config,
the model, the size of every other file the run wrote and the time it finished. Before a run
writes anything it deletes an old ``summary.json`` (:func:`begin_run`), so a run killed at any
moment leaves a folder without a valid marker, which resume and ``sim.aggregate`` both treat as
incomplete.

:func:`run_status` says whether a folder is complete (and, given a config hash, complete *for
that config*). :func:`check_run` raises :class:`RunDirError` naming the file and the problem;
:func:`load_run` returns the validated tables. Schemas: the columns and types of
:data:`~sim.output.metrics.TIMESERIES_SCHEMA` and :data:`~sim.output.events.EVENT_SCHEMA`,
and metric names from the model's registry (:data:`~sim.output.metrics.MODEL_METRICS`).
Nothing here unpickles anything: Parquet, JSON and YAML only.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sim.output.atomic import remove_stale_temporaries
from sim.output.events import EVENT_SCHEMA
from sim.output.metrics import MODEL_METRICS, TIMESERIES_SCHEMA

__all__ = ["SUMMARY", "TIMESERIES", "EVENTS", "RunDirError", "RunStatus", "begin_run",
           "completion_record", "run_status", "check_run", "check_parquet", "load_run",
           "read_summary"]

SUMMARY, TIMESERIES, EVENTS, CONFIG = "summary.json", "timeseries.parquet", "events.parquet", "config.yaml"
COMPLETION = "completion"
SCHEMAS = {TIMESERIES: TIMESERIES_SCHEMA, EVENTS: EVENT_SCHEMA}


class RunDirError(Exception):
    """A file of a run directory is unreadable or does not match its schema."""

    def __init__(self, path: str | Path, problem: str):
        self.path, self.problem = Path(path), problem
        super().__init__(f"{path}: {problem}")


@dataclass(frozen=True)
class RunStatus:
    """``complete``: the marker is there, matches, and every file checks out. Otherwise
    ``reason`` says why not, and ``damaged`` is true when a marker claims completion but a file
    contradicts it (corruption, or a file changed after the run), rather than the run simply
    not having finished."""

    complete: bool
    reason: str = ""
    damaged: bool = False


def begin_run(run_dir: str | Path) -> Path:
    """Prepare ``run_dir`` for a (re)computation: remove the completion marker first, then
    temporary files that a killed writer left behind."""
    out = Path(run_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / SUMMARY).unlink(missing_ok=True)
    remove_stale_temporaries(out)
    return out


def completion_record(run_dir: str | Path, files: list[str], config_hash: str, model: str) -> dict[str, Any]:
    """The ``completion`` block of ``summary.json`` for ``files`` as they are now on disk."""
    out = Path(run_dir)
    return {"config_hash": config_hash, "model": model,
            "files": {name: (out / name).stat().st_size for name in files},
            "finished_at": round(time.time(), 3),
            "finished_at_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def read_summary(run_dir: str | Path) -> dict[str, Any] | None:
    """``summary.json`` as a dict (None if absent); :class:`RunDirError` if unreadable."""
    path = Path(run_dir) / SUMMARY
    if not path.is_file():
        return None
    try:
        summary = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise RunDirError(path, f"not readable JSON ({e})") from e
    if not isinstance(summary, dict):
        raise RunDirError(path, "not a JSON object")
    return summary


def _same_kind(have: pa.DataType, want: pa.DataType) -> bool:
    """Types that read back as the same kind of value (int32 vs int64, string vs large_string)."""
    for test in (pa.types.is_integer, pa.types.is_floating, pa.types.is_date, pa.types.is_boolean):
        if test(want):
            return test(have)
    if pa.types.is_string(want) or pa.types.is_large_string(want):
        return pa.types.is_string(have) or pa.types.is_large_string(have) or (
            pa.types.is_dictionary(have) and pa.types.is_string(have.value_type))
    return have.equals(want)


def check_parquet(path: str | Path, schema: pa.Schema, metrics: tuple[str, ...] | None = None) -> int:
    """Check that ``path`` is a readable Parquet file with every column of ``schema`` (of the
    same kind of type) and, if ``metrics`` is given, only those metric names. Returns the
    number of rows; raises :class:`RunDirError` naming the file and the problem."""
    path = Path(path)
    try:
        with pq.ParquetFile(path) as f:
            have = f.schema_arrow
            n_rows = f.metadata.num_rows
            missing = [c for c in schema.names if c not in have.names]
            if missing:
                raise RunDirError(path, f"missing column(s) {missing}; expected {schema.names}")
            for want in schema:
                got = have.field(want.name).type
                if not _same_kind(got, want.type):
                    raise RunDirError(path, f"column {want.name!r} has type {got}, expected {want.type}")
            if metrics is not None and n_rows:
                allowed = set(metrics)
                for batch in f.iter_batches(columns=["metric"], batch_size=1 << 16):
                    unknown = set(pc.unique(batch.column(0)).to_pylist()) - allowed
                    if unknown:
                        raise RunDirError(path, f"unknown metric name(s) {sorted(map(str, unknown))[:5]}: "
                                                f"not in the metric registry")
    except RunDirError:
        raise
    except (OSError, pa.ArrowException, ValueError) as e:
        raise RunDirError(path, f"cannot read Parquet file: {e}") from e
    return n_rows


def _check_files(out: Path, record: dict[str, Any]) -> None:
    files = record.get("files")
    if not isinstance(files, dict) or TIMESERIES not in files:
        raise RunDirError(out / SUMMARY, "completion record lists no files")
    model = record.get("model", "sahel")
    for name, size in files.items():
        path = out / name
        if not path.is_file():
            raise RunDirError(path, "missing, though summary.json lists it")
        if name in SCHEMAS:
            check_parquet(path, SCHEMAS[name], MODEL_METRICS.get(model) if name == TIMESERIES else None)
        actual = path.stat().st_size
        if actual != size:
            raise RunDirError(path, f"has {actual} bytes, summary.json recorded {size}: changed after the run")


def run_status(run_dir: str | Path, config_hash: str | None = None) -> RunStatus:
    """Is ``run_dir`` a complete run (for the config with ``config_hash``, if given)?"""
    out = Path(run_dir)
    try:
        summary = read_summary(out)
    except RunDirError as e:
        return RunStatus(False, str(e), damaged=True)
    if summary is None:
        return RunStatus(False, "no summary.json: the run did not finish")
    record = summary.get(COMPLETION)
    if not isinstance(record, dict):
        return RunStatus(False, "summary.json has no completion record (unfinished, or written by an older version)")
    if config_hash is not None and record.get("config_hash") != config_hash:
        return RunStatus(False, f"config changed (completed with {record.get('config_hash')}, now {config_hash})")
    try:
        _check_files(out, record)
    except RunDirError as e:
        return RunStatus(False, str(e), damaged=True)
    return RunStatus(True)


def check_run(run_dir: str | Path, config_hash: str | None = None) -> dict[str, Any]:
    """Raise :class:`RunDirError` unless ``run_dir`` is complete; return its summary."""
    out = Path(run_dir)
    summary = read_summary(out)
    if summary is None:
        raise RunDirError(out, "incomplete: no summary.json (the run did not finish)")
    record = summary.get(COMPLETION)
    if not isinstance(record, dict):
        raise RunDirError(out / SUMMARY, "incomplete: no completion record")
    if config_hash is not None and record.get("config_hash") != config_hash:
        raise RunDirError(out / SUMMARY, f"config hash {record.get('config_hash')} is not {config_hash}")
    _check_files(out, record)
    return summary


def load_run(run_dir: str | Path):
    """The validated ``(timeseries, events, summary)`` of a complete run (DataFrames, dict)."""
    out = Path(run_dir)
    summary = check_run(out)
    files = summary[COMPLETION]["files"]
    ts = pq.read_table(out / TIMESERIES).to_pandas()
    ev = pq.read_table(out / EVENTS).to_pandas() if EVENTS in files else EVENT_SCHEMA.empty_table().to_pandas()
    return ts, ev, summary
