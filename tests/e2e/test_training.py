"""The training dashboard in a real Voila and Chromium: train, watch, stop, see the gates.

Each test trains settings of its own: the session's model cache is shared by its kernels.
"""

import re

import pytest

from driver.ui import set_slider, text, wait_text

from .conftest import RENDER_TIMEOUT_MS

pytestmark = pytest.mark.e2e

# the curves' markers, one an epoch on each curve (and one a curve in the legend)
CURVE_POINTS_JS = "() => document.querySelectorAll('.curves-chart path.dot').length"


def _epoch(page) -> int:
    return int(re.search(r"epoch (\d+) of", text(page, ".training-status")).group(1))


def test_train_watch_it_learn_stop_and_see_the_trained_gates(dashboard):
    dashboard.open("4_training.ipynb", "?task=adding&seq_len=80&epochs=150")
    page = dashboard.page
    page.wait_for_selector(".train-button", timeout=RENDER_TIMEOUT_MS)
    wait_text(page, ".training-status", r"Untrained: press Train\.")
    assert page.locator(".stop-button button, button.stop-button").first.is_disabled()
    page.click(".train-button")
    wait_text(page, ".training-status", r"Training… epoch [2-9]")
    points = page.evaluate(CURVE_POINTS_JS)
    epoch = _epoch(page)
    # the page keeps answering while it trains: the step moves, the settings wait
    set_slider(page, "ctl-step", 40)
    wait_text(page, ".step-title", r"step e = 40 of n_E = 80")
    assert page.locator(".ctl-hidden_size input, .ctl-hidden_size .slider-container").count()
    wait_text(page, ".training-status", rf"Training… epoch (?!{epoch} )\d+")
    page.wait_for_function(f"() => ({CURVE_POINTS_JS})() > {points}", timeout=30_000)
    progress = page.locator(".training-progress .progress-bar").get_attribute("style")
    assert re.search(r"width: (?!0%)\d", progress), progress  # the bar has moved
    page.click(".stop-button")  # honoured within a slice: counted headless, not timed here
    wait_text(page, ".training-status", r"Stopped\.")
    # the trained gates: the views now show the weights as training left them
    wait_text(page, ".step-title", r"after training")
    assert "after training" in text(page, ".ctl-phase .mod-active, .ctl-phase button.mod-active")
    wait_text(page, ".unit-equations", r"Unit j = 0 at step e = 40")
    epochs_done = _epoch(page)
    assert 0 < epochs_done < 150
    page.click(".ctl-phase >> text=before training (initial weights)")
    wait_text(page, ".step-title", r"before training")
    dashboard.screenshot("training-stopped")


def test_a_link_opens_a_trained_model_with_the_progress_bar(dashboard):
    dashboard.open("4_training.ipynb", "?task=temperatures&epochs=6&hidden_size=12&phase=trained")
    page = dashboard.page
    wait_text(page, ".training-status", r"Trained\. epoch 6 of 6", timeout_ms=RENDER_TIMEOUT_MS)
    results = text(page, ".training-results")
    assert "this LSTM" in results and "persistence (tomorrow = today)" in results
    assert "(untrained)" not in results
    assert "width: 100%" in page.locator(".training-progress .progress-bar").get_attribute(
        "style")
    wait_text(page, ".step-title", r"after training")
    assert page.locator(".survival-heatmap image").count() >= 1
    dashboard.screenshot("training-trained-on-open")
