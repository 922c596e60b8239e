"""Experiment 5: accuracy against effectiveness of counterinsurgent fire (after Bennett 2008).

Bennett (2008, JASSS 11(4):7) found in an agent-based model that the *accuracy* of
counterinsurgent fire (avoiding collateral harm) matters more for ending an insurgency than its
*effectiveness*. Here: a grid of the three states' fire discrimination
(``state.forces.<c>.discrimination``, all three set together) by their quality of fire
(``state.forces.<c>.quality``, Bennett's effectiveness), on the baseline scenario, with
replicates (the same seeds in every cell). Heatmaps of the medians of final insurgent strength
and cumulative civilian deaths; effects with 95 % CIs for raising accuracy and raising
effectiveness from the lowest to the highest grid value, holding the other fixed.

Partners keep their own settings (the Barkhane-like partner stays highly discriminating).

    python experiments/accuracy_effectiveness.py                       # 4 x 4 grid, 5 seeds
    python experiments/accuracy_effectiveness.py --seeds 10 --discrimination 0.2,0.4,0.6,0.8,0.9
    python experiments/accuracy_effectiveness.py --small               # 2 x 2 grid
"""

from __future__ import annotations

import common
import numpy as np
import pandas as pd
from common import Outcome, plt

NAME = "accuracy_effectiveness"
DISC = "state.forces.mali.discrimination"
QUAL = "state.forces.mali.quality"
# the other two states follow Mali's values (OmegaConf interpolation in the override)
TIE = [f"state.forces.{c}.{k}=${{state.forces.mali.{k}}}"
       for c in ("burkina_faso", "niger") for k in ("discrimination", "quality")]

OUTCOMES = [
    Outcome("fighters_end", "insurgent fighters (end level)", ("insurgent_fighters",), "end"),
    Outcome("civ_deaths_all", "civilians killed, all perpetrators (total)",
            common.CIVILIAN_DEATHS, "total"),
    Outcome("civ_deaths_state", "civilians killed by state forces (total)",
            ("civilian_deaths_by_state",), "total"),
    Outcome("recruits", "recruits (total)", ("recruits",), "total"),
    Outcome("insurgent_losses", "insurgent fighters killed (total)", ("insurgent_losses",),
            "total"),
    Outcome("pop_insurgent_control", "share of people in insurgent-held cells (end level)",
            ("pop_share_insurgent_control",), "end", unit="share"),
]
HEATMAPS = ["fighters_end", "civ_deaths_all", "recruits", "civ_deaths_state"]
KEY = ["fighters_end", "recruits", "civ_deaths_all"]  # the compact table (effects_key.md)


def floats(text: str) -> list[float]:
    return [float(v) for v in text.split(",")]


def label(d: float, q: float) -> str:
    return f"discrimination {d:g}, quality {q:g}"


def contrasts(per_run: pd.DataFrame, discs: list[float], quals: list[float]) -> pd.DataFrame:
    """Raising accuracy (lowest to highest discrimination) at each quality, and raising
    effectiveness (lowest to highest quality) at each discrimination; paired by seed."""
    parts = []
    for q in quals:
        sub = per_run[per_run["q"] == q]
        eff = common.paired_effects(sub, "cell", label(min(discs), q), OUTCOMES,
                                    arms=[label(max(discs), q)])
        parts.append(eff.assign(contrast="accuracy", held_at=f"quality {q:g}"))
    for d in discs:
        sub = per_run[per_run["d"] == d]
        eff = common.paired_effects(sub, "cell", label(d, min(quals)), OUTCOMES,
                                    arms=[label(d, max(quals))])
        parts.append(eff.assign(contrast="effectiveness", held_at=f"discrimination {d:g}"))
    out = pd.concat(parts, ignore_index=True)
    front = ["contrast", "held_at"]
    return out[front + [c for c in out.columns if c not in front]]


