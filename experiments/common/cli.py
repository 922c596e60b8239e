"""The command line every experiment shares, and the sizes and window it selects."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from sim.config import Config

from . import ROOT

DEFAULT_OUT = ROOT / "outputs" / "experiments"

# The experiments run at the model's default group size, the coarsest at which the resolution
# study found no outcome to change (docs/resolution.md); it is passed explicitly so that every
# command line says what it ran. sensitivity.py checks 1,000.
PEOPLE_PER_AGENT = Config().people_per_agent
SMALL_MAP = ["map=synthetic", "map.width=40", "map.height=30", "people_per_agent=50"]
SMALL_SEEDS, SMALL_DAYS = 3, 90
QUIET = ["output.dashboard=false", "output.progress=false"]


def parser(name: str, doc: str, *, years: float = 5, start: str = "2020-01-01",
           seeds: int = 20) -> argparse.ArgumentParser:
    """The command line every experiment shares (plus its own options, added by the caller)."""
    p = argparse.ArgumentParser(prog=f"experiments/{name}.py", description=doc,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", type=int, default=None,
                   help=f"replicates per arm, seeds 1..N, the same in every arm (default {seeds}; "
                        f"--small: {SMALL_SEEDS})")
    p.add_argument("--years", type=float, default=None,
                   help=f"length of the simulated window in years (default {years:g}; "
                        f"--small: {SMALL_DAYS} days)")
    p.add_argument("--start", default=None, help=f"first simulated day (default {start})")
    p.add_argument("--end", default=None, help="day after the last simulated day "
                                               "(default: start + years)")
    p.add_argument("--out", type=Path, default=None,
                   help=f"output folder (default {DEFAULT_OUT.relative_to(ROOT)}/{name}; "
                        f"--small: .../{name}_small)")
    p.add_argument("--launcher", choices=("local", "slurm"), default="local",
                   help="Hydra launcher: local (joblib, 2 workers) or slurm (one job array)")
    p.add_argument("--small", action="store_true",
                   help="reduced size for tests: synthetic 40x30 map, 50 people per agent, "
                        f"{SMALL_SEEDS} seeds, {SMALL_DAYS} days")
    p.add_argument("--reuse", action="store_true",
                   help="skip a sweep whose folder already holds the complete runs of the very "
                        "same command (re-analyse without re-running)")
    p.add_argument("--params", choices=("prior", "calibrated"), default="prior",
                   help="parameter set: the schema's values (prior, default) or the calibration "
                        "study's best trial (configs/params/calibrated.yaml)")
    p.set_defaults(_defaults={"years": years, "start": start, "seeds": seeds})
    return p


def seeds_of(args: argparse.Namespace) -> list[int]:
    """Seeds 1..N: ``--seeds``, else the size's default."""
    n = args.seeds or (SMALL_SEEDS if args.small else args._defaults["seeds"])
    return list(range(1, n + 1))


def window(args: argparse.Namespace, small_start: str | None = None) -> tuple[str, str]:
    """First simulated day and the day after the last (ISO dates) from the command line.

    ``small_start``: the first day of the ``--small`` window (default: the normal one).
    """
    a, d = args, args._defaults
    start = a.start or (small_start if a.small and small_start else d["start"])
    start_day = dt.date.fromisoformat(start)
    if a.end:
        end_day = dt.date.fromisoformat(a.end)
    elif a.small and a.years is None:
        end_day = start_day + dt.timedelta(days=SMALL_DAYS)
    else:
        end_day = _add_years(start_day, a.years if a.years is not None else d["years"])
    if end_day <= start_day:
        raise SystemExit(f"error: end {end_day} is not after start {start_day}")
    return start_day.isoformat(), end_day.isoformat()


def _add_years(day: dt.date, years: float) -> dt.date:
    whole = int(years)
    try:
        out = day.replace(year=day.year + whole)
    except ValueError:  # 29 February
        out = day.replace(year=day.year + whole, day=28)
    return out + dt.timedelta(days=round((years - whole) * 365.25))
