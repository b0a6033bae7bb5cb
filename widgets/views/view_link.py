"""Shareable views: a 'link to this view' that follows the state, and a button that copies it."""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as ipw

from .share import copy_button, copy_status

__all__ = ["ViewLink"]

# where the query goes when the page cannot say (JupyterLab); share.js hides it under Voila,
# where the link is already the whole address
NOTE = ("To share it, add it to the end of this dashboard's address in Voila "
        "(…/voila/render/…ipynb).")


class ViewLink(ipw.HTML):
    """A link to the current view, for sharing, and a **Copy link** button.

    It follows the traits ``names`` of ``model`` as they change, whatever changed them, so it
    always names the state on screen. The kernel knows only the view's query (``query``); the
    page script (``share.js``, which the dashboard displays) makes the link the whole address
    the browser shows, under any address Voila is served at, and copies it. Without the
    script, or outside Voila, the link is the query with a sentence saying where to add it.
    CSS class ``view-link``.

    Parameters
    ----------
    query : callable
        Returns the query string that reopens the view, e.g. ``?n_x=5&hidden_size=8...``.
    model : HasTraits
        What the link follows; ``names`` are the traits that make the view.
    hub : (str, str), optional
        On a JupyterHub, the server's own URL prefix (``/user/alice/``) and the hub's
        ``/hub/user-redirect/`` that replaces it, so the link opens on its reader's own server.
    caveat : callable, optional
        Returns a plain sentence on what the link cannot carry ('' when nothing), e.g. that
        the view uses the learner's own file; shown beside the link (``view-link-caveat``).
    """

    def __init__(self, query: Callable[[], str], model, names,
                 hub: tuple[str, str] | None = None,
                 caveat: Callable[[], str] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.add_class("view-link")
        self._query = query
        self._caveat = caveat or (lambda: "")
        self._hub = ""
        if hub:
            server, shared = map(html.escape, hub)
            self._hub = f" data-server='{server}' data-shared='{shared}'"
        model.observe(self._update, names=list(names))
        self._update()

    def follow(self, source, names) -> None:
        """Follow the traits ``names`` of ``source`` too: more that the link carries."""
        source.observe(self._update, names=list(names))

    @property
    def query(self) -> str:
        """The query string that reopens this view, e.g. ``?n_x=5&hidden_size=8...``."""
        return self._query()

    def _update(self, _change=None) -> None:
        query = html.escape(self.query)
        self.value = (
            "<div class='view-link-box'><span class='hint'>Link to this view:</span> "
            f"<a class='view-link-url' href='{query}' data-query='{query}'{self._hub} "
            f"target='_blank' rel='noopener' data-copy-text>{query}</a> "
            + copy_button("Copy link", "view-link-copy", ".view-link",
                          "Copied the link to the clipboard.")
            + f" <span class='hint view-link-note'>{html.escape(NOTE)}</span>"
            + (f" <span class='view-link-caveat'>{html.escape(caveat)}</span>"
               if (caveat := self._caveat()) else "")
            + copy_status("view-link-status") + "</div>")
