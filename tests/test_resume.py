"""Resumable sweeps and crash safety, end to end.

What a user relies on: a sweep killed at any moment (SIGKILL to the whole process group, or
Slurm's ``scancel``) and run again with the same command completes every run, without
recomputing or duplicating the runs that had finished; a run killed at any moment never leaves
a folder that looks complete; ``+rerun=all`` and a changed config do recompute; an output folder
that cannot be written, or a full disk, ends with one clear line, not a traceback.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from sim.output.rundir import RunDirError, check_run, load_run, run_status
from tests.test_sweeps import slurm_unavailable

ROOT = Path(__file__).resolve().parents[1]
TINY = ["map=synthetic", "map.width=8", "map.height=8", "map.n_towns=2", "map.synthetic_people=20000",
        "people_per_agent=50", "start_date=2015-01-01", "output.dashboard=false", "output.progress=false"]
SEEDS = "seed=1,2,3,4,5,6,7,8"
OUTPUTS = ("timeseries.parquet", "events.parquet", "config.yaml", "summary.json")


def sim_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "sim", *args]


def fingerprint(run_dir: Path) -> dict[str, tuple[int, str]]:
    """(mtime in ns, sha1) of every output file of a run."""
    return {name: ((run_dir / name).stat().st_mtime_ns,
                   hashlib.sha1((run_dir / name).read_bytes()).hexdigest()) for name in OUTPUTS}


def complete_runs(sweep: Path) -> list[Path]:
    return [d for d in sorted(sweep.glob("[0-9]*")) if run_status(d).complete]


def seed_of(run_dir: Path) -> str:
    overrides = yaml.safe_load((run_dir / ".hydra" / "overrides.yaml").read_text())
    return next(o for o in overrides if o.startswith("seed="))


def kill_sweep_after_first_run(cmd: list[str], sweep: Path, timeout: float = 240) -> None:
    """Start ``cmd`` in its own process group; SIGKILL the whole group once a run is complete."""
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + timeout
    try:
        while not (sweep.is_dir() and complete_runs(sweep)):
            assert proc.poll() is None, f"the sweep ended before it could be killed: {proc.stderr.read()[-2000:]}"
            assert time.monotonic() < deadline, "no run completed in time"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)


def check_resumed(sweep: Path, before: dict[str, dict], out: str) -> None:
    """After the rerun: 8 complete runs, one per seed; the earlier ones untouched and skipped."""
    runs = sorted(sweep.glob("[0-9]*"), key=lambda d: int(d.name))
    assert [d.name for d in runs] == [str(i) for i in range(8)], "one folder per job, no extra"
    assert all(run_status(d).complete for d in runs)
    assert sorted(seed_of(d) for d in runs) == sorted(f"seed={i}" for i in range(1, 9)), "no duplicates"
    for name, prints in before.items():
        assert fingerprint(sweep / name) == prints, f"run {name} was recomputed"
    assert f"{len(before)} skipped (already complete)" in out, out
    assert f"{8 - len(before)} run now" in out, out
    assert out.count(": skipped ") == len(before) and out.count(": wrote ") == 8 - len(before), out


def test_killed_sweep_resumes_without_recomputing_finished_runs(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    cmd = sim_cmd("-m", SEEDS, *TINY, "end_date=2016-01-01", f"hydra.sweep.dir={sweep}")
    kill_sweep_after_first_run(cmd, sweep)
    done = complete_runs(sweep)
    assert 1 <= len(done) < 8, "the kill should land mid-sweep"
    for d in sweep.glob("[0-9]*"):  # whatever was cut short reads as incomplete
        assert d in done or not run_status(d).complete
    before = {d.name: fingerprint(d) for d in done}

    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    check_resumed(sweep, before, r.stdout + r.stderr)

    # the merge sees 8 runs, one per seed
    r = subprocess.run([sys.executable, "-m", "sim.aggregate", "--strict", str(sweep)], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "merged 8 runs" in r.stdout, r.stderr


def test_rerun_all_and_a_changed_config_recompute(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    base = ["-m", "seed=1,2", *TINY, "end_date=2015-02-01", f"hydra.sweep.dir={sweep}"]
    r = subprocess.run(sim_cmd(*base), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    first = {d.name: fingerprint(d) for d in complete_runs(sweep)}
    assert set(first) == {"0", "1"}

    r = subprocess.run(sim_cmd(*base, "+rerun=all"), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "2 run now, 0 skipped" in r.stdout + r.stderr
    assert all(fingerprint(sweep / n)["summary.json"][0] > first[n]["summary.json"][0] for n in first)
    forced = {n: fingerprint(sweep / n) for n in first}

    # job 1 changes its config (seed 3 instead of 2): that run is not "complete" any more
    changed = [a if a != "seed=1,2" else "seed=1,3" for a in base]
    r = subprocess.run(sim_cmd(*changed), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "1 run now, 1 skipped" in r.stdout + r.stderr
    assert fingerprint(sweep / "0") == forced["0"]
    assert fingerprint(sweep / "1") != forced["1"] and seed_of(sweep / "1") == "seed=3"
    assert json.loads((sweep / "1" / "summary.json").read_text())["seed"] == 3

    r = subprocess.run(sim_cmd(*base, "+rerun=sometimes"), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode != 0 and "rerun" in r.stderr and "'missing', 'all'" in r.stderr


def _fork_run(run_dir: Path, overrides: list[str]) -> int:
    """Run ``python -m sim`` (the Hydra app, single-run mode) in a forked child; its pid."""
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 0
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
            os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
            sys.argv = ["sim", *overrides, f"hydra.run.dir={run_dir}"]
            from sim.__main__ import main

            main()
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        except BaseException:
            code = 1
        os._exit(code)
    return pid


def kill_at_random_moments(tmp: Path, n_kills: int, seed: int = 16) -> dict[str, int]:
    """Start the app ``n_kills`` times and SIGKILL it at a random moment between its start and
    a little after its end; check each folder it leaves. Run in a process of its own (see the
    test below): the runs are forked from that warm process, which keeps this fast."""
    import sim

    overrides = [*TINY, "end_date=2015-03-01", "output.dashboard=true"]
    sim.run(sim.load_config(overrides)).save(tmp / "warm-up")  # compiled kernels, matplotlib: loaded once
    ref_dir = tmp / "reference"  # a reference run, untouched, and the time a whole run takes
    start = time.monotonic()
    pid = _fork_run(ref_dir, overrides)
    assert os.waitpid(pid, 0)[1] == 0
    duration = time.monotonic() - start
    ref_ts = load_run(ref_dir)[0]

    rng = random.Random(seed)
    outcomes = {"nothing": 0, "incomplete": 0, "complete": 0}
    resumed = None
    for i in range(n_kills):
        run_dir = tmp / f"killed{i}"
        pid = _fork_run(run_dir, overrides)
        time.sleep(rng.uniform(0.0, 1.1 * duration))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        status = run_status(run_dir)
        if status.complete:  # it finished before the kill: then it must be whole and right
            assert load_run(run_dir)[0].equals(ref_ts), f"{run_dir} looks complete but is not the run"
            outcomes["complete"] += 1
        elif not run_dir.exists() or not any(run_dir.iterdir()):
            outcomes["nothing"] += 1
        else:
            assert not status.damaged, status.reason  # a kill leaves "unfinished", never "corrupt"
            try:
                check_run(run_dir)
                raise AssertionError(f"{run_dir} passes check_run but is incomplete")
            except RunDirError as e:
                assert "incomplete" in str(e), e
            outcomes["incomplete"] += 1
            resumed = resumed or run_dir
    if resumed is not None:  # resuming a killed run completes it, with the reference's results
        pid = _fork_run(resumed, overrides)
        assert os.waitpid(pid, 0)[1] == 0
        assert run_status(resumed).complete and load_run(resumed)[0].equals(ref_ts)
    return outcomes


def test_sigkill_at_random_moments_never_leaves_a_dir_that_looks_complete(tmp_path: Path) -> None:
    """20 SIGKILLs at random moments of a run. The runs are forked from one warm process, with
    numba's fork-safe ``workqueue`` threading layer (results do not depend on the layer)."""
    code = ("import json, sys; from pathlib import Path; from tests.test_resume import kill_at_random_moments;"
            f"print(json.dumps(kill_at_random_moments(Path({str(tmp_path)!r}), 20)))")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600,
                       env={**os.environ, "NUMBA_THREADING_LAYER": "workqueue"})
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    outcomes = json.loads(r.stdout.strip().splitlines()[-1])
    print(f"SIGKILL outcomes over 20 kills: {outcomes}")
    assert sum(outcomes.values()) == 20
    assert outcomes["incomplete"] >= 5, outcomes  # most kills land mid-run


