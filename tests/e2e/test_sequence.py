"""The sequence-data dashboard in a real Voila and Chromium: both presets, batches, layouts."""

import pytest

from .conftest import RENDER_TIMEOUT_MS
from .ui import set_slider, text, wait_text

pytestmark = pytest.mark.e2e


def test_presets_and_notation(dashboard):
    dashboard.open("sequence_data.ipynb")
    page = dashboard.page
    page.wait_for_selector(".heatmap-figure", timeout=RENDER_TIMEOUT_MS)
    wait_text(page, ".notation-table", r"\(n_S, n_E, n_X\) = \(10, 12, 3\)")
    page.click(".ctl-dataset >> text=daily min. temperatures")
    wait_text(page, ".data-source", r"n_S = N − n_E = 1461 − 12 = 1449")
    set_slider(page, "ctl-seq_len", 30)
    wait_text(page, ".data-source", r"1461 − 30 = 1431 windows")
    wait_text(page, ".notation-table", r"\(n_S, n_E, n_X\) = \(1431, 30, 1\)")
    assert "vega_datasets" in text(page, ".data-source")
    assert page.locator(".window-chart").count() == 1
    set_slider(page, "ctl-batch", 40)
    wait_text(page, ".notation-table", r"batch 40: sequences 160 to 163")
    wait_text(page, ".layouts-table", r"\(30, 4, 1\)")  # batch_first=False input
    page.click(".ctl-dataset >> text=movie reviews")
    wait_text(page, ".data-source", r"nn.Embedding\(\d+, 3, padding_idx=0\)")
    wait_text(page, ".review-tokens", r"<pad>|pad")
    wait_text(page, ".many-to-one", r"output\[:, -1, :\] equals h_n\[-1\]")
    dashboard.screenshot("sequence-reviews")
