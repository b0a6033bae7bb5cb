"""The presenter mode as a teacher meets it: a link with ``present=1`` in real Voila and
Chromium, the bar turned by the keyboard alone, and axe-core on what the projector shows."""

from __future__ import annotations

import pytest

from driver.ui import slider_value, wait_text

from .conftest import RENDER_TIMEOUT_MS
from .test_accessibility import audit

pytestmark = pytest.mark.e2e

WHERE = ".presenter-where"


# the large type: what a control's label, a tick label and a figure's own label measure
SIZES_JS = """() => [".ctl-hidden_size .widget-label", ".bqplot .tick text",
  ".bqplot .object_grp text", ".jp-MarkdownOutput h1"].map(
  s => getComputedStyle(document.querySelector(s)).fontSize)"""


def test_a_link_presents_one_section_and_the_keyboard_turns_the_page(dashboard):
    page = dashboard.page
    page.set_viewport_size({"width": 1280, "height": 720})  # a typical projector
    dashboard.open("3_lstm_explorer.ipynb", "?hidden_size=4&present=1")
    page.wait_for_selector(".lstm-present", timeout=RENDER_TIMEOUT_MS)
    wait_text(page, WHERE, r"^Section 1 of 6: The module and its parameters$")
    # the title is a polite live region, a heading of its own
    page.wait_for_selector(f"{WHERE}[role=status][aria-live=polite] h2", timeout=30_000)
    assert page.get_by_role("heading", name="Section 1 of 6: The module and its parameters",
                            exact=True).count() == 1
    # one section: the settings stay, the other sections' figures are out of the page
    assert page.locator(".ctl-hidden_size").is_visible()
    assert page.locator(".weights-figure").is_hidden()
    assert page.locator(".ctl-parameters").is_visible()

    # Next from the keyboard: Tab to the button, Enter
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('presenter-next')"):
            break
    else:
        raise AssertionError("Tab never reached Next")
    page.keyboard.press("Enter")
    wait_text(page, WHERE, r"^Section 2 of 6: Weights and biases$")
    page.locator(".weights-figure image").first.wait_for(state="visible", timeout=30_000)
    # drawn at its size: hidden, it kept its layout
    assert page.locator(".weights-figure image").first.bounding_box()["width"] > 100
    assert page.locator(".module-checks").is_hidden()

    # Page Down, as a presenter's remote sends it, from nowhere in particular: the focus
    # lands on Next, which stays on screen
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("PageDown")
    wait_text(page, WHERE, r"^Section 3 of 6: Step by step$")
    assert page.evaluate("document.activeElement.classList.contains('presenter-next')")
    page.keyboard.press("PageUp")
    wait_text(page, WHERE, r"^Section 2 of 6: Weights and biases$")
    page.keyboard.press("PageDown")
    wait_text(page, WHERE, r"^Section 3 of 6: Step by step$")

    # on a slider, Page Up is the slider's: it moves H by a page, the section stays
    page.locator(".ctl-hidden_size .noUi-handle").focus()
    page.keyboard.press("PageUp")
    page.wait_for_function("() => document.querySelector('.ctl-hidden_size .widget-readout')"
                           ".innerText.trim() !== '4'", timeout=30_000)
    wait_text(page, ".step-title", rf"H = {slider_value(page, 'ctl-hidden_size')} units each")
    assert page.inner_text(WHERE) == "Section 3 of 6: Step by step"

    # large type, and nothing wider than the projector's 1280 pixels
    page.wait_for_selector(".lstm-strips .object_grp text", timeout=30_000)
    # (the whole page: 13px, 12px and 11 to 14px; the notebook's title larger)
    assert page.evaluate(SIZES_JS) == ["19px", "15px", "14px", "22px"]
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 1280

    # the link to this view carries the section
    query = page.locator(".view-link-url").get_attribute("data-query")
    assert query.endswith("&present=3"), query

    audit(page, "the explorer in presenter mode, section 3")
    dashboard.screenshot("presenter")
