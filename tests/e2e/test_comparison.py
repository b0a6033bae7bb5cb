"""Why the LSTM, in a real Voila and Chromium: the comparison of the plain RNN, the GRU and the
LSTM runs behind one bar, draws three curves, a results table and the memory charts, from the
keyboard, and axe-core finds nothing serious on it."""

import re

import pytest

from driver.ui import text, wait_text

from .conftest import RENDER_TIMEOUT_MS
from .test_accessibility import audit

pytestmark = pytest.mark.e2e

# a short memory, so the three cells race in seconds: all solve, or the page says which not
QUERY = "?task=adding&seq_len=10&epochs=8&hidden_size=6&seed=2"


def _points(page, cls: str) -> int:
    return page.evaluate(f"() => document.querySelectorAll('.{cls} path.dot').length")


def test_the_comparison_runs_from_the_keyboard_and_draws_three_cells(dashboard):
    dashboard.open("4_training.ipynb", QUERY)
    page = dashboard.page
    page.wait_for_selector(".compare-button", timeout=RENDER_TIMEOUT_MS)
    wait_text(page, ".comparison-status", r"Not compared yet\.")
    intro = text(page, ".comparison-section")
    assert "validation MSE at most 0.01" in intro and "n_E = 10" in intro
    assert "nothing trained yet" in text(page, ".cell-steps-chart .figure-text")
    button = page.get_by_role("button", name="Compare the three cells")
    button.focus()
    page.keyboard.press("Enter")
    wait_text(page, ".comparison-status", r"Compared\.", timeout_ms=120_000)
    # the three curves: one marker an epoch each, as many as the table says each trained
    rows = page.locator(".comparison-results tbody tr")
    assert rows.count() == 3
    epochs = {}
    for k in range(3):
        cells = rows.nth(k).locator("th, td").all_text_contents()
        epochs[cells[0]] = int(cells[2])
        assert re.fullmatch(r"epoch \d+ \(\d+\.\d s\)|not solved", cells[4]), cells
    assert set(epochs) == {"LSTM", "GRU", "plain RNN"}
    dots = _points(page, "cell-curves-chart")
    assert dots >= sum(epochs.values())  # (the legend draws one a cell too)
    alt = text(page, ".cell-curves-chart .figure-text")
    for name, n in epochs.items():
        assert f"{name}: {n} epochs" in alt, alt
    assert text(page, ".comparison-verdict").startswith("At n_E = 10,")
    # the memory: each cell's state gradient, trained and before training, in words too
    wait_text(page, ".cell-steps-chart .figure-text", r"LSTM from ", timeout_ms=30_000)
    state_alt = page.locator(".cell-steps-chart .figure-text").first.text_content()
    for name in epochs:
        assert f"{name} from " in state_alt and f"{name} before training from " in state_alt
    assert "log scale" in state_alt
    # Reset: untrained again, Compare answers again
    page.get_by_role("button", name="Reset").last.click()
    wait_text(page, ".comparison-status", r"Not compared yet\.")
    assert page.locator(".comparison-results tbody tr").count() == 0
    audit(page, "the training page after a comparison and a reset")
    dashboard.screenshot("comparison")


def test_a_gru_in_the_lstms_place_from_the_cell_choice(dashboard):
    """The cell buttons rebuild the page around an nn.GRU, then the plain RNN: their gate
    bands, strips and equations, the badge against the module, and the memory heading; the
    link follows, and axe-core finds nothing serious."""
    dashboard.open("4_training.ipynb", "?task=adding&seq_len=12&hidden_size=5&epochs=2")
    page = dashboard.page
    page.wait_for_selector(".ctl-cell", timeout=RENDER_TIMEOUT_MS)
    page.locator(".ctl-cell").get_by_role("button", name="GRU").click()
    wait_text(page, ".recurrence-badge", r"matches nn\.GRU's own output")
    assert "nn.GRU(n_X, H, batch_first=True)" in text(page, ".training-explorer")
    assert "weight_ih_l0 (3H × n_X) = (15 × 2)" in text(page, ".panel-titles")
    assert "r, z, n." in text(page, ".parameter-panel .figure-text")
    assert "the reset gate r, the update gate z" in text(page, ".lstm-strips .figure-text")
    assert "Update-gate survival" in text(page, ".survival-heading")
    assert "cell=gru" in text(page, ".view-link-box")
    audit(page, "the training page with a GRU")
    page.locator(".ctl-cell").get_by_role("button", name="plain RNN").click()
    wait_text(page, ".recurrence-badge", r"matches nn\.RNN's own output")
    assert "No gate, no survival" in text(page, ".survival-heading")
    assert page.locator(".survival-heatmap").count() == 0  # out of the page, not hidden
    dashboard.screenshot("cell-rnn")
