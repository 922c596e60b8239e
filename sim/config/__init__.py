"""The typed configuration schema and its composition (no model, no numba is imported here).

* :mod:`sim.config.schema`: the root :class:`Config`, the map, the scenario and the outputs;
* :mod:`sim.config.actors`: populations, state forces, partners and insurgents;
* :mod:`sim.config.mechanisms`: detection, engagements, harm, control and movement;
* :mod:`sim.config.displacement`: flight by cause, destinations, return, sieges;
* :mod:`sim.config.epstein`: the Epstein (2002) replication;
* :mod:`sim.config.compose`: ``load_config`` (Hydra composition without its command line),
  ``to_config`` (validation), the ConfigStore registration and the error messages.
"""

from sim.config.actors import (
    FactionConfig,
    ForceConfig,
    InsurgentsConfig,
    MilitiaConfig,
    PartnerConfig,
    PartnersConfig,
    PopulationConfig,
    StateConfig,
)
from sim.config.compose import (
    CONFIG_DIR,
    config_hash,
    config_yaml,
    explain,
    load_config,
    register_schema,
    schema_node,
    to_config,
)
from sim.config.displacement import DisplacementConfig
from sim.config.epstein import EpsteinConfig
from sim.config.mechanisms import MechanismsConfig
from sim.config.schema import Config, Intervention, MapConfig, OutputConfig, ScenarioConfig
from sim.core.params import ConfigError

__all__ = [
    "Config", "MapConfig", "ScenarioConfig", "Intervention", "OutputConfig", "ConfigError",
    "PopulationConfig", "StateConfig", "ForceConfig", "MilitiaConfig", "PartnersConfig", "PartnerConfig",
    "InsurgentsConfig", "FactionConfig", "MechanismsConfig", "DisplacementConfig", "EpsteinConfig",
    "CONFIG_DIR", "load_config", "to_config", "config_hash", "config_yaml", "register_schema",
    "schema_node", "explain",
]
