"""Driving the explorer in headless Chromium (Debian's package) through Playwright.

Shared by the browser test (``tests/test_explore_browser.py``), the Step benchmark
(``benchmarks/bench_explore.py``) and the tutorial's screenshots, following
``shared/recipes/browser.md``: the server runs on a free loopback port; Chromium is
``/usr/bin/chromium`` (``playwright install`` is never needed); every JavaScript page error is
recorded so the caller can fail on it; the waits are on what the page shows, not on sleeps.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from sim.tools.explore import build_parser, server_command, server_env

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "chromium_missing", "free_port", "Server", "ExplorerPage", "launch"]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
VIEWPORT = {"width": 1400, "height": 1250}


def chromium_missing() -> str | None:
    """Why the browser cannot run here (None when it can)."""
    if not os.access(CHROMIUM, os.X_OK):
        return (f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; "
                ".ci/run does this) - the browser test never skips")
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed: pip install -e '.[viz]' (make test installs it)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``python -m sim.explore`` on a free loopback port, as a context manager."""

    def __init__(self, *args: str, startup_s: float = 300.0):
        self.args: argparse.Namespace = build_parser().parse_args(["--port", str(free_port()), *args])
        self.url = f"http://{self.args.host}:{self.args.port}/"
        self.log_path = Path(tempfile.mkstemp(prefix="sim-explore-", suffix=".log")[1])
        self.startup_s = startup_s
        self.proc: subprocess.Popen | None = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def __enter__(self) -> Server:
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in __exit__
        self.proc = subprocess.Popen(server_command(self.args), env=server_env(self.args), stdout=self._log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.startup_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the explorer server exited with {self.proc.returncode}:\n{self.log()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url, timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        self.__exit__()
        raise RuntimeError(f"the explorer server did not answer within {self.startup_s} s:\n{self.log()[-3000:]}")

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def launch(playwright):
    """Headless Debian Chromium (RuntimeError naming the fix if it is missing)."""
    why = chromium_missing()
    if why:
        raise RuntimeError(why)
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


class ExplorerPage:
    """One browser page on the explorer, with the waits the app needs."""

    def __init__(self, browser, url: str, timeout_ms: float = 60_000, viewport: dict | None = None):
        from playwright.sync_api import expect

        expect.set_options(timeout=timeout_ms)  # Reset builds one or two models: seconds, not 5 s
        self.expect = expect
        self.page = browser.new_page(viewport=viewport or VIEWPORT)
        self.page.set_default_timeout(timeout_ms)
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(f"console error: {m.text}"))
        self.page.goto(url, wait_until="domcontentloaded")
        self.step_button.wait_for(timeout=180_000)  # the first model is built (and numba loaded) here
        self.page.locator("img.sim-map").first.wait_for()
        self.page.locator(".sim-charts canvas").first.wait_for()

    @property
    def step_button(self):
        return self.page.get_by_role("button", name="Step", exact=True)

    def date(self) -> dt.date:
        text = self.page.locator(".sim-date").inner_text()
        return dt.date.fromisoformat(re.search(r"\d{4}-\d{2}-\d{2}", text)[0])

    def map_sources(self) -> list[str]:
        return self.page.eval_on_selector_all("img.sim-map", "els => els.map(e => e.src)")

    def chart_pixels(self) -> str:
        return self.page.eval_on_selector(".sim-charts canvas", "c => c.toDataURL()")

    def event_rows(self) -> int:
        return self.page.locator("table.sim-events tbody tr").count()

    def wait_redrawn(self, date: dt.date, maps: list[str], chart: str) -> None:
        """Until the date reads ``date`` and every map and the chart canvas have changed."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            self._wait_redrawn(date, maps, chart)
        except PlaywrightTimeout as exc:
            now = self.map_sources()
            raise AssertionError(
                f"no redraw for {date}: the page reads {self.page.locator('.sim-date').inner_text()!r}; "
                f"maps changed {[a != b for a, b in zip(maps, now, strict=False)]} ({len(now)} of {len(maps)}); "
                f"chart changed {self.chart_pixels() != chart}") from exc

    def _wait_redrawn(self, date: dt.date, maps: list[str], chart: str) -> None:
        self.page.wait_for_function(
            """([date, maps, chart]) => {
                const d = document.querySelector('.sim-date');
                const imgs = [...document.querySelectorAll('img.sim-map')].map(e => e.src);
                const c = document.querySelector('.sim-charts canvas');
                return d && d.innerText.includes(date) && imgs.length === maps.length
                    && imgs.every((s, i) => s !== maps[i]) && c && c.toDataURL() !== chart;
            }""", arg=[date.isoformat(), maps, chart], polling="raf")

    def step(self, days_per_step: int = 1) -> float:
        """Click Step; wait for the redraw; return the round trip in seconds."""
        self.expect(self.step_button).to_be_enabled()
        before, maps, chart = self.date(), self.map_sources(), self.chart_pixels()
        t0 = time.perf_counter()
        self.step_button.click()
        self.wait_redrawn(before + dt.timedelta(days=days_per_step), maps, chart)
        return time.perf_counter() - t0

    def reset(self) -> None:
        """Click Reset; wait until the new model shows (no pending change, day 0)."""
        self.page.get_by_role("button", name="Reset", exact=True).click()
        # Building the new model takes seconds. The banner only clears if the server had every
        # change before the click, which select, nudge_slider and toggle wait for (``received``).
        self.expect(self.page.get_by_text("Changed: press Reset to run with these settings.")).to_have_count(
            0, timeout=120_000)
        self.expect(self.page.locator(".sim-day")).to_contain_text("day 0 of")
        self.expect(self.step_button).to_be_enabled()

    def received(self, label: str, value: str | None = None) -> None:
        """Wait until the server has a control's new value: the page lists it as a pending change.

        The browser sends a control's value on its own schedule, and a click (Reset) can overtake
        it: Reset then builds the model with the value before. So every change waits for the
        server's echo (``app.pending_changes``) before the next action. ``value`` None: any value.
        """
        shown = r"\S+" if value is None else re.escape(value)
        self.expect(self.page.locator(".sim-pending")).to_contain_text(
            re.compile(rf"{re.escape(label)}: .* -> {shown}"))

    def select(self, label: str, option: str) -> None:
        """Pick ``option`` in the Vuetify select labelled ``label``; wait for the server to have it."""
        field = self.page.locator(".v-select").filter(has=self.page.get_by_text(label, exact=True))
        field.locator(".v-select__slot").click()
        self.page.locator(".menuable__content__active .v-list-item").filter(
            has_text=re.compile(f"^{re.escape(option)}$")).click()
        self.expect(field.locator(".v-select__selection")).to_have_text(option)
        nxt = self.page.locator(".sim-next")
        if label == "scenario":
            self.expect(nxt).to_contain_text(f"Reset runs {option} ")
        elif label == "compare with (reference)":
            self.expect(nxt).to_contain_text("alone" if option == "(none)" else f"against {option}")
        else:
            self.received(label, option)

    def slider(self, label: str) -> object:
        return self.page.locator(".v-input").filter(has_text=label).get_by_role("slider")

    def nudge_slider(self, label: str, presses: int) -> tuple[float, float]:
        """Move a slider by keyboard; wait for the server to have the value; return it before and after."""
        s = self.slider(label)
        before = float(s.get_attribute("aria-valuenow"))
        s.focus()
        for _ in range(abs(presses)):
            s.press("ArrowRight" if presses > 0 else "ArrowLeft")
        self.expect(s).not_to_have_attribute("aria-valuenow", str(before).rstrip("0").rstrip("."))
        after = float(s.get_attribute("aria-valuenow"))
        if label == "days per Step":
            self.expect(self.page.locator(".sim-days-per-step")).to_have_text(f"{after:.6g} days per Step")
        else:
            self.received(label, f"{after:.6g}")
        return before, after

    def type_into(self, label: str, text: str, valid: bool = True) -> None:
        """Type into the text field labelled ``label`` and press Enter; a ``valid`` value is
        waited for as a pending change (an invalid one shows the schema's message instead)."""
        box = self.page.locator(".v-input").filter(has=self.page.get_by_text(label, exact=True)).locator("input")
        box.fill(text)
        box.press("Enter")
        if valid:
            self.received(label, text)

    def toggle(self, label: str) -> None:
        """Flip the switch labelled ``label``; wait for the server to have it."""
        self.page.locator(".v-input").filter(has_text=label).locator("label").click()
        self.received(label)

    def layer(self, name: str) -> None:
        """Show map layer ``name``; wait for the maps to redraw (nothing to wait for if it shows)."""
        button = self.page.locator(".sim-layers").get_by_role("button", name=name, exact=True)
        if "v-btn--active" in (button.get_attribute("class") or ""):
            return
        maps = self.map_sources()
        button.click()
        self.page.wait_for_function("(maps) => [...document.querySelectorAll('img.sim-map')].every((e, i) => e.src !== maps[i])",
                                    arg=maps)

    def download(self, label: str, folder: str | Path) -> Path:
        """Click the export button ``label``; save what the browser downloads into ``folder``."""
        with self.page.expect_download() as info:
            self.page.get_by_role("button", name=label).click()
        download = info.value
        path = Path(folder) / download.suggested_filename
        download.save_as(path)
        return path

    def screenshot(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.expect(self.step_button).to_be_enabled()
        self.page.screenshot(path=str(path))
        return path
