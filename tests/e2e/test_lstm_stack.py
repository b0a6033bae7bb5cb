"""The whole nn.LSTM in a real browser: bidirectional on, h_n's shape read off the page, a twin
pointed at by mouse and by keyboard and seen outlined, and axe-core on the result."""

import io
import re

import numpy as np
import pytest
from PIL import Image

from driver.ui import set_slider, text, wait_text
from driver.wait import wait_until

from .conftest import RENDER_TIMEOUT_MS
from .test_accessibility import audit

pytestmark = pytest.mark.e2e


def dark_pixels(page, selector: str) -> int:
    """How many near-black pixels the element shows: the outlines are #111, the cells never."""
    png = page.locator(selector).screenshot()
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)
    return int((rgb.max(axis=-1) < 40).sum())


def test_bidirectional_output_and_h_n_taken_apart(dashboard):
    page = dashboard.page
    dashboard.open("3_lstm_explorer.ipynb")
    page.wait_for_selector(".ctl-outputs", timeout=RENDER_TIMEOUT_MS)
    page.get_by_role("button", name="Show output and (h_n, c_n)").click()
    page.wait_for_selector(".grid-h_n .heatmap-figure", timeout=60_000)
    wait_text(page, ".outputs-view", r"h_n \(D·L, b_S, H_out\) = \(1, 2, 8\)")

    page.locator(".ctl-bidirectional button", has_text="both").click()
    wait_text(page, ".outputs-view", r"h_n \(D·L, b_S, H_out\) = \(2, 2, 8\)")
    shape = re.search(r"h_n \(D·L, b_S, H_out\) = \((\d+), (\d+), (\d+)\)",
                      text(page, ".outputs-view"))
    assert tuple(map(int, shape.groups())) == (2, 2, 8)  # D·num_layers, b_S, H_out
    wait_text(page, ".outputs-view", r"output \(b_S, n_E, D·H_out\) = \(2, 12, 16\)")
    # the sentences under the grids follow the shapes: wait for them, not just the shapes
    wait_text(page, ".twin-pitfall", r"output\[:, -1\][\s\S]*h_n\[-2\] and h_n\[-1\] together")
    wait_text(page, ".twin-checks", r"output\[:, -1, H_out:\] differs from h_n\[-1\]")
    checks = text(page, ".twin-checks")
    assert "output[:, 0, H_out:] equals h_n[-1]" in checks
    assert "output[:, -1, H_out:] differs from h_n[-1]" in checks

    # the mouse on output's last position, forward unit 0: its twin is h_n[0, 0, 0]
    h_n_figure = ".grid-h_n .heatmap-figure"
    before = dark_pixels(page, h_n_figure)
    picture = page.locator(".grid-output .heatmap-figure image").first.bounding_box()
    x = picture["x"] + picture["width"] * 0.5 / 16
    y = picture["y"] + picture["height"] * 11.5 / 12
    page.locator(".grid-output .heatmap-figure").hover(position={"x": 10, "y": 10})
    page.mouse.move(x, y)
    page.mouse.move(x + 1, y + 1)
    wait_text(page, ".twin-readout", r"output\[0, 11, 0\] = [+-]\d\.\d{4} .*the same number "
                                     r"as h_n\[0, 0, 0\], the forward direction")
    # the twin, outlined in h_n: its read-out came with the outline, in the same message burst
    wait_until(lambda: dark_pixels(page, h_n_figure) > before + 40, 20,
               what="the twin's outline in h_n")
    page.mouse.move(0, 0)

    # the keyboard's way: h_n, row 1 (the backward direction), unit 3 -> output[0, 0, 8 + 3]
    page.locator(".ctl-twin_tensor button", has_text="h_n").click()
    set_slider(page, "ctl-twin_row", 1)
    set_slider(page, "ctl-twin_col", 3)
    wait_text(page, ".twin-readout", r"h_n\[1, 0, 3\] = [+-]\d\.\d{4} \(layer 0, backward\): "
                                     r"the same number as output\[0, 0, 11\]")
    dashboard.screenshot("lstm-stack-bidirectional")

    # three layers with a projection: the lower layers' h_n appear nowhere
    set_slider(page, "ctl-num_layers", 3)
    set_slider(page, "ctl-proj_size", 3)
    wait_text(page, ".outputs-view", r"h_n \(D·L, b_S, H_out\) = \(6, 2, 3\)")
    wait_text(page, ".twin-checks", r"h_n\[0\] appears nowhere in output")
    wait_text(page, ".recurrence-badge", r"matches nn.LSTM in all 6 cells")
    page.locator(".ctl-twin_tensor button", has_text="h_n").click()
    set_slider(page, "ctl-twin_row", 2)
    wait_text(page, ".twin-readout", r"h_n\[2, 0, \d\] = .*\(layer 1, forward\): appears "
                                     r"nowhere in output")
    audit(page, "the explorer, 3 bidirectional layers with a projection")
    dashboard.screenshot("lstm-stack-3-layers")
