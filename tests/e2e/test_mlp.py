"""The MLP dashboard in a real Voila and Chromium."""

import pytest

from driver.ui import natural_size, set_slider, slider_value, text, wait_text

from .conftest import RENDER_TIMEOUT_MS

pytestmark = pytest.mark.e2e


def test_sliders_rebuild_the_network_and_hover_explains_y(dashboard):
    dashboard.open("1_mlp.ipynb")
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
    # the data row's read-out (X, a[1] and y share it) is the first
    wait_text(page, ".heatmap-readout", r"^y\[\d+, 0\] = a\[1\]\[\d+,:\]·A\[2\]\[0,:\]")
    assert text(page, ".heatmap-readout").count("×") == 4
    page.mouse.move(0, 0)
    dashboard.screenshot("mlp")


def test_a_link_sets_the_start_says_what_was_wrong_and_follows_the_view(dashboard):
    dashboard.open("1_mlp.ipynb", "?n_d=20&n_x=3&n1=4&n2=99&seed=abc")
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
    query = page.locator(".view-link a").get_attribute("data-query")  # href: the whole address
    dashboard.open("1_mlp.ipynb", query)
    page.wait_for_selector(".heatmap-figure", timeout=RENDER_TIMEOUT_MS)
    wait_text(page, ".heatmap-title", r"A\[1\] layer1.weight \(n\[1\] × n_X\) = \(6 × 3\)", nth=3)
    assert slider_value(page, "ctl-n2") == 8
    assert page.locator(".lstm-banner").is_hidden()


def _hover_a1(page, fx: float, fy: float) -> None:
    box = page.locator(".heatmap-figure image").nth(1).bounding_box()
    page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
    page.mouse.move(box["x"] + box["width"] * (fx + 0.01), box["y"] + box["height"] * fy)


def test_a_long_read_out_moves_nothing_and_a_rebuild_reads_the_cell_again(dashboard):
    """Issue 26: hovering a[1] pushed y onto a new row, and a rebuild left the old sum."""
    dashboard.open("1_mlp.ipynb")
    page = dashboard.page
    page.wait_for_selector(".heatmap-figure", timeout=RENDER_TIMEOUT_MS)
    wait_text(page, ".heatmap-title", r"A\[1\] layer1.weight \(n\[1\] × n_X\) = \(8 × 5\)", nth=3)
    figures = page.locator(".heatmap-figure")
    readout = page.locator(".heatmap-readout").first

    def layout():
        return ([figures.nth(k).bounding_box() for k in range(3)],
                readout.bounding_box()["height"])

    before = layout()
    _hover_a1(page, 0.3, 0.5)
    wait_text(page, ".heatmap-readout", r"^a\[1\]\[7, 2\] = X\[7,:\]·A\[1\]\[2,:\]")
    assert layout() == before  # X, a[1], y and the read-out's area: not a pixel moved
    page.mouse.move(0, 0)
    set_slider(page, "ctl-n_x", 32)  # a 32-term sum: longer than the area, which scrolls
    wait_text(page, ".heatmap-title", r"A\[1\] layer1.weight \(n\[1\] × n_X\) = \(8 × 32\)",
              nth=3)
    wait_text(page, ".heatmap-readout", r"^a\[1\]\[7, 2\] = (?:[^×]*×){32}[^×]*$")
    assert layout()[1] == before[1]
    set_slider(page, "ctl-n1", 2)  # the cell a[1][7, 2] is gone: the hint
    wait_text(page, ".heatmap-readout", r"^hover a cell to read it$")
    dashboard.screenshot("mlp-readout")
