"""Chromium and the page, driven the way a learner does: focus, then keys.

Shared by the browser tests, the benchmark and the screenshot script.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from driver.wait import wait_until

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
# kernels start, import torch and build the first model: generous on a loaded 2-core machine
RENDER_TIMEOUT_MS = 120_000


def launch_chromium(playwright):
    """Headless Chromium: ``$CHROMIUM``, else /usr/bin/chromium, else Playwright's own."""
    executable = os.environ.get("CHROMIUM") or None
    if executable is None and Path("/usr/bin/chromium").exists():
        executable = "/usr/bin/chromium"
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)


def run_in_jupyterlab(page, notebook_url: str) -> None:
    """Open a notebook in JupyterLab (its ``/lab/tree/...`` address, token included) and run
    all its cells, once its kernel is there, as a learner's Run All does."""
    page.goto(notebook_url, timeout=RENDER_TIMEOUT_MS)
    # the kernel connected and idle, and the widget manager listening on it (its comm target
    # registered: a private field of JupyterLab's kernel connection, so only checked where it
    # is there): a cell run before, on a lab's first kernel, can open its widgets before the
    # page's widget manager listens, and they are never drawn
    page.wait_for_function("() => { const k = window.jupyterapp?.shell?.currentWidget"
                           "?.sessionContext?.session?.kernel; return k && "
                           "k.connectionStatus === 'connected' && k.status === 'idle' && "
                           "(!k._targetRegistry || 'jupyter.widget' in k._targetRegistry); }",
                           timeout=RENDER_TIMEOUT_MS)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")


def slider_value(page, ctl: str) -> int:
    return int(page.locator(f".{ctl} .widget-readout").inner_text().strip())


def set_slider(page, ctl: str, value: int, timeout_ms: int = 60_000, attempts: int = 3) -> None:
    """Type ``value`` into the slider's readout (ipywidgets makes it editable) and press Enter.

    On a loaded machine the keys can reach the readout before its text is selected, so the
    value typed lands next to the old one (``2`` after ``1`` makes 12): the readout is read
    back and, if it shows something else, typed again.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    readout = page.locator(f".{ctl} .widget-readout")
    deadline = time.monotonic() + timeout_ms / 1000
    for attempt in range(1, attempts + 1):
        readout.click()
        page.keyboard.press("Control+A")
        page.keyboard.type(str(value))
        page.keyboard.press("Enter")
        page.evaluate("document.activeElement && document.activeElement.blur()")
        left_ms = max(1_000, (deadline - time.monotonic()) * 1000)
        try:
            page.wait_for_function(
                "([sel, v]) => document.querySelector(sel)?.innerText.trim() === String(v)",
                arg=[f".{ctl} .widget-readout", value],
                timeout=left_ms if attempt == attempts else min(left_ms, 15_000))
            return
        except PlaywrightTimeout:
            if attempt == attempts:
                shown = readout.inner_text().strip()
                raise PlaywrightTimeout(
                    f"{ctl}: typed {value} {attempts} times, the readout shows {shown}") from None


def text(page, selector: str, nth: int = 0) -> str:
    return page.locator(selector).nth(nth).inner_text()


def wait_text(page, selector: str, pattern: str, nth: int = 0, timeout_ms: int = 60_000) -> None:
    page.wait_for_function(
        "([sel, n, pat]) => new RegExp(pat).test(document.querySelectorAll(sel)[n]?.innerText)",
        arg=[selector, nth, pattern], timeout=timeout_ms)


def heatmap_href(page, nth: int) -> str:
    return page.locator(".heatmap-figure image").nth(nth).get_attribute("href")


_NATURAL_SIZE_JS = """([sel, n]) => new Promise((ok) => {
    const href = document.querySelectorAll(sel)[n]?.getAttribute('href');
    if (!href) { ok(null); return; }
    const im = new Image();
    im.onload = () => ok([im.naturalHeight, im.naturalWidth]);
    im.onerror = () => ok(null);  // revoked: a newer picture replaced it meanwhile
    setTimeout(() => ok(null), 2000);
    im.src = href;
})"""


def natural_size(page, nth: int, expected: tuple[int, int] | None = None,
                 timeout_s: float = 30.0) -> tuple[int, int] | None:
    """Pixel size of the PNG a heatmap shows (one pixel a matrix cell); waits for ``expected``
    and returns the last size seen if it does not come."""
    seen: list = [None]

    def shown():
        found = page.evaluate(_NATURAL_SIZE_JS, [".heatmap-figure image", nth])
        seen[0] = tuple(found) if found else None
        return seen[0] is not None and (expected is None or seen[0] == expected)

    try:
        wait_until(shown, timeout_s, every=0.1, what=f"heatmap {nth}'s picture")
    except TimeoutError:
        pass
    return seen[0]
