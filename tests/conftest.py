"""Shared fixtures: small, fast configurations."""

from __future__ import annotations

import hashlib
import os
import pathlib

import pytest

_ROOT = pathlib.Path(__file__).resolve().parents[1]


def _source_hash() -> str:
    """The Makefile's SRC_HASH: sha1 of every sim/**/*.py, concatenated in sorted path order.
    numba's cache does not notice when a function inlined from another module changes, so a
    cache directory per source state is what keeps a plain ``pytest`` from running stale code."""
    paths = sorted(str(p.relative_to(_ROOT)) for p in (_ROOT / "sim").rglob("*.py"))
    return hashlib.sha1(b"".join((_ROOT / p).read_bytes() for p in paths)).hexdigest()[:12]


os.environ.setdefault("NUMBA_CACHE_DIR", str(_ROOT / ".numba_cache" / _source_hash()))

import sim  # noqa: E402

SMALL = ["map=synthetic", "map.width=40", "map.height=30", "map.n_towns=10", "map.synthetic_people=1000000",
         "people_per_agent=50", "start_date=2015-01-01", "end_date=2015-07-01", "output.progress=false"]


@pytest.fixture(scope="session")
def small_cfg():
    return sim.load_config(SMALL)


@pytest.fixture(scope="session")
def small_results(small_cfg):
    return sim.run(small_cfg)