@pytest.mark.parametrize("case", ["unwritable_run_dir", "unwritable_sweep_dir"])
def test_unwritable_output_dir_is_a_clear_error(tmp_path: Path, case: str) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    target = blocker / "out"
    args = ([f"hydra.run.dir={target}"] if case == "unwritable_run_dir"
            else ["-m", "seed=1,2", f"hydra.sweep.dir={target}"])
    r = subprocess.run(sim_cmd(*args, *TINY, "end_date=2015-01-10"), cwd=ROOT, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 2, r.stderr[-2000:]
    assert "Traceback" not in r.stderr
    assert r.stderr.strip().startswith("error: cannot write to the output directory")
    assert str(target) in r.stderr and "Not a directory" in r.stderr


FULL_DISK = """
import errno, sys
import pyarrow.parquet as pq
real = pq.write_table
def full(table, where, *a, **k):
    real(table, where, *a, **k)          # half the data reaches the disk, then it is full
    raise OSError(errno.ENOSPC, "No space left on device", str(where))
pq.write_table = full
sys.argv = ["sim", *sys.argv[1:]]
from sim.__main__ import main
main()
"""


@pytest.mark.parametrize("mode", ["run", "sweep"])
def test_full_disk_is_a_clear_error_and_leaves_an_incomplete_dir(tmp_path: Path, mode: str) -> None:
    out = tmp_path / "out"
    args = [f"hydra.run.dir={out}"] if mode == "run" else ["-m", "seed=1", f"hydra.sweep.dir={out}",
                                                           "hydra/launcher=basic"]
    r = subprocess.run([sys.executable, "-c", FULL_DISK, *args, *TINY, "end_date=2015-01-10"], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    assert "No space left on device" in r.stderr and "timeseries.parquet" in r.stderr
    run_dir = out if mode == "run" else out / "0"
    assert not run_status(run_dir).complete
    assert not list(run_dir.glob(".*.tmp-*")), "the temporary file is removed"
    if mode == "run":
        assert r.returncode == 2 and r.stderr.startswith("error: run outputs not written: cannot write")
    else:  # the sweep fails and names the run that did not complete, with its overrides
        assert r.returncode == 1
        assert "not complete:" in r.stderr and "[seed=1" in r.stderr


@pytest.mark.slurm
def test_slurm_sweep_cancelled_midway_resumes(tmp_path: Path) -> None:
    if reason := slurm_unavailable():
        pytest.skip(reason)
    sweep = tmp_path / "sweep"
    cmd = sim_cmd("-m", "hydra/launcher=slurm", SEEDS, *TINY, "end_date=2016-07-01",
                  "hydra.launcher.timeout_min=10", f"hydra.sweep.dir={sweep}")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while not (sweep.is_dir() and complete_runs(sweep)):
            assert proc.poll() is None, proc.stdout.read()[-3000:]
            assert time.monotonic() < deadline, "no Slurm task completed in time"
            time.sleep(0.2)
        array_ids = {p.name.split("_")[0] for p in (sweep / ".submitit").iterdir() if p.name[0].isdigit()}
        assert len(array_ids) == 1, array_ids
        subprocess.run(["scancel", array_ids.pop()], check=True, timeout=30)
        out, _ = proc.communicate(timeout=240)  # submitit notices the cancellation and fails
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode != 0, out[-3000:]
    done = complete_runs(sweep)
    assert 1 <= len(done) < 8, f"the cancel should land mid-sweep: {len(done)} complete"
    assert "not complete:" in out  # the failed sweep names the runs it left incomplete
    before = {d.name: fingerprint(d) for d in done}

    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    report = r.stdout + r.stderr
    assert f"{len(before)} skipped (already complete)" in report, report[-3000:]
    runs = sorted(sweep.glob("[0-9]*"), key=lambda d: int(d.name))
    assert [d.name for d in runs] == [str(i) for i in range(8)]
    assert all(run_status(d).complete for d in runs)
    assert sorted(seed_of(d) for d in runs) == sorted(f"seed={i}" for i in range(1, 9))
    for name, prints in before.items():
        assert fingerprint(sweep / name) == prints, f"run {name} was recomputed"


def test_the_report_names_jobs_that_never_started(tmp_path: Path) -> None:
    """A job whose worker or Slurm task died before it started has no folder; the sweep's own
    expansion of the command line still names it, with its overrides."""
    from sim.tools.sweep import classify, expected_jobs, format_report

    jobs = expected_jobs(["seed=1,2", "scenario=baseline,barkhane"])
    assert jobs == [["seed=1", "scenario=baseline"], ["seed=1", "scenario=barkhane"],
                    ["seed=2", "scenario=baseline"], ["seed=2", "scenario=barkhane"]]
    report = format_report(tmp_path, classify(tmp_path, 0.0, jobs))
    assert "4 runs: 0 run now, 0 skipped (already complete), 4 not complete" in report
    assert f"not complete: {tmp_path / '3'} [seed=2 scenario=barkhane]: never started" in report
