"""The house's shape (ARCHITECTURE.md), checked so that it stays that way.

* the configuration loads no model and no numba;
* the model declares its whole state in ``__init__``;
* ``SahelModel.step``'s docstring names its phases, one module each;
* files are small, the import graph has no cycles, and phases share no private names;
* numba's flags come from one module; every metric says whether it is a flow or a stock.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import sim
from sim.api import MODELS
from sim.config.schema import Config
from sim.output.metrics import KINDS, METRICS

ROOT = Path(__file__).resolve().parents[1]
SIM = ROOT / "sim"


def _modules() -> dict[str, Path]:
    """Every module of the ``sim`` package by dotted name."""
    out = {}
    for path in SIM.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(path: Path, module: str) -> list[tuple[str, list[str]]]:
    """(imported module, imported names) for each import in ``path`` (relative ones resolved)."""
    tree = ast.parse(path.read_text())
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            out.append((base, [a.name for a in node.names]))
    return out


def test_loading_the_configuration_imports_neither_numba_nor_a_model():
    code = ("import sys, sim.config; sim.load_config(['seed=1']); "
            "bad = [m for m in ('numba', 'mesa', 'sim.sahel', 'sim.epstein') if m in sys.modules]; "
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""


def test_steps_create_no_attribute_that_init_did_not_declare():
    from sim.sahel.model import SahelModel

    cfg = sim.load_config(["map=synthetic", "map.width=30", "map.height=20", "people_per_agent=200",
                           "scenario=historical_2012_2025", "start_date=2021-11-25", "end_date=2022-01-10",
                           "output.progress=false"])
    model = SahelModel(cfg)
    declared = set(vars(model))
    band_rows = model.bands.n
    model.run()
    assert set(vars(model)) - declared == set()
    assert model.cfg is not model.config  # the timeline changed the config in force, not the declared one
    assert model.bands.n >= band_rows
    for table in (model.units, model.bands, model.population):
        assert set(vars(table)) == {"capacity", "n", *(c.name for c in table.COLUMNS)} | (
            {"troops0"} if table is model.units else set()) | (
            {"people_per_agent"} if table is model.population else set())


def test_each_phase_in_the_step_docstring_is_one_module_of_that_name():
    from sim.sahel.model import SahelModel

    names = re.findall(r"^\s*\d+\. \*\*(\w+)\*\*", SahelModel.__doc__, re.M)
    assert names == ["timeline", "perceive", "fight", "harm", "civilians", "control", "record"]
    modules = sorted(p.stem for p in (SIM / "sahel" / "phases").glob("*.py") if p.stem != "__init__")
    assert modules == sorted(names)
    step_src = ast.get_source_segment((SIM / "sahel" / "model.py").read_text(),
                                      next(n for n in ast.walk(ast.parse((SIM / "sahel" / "model.py").read_text()))
                                           if isinstance(n, ast.FunctionDef) and n.name == "step"))
    called = list(dict.fromkeys(re.findall(r"\b(\w+)\.\w+\(self\)", step_src)))
    assert called == names


@pytest.mark.parametrize("folder", ["sim", "experiments"])
def test_no_file_is_longer_than_500_lines(folder):
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / folder).rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 500}
    assert long == {}


def test_the_import_graph_has_no_cycles_and_phases_share_no_private_names():
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    private: list[str] = []
    for name, path in modules.items():
        for target, names in _imports(path, name):
            hits = [m for m in modules if target == m or (target.startswith(m + ".") and m != "sim")]
            for m in hits:
                if m != name:
                    graph[name].add(m)
            for n in names:
                if f"{target}.{n}" in modules and f"{target}.{n}" != name:
                    graph[name].add(f"{target}.{n}")
            if ".phases." in name and ".phases." in target and any(n.startswith("_") for n in names):
                private.append(f"{name} imports {names} from {target}")
    assert private == []
    # package __init__ files re-export their children; a child importing its own package's
    # name is not a cycle of code, so edges to a package from inside it are dropped
    for name in graph:
        graph[name] = {t for t in graph[name] if not name.startswith(t + ".")}
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt] if nxt in stack else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_numba_flags_come_from_one_module():
    offenders = [str(p.relative_to(ROOT)) for p in SIM.rglob("*.py")
                 if p.name != "jit.py" and re.search(r"\bnjit\b|_nrt", p.read_text())]
    assert offenders == []


def test_every_metric_says_whether_it_is_a_flow_or_a_stock():
    assert {m.kind for m in METRICS} <= set(KINDS)
    assert {m.name for m in METRICS if m.kind == "flow"} >= {
        "recruits", "insurgent_losses", "state_losses", "leaders_killed", "civilian_deaths_by_state"}


def test_the_model_table_covers_every_model_kind_in_the_schema():
    import dataclasses

    field = next(f for f in dataclasses.fields(Config) if f.name == "model")
    assert set(MODELS) == set(field.metadata["choices"])
