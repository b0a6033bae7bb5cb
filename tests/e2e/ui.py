"""Driving ipywidgets controls in the page the way a learner does: focus, then keys."""

from __future__ import annotations


def slider_value(page, ctl: str) -> int:
    return int(page.locator(f".{ctl} .widget-readout").inner_text().strip())


def set_slider(page, ctl: str, value: int, timeout_ms: int = 60_000) -> None:
    """Type ``value`` into the slider's readout (ipywidgets makes it editable) and press Enter."""
    readout = page.locator(f".{ctl} .widget-readout")
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(str(value))
    page.keyboard.press("Enter")
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.wait_for_function(
        "([sel, v]) => document.querySelector(sel)?.innerText.trim() === String(v)",
        arg=[f".{ctl} .widget-readout", value], timeout=timeout_ms)
