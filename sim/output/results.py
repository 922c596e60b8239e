"""Results of one run: tidy tables, the event log, a summary with provenance; and how to save them."""

from __future__ import annotations

import json
import platform
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.config import Config, config_hash, config_yaml
from sim.output.atomic import OutputError, atomic_path, write_text_atomic
from sim.output.events import EVENT_SCHEMA
from sim.output.metrics import TIMESERIES_SCHEMA
from sim.output.rundir import (
    COMPLETION,
    CONFIG,
    EVENTS,
    SUMMARY,
    TIMESERIES,
    begin_run,
    completion_record,
)

__all__ = ["Results", "provenance", "OutputError"]


def _git_revision() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def provenance(cfg: Config) -> dict:
    """Seed, versions, git revision and config hash: what makes a result traceable."""
    import mesa
    import numba
    import numpy

    import sim

    return {
        "seed": cfg.seed, "scenario": cfg.scenario.name, "config_hash": config_hash(cfg),
        "git_revision": _git_revision(),
        "versions": {"sahel-sim": sim.__version__, "python": platform.python_version(), "mesa": mesa.__version__,
                     "numpy": numpy.__version__, "numba": numba.__version__, "pandas": pd.__version__,
                     "pyarrow": pa.__version__},
    }


def _write_parquet(df: pd.DataFrame, schema: pa.Schema, path: Path) -> None:
    table = pa.Table.from_pandas(df, schema=schema, preserve_index=False).replace_schema_metadata(None)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd", use_dictionary=True, write_statistics=True)


@dataclass
class Results:
    """What a run produced. ``timeseries`` is long (date, step, metric, country, community,
    faction, value); ``events`` is ACLED-shaped; ``summary`` holds headline figures and provenance."""

    config: Config
    timeseries: pd.DataFrame
    events: pd.DataFrame
    summary: dict
    maps: dict = field(default_factory=dict)  # final cell fields for the dashboard

    def metric(self, name: str, country: str = "all", community: str = "all", faction: str = "all") -> pd.Series:
        """One series, indexed by date."""
        ts = self.timeseries
        sel = ts[(ts.metric == name) & (ts.country == country) & (ts.community == community) & (ts.faction == faction)]
        if sel.empty:
            raise KeyError(f"no series metric={name!r} country={country!r} community={community!r} faction={faction!r}")
        return sel.set_index("date")["value"]

    def save(self, directory: str | Path, dashboard: bool | None = None) -> Path:
        """Write timeseries.parquet, events.parquet, config.yaml (and dashboard.png), then
        summary.json with its completion record (see :mod:`sim.output.rundir`).

        Each file is written atomically; the old marker is removed before anything else, so a
        save interrupted at any point leaves a folder that reads as incomplete. A file that
        cannot be written (disk full, no permission) raises :class:`OutputError` naming it.
        """
        try:
            out = begin_run(directory)
        except OSError as e:
            raise OutputError(directory, f"{e.strerror or e} (errno {e.errno})") from e
        files = [TIMESERIES, EVENTS, CONFIG]
        _write_parquet(self.timeseries, TIMESERIES_SCHEMA, out / TIMESERIES)
        _write_parquet(self.events, EVENT_SCHEMA, out / EVENTS)
        write_text_atomic(out / CONFIG, config_yaml(self.config))
        if self.config.output.dashboard if dashboard is None else dashboard:
            from sim.output.dashboard import draw_dashboard

            with atomic_path(out / "dashboard.png") as tmp:
                draw_dashboard(self, tmp)
            files.append("dashboard.png")
        summary = {**self.summary,
                   COMPLETION: completion_record(out, files, config_hash(self.config), self.config.model)}
        write_text_atomic(out / SUMMARY, json.dumps(summary, indent=2, default=str) + "\n")  # last
        return out
