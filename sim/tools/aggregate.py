"""Merge the runs of a sweep into three tables, streaming run by run.

    python -m sim.aggregate multirun/2026-01-31/12-00-00            # writes into that folder
    python -m sim.aggregate multirun/2026-01-31/12-00-00 --out merged/ts.parquet

A *run* is any folder under the sweep dir that holds a ``timeseries.parquet``, a
``summary.json`` or a ``.hydra/overrides.yaml`` (Hydra's ``<sweep dir>/<job num>/``, or deeper
for nested sweeps). Only **complete** runs are merged: ``summary.json`` carries a completion
record, written last, listing the run's files and their sizes (:mod:`sim.output.rundir`).
An incomplete run (killed, still running, or never finished) is skipped with a warning on
stderr, or refused with ``--strict`` (exit status 2); half a run is never merged. A run whose
completion record is contradicted by its files (a file missing, changed, unreadable, or not
matching its schema: columns, types, metric names from the registry) is an error naming the
file and the problem. Three files are written:

``timeseries_all.parquet``
    every run's ``timeseries.parquet``, with ``run`` (the run's path relative to the sweep dir,
    for Hydra's layout the job number) and one string column per override key found in any
    run's ``.hydra/overrides.yaml`` (``seed``, ``scenario``, ``map.width``, ...) put in front;
    a run that did not override a key has null there.
``events_all.parquet``
    every run's ``events.parquet`` the same way (written when at least one run has one).
``runs.parquet``
    one row per run: ``run``, ``overrides`` (the override list as given, space-separated),
    the override columns, and the fields of ``summary.json`` flattened to dotted names
    (``versions.numpy``); a field whose name is already a column is prefixed ``summary.``.

With ``--out FILE`` the time series goes to FILE and the other two files beside it.

Memory: only one record batch of one run is in memory at a time. A first, cheap pass reads
the override files, the summaries and just the footers of the Parquet files, to fix the
output schema (the union of the runs' columns, types widened where runs differ, e.g. int32
and int64); the second pass reads each run in batches, casts them to that schema and appends
them with ``ParquetWriter``. The files are written under temporary names and renamed only when
all are complete, so a failure leaves no partial output (and no mix of old and new).

Bad input (a missing dir, no complete runs, an unreadable or malformed Parquet, summary or
override file) raises
:class:`AggregateError` naming the path; on the command line that is one line on stderr and
exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from hydra.core.override_parser.overrides_parser import OverridesParser

from sim.output.atomic import OutputError, atomic_path
from sim.output.rundir import RunDirError, check_run, run_status

__all__ = ["aggregate", "find_runs", "read_overrides", "AggregateError", "main"]

TIMESERIES = "timeseries.parquet"
EVENTS = "events.parquet"
SUMMARY = "summary.json"
OVERRIDES = Path(".hydra") / "overrides.yaml"
BATCH_ROWS = 65_536
NOT_PARAMETERS = {"rerun"}  # overrides that steer python -m sim but do not change a run


class AggregateError(Exception):
    """Bad input to :func:`aggregate`; the message names the offending path."""


@dataclass(frozen=True)
class Run:
    """One run of a sweep: its folder, id (path relative to the sweep), overrides and summary."""

    dir: Path
    id: str
    overrides: dict[str, str] = field(default_factory=dict)
    raw_overrides: tuple[str, ...] = ()
    summary: dict[str, Any] = field(default_factory=dict)


def find_runs(sweep_dir: Path) -> list[Path]:
    """Every folder under ``sweep_dir`` (itself included) that looks like a run, complete or
    not (a ``timeseries.parquet``, ``summary.json`` or ``.hydra/overrides.yaml``), in natural
    order (``2`` before ``10``)."""
    dirs = {p.parent for name in (TIMESERIES, SUMMARY) for p in sweep_dir.rglob(name) if p.is_file()}
    dirs |= {p.parent.parent for p in sweep_dir.rglob(str(OVERRIDES)) if p.is_file()}
    dirs = {d for d in dirs if ".submitit" not in d.relative_to(sweep_dir).parts}
    return sorted(dirs, key=lambda d: _natural_key(d.relative_to(sweep_dir)))


def _natural_key(rel: Path) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in rel.parts)


def read_overrides(run_dir: Path) -> tuple[tuple[str, ...], dict[str, str]]:
    """The task overrides of a Hydra run, raw and as ``{key: value as a string}``.

    Parsed with Hydra's own override grammar: ``+x=1`` and ``++x=1`` give key ``x``;
    ``group@pkg=opt`` gives key ``group@pkg``; quoted strings lose their quotes; other values
    are kept as written (``[1,2]``, ``null``). Deletions (``~x``) are ignored. A run without
    ``.hydra/overrides.yaml`` has no overrides.
    """
    path = run_dir / OVERRIDES
    if not path.is_file():
        return (), {}
    try:
        raw = yaml.safe_load(path.read_text()) or []
        if not isinstance(raw, list) or not all(isinstance(o, str) for o in raw):
            raise ValueError("expected a YAML list of strings")
        parsed = OverridesParser.create().parse_overrides(raw)
    except Exception as e:  # yaml, Hydra grammar or shape errors
        raise AggregateError(f"cannot read overrides {path}: {e}") from e
    values: dict[str, str] = {}
    for o in parsed:
        if o.is_delete():
            continue
        key = o.key_or_group if o.package is None else f"{o.key_or_group}@{o.package}"
        if key in NOT_PARAMETERS:
            continue
        value = o.value()
        values[key] = value if isinstance(value, str) else o.get_value_element_as_str()
    return tuple(raw), values


def _read_schema(path: Path) -> pa.Schema:
    try:
        return pq.read_schema(path).remove_metadata()
    except Exception as e:
        raise AggregateError(f"cannot read Parquet file {path}: {e}") from e


def _unify(schemas: list[tuple[Path, pa.Schema]]) -> pa.Schema:
    """The union of the runs' columns, in first-seen order, types widened where they differ."""
    unified = schemas[0][1]
    for path, schema in schemas[1:]:
        try:
            unified = pa.unify_schemas([unified, schema], promote_options="permissive")
        except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
            raise AggregateError(f"columns of {path} do not match the other runs: {e}") from e
    return unified


