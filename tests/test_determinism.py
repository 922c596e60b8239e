"""The same seed gives bit-identical results on 1 and 2 threads."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import SMALL

SCRIPT = """
import hashlib, sys, sim
cfg = sim.load_config(sys.argv[1:])
r = sim.run(cfg)
import numba
print(numba.get_num_threads(), hashlib.sha256(r.timeseries.to_csv().encode() + r.events.to_csv().encode()).hexdigest())
"""


def test_same_seed_bit_identical_on_1_and_2_threads():
    digests = {}
    for threads in ("1", "2"):
        env = {**os.environ, "NUMBA_NUM_THREADS": threads}
        out = subprocess.run([sys.executable, "-c", SCRIPT, *SMALL, "end_date=2015-04-01"], env=env,
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr[-2000:]
        n, digest = out.stdout.split()[-2:]
        assert n == threads
        digests[threads] = digest
    assert digests["1"] == digests["2"]
