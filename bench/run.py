"""``make bench``: how the dashboards feel under the hand, measured in a real browser.

Serves the repository with Voila, drives headless Chromium through Playwright, and prints
medians and 95th percentiles of:

- size-slider latency: a key press on a slider until the page stops changing (a
  MutationObserver records the last change), at default and at maximum sizes;
- step latency and the rate Play sustains;
- the floor (a slider -> label round trip) and the usual way (``interact`` + matplotlib) in the
  same run, our latency given as a ratio to the latter;
- time to interactive, cold and from Voila's preheated pool, next to an empty notebook's and a
  one-widget notebook's;
- kernel memory after the first render (RSS, PSS) and bytes received per interaction;
- the browser's main-thread CPU time per interaction (thread time from a Chrome trace): the
  work a move costs, which unlike latency hardly moves when the machine is busy;
- training on one core (``bench/training.py``): an epoch, and the time until the model beats
  persistence (the temperatures) or solves the adding problem.

Timings on a shared machine are noisy: read medians and ratios, not single numbers. Nothing
here is asserted; the targets are printed beside the figures.

    python -m bench.run [--repeat 20] [--quick] [--json bench/results/latest.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Error as PlaywrightError  # noqa: E402

from bench.measures import Series, report, save  # noqa: E402
from bench.training import measure_comparison, measure_training  # noqa: E402
from driver.processes import kernel_memory  # noqa: E402
from driver.servers import VoilaServer  # noqa: E402
from driver.ui import launch_chromium, set_slider  # noqa: E402

EXPLORER = "dashboards/3_lstm_explorer.ipynb"
FLOOR = "bench/floor.ipynb"
BASELINE = "bench/baseline_interact.ipynb"
EMPTY = "bench/empty.ipynb"
# the explorer is interactive once its first weight matrix is drawn from a real PNG
EXPLORER_READY = '.heatmap-figure image[href^="blob:"]'
# time to interactive of the explorer beside two references on the same server: a notebook
# with no widget (ready when its HTML is parsed: no script need run) and the floor's one
# slider and label (ready when Voila's front end has loaded, reached the kernel and drawn a
# widget: what any widget page pays before its first view)
TTI_PAGES = ((EMPTY, "empty notebook", ".jp-RenderedMarkdown h1"),
             (FLOOR, "one widget", ".floor-label"),
             (EXPLORER, "explorer", EXPLORER_READY))
PLAY_RUNS = 3  # Play at default sizes is ten steps: the median of three runs
QUIET_MS = 300  # no change for this long after the expected change: the page has settled
MAX_SIZES = {"ctl-n_x": 64, "ctl-hidden_size": 256, "ctl-seq_len": 200}

# installed before any page script: the page's own clock for mutations and key presses
OBSERVER_JS = """
window.__bench = {last: 0, keyAt: 0, mutations: 0, firstPaint: 0, ready: READY};
document.addEventListener('keydown', () => {
  window.__bench.keyAt = performance.now();
  window.__bench.imgAtKey = document.querySelector('.bench-root img')?.src;  // the baseline's
}, true);
new MutationObserver(() => {
  const b = window.__bench;
  b.last = performance.now(); b.mutations++;
  if (!b.firstPaint && document.querySelector(b.ready)) {
    b.firstPaint = performance.now();
  }
}).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""

SETTLE_JS = """async ([done, quiet, timeout]) => {
  const b = window.__bench, start = performance.now();
  const ok = new Function('return (' + done + ')');
  for (;;) {
    const now = performance.now();
    if (ok() && b.last > b.keyAt && now - b.last >= quiet) return b.last - b.keyAt;
    if (now - start > timeout) return null;
    await new Promise((r) => setTimeout(r, 10));
  }
}"""


