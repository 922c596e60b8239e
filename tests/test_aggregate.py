"""sim.aggregate: merging a sweep's runs into one table, run by run.

What a user relies on: every row of every run arrives once, unchanged, labelled with its run
and its overrides; a key a run did not override is null, not a guess; bad input stops with a
one-line error naming the file (exit 2); and the merge never holds the whole sweep in memory.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from sim.aggregate import AggregateError, aggregate
from sim.output.events import EVENT_SCHEMA
from sim.output.rundir import completion_record
from sim.tools import aggregate as agg

ROOT = Path(__file__).resolve().parents[1]

TS_SCHEMA = pa.schema([
    ("date", pa.date32()), ("step", pa.int32()), ("metric", pa.string()),
    ("country", pa.string()), ("community", pa.string()), ("faction", pa.string()),
    ("value", pa.float64()),
])
EV_SCHEMA = EVENT_SCHEMA


def timeseries(n_rows: int, seed: int, schema: pa.Schema = TS_SCHEMA) -> pa.Table:
    rng = np.random.default_rng(seed)
    step = np.arange(n_rows, dtype=np.int32) // 4
    return pa.table({
        "date": pa.array(np.datetime64("2020-01-01", "D") + step),
        "step": step,
        "metric": np.array(["population", "displaced", "pop_share_contested", "recruits"])[np.arange(n_rows) % 4],
        "country": np.array(["Mali", "Burkina Faso", "all"])[np.arange(n_rows) % 3],
        "community": ["all"] * n_rows,
        "faction": np.array(["JNIM", "ISGS", "all"])[rng.integers(0, 3, n_rows)],
        "value": rng.random(n_rows),
    }).cast(schema)


def events(n_rows: int, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    return pa.table({
        "event_id": np.arange(n_rows, dtype=np.int64) + 1000 * seed,
        "event_date": pa.array([dt.date(2020, 1, 1 + i % 28) for i in range(n_rows)], pa.date32()),
        "year": np.full(n_rows, 2020, np.int32),
        "event_type": ["Battles"] * n_rows, "sub_event_type": ["Armed clash"] * n_rows,
        "actor1": ["JNIM"] * n_rows, "actor2": ["Military Forces of Mali"] * n_rows,
        "country": ["Mali"] * n_rows, "location": ["Mopti"] * n_rows,
        "latitude": rng.uniform(10, 20, n_rows), "longitude": rng.uniform(-5, 5, n_rows),
        "fatalities": rng.integers(0, 9, n_rows).astype(np.int32),
        "civilian_fatalities": np.zeros(n_rows, np.int32),
    }).cast(EV_SCHEMA)


def make_run(run_dir: Path, overrides: list[str] | None, ts: pa.Table,
             ev: pa.Table | None = None, summary: dict | None = None, complete: bool = True) -> Path:
    """A run folder as `python -m sim` writes it (only the files sim.aggregate reads): the
    tables, then summary.json with its completion record (unless ``complete`` is false)."""
    run_dir.mkdir(parents=True)
    pq.write_table(ts, run_dir / "timeseries.parquet")
    files = ["timeseries.parquet"]
    if ev is not None:
        pq.write_table(ev, run_dir / "events.parquet")
        files.append("events.parquet")
    if complete:
        record = completion_record(run_dir, files, "h", "sahel")
        (run_dir / "summary.json").write_text(json.dumps({**(summary or {}), "completion": record}))
    if overrides is not None:
        (run_dir / ".hydra").mkdir()
        (run_dir / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
    return run_dir


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sim.aggregate", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def sweep(tmp_path: Path) -> Path:
    """Three runs: seeds 1-3; run 2 alone overrides the scenario; run 1 has no events file,
    run 2 an empty one."""
    s = tmp_path / "sweep"
    make_run(s / "0", ["seed=1", "map=synthetic"], timeseries(40, 1), events(5, 1),
             {"seed": 1, "fatalities": 12.5, "versions": {"numpy": "2.1", "mesa": "3.5"},
              "git_revision": "abc", "config_hash": "h1"})
    make_run(s / "1", ["seed=2", "map=synthetic"], timeseries(24, 2), None,
             {"seed": 2, "fatalities": 3.0, "versions": {"numpy": "2.1", "mesa": "3.5"},
              "git_revision": "abc", "config_hash": "h2"})
    make_run(s / "2", ["seed=3", "map=synthetic", "+scenario=wagner_exit"], timeseries(8, 3),
             events(0, 3), {"seed": 3, "fatalities": 0, "versions": {"numpy": "2.1"},
                            "git_revision": "abc", "config_hash": "h3"})
    (s / "multirun.yaml").write_text("hydra: {}\n")
    return s


def test_merges_every_row_once_with_run_and_override_columns(sweep: Path) -> None:
    out = aggregate(sweep)
    assert out == sweep / "timeseries_all.parquet"
    merged = pq.read_table(out)
    assert merged.num_rows == 40 + 24 + 8
    assert merged.column_names == ["run", "seed", "map", "scenario", *TS_SCHEMA.names]
    assert merged.schema.field("run").type == pa.string()
    assert merged.schema.field("seed").type == pa.string()
    for name in TS_SCHEMA.names:  # data columns keep their types
        assert merged.schema.field(name).type == TS_SCHEMA.field(name).type
    df = merged.to_pandas()
    assert df.groupby("run").size().to_dict() == {"0": 40, "1": 24, "2": 8}
    assert df.groupby("run")["seed"].unique().map(list).to_dict() == {
        "0": ["1"], "1": ["2"], "2": ["3"]}
    assert (df["map"] == "synthetic").all()
    # the scenario was overridden in run 2 only: null elsewhere, not "" and not a guess
    assert df.loc[df.run == "2", "scenario"].eq("wagner_exit").all()
    assert df.loc[df.run != "2", "scenario"].isna().all()


def test_values_arrive_unchanged(sweep: Path) -> None:
    merged = pq.read_table(aggregate(sweep))
    for run in ("0", "1", "2"):
        original = pq.read_table(sweep / run / "timeseries.parquet")
        mine = merged.filter(pa.compute.equal(merged["run"], run)).select(TS_SCHEMA.names)
        assert mine.equals(original)


def test_events_are_merged_the_same_way(sweep: Path) -> None:
    aggregate(sweep)
    ev = pq.read_table(sweep / "events_all.parquet")
    assert ev.num_rows == 5  # run 1 has no events file, run 2 an empty one
    assert ev.column_names == ["run", "seed", "map", "scenario", *EV_SCHEMA.names]
    assert set(ev["run"].to_pylist()) == {"0"}
    assert ev.select(EV_SCHEMA.names).equals(pq.read_table(sweep / "0" / "events.parquet"))


def test_runs_table_has_one_row_per_run_with_flattened_summary(sweep: Path) -> None:
    aggregate(sweep)
    runs = pq.read_table(sweep / "runs.parquet").to_pylist()
    assert [r["run"] for r in runs] == ["0", "1", "2"]
    assert [r["seed"] for r in runs] == ["1", "2", "3"]  # the override, as a string
    assert [r["summary.seed"] for r in runs] == [1, 2, 3]  # summary field renamed on clash
    assert [r["scenario"] for r in runs] == [None, None, "wagner_exit"]
    assert runs[2]["overrides"] == "seed=3 map=synthetic +scenario=wagner_exit"
    assert [r["fatalities"] for r in runs] == [12.5, 3.0, 0.0]
    assert [r["versions.numpy"] for r in runs] == ["2.1"] * 3
    assert [r["versions.mesa"] for r in runs] == ["3.5", "3.5", None]
    assert [r["config_hash"] for r in runs] == ["h1", "h2", "h3"]


def test_runs_are_ordered_naturally_and_nested_runs_are_found(tmp_path: Path) -> None:
    s = tmp_path / "sweep"
    for i in (10, 2, 0, 1):
        make_run(s / str(i), [f"seed={i}"], timeseries(3, i))
    make_run(s / "extra" / "7", None, timeseries(2, 7))  # no .hydra: no overrides
    merged = pq.read_table(aggregate(s))
    runs = list(dict.fromkeys(merged["run"].to_pylist()))
    assert runs == ["0", "1", "2", "10", "extra/7"]
    assert merged.filter(pa.compute.equal(merged["run"], "extra/7"))["seed"].null_count == 2


def test_differing_integer_widths_and_extra_columns_are_unified(tmp_path: Path) -> None:
    s = tmp_path / "sweep"
    make_run(s / "0", ["seed=1"], timeseries(4, 1))
    wide = TS_SCHEMA.set(TS_SCHEMA.get_field_index("step"), pa.field("step", pa.int64()))
    extra = timeseries(4, 2, wide).append_column("note", pa.array(["x"] * 4))
    make_run(s / "1", ["seed=2"], extra)
    merged = pq.read_table(aggregate(s))
    assert merged.schema.field("step").type == pa.int64()
    note = merged.to_pandas().groupby("run")["note"]
    assert note.apply(lambda c: c.isna().all()).to_dict() == {"0": True, "1": False}


@pytest.mark.parametrize(("damage", "problem"), [
    (lambda t: t.drop_columns(["community"]), "missing column(s) ['community']"),
    (lambda t: t.set_column(t.schema.get_field_index("value"), "value",
                            pa.array([str(v) for v in t["value"].to_pylist()])),
     "column 'value' has type string, expected double"),
    (lambda t: t.set_column(t.schema.get_field_index("metric"), "metric", pa.array(["fighterz"] * t.num_rows)),
     "unknown metric name(s) ['fighterz']"),
])
def test_a_run_file_off_its_schema_is_refused_naming_file_and_problem(tmp_path: Path, damage, problem) -> None:
    s = tmp_path / "sweep"
    make_run(s / "0", ["seed=1"], timeseries(4, 1))
    make_run(s / "1", ["seed=2"], damage(timeseries(4, 2)))
    with pytest.raises(AggregateError) as err:
        aggregate(s)
    assert str(s / "1" / "timeseries.parquet") in str(err.value)
    assert problem in str(err.value)
    r = run_cli(str(s))
    assert r.returncode == 2 and problem in r.stderr and "Traceback" not in r.stderr


def test_incomplete_runs_are_skipped_with_a_warning_or_refused_with_strict(tmp_path: Path) -> None:
    s = tmp_path / "sweep"
    make_run(s / "0", ["seed=1"], timeseries(4, 1))
    make_run(s / "1", ["seed=2"], timeseries(8, 2), complete=False)  # killed before its marker
    (s / "2" / ".hydra").mkdir(parents=True)  # killed before it wrote anything
    (s / "2" / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(["seed=3"]))
    warnings: list[str] = []
    merged = pq.read_table(aggregate(s, warn=warnings.append))
    assert set(merged["run"].to_pylist()) == {"0"}  # never half a run
    assert len(warnings) == 2 and all("incomplete" in w for w in warnings)
    assert str(s / "1") in warnings[0] and str(s / "2") in warnings[1]
    r = run_cli(str(s))
    assert r.returncode == 0 and "2 incomplete runs skipped" in r.stdout
    assert r.stderr.count("warning: skipping incomplete run") == 2
    before = (s / "timeseries_all.parquet").read_bytes()
    r = run_cli(str(s), "--strict")
    assert r.returncode == 2 and "incomplete" in r.stderr and str(s / "1") in r.stderr
    assert "Traceback" not in r.stderr
    assert (s / "timeseries_all.parquet").read_bytes() == before  # the old merge is untouched
    with pytest.raises(AggregateError, match="incomplete"):
        aggregate(s, strict=True)


def test_a_file_changed_after_the_run_is_an_error_not_a_merge(tmp_path: Path) -> None:
    s = tmp_path / "sweep"
    make_run(s / "0", ["seed=1"], timeseries(4, 1))
    pq.write_table(timeseries(40, 1), s / "0" / "timeseries.parquet")  # valid, but not the run's
    with pytest.raises(AggregateError, match="recorded .*changed after the run"):
        aggregate(s)


def test_override_syntax_is_parsed_by_hydra_rules(tmp_path: Path) -> None:
    s = tmp_path / "sweep"
    make_run(s / "0", ["++map.width=30", "name='a b'", "~foo", "start_date=2020-01-01",
                       "lst=[1,2]"], timeseries(2, 0))
    merged = pq.read_table(aggregate(s))
    assert merged.column_names[:5] == ["run", "map.width", "name", "start_date", "lst"]
    row = merged.slice(0, 1).to_pylist()[0]
    assert (row["map.width"], row["name"], row["start_date"], row["lst"]) == (
        "30", "a b", "2020-01-01", "[1,2]")


def test_override_named_like_a_data_column_gets_a_prefix(tmp_path: Path) -> None:
    s = tmp_path / "sweep"
    make_run(s / "0", ["value=3"], timeseries(2, 0))
    merged = pq.read_table(aggregate(s))
    assert "override.value" in merged.column_names
    assert merged["value"].type == pa.float64()


def test_cli_writes_beside_out_and_reports(sweep: Path, tmp_path: Path) -> None:
    out = tmp_path / "elsewhere" / "ts.parquet"
    r = run_cli(str(sweep), "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "merged 3 runs, 72 time-series rows" in r.stdout
    assert pq.read_metadata(out).num_rows == 72
    assert (out.parent / "events_all.parquet").is_file()
    assert (out.parent / "runs.parquet").is_file()
    assert not (sweep / "timeseries_all.parquet").exists()


@pytest.mark.parametrize("case", ["missing", "empty", "corrupt_ts", "corrupt_events",
                                  "bad_overrides", "bad_summary"])
def test_bad_input_exits_2_naming_the_path_without_traceback(case: str, sweep: Path,
                                                             tmp_path: Path) -> None:
    target = {
        "missing": tmp_path / "no_such_sweep",
        "empty": tmp_path / "empty",
        "corrupt_ts": sweep / "1" / "timeseries.parquet",
        "corrupt_events": sweep / "0" / "events.parquet",
        "bad_overrides": sweep / "2" / ".hydra" / "overrides.yaml",
        "bad_summary": sweep / "1" / "summary.json",
    }[case]
    if case == "empty":
        target.mkdir()
    elif case.startswith("corrupt"):
        target.write_bytes(b"PAR1 this is not a parquet file")
    elif case == "bad_overrides":
        target.write_text("[seed=1, {not: a string}]")
    elif case == "bad_summary":
        target.write_text("{truncated")
    arg = target if case in ("missing", "empty") else sweep
    r = run_cli(str(arg))
    assert r.returncode == 2
    assert str(target) in r.stderr
    assert "Traceback" not in r.stderr
    assert r.stderr.startswith("sim.aggregate: error:")
    # no half-written output is left behind
    assert not list(sweep.glob("*_all.parquet")) or case in ("missing", "empty")
    assert not list(sweep.glob(".*.tmp-*"))
    with pytest.raises(AggregateError, match=str(target)):
        aggregate(arg)


def test_truncated_parquet_is_reported(sweep: Path) -> None:
    path = sweep / "0" / "timeseries.parquet"
    path.write_bytes(path.read_bytes()[:-30])
    with pytest.raises(AggregateError, match="0/timeseries.parquet: cannot read Parquet file"):
        aggregate(sweep)


# --- memory: the merge must hold about one run at most, not the sweep ---------------------

N_RUNS, ROWS_PER_RUN = 10, 200_000  # each run ~10 MB in memory: the sweep is ~100 MB
BOUND = 3  # peak Arrow memory while merging, in units of one run's table


@pytest.fixture(scope="module")
def big_sweep(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """(sweep dir, Arrow bytes of one run's table once read back)."""
    s = tmp_path_factory.mktemp("big")
    for i in range(N_RUNS):
        make_run(s / str(i), [f"seed={i}"], timeseries(ROWS_PER_RUN, i))
    one_run = pq.read_table(s / "0" / "timeseries.parquet").nbytes
    return s, one_run


class _MemoryAtWrite:
    """Wraps ParquetWriter; around every write records the Arrow memory in use above a
    baseline, keyed by the run being written (the `run` column, if any).

    Whatever is held when data is written, whether one batch, one run or the whole sweep, is
    counted there. Arrow buffers are invisible to tracemalloc, hence Arrow's own counter.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        gc.collect()
        self.baseline = pa.total_allocated_bytes()
        self.samples: list[tuple[str | None, int]] = []
        spy = self
        real = pq.ParquetWriter

        class Writer(real):  # type: ignore[misc, valid-type]
            def write_batch(self, batch, *a, **k):  # noqa: ANN001, ANN002, ANN003
                return spy.around(batch, lambda: super(Writer, self).write_batch(batch, *a, **k))

            def write_table(self, table, *a, **k):  # noqa: ANN001, ANN002, ANN003
                return spy.around(table, lambda: super(Writer, self).write_table(table, *a, **k))

        monkeypatch.setattr(pq, "ParquetWriter", Writer)

    def around(self, data: pa.RecordBatch | pa.Table, write):  # noqa: ANN001, ANN201
        run = data.column(0)[0].as_py() if "run" in data.schema.names else None
        self.samples.append((run, pa.total_allocated_bytes() - self.baseline))
        result = write()
        self.samples.append((run, pa.total_allocated_bytes() - self.baseline))
        return result

    @property
    def peak(self) -> int:
        return max(b for _, b in self.samples)


def test_merge_holds_about_one_run_in_memory(big_sweep: tuple[Path, int],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    sweep, one_run = big_sweep
    spy = _MemoryAtWrite(monkeypatch)
    out = aggregate(sweep)
    assert pq.read_metadata(out).num_rows == N_RUNS * ROWS_PER_RUN
    assert {r for r, _ in spy.samples} >= {str(i) for i in range(N_RUNS)}  # streamed per run
    # bounded by a single run, far below the N_RUNS runs of the sweep ...
    assert spy.peak <= BOUND * one_run, (spy.peak, one_run)
    # ... and it does not grow as runs are added: no more than while writing the first run
    first = max(b for r, b in spy.samples if r == "0")
    assert spy.peak <= 1.25 * first, (spy.peak, first)


def test_memory_check_catches_a_merge_that_holds_every_run(
        big_sweep: tuple[Path, int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Control: the measurement above does fail for the obvious all-in-memory merge."""
    sweep, one_run = big_sweep
    spy = _MemoryAtWrite(monkeypatch)
    tables = [pq.read_table(d / "timeseries.parquet") for d in agg.find_runs(sweep)]
    merged = pa.concat_tables(tables)
    with pq.ParquetWriter(tmp_path / "naive.parquet", merged.schema) as w:
        w.write_table(merged)
    assert spy.peak > BOUND * one_run