def heatmaps(per_run: pd.DataFrame, discs: list[float], quals: list[float], path) -> pd.DataFrame:
    titles = {o.key: o.description for o in OUTCOMES}
    fig, axes = plt.subplots(2, 2, figsize=(10.5, 8))
    medians = per_run.groupby(["q", "d"])[HEATMAPS].median()
    for ax, key in zip(axes.flat, HEATMAPS, strict=True):
        m = medians[key].unstack("d").reindex(index=quals, columns=discs).to_numpy()
        im = ax.imshow(m, origin="lower", cmap="viridis", aspect="auto")
        ax.set_xticks(range(len(discs)), [f"{d:g}" for d in discs])
        ax.set_yticks(range(len(quals)), [f"{q:g}" for q in quals])
        ax.set_xlabel("discrimination (accuracy)")
        ax.set_ylabel("quality of fire (effectiveness)")
        ax.set_title(f"median {titles[key]}", fontsize=9)
        vmid = np.nanmean(m)
        for (i, j), v in np.ndenumerate(m):
            ax.text(j, i, common.fmt(float(v)), ha="center", va="center", fontsize=7,
                    color="white" if v < vmid else "black")
        fig.colorbar(im, ax=ax, shrink=0.8)
    n = per_run.groupby(["q", "d"]).size().min()
    fig.suptitle(f"State fire: accuracy x effectiveness (medians of {n} seeds per cell)",
                 fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return medians.reset_index().rename(columns={"q": "quality", "d": "discrimination"})


def main(argv: list[str] | None = None) -> None:
    p = common.parser(NAME, __doc__, seeds=5)
    p.add_argument("--discrimination", type=floats, default=None,
                   help="grid of discrimination values (default 0.2,0.4,0.6,0.8; --small 0.3,0.8)")
    p.add_argument("--quality", type=floats, default=None,
                   help="grid of quality values (default 0.3,0.5,0.7,0.9; --small 0.3,0.8)")
    args = p.parse_args(argv)
    exp = common.Experiment(NAME, args)
    discs = args.discrimination or ([0.3, 0.8] if exp.small else [0.2, 0.4, 0.6, 0.8])
    quals = args.quality or ([0.3, 0.8] if exp.small else [0.3, 0.5, 0.7, 0.9])
    sweep = exp.sweep("grid", {DISC: discs, QUAL: quals}, fixed=["scenario=baseline", *TIE])
    per_run = common.per_run_outcomes(exp, sweep, OUTCOMES, [DISC, QUAL, "seed"])
    per_run["d"], per_run["q"] = per_run[DISC].astype(float), per_run[QUAL].astype(float)
    per_run["cell"] = [label(d, q) for d, q in zip(per_run["d"], per_run["q"], strict=True)]
    per_run = per_run.drop(columns=[DISC, QUAL])
    exp.write_csv(per_run, "per_run.csv")
    medians = heatmaps(per_run, discs, quals, exp.path("figure.png"))
    exp.write_table(medians, "grid_medians", title="Medians per grid cell")
    eff = contrasts(per_run, discs, quals)
    exp.write_csv(eff, "effects.csv")
    view = eff.assign(description=eff["contrast"] + " at " + eff["held_at"] + ": "
                      + eff["description"])
    note = (f"Accuracy: discrimination {max(discs):g} minus {min(discs):g} at fixed quality; "
            f"effectiveness: quality {max(quals):g} minus {min(quals):g} at fixed "
            f"discrimination. Paired by seed ({len(exp.seeds)} seeds per cell); 95 % CI paired "
            f"t. Window {exp.start} to {exp.end}.")
    exp.path("effects.md").write_text(common.effects_markdown(
        view, title="Raising accuracy vs raising effectiveness", note=note))
    key = view[view["outcome"].isin(KEY)].sort_values(["outcome", "contrast"], kind="stable")
    exp.path("effects_key.md").write_text(common.effects_markdown(
        key, title="Raising accuracy vs raising effectiveness (key outcomes)", note=note))
    exp.finish(discrimination=discs, quality=quals, scenario="baseline")


if __name__ == "__main__":
    main()
