"""Composing and validating configs: Hydra's ConfigStore, ``load_config``, ``to_config``.

The schema (:mod:`sim.config.schema`) is registered in Hydra's ConfigStore as ``sahel_schema``
and is the first entry of ``configs/config.yaml``'s defaults list, so every group is merged into
a typed node: an unknown key or a wrong type fails at composition. Ranges and cross-field rules
are then checked by :func:`sim.core.params.validate`, whose errors name the key, the value and
what is allowed. Hydra's own composition errors are rewritten into the same form
(:func:`explain`).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from omegaconf import DictConfig, ListConfig, OmegaConf

from sim.config.schema import Config, config_node
from sim.core.params import ConfigError, validate

__all__ = ["CONFIG_DIR", "load_config", "to_config", "config_hash", "config_yaml", "register_schema",
           "schema_node", "explain", "check_overrides"]

CONFIG_DIR = Path(__file__).resolve().parents[2] / "configs"


def register_schema() -> None:
    """Register the schema in Hydra's ConfigStore (idempotent)."""
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name="sahel_schema", node=schema_node())


def schema_node() -> DictConfig:
    """The typed schema as an OmegaConf node. The dataclasses are frozen for Python users; the
    node is made writable so that YAML groups and overrides can be merged into it (types and
    keys are still enforced)."""
    node = OmegaConf.structured(Config)
    _writable(node)
    return node


_MEMO = 8  # configs remembered by the per-process memos below (a run needs one)
_SCHEMA: list[DictConfig] = []                      # schema_node(), made once (read only)
_VALIDATED: dict[int, Config] = {}                  # id -> a Config that to_config validated
_TEXT: dict[int, tuple[Config, str, str]] = {}      # id -> (Config, sorted YAML, YAML)


def _remember(memo: dict, key: int, value) -> None:
    if len(memo) >= _MEMO:
        memo.pop(next(iter(memo)))
    memo[key] = value


def _schema() -> DictConfig:
    """:func:`schema_node`, made once per process and only read (``OmegaConf.merge`` copies it)."""
    if not _SCHEMA:
        _SCHEMA.append(schema_node())
    return _SCHEMA[0]


def _writable(node) -> None:
    OmegaConf.set_readonly(node, None)
    children = node.values() if isinstance(node, DictConfig) else (node if isinstance(node, ListConfig) else ())
    for child in children if not isinstance(node, DictConfig) else (node._get_node(k) for k in node.keys()):
        if isinstance(child, DictConfig | ListConfig):
            _writable(child)


_TYPE_NAMES = {"Integer": "int", "Float": "float", "Boolean": "bool", "String": "str"}

_HYDRA_MESSAGES = [
    # (pattern in Hydra/OmegaConf's message, how to say it)
    (re.compile(r"Could not find '([\w/]+)/(\w+)'.*?Available options in '\w+':\s*(.*?)(?:\n\s*\n|Config search path|$)", re.S),
     lambda m: ConfigError(m[1], m[2], "one of " + ", ".join(m[3].split()))),
    (re.compile(r"Key '(\w+)' not in '\w+'.*?full_key: ([\w.\[\]]+)", re.S),
     lambda m: ConfigError(m[2], "<unknown key>", "only keys declared in the schema (sim/config/)")),
    (re.compile(r"Key '(\w+)' is not in struct.*?full_key: ([\w.\[\]]+)", re.S),
     lambda m: ConfigError(m[2], "<unknown key>", "only keys declared in the schema (sim/config/)")),
    (re.compile(r"Could not override '([\w.]+)'.*?Key '(\w+)' is not in struct", re.S),
     lambda m: ConfigError(m[1], "<unknown key>", "only keys declared in the schema (sim/config/)")),
    (re.compile(r"Value '(.*?)' (?:of type '\w+' )?could not be converted to (\w+).*?full_key: ([\w.\[\]]+)", re.S),
     lambda m: ConfigError(m[3], m[1], f"a value of type {_TYPE_NAMES.get(m[2], m[2])}")),
    (re.compile(r"Invalid value '(.*?)', expected one of \[(.*?)\].*?full_key: ([\w.\[\]]+)", re.S),
     lambda m: ConfigError(m[3], m[1], f"one of {m[2]}")),
    (re.compile(r"Value '(.*?)' is not a valid bool.*?full_key: ([\w.\[\]]+)", re.S),
     lambda m: ConfigError(m[2], m[1], "a value of type bool (true or false)")),
    (re.compile(r"Cannot convert '(\w+)' to string: '(.*?)'\s*full_key: ([\w.\[\]]+)", re.S),
     lambda m: ConfigError(m[3], m[2], f"a value of type str, not a {m[1]}")),
    # any other OmegaConf validation error that names its key
    (re.compile(r"(?:ValidationError|Error)[^\n]*?:?\s*(.*?)\s*full_key: ([\w.\[\]]+)", re.S),
     lambda m: ConfigError(m[2], m[1].strip().splitlines()[0] if m[1].strip() else "?", "a valid value")),
]


