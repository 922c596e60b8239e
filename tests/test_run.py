"""Runs: the API, the Hydra app's outputs, reproducibility, provenance."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

import sim
from tests.conftest import SMALL

FOUR_FILES = ("timeseries.parquet", "events.parquet", "summary.json", "dashboard.png")


def test_same_seed_gives_byte_identical_parquet(small_cfg, tmp_path):
    a = sim.run(small_cfg).save(tmp_path / "a", dashboard=False)
    b = sim.run(small_cfg).save(tmp_path / "b", dashboard=False)
    for name in ("timeseries.parquet", "events.parquet"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_different_seeds_differ(small_cfg):
    import dataclasses

    a = sim.run(small_cfg)
    b = sim.run(dataclasses.replace(small_cfg, seed=small_cfg.seed + 1))
    assert not a.timeseries["value"].equals(b.timeseries["value"])


def test_timeseries_is_long_and_tidy_with_all_for_totals(small_results):
    ts = small_results.timeseries
    assert list(ts.columns) == ["date", "step", "metric", "country", "community", "faction", "value"]
    fighters = ts[(ts.metric == "insurgent_fighters")]
    by_faction = fighters[fighters.faction != "all"].groupby("date")["value"].sum()
    total = fighters[fighters.faction == "all"].set_index("date")["value"]
    np.testing.assert_allclose(by_faction.to_numpy(), total.loc[by_faction.index].to_numpy())
    cfg = small_results.config
    assert ts["date"].min() == pd.Timestamp(cfg.start_date)
    assert ts["step"].max() == cfg.n_steps


def test_results_are_in_whole_people_not_groups(small_results):
    ppa = small_results.config.people_per_agent
    for name in ("population", "civilians", "insurgent_fighters", "recruits", "displaced"):
        values = small_results.metric(name).to_numpy()
        assert (values == np.round(values)).all(), name
    assert small_results.metric("population").iloc[0] > 100 * ppa
    # counts are drawn per person: recruits are not multiples of the group size
    recruits = small_results.metric("recruits").to_numpy()
    assert recruits.sum() > 0 and (recruits[recruits > 0] % ppa != 0).any()
    people = small_results.summary["people"]
    assert people["balance"] == 0 and people["initial"] == small_results.metric("population").iloc[0]


def test_cli_writes_the_four_files_with_provenance(tmp_path):
    out = subprocess.run([sys.executable, "-m", "sim", *SMALL, f"hydra.run.dir={tmp_path}"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    for name in FOUR_FILES:
        assert (tmp_path / name).stat().st_size > 0, name
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["seed"] == 0 and len(summary["config_hash"]) == 16
    assert {"mesa", "numba", "numpy"} <= set(summary["versions"])
    assert summary["git_revision"]
    ts = pq.read_table(tmp_path / "timeseries.parquet").to_pandas()
    assert {"date", "metric", "value"} <= set(ts.columns)
    ev = pq.read_table(tmp_path / "events.parquet")
    assert {"event_date", "event_type", "sub_event_type", "actor1", "actor2", "country", "location",
            "fatalities"} <= set(ev.column_names)
    assert (tmp_path / "dashboard.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_calendar_and_sparse_recording_lose_nothing():
    """Step s simulates day start + s, the date of its row and of its events; with
    ``record_every`` the last day is recorded too, and the flows of the days between records are
    summed into the next row, so no death or loss goes unrecorded."""
    base = [*SMALL[:-3], "start_date=2021-01-01", "end_date=2021-03-02", "output.progress=false"]
    daily = sim.run(sim.load_config(base))
    weekly = sim.run(sim.load_config([*base, "output.record_every=7"]))
    assert sorted(weekly.timeseries["step"].unique()) == [*range(0, 57, 7), 60]
    dates = pd.to_datetime(daily.events["event_date"])
    assert len(dates) > 0 and dates.min() > pd.Timestamp("2021-01-01") and dates.max() <= pd.Timestamp("2021-03-02")
    assert str(weekly.timeseries["date"].max())[:10] == "2021-03-02"

    def total(results, metric):
        ts = results.timeseries.query("metric == @metric")
        return ts[(ts[["country", "community", "faction"]] == "all").all(axis=1)]["value"].sum()

    for metric in ("civilian_deaths_by_insurgents", "insurgent_losses", "state_losses"):
        assert total(daily, metric) > 0 and total(weekly, metric) == total(daily, metric), metric
