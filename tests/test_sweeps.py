"""Sweeps end to end: `python -m sim -m ...` through the launchers, then `python -m sim.aggregate`.

What a user relies on: a multirun gives one complete run folder per job, through the launcher
the config promises (joblib with 2 workers by default, Slurm on request), and the runs merge
into one table labelled by run and seed.
"""

from __future__ import annotations

import pickle
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
# a small, short run: a few seconds once numba's cache is warm
SHORT = ["map=synthetic", "map.width=30", "map.height=20", "start_date=2020-01-01",
         "end_date=2020-03-01", "output.dashboard=false"]
RUN_FILES = ["timeseries.parquet", "events.parquet", "summary.json", ".hydra/config.yaml",
             ".hydra/overrides.yaml", ".hydra/hydra.yaml"]


def slurm_unavailable() -> str | None:
    """Why the Slurm test cannot run here (None: it can). Slurm's client tools may outlive
    the cluster (ci/slurm_down.sh stops the daemons, not the packages): ask the controller."""
    if shutil.which("sbatch") is None:
        return "no Slurm (sbatch not found)"
    ping = subprocess.run(["scontrol", "ping"], capture_output=True, text=True, timeout=30)
    if ping.returncode != 0 or "UP" not in ping.stdout:
        first_line = ping.stdout.strip().split("\n")[0]
        return f"no Slurm controller reachable (start one with ci/slurm_up.sh): {first_line}"
    return None


def sim_multirun(sweep: Path, *overrides: str, timeout: int = 600) -> None:
    cmd = [sys.executable, "-m", "sim", "-m", *overrides, *SHORT, f"hydra.sweep.dir={sweep}"]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"{' '.join(cmd)}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"


def assert_complete_runs(sweep: Path, seeds: list[int]) -> None:
    for job, seed in enumerate(seeds):
        run = sweep / str(job)
        missing = [f for f in RUN_FILES if not (run / f).is_file()]
        assert not missing, f"{run} lacks {missing}"
        assert f"seed={seed}" in yaml.safe_load((run / ".hydra" / "overrides.yaml").read_text())
        assert pq.read_metadata(run / "timeseries.parquet").num_rows > 0


def test_local_sweep_runs_through_joblib_and_aggregates(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    sim_multirun(sweep, "seed=1,2")
    assert_complete_runs(sweep, [1, 2])

    # the default launcher is configs/hydra/launcher/local.yaml: joblib, 2 workers, loky
    launcher = yaml.safe_load((sweep / "multirun.yaml").read_text())["hydra"]["launcher"]
    assert launcher["_target_"].endswith("JoblibLauncher")
    assert (launcher["n_jobs"], launcher["backend"]) == (2, "loky")
    job_hydra = yaml.safe_load((sweep / "0" / ".hydra" / "hydra.yaml").read_text())["hydra"]
    assert job_hydra["runtime"]["choices"]["hydra/launcher"] == "local"

    r = subprocess.run([sys.executable, "-m", "sim.aggregate", str(sweep)], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    merged = pq.read_table(sweep / "timeseries_all.parquet").to_pandas()
    per_run = {str(j): pq.read_metadata(sweep / str(j) / "timeseries.parquet").num_rows
               for j in (0, 1)}
    assert merged.groupby("run").size().to_dict() == per_run
    assert merged.groupby("run")["seed"].first().to_dict() == {"0": "1", "1": "2"}
    assert (merged["map"] == "synthetic").all() and (merged["map.width"] == "30").all()
    runs = pq.read_table(sweep / "runs.parquet").to_pylist()
    assert [(r["run"], r["seed"]) for r in runs] == [("0", "1"), ("1", "2")]
    assert (sweep / "events_all.parquet").is_file()


@pytest.mark.slurm
def test_slurm_sweep_completes_every_job(tmp_path: Path) -> None:
    if reason := slurm_unavailable():
        pytest.skip(reason)
    sweep = tmp_path / "sweep"
    submitted_after = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(time.time() - 1))
    sim_multirun(sweep, "hydra/launcher=slurm", "seed=1,2", "hydra.launcher.timeout_min=10")
    assert_complete_runs(sweep, [1, 2])

    # submitit's record of each array task: a pickled ("success", JobReturn)
    results = {}
    for f in sweep.glob(".submitit/*/*_result.pkl"):
        outcome, job_return = pickle.loads(f.read_bytes())
        assert outcome == "success", job_return
        assert job_return.status.name == "COMPLETED"
        results[f.parent.name] = [o for o in job_return.overrides if o.startswith("seed=")]
    assert sorted(results.values()) == [["seed=1"], ["seed=2"]]
    array_ids = {name.split("_")[0] for name in results}
    assert len(array_ids) == 1, "one Slurm job array for the sweep"
    array_id = array_ids.pop()

    # Slurm's own word, where accounting (slurmdbd) is up; its records lag a second or so.
    # -S: only this sweep's jobs (a restarted slurmctld reuses job ids)
    expected = {f"{array_id}_0", f"{array_id}_1"}
    states: dict[str, str] = {}
    for _ in range(40):
        out = subprocess.run(["sacct", "-X", "-n", "-P", "-o", "JobID,State", "-j", array_id,
                              "-S", submitted_after], capture_output=True, text=True)
        if out.returncode != 0:  # no accounting: submitit's results above are the evidence
            return
        states = dict(line.split("|")[:2] for line in out.stdout.split())
        if set(states) == expected and set(states.values()) == {"COMPLETED"}:
            break
        time.sleep(0.5)
    assert states == dict.fromkeys(expected, "COMPLETED"), out.stdout
