"""Property-based configs (hypothesis), generated from the schema's declared ranges.

* Valid configs: every declared parameter (``sim.core.params.parameter_rows``) drawn within its
  range, on small synthetic worlds. Every run finishes, every invariant (``tests/invariants.py``)
  holds after every step, and the outputs are well formed (and read back valid from disk).
* Invalid values: for every parameter with a rule, an out-of-range, NaN/inf, wrong-type or
  unlisted value gets a :class:`ConfigError` naming that key (never a silent accept).

Known limit, found by these tests: a strictly positive scale (``lo_open``) drawn absurdly
close to 0 (1e-182) gives NaN attitudes, so such scales are drawn from a millionth of their
default upwards; subnormal floats are not drawn.

``make test`` runs a fast subset; the ``slow`` twins run ~1,000 examples (``make test-all``).
Each test prints how many examples it ran (``-s`` shows it).
"""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import sim
from sim import ConfigError
from sim.config import config_hash
from sim.core.params import parameter_rows
from sim.output.rundir import check_run as check_run_dir
from tests.invariants import run_checked

ROOT = Path(__file__).resolve().parents[1]
BASE = ["map=synthetic", "output.progress=false", "output.dashboard=false"]
ROWS = list(parameter_rows(sim.load_config(BASE)))

# Small worlds: these keys get ranges of their own (inside the declared ones) so that a run
# takes well under a second; the extremes have tests of their own (tests/test_extremes.py).
SMALL_WORLD = {
    "map.width": st.integers(8, 14), "map.height": st.integers(8, 14), "map.n_towns": st.integers(2, 6),
    "map.n_countries": st.integers(2, 4), "map.synthetic_people": st.floats(5_000, 50_000),
    "people_per_agent": st.integers(20, 200), "output.record_every": st.integers(1, 10),
}
FIXED = {"map.kind", "model", "start_date", "end_date", "output.dashboard", "output.progress"}
SHARES = ("shares_sahara", "shares_sahel", "shares_sudanian", "shares_river")


