"""``python -m sim.aggregate``: the documented name of :mod:`sim.tools.aggregate` (kept so that
users' scripts and sweeps keep working)."""

from sim.tools.aggregate import *  # noqa: F403
from sim.tools.aggregate import __all__, main  # noqa: F401

if __name__ == "__main__":
    import sys

    sys.exit(main())
