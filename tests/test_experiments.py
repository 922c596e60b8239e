"""The experiments (experiments/*.py) at their reduced size (``--small``), end to end.

What a user relies on: each experiment launches its runs through Hydra's multirun, with the
same seeds in every arm, and leaves a figure (a real PNG), a table of effects whose numbers are
finite and whose 95 % CIs contain their point estimates, and a manifest that says what was run
(commands, seeds, git revision); running the same experiment twice gives identical tables
(seeded, common random numbers); run_all.py keeps docs/findings.md in step with the outputs.
The scenario experiments are declared (``common.ExperimentSpec``) and run by one shared runner,
which must report every declared outcome for every arm and write every declared output.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = ROOT / "experiments"
sys.path.insert(0, str(EXPERIMENTS))

import common  # noqa: E402
import run_all  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"
EFFECT_COLUMNS = ["outcome", "description", "unit", "arm", "reference", "n_pairs",
                  "reference_mean", "arm_mean", "effect", "ci95_low", "ci95_high",
                  "relative_effect", "share_arm_higher", "p_value"]
# experiment -> (its effects table, extra columns in front of the common ones, its figures)
TABLES = {
    "gloves_off": ("effects.csv", [], ["figure.png", "effects.png"]),
    "intel_uplift": ("effects.csv", [], ["figure.png", "effects.png", "leaders_vs_strength.png"]),
    "french_withdrawal": ("effects.csv", [], ["figure.png", "difference.png", "effects.png"]),
    "mobilisation_alliance": ("effects.csv", [], ["figure.png", "effects.png"]),
    "accuracy_effectiveness": ("effects.csv", ["contrast", "held_at"], ["figure.png"]),
    "sensitivity": ("effects.csv", ["case", "param", "value", "default", "scope"],
                    ["figure.png", "figure_intel.png", "figure_withdrawal.png", "figure_mobilisation.png",
                     "figure_accurate.png"]),
}
_runs: dict[str, Path] = {}


def run_small(name: str, out: Path) -> Path:
    cmd = [sys.executable, str(EXPERIMENTS / f"{name}.py"), "--small", "--out", str(out)]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"{' '.join(cmd)}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return out


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The output folder of an experiment's --small run (each experiment runs once)."""
    def get(name: str) -> Path:
        if name not in _runs:
            _runs[name] = run_small(name, tmp_path_factory.mktemp(name))
        return _runs[name]
    return get


def assert_manifest(out: Path, name: str) -> dict:
    m = json.loads((out / "manifest.json").read_text())
    assert m["experiment"] == name and m["size"] == "small"
    assert m["seeds"] == [1, 2, 3] and m["replicates_per_arm"] == 3
    assert len(m["git_revision"]) == 40
    assert m["sweeps"] and all(s["command"].startswith("python -m sim -m ") for s in m["sweeps"])
    # common random numbers: every sweep runs the same seeds
    assert all("seed=1,2,3 " in s["command"] for s in m["sweeps"])
    assert all((out / f).is_file() for f in m["outputs"])
    return m


def assert_pngs(out: Path, names: list[str]) -> None:
    for n in names:
        data = (out / n).read_bytes()
        assert data[:8] == PNG and len(data) > 5_000, f"{n} is not a PNG figure"


@pytest.mark.parametrize("name", list(TABLES))
def test_experiment_outputs_are_well_formed(small, name: str) -> None:
    out = small(name)
    table, front, figures = TABLES[name]
    assert_manifest(out, name)
    assert_pngs(out, figures)
    eff = pd.read_csv(out / table)
    assert list(eff.columns[: len(front)]) == front
    assert set(EFFECT_COLUMNS) <= set(eff.columns)
    assert len(eff) > 0 and (eff["n_pairs"] == 3).all()
    cols = ["reference_mean", "arm_mean", "effect", "ci95_low", "ci95_high", "p_value",
            "share_arm_higher"]
    assert np.isfinite(eff[cols].to_numpy(float)).all()
    assert (eff["ci95_low"] <= eff["effect"]).all() and (eff["effect"] <= eff["ci95_high"]).all()
    # the mean of the paired differences is the difference of the means, up to the rounding of
    # two large means whose difference may be small (scale the tolerance by the means)
    scale = np.maximum(np.abs(eff["reference_mean"]), np.abs(eff["arm_mean"])).clip(lower=1.0)
    assert (np.abs(eff["effect"] - (eff["arm_mean"] - eff["reference_mean"])) <= 1e-6 * scale).all()
    md = (out / table.replace(".csv", ".md")).read_text()
    assert md.count("\n|") >= len(eff) // 2 and "95 % CI" in md


