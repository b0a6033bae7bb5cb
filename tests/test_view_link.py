"""'Link to this view' and its Copy link button, as the kernel sends them to the page.

The kernel sends the view's query; the page script (share.js) makes it the whole address and
copies it, which tests/e2e/test_share.py checks in Chromium. Here: what the script is given.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
import traitlets

from widgets import MLPExplorer, SequenceExplorer, ViewLink
from widgets.dashboards.dashboard import hub_redirect
from widgets.views.share import SCRIPT


class _Elements(HTMLParser):
    """Each element of an HTML value: (tag, attributes, its own text), in order."""

    def __init__(self, value: str):
        super().__init__()
        self.found: list[tuple[str, dict, list[str]]] = []
        self._open: list[list[str]] = []
        self.feed(value)

    def handle_starttag(self, tag, attrs):
        text: list[str] = []
        self.found.append((tag, dict(attrs), text))
        self._open.append(text)

    def handle_endtag(self, tag):
        self._open.pop()

    def handle_data(self, data):
        if self._open:
            self._open[-1].append(data)


def _one(value: str, test) -> tuple[dict, str]:
    """The one element of ``value`` for which ``test(tag, attrs)``: its attributes, its text."""
    found = [(a, "".join(t)) for tag, a, t in _Elements(value).found if test(tag, a)]
    assert len(found) == 1, found
    return found[0]


def _link(value: str) -> tuple[dict, str]:
    return _one(value, lambda tag, a: tag == "a" and "data-query" in a)


class _View(traitlets.HasTraits):
    n1 = traitlets.Int(4)
    note = traitlets.Unicode("")


def test_the_link_is_the_view_s_query_and_copy_link_a_named_button(monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_SERVICE_PREFIX", raising=False)
    page = MLPExplorer(preset="?n1=4")
    value = page.link.value
    link, text = _link(value)
    # the page script makes href and text the whole address from data-query; before it (or
    # without it) the link is the query, relative, so it still reopens the view under Voila
    assert link["data-query"] == link["href"] == text == page.query == page.link.query
    assert page.query == "?n_d=15&n_x=5&n1=4&n2=1&seed=0"
    assert "data-copy-text" in link and "data-server" not in link
    button, label = _one(value, lambda tag, a: tag == "button")
    assert label == "Copy link" and button["type"] == "button"
    assert button["data-copy"] == ".view-link" and "view-link" in page.link._dom_classes
    assert button["data-copied"] == "Copied the link to the clipboard."
    status, said = _one(value, lambda tag, a: "data-copy-status" in a)
    assert status["role"] == "status" and status["aria-live"] == "polite" and said == ""
    _, note = _one(value, lambda tag, a: "view-link-note" in a.get("class", ""))
    assert "address in Voila" in note
    assert "onclick" not in value and "<script" not in value  # the page script acts on it


def test_the_link_follows_the_view():
    page = SequenceExplorer()
    page.model.batch = 2
    link, text = _link(page.link.value)
    assert "&batch=2&" in text and link["data-query"] == text == page.query


def test_a_query_of_markup_stays_text():
    """Whatever the query holds, it reaches the page as the characters it is."""
    hostile = "?x=' onmouseover='alert(1)&y=<img src=x onerror=alert(2)>"
    view = _View()
    link = ViewLink(lambda: hostile + f"&n1={view.n1}", view, ["n1"],
                    hub=("/user/<b>'/", "/hub/user-redirect/"))
    value = link.value
    assert "<img" not in value and "onmouseover='" not in value and "<b>" not in value
    attrs, text = _link(value)
    assert attrs["data-query"] == attrs["href"] == text == hostile + "&n1=4"
    assert attrs["data-server"] == "/user/<b>'/"
    view.n1 = 5
    assert _link(link.value)[1].endswith("&n1=5")
    view.note = "not a view trait"  # only the named traits are followed
    assert link.query.endswith("&n1=5")


@pytest.mark.parametrize(("base", "shared"), [(None, "/hub/user-redirect/"),
                                              ("/", "/hub/user-redirect/"),
                                              ("/jh/", "/jh/hub/user-redirect/")])
def test_on_a_hub_the_link_is_told_the_user_redirect(monkeypatch, base, shared):
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/alice/")
    if base is None:
        monkeypatch.delenv("JUPYTERHUB_BASE_URL", raising=False)
    else:
        monkeypatch.setenv("JUPYTERHUB_BASE_URL", base)
    assert hub_redirect() == ("/user/alice/", shared)
    link, _ = _link(MLPExplorer().link.value)
    assert (link["data-server"], link["data-shared"]) == ("/user/alice/", shared)


def test_off_a_hub_nothing_is_redirected(monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_SERVICE_PREFIX", raising=False)
    assert hub_redirect() is None
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "")
    assert hub_redirect() is None


def test_the_page_script_comes_with_the_dashboard_once(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display",
                        lambda obj, raw=False: shown.append((obj, raw)))
    MLPExplorer()._ipython_display_()
    scripts = shown[0][0].data
    assert scripts.count(SCRIPT) == 1 and f"<script>{SCRIPT}</script>" in scripts
    assert "</script>" not in SCRIPT  # it travels inside a script element
    for needle in ("window.lstmShareInstalled", "button[data-copy]", "[data-copy-text]",
                   "[data-copy-status]", "navigator.clipboard", ".view-link a[data-query]",
                   "dataset.voila", "MutationObserver"):
        assert needle in SCRIPT, needle
