"""python -m sim.calibrate: the problem's ranges, the loss, the model series, resuming a study,
the kill -9 rule (stale trials failed and retried once), local workers and a Slurm job array."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pandas as pd
import pytest
import yaml
from optuna.trial import TrialState

from sim.calibrate.loss import Series, loss, model_series, series_error
from sim.calibrate.space import load_problem, plausible_range
from sim.calibrate.study import reap_stale
from sim.core.params import ConfigError

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0", "NUMBA_NUM_THREADS": "1"}


def calibrate(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "sim.calibrate", *args]
    r = subprocess.run(cmd, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"{' '.join(cmd)}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r


def trials(storage: str, name: str = "calibrate-smoke", states=None):
    from sim.calibrate.study import make_storage

    study = optuna.load_study(study_name=name, storage=make_storage(storage))
    return study.get_trials(states=states)


# --------------------------------------------------------------------------- the problem
def test_ranges_come_from_the_schema_plausible_range() -> None:
    assert plausible_range("population.p_join") == (1e-7, 2e-6)
    assert plausible_range("mechanisms.k_collateral") == (1e-4, 3e-3)
    assert plausible_range("displacement.flee_radius") == (3, 20)
    assert plausible_range("mechanisms.k_fire") == (0.005, 0.05)
    with pytest.raises(ConfigError, match="population.nonsense"):
        plausible_range("population.nonsense")
    smoke = load_problem("smoke")
    assert [(p.key, p.lo, p.hi, p.log) for p in smoke.params] == [
        ("population.p_join", 1e-7, 2e-6, True), ("mechanisms.k_fire", 0.005, 0.05, False)]
    default = load_problem("default")
    assert 10 <= len(default.params) <= 15
    for p in default.params:
        assert (p.lo, p.hi) == plausible_range(p.key) and p.lo <= p.default <= p.hi, p
    # issue 14's out-of-sample series are never in the loss
    assert {s.key for s in default.out_of_sample} == {
        "militant_linked_deaths|central_sahel|2024", "burkina_faso_share_of_deaths|central_sahel|2024",
        "displaced|burkina_faso|2023-03-31", "territory_outside_state_control|burkina_faso|2025"}


def test_a_range_outside_the_schema_bounds_is_refused(tmp_path: Path) -> None:
    spec = yaml.safe_load((ROOT / "configs/calibration/smoke.yaml").read_text())
    spec["parameters"] = [{"key": "displacement.p_flee_violence", "lo": -0.1, "hi": 0.5}]
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(spec))
    with pytest.raises(ConfigError, match=r"parameters\[0\].*inside the schema's bounds for displacement.p_flee_violence"):
        load_problem(str(tmp_path / "bad.yaml"))
    spec["parameters"] = [{"key": "displacement.p_flee_violence"}]
    spec["series"][0].pop("value")
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(spec))
    with pytest.raises(ConfigError, match="militant_linked_deaths.central_sahel.2016"):
        load_problem(str(tmp_path / "bad.yaml"))


def test_an_acled_reference_replaces_the_problem_rows(tmp_path: Path) -> None:
    from test_acled import write_fixture

    spec = yaml.safe_load((ROOT / "configs/calibration/smoke.yaml").read_text())
    spec["series"].append({"indicator": "militant_linked_deaths", "region": "central_sahel",
                           "period": "2022", "sample": "out"})
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(spec))
    p = load_problem(str(tmp_path / "p.yaml"), reference=write_fixture(tmp_path / "acled.csv"))
    assert p.series[-1].value == 15 and not p.series[-1].in_sample


# --------------------------------------------------------------------------- the loss
def test_the_log_ratio_error_and_the_weighted_loss() -> None:
    point = Series("deaths", "central_sahel", "2020", 1000.0, unit="deaths per year", weight=3)
    band = Series("fighters_jnim", "central_sahel", "2025", 6500, 6000, 7000, "people", weight=1)
    out = Series("deaths", "central_sahel", "2024", 500.0, weight=1, in_sample=False)
    assert series_error(point, 1000) == 0
    assert series_error(point, 2001) == pytest.approx(math.log(2002 / 1001))
    assert series_error(point, 0) == pytest.approx(-math.log(1001))      # finite at zero
    assert series_error(band, 6900) == 0 and series_error(band, 5999) < 0
    vals = {point.key: 2001.0, band.key: 7000 * math.e, out.key: 1e6}
    e1, e2 = math.log(2002 / 1001), math.log((7000 * math.e + 1) / 7001)
    assert loss([point, band, out], vals) == pytest.approx((3 * e1**2 + e2**2) / 4)
    assert loss([point, band, out], vals, in_sample=False) == pytest.approx(math.log(1e6 / 501) ** 2)


def test_model_series_from_a_run(small_results) -> None:
    ts, ev = small_results.timeseries, small_results.events
    s = [Series("fatalities", "central_sahel", "2015", 1.0),
         Series("militant_linked_deaths", "country_a", "2015", 1.0),
         Series("displaced", "central_sahel", "2015-03-31", 1.0),
         Series("fighters_jnim", "central_sahel", "2015", 1.0),
         Series("events_battles", "central_sahel", "2015", 1.0)]
    v = model_series(s, ts, ev)
    assert v[s[0].key] == ev["fatalities"].sum()
    assert v[s[4].key] == (ev["event_type"] == "Battles").sum()
    disp = small_results.metric("displaced")
    assert v[s[2].key] == disp[pd.to_datetime(disp.index) <= pd.Timestamp("2015-03-31")].iloc[-1]
    assert v[s[3].key] == pytest.approx(small_results.metric("insurgent_fighters", faction="jnim").mean())
    with pytest.raises(ValueError, match="outside the run"):
        model_series([Series("fatalities", "central_sahel", "2019", 1.0)], ts, ev)
    with pytest.raises(ValueError, match="no model counterpart"):
        model_series([Series("gdp", "central_sahel", "2015", 1.0)], ts, ev)
    with pytest.raises(ValueError, match="region 'atlantis' is not on this map"):
        model_series([Series("displaced", "atlantis", "2015-03-31", 1.0)], ts, ev)


# --------------------------------------------------------------------------- stale trials
def test_a_stale_trial_is_failed_and_its_parameters_retried_once(tmp_path: Path) -> None:
    study = optuna.create_study(study_name="s", storage=f"sqlite:///{tmp_path / 's.db'}")
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()                                        # a pid that no longer runs
    dead = study.ask()
    dead.suggest_float("x", 0, 1)
    dead.set_user_attr("worker", f"{__import__('socket').gethostname()}:{gone.pid}")
    alive = study.ask()                                # this process: alive, fresh heartbeat
    alive.suggest_float("x", 0, 1)
    alive.set_user_attr("worker", f"{__import__('socket').gethostname()}:{os.getpid()}")
    alive.set_user_attr("heartbeat", time.time())
    silent = study.ask()                               # another host, heartbeat long ago
    silent.suggest_float("x", 0, 1)
    silent.set_user_attr("worker", "elsewhere:1")
    silent.set_user_attr("heartbeat", time.time() - 1000)

    assert sorted(reap_stale(study, grace=60)) == [dead.number, silent.number]
    by_number = {t.number: t for t in study.get_trials()}
    assert by_number[dead.number].state == TrialState.FAIL
    assert by_number[alive.number].state == TrialState.RUNNING
    waiting = study.get_trials(states=(TrialState.WAITING,))
    # an enqueued trial holds its parameters as Optuna's fixed_params until it runs
    assert sorted((t.user_attrs["retry_of"], t.system_attrs["fixed_params"]["x"]) for t in waiting) == sorted(
        [(dead.number, dead.params["x"]), (silent.number, silent.params["x"])])
    assert reap_stale(study, grace=60) == []           # once: nothing more to do
    assert len(study.get_trials(states=(TrialState.WAITING,))) == 2


# --------------------------------------------------------------------------- the command
def test_help() -> None:
    out = calibrate("--help").stdout
    for flag in ("--trials", "--seeds", "--storage", "--smoke", "--study-name", "--workers",
                 "--slurm-array", "--reference"):
        assert flag in out


def test_running_the_same_command_twice_resumes_the_study(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    # with a sampler seed, a resumed run must not draw the first run's parameters again
    first = calibrate("--smoke", "--trials", "3", "--seeds", "1", "--storage", db, "--sampler-seed", "5")
    assert "trial 3/3 done" in first.stdout and "best loss" in first.stdout and "ETA" in first.stdout
    calibrate("--smoke", "--trials", "3", "--seeds", "1", "--storage", db, "--sampler-seed", "5")
    done = trials(db)
    assert len(done) == 6 and all(t.state == TrialState.COMPLETE for t in done)
    assert len({tuple(sorted(t.params.items())) for t in done}) == 6
    t = done[0]
    assert t.user_attrs["seeds"] == [0]
    assert math.isfinite(t.user_attrs["loss_out_of_sample"])
    assert set(t.user_attrs["series"]) == {s.key for s in load_problem("smoke").series}
    assert [d.keys() for d in t.user_attrs["series_per_seed"]] == [t.user_attrs["series"].keys()]
    studies = optuna.get_all_study_names(f"sqlite:///{db}")
    assert studies == ["calibrate-smoke"]


@pytest.mark.slow
def test_kill_9_loses_and_repeats_no_trial(tmp_path: Path) -> None:
    journal = str(tmp_path / "s.log")
    cmd = [sys.executable, "-m", "sim.calibrate", "--smoke", "--trials", "20", "--seeds", "1",
           "--storage", journal]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    try:
        while time.time() < deadline:
            time.sleep(0.3)
            try:
                ts = trials(journal)
            except Exception:  # the study is not created yet
                continue
            n_done = sum(t.state == TrialState.COMPLETE for t in ts)
            if n_done >= 2 and ts[-1].state == TrialState.RUNNING and ts[-1].params:
                break
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    before = trials(journal)
    killed = [t for t in before if t.state == TrialState.RUNNING]
    assert len(killed) == 1, [t.state for t in before]
    n_complete = sum(t.state == TrialState.COMPLETE for t in before)

    r = calibrate("--smoke", "--trials", "2", "--seeds", "1", "--storage", journal)
    assert f"stale trial(s) [{killed[0].number}]" in r.stdout
    after = trials(journal)
    states = [t.state for t in after]
    assert TrialState.RUNNING not in states and TrialState.WAITING not in states
    assert states.count(TrialState.FAIL) == 1
    complete = [t for t in after if t.state == TrialState.COMPLETE]
    assert len(complete) == n_complete + 2
    # not lost: the killed trial's parameters ran to completion once, as its retry ...
    retries = [t for t in complete if t.user_attrs.get("retry_of") == killed[0].number]
    assert len(retries) == 1 and retries[0].params == killed[0].params
    # ... and not repeated: every completed trial has its own parameters
    assert len({tuple(sorted(t.params.items())) for t in complete}) == len(complete)


@pytest.mark.slow
def test_local_workers_share_one_storage(tmp_path: Path) -> None:
    journal = str(tmp_path / "w.log")
    calibrate("--smoke", "--trials", "4", "--seeds", "1", "--workers", "2", "--storage", journal,
              "--sampler-seed", "3")
    done = trials(journal, states=(TrialState.COMPLETE,))
    assert len(done) == 4
    assert len({t.user_attrs["worker"] for t in done}) == 2
    # each worker holds its own sampler: the same seed must not make them draw the same trials
    assert len({tuple(sorted(t.params.items())) for t in done}) == 4


def test_workers_and_resumed_runs_get_their_own_sampler_seed(tmp_path: Path) -> None:
    from sim.calibrate.study import open_study, sampler_seed_for

    assert sampler_seed_for(None, 0, 0) is None
    assert sampler_seed_for(3, 0, 0) == sampler_seed_for(3, 0, 0)
    assert len({sampler_seed_for(3, n, w) for n in (0, 4) for w in (0, 1)}) == 4
    db = str(tmp_path / "a.db")
    firsts = [open_study(db, "s", 3, worker=w).ask().suggest_float("x", 0, 1) for w in (0, 1)]
    assert firsts[0] != firsts[1]


@pytest.mark.slurm
def test_slurm_job_array_workers_share_a_journal(tmp_path: Path) -> None:
    from test_sweeps import slurm_unavailable

    if reason := slurm_unavailable():
        pytest.skip(reason)
    journal = str(tmp_path / "slurm.log")
    r = calibrate("--smoke", "--trials", "2", "--seeds", "1", "--slurm-array", "2",
                  "--storage", journal, timeout=600)
    assert "submitting" in r.stdout
    done = trials(journal, states=(TrialState.COMPLETE,))
    assert len(done) == 2
    assert sorted(t.user_attrs["slurm_array_task"] for t in done) == [0, 1]
    assert list(tmp_path.glob("calibrate-smoke_*_0.out")), "Slurm wrote the array task's log"


def test_a_salib_morris_sample_stays_inside_the_calibration_ranges() -> None:
    from SALib.sample import morris

    from sim.calibrate.salib import salib_problem, values

    problem = load_problem("default")
    sp = salib_problem(problem)
    assert sp["names"] == [p.key for p in problem.params]
    p_join = sp["names"].index("population.p_join")
    assert sp["bounds"][p_join] == pytest.approx([-7, math.log10(2e-6)])   # log scale
    sample = morris.sample(sp, N=4, num_levels=4, seed=1)
    rows = [values(problem, r) for r in sample]
    for p in problem.params:
        got = [r[p.key] for r in rows]
        assert p.lo <= min(got) and max(got) <= p.hi, p.key
    assert min(r["population.p_join"] for r in rows) == pytest.approx(1e-7)
