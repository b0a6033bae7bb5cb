"""The "Show the code" panel in a real Voila and Chromium: open, follow, copy, download."""

import json

import pytest

from driver.ui import set_slider, wait_text

from .conftest import RENDER_TIMEOUT_MS

pytestmark = pytest.mark.e2e


def test_the_code_opens_follows_a_slider_copies_and_downloads(dashboard, tmp_path):
    page = dashboard.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"],
                                   origin=dashboard.server.url)
    dashboard.open("3_lstm_explorer.ipynb", "?step=3&unit=2")
    page.wait_for_selector(".ctl-code", timeout=RENDER_TIMEOUT_MS)
    assert page.locator("pre.code-text").count() == 0  # collapsed: nothing sent yet
    page.get_by_role("button", name="Show the code").click()
    wait_text(page, "pre.code-text", r"hidden_size = 8  #")
    wait_text(page, "pre.code-text", r"s, e, j = 0, 3, 2")
    # the toggle's new name and the code come in separate updates: wait for each
    page.get_by_role("button", name="Hide the code").wait_for(state="visible")

    set_slider(page, "ctl-hidden_size", 12)
    wait_text(page, "pre.code-text", r"hidden_size = 12  #")
    wait_text(page, "pre.code-text", r"# The dashboard's view: \?n_x=5&hidden_size=12")

    page.get_by_role("button", name="Copy the code").click()
    wait_text(page, ".code-status", r"^Copied \d+ lines to the clipboard\.$")
    copied = page.evaluate("navigator.clipboard.readText()")
    shown = page.locator("pre.code-text").text_content()
    assert copied == shown and "hidden_size = 12  #" in copied
    assert copied.startswith("# The LSTM explorer: nn.LSTM(5, 12)")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download notebook (3_lstm_explorer.ipynb)").click()
    assert download.value.suggested_filename == "3_lstm_explorer.ipynb"
    path = tmp_path / "3_lstm_explorer.ipynb"
    download.value.save_as(path)
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c["outputs"] == [] for c in code)
    assert any("hidden_size = 12  #" in "".join(c["source"]) for c in code)

    page.get_by_role("button", name="Hide the code").click()
    page.locator("pre.code-text").wait_for(state="hidden")
    dashboard.screenshot("code-closed")


@pytest.mark.parametrize(("notebook", "title"), [
    ("1_mlp.ipynb", r"^# The feed-forward network: nn.Linear\(5, 8\)"),
    ("2_sequence_data.ipynb", r"^# Sequence data: the synthetic signals, n_E = 12, n_X = 3"),
    ("4_training.ipynb", r"^# What an LSTM learns: daily min. temperatures, H = 16"),
])
def test_every_dashboard_hands_over_its_code(dashboard, notebook, title):
    page = dashboard.page
    dashboard.open(notebook)
    page.get_by_role("button", name="Show the code").click()
    wait_text(page, "pre.code-text", title)
    page.get_by_role("link", name=f"Download notebook ({notebook})").wait_for(state="visible")


def test_the_code_by_keyboard_alone(dashboard):
    page = dashboard.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"],
                                   origin=dashboard.server.url)
    dashboard.open("1_mlp.ipynb")
    page.get_by_role("button", name="Show the code").focus()
    page.keyboard.press("Enter")
    wait_text(page, "pre.code-text", r"n1 = 8  #")

    def focused() -> str:
        return page.evaluate("document.activeElement.textContent.slice(0, 40)")

    page.keyboard.press("Tab")
    assert focused() == "Show the numbers"  # the other toggle sits beside it
    page.keyboard.press("Tab")
    assert focused() == "Copy the code"
    page.keyboard.press("Enter")
    wait_text(page, ".code-status", r"^Copied \d+ lines to the clipboard\.$")
    page.keyboard.press("Tab")
    assert focused() == "Download notebook (1_mlp.ipynb)"
    page.keyboard.press("Tab")  # the code itself scrolls by keyboard
    assert focused().startswith("# The feed-forward network")
