"""The explorer's pictures: the map as an RGB array (numpy), the charts (matplotlib), as PNG bytes.

The map is painted without matplotlib on every step, because a Step must redraw in well under
300 ms at the default resolution (296 x 139 cells on the ``sahel`` map): the chosen layer is
coloured through a 256-entry lookup table of a matplotlib colormap, scaled up by whole pixels,
then blended with an overlay drawn once per world (country borders, arteries, towns and their
names, the non-core countries washed out), and the bands and units are stamped on as markers.
Layers are read from the model's Mesa property layers (``model.layers``), so a layer added to
the model is one entry in :data:`LAYERS`.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import colormaps  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from sim.core.codes import COLUMN, DISPLACED, MILITIA, PARTNER  # noqa: E402

__all__ = ["LAYERS", "Layer", "layer_values", "paint_map", "png_bytes", "map_png", "chart_png",
           "legend_png", "stack_png", "scale_for", "chart_option"]

MAP_WIDTH_PX = 900
"""About how wide the map is drawn, in pixels (a whole number of pixels per cell)."""


@dataclass(frozen=True)
class Layer:
    label: str
    cmap: str
    vmin: float
    vmax: float
    log: bool
    legend: str


LAYERS: dict[str, Layer] = {
    "population": Layer("population", "Greys", 0.0, 6.0, True, "log10(1 + civilians in the cell)"),
    "control": Layer("control zones", "RdBu", -1.0, 1.0, False, "control: +1 state (blue) .. -1 insurgent (red)"),
    "violence": Layer("violence", "magma_r", 0.0, 0.2, False, "local violence level (decays over dur_violence)"),
    "displacement": Layer("displacement", "viridis", 0.0, 5.0, True, "log10(1 + displaced people, by home cell)"),
    "troops": Layer("troops", "Blues", 0.0, 4.5, True, "log10(1 + troops within vision)"),
    "fighters": Layer("fighters", "Reds", 0.0, 3.5, True, "log10(1 + insurgent fighters within vision)"),
}
"""Map layers: the key is what the layer switch shows."""


def layer_values(model: Any, layer: str) -> np.ndarray:
    """The ``(width, height)`` cell values of a layer, before the colour scale."""
    if layer == "population":
        return model.layers["people"].data
    if layer == "control":
        return model.layers["control"].data
    if layer == "violence":
        return model.layers["violence"].data
    if layer == "troops":
        return model.layers["troops_near"].data
    if layer == "fighters":
        return model.layers["fighters_near"].data
    if layer == "displacement":
        pop, w, n = model.population, model.world, model.population.n
        away = np.where(pop.status[:n] == DISPLACED, pop.people[:n], 0).astype(np.float64)
        return np.bincount(pop.home[:n], weights=away, minlength=w.width * w.height).reshape(w.width, w.height)
    raise KeyError(f"no map layer {layer!r}; layers are {list(LAYERS)}")


def scale_for(world: Any) -> int:
    """Whole pixels per cell so that the map is about :data:`MAP_WIDTH_PX` wide."""
    return int(max(1, min(12, MAP_WIDTH_PX // world.width)))


@lru_cache(maxsize=16)
def _lut(cmap: str) -> np.ndarray:
    return (colormaps[cmap](np.linspace(0.0, 1.0, 256))[:, :3] * 255).astype(np.uint8)


_OVERLAYS: dict[int, tuple[Any, np.ndarray, np.ndarray]] = {}
_OVERLAY_LOCK = threading.Lock()


def _overlay(world: Any, s: int) -> tuple[np.ndarray, np.ndarray]:
    """``(rgb * alpha, 1 - alpha)`` of the static overlay, image rows north first (cached)."""
    with _OVERLAY_LOCK:
        hit = _OVERLAYS.get(id(world))
        if hit is not None and hit[0] is world:
            return hit[1], hit[2]
        w, h = world.width, world.height
        fig = Figure(figsize=(w * s / 100, h * s / 100), dpi=100)
        fig.patch.set_alpha(0.0)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(-0.5, w - 0.5)
        ax.set_ylim(-0.5, h - 0.5)
        ax.axis("off")
        a = world.arteries
        for e in range(len(a.name)):
            xy = a.cell_xy[a.cell_ptr[e]: a.cell_ptr[e + 1]]
            ax.plot(xy[:, 0], xy[:, 1], color="0.2" if a.road_class[e] == 2 else "0.45", lw=0.9 if a.road_class[e] == 2 else 0.6)
        t = world.towns
        ax.scatter(t.x, t.y, s=9, c="k", zorder=3, linewidths=0)
        for i in np.argsort(-t.population)[:14]:
            ax.annotate(str(t.name[i]), (t.x[i], t.y[i]), fontsize=7, xytext=(3, 3), textcoords="offset points",
                        color="k", zorder=4)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba(), dtype=np.float32)[: h * s, : w * s] / 255.0
        alpha = rgba[..., 3:4].copy()
        rgb = rgba[..., :3] * alpha
        # country borders (where a cell's country differs from its east or north neighbour)
        c = np.flipud(np.repeat(np.repeat(world.country.T, s, axis=0), s, axis=1))
        border = np.zeros(c.shape, bool)
        border[:, 1:] |= c[:, 1:] != c[:, :-1]
        border[1:, :] |= c[1:, :] != c[:-1, :]
        rgb[border] = rgb[border] * 0.0 + 0.15
        alpha[border] = 1.0
        # wash out the countries outside the core (they are context only)
        core = np.flipud(np.repeat(np.repeat(world.is_core_country[world.country].T, s, axis=0), s, axis=1))
        wash = (~core & ~border)[..., None] * 0.45 * (1.0 - alpha)
        rgb += wash * 1.0
        alpha += wash
        _OVERLAYS[id(world)] = (world, rgb, 1.0 - alpha)
        return rgb, 1.0 - alpha


def _stamp(img: np.ndarray, px: np.ndarray, py: np.ndarray, r: np.ndarray, colour: tuple[int, int, int]) -> None:
    hh, ww = img.shape[:2]
    for x, y, rad in zip(px.tolist(), py.tolist(), r.tolist(), strict=True):
        x0, x1, y0, y1 = max(x - rad, 0), min(x + rad + 1, ww), max(y - rad, 0), min(y + rad + 1, hh)
        img[y0:y1, x0:x1] = 0
        if rad > 1:
            img[y0 + 1:y1 - 1, x0 + 1:x1 - 1] = colour


def paint_map(model: Any, layer: str, markers: bool = True) -> np.ndarray:
    """The map of ``model`` as an ``(H, W, 3)`` uint8 array, north up."""
    world, style = model.world, LAYERS[layer]
    s = scale_for(world)
    v = np.asarray(layer_values(model, layer), dtype=np.float64)
    if style.log:
        v = np.log10(1.0 + np.maximum(v, 0.0))
    idx = np.clip((v - style.vmin) * (255.0 / (style.vmax - style.vmin)), 0, 255).astype(np.uint8)
    base = _lut(style.cmap)[np.flipud(idx.T)]
    base = np.repeat(np.repeat(base, s, axis=0), s, axis=1)
    over_rgb, keep = _overlay(world, s)
    img = (base * keep + over_rgb * 255.0).astype(np.uint8)
    if markers:
        h = world.height
        u = model.units
        live = np.flatnonzero(u.active[: u.n] & (u.troops[: u.n] > 0))
        ux, uy = np.divmod(u.cell[live], h)
        for owner, colour in ((0, (40, 90, 230)), (PARTNER, (20, 170, 60)), (MILITIA, (240, 150, 0))):
            sel = u.owner[live] == owner
            rad = np.where(u.role[live][sel] == COLUMN, max(s - 1, 1), max(s // 2 + 1, 1))
            _stamp(img, ux[sel] * s + s // 2, (h - 1 - uy[sel]) * s + s // 2, rad, colour)
        b = model.bands
        alive = np.flatnonzero(b.fighters[: b.n] > 0)
        bx, by = np.divmod(b.cell[alive], h)
        rad = (s // 2 + 1 + np.sqrt(b.fighters[alive] / 100.0)).astype(np.int64)
        _stamp(img, bx * s + s // 2, (h - 1 - by) * s + s // 2, rad, (220, 20, 50))
    return img


def png_bytes(img: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def map_png(model: Any, layer: str) -> bytes:
    """The map as PNG, stamped with its date (so every day's picture differs, and says when)."""
    img = Image.fromarray(paint_map(model, layer))
    ImageDraw.Draw(img).text((4, 3), model.date.isoformat(), fill=(0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


@lru_cache(maxsize=16)
def legend_png(layer: str) -> bytes:
    """A small colour bar for a layer (drawn once)."""
    style = LAYERS[layer]
    fig = Figure(figsize=(4.2, 0.62), dpi=100)
    ax = fig.add_axes((0.04, 0.55, 0.92, 0.3))
    ax.imshow(np.linspace(0, 1, 256)[None, :], aspect="auto", cmap=style.cmap,
              extent=(style.vmin, style.vmax, 0, 1))
    ax.set_yticks([])
    ax.tick_params(labelsize=7, pad=1)
    ax.set_title(style.legend, fontsize=7, pad=2)
    buf = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buf)
    return buf.getvalue()


_CHART_LOCK = threading.Lock()  # matplotlib's Agg canvas is not shared across threads safely


def chart_png(panels: list[tuple[str, list[tuple[str, np.ndarray, np.ndarray]]]], title: str = "") -> bytes:
    """Small-multiple line charts: ``[(panel title, [(label, dates, values), ...]), ...]``."""
    with _CHART_LOCK:
        fig = Figure(figsize=(11.0, 4.6), dpi=80)
        axes = fig.subplots(2, 3)
        for ax, (name, lines) in zip(axes.flat, panels, strict=False):
            for label, dates, values in lines:
                ax.plot(dates, values, lw=1.1, label=label)
            ax.set_title(name, fontsize=9)
            ax.tick_params(labelsize=7)
            ax.legend(fontsize=6, loc="upper left", frameon=False)
            ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=4))
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
        for ax in list(axes.flat)[len(panels):]:
            ax.axis("off")
        if title:
            fig.suptitle(title, fontsize=10)
        fig.subplots_adjust(left=0.05, right=0.99, top=0.88 if title else 0.93, bottom=0.07, hspace=0.45, wspace=0.2)
        buf = io.BytesIO()
        FigureCanvasAgg(fig).print_png(buf)
        return buf.getvalue()