class Page:
    """A page with the observer installed and a tally of websocket bytes received."""

    def __init__(self, browser, server: VoilaServer, path: str, ready: str):
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.page = self.context.new_page()
        self.received = 0
        self.ready = ready  # the selector whose first appearance counts as interactive
        self.page.add_init_script(OBSERVER_JS.replace("READY", json.dumps(ready)))
        self.page.route(lambda url: not url.startswith(server.url),
                        lambda route: route.fulfill(status=200, body=""))
        self.page.on("websocket", lambda ws: ws.on("framereceived", self._count))
        self.server = server
        self.path = path

    def _count(self, payload) -> None:
        self.received += len(payload.encode() if isinstance(payload, str) else payload)

    def open(self, timeout_ms: int = 180_000) -> float:
        """Load the page; return time to interactive (ms since navigation) once ready."""
        self.page.goto(f"{self.server.url}/voila/render/{self.path}", timeout=timeout_ms)
        self.page.wait_for_selector(self.ready, timeout=timeout_ms, state="attached")
        self.page.wait_for_function("window.__bench.firstPaint > 0", timeout=timeout_ms)
        return self.page.evaluate("window.__bench.firstPaint")

    def key(self, ctl: str, key: str, done_js: str, timeout_ms: int = 20_000):
        """Press ``key`` on a slider's handle; return (latency ms, bytes received) once settled."""
        self.page.locator(f".{ctl} .noUi-handle, .{ctl} .slider-container .ui-slider-handle"
                          ).first.focus()
        before = self.received
        self.page.keyboard.press(key)
        latency = self.page.evaluate(SETTLE_JS, [done_js, QUIET_MS, timeout_ms])
        return latency, self.received - before

    def readout(self, ctl: str) -> int:
        return int(self.page.locator(f".{ctl} .widget-readout").inner_text())

    def set_slider(self, ctl: str, value: int) -> None:
        set_slider(self.page, ctl, value)

    def close(self) -> None:
        try:
            with self.page.expect_event("close", timeout=10_000):
                self.page.close(run_before_unload=True)  # frees the kernel
        finally:
            self.context.close()


def title_has(text: str, selector: str = ".heatmap-title") -> str:
    """JS: some element matching ``selector`` contains ``text``."""
    # textContent, not innerText: polling must not force a layout of the page it measures
    return (f"[...document.querySelectorAll({json.dumps(selector)})]"
            f".some(e => e.textContent.includes({json.dumps(text)}))")


def renderer_cpu_ms(trace: bytes) -> float:
    """CPU time (ms) the busiest renderer main thread spent on tasks in a Chrome trace."""
    events = json.loads(trace)
    events = events["traceEvents"] if isinstance(events, dict) else events
    main = {(e["pid"], e["tid"]) for e in events
            if e.get("ph") == "M" and e.get("name") == "thread_name"
            and e.get("args", {}).get("name") == "CrRendererMain"}
    spent: dict = {}
    for e in events:
        key = (e.get("pid"), e.get("tid"))
        if key in main and e.get("ph") == "X" and e.get("name") == "RunTask":
            spent[key] = spent.get(key, 0.0) + e.get("tdur", 0) / 1000
    return max(spent.values(), default=0.0)


def walk(page: Page, ctl: str, series: Series, repeat: int, done_for,
         traced: int = 6) -> None:
    """Move ``ctl`` one notch at a time, ``repeat`` moves: half one way, then back, timing each.

    A walk, not a back-and-forth: the dashboards keep the picture they showed before (a
    double buffer), so moving back to the previous value sends no picture. Only the turn is
    such a move here; every other move draws values the page has not seen. From a slider's
    maximum the walk starts to the left.

    Then ``traced`` more moves (a short walk out and back) run under a Chrome trace, for the
    main thread's CPU time per move; tracing costs CPU in the browser, so those moves are not
    timed.
    """
    handle = page.page.locator(f".{ctl} .noUi-handle").first
    lo, hi = (int(float(handle.get_attribute(f"aria-value{b}"))) for b in ("min", "max"))

    def moves(count: int, record: bool) -> None:
        value = page.readout(ctl)
        direction = -1 if value + count // 2 > hi else 1
        for k in range(count):
            if k == count // 2:
                direction = -direction
            if not lo <= value + direction <= hi:
                direction = -direction
            value += direction
            latency, received = page.key(ctl, "ArrowRight" if direction > 0 else "ArrowLeft",
                                         done_for(value))
            if record and latency is not None:
                series.values.append(latency)
                series.bytes.append(received)

    moves(repeat, record=True)
    if traced:
        browser = page.context.browser
        browser.start_tracing(page=page.page, categories=[
            "devtools.timeline", "disabled-by-default-devtools.timeline", "toplevel"])
        try:
            moves(traced, record=False)
        finally:
            trace = browser.stop_tracing()
        series.cpu_ms = renderer_cpu_ms(trace) / traced


