"""The dashboard figure: maps (countries, towns, arteries, population; control; violence;
displacement) and time-series panels."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402

from sim.sahel.kernels.fields import box_sum  # noqa: E402

PANELS = [("insurgent_fighters", "faction"), ("civilian_deaths", None), ("displaced", "country"),
          ("pop_share_insurgent_control", "country"), ("mean_legitimacy", "community"), ("recruits", "faction")]


def _map_base(ax, world, title: str) -> None:
    ax.set_title(title, fontsize=9)
    a = world.arteries
    for e in range(len(a.name)):
        xy = a.cell_xy[a.cell_ptr[e]: a.cell_ptr[e + 1]]
        ax.plot(xy[:, 0], xy[:, 1], color="0.25" if a.road_class[e] == 2 else "0.55", lw=0.6)
    ax.scatter(world.towns.x, world.towns.y, s=6, c="k", zorder=3)
    big = np.argsort(-world.towns.population)[:12]
    for t in big:
        ax.annotate(str(world.towns.name[t]), (world.towns.x[t], world.towns.y[t]), fontsize=5, xytext=(2, 2),
                    textcoords="offset points")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_aspect("equal")


def draw_dashboard(results, path: str | Path) -> Path:
    if "world" not in results.maps:  # e.g. the Epstein replication: time series only
        fig, ax = plt.subplots(figsize=(8, 4))
        for name, g in results.timeseries.groupby("metric"):
            if name != "legitimacy":
                ax.plot(g["step"], g["value"], label=name)
        ax.legend()
        ax.set_xlabel("step")
        fig.savefig(path, dpi=110)
        plt.close(fig)
        return Path(path)
    world, maps = results.maps["world"], results.maps
    fig = plt.figure(figsize=(16, 11))
    gs = fig.add_gridspec(3, 4, height_ratios=[1.1, 1.1, 1])
    ax = fig.add_subplot(gs[0, 0:2])
    cmap = ListedColormap(plt.cm.Pastel1.colors[: len(world.country_names)])
    ax.imshow(world.country.T, origin="lower", cmap=cmap, interpolation="nearest")
    density = (world.town_people + world.rural_people) / world.cell_km ** 2
    ax.imshow(np.log10(1 + density).T, origin="lower", cmap="Greys", alpha=0.45, interpolation="nearest")
    _map_base(ax, world, "Countries, towns, arteries, population density (log)")
    ax = fig.add_subplot(gs[0, 2:4])
    im = ax.imshow(maps["control"].T, origin="lower", cmap="RdBu", vmin=-1, vmax=1, interpolation="nearest")
    fig.colorbar(im, ax=ax, shrink=0.7, label="control (+1 state, -1 insurgent)")
    _map_base(ax, world, f"Control at {results.config.end_date}")
    ax = fig.add_subplot(gs[1, 0:2])
    im = ax.imshow(np.log10(1 + maps["violence_events"]).T, origin="lower", cmap="magma_r", interpolation="nearest")
    fig.colorbar(im, ax=ax, shrink=0.7, label="log10(1 + violent events)")
    _map_base(ax, world, "Violence (all events over the run)")
    ax = fig.add_subplot(gs[1, 2:4])
    displaced = np.zeros(maps["displaced_home"].shape)
    box_sum(maps["displaced_home"].astype(np.float64), 2, displaced)  # 5x5 cells, so it is visible
    im = ax.imshow(np.log10(1 + displaced).T, origin="lower", cmap="viridis", interpolation="nearest")
    fig.colorbar(im, ax=ax, shrink=0.7, label="log10(1 + displaced people, home within 2 cells)")
    _map_base(ax, world, "Displacement at the end (by home area)")
    ts = results.timeseries
    for j, (metric, by) in enumerate(PANELS[:4]):
        ax = fig.add_subplot(gs[2, j])
        if metric == "civilian_deaths":
            for who in ("state", "partner", "militia", "insurgents"):
                s = ts[(ts.metric == f"civilian_deaths_by_{who}") & (ts.faction == "all")]
                ax.plot(s["date"], s["value"].cumsum(), label=who, lw=1)
            ax.set_title("civilian deaths by perpetrator (cumulative)", fontsize=9)
        else:
            sel = ts[ts.metric == metric]
            for label, g in sel.groupby(by, sort=False):
                other = [c for c in ("country", "community", "faction") if c != by]
                g = g[(g[other[0]] == "all") & (g[other[1]] == "all")]
                ax.plot(g["date"], g["value"], label=label, lw=1.2 if label == "all" else 0.8)
            ax.set_title(metric.replace("_", " "), fontsize=9)
        ax.legend(fontsize=6)
        ax.tick_params(labelsize=6)
    fig.suptitle(f"sahel-sim: {results.config.scenario.name}, seed {results.config.seed}, "
                 f"{results.config.start_date} to {results.config.end_date}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)
