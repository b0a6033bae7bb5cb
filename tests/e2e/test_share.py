"""'Link to this view' in a real Voila and Chromium: the whole address, and Copy link.

The kernel knows only the view's query; the page script makes the link this page's address
with it, copies it to the clipboard and says so in a polite live region.
"""

from urllib.parse import urlsplit

import pytest

from driver.ui import set_slider, slider_value, wait_text

from .conftest import RENDER_TIMEOUT_MS

pytestmark = pytest.mark.e2e

LINK = ".view-link a.view-link-url"


def _address(page, query: str) -> str:
    """This page's address (no query of its own) with ``query``."""
    parts = urlsplit(page.url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}{query}"


def test_the_link_is_the_page_s_address_and_copy_link_copies_it(dashboard):
    page = dashboard.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"],
                                   origin=dashboard.server.url)
    dashboard.open("1_mlp.ipynb", "?n1=4")
    page.wait_for_selector(".heatmap-figure", timeout=RENDER_TIMEOUT_MS)
    wait_text(page, LINK, r"^http://.*/voila/render/1_mlp\.ipynb\?n_d=15&n_x=5&n1=4&n2=1&seed=0$")
    link = page.locator(LINK)
    assert link.get_attribute("data-query") == "?n_d=15&n_x=5&n1=4&n2=1&seed=0"
    assert link.get_attribute("href") == link.inner_text() == _address(
        page, "?n_d=15&n_x=5&n1=4&n2=1&seed=0")
    assert page.locator(".view-link-note").is_hidden()  # the link says it all under Voila

    set_slider(page, "ctl-n1", 6)  # the whole address follows the controls
    wait_text(page, LINK, r"&n1=6&")
    full = _address(page, "?n_d=15&n_x=5&n1=6&n2=1&seed=0")
    assert link.get_attribute("href") == link.inner_text() == full

    # the keyboard reaches Copy link from the link, and Enter copies
    link.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Copy link"
    assert page.get_by_role("button", name="Copy link", exact=True).count() == 1
    page.keyboard.press("Enter")
    status = page.get_by_role("status").filter(has_text="Copied the link")
    status.wait_for()
    assert status.get_attribute("aria-live") == "polite"
    wait_text(page, ".view-link-status", r"^Copied the link to the clipboard\.$")
    assert page.evaluate("navigator.clipboard.readText()") == full

    # the copied link opens the same view, and its own link is the same address
    page.goto(full, wait_until="domcontentloaded", timeout=RENDER_TIMEOUT_MS)
    page.wait_for_selector(".heatmap-figure", timeout=RENDER_TIMEOUT_MS)
    wait_text(page, LINK, r"&n1=6&")
    assert slider_value(page, "ctl-n1") == 6
    assert page.locator(LINK).get_attribute("href") == full


def test_outside_voila_the_link_is_the_query_and_says_where_it_goes(dashboard):
    """What JupyterLab shows: a page without Voila's mark keeps the query, with no href (it
    would open JupyterLab again), and the note says where to add it; Copy copies the query."""
    page = dashboard.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"],
                                   origin=dashboard.server.url)
    dashboard.open("1_mlp.ipynb")
    page.wait_for_selector(".heatmap-figure", timeout=RENDER_TIMEOUT_MS)
    wait_text(page, LINK, r"^http://")
    page.evaluate("document.body.removeAttribute('data-voila')")
    set_slider(page, "ctl-n2", 3)  # the kernel redraws the link, the script finds no Voila
    wait_text(page, LINK, r"^\?n_d=15&n_x=5&n1=8&n2=3&seed=0$")
    assert page.locator(LINK).get_attribute("href") is None
    note = page.locator(".view-link-note")
    assert note.is_visible() and "address in Voila" in note.inner_text()
    page.get_by_role("button", name="Copy link", exact=True).click()
    wait_text(page, ".view-link-status", r"^Copied the link to the clipboard\.$")
    assert page.evaluate("navigator.clipboard.readText()") == "?n_d=15&n_x=5&n1=8&n2=3&seed=0"


def test_on_a_hub_the_link_goes_through_user_redirect(dashboard):
    """The address the script composes on a JupyterHub (the kernel's data-server and
    data-shared): the student's own prefix becomes the hub's user-redirect, the page's own
    query (a token) is dropped; a path outside the prefix is left as it is."""
    page = dashboard.page
    dashboard.open("1_mlp.ipynb")
    page.wait_for_selector(LINK, timeout=RENDER_TIMEOUT_MS)
    address = ("([page, query, server, shared]) => "
               "window.lstmViewLinkAddress(page, query, server, shared)")
    page_url = "https://hub.example.edu/user/alice/voila/render/dashboards/1.ipynb?token=x"
    assert page.evaluate(address, [page_url, "?n1=6", "/user/alice/", "/hub/user-redirect/"]) \
        == "https://hub.example.edu/hub/user-redirect/voila/render/dashboards/1.ipynb?n1=6"
    assert page.evaluate(address, [page_url, "?n1=6", None, None]) \
        == "https://hub.example.edu/user/alice/voila/render/dashboards/1.ipynb?n1=6"
    assert page.evaluate(address, [page_url, "?n1=6", "/user/bob/", "/hub/user-redirect/"]) \
        == "https://hub.example.edu/user/alice/voila/render/dashboards/1.ipynb?n1=6"
