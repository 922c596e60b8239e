"""Regression tier: seeded runs give the same Parquet bytes as the committed digests.

A change meant to leave behaviour alone (a refactor, a pure speed-up) must pass this as it is; a
change of behaviour refreshes the digests on purpose with ``python scripts/identity.py --write``.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]


def _identity_module():
    spec = importlib.util.spec_from_file_location("identity", _ROOT / "scripts" / "identity.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_seeded_runs_are_byte_identical_to_the_committed_digests():
    identity = _identity_module()
    want = json.loads(identity.BASELINE.read_text())
    assert set(want) == set(identity.CASES)
    assert identity.digests() == want