def explorer_done(ctl: str, state: dict):
    """JS for 'the explorer shows the new value of ``ctl``' (its titles or its step)."""
    def done(value: int) -> str:
        s = {**state, ctl: value}
        four_h = 4 * s["ctl-hidden_size"]
        if ctl == "ctl-n_x":
            return title_has(f"= ({four_h} × {value})")
        if ctl == "ctl-hidden_size":
            return title_has(f"= ({four_h} × {value})")
        if ctl == "ctl-seq_len":
            return title_has(f"of n_E = {value}", ".step-title")
        return title_has(f"step e = {value} ", ".step-title")
    return done


STEP_SHOWN_JS = """() => {
  const m = document.querySelector('.step-title')?.textContent.match(/step e = (\\d+) /);
  return m ? Number(m[1]) : 0;
}"""


PLAY_WATCH_JS = """() => {
  window.__playWatch?.disconnect();  // one watcher: the last run's
  const seen = window.__playSeen = new Set(), title = document.querySelector('.step-title');
  window.__playWatch = new MutationObserver(() => {
    const e = (STEP_SHOWN)();
    if (e) seen.add(e);
  });
  window.__playWatch.observe(title, {subtree: true, childList: true, characterData: true});
}""".replace("STEP_SHOWN", STEP_SHOWN_JS)


def select_fast_play(page: Page) -> None:
    """Pick Play's "fast" speed (its default is a pace a learner can follow), and make sure the
    page has Play's new interval: the kernel answers in order, so once a step moved after the
    click is shown, the interval it set on Play has reached the page too."""
    fast = page.page.locator(".ctl-speed button", has_text="fast")  # every 40 ms
    if "mod-active" in (fast.get_attribute("class") or ""):
        return
    fast.click()
    other = 2 if page.page.evaluate(STEP_SHOWN_JS) == 1 else 1
    page.set_slider("ctl-step", other)
    page.page.wait_for_function(title_has(f"step e = {other} ", ".step-title"))


def play_rate(page: Page, seq_len: int, steps: int) -> tuple[float, float]:
    """Steps per second Play sustains, (passed, drawn), timed after the first step shown.

    Play is set to move on every 40 ms in the page (its "fast" speed), and the page sends the
    kernel at most one update at a time, so a slow round trip skips steps: *passed* counts
    the steps Play went through, *drawn* only those whose title the page showed (its frame
    rate). ``steps`` is how far to go past step 2 (at most ``seq_len`` - 2).
    """
    select_fast_play(page)
    page.set_slider("ctl-step", 1)
    page.page.wait_for_function(title_has("step e = 1 ", ".step-title"))
    page.page.evaluate(PLAY_WATCH_JS)
    page.page.locator(".ctl-play button").first.click()
    page.page.wait_for_function(f"({STEP_SHOWN_JS})() >= 2", timeout=20_000, polling=5)
    start, t0 = page.page.evaluate(STEP_SHOWN_JS), time.perf_counter()
    goal = min(start + steps, seq_len)
    page.page.wait_for_function(f"({STEP_SHOWN_JS})() >= {goal}", timeout=120_000, polling=5)
    end, elapsed = page.page.evaluate(STEP_SHOWN_JS), time.perf_counter() - t0
    page.page.locator(".ctl-play button").nth(1).click()  # pause
    drawn = page.page.evaluate(
        f"[...window.__playSeen].filter(e => e > {start} && e <= {end}).length")
    return (end - start) / elapsed, drawn / elapsed


