"""The ACLED importer: a small ACLED-format fixture (written here) round-trips into the reference
series with exact numbers; bad files fail with errors naming the column and the row."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.data.acled import AcledError, read_acled, reference_series, to_model_events

ROOT = Path(__file__).resolve().parents[1]
HEADER = ["event_date", "year", "event_type", "sub_event_type", "actor1", "actor2", "country",
          "admin1", "location", "latitude", "longitude", "fatalities"]
ROWS = [
    # date, year, type, sub, actor1, actor2, country, admin1, location, lat, lon, fatalities
    ("12 March 2022", 2022, "Battles", "Armed clash", "JNIM: Jama'at Nusrat al-Islam wal-Muslimin",
     "Military Forces of Burkina Faso (2022-)", "Burkina Faso", "Sahel", "Djibo", 14.1, -1.63, 10),
    ("2022-06-01", 2022, "Violence against civilians", "Attack", "Islamic State Sahel Province",
     "Civilians (Niger)", "Niger", "Tillaberi", "Tillaberi", 14.2, 1.45, 5),
    ("2022-07-15", 2022, "Violence against civilians", "Attack", "Military Forces of Mali (2021-)",
     "Civilians (Mali)", "Mali", "Mopti", "Moura", 14.0, -4.5, 7),
    ("2023-01-05", 2023, "Explosions/Remote violence", "Remote explosive/landmine/IED",
     "JNIM: Jama'at Nusrat al-Islam wal-Muslimin", "Military Forces of Mali (2021-)", "Mali",
     "Mopti", "Boni", 15.0, -1.9, 3),
    ("2023-02-10", 2023, "Battles", "Armed clash", "Ansaroul Islam", "VDP: Volunteers for the "
     "Defense of the Homeland", "Burkina Faso", "Nord", "Ouahigouya", 13.6, -2.4, 9),
    ("2023-03-01", 2023, "Protests", "Peaceful protest", "Protesters (Niger)", "", "Niger",
     "Niamey", "Niamey", 13.5, 2.1, 0),
    ("2023-04-01", 2023, "Battles", "Armed clash", "JNIM: Jama'at Nusrat al-Islam wal-Muslimin",
     "Military Forces of Benin (2016-)", "Benin", "Alibori", "Karimama", 12.1, 3.2, 4),
]


def write_fixture(path: Path, rows=ROWS, header=HEADER) -> Path:
    pd.DataFrame(rows, columns=header).to_csv(path, index=False)
    return path


def value(ref: pd.DataFrame, indicator: str, region: str, period: str) -> float:
    hit = ref[(ref.indicator == indicator) & (ref.region == region) & (ref.period == period)]
    assert len(hit) == 1, f"{indicator}|{region}|{period}: {len(hit)} rows"
    return float(hit["value"].iloc[0])


def test_fixture_round_trips_into_the_reference_series(tmp_path: Path) -> None:
    ref = reference_series(read_acled(write_fixture(tmp_path / "acled.csv")))
    assert list(ref.columns) == ["indicator", "region", "period", "value", "low", "high", "unit",
                                 "source", "note"]
    expected = {
        ("fatalities", "burkina_faso", "2022"): 10, ("fatalities", "niger", "2022"): 5,
        ("fatalities", "mali", "2022"): 7, ("fatalities", "mali", "2023"): 3,
        ("fatalities", "burkina_faso", "2023"): 9, ("fatalities", "niger", "2023"): 0,
        ("fatalities", "benin", "2023"): 4,
        # central Sahel = Mali + Burkina Faso + Niger (Benin's 4 left out)
        ("fatalities", "central_sahel", "2022"): 22, ("fatalities", "central_sahel", "2023"): 12,
        # events with a militant Islamist actor (Mali's army killing civilians is not one)
        ("militant_linked_deaths", "central_sahel", "2022"): 15,
        ("militant_linked_deaths", "central_sahel", "2023"): 12,
        ("burkina_faso_share_of_deaths", "central_sahel", "2022"): 10 / 15,
        ("burkina_faso_share_of_deaths", "central_sahel", "2023"): 9 / 12,
        ("events_battles", "central_sahel", "2022"): 1, ("events_battles", "central_sahel", "2023"): 1,
        ("fatalities_violence_against_civilians", "central_sahel", "2022"): 12,
        ("events_violence_against_civilians", "central_sahel", "2023"): 0,
        ("events_protests", "central_sahel", "2023"): 1,
        ("fatalities_explosions_remote_violence", "central_sahel", "2023"): 3,
    }
    for (ind, region, period), v in expected.items():
        assert value(ref, ind, region, period) == pytest.approx(v), (ind, region, period)

    # the CSV written by the command line reads back as the same table
    out = tmp_path / "ref.csv"
    r = subprocess.run([sys.executable, "-m", "sim.data.acled", str(tmp_path / "acled.csv"),
                        "--out", str(out), "--events", str(tmp_path / "ev.parquet")],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    back = pd.read_csv(out, dtype={"period": str})
    assert value(back, "militant_linked_deaths", "central_sahel", "2022") == 15
    assert len(back) == len(ref)
    assert pq.read_table(tmp_path / "ev.parquet").num_rows == len(ROWS)


def test_conversion_to_the_model_event_schema(tmp_path: Path) -> None:
    from sim.output.events import EVENT_SCHEMA

    ev = to_model_events(read_acled(write_fixture(tmp_path / "acled.csv")))
    assert list(ev.columns) == EVENT_SCHEMA.names
    assert ev["country"].tolist()[-1] == "Coastal states"   # Benin, on the model's map
    assert ev["civilian_fatalities"].tolist() == [0, 5, 7, 0, 0, 0, 0]
    # the model's events aggregate the same way: the converted events give the same series
    a = reference_series(read_acled(tmp_path / "acled.csv"))
    b = reference_series(ev)
    key = ["indicator", "region", "period"]
    core = a[a.region != "benin"].merge(b, on=key, suffixes=("_acled", "_model"))
    assert len(core) == len(a[a.region != "benin"])
    assert (core["value_acled"] == core["value_model"]).all()


@pytest.mark.parametrize("column, bad, message", [
    ("event_date", "not a date", "column 'event_date', row 2 (line 4)"),
    ("fatalities", "-3", "column 'fatalities', row 2"),
    ("fatalities", "2.5", "column 'fatalities', row 2"),
    ("country", "Atlantis", "column 'country', row 2"),
    ("event_type", "Skirmish", "column 'event_type', row 2"),
    ("latitude", "95", "column 'latitude', row 2"),
    ("year", "2021", "the year of event_date (2022)"),
])
def test_bad_rows_are_named(tmp_path: Path, column: str, bad: str, message: str) -> None:
    rows = [list(r) for r in ROWS]
    rows[2][HEADER.index(column)] = bad
    path = write_fixture(tmp_path / "bad.csv", rows)
    with pytest.raises(AcledError) as e:
        read_acled(path)
    assert message in str(e.value) and repr(bad) in str(e.value)


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    path = write_fixture(tmp_path / "bad.csv", [r[:-1] for r in ROWS], HEADER[:-1])
    with pytest.raises(AcledError, match="missing column.*'fatalities'"):
        read_acled(path)
    r = subprocess.run([sys.executable, "-m", "sim.data.acled", str(path), "--out",
                        str(tmp_path / "x.csv")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "'fatalities'" in r.stderr


def test_model_versus_acled_figure(tmp_path: Path, small_results) -> None:
    """The figure from a real (small) model run and the fixture; its yearly table puts the
    model's event deaths beside the fixture's."""
    from sim.data.compare import model_vs_acled

    run = tmp_path / "run"
    run.mkdir()
    small_results.events.to_parquet(run / "events.parquet")
    # no timeseries.parquet: every ACLED event is kept
    table = model_vs_acled(run, write_fixture(tmp_path / "acled.csv"), tmp_path / "fig.png")
    assert (tmp_path / "fig.png").stat().st_size > 10_000
    acled_2022 = table[(table.indicator == "militant_linked_deaths") & (table.period == "2022")]
    assert acled_2022["acled"].tolist() == [15]
    model_2015 = table[(table.indicator == "fatalities") & (table.period == "2015")]["model"]
    ev = small_results.events
    assert model_2015.tolist() == [ev["fatalities"].sum()]   # every event type, as ACLED counts