def test_french_withdrawal_arms_agree_before_the_exit(small) -> None:
    """Common random numbers: the arms share everything until the partner leaves, so the
    placebo effects before the exit are exactly zero."""
    eff = pd.read_csv(small("french_withdrawal") / "effects.csv")
    placebo = eff[eff["outcome"].str.startswith("pre_")]
    assert len(placebo) == 2 and (placebo["effect"] == 0).all()


def test_accuracy_grid_has_every_cell(small) -> None:
    out = small("accuracy_effectiveness")
    med = pd.read_csv(out / "grid_medians.csv")
    assert len(med) == 4 and set(med["discrimination"]) == {0.3, 0.8}
    per_run = pd.read_csv(out / "per_run.csv")
    assert per_run.groupby("cell")["seed"].apply(lambda s: sorted(s) == [1, 2, 3]).all()


def test_history_comparison_is_well_formed(small) -> None:
    out = small("history")
    assert_manifest(out, "history")
    assert_pngs(out, ["figure.png"])
    cmp = pd.read_csv(out / "comparison.csv", dtype={"period": str})
    assert {"indicator", "period", "reference", "model_mean", "ci95_low", "ci95_high",
            "model_median", "source"} <= set(cmp.columns)
    assert len(cmp) > 0 and cmp["source"].str.len().gt(0).all()
    ok = cmp[cmp["n_seeds"] >= 2]
    assert len(ok) > 0
    vals = ok[["model_mean", "ci95_low", "ci95_high", "model_median"]].to_numpy(float)
    assert np.isfinite(vals).all()
    assert ((ok["ci95_low"] <= ok["model_mean"]) & (ok["model_mean"] <= ok["ci95_high"])).all()


def test_same_small_experiment_twice_gives_identical_tables(small, tmp_path) -> None:
    first = small("gloves_off")
    second = run_small("gloves_off", tmp_path / "again")
    for table in ("effects.csv", "per_run.csv", "effects.md"):
        assert (first / table).read_bytes() == (second / table).read_bytes(), table


SPECS = ["gloves_off", "intel_uplift", "french_withdrawal", "mobilisation_alliance"]


@pytest.mark.parametrize("name", SPECS)
def test_shared_runner_reports_what_the_spec_declares(small, name: str) -> None:
    """Every declared outcome, for every arm but the reference, in the declared order; the
    outcomes per run; the declared extra tables and figures; arms and reference in the manifest."""
    spec = importlib.import_module(name).SPEC
    out = small(name)
    keys = [o.key for o in spec.outcomes]
    arms = [a for a in spec.arms if a != spec.reference]
    eff = pd.read_csv(out / "effects.csv")
    assert list(zip(eff["outcome"], eff["arm"], strict=True)) == [(k, a) for k in keys
                                                                   for a in arms]
    assert (eff["reference"] == spec.reference).all()
    assert list(eff["description"]) == [o.description for o in spec.outcomes for _ in arms]
    per_run = pd.read_csv(out / "per_run.csv")
    assert list(per_run.columns) == ["scenario", "seed", *keys]
    assert sorted(per_run["scenario"].unique()) == sorted(spec.arms)
    m = json.loads((out / "manifest.json").read_text())
    assert m["arms"] == list(spec.arms) and m["reference"] == spec.reference
    assert all(m[k] == v for k, v in spec.manifest.items())
    figures = ["figure.png", "effects.png", *(f.name for f in spec.figures)]
    figures += ["difference.png"] if spec.difference_title else []
    assert_pngs(out, figures)
    stems = ["effects", "events", *(t.stem for t in spec.tables)]
    expected = {"per_run.csv", *figures, *(f"{s}.{e}" for s in stems for e in ("csv", "md"))}
    assert set(m["outputs"]) == expected


def test_spec_rejects_inconsistent_declarations() -> None:
    spec = importlib.import_module("gloves_off").SPEC
    fields = {k: getattr(spec, k) for k in ("name", "doc", "arms", "outcomes", "panels",
                                            "effects_title", "figure_title")}
    assert common.ExperimentSpec(**fields).arms == spec.arms
    with pytest.raises(ValueError, match="reference"):
        common.ExperimentSpec(**fields, reference="no_such_arm")
    with pytest.raises(ValueError, match="distinct"):
        common.ExperimentSpec(**{**fields, "arms": ("baseline", "baseline")})
    with pytest.raises(ValueError, match="outcome keys"):
        common.ExperimentSpec(**{**fields, "outcomes": spec.outcomes[:1] * 2})


def test_window_must_span_the_declared_dates(tmp_path) -> None:
    """french_withdrawal refuses a window without the exit before it runs anything."""
    with pytest.raises(SystemExit, match="must span the exit 2022-08-15"):
        importlib.import_module("french_withdrawal").main(
            ["--small", "--start", "2023-01-01", "--out", str(tmp_path)])
    assert not (tmp_path / "sweeps").exists()