def _key_columns(keys: list[str], data_columns: list[str]) -> dict[str, str]:
    """Override key -> output column name (``override.<key>`` if it collides with data)."""
    taken = set(data_columns) | {"run"}
    return {k: (f"override.{k}" if k in taken else k) for k in keys}


@dataclass(frozen=True)
class _Plan:
    """How one merged table is made: its sources and schemas, fixed before any data is read."""

    sources: list[tuple[Run, Path]]
    data_schema: pa.Schema  # the union of the runs' own columns
    schema: pa.Schema  # run + override columns + data columns


def _plan(runs: list[Run], name: str, keys: list[str]) -> _Plan | None:
    """The plan for merging every run's ``name`` file (None: no run has one). Reads only
    Parquet footers, so a corrupt file is found before anything is written."""
    sources = [(run, run.dir / name) for run in runs if (run.dir / name).is_file()]
    if not sources:
        return None
    data_schema = _unify([(path, _read_schema(path)) for _, path in sources])
    columns = _key_columns(keys, data_schema.names)
    schema = pa.schema(
        [pa.field("run", pa.string(), nullable=False)]
        + [pa.field(columns[k], pa.string()) for k in keys]
        + list(data_schema)
    )
    return _Plan(sources, data_schema, schema)


def _write_merged(plan: _Plan, keys: list[str], dest: Path) -> None:
    """Append every source to ``dest``, one record batch at a time."""
    with pq.ParquetWriter(dest, plan.schema) as writer:
        for run, path in plan.sources:
            for batch in _read_batches(path):
                writer.write_batch(_conform(batch, run, keys, plan, path))