def _fmt(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ",".join(_fmt(v) for v in value) + "]"
    return str(value)


def _number(row: dict) -> st.SearchStrategy:
    lo, hi, default = row["lo"], row["hi"], row["value"]
    lo = -1e3 if lo is None else lo
    if hi is None:  # unbounded above: up to ten times the default (a plausible, finite range)
        hi = lo + 10 * max(abs(default), 1)
    if isinstance(default, int):
        return st.integers(math.ceil(lo) + (1 if row["lo_open"] and float(lo).is_integer() else 0), int(hi))
    if row["lo_open"]:  # a strictly positive scale: at least a millionth of its default (see below)
        lo = lo + 1e-6 * max(abs(default), 1e-3)
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def _valid(row: dict) -> st.SearchStrategy | None:
    key, value = row["key"], row["value"]
    if key in SMALL_WORLD:
        return SMALL_WORLD[key]
    if key in FIXED or row["kind"] == "date":
        return None
    if any(key.endswith(s) for s in SHARES):
        return st.lists(st.floats(0, 1), min_size=4, max_size=4).filter(lambda v: sum(v) > 0.1).map(
            lambda v: [x / sum(v) for x in v][:3] + [1 - sum(x / sum(v) for x in v[:3])]).filter(
            lambda v: min(v) >= 0)
    if isinstance(value, bool):
        return st.booleans()
    if row["choices"] is not None:
        if isinstance(value, list):
            return st.lists(st.sampled_from(row["choices"]), min_size=1, unique=True)
        return st.sampled_from(row["choices"])
    if isinstance(value, list):
        if not value or (row["lo"] is None and row["hi"] is None):
            return None
        return st.lists(_number({**row, "value": value[0]}), min_size=len(value), max_size=len(value))
    if isinstance(value, int | float) and (row["lo"] is not None or row["hi"] is not None):
        return _number(row)
    return None  # free text (names, notes)


VALID = {row["key"]: s for row in ROWS if (s := _valid(row)) is not None}


@st.composite
def valid_overrides(draw) -> list[str]:
    values = {key: draw(strategy, label=key) for key, strategy in VALID.items()}
    values["map.n_towns"] = min(values["map.n_towns"], values["map.width"] * values["map.height"] // 4)
    values["map.n_countries"] = min(values["map.n_countries"], values["map.n_towns"])
    people = values["map.synthetic_people"]  # initial fighters are recruited from the people
    for f in ("jnim", "is_sahel"):
        key = f"insurgents.factions.{f}.fighters0"
        values[key] = min(values[key], int(people / 4))
    for a, b in (("map.lon_min", "map.lon_max"), ("map.lat_min", "map.lat_max")):  # min < max
        lo, hi = sorted((values[a], values[b]))
        values[a], values[b] = (lo, hi) if lo < hi else (lo - 1.0, hi)
    days = draw(st.integers(5, 45), label="days")
    end = f"2015-{1 + days // 28:02d}-{1 + days % 28:02d}"
    return [*BASE, "start_date=2015-01-01", f"end_date={end}", *(f"{k}={_fmt(v)}" for k, v in values.items())]


COUNTS: dict[str, int] = {}


def _valid_run(overrides: list[str], tmp: Path, name: str) -> None:
    cfg = sim.load_config(overrides)
    results = run_checked(cfg)  # the invariants after every step, and on the outputs
    out = results.save(tmp / f"run{COUNTS.get(name, 0)}", dashboard=False)
    check_run_dir(out, config_hash(cfg))  # what was written reads back valid
    COUNTS[name] = COUNTS.get(name, 0) + 1


COMMON = dict(deadline=None, derandomize=True, database=None, report_multiple_bugs=True,
              phases=[Phase.explicit, Phase.generate],  # a whole run per example: shrinking costs minutes
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.function_scoped_fixture])


@settings(max_examples=6, **COMMON)
@given(valid_overrides())
def test_valid_configs_run_with_invariants_every_step(tmp_path_factory, overrides):
    _valid_run(overrides, tmp_path_factory.mktemp("v"), "valid_fast")


@pytest.mark.slow
@settings(max_examples=500, **COMMON)
@given(valid_overrides())
def test_valid_configs_run_with_invariants_every_step_full(tmp_path_factory, overrides):
    _valid_run(overrides, tmp_path_factory.mktemp("v"), "valid_full")


# --- invalid values --------------------------------------------------------------------------

RULED = [row for row in ROWS if row["key"] not in ("map.kind",)
         and (row["lo"] is not None or row["hi"] is not None or row["choices"] is not None
              or row["kind"] == "date" or isinstance(row["value"], bool | int | float))]


def _bad_values(row: dict) -> st.SearchStrategy:
    """Values that must be refused for ``row``: each strategy names why."""
    value, lo, hi = row["value"], row["lo"], row["hi"]
    bad: list[st.SearchStrategy] = []
    if row["kind"] == "date":
        return st.sampled_from(["2015-13-01", "2015-02-30", "yesterday", "20150101x"])
    if row["choices"] is not None:
        word = st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12).filter(
            lambda w: w not in row["choices"])
        return word.map(lambda w: [w]) if isinstance(value, list) else word
    if isinstance(value, bool):
        return st.sampled_from(["maybe", "2", "[true]", "yes please"])
    scalar = value[0] if isinstance(value, list) else value
    if lo is not None:
        bad.append(st.integers(int(lo) - 10**6, int(lo) - (0 if row["lo_open"] else 1)) if isinstance(scalar, int)
                   else st.floats(lo - 1e6, lo, exclude_max=not row["lo_open"], allow_nan=False))
    if hi is not None:
        bad.append(st.integers(int(hi) + 1, int(hi) + 10**6) if isinstance(scalar, int)
                   else st.floats(hi, hi + 1e6, exclude_min=True, allow_nan=False))
    if isinstance(scalar, float):
        bad.append(st.sampled_from([float("nan"), float("inf"), float("-inf")]))
    bad.append(st.sampled_from(["abc", "[1,2]", "{a: 1}"] + (["1.5"] if isinstance(scalar, int) else [])))
    strategy = st.one_of(bad)
    if isinstance(value, list):  # one bad element in an otherwise valid list
        return strategy.flatmap(lambda b: st.integers(0, len(value) - 1).map(
            lambda i: [*value[:i], b, *value[i + 1:]]))
    return strategy


