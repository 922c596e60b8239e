"""Shared fixtures: small, fast configurations."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(os.path.dirname(__file__), "..", ".numba_cache"))

import sim  # noqa: E402

SMALL = ["map=synthetic", "map.width=40", "map.height=30", "map.n_towns=10", "map.synthetic_people=1000000",
         "people_per_agent=50", "start_date=2015-01-01", "end_date=2015-07-01", "output.progress=false"]


@pytest.fixture(scope="session")
def small_cfg():
    return sim.load_config(SMALL)


@pytest.fixture(scope="session")
def small_results(small_cfg):
    return sim.run(small_cfg)