def _read_batches(path: Path) -> Iterator[pa.RecordBatch]:
    try:
        with pq.ParquetFile(path) as f:
            yield from f.iter_batches(batch_size=BATCH_ROWS)
    except (OSError, pa.ArrowException) as e:
        raise AggregateError(f"cannot read Parquet file {path}: {e}") from e


def _conform(batch: pa.RecordBatch, run: Run, keys: list[str], plan: _Plan,
             path: Path) -> pa.RecordBatch:
    """``batch`` with the run and override columns in front, cast to the output schema."""
    n = batch.num_rows
    arrays: list[pa.Array] = [pa.repeat(pa.scalar(run.id, pa.string()), n)]
    for key in keys:
        value = run.overrides.get(key)
        arrays.append(pa.nulls(n, pa.string()) if value is None
                      else pa.repeat(pa.scalar(value, pa.string()), n))
    for f in plan.data_schema:
        idx = batch.schema.get_field_index(f.name)
        try:
            arrays.append(pa.nulls(n, f.type) if idx < 0 else batch.column(idx).cast(f.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
            raise AggregateError(f"column {f.name!r} of {path} cannot be cast to {f.type}: {e}") from e
    return pa.RecordBatch.from_arrays(arrays, schema=plan.schema)


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for k, v in d.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict):
            flat.update(_flatten(v, f"{name}."))
        elif isinstance(v, list):
            flat[name] = json.dumps(v)
        else:
            flat[name] = v
    return flat


def _column(values: list[Any]) -> pa.Array:
    """An Arrow column from Python values; mixed types fall back to strings."""
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return pa.array([None if v is None else str(v) for v in values], pa.string())


def _write_runs_table(runs: list[Run], keys: list[str], dest: Path) -> None:
    columns = _key_columns(keys, [])
    rows: list[dict[str, Any]] = []
    for run in runs:
        row: dict[str, Any] = {"run": run.id, "overrides": " ".join(run.raw_overrides)}
        row.update({columns[k]: run.overrides.get(k) for k in keys})
        summary = dict(run.summary)
        completion = summary.pop("completion", {})  # file sizes are bookkeeping, not results
        summary["finished_at_utc"] = completion.get("finished_at_utc")
        for name, value in _flatten(summary).items():
            row[f"summary.{name}" if name in row else name] = value
        rows.append(row)
    names = list(dict.fromkeys(name for row in rows for name in row))
    pq.write_table(pa.table({name: _column([row.get(name) for row in rows]) for name in names}),
                   dest)


def _scan(sweep: Path, strict: bool, warn: Callable[[str], None]) -> tuple[list[Run], list[Path]]:
    """First pass: the complete runs, with their overrides and summaries, checked against
    their schemas (footers and metric names only); and the incomplete run folders."""
    run_dirs = find_runs(sweep)
    if not run_dirs:
        raise AggregateError(f"no runs found under {sweep} (no folder holds a {TIMESERIES})")
    runs, incomplete = [], []
    for d in run_dirs:
        status = run_status(d)
        if not status.complete and not status.damaged:
            if strict:
                raise AggregateError(f"run {d} is incomplete: {status.reason} (--strict refuses it)")
            warn(f"sim.aggregate: warning: skipping incomplete run {d}: {status.reason}")
            incomplete.append(d)
            continue
        try:
            summary = check_run(d)
        except RunDirError as e:
            raise AggregateError(f"bad run file {e.path}: {e.problem}") from e
        raw, values = read_overrides(d)
        runs.append(Run(dir=d, id=d.relative_to(sweep).as_posix(), overrides=values,
                        raw_overrides=raw, summary=summary))
    if not runs:
        raise AggregateError(f"no complete runs under {sweep} ({len(incomplete)} incomplete)")
    return runs, incomplete


def _warn(message: str) -> None:
    print(message, file=sys.stderr)


def aggregate(sweep_dir: str | Path, out: str | Path | None = None, *, strict: bool = False,
              warn: Callable[[str], None] = _warn) -> Path:
    """Merge every complete run under ``sweep_dir``; return the path of the merged time series.

    Writes ``timeseries_all.parquet`` (or ``out``), and ``events_all.parquet`` and
    ``runs.parquet`` in the same folder. See the module docstring for the tables. Incomplete
    runs are skipped, each with a ``warn`` message, or refused with ``strict``.
    """
    sweep = Path(sweep_dir)
    if not sweep.is_dir():
        raise AggregateError(f"sweep dir {sweep} does not exist or is not a directory")
    ts_out = Path(out) if out is not None else sweep / "timeseries_all.parquet"
    if ts_out.is_dir():
        raise AggregateError(f"--out {ts_out} is a directory; give a file name")

    runs, _ = _scan(sweep, strict, warn)
    keys = list(dict.fromkeys(k for run in runs for k in run.overrides))
    ts_plan = _plan(runs, TIMESERIES, keys)
    assert ts_plan is not None  # every run has a time series: that is how runs are found
    ev_plan = _plan(runs, EVENTS, keys)
    jobs: list[tuple[Path, Callable[[Path], None]]] = [
        (ts_out, lambda dest: _write_merged(ts_plan, keys, dest)),
        (ts_out.parent / "runs.parquet", lambda dest: _write_runs_table(runs, keys, dest)),
    ]
    if ev_plan is not None:
        jobs.append((ts_out.parent / "events_all.parquet",
                     lambda dest: _write_merged(ev_plan, keys, dest)))

    # each file is written under a temporary name; all are renamed once all are complete
    # (nested atomic_path contexts: the renames happen only after the last write succeeded)
    try:
        ts_out.parent.mkdir(parents=True, exist_ok=True)
        _write_all(jobs)
    except OutputError as e:  # reading errors are AggregateErrors already: this is the output
        raise AggregateError(str(e)) from e
    except OSError as e:
        raise AggregateError(f"cannot write {e.filename or ts_out.parent}: {e.strerror or e}") from e
    return ts_out


def _write_all(jobs: list[tuple[Path, Callable[[Path], None]]]) -> None:
    if not jobs:
        return
    (final, write), rest = jobs[0], jobs[1:]
    with atomic_path(final) as tmp:
        write(tmp)
        _write_all(rest)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sim.aggregate",
        description="Merge the timeseries, events and summaries of every run of a sweep "
                    "into timeseries_all.parquet, events_all.parquet and runs.parquet.")
    parser.add_argument("sweep_dir", type=Path, help="a multirun folder, e.g. multirun/DATE/TIME")
    parser.add_argument("--out", type=Path, default=None,
                        help="merged time series file (default: SWEEP_DIR/timeseries_all.parquet);"
                             " events_all.parquet and runs.parquet go beside it")
    parser.add_argument("--strict", action="store_true",
                        help="refuse to merge when any run is incomplete (default: skip it with a warning)")
    args = parser.parse_args(argv)
    skipped: list[str] = []

    def warn(message: str) -> None:
        skipped.append(message)
        print(message, file=sys.stderr)

    try:
        ts_out = aggregate(args.sweep_dir, args.out, strict=args.strict, warn=warn)
    except AggregateError as e:
        print(f"sim.aggregate: error: {e}", file=sys.stderr)
        return 2
    n_runs = pq.read_table(ts_out.parent / "runs.parquet", columns=["run"]).num_rows
    n_rows = pq.ParquetFile(ts_out).metadata.num_rows
    print(f"merged {n_runs} runs, {n_rows} time-series rows -> {ts_out}"
          + (f" ({len(skipped)} incomplete runs skipped)" if skipped else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