def test_reference_figures_name_their_source() -> None:
    ref = pd.read_csv(EXPERIMENTS / "reference.csv", dtype={"period": str})
    assert {"indicator", "region", "period", "value", "unit", "source"} <= set(ref.columns)
    assert ref["source"].notna().all() and ref["source"].str.len().gt(5).all()
    assert np.isfinite(ref["value"]).all()
    deaths = ref[ref.indicator == "militant_linked_deaths"].set_index("period")["value"]
    assert deaths["2023"] == 11643 and deaths["2016-2019"] == 927  # sahel_facts.md s.4


def test_run_all_fills_generated_blocks_and_copies_figures(tmp_path) -> None:
    out = tmp_path / "outputs"
    (out / "gloves_off").mkdir(parents=True)
    (out / "gloves_off" / "effects.md").write_text("| a | b |\n|---|---|\n| 1 | 2 |\n")
    (out / "gloves_off" / "figure.png").write_bytes(PNG + b"0" * 10)
    (out / "gloves_off" / "effects.png").write_bytes(PNG + b"1" * 10)
    (out / "gloves_off" / "manifest.json").write_text(json.dumps({
        "command": "python experiments/gloves_off.py", "size": "full", "replicates_per_arm": 20,
        "start_date": "2020-01-01", "end_date": "2025-01-01", "seconds": 12.0,
        "git_revision": "a" * 40, "git_dirty": False, "sweeps": [{"n_runs": 40}]}))
    doc = ("# Findings\n<!-- begin: gloves_off/effects.md -->\nstale\n"
           "<!-- end: gloves_off/effects.md -->\ntext\n<!-- begin: runs -->\n<!-- end: runs -->\n"
           "<!-- begin: history/comparison.md -->\nkept\n<!-- end: history/comparison.md -->\n")
    text, missing = run_all.fill_blocks(doc, out, ["gloves_off", "history"])
    assert "stale" not in text and "| 1 | 2 |" in text and "text\n" in text
    # history's manifest is missing: the table of runs is kept, not rewritten without its row
    assert missing == ["runs", "history/comparison.md"] and "kept" in text
    assert "<!-- begin: runs -->\n<!-- end: runs -->" in text
    text, missing = run_all.fill_blocks(text, out, ["gloves_off"])
    assert "| gloves_off | `python experiments/gloves_off.py` | full | 20 |" in text
    assert run_all.fill_blocks(text, out, ["gloves_off"])[0] == run_all.fill_blocks(
        text, out, ["gloves_off"])[0]  # idempotent
    copied = run_all.copy_figures("gloves_off", out / "gloves_off", tmp_path / "figures")
    assert sorted(p.name for p in copied) == ["gloves_off.png", "gloves_off_effects.png"]


def test_resolution_study_reports_every_size_and_picks_an_agreeing_default(small) -> None:
    import resolution

    out = small("resolution")
    m = assert_manifest(out, "resolution")
    assert m["sizes"] == list(resolution.SMALL_SIZES)
    assert_pngs(out, ["figure.png"])
    per_run = pd.read_csv(out / "per_run.csv")
    assert sorted(per_run["people_per_agent"].unique()) == sorted(resolution.SMALL_SIZES)
    assert per_run.groupby("people_per_agent").size().eq(3).all()
    levels = pd.read_csv(out / "levels.csv")
    assert len(levels) == len(resolution.OUTCOMES) * len(resolution.SMALL_SIZES)
    assert (levels["ci95_low"] <= levels["mean"]).all() and (levels["mean"] <= levels["ci95_high"]).all()
    # the finest size agrees with itself; the chosen default agrees on every outcome
    assert levels[levels.people_per_group == resolution.SMALL_SIZES[0]]["agrees"].all()
    assert levels[levels.people_per_group == m["default"]]["agrees"].all()
    assert f"**{m['default']:,} people**" in (out / "default.md").read_text()
    # and the choice is the coarsest such size; a noisy outcome is held to its CI alone
    ok = levels.groupby("people_per_group")["agrees"].all()
    assert m["default"] == max(s for s, good in ok.items() if good)
    lenient = levels.agrees & ~levels.agrees_strict
    assert (~levels.loc[lenient, "resolves_5pct"]).all()
    assert (levels.agrees_strict <= levels.agrees).all()


