"""Reproduce every figure and table of docs/findings.md from scratch (``make experiments``).

Runs each experiment script in turn (each launches its own Hydra multirun), then

* copies the figures into ``docs/figures/`` (``<experiment>.png`` for the main figure,
  ``<experiment>_<name>.png`` for the others), and
* rewrites the generated blocks of ``docs/findings.md``: every block between
  ``<!-- begin: <experiment>/<file>.md -->`` and ``<!-- end: <experiment>/<file>.md -->`` gets
  that output file's current content, and ``<!-- begin: runs -->`` gets the table of what was
  run (sizes, commands, seconds, git revision) from the manifests.

    python experiments/run_all.py                          # everything, full size (hours on 2 cores)
    python experiments/run_all.py --only gloves_off,history
    python experiments/run_all.py --reuse                  # re-analyse existing sweeps only
    python experiments/run_all.py --small --no-docs        # quick check, docs untouched
    python experiments/run_all.py --only calibration_report,calibrated_history  # from the study

Four steps run other runners at full size: ``levers`` (issue 11's intelligence,
decapitation and gloves-off-by-deterrence tables, ``experiments/levers.py``, on the prior),
``levers_calibrated`` (the gloves-off table's corners on ``params=calibrated``),
``fear_geography`` (where the fear of state violence falls, ``experiments/fear_geography.py``)
and ``global_sensitivity`` (Morris screening, then Sobol indices on the top factors,
``python -m sim.calibrate.sensitivity``, on the prior). They run only without ``--small`` and
``--params``; the levers and the sensitivity runs resume from their own files.

After the experiments, two steps read the committed calibration study
(``experiments/calibration/default.log``): ``calibration_report`` rewrites docs/calibration/
and configs/params/calibrated.yaml, and ``calibrated_history`` reruns the ensemble's best ten
trials for the yearly deaths table of findings s.6.3.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DOCS = ROOT / "docs"
FIGURES = DOCS / "figures"
FINDINGS = DOCS / "findings.md"
OUT = ROOT / "outputs" / "experiments"

EXPERIMENTS = ["gloves_off", "intel_uplift", "french_withdrawal", "mobilisation_alliance",
               "accuracy_effectiveness", "history", "sensitivity", "resolution"]
# Steps that read the committed calibration study (experiments/calibration/) instead of running
# a sweep: the report (docs/calibration/, params=calibrated) and the ensemble's yearly history.
# They need the real study, so --small skips them.
STUDY = ROOT / "experiments" / "calibration" / "default.log"
STUDY_STEPS = {
    "calibration_report": [sys.executable, "-m", "sim.calibrate.report", "--storage", str(STUDY),
                           "--problem", "default", "--out", str(DOCS / "calibration"),
                           "--params", str(ROOT / "configs" / "params" / "calibrated.yaml")],
    "calibrated_history": [sys.executable, str(HERE / "calibrated_history.py"), "--storage", str(STUDY),
                           "--problem", "default", "--members", "10", "--jobs", "2",
                           "--out", str(OUT / "calibrated_history")],
}
# Steps of other runners (not Hydra sweeps): each a list of commands, run in order from the
# project root; each command resumes from its own files, so a stopped step picks up where it was.
GSA = OUT / "global_sensitivity"
SOBOL_TOP, SOBOL_BASE = 8, 32  # Sobol: the 8 factors Morris ranks highest, base sample 32 (320 samples)
STEPS = {
    # issue 11's tables (findings s.1.1, 2.1): intelligence, decapitation, gloves off x deterrence
    "levers": [[sys.executable, str(HERE / "levers.py"), "intel", "decapitation", "gloves", "--jobs", "2",
                "--out", str(OUT / "levers")]],
    # findings s.1.1: the two corners of the gloves-off table again, on params=calibrated
    "levers_calibrated": [[sys.executable, str(HERE / "levers.py"), "gloves", "--params", "calibrated",
                           "--conditions", "deterrence off, anger high (3); fear strongest, anger off; "
                           "sweeps (3 cells), fear strongest, anger off; "
                           "sweeps (3 cells), fear strongest, anger off, no punishment flight",
                           "--jobs", "2", "--out", str(OUT / "levers_calibrated")]],
    # findings s.1.1: where the fear of state violence falls, at the bands or among civilians
    "fear_geography": [[sys.executable, str(HERE / "fear_geography.py"), "--out", str(OUT / "fear_geography")]],
    # issue 14 s.3 (findings s.8): Morris screening over every stated range, then Sobol on the top factors
    "global_sensitivity": [
        [sys.executable, "-m", "sim.calibrate.sensitivity", "morris", "--problem", "default",
         "--trajectories", "6", "--jobs", "2", "--out", str(GSA / "morris")],
        [sys.executable, "-m", "sim.calibrate.sensitivity", "sobol", "--problem", "default",
         "--from", str(GSA / "morris"), "--top", str(SOBOL_TOP), "--base", str(SOBOL_BASE), "--jobs", "2",
         "--out", str(GSA / "sobol")]],
}
GENERATED = [FINDINGS, DOCS / "resolution.md"]  # documents whose generated blocks are refilled
BLOCK = re.compile(r"(<!-- begin: (?P<name>[^ ]+) -->\n)(?P<body>.*?)(<!-- end: (?P=name) -->)",
                   re.DOTALL)


def run_experiment(name: str, extra: list[str]) -> float:
    cmd = [sys.executable, str(HERE / f"{name}.py"), *extra]
    print(f"== {name}: {' '.join(cmd[1:])}", flush=True)
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True)
    return time.perf_counter() - t0


def copy_figures(name: str, out: Path, figures: Path = FIGURES) -> list[Path]:
    figures.mkdir(parents=True, exist_ok=True)
    copied = []
    for png in sorted(out.glob("*.png")):
        dest = figures / (f"{name}.png" if png.stem == "figure" else f"{name}_{png.stem}.png")
        shutil.copyfile(png, dest)
        copied.append(dest)
    return copied


def runs_table(out_root: Path, names: list[str], tag: str = "") -> str:
    lines = ["| experiment | command | size | seeds per arm | window | runs | seconds | git revision |",
             "|---|---|---|---|---|---|---|---|"]
    for name in names:
        path = out_root / name / "manifest.json"
        if not path.is_file():
            continue
        m = json.loads(path.read_text())
        runs = sum(s["n_runs"] for s in m["sweeps"])
        rev = ", ".join(r[:10] for r in m["git_revision"].split(",")) + (
            " (uncommitted changes in sim/ or configs/)" if m.get("git_dirty") else "")
        # the command that makes the runs (--reuse only re-reads them; local is the default)
        command = re.sub(r" --(reuse|launcher local)\b", "", m["command"])
        lines.append(f"| {name} | `{command}` | {m['size']} | {m['replicates_per_arm']} | "
                     f"{m['start_date']} to {m['end_date']} | {runs} | {m['seconds']:.0f} | "
                     f"{rev} |")
    check = baseline_check(out_root, tag)
    return "\n".join(lines) + "\n" + (f"\n{check}\n" if check else "")


def baseline_check(out_root: Path, tag: str = "") -> str:
    """Are the baseline arms of the scenario experiments identical seed by seed? (They are the
    same configuration and seeds; a difference means the model changed between them.)"""
    import pandas as pd

    tables = {}
    for name in ("gloves_off", "intel_uplift", "mobilisation_alliance", "sensitivity"):
        path = out_root / (name + tag) / ("per_run.csv" if name != "sensitivity" else "per_run_default.csv")
        if path.is_file():
            df = pd.read_csv(path)
            tables[name] = df[df["scenario"] == "baseline"].set_index("seed")
    if len(tables) < 2:
        return ""
    cols = ["fighters_end", "recruits", "civ_deaths_all"]
    first = next(iter(tables.values()))
    def agree(t):
        common = t.index.intersection(first.index)
        return len(common) > 0 and bool(
            ((t.loc[common, cols] - first.loc[common, cols]).abs() < 1e-6).all().all())

    same = all(agree(t) for t in tables.values())
    verdict = "identical" if same else "NOT identical (the model changed between them)"
    return (f"Baseline arm, seed by seed ({', '.join(cols)}), across "
            f"{', '.join(tables)}: {verdict}.")


def fill_blocks(text: str, out_root: Path, names: list[str]) -> tuple[str, list[str]]:
    """Replace each generated block by its source's current content; return the new text and
    the blocks whose source is missing (left unchanged)."""
    missing: list[str] = []

    def repl(m: re.Match) -> str:
        name = m.group("name")
        if name == "runs" or name.startswith("runs_"):
            # the table lists every experiment (runs_<params>: their <name>_<params> folders): with
            # one's manifest missing (a partial run, --only), rewriting it would drop that row, so
            # the block stays as it is
            tagged = [n + name[4:] for n in names]
            if not all((out_root / n / "manifest.json").is_file() for n in tagged):
                missing.append(name)
                return m.group(0)
            body = runs_table(out_root, tagged, name[4:])
        else:
            src = out_root / name
            if not src.is_file():
                missing.append(name)
                return m.group(0)
            body = src.read_text()
        return f"{m.group(1)}{body.rstrip()}\n{m.group(4)}"

    return BLOCK.sub(repl, text), missing


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", default="", help="comma-separated experiments (default: all)")
    p.add_argument("--small", action="store_true", help="pass --small to every experiment")
    p.add_argument("--reuse", action="store_true", help="pass --reuse (skip finished sweeps)")
    p.add_argument("--launcher", choices=("local", "slurm"), default="local")
    p.add_argument("--params", choices=("prior", "calibrated"), default="prior",
                   help="pass --params to every experiment (calibrated: configs/params/calibrated.yaml)")
    p.add_argument("--no-docs", action="store_true",
                   help="do not touch docs/figures or docs/findings.md")
    args = p.parse_args(argv)
    known = [*EXPERIMENTS, *STEPS, *STUDY_STEPS]
    names = [n for n in (args.only.split(",") if args.only else known) if n]
    unknown = set(names) - set(known)
    if unknown:
        p.error(f"unknown experiments {sorted(unknown)}; known: {known}")
    runners = [n for n in names if n in STEPS]
    steps = [n for n in names if n in STUDY_STEPS]
    names = [n for n in names if n in EXPERIMENTS]
    extra = ["--launcher", args.launcher]
    extra += ["--small"] if args.small else []
    extra += ["--reuse"] if args.reuse else []
    extra += ["--params", args.params] if args.params != "prior" else []
    if args.small and not args.no_docs:
        p.error("--small results must not replace the docs: add --no-docs")
    seconds = {}
    for name in names:
        seconds[name] = run_experiment(name, extra)
    for step in runners:
        if args.small or args.params != "prior":
            print(f"== {step}: skipped with --small or --params (it runs at full size on the prior)")
            continue
        t0 = time.perf_counter()
        for cmd in STEPS[step]:
            print(f"== {step}: {' '.join(cmd[1:])}", flush=True)
            subprocess.run(cmd, cwd=ROOT, check=True)
        seconds[step] = time.perf_counter() - t0
    for step in steps:
        if args.small:
            print(f"== {step}: skipped with --small (it reads the real calibration study)")
            continue
        if step == "calibration_report" and args.no_docs:
            print(f"== {step}: skipped with --no-docs (it writes docs/calibration/)")
            continue
        print(f"== {step}: {' '.join(STUDY_STEPS[step][1:])}", flush=True)
        t0 = time.perf_counter()
        subprocess.run(STUDY_STEPS[step], cwd=HERE if step == "calibrated_history" else ROOT, check=True)
        seconds[step] = time.perf_counter() - t0
        if step == "calibrated_history" and not args.no_docs:
            copy_figures(step, OUT / step)
    if not args.no_docs:
        tag = "" if args.params == "prior" else f"_{args.params}"  # the experiments' own folder suffix
        for name in names:
            copy_figures(name + tag, OUT / (name + tag))
        if "global_sensitivity" in runners and not args.small and args.params == "prior":
            for method in ("morris", "sobol"):  # <method>.png -> global_sensitivity_<method>.png
                copy_figures("global_sensitivity", GSA / method)
        for doc in GENERATED:
            if doc.is_file():
                text, missing = fill_blocks(doc.read_text(), OUT, EXPERIMENTS)
                doc.write_text(text)
                if missing:
                    print(f"warning: {doc.name} blocks without output: {missing}", file=sys.stderr)
    for name, s in seconds.items():
        print(f"{name}: {s:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
