"""What the server does with kernels: a closed tab must free its kernel (hundreds of MB each)."""


import pytest

from driver.wait import wait_until

from .conftest import RENDER_TIMEOUT_MS, DashboardPage

pytestmark = pytest.mark.e2e


def test_closing_a_tab_frees_its_kernel(browser, voila_server):
    """Voila sends a shutdown beacon on unload without an XSRF token (voila#1458); voila.json
    lets it through, or every closed tab would hold a kernel until culling."""
    context = browser.new_context()
    page = context.new_page()
    dash = DashboardPage(page, voila_server)
    before = set(voila_server.kernel_pids())
    dash.open("1_mlp.ipynb")
    page.wait_for_selector(".heatmap-figure", timeout=RENDER_TIMEOUT_MS)
    started = set(voila_server.kernel_pids()) - before
    assert started, "opening a dashboard started no kernel process"
    # as a learner closing the tab: unload handlers run (this call does not wait for them)
    page.close(run_before_unload=True)
    try:
        wait_until(lambda: not started & set(voila_server.kernel_pids()), 20,
                   what="the kernel of a closed tab stopping")
    finally:
        context.close()
    assert not dash.errors, dash.errors


def test_presets_reach_a_preheated_kernel(browser, tmp_path):
    """With Voila's pool the explorer is built before the request; the query still applies."""
    from driver.servers import ROOT, VoilaServer
    from driver.ui import wait_text

    server = VoilaServer(ROOT, tmp_path / "voila-preheat.log", extra_args=[
        "--preheat_kernel=True", "--pool_size=1",
        *(f"--VoilaKernelManager.preheat_denylist={nb}" for nb in ("mlp", "sequence_data"))])
    try:
        server.wait_ready()
        # the pooled kernel has started and run the notebook up to the student's request
        wait_until(lambda: "Kernel pool of 3_lstm_explorer.ipynb is filled" in server.log(), 180,
                   what="the pool filling", details=server.log)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        dash = DashboardPage(page, server)
        dash.open("3_lstm_explorer.ipynb", "?hidden_size=12&step=4&seed=3&n_x=999")
        wait_text(page, ".heatmap-title", r"weight_hh_l0 \(4H × H\) = \(48 × 12\)", nth=1,
                  timeout_ms=RENDER_TIMEOUT_MS)
        wait_text(page, ".step-title", r"step e = 4 ")
        wait_text(page, ".lstm-banner", r"n_X=999 is outside 1 to 64; using 64")
        assert "seed=3" in page.locator(".view-link").inner_text()
        assert "Using pre-heated kernel" in server.log(), "the page did not get the pooled kernel"
        assert not dash.errors, dash.errors
        page.close(run_before_unload=True)
        context.close()
    finally:
        server.stop()
