"""The MLP dashboard in a real Voila and Chromium."""

import pytest

from driver.ui import natural_size, set_slider, slider_value, text, wait_text

from .conftest import RENDER_TIMEOUT_MS

pytestmark = pytest.mark.e2e


def test_sliders_rebuild_the_network_and_hover_explains_y(dashboard):
    dashboard.open("mlp.ipynb")
    page = dashboard.page
    page.wait_for_selector(".heatmap-figure", timeout=RENDER_TIMEOUT_MS)
    wait_text(page, ".heatmap-title", r"A\[1\] layer1.weight \(n\[1\] × n_X\) = \(8 × 5\)", nth=3)
    set_slider(page, "ctl-n_x", 9)
    set_slider(page, "ctl-n1", 4)
    set_slider(page, "ctl-n2", 2)
    set_slider(page, "ctl-n_d", 30)
    wait_text(page, ".heatmap-title", r"A\[1\] layer1.weight \(n\[1\] × n_X\) = \(4 × 9\)", nth=3)
    wait_text(page, ".heatmap-title", r"y = net\(X\) \(n_D × n\[2\]\) = \(30 × 2\)", nth=2)
    wait_text(page, ".shape-table", r"nn.Linear\(9, 4\)")
    assert natural_size(page, 3, (4, 9)) == (4, 9)  # the picture of A[1] is (out, in)
    assert "layer1(X) equals X A[1]T + b[1]" in text(page, ".mlp-checks")
    # hover a cell of y: its dot product, with as many products as a[1] has units
    box = page.locator(".heatmap-figure image").nth(2).bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.5)
    page.mouse.move(box["x"] + box["width"] * 0.26, box["y"] + box["height"] * 0.51)
    wait_text(page, ".heatmap-readout", r"^y\[\d+, 0\] = a\[1\]\[\d+,:\]·A\[2\]\[0,:\]", nth=2)
    assert text(page, ".heatmap-readout", nth=2).count("×") == 4
    page.mouse.move(0, 0)
    dashboard.screenshot("mlp")


def test_a_link_sets_the_start_says_what_was_wrong_and_follows_the_view(dashboard):
    dashboard.open("mlp.ipynb", "?n_d=20&n_x=3&n1=4&n2=99&seed=abc")
    page = dashboard.page
    page.wait_for_selector(".heatmap-figure", timeout=RENDER_TIMEOUT_MS)
    wait_text(page, ".lstm-banner", r"n\[2\]=99 is outside 1 to 8; using 8\.")
    wait_text(page, ".lstm-banner", r"seed='abc' is not a whole number; it was ignored\.")
    assert [slider_value(page, f"ctl-{n}") for n in ("n_d", "n_x", "n1", "n2")] == [20, 3, 4, 8]
    assert page.locator(".ctl-seed input").input_value() == "0"
    wait_text(page, ".heatmap-title", r"A\[1\] layer1.weight \(n\[1\] × n_X\) = \(4 × 3\)", nth=3)
    wait_text(page, ".view-link", r"\?n_d=20&n_x=3&n1=4&n2=8&seed=0")
    set_slider(page, "ctl-n1", 6)  # the link follows the controls
    wait_text(page, ".view-link", r"\?n_d=20&n_x=3&n1=6&n2=8&seed=0")
    # the link reopens this view, with nothing to report
    href = page.locator(".view-link a").get_attribute("href")
    dashboard.open("mlp.ipynb", href)
    page.wait_for_selector(".heatmap-figure", timeout=RENDER_TIMEOUT_MS)
    wait_text(page, ".heatmap-title", r"A\[1\] layer1.weight \(n\[1\] × n_X\) = \(6 × 3\)", nth=3)
    assert slider_value(page, "ctl-n2") == 8
    assert page.locator(".lstm-banner").is_hidden()
