"""The LSTM explorer as a learner meets it: real Voila, real Chromium, every control moved."""

import re

import pytest

from driver.ui import heatmap_href, natural_size, set_slider, slider_value, text, wait_text
from widgets.views.panel_layout import PanelLayout
from widgets.views.parameter_panel import WEIGHT_REGIONS

from .conftest import RENDER_TIMEOUT_MS

pytestmark = pytest.mark.e2e


PANEL = PanelLayout(WEIGHT_REGIONS)  # where the explorer draws each tensor


@pytest.fixture
def explorer(dashboard):
    dashboard.open("3_lstm_explorer.ipynb")
    dashboard.page.wait_for_selector(".heatmap-figure", timeout=RENDER_TIMEOUT_MS)
    return dashboard


def test_sizes_rebuild_the_module(explorer):
    page = explorer.page
    before = heatmap_href(page, 0)
    set_slider(page, "ctl-n_x", 7)
    wait_text(page, ".heatmap-title", r"weight_ih_l0 \(4H × n_X\) = \(32 × 7\)")
    set_slider(page, "ctl-hidden_size", 16)
    wait_text(page, ".heatmap-title", r"weight_ih_l0 \(4H × n_X\) = \(64 × 7\)")
    wait_text(page, ".heatmap-title", r"weight_hh_l0 \(4H × H\) = \(64 × 16\)", nth=1)
    wait_text(page, ".param-count", r"4·16·\(7 \+ 16\) \+ 8·16 = 1,600; the module counts 1,600")
    assert heatmap_href(page, 0) != before  # a new picture, not only a new title
    assert natural_size(page, 0, (64, PANEL.matrices_end)) == (64, PANEL.matrices_end)  # 4H rows
    assert "manual recurrence matches nn.LSTM" in text(page, ".recurrence-badge")
    set_slider(page, "ctl-seq_len", 30)
    wait_text(page, ".step-title", r"of n_E = 30")
    set_slider(page, "ctl-batch_size", 4)
    # the sequence slider's range follows b_S once the kernel has rebuilt: wait for it
    page.wait_for_function(
        "() => document.querySelector('.ctl-sample .noUi-handle')"
        "?.getAttribute('aria-valuemax')?.startsWith('3')", timeout=60_000)
    set_slider(page, "ctl-sample", 3)
    wait_text(page, ".step-title", r"^Sequence 3 of the batch")


def wait_new_picture(page, nth: int, before: str) -> None:
    page.wait_for_function(
        "([n, h]) => document.querySelectorAll('.heatmap-figure image')[n]"
        "?.getAttribute('href') !== h", arg=[nth, before], timeout=60_000)


def test_seed_changes_weights_and_inputs(explorer):
    page = explorer.page
    before = heatmap_href(page, 0)
    strip_before = page.locator(".lstm-strips image").first.get_attribute("href")
    seed = page.locator(".ctl-seed input")
    seed.fill("5")
    seed.press("Enter")
    wait_new_picture(page, 0, before)  # both weight matrices and both biases: one picture
    page.wait_for_function(  # the strips follow the new inputs, a message or two later
        "h => document.querySelector('.lstm-strips image')?.getAttribute('href') !== h",
        arg=strip_before, timeout=60_000)
    assert "matches nn.LSTM" in text(page, ".recurrence-badge")


def test_step_slider_keys_and_play(explorer):
    page = explorer.page
    set_slider(page, "ctl-step", 5)
    wait_text(page, ".step-title", r"step e = 5 of n_E = 12")
    wait_text(page, ".unit-equations", r"step e = 5")
    # the keyboard: focus the handle, then arrows
    page.locator(".ctl-step .noUi-handle").focus()
    page.keyboard.press("ArrowRight")
    wait_text(page, ".step-title", r"step e = 6 ")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    wait_text(page, ".step-title", r"step e = 4 ")
    # Play runs the steps on to the end
    page.locator(".ctl-play button").first.click()
    wait_text(page, ".step-title", r"step e = 12 ", timeout_ms=30_000)
    assert slider_value(page, "ctl-step") == 12


def test_hover_reads_a_weight(explorer):
    page = explorer.page
    figure = page.locator(".weights-figure")
    picture = page.locator(".weights-figure image").first.bounding_box()  # every band
    k = [r.key for r in PANEL.regions].index("weight_hh_l0")
    start, width = PANEL.starts[k], PANEL.regions[k].width

    def at(fx: float, fy: float) -> tuple[float, float]:  # fractions across weight_hh_l0
        x = picture["x"] + picture["width"] * (start + fx * width) / PANEL.matrices_end
        return x, picture["y"] + picture["height"] * fy

    figure.hover(position={"x": 10, "y": 10})
    page.mouse.move(*at(0.3, 0.6))
    page.mouse.move(*at(0.31, 0.61))
    wait_text(page, ".heatmap-readout",
              r"weight_hh_l0 row \d+ \(gate [ifgo], unit \d+\), column \d+: [+-]\d")
    readout = text(page, ".heatmap-readout")
    row = int(re.search(r"row (\d+)", readout).group(1))
    col = int(re.search(r"column (\d+)", readout).group(1))
    assert 16 <= row < 24 and "gate g" in readout  # 60% down a 32-row matrix is the g band
    assert col == 2  # 30% across 8 columns
    page.mouse.move(0, 0)  # leave the figure, as a learner would


def test_unit_selector_rewrites_the_equations(explorer):
    page = explorer.page
    set_slider(page, "ctl-unit", 3)
    wait_text(page, ".unit-equations", r"Unit j = 3 at step e = 1")


def test_maximum_sizes_render(explorer):
    page = explorer.page
    for ctl, value in (("ctl-n_x", 64), ("ctl-hidden_size", 256), ("ctl-seq_len", 200),
                       ("ctl-batch_size", 16)):
        set_slider(page, ctl, value)
    wait_text(page, ".heatmap-title", r"weight_hh_l0 \(4H × H\) = \(1024 × 256\)", nth=1)
    wait_text(page, ".param-count", r"the module counts 329,728")
    assert natural_size(page, 0, (1024, PANEL.matrices_end)) == (1024, PANEL.matrices_end)
    set_slider(page, "ctl-step", 200)
    wait_text(page, ".step-title", r"step e = 200 of n_E = 200")
    assert "matches nn.LSTM" in text(page, ".recurrence-badge")
    explorer.screenshot("explorer-maximum-sizes")


def test_a_link_sets_the_start_and_says_what_was_wrong(dashboard):
    dashboard.open("3_lstm_explorer.ipynb", "?n_x=7&hidden_size=12&seq_len=20&seed=3&step=4")
    page = dashboard.page
    page.wait_for_selector(".heatmap-figure", timeout=RENDER_TIMEOUT_MS)
    wait_text(page, ".heatmap-title", r"weight_ih_l0 \(4H × n_X\) = \(48 × 7\)")
    wait_text(page, ".step-title", r"step e = 4 of n_E = 20")
    wait_text(page, ".view-link", r"\?n_x=7&hidden_size=12&seq_len=20&batch_size=2&seed=3")
    dashboard.open("3_lstm_explorer.ipynb", "?hidden_size=100000&n_x=abc")
    page.wait_for_selector(".heatmap-figure", timeout=RENDER_TIMEOUT_MS)
    wait_text(page, ".lstm-banner", r"H=100000 is outside 1 to 256; using 256\.")
    wait_text(page, ".lstm-banner", r"n_X='abc' is not a whole number")
    wait_text(page, ".heatmap-title", r"weight_hh_l0 \(4H × H\) = \(1024 × 256\)", nth=1)
