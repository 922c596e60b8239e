"""Global sensitivity (issue 14 s.3): the factors, the resumable Morris and Sobol runs, the report."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.calibrate import sensitivity as gsa
from sim.core.params import ConfigError


def test_the_default_problem_screens_every_parameter_with_a_range_grouped_and_leaves_out_the_treatment():
    fs, skipped = gsa.factors(gsa.load_gsa_problem("default"))
    names = {f.name: f for f in fs}
    assert len(fs) > 80  # every behavioural parameter with a stated range
    assert "population.p_join" in names and names["population.p_join"].log  # 1e-7 - 2e-6: log scale
    assert set(names["state.forces.*.quality"].keys) == {f"state.forces.{c}.quality" for c in ("mali", "burkina_faso", "niger")}
    why = dict(skipped)
    assert why["state.forces.mali.discrimination"].startswith("set by an arm")  # gloves off sets it
    assert "outside its stated range" in why["levers.platforms.barkhane_sabre.search_km2_per_hour"]  # raids: no search
    assert not any(k in why for f in fs for k in f.keys)


def test_a_sample_row_maps_back_inside_each_parameters_range():
    fs, _ = gsa.factors(gsa.load_gsa_problem("default"))
    sp = gsa.salib_problem(fs)
    lo = np.array([b[0] for b in sp["bounds"]])
    hi = np.array([b[1] for b in sp["bounds"]])
    for x in (lo, hi, (lo + hi) / 2):
        values = gsa.to_values(fs, x)
        for f in fs:
            for key, (a, b), integer in zip(f.keys, f.bounds, f.integer, strict=True):
                assert a <= values[key] <= b
                assert isinstance(values[key], int) == integer


def test_bad_problems_are_refused_with_the_key(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match="--problem"):
        gsa.load_gsa_problem("no_such_problem")
    (tmp_path / "bad.yaml").write_text("name: bad\narms: {surge: [scenario=baseline]}\n")
    monkeypatch.setattr(gsa, "GSA_DIR", tmp_path)
    with pytest.raises(ConfigError, match="arms"):
        gsa.load_gsa_problem("bad")


def test_morris_runs_resume_and_sobol_takes_the_top_factors(tmp_path):
    out = tmp_path / "morris"
    args = ["morris", "--smoke", "--trajectories", "2", "--jobs", "2", "--out", str(out)]
    assert gsa.main(args) == 0
    runs = sorted((out / "runs").glob("*.json"))
    assert len(runs) == 2 * 4 * 2  # (3 factors + 1) x 2 trajectories, baseline and gloves off, 1 seed
    table = pd.read_csv(out / "morris.csv")
    assert {"outcome", "factor", "mu_star", "sigma"} <= set(table.columns)
    assert np.isfinite(table.mu_star).all() and (table.mu_star > 0).any()
    assert "gloves_effect_fighters_end" in set(table.outcome)
    assert (out / "morris.md").read_text().startswith("# Morris sensitivity")
    assert (out / "morris.png").stat().st_size > 1000

    # resume: a lost run is redone, and only it
    stamp = {p.name: p.stat().st_mtime_ns for p in runs}
    lost = runs[5]
    before = json.loads(lost.read_text())
    lost.unlink()
    assert gsa.main(args) == 0
    assert json.loads(lost.read_text()) == before  # the same run again, the same outcomes
    assert all(p.stat().st_mtime_ns == stamp[p.name] for p in runs if p != lost)

    # the folder remembers its settings
    with pytest.raises(ConfigError, match="settings"):
        gsa.main(["morris", "--smoke", "--trajectories", "3", "--out", str(out)])

    sobol = tmp_path / "sobol"
    assert gsa.main(["sobol", "--smoke", "--from", str(out), "--top", "2", "--base", "2", "--out", str(sobol)]) == 0
    meta = json.loads((sobol / "meta.json").read_text())
    ranked = list(pd.read_csv(out / "ranking.csv", index_col=0).index)
    assert [f["name"] for f in meta["factors"]] == ranked[:2]
    s = pd.read_csv(sobol / "sobol.csv")
    assert {"S1", "ST", "S1_conf", "ST_conf"} <= set(s.columns) and set(s.factor) == set(ranked[:2])
