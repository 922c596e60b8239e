"""sahel-sim: an agent-based simulation of insurgency and counterinsurgency in the central Sahel.

>>> import sim
>>> cfg = sim.load_config(["map=synthetic", "end_date=2015-03-01"])
>>> results = sim.run(cfg)          # doctest: +SKIP
"""

__version__ = "0.1.0"

from sim.api import load_config, run  # noqa: E402
from sim.config import Config, ConfigError  # noqa: E402
from sim.output.results import Results  # noqa: E402

__all__ = ["run", "load_config", "Config", "ConfigError", "Results", "__version__"]
