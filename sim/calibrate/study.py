"""Running a calibration study on Optuna: storage, trials, resuming, stale trials, workers.

**Storage.** ``--storage`` takes an Optuna storage URL (``sqlite:///s.db``, ``postgresql://...``),
a path ending in ``.log`` or ``.journal`` (Optuna's journal file, the safe choice on a network
filesystem and for a Slurm array), or any other path (an SQLite file).

**Resuming.** The study is created with ``load_if_exists``: the same command again adds to the
same study. ``--trials N`` asks each run for N more finished trials.

**Stale trials (the kill -9 rule).** Every running trial records its worker (host and pid) and
a heartbeat (a user attribute refreshed every ``heartbeat`` seconds). Before each trial a worker
looks for RUNNING trials that are stale: their worker is on this host and its process is gone,
or their heartbeat is older than ``grace`` seconds. A stale trial is marked FAIL and its
parameters are enqueued again once (user attribute ``retry_of`` = its number), so the next
worker runs exactly those parameters: no trial is lost, and none is repeated (a COMPLETE
trial is never run again; a FAIL trial is retried once per failure).
"""

from __future__ import annotations

import math
import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import optuna
from optuna.trial import TrialState

from sim.calibrate.loss import loss, model_series
from sim.calibrate.space import Problem

__all__ = ["make_storage", "open_study", "sampler_seed_for", "enqueue_prior", "reap_stale", "evaluate", "run_trials", "worker_id"]

HEARTBEAT_S = 10.0
GRACE_S = 60.0


def make_storage(spec: str):
    """An Optuna storage from a URL, a journal file (``.log``/``.journal``) or an SQLite path."""
    if "://" in spec:
        return spec
    path = Path(spec).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix in (".log", ".journal"):
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend

        return JournalStorage(JournalFileBackend(str(path)))
    return f"sqlite:///{path}"


def sampler_seed_for(seed: int | None, trials_so_far: int, worker: int) -> int | None:
    """The TPE sampler's seed for one worker process.

    The user's ``--sampler-seed`` is mixed with the study's trial count when the process opens
    it and with the worker's index: two workers started together, or a resumed run, would
    otherwise draw the same parameters as each other or as the study's first trials (every
    worker holds its own sampler)."""
    if seed is None:
        return None
    import numpy as np

    return int(np.random.SeedSequence([seed, trials_so_far, worker]).generate_state(1)[0])


def open_study(storage: str, name: str, sampler_seed: int | None = None,
               worker: int = 0) -> optuna.Study:
    """Create or load the study; its sampler's seed comes from :func:`sampler_seed_for`."""
    store = make_storage(storage)
    study = optuna.create_study(study_name=name, storage=store, direction="minimize",
                                load_if_exists=True)
    seed = sampler_seed_for(sampler_seed, len(study.get_trials(deepcopy=False)), worker)
    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=10)
    return optuna.load_study(study_name=name, storage=store, sampler=sampler)


def enqueue_prior(study: optuna.Study, problem: Problem) -> bool:
    """Queue the prior defaults (the schema's values) as a trial of a new study, marked with
    the user attribute ``prior_defaults``, so that the report can set the calibrated errors
    beside the uncalibrated ones. False (nothing queued) when a default lies outside its range."""
    values = {}
    for p in problem.params:
        if math.isnan(p.default) or not p.lo <= p.default <= p.hi:
            return False
        values[p.key] = int(p.default) if p.integer else p.default
    study.enqueue_trial(values, user_attrs={"prior_defaults": True})
    return True


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _dead_here(worker: str | None) -> bool:
    if not worker:
        return False
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def reap_stale(study: optuna.Study, grace: float = GRACE_S) -> list[int]:
    """Mark stale RUNNING trials FAIL and enqueue their parameters once more; return their numbers."""
    now = time.time()
    trials = study.get_trials(deepcopy=False)
    retried = {t.user_attrs.get("retry_of") for t in trials}
    reaped = []
    for t in trials:
        if t.state != TrialState.RUNNING:
            continue
        beat = t.user_attrs.get("heartbeat", t.datetime_start.timestamp() if t.datetime_start else now)
        if not (_dead_here(t.user_attrs.get("worker")) or now - beat > grace):
            continue
        try:
            study._storage.set_trial_state_values(t._trial_id, state=TrialState.FAIL)
        except (optuna.exceptions.UpdateFinishedTrialError, RuntimeError):
            continue  # another worker got there first, or it just finished
        if t.number not in retried and t.params:
            study.enqueue_trial(dict(t.params), user_attrs={"retry_of": t.number})
        reaped.append(t.number)
    return reaped


