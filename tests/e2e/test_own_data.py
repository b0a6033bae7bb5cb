"""Your own data in a real Voila and Chromium: a CSV file picked in the browser's file input
becomes the training page's series; a file over the cap is stopped in the page before a byte
is sent; a bad file is answered in the banner; axe-core finds nothing serious."""

import pytest

from driver.ui import text, wait_text

from .conftest import RENDER_TIMEOUT_MS
from .test_accessibility import audit

pytestmark = pytest.mark.e2e

QUERY = "?task=csv&epochs=2&hidden_size=4&seq_len=6"


def _csv(rows: int = 90) -> bytes:
    lines = ["day;reading"] + [f"2024-01-{1 + d % 28:02d} {d // 28:02d}:00;{10 + d % 7},5"
                               for d in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def _pick(page, name: str, data: bytes) -> None:
    """Choose a file in the browser's own file chooser, opened by the upload button (the
    upload's file input is not in the document: ipywidgets 8 keeps it apart)."""
    with page.expect_file_chooser() as chooser:
        page.locator(".csv-upload").click()
    chooser.value.set_files(files=[{"name": name, "mimeType": "text/csv", "buffer": data}])


def test_an_uploaded_file_trains_and_bad_ones_are_answered(dashboard):
    dashboard.open("4_training.ipynb", QUERY)
    page = dashboard.page
    page.wait_for_selector(".series-picker", timeout=RENDER_TIMEOUT_MS)
    wait_text(page, ".csv-summary", r"seattle-temps\.csv")
    page.locator(".ctl-series select").select_option(label="a CSV file of yours")
    page.wait_for_selector(".csv-upload", state="visible")
    audit(page, "the training page with the series picker")
    # a semicolon file with decimal commas, read as numbers
    _pick(page, "meter.csv", _csv())
    wait_text(page, ".csv-summary", r"meter\.csv: 90 rows")
    assert "nothing is written to disk" in text(page, ".csv-summary")
    wait_text(page, ".view-link-caveat", r"uses your own file, meter\.csv")
    page.click(".train-button")
    wait_text(page, ".training-status", r"Trained\.", timeout_ms=60_000)
    assert "persistence (next = last)" in text(page, ".training-results")
    # a file over the cap: the page stops it, and the kernel hears nothing of it
    _pick(page, "huge.csv", b"0" * (5 * 1024 * 1024 + 1))
    wait_text(page, ".csv-upload-status", r"huge\.csv is 5\.0 MB; the limit is 5\.0 MB\. "
                                          r"Nothing was sent")
    assert "meter.csv" in text(page, ".csv-summary")
    # not text: refused in the banner, the trained run stays
    _pick(page, "<img src=x onerror=alert(1)>.csv", b"\x89PNG\r\n\x1a\n" + bytes(300))
    wait_text(page, ".lstm-banner", r"\S")
    assert page.locator(".csv-summary img").count() == 0
    assert "Trained." in text(page, ".training-status")
    audit(page, "the training page after a refused file")
    dashboard.screenshot("own-data")
