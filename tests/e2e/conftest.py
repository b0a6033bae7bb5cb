"""A real Voila server and a real headless Chromium, shared by the end-to-end tests.

The server starts once per test session on a free port, from the repository root so that
``voila.json`` applies, and is stopped with all its kernels at the end. Each test gets a fresh
page that fails the test on any console error, uncaught page error or Voila error cell.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import psutil
import pytest

from driver.servers import ROOT, VoilaServer
from driver.ui import RENDER_TIMEOUT_MS, launch_chromium
from forkkernel.client import fork_supported

__all__ = ["RENDER_TIMEOUT_MS", "ROOT", "DashboardPage", "VoilaServer", "assert_forked"]
ARTIFACTS = ROOT / "test-artifacts"
@pytest.fixture(scope="session")
def voila_server(tmp_path_factory):
    server = VoilaServer(ROOT, tmp_path_factory.mktemp("voila") / "voila.log")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def forked_classroom(tmp_path_factory):
    """``make classroom``'s server as it starts by default on Linux: its kernels forked from a
    warm parent (forkkernel/). A small class and a warm pool of one explorer."""
    if fork_supported() is not None:
        pytest.skip(f"forked kernels: {fork_supported()}")
    server = VoilaServer(ROOT, tmp_path_factory.mktemp("forked") / "classroom.log",
                         module="classroom", token=secrets.token_hex(12),
                         extra_args=["--max_kernels=6", "--pool_size=1"])
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def assert_forked(server: VoilaServer, kernel_id: str) -> None:
    """The kernel ``kernel_id`` of ``server`` is a fork of its warm parent, not launched."""
    pid = server.kernel_pid(kernel_id)
    assert psutil.Process(pid).ppid() in server.warm_parent_pids(), f"kernel {pid} not forked"


@pytest.fixture(scope="module", params=["voila", "forked classroom"])
def served(request):
    """Each server a page meets: plain Voila with launched kernels (``make serve`` with
    FORK=0, Binder), and the classroom with forked ones."""
    return request.getfixturevalue("voila_server" if request.param == "voila"
                                   else "forked_classroom")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        yield browser
        browser.close()


class DashboardPage:
    """A Playwright page on one dashboard, collecting console and page errors."""

    def __init__(self, page, server: VoilaServer):
        self.page = page
        self.server = server
        self.errors: list[str] = []
        self.external: list[str] = []
        # the test machine has no internet; Voila's template links Font Awesome from a CDN
        # although its bundle already carries the icons, so answer outside requests with an
        # empty response (as a reachable CDN would, minus the bytes) and keep a list of them
        page.route(lambda url: not url.startswith(server.url), self._stub_external)
        page.on("console", self._on_console)
        page.on("pageerror", lambda err: self.errors.append(f"page error: {err}"))

    def _stub_external(self, route) -> None:
        self.external.append(route.request.url)
        route.fulfill(status=200, body="", content_type="text/css")

    def _on_console(self, msg) -> None:
        if msg.type == "error":
            self.errors.append(f"console error: {msg.text}")

    def open(self, notebook: str, query: str = "") -> None:
        # Voila streams the page as the notebook runs: the document ends when the kernel has
        # started, imported torch and built the view, so this waits as long as a render may
        self.page.goto(f"{self.server.url}/voila/render/{notebook}{query}",
                       wait_until="domcontentloaded", timeout=RENDER_TIMEOUT_MS)
        self.page.wait_for_selector(".jupyter-widgets", timeout=RENDER_TIMEOUT_MS)
        self.assert_no_error_cells()

    def assert_no_error_cells(self) -> None:
        errors = self.page.locator(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'],"
            ".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']"
        )
        texts = errors.all_inner_texts()
        assert not texts, f"Voila error cell(s): {texts}"
        body = self.page.inner_text("body")
        assert "There was an error when executing cell" not in body, body[:2000]

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def dashboard(browser, voila_server, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    dash = DashboardPage(page, voila_server)
    yield dash
    # what the learner could see; a throttled mouse event that fires into the comm Voila is
    # closing while the tab unloads ("Cannot send") is no error of the dashboard's
    errors_in_use = list(dash.errors)
    try:
        if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
            dash.screenshot(f"failed-{request.node.name}")
        # close as a learner does, so Voila's unload beacon frees the kernel
        with page.expect_event("close", timeout=10_000):
            page.close(run_before_unload=True)
    finally:
        context.close()
    assert not errors_in_use, "browser reported errors:\n" + "\n".join(errors_in_use)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
