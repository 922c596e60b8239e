"""Documentation that must stay true to the code."""

from __future__ import annotations

import subprocess
import sys

from sim.config import Config
from sim.core.params import parameter_rows


def test_odd_parameter_table_is_current():
    out = subprocess.run([sys.executable, "-m", "sim.tools.odd", "--check"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_every_parameter_has_a_meaning_and_a_source_or_assumption():
    for row in parameter_rows(Config()):
        assert row["doc"], row["key"]
        assert row["source"], row["key"]
