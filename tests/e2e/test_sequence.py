"""The sequence-data dashboard in a real Voila and Chromium: both presets, batches, layouts."""

import pytest

from driver.ui import set_slider, slider_value, text, wait_text

from .conftest import RENDER_TIMEOUT_MS

pytestmark = pytest.mark.e2e


def test_presets_and_notation(dashboard):
    dashboard.open("2_sequence_data.ipynb")
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


def test_a_link_sets_the_start_says_what_was_wrong_and_follows_the_view(dashboard):
    # not a dataset, and a batch and an element beyond what the (default) signals hold
    dashboard.open("2_sequence_data.ipynb", "?dataset=weather&seq_len=8&n_x=5&batch=10&element=20")
    page = dashboard.page
    page.wait_for_selector(".heatmap-figure", timeout=RENDER_TIMEOUT_MS)
    wait_text(page, ".lstm-banner", r"dataset='weather' is not one of signals, temperatures, "
                                    r"reviews, csv; it was ignored\.")
    wait_text(page, ".lstm-banner", r"batch=10 is outside 0 to 2 for these sizes; using 2\.")
    wait_text(page, ".lstm-banner", r"element=20 is outside 1 to 8 for these sizes; using 8\.")
    assert text(page, ".ctl-dataset button.mod-active") == "synthetic signals"
    assert [slider_value(page, f"ctl-{n}") for n in ("seq_len", "n_x", "batch", "element")] == [
        8, 5, 2, 8]
    wait_text(page, ".notation-table", r"\(n_S, n_E, n_X\) = \(10, 8, 5\)")
    wait_text(page, ".view-link", r"\?dataset=signals&n_s=10&seq_len=8&n_x=5&batch_size=4"
                                  r"&hidden_size=8&seed=0&batch=2&position=0&element=8")
    page.click(".ctl-dataset >> text=movie reviews")  # the link follows the controls
    wait_text(page, ".view-link", r"\?dataset=reviews&.*&batch=2&position=0&element=8")
    set_slider(page, "ctl-batch", 3)
    wait_text(page, ".view-link", r"&batch=3&position=0&element=8")
    # the link reopens this view, with nothing to report
    query = page.locator(".view-link a").get_attribute("data-query")  # href: the whole address
    dashboard.open("2_sequence_data.ipynb", query)
    page.wait_for_selector(".heatmap-figure", timeout=RENDER_TIMEOUT_MS)
    wait_text(page, ".notation-table", r"\(n_S, n_E, n_X\) = \(16, 8, 5\)")
    wait_text(page, ".review-tokens", r"pad")
    assert text(page, ".ctl-dataset button.mod-active") == "movie reviews"
    assert slider_value(page, "ctl-batch") == 3 and slider_value(page, "ctl-element") == 8
    assert page.locator(".lstm-banner").is_hidden()
