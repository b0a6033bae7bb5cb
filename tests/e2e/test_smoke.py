"""Every dashboard opens in a real Voila in a real Chromium, renders, and errs nowhere."""

import pytest

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
    dashboard.open("lstm_explorer.ipynb")
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
    dashboard.open("lstm_explorer.ipynb")
    dashboard.page.wait_for_selector(".bqplot", timeout=RENDER_TIMEOUT_MS)
    unexpected = [u for u in dashboard.external if "fontawesome-free" not in u]
    assert not unexpected, unexpected


def test_navigation_follows_the_tutorial(dashboard):
    dashboard.open("mlp.ipynb")
    page = dashboard.page
    links = page.locator(".lstm-nav a")
    links.first.wait_for(timeout=RENDER_TIMEOUT_MS)
    assert links.evaluate_all("els => els.map(a => a.getAttribute('href'))") == [
        "mlp.ipynb", "sequence_data.ipynb", "lstm_explorer.ipynb", "training.ipynb"]
    page.click(".lstm-nav >> text=2 · Sequence data")
    page.wait_for_selector(".sequence-explorer", timeout=RENDER_TIMEOUT_MS)
    assert page.url.endswith("/voila/render/sequence_data.ipynb")