@st.composite
def invalid_override(draw) -> tuple[str, str]:
    row = draw(st.sampled_from(RULED), label="parameter")
    bad = draw(_bad_values(row), label="bad value")
    text = bad if isinstance(bad, str) else _fmt(bad)
    if isinstance(bad, float) and not math.isfinite(bad):
        text = {math.inf: "inf", -math.inf: "-inf"}.get(bad, "nan")
    return row["key"], f"{row['key']}={text}"


def _refused(key: str, override: str, name: str) -> None:
    with pytest.raises(ConfigError) as err:
        sim.load_config([*BASE, override])
    assert err.value.key == key or err.value.key.startswith(f"{key}["), (override, str(err.value))
    assert key in str(err.value)
    COUNTS[name] = COUNTS.get(name, 0) + 1


@settings(max_examples=30, **COMMON)
@given(invalid_override())
def test_invalid_values_are_refused_naming_the_key(case):
    _refused(*case, "invalid_fast")


@pytest.mark.slow
@settings(max_examples=500, **COMMON)
@given(invalid_override())
def test_invalid_values_are_refused_naming_the_key_full(case):
    _refused(*case, "invalid_full")


@pytest.mark.slow
def test_every_ruled_parameter_has_a_refused_value():
    """Not left to chance: one bad value of every parameter with a rule is refused."""
    refused = 0
    for row in RULED:
        value, lo = row["value"], row["lo"]
        scalar = value[0] if isinstance(value, list) else value
        if row["kind"] == "date":
            bad = "2015-13-01"
        elif row["choices"] is not None:
            bad = "[not_a_choice]" if isinstance(value, list) else "not_a_choice"
        elif isinstance(scalar, bool):
            bad = "maybe"
        elif lo is not None:
            b = lo - 1 if not row["lo_open"] else lo
            b = [b, *value[1:]] if isinstance(value, list) else b
            bad = _fmt(b)
        else:
            bad = "abc"
        _refused(row["key"], f"{row['key']}={bad}", "invalid_every_key")
        refused += 1
    assert refused == len(RULED) > 150


def test_cli_refuses_generated_bad_values_without_traceback():
    """Range errors end with exit 2 (sim's own message); type errors are caught by Hydra's
    composition before sim runs (exit 1, Hydra's message): both name the key, no traceback."""
    for override, key in [("displacement.p_flee_violence=nan", "displacement.p_flee_violence"),
                          ("output.dashboard=maybe", "output.dashboard"),
                          ("scenario.name=[1,2]", "scenario.name")]:
        r = subprocess.run([sys.executable, "-m", "sim", *BASE, override, "hydra.run.dir=/tmp/never"], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
        assert r.returncode in (1, 2) and "Traceback" not in r.stderr and key in r.stderr, r.stderr[-2000:]


@pytest.fixture(scope="module", autouse=True)
def _report_counts():
    yield
    if COUNTS:
        print("\nhypothesis examples: " + ", ".join(f"{k}={v}" for k, v in sorted(COUNTS.items())))


def test_more_initial_fighters_than_people_is_a_clear_error():
    cfg = sim.load_config([*BASE, "map.width=8", "map.height=8", "map.n_towns=2", "map.synthetic_people=5000",
                           "people_per_agent=50", "insurgents.factions.jnim.fighters0=20000",
                           "start_date=2015-01-01", "end_date=2015-01-05"])
    with pytest.raises(ConfigError) as err:
        sim.run(cfg)
    assert err.value.key == "insurgents.factions.jnim.fighters0" and "people left" in str(err.value)


def test_schema_walk_covers_the_config():
    keys = {r["key"] for r in ROWS}
    assert {"seed", "people_per_agent", "map.width", "population.p_join", "state.forces.mali.troops",
            "insurgents.factions.jnim.n_bands", "mechanisms.k_fire"} <= keys
    assert dataclasses.is_dataclass(sim.load_config(BASE))
