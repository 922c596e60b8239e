"""python -m sim.calibrate.report: the ensemble, the bands, the error table and the params file,
from a real smoke study; and the ``params`` config group (prior and calibrated)."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import optuna
import pandas as pd
import pytest
import yaml

from sim.calibrate.loss import series_error
from sim.calibrate.report import ensemble, label
from sim.calibrate.space import load_problem
from sim.calibrate.study import make_storage

ROOT = Path(__file__).resolve().parents[1]


class _T:
    def __init__(self, number, value):
        self.number, self.value = number, value


def test_the_ensemble_is_the_trials_within_the_tolerance_of_the_best() -> None:
    ts = [_T(0, 1.0), _T(1, 1.2), _T(2, 1.26), _T(3, 3.0)]
    assert [t.number for t in ensemble(ts, 0.25)] == [0, 1]
    assert [t.number for t in ensemble(ts, 0.0)] == [0]
    assert ensemble([], 0.25) == []
    with pytest.raises(ValueError, match="tolerance"):
        ensemble(ts, -0.1)


@pytest.fixture(scope="module")
def smoke_study(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("cal") / "s.log"
    env = {"PYTHONHASHSEED": "0", "NUMBA_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}
    cmd = [sys.executable, "-m", "sim.calibrate", "--smoke", "--trials", "5", "--seeds", "2",
           "--storage", str(db), "--sampler-seed", "1"]
    r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "its first trial is the prior defaults" in r.stdout
    return db


def test_the_report_from_a_smoke_study(smoke_study: Path, tmp_path: Path) -> None:
    out, params = tmp_path / "report", tmp_path / "calibrated.yaml"
    r = subprocess.run([sys.executable, "-m", "sim.calibrate.report", "--problem", "smoke",
                        "--storage", str(smoke_study), "--out", str(out), "--params", str(params),
                        "--tolerance", "10"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    study = optuna.load_study(study_name="calibrate-smoke", storage=make_storage(str(smoke_study)))
    done = sorted((t for t in study.trials if t.value is not None), key=lambda t: t.value)
    best, problem = done[0], load_problem("smoke")
    # the prior defaults ran as the study's first trial
    first = study.trials[0]
    assert first.user_attrs.get("prior_defaults") is True
    assert first.params == {p.key: p.default for p in problem.params}

    trials = pd.read_csv(out / "trials.csv")
    assert len(trials) == len(done) and trials.number.iloc[0] == best.number
    text = (out / "results.md").read_text()
    assert f"best trial #{best.number}" in text and f"prior defaults (#{first.number})" in text
    assert (out / "series.png").stat().st_size > 5000 and (out / "ranges.png").stat().st_size > 5000
    # every series is a row with the best trial's own signed error
    for s in problem.series:
        m = best.user_attrs["series"][s.key]
        assert f"| {label(s.key)} |" in text
        assert f"{series_error(s, m):+.2f} |" in text
    # the params file holds the best trial's values, under their dotted keys
    spec = yaml.safe_load(params.read_text())
    for p in problem.params:
        node = spec
        for part in p.key.split("."):
            node = node[part]
        assert math.isclose(node, best.params[p.key], rel_tol=1e-5)


def test_a_missing_study_is_a_clear_error(smoke_study: Path, tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "sim.calibrate.report", "--problem", "smoke",
                        "--storage", str(smoke_study), "--study-name", "nope", "--out", str(tmp_path)],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "--study-name" in r.stdout and "'nope'" in r.stdout


def test_params_prior_is_the_schema_and_calibrated_sets_its_values() -> None:
    import sim
    from sim.config import config_hash

    assert config_hash(sim.load_config(["params=prior"])) == config_hash(sim.load_config([]))
    path = ROOT / "configs" / "params" / "calibrated.yaml"
    if not path.exists():
        pytest.skip("no calibrated.yaml yet")
    spec = yaml.safe_load(path.read_text())
    cfg = sim.load_config(["params=calibrated", "scenario=historical_2012_2025"])
    prior = sim.load_config(["scenario=historical_2012_2025"])
    n = 0
    for group, body in spec.items():
        for key, value in body.items():
            assert getattr(getattr(cfg, group), key) == pytest.approx(value)
            n += getattr(getattr(prior, group), key) != pytest.approx(value)
    assert n > 0  # the calibrated file changes something


def test_the_calibrated_history_reruns_the_ensemble_exactly(smoke_study: Path, tmp_path: Path) -> None:
    """experiments/calibrated_history.py reruns the best trials on their seeds: each run's
    deaths equal what the study stored for that trial and seed; a rerun adds no row."""
    cmd = [sys.executable, "calibrated_history.py", "--storage", str(smoke_study), "--problem", "smoke",
           "--members", "2", "--years", "2016", "--country", "none", "--out", str(tmp_path)]
    for _ in range(2):
        r = subprocess.run(cmd, cwd=ROOT / "experiments", capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    per = pd.read_csv(tmp_path / "per_run.csv")
    study = optuna.load_study(study_name="calibrate-smoke", storage=make_storage(str(smoke_study)))
    best = sorted((t for t in study.trials if t.value is not None), key=lambda t: t.value)[:2]
    key = "militant_linked_deaths|central_sahel|2016"
    assert len(per) == 2 * 2  # 2 members x their 2 seeds, once each
    for t in best:
        for i, seed in enumerate(t.user_attrs["seeds"]):
            row = per[(per.trial == t.number) & (per.seed == seed)]
            assert row[key].item() == t.user_attrs["series_per_seed"][i][key]
    assert "| militant_linked_deaths, central_sahel, 2016 | in |" in (tmp_path / "summary.md").read_text()
    assert (tmp_path / "figure.png").read_bytes()[:4] == b"\x89PNG"


def test_reach_and_growth_tables_say_what_no_trial_reaches() -> None:
    from sim.calibrate.loss import Series
    from sim.calibrate.report import growth_table, reach_table
    from sim.calibrate.space import Problem

    a = Series("militant_linked_deaths", "central_sahel", "2016-2019", 1000.0)
    b = Series("militant_linked_deaths", "central_sahel", "2023", 12000.0)
    c = Series("displaced", "burkina_faso", "2019-12-31", 500.0, low=400.0, high=600.0)
    prob = Problem("p", (), 1, (), (a, b, c))

    class T:
        def __init__(self, va, vb, vc):
            self.user_attrs = {"series": {a.key: va, b.key: vb, c.key: vc}}

    trials = [T(3000, 13000, 650), T(900, 2000, 700)]
    reach = reach_table(prob, trials).set_index("series")
    assert reach.loc[a.key, "reached"] and reach.loc[b.key, "reached"]
    assert not reach.loc[c.key, "reached"]  # 650-700 never meets the band 400-600
    assert reach.loc[b.key, "min"] == 2000 and reach.loc[b.key, "max"] == 13000
    g = growth_table(prob, trials)
    assert len(g) == 1 and g.record.item() == 12.0  # the one series with two in-sample periods
    assert g.best_trial.item() == pytest.approx(13000 / 3000)  # trials come best first
    assert g.all_trials_min.item() == pytest.approx(2000 / 900)


def test_position_in_the_prior_range_on_the_search_scale() -> None:
    from sim.calibrate.report import position
    from sim.calibrate.space import Param

    lin, log = Param("a", 0.0, 10.0), Param("b", 1e-7, 1e-5, log=True)
    assert position(lin, 0.0) == 0 and position(lin, 10.0) == 1 and position(lin, 2.5) == 0.25
    assert position(log, 1e-6) == pytest.approx(0.5)  # the middle of a log range is its geometric mean
