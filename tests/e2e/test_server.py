"""What the server does with kernels: a closed tab must free its kernel (about 300 MB each)."""

import time

import pytest

from .conftest import RENDER_TIMEOUT_MS, DashboardPage

pytestmark = pytest.mark.e2e


def _wait_for(predicate, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def test_closing_a_tab_frees_its_kernel(browser, voila_server):
    """Voila sends a shutdown beacon on unload without an XSRF token (voila#1458); voila.json
    lets it through, or every closed tab would hold a kernel until culling."""
    context = browser.new_context()
    page = context.new_page()
    dash = DashboardPage(page, voila_server)
    before = set(voila_server.kernel_pids())
    dash.open("mlp.ipynb")
    page.wait_for_selector(".heatmap-figure", timeout=RENDER_TIMEOUT_MS)
    started = set(voila_server.kernel_pids()) - before
    assert started, "opening a dashboard started no kernel process"
    # as a learner closing the tab: unload handlers run (this call does not wait for them)
    page.close(run_before_unload=True)
    freed = _wait_for(lambda: not started & set(voila_server.kernel_pids()), 20)
    context.close()
    assert freed, "the kernel of a closed tab is still running"
    assert not dash.errors, dash.errors
