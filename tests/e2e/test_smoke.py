"""Every dashboard opens in a real Voila in a real Chromium, renders, and errs nowhere."""

import pytest

from widgets.views.nav import PAGES

from .conftest import RENDER_TIMEOUT_MS, ROOT

pytestmark = pytest.mark.e2e

NOTEBOOKS = sorted(p.name for p in (ROOT / "dashboards").glob("*.ipynb"))


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_dashboard_renders(dashboard, notebook):
    dashboard.open(notebook)
    page = dashboard.page
    page.wait_for_selector(".bqplot", timeout=RENDER_TIMEOUT_MS)
    page.wait_for_timeout(500)  # let late errors surface
    dashboard.assert_no_error_cells()
    dashboard.screenshot(f"smoke-{notebook.removesuffix('.ipynb')}")


def test_explorer_shows_the_live_model(dashboard):
    dashboard.open("3_lstm_explorer.ipynb")
    page = dashboard.page
    title = page.locator(".heatmap-title").first
    title.wait_for(timeout=RENDER_TIMEOUT_MS)
    assert "weight_ih_l0 (4H × n_X) = (32 × 5)" in title.inner_text()
    assert "manual recurrence matches nn.LSTM" in page.locator(".recurrence-badge").inner_text()
    # every control is there under its automation class
    for name in ("n_x", "hidden_size", "seq_len", "batch_size", "seed", "step"):
        assert page.locator(f".ctl-{name}").count() == 1, name
    # the weights are drawn: one picture of every tensor, and the colour bar
    assert page.locator(".weights-figure image").count() == 2


def test_only_known_outside_resources_are_requested(dashboard):
    """Everything the dashboard needs is served by Voila itself; a classroom may be offline."""
    dashboard.open("3_lstm_explorer.ipynb")
    dashboard.page.wait_for_selector(".bqplot", timeout=RENDER_TIMEOUT_MS)
    unexpected = [u for u in dashboard.external if "fontawesome-free" not in u]
    assert not unexpected, unexpected


def test_navigation_follows_the_tutorial(dashboard):
    dashboard.open("1_mlp.ipynb")
    page = dashboard.page
    links = page.locator(".lstm-nav a")
    links.first.wait_for(timeout=RENDER_TIMEOUT_MS)
    assert links.evaluate_all("els => els.map(a => a.getAttribute('href'))") == [
        "1_mlp.ipynb", "2_sequence_data.ipynb", "3_lstm_explorer.ipynb", "4_training.ipynb"]
    page.click(".lstm-nav >> text=2 · Sequence data")
    page.wait_for_selector(".sequence-explorer", timeout=RENDER_TIMEOUT_MS)
    assert page.url.endswith("/voila/render/2_sequence_data.ipynb")


def test_the_start_page_lists_the_dashboards_in_lesson_order(browser, voila_server):
    """Voila's own start page (its file browser), in the order of the nav bar. Its own
    console errors (a 404 and widget plugins it loads but does not use) are Voila's, not a
    dashboard's, so this page is not held to the dashboards' no-error rule."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.route(lambda url: not url.startswith(voila_server.url),
                   lambda route: route.fulfill(status=200, body="", content_type="text/css"))
        page.goto(f"{voila_server.url}/voila/tree", wait_until="domcontentloaded",
                  timeout=RENDER_TIMEOUT_MS)
        items = page.locator(".jp-DirListing-item .jp-DirListing-itemText")
        items.nth(len(PAGES) - 1).wait_for(timeout=RENDER_TIMEOUT_MS)
        assert items.all_inner_texts() == [name for name, _ in PAGES]
    finally:
        context.close()
