"""The explorer's model: one Sahel run (or two, in compare mode) behind Mesa's Step/Play/Reset.

:class:`ExplorerModel` is the ``mesa.Model`` that the app's controls create and step. It is
built from a scenario name and lever values (dotted config keys, :mod:`sim.explore.levers`):
the scenario is composed with :func:`sim.load_config`, the levers are merged in and the result
is validated by :func:`sim.config.to_config`, so a value outside the schema's range is refused
with the schema's own :class:`~sim.config.ConfigError` message (``ExplorerModel.error``) and
nothing runs; no value is ever clamped. In compare mode a second scenario, the *reference*, is
run beside the *arm* with the same seed, people per group and dates; charts then show arm minus
reference. Nothing here imports Solara: the app (:mod:`sim.explore.app`) only draws.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
import time
from functools import lru_cache
from typing import Any

import mesa
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from omegaconf import OmegaConf

from sim.config import CONFIG_DIR, Config, ConfigError, load_config, to_config
from sim.output.metrics import FLOW, METRIC_BY_NAME, TIMESERIES_SCHEMA
from sim.sahel.model import SahelModel
from sim.sahel.results import results_of

__all__ = ["ExplorerModel", "warm_up", "scenario_names", "scenario_config", "with_levers", "build_configs",
           "SHARED_KEYS", "chart_specs", "chart_panels", "series", "latest_events", "timeseries_frame",
           "to_csv_bytes", "to_parquet_bytes", "read_export"]

SHARED_KEYS = ("seed", "people_per_agent", "start_date", "end_date")
"""What the reference run takes from the arm in compare mode, so the two differ only by scenario."""

_COMPOSE_LOCK = threading.Lock()  # Hydra's GlobalHydra is process-wide; sessions compose in turn


WARM_UP = ("map=synthetic", "map.width=24", "map.height=16", "map.n_towns=4", "map.synthetic_people=200000",
           "people_per_agent=500", "end_date=2015-01-16", "output.progress=false")
"""A tiny run that calls every kernel of a step, civilian updates included (every 7 days)."""


def warm_up() -> float:
    """Load (or, on a cold numba cache, compile) the model's kernels; return the seconds.

    The server does this once as it starts: otherwise the first civilian update (day 7) of the
    first run compiles the civilian kernels on a cold cache, and that Step takes a minute.
    """
    started = time.perf_counter()
    model = SahelModel(load_config(list(WARM_UP)))
    model.run()
    return time.perf_counter() - started


def scenario_names() -> list[str]:
    """Every scenario under ``configs/scenario``."""
    return sorted(p.stem for p in (CONFIG_DIR / "scenario").glob("*.yaml"))


@lru_cache(maxsize=64)
def scenario_config(name: str, base: tuple[str, ...] = ()) -> Config:
    """A scenario as composed by :func:`sim.load_config` (``base``: further Hydra overrides,
    such as a smaller map for tests), without a progress bar or dashboard."""
    with _COMPOSE_LOCK:
        return load_config([f"scenario={name}", "output.progress=false", "output.dashboard=false", *base])


def with_levers(cfg: Config, values: dict[str, Any]) -> Config:
    """``cfg`` with dotted keys set to new values, validated by the schema (ConfigError if not)."""
    if not values:
        return cfg
    node = OmegaConf.create(OmegaConf.to_container(OmegaConf.structured(cfg)))
    for key, value in values.items():
        if OmegaConf.select(node, key, default="<absent>") == "<absent>":
            raise ConfigError(key, "<unknown key>", "only keys declared in the schema (sim/config/)")
        OmegaConf.update(node, key, value, merge=False)
    return to_config(node)


def build_configs(scenario: str, levers: dict[str, Any] | None = None, compare: str | None = None,
                  base: tuple[str, ...] = ()) -> tuple[Config, Config | None]:
    """The arm's config (scenario plus levers) and the reference's (compare scenario with the
    arm's :data:`SHARED_KEYS`), both validated. Raises ConfigError."""
    if scenario not in scenario_names():
        raise ConfigError("scenario", scenario, "one of " + ", ".join(scenario_names()))
    arm = with_levers(scenario_config(scenario, tuple(base)), dict(levers or {}))
    if arm.model != "sahel":
        raise ConfigError("scenario", scenario, f"a scenario of the Sahel model (this one runs model={arm.model!r}, "
                          "which has no map; run it with python -m sim)")
    if not compare:
        return arm, None
    if compare not in scenario_names():
        raise ConfigError("compare", compare, "one of " + ", ".join(scenario_names()))
    ref_base = scenario_config(compare, tuple(base))
    if ref_base.model != "sahel":
        raise ConfigError("compare", compare, f"a scenario of the Sahel model (this one runs model={ref_base.model!r})")
    ref = with_levers(ref_base, {k: getattr(arm, k) for k in SHARED_KEYS})
    return arm, ref


class ExplorerModel(mesa.Model):
    """The app's model: the arm (and in compare mode the reference) stepped a day at a time.

    Keyword arguments are what the app's Reset passes: ``scenario_name``, ``levers`` (dotted key ->
    value), ``compare`` (a reference scenario or None) and ``base`` (Hydra overrides for both,
    e.g. a small synthetic map in tests). An invalid value leaves ``error`` set to the schema's
    message, ``arm`` None and ``running`` False: the app shows the message and cannot step.
    """

    def __init__(self, scenario_name: str = "baseline", levers: dict[str, Any] | None = None,
                 compare: str | None = None, base: tuple[str, ...] | list[str] = ()):
        self.scenario_name, self.compare_name = scenario_name, compare or None
        self.levers: dict[str, Any] = dict(levers or {})
        self.base = tuple(base)
        self.error: str | None = None
        self.arm: SahelModel | None = None
        self.reference: SahelModel | None = None
        self.started = time.perf_counter()
        try:
            arm_cfg, ref_cfg = build_configs(scenario_name, self.levers, self.compare_name, self.base)
        except ConfigError as exc:
            super().__init__()
            self.error, self.running = str(exc), False
            return
        super().__init__(rng=arm_cfg.seed)
        self.arm = SahelModel(arm_cfg)
        self.reference = SahelModel(ref_cfg) if ref_cfg is not None else None
        self.running = self.arm.cfg.n_steps > 0

    @property
    def runs(self) -> list[tuple[str, SahelModel]]:
        """``(role, model)`` for the arm and, in compare mode, the reference."""
        out = [("arm", self.arm)] if self.arm is not None else []
        if self.reference is not None:
            out.append(("reference", self.reference))
        return out

    @property
    def date(self) -> dt.date | None:
        """The simulated date (the last day stepped; the start date before any step)."""
        return None if self.arm is None else self.arm.date

    @property
    def day(self) -> int:
        """Days stepped since the start."""
        return 0 if self.arm is None else int(self.arm.steps)

    def step(self) -> None:
        if self.arm is None or not self.running:
            return
        for _, model in self.runs:
            model.step()
        self.running = self.arm.steps < self.arm.cfg.n_steps


# ---- what the charts show: registry metrics, read straight from the recorder

def chart_specs(model: SahelModel) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """``(title, [(label, metric, group), ...])`` per chart, from the model's own factions and
    countries. Flow metrics are shown cumulatively (see :func:`series`)."""
    factions = model.faction_names
    countries = tuple(c for c, core in zip(model.world.country_names, model.world.is_core_country, strict=True) if core)
    return [
        ("civilian deaths by perpetrator (cumulative)",
         [(who, f"civilian_deaths_by_{who}", "all") for who in ("state", "partner", "militia", "insurgents")]),
        ("fighters by faction", [(f, "insurgent_fighters", f) for f in factions]),
        ("displaced", [("all", "displaced", "all")] + [(c, "displaced", c) for c in countries]),
        ("control: share of people", [("state", "pop_share_state_control", "all"),
                                      ("contested", "pop_share_contested", "all"),
                                      ("insurgent", "pop_share_insurgent_control", "all")]),
        ("leaders killed (cumulative)", [(f, "leaders_killed", f) for f in factions]),
    ]


def series(model: SahelModel, metric: str, group: str = "all") -> tuple[np.ndarray, np.ndarray]:
    """``(dates, values)`` of one recorded series so far; flows are summed up to each date."""
    rec = model.recorder
    values = rec.values[: rec.n, rec.index[(metric, group)]]
    if METRIC_BY_NAME[metric].kind == FLOW:
        values = np.nancumsum(values)
    dates = np.datetime64(model.config.start, "D") + rec.steps[: rec.n].astype("timedelta64[D]")
    return dates, values


def chart_panels(explorer: ExplorerModel) -> list[tuple[str, list[tuple[str, np.ndarray, np.ndarray]]]]:
    """What the charts draw: each panel's lines, or in compare mode arm minus reference."""
    if explorer.arm is None:
        return []
    arm, ref = explorer.arm, explorer.reference
    panels = []
    for title, lines in chart_specs(arm):
        drawn = []
        for label, metric, group in lines:
            dates, values = series(arm, metric, group)
            if ref is not None:
                _, ref_values = series(ref, metric, group)
                n = min(len(values), len(ref_values))
                dates, values = dates[:n], values[:n] - ref_values[:n]
            drawn.append((label, dates, values))
        panels.append((f"{title}: arm - reference" if ref is not None else title, drawn))
    return panels


def latest_events(model: SahelModel, n: int = 12) -> list[dict[str, Any]]:
    """The ``n`` latest events of the ACLED-shaped log, newest first."""
    names = ("event_id", "event_date", "year", "event_type", "sub_event_type", "actor1", "actor2",
             "country", "location", "latitude", "longitude", "fatalities", "civilian_fatalities")
    return [dict(zip(names, row, strict=True)) for row in reversed(model.events.rows[-n:])]


# ---- export

def timeseries_frame(explorer: ExplorerModel) -> pd.DataFrame:
    """The current run's long time series (``sim.output`` schema) with ``scenario`` and ``role``
    columns in front; in compare mode both runs, arm then reference."""
    frames = []
    for role, model in explorer.runs:
        ts = results_of(model, explorer.started).timeseries
        ts.insert(0, "role", role)
        ts.insert(0, "scenario", model.config.scenario.name)
        frames.append(ts)
    if not frames:
        return pd.DataFrame(columns=["scenario", "role", *TIMESERIES_SCHEMA.names])
    return pd.concat(frames, ignore_index=True)


EXPORT_SCHEMA = pa.schema([("scenario", pa.string()), ("role", pa.string()), *TIMESERIES_SCHEMA])


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False).encode()


def to_parquet_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    table = pa.Table.from_pandas(df, schema=EXPORT_SCHEMA, preserve_index=False).replace_schema_metadata(None)
    pq.write_table(table, buf, compression="zstd")
    return buf.getvalue()


def read_export(data: bytes, fmt: str) -> pd.DataFrame:
    """Read an export back (CSV or Parquet) with the same column types as :func:`timeseries_frame`."""
    if fmt == "parquet":
        df = pq.read_table(io.BytesIO(data)).to_pandas()
    else:
        df = pd.read_csv(io.BytesIO(data), keep_default_na=False, na_values=[""])
    df["date"] = pd.to_datetime(df["date"]).astype("datetime64[s]")
    df["step"] = df["step"].astype(np.int32)
    return df