class _Heartbeat:
    def __init__(self, study: optuna.Study, trial_id: int, every: float):
        self.study, self.trial_id, self.every = study, trial_id, every
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self.stop.wait(self.every):
            try:
                self.study._storage.set_trial_user_attr(self.trial_id, "heartbeat", time.time())
            except Exception:  # the trial finished meanwhile
                return

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=5)


def evaluate(problem: Problem, values: dict[str, float], seeds: list[int]) -> dict:
    """Run the model at ``values`` for each seed; return the seed-mean series, each seed's series
    (in the order of ``seeds``) and both losses."""
    import sim
    from sim.calibrate.configs import trial_config

    per_seed = []
    for seed in seeds:
        res = sim.run(trial_config(problem, values, seed), progress=False)
        per_seed.append(model_series(list(problem.series), res.timeseries, res.events))
    mean = {k: sum(d[k] for d in per_seed) / len(per_seed) for k in per_seed[0]}
    return {"series": mean, "series_per_seed": per_seed,
            "loss_in": loss(list(problem.series), mean, True),
            "loss_out": loss(list(problem.series), mean, False)}


def suggest(trial: optuna.Trial, problem: Problem) -> dict[str, float]:
    out = {}
    for p in problem.params:
        if p.integer:
            out[p.key] = trial.suggest_int(p.key, math.ceil(p.lo), math.floor(p.hi), log=p.log)
        else:
            out[p.key] = trial.suggest_float(p.key, p.lo, p.hi, log=p.log)
    return out


def run_trials(study: optuna.Study, problem: Problem, n_trials: int, seeds: list[int],
               heartbeat: float = HEARTBEAT_S, grace: float = GRACE_S,
               report: Callable[[str], None] = print) -> int:
    """Run ``n_trials`` more trials in this process; return how many completed."""
    started, done = time.perf_counter(), 0
    tag = os.environ.get("SLURM_ARRAY_TASK_ID")

    def objective(trial: optuna.Trial) -> float:
        trial.set_user_attr("worker", worker_id())
        trial.set_user_attr("heartbeat", time.time())
        trial.set_user_attr("seeds", list(seeds))
        if tag is not None:
            trial.set_user_attr("slurm_array_task", int(tag))
        values = suggest(trial, problem)
        with _Heartbeat(study, trial._trial_id, heartbeat):
            out = evaluate(problem, values, seeds)
        trial.set_user_attr("loss_out_of_sample", out["loss_out"])
        trial.set_user_attr("series", out["series"])
        trial.set_user_attr("series_per_seed", out["series_per_seed"])
        return out["loss_in"]

    mine: list[optuna.trial.FrozenTrial] = []
    for _ in range(n_trials):
        reaped = reap_stale(study, grace)
        if reaped:
            report(f"marked stale trial(s) {reaped} FAIL and enqueued their parameters again")
        study.optimize(objective, n_trials=1, gc_after_trial=False,
                       callbacks=[lambda _s, t: mine.append(t)])
        done += 1
        elapsed = time.perf_counter() - started
        last = mine[-1]
        complete = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))]
        best = min((t.value for t in complete), default=math.nan)
        eta = elapsed / done * (n_trials - done)
        report(f"[{worker_id()}] trial {done}/{n_trials} done (#{last.number}, loss "
               f"{last.value if last.value is not None else float('nan'):.4g}); study: "
               f"{len(complete)} complete, best loss {best:.4g}; ETA {eta:.0f} s")
    return done