def stack_png(images: list[bytes]) -> bytes:
    """PNGs one above the other (the exported view); narrower ones are centred on white."""
    pics = [Image.open(io.BytesIO(b)).convert("RGB") for b in images]
    width = max(p.width for p in pics)
    out = Image.new("RGB", (width, sum(p.height for p in pics)), "white")
    y = 0
    for p in pics:
        out.paste(p, ((width - p.width) // 2, y))
        y += p.height
    buf = io.BytesIO()
    out.save(buf, format="PNG")
    return buf.getvalue()


PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf", "#7f7f7f")
MAX_POINTS = 400
"""Points per chart line sent to the browser (longer series are thinned evenly, ends kept)."""


def chart_option(panels: list[tuple[str, list[tuple[str, np.ndarray, np.ndarray]]]]) -> dict:
    """An ECharts option drawing the panels as small multiples (2 rows of 3), drawn by the
    browser: the server only sends the numbers, so a Step costs no chart rendering here."""
    option: dict[str, Any] = {"animation": False, "title": [], "grid": [], "xAxis": [], "yAxis": [],
                              "series": [], "legend": [], "tooltip": {"trigger": "axis"}}
    for k, (name, lines) in enumerate(panels):
        row, col = divmod(k, 3)
        left, top = 4 + col * 33.3, 7 + row * 50
        option["title"].append({"text": name, "left": f"{left:.1f}%", "top": f"{top - 6:.1f}%",
                                "textStyle": {"fontSize": 12, "fontWeight": "normal"}})
        option["grid"].append({"left": f"{left:.1f}%", "top": f"{top + 6:.1f}%", "width": "26%", "height": "30%",
                               "containLabel": True})
        option["xAxis"].append({"type": "time", "gridIndex": k, "splitNumber": 3, "axisLabel": {"fontSize": 9}})
        option["yAxis"].append({"type": "value", "gridIndex": k, "scale": True, "axisLabel": {"fontSize": 9},
                                "splitNumber": 3})
        names = []
        for j, (label, dates, values) in enumerate(lines):
            n = len(values)
            idx = np.unique(np.linspace(0, n - 1, MAX_POINTS).astype(np.int64)) if n > MAX_POINTS else np.arange(n)
            ms = dates[idx].astype("datetime64[ms]").astype(np.int64).tolist()
            vals = [None if v != v else round(float(v), 4) for v in values[idx].tolist()]
            option["series"].append({"name": label, "type": "line", "xAxisIndex": k, "yAxisIndex": k,
                                     "showSymbol": False, "lineStyle": {"width": 1.5},
                                     "color": PALETTE[j % len(PALETTE)], "data": [list(p) for p in zip(ms, vals, strict=True)]})
            names.append(label)
        option["legend"].append({"data": names, "left": f"{left:.1f}%", "top": f"{top - 2:.1f}%",
                                 "itemHeight": 8, "itemWidth": 14, "textStyle": {"fontSize": 10}})
    return option
