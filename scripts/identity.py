"""Byte-identity of seeded runs: the guard for changes that must not change behaviour.

Runs three fixed cases (the baseline and ``historical_2012_2025`` for two years each, and
``epstein_2002``), writes their ``timeseries.parquet`` and ``events.parquet`` and hashes them:

    python scripts/identity.py --check          # compare with tests/data/identity.json
    python scripts/identity.py --write          # refresh it (only when behaviour changes on purpose)

``tests/test_identity.py`` runs ``--check``'s comparison in ``make test``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

BASELINE = Path(__file__).resolve().parents[1] / "tests" / "data" / "identity.json"

CASES: dict[str, list[str]] = {
    "baseline_2y": ["seed=7", "start_date=2015-01-01", "end_date=2017-01-01"],
    "historical_2y": ["scenario=historical_2012_2025", "seed=7", "start_date=2012-01-01", "end_date=2014-01-01"],
    "epstein_2002": ["scenario=epstein_2002", "seed=7"],
}
FILES = ("timeseries.parquet", "events.parquet")


def digests(cases: dict[str, list[str]] = CASES) -> dict[str, dict[str, str]]:
    """sha256 of each case's Parquet files, written by ``Results.save`` (no dashboard)."""
    import sim

    out: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, overrides in cases.items():
            cfg = sim.load_config([*overrides, "output.progress=false", "output.dashboard=false"])
            run_dir = sim.run(cfg).save(Path(tmp) / name, dashboard=False)
            out[name] = {f: hashlib.sha256((run_dir / f).read_bytes()).hexdigest() for f in FILES}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help=f"compare with {BASELINE.name}")
    mode.add_argument("--write", action="store_true", help=f"write {BASELINE.name}")
    args = ap.parse_args(argv)
    now = digests()
    if args.write:
        BASELINE.parent.mkdir(parents=True, exist_ok=True)
        BASELINE.write_text(json.dumps(now, indent=2, sort_keys=True) + "\n")
        print(f"wrote {BASELINE}")
        return 0
    want = json.loads(BASELINE.read_text())
    bad = [f"{case}/{f}" for case in want for f in want[case] if now.get(case, {}).get(f) != want[case][f]]
    for name in bad:
        print(f"differs: {name}")
    print("identical" if not bad else f"{len(bad)} file(s) differ from {BASELINE}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