def test_params_calibrated_reaches_every_sweep_and_its_own_folder(tmp_path) -> None:
    """--params calibrated adds params=calibrated to the runs and writes beside the prior's
    outputs; the prior (the default) leaves the commands as they were."""
    p = common.parser("gloves_off", "doc")
    prior = common.Experiment("gloves_off", p.parse_args(["--small"]))
    cal = common.Experiment("gloves_off", p.parse_args(["--small", "--params", "calibrated"]))
    assert not any(o.startswith("params=") for o in prior.base_overrides())
    assert "params=calibrated" in cal.base_overrides()
    assert prior.out.name == "gloves_off_small" and cal.out.name == "gloves_off_calibrated_small"
    with pytest.raises(SystemExit):
        p.parse_args(["--params", "tuned"])


def test_run_all_global_sensitivity_step_is_a_valid_morris_then_sobol() -> None:
    """The step's commands are the sensitivity runner's own (they parse), Morris before Sobol,
    Sobol on 6-10 factors taken from that Morris folder (issue 14 s.3)."""
    from sim.calibrate import sensitivity

    morris, sobol = run_all.STEPS["global_sensitivity"]
    a, b = sensitivity.parse_args(morris[3:]), sensitivity.parse_args(sobol[3:])
    assert (a.method, b.method) == ("morris", "sobol") and b.morris == a.out
    assert 6 <= b.top <= 10 and a.problem == b.problem == "default"


def test_levers_refuses_a_runs_file_of_other_columns(tmp_path) -> None:
    """Appending rows of this version's outcomes to an older runs.csv would misalign them:
    levers.py stops first, naming the file, and leaves it as it was."""
    old = "experiment,condition,arm,seed,fighters_end\ngloves,x,baseline,1,3.0\n"
    (tmp_path / "runs.csv").write_text(old)
    r = subprocess.run([sys.executable, str(EXPERIMENTS / "levers.py"), "gloves", "--out", str(tmp_path)],
                       cwd=EXPERIMENTS, capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "runs.csv" in r.stderr and "insurgent_attacks" in r.stderr
    assert (tmp_path / "runs.csv").read_text() == old


def test_sensitivity_runs_every_arm_on_the_defaults(small) -> None:
    """Withdrawal, mobilisation and accurate fire have a sensitivity check (issue 14 s.5): each
    is an arm of the default case, paired with the baseline; accurate fire is the baseline with
    the three states' discrimination raised, named by its arm."""
    import sensitivity

    out = small("sensitivity")
    eff = pd.read_csv(out / "effects.csv")
    assert set(eff[eff.case == "default"].arm) == set(sensitivity.TREATMENTS)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["arm_overrides"]["accurate_fire"]["scenario"] == "baseline"
    import yaml

    cfg = yaml.safe_load((out / "sweeps" / "default__accurate_fire" / "0" / "config.yaml").read_text())
    assert cfg["scenario"]["name"] == "baseline"
    assert [cfg["state"]["forces"][c]["discrimination"] for c in sensitivity.COUNTRIES] == [0.8] * 3


def test_run_all_fills_a_calibrated_table_of_runs_from_the_tagged_folders(tmp_path) -> None:
    """``runs_calibrated`` lists the experiments' ``<name>_calibrated`` folders, not the prior's."""
    out = tmp_path / "outputs"
    for folder, seeds in (("gloves_off", 20), ("gloves_off_calibrated", 7)):
        (out / folder).mkdir(parents=True)
        (out / folder / "manifest.json").write_text(json.dumps({
            "command": f"python experiments/gloves_off.py{' --params calibrated' if seeds == 7 else ''}",
            "size": "full", "replicates_per_arm": seeds, "start_date": "2020-01-01", "end_date": "2025-01-01",
            "seconds": 1.0, "git_revision": "b" * 40, "git_dirty": False, "sweeps": [{"n_runs": 2 * seeds}]}))
    doc = "<!-- begin: runs_calibrated -->\n<!-- end: runs_calibrated -->\n<!-- begin: runs -->\n<!-- end: runs -->\n"
    text, missing = run_all.fill_blocks(doc, out, ["gloves_off"])
    calibrated, prior = text.split("<!-- begin: runs -->")
    assert missing == [] and "--params calibrated` | full | 7 |" in calibrated and "| 20 |" not in calibrated
    assert "| full | 20 |" in prior
    text, missing = run_all.fill_blocks(doc, out, ["gloves_off", "history"])  # history_calibrated is missing
    assert text == doc and missing == ["runs_calibrated", "runs"]


def test_levers_refuses_an_unknown_condition(tmp_path) -> None:
    """--conditions names the unknown one and lists the known ones, before any run."""
    r = subprocess.run([sys.executable, str(EXPERIMENTS / "levers.py"), "gloves", "--conditions",
                        "fear strongest, anger off; no such", "--out", str(tmp_path)],
                       cwd=EXPERIMENTS, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "no such" in r.stderr and "deterrence off (0, 0)" in r.stderr
    assert not (tmp_path / "runs.csv").exists()
