"""``python -m sim.explore``: serve the explorer (see :mod:`sim.tools.explore`)."""

import sys

from sim.tools.explore import main

if __name__ == "__main__":
    sys.exit(main())