def measure_latencies(browser, server: VoilaServer, repeat: int, results: dict) -> None:
    # the floor: the cheapest widget round trip in this same run
    page = Page(browser, server, FLOOR, ".floor-label")
    page.open()
    s = results.setdefault("floor: slider -> label", Series("floor: slider -> label"))
    walk(page, "ctl-hidden_size", s, repeat, lambda v: title_has(str(v), ".floor-label"))
    page.close()

    # the usual way: interact + matplotlib, default sizes, then maximum sizes
    page = Page(browser, server, BASELINE, ".bench-root img")
    page.open()
    img = "document.querySelector('.bench-root img')?.src"
    for label, sizes in (("default", {}), ("maximum", MAX_SIZES)):
        for ctl, value in sizes.items():
            page.set_slider(ctl, value)
        page.page.wait_for_timeout(1500)
        s = results.setdefault(f"baseline H, {label} sizes",
                               Series(f"baseline (interact + matplotlib) H, {label} sizes"))
        walk(page, "ctl-hidden_size", s, repeat,
             lambda _value: f"{img} !== window.__bench.imgAtKey")
    page.close()

    # ours
    pids_before = set(server.kernel_pids())
    page = Page(browser, server, EXPLORER, EXPLORER_READY)
    page.open()
    page.page.wait_for_timeout(1500)
    rss, pss = kernel_memory(sorted(set(server.kernel_pids()) - pids_before))
    results["memory"] = {"explorer kernel RSS MB": rss, "explorer kernel PSS MB": pss}
    state = {"ctl-n_x": 5, "ctl-hidden_size": 8, "ctl-seq_len": 12}
    targets = {"default": ("p95 <= 40 ms, >= 5x faster than baseline", "p95 <= 30 ms"),
               "maximum": ("p95 <= 250 ms", "p95 <= 60 ms")}
    for label, sizes in (("default", {}), ("maximum", MAX_SIZES)):
        for ctl, value in sizes.items():
            page.set_slider(ctl, value)
            state[ctl] = value
        page.set_slider("ctl-step", 2)
        page.page.wait_for_timeout(1500)
        for ctl, symbol in (("ctl-hidden_size", "H"), ("ctl-n_x", "n_X"), ("ctl-seq_len", "n_E")):
            s = results.setdefault(f"explorer {symbol}, {label} sizes",
                                   Series(f"explorer {symbol}, {label} sizes",
                                          target=targets[label][0]))
            walk(page, ctl, s, repeat, explorer_done(ctl, state))
        s = results.setdefault(f"explorer step, {label} sizes",
                               Series(f"explorer step, {label} sizes", target=targets[label][1]))
        walk(page, "ctl-step", s, repeat, explorer_done("ctl-step", state))
        steps = state["ctl-seq_len"] - 2 if label == "default" else 60
        rates = []
        try:
            for _ in range(PLAY_RUNS):
                rates.append(play_rate(page, state["ctl-seq_len"], steps))
        except PlaywrightError as err:  # the run goes on; the report says what failed
            results.setdefault("errors", []).append(f"Play, {label} sizes: {err}".split("\n")[0])
        results[f"play, {label} sizes"] = Series(
            f"Play, {label} sizes, steps passed", unit="steps/s",
            values=[passed for passed, _ in rates], target=">= 20 steps/s")
        results[f"play drawn, {label} sizes"] = Series(
            f"Play, {label} sizes, steps drawn", unit="steps/s",
            values=[drawn for _, drawn in rates], target=">= 20 steps/s")
    rss_max, pss_max = kernel_memory(sorted(set(server.kernel_pids()) - pids_before))
    results["memory"].update({"explorer kernel RSS MB at maximum sizes": rss_max,
                              "explorer kernel PSS MB at maximum sizes": pss_max})
    page.close()
    measure_worst_case(browser, server, max(4, repeat // 2), results)


# the whole nn.LSTM at its largest: every cell is traced by hand at each rebuild
WORST_CASE = {"n_x": 64, "hidden_size": 256, "seq_len": 200, "batch_size": 16, "num_layers": 3,
              "bidirectional": 1}


def measure_worst_case(browser, server: VoilaServer, repeat: int, results: dict) -> None:
    """The explorer at 3 bidirectional layers, n_X=64, H=256, n_E=200, b_S=16: a size change
    (H, each move rebuilds and traces all six cells) and a step, and the kernel's memory."""
    pids_before = set(server.kernel_pids())
    query = "&".join(f"{k}={v}" for k, v in WORST_CASE.items())
    page = Page(browser, server, f"{EXPLORER}?{query}&step=2", EXPLORER_READY)
    page.open()
    page.page.wait_for_function(title_has("= (1024 × 256)"), timeout=120_000)
    page.page.wait_for_timeout(1500)
    state = {"ctl-n_x": 64, "ctl-hidden_size": 256, "ctl-seq_len": 200}
    targets = {"H": "p95 <= 500 ms", "step": "p95 <= 60 ms"}
    for ctl, symbol in (("ctl-hidden_size", "H"), ("ctl-step", "step")):
        s = results.setdefault(f"explorer {symbol}, 3 bidirectional layers",
                               Series(f"explorer {symbol}, 3 bidirectional layers at maximum "
                                      "sizes", target=targets[symbol]))
        walk(page, ctl, s, repeat, explorer_done(ctl, state), traced=0)
    rss, pss = kernel_memory(sorted(set(server.kernel_pids()) - pids_before))
    results["memory"].update({"explorer kernel RSS MB, 3 bidirectional layers": rss,
                              "explorer kernel PSS MB, 3 bidirectional layers": pss})
    page.close()


def measure_tti(browser, server: VoilaServer, label: str, runs: int, results: dict) -> None:
    for path, name, ready in TTI_PAGES:
        s = results.setdefault(f"tti {name}, {label}",
                               Series(f"time to interactive: {name}, {label}"))
        for _ in range(runs):
            before = set(server.kernel_pids())
            page = Page(browser, server, path, ready)
            s.values.append(page.open())
            if name == "empty notebook" and label == "cold":
                rss, pss = kernel_memory(sorted(set(server.kernel_pids()) - before))
                results.setdefault("memory", {}).update(
                    {"empty notebook kernel RSS MB": rss, "empty notebook kernel PSS MB": pss})
            page.close()
            if label == "preheated":
                wait_for_pool(server, results, refill_after=before)


def wait_for_pool(server: VoilaServer, results: dict, refill_after: set[int] | None = None,
                  timeout_s: float = 240) -> None:
    """The preheated pool full (a kernel for each page compared) and quiet; the run goes on
    if it is not, and the report says so."""
    try:
        server.wait_settled(len(TTI_PAGES), timeout_s, refill_after)
    except TimeoutError as err:
        results.setdefault("errors", []).append(f"preheated pool: {err}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Measure the dashboards in a real browser.")
    parser.add_argument("--repeat", type=int, default=20, help="moves per latency scenario")
    parser.add_argument("--tti-runs", type=int, default=5, help="page loads per TTI scenario")
    parser.add_argument("--quick", action="store_true", help="5 moves, 2 loads: a smoke run")
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "latest.json"))
    args = parser.parse_args()
    if args.quick:
        args.repeat, args.tti_runs = 6, 2
    args.repeat += args.repeat % 2  # even: every slider ends where it started

    from playwright.sync_api import sync_playwright

    results: dict = {}
    logs = Path(tempfile.mkdtemp(prefix="bench-"))
    started = time.perf_counter()
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        print("1/4 latencies: floor, interact + matplotlib baseline, explorer ...", flush=True)
        server = VoilaServer(ROOT, logs / "voila.log", serve=".")
        try:
            server.wait_ready()
            measure_latencies(browser, server, args.repeat, results)
            print("2/4 time to interactive, cold kernels ...", flush=True)
            measure_tti(browser, server, "cold", args.tti_runs, results)
        finally:
            server.stop()
        print("3/4 time to interactive, preheated pool ...", flush=True)
        server = VoilaServer(
            ROOT, logs / "voila-preheat.log", serve=".",
            extra_args=["--preheat_kernel=True", "--pool_size=1",
                        # a pool for the notebooks compared, none for the rest of the tree
                        *(f"--VoilaKernelManager.preheat_denylist={part}" for part in
                          (".venv", "test-artifacts", "baseline", "mlp", "sequence_data"))])
        try:
            server.wait_ready()
            wait_for_pool(server, results)
            measure_tti(browser, server, "preheated", args.tti_runs, results)
        finally:
            server.stop()
        browser.close()
    print("4/4 training on one core (no browser) ...", flush=True)
    measure_training(1 if args.quick else 3, results)
    measure_comparison(1, results)  # about 15 s a run: once

    print()
    print(report(results))
    print(f"\n({time.perf_counter() - started:.0f} s; Voila logs in {logs})")
    save(results, Path(args.json))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