def explain(exc: BaseException) -> ConfigError:
    """Turn a Hydra/OmegaConf composition error into a :class:`ConfigError` with a clear message."""
    text = str(exc)
    cause = exc.__cause__
    while cause is not None:
        text += "\n" + type(cause).__name__ + ": " + str(cause)
        cause = cause.__cause__
    for pattern, make in _HYDRA_MESSAGES:
        m = pattern.search(text)
        if m:
            return make(m)
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return ConfigError("<config>", first, "a valid configuration")


def to_config(cfg: DictConfig | Config) -> Config:
    """Convert a composed DictConfig (or a Config) into a validated, frozen :class:`Config`."""
    if isinstance(cfg, Config):
        if _VALIDATED.get(id(cfg)) is cfg:  # validated already (a Config is frozen)
            return cfg
        obj = cfg
    else:
        cfg = cfg.copy()
        with _open(cfg):
            cfg.pop("hydra", None)
        schema = _schema()
        _reject_unknown_keys(cfg, schema)
        try:
            merged = OmegaConf.merge(schema, cfg)
            obj = OmegaConf.to_object(merged)
        except ConfigError:
            raise
        except Exception as exc:  # OmegaConf's ValidationError, KeyError, ... (may wrap our own)
            inner = exc.__cause__ or exc.__context__
            if isinstance(inner, ConfigError):
                raise inner from None
            raise explain(exc) from None
    validate(obj)
    _remember(_VALIDATED, id(obj), obj)
    return obj


def _reject_unknown_keys(node: DictConfig, schema: DictConfig, prefix: str = "") -> None:
    """Name the first key of ``node`` that the schema does not declare (dict-typed fields,
    such as ``state.forces``, accept new names)."""
    for key in node.keys():
        full = f"{prefix}.{key}" if prefix else str(key)
        if key not in schema:
            raise ConfigError(full, "<unknown key>", "only keys declared in the schema (sim/config/)")
        child, sub = node._get_node(key), schema._get_node(key)
        if isinstance(child, DictConfig) and isinstance(sub, DictConfig) and not _is_open_dict(sub):
            _reject_unknown_keys(child, sub, full)


def _is_open_dict(node: DictConfig) -> bool:
    """True for ``dict[str, X]`` fields (named profiles), false for dataclass nodes."""
    return node._metadata.object_type in (dict, None)


class _open:
    """Temporarily lift OmegaConf's struct flag."""

    def __init__(self, cfg: DictConfig):
        self.cfg = cfg

    def __enter__(self):
        OmegaConf.set_struct(self.cfg, False)

    def __exit__(self, *exc):
        OmegaConf.set_struct(self.cfg, True)


def check_overrides(overrides: list[str] | tuple[str, ...]) -> None:
    """Refuse a command-line value that OmegaConf would quietly turn into a bool.

    OmegaConf converts ``2`` or ``0`` given to a bool key into ``True`` or ``False``; a bool key
    here takes only ``true`` or ``false`` (a sweep's comma list is checked value by value).
    """
    schema = None
    for item in overrides:
        key, eq, value = str(item).lstrip("+").partition("=")
        if not eq or key.startswith(("~", "hydra")) or "/" in key or "@" in key:
            continue
        if schema is None:
            schema = _schema()
        try:
            default = OmegaConf.select(schema, key, default=None)
        except Exception:  # an unknown key: composition names it
            continue
        if not isinstance(default, bool):
            continue
        for word in value.split(","):
            if word.strip().lower() not in ("true", "false"):
                raise ConfigError(key, word.strip(), "true or false")


def load_config(overrides: list[str] | tuple[str, ...] = (), config_dir: str | Path | None = None) -> Config:
    """Compose ``configs/config.yaml`` with Hydra-style ``overrides``; return a validated Config.

    Works without Hydra's command line (for notebooks and tests)::

        cfg = sim.load_config(["scenario=take_the_gloves_off", "seed=3"])
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    check_overrides(overrides)
    register_schema()
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(config_dir or CONFIG_DIR), version_base=None):
            composed = compose(config_name="config", overrides=list(overrides))
    except ConfigError:
        raise
    except Exception as exc:
        raise explain(exc) from None
    finally:
        GlobalHydra.instance().clear()
    return to_config(composed)


def _texts(cfg: Config) -> tuple[str, str]:
    """The config as YAML with sorted keys and in field order, made once per Config object."""
    hit = _TEXT.get(id(cfg))
    if hit is None or hit[0] is not cfg:
        node = config_node(cfg)
        hit = (cfg, OmegaConf.to_yaml(node, sort_keys=True), OmegaConf.to_yaml(node))
        _remember(_TEXT, id(cfg), hit)
    return hit[1], hit[2]


def config_hash(cfg: Config) -> str:
    """A short, stable hash of the resolved config (for provenance)."""
    return hashlib.sha256(_texts(cfg)[0].encode()).hexdigest()[:16]


def config_yaml(cfg: Config) -> str:
    """The resolved config as YAML."""
    return _texts(cfg)[1]
