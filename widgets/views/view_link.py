"""Shareable views: a 'link to this view' that follows the state."""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as ipw

__all__ = ["ViewLink"]


class ViewLink(ipw.HTML):
    """A link to the current view, for sharing: ``query()`` as a relative link.

    It follows the traits ``names`` of ``model`` as they change, whatever changed them, so it
    always names the state on screen. The link is relative: only the query string, so it works
    under any address Voila serves the page at. CSS class ``view-link``.

    Parameters
    ----------
    query : callable
        Returns the query string that reopens the view, e.g. ``?n_x=5&hidden_size=8...``.
    model : HasTraits
        What the link follows; ``names`` are the traits that make the view.
    """

    def __init__(self, query: Callable[[], str], model, names, **kwargs):
        super().__init__(**kwargs)
        self.add_class("view-link")
        self._query = query
        model.observe(self._update, names=list(names))
        self._update()

    @property
    def query(self) -> str:
        """The query string that reopens this view, e.g. ``?n_x=5&hidden_size=8...``."""
        return self._query()

    def _update(self, _change=None) -> None:
        query = html.escape(self.query)
        self.value = (f"<span class='hint'>Link to this view: <a href='{query}' "
                      f"target='_blank'>{query}</a> (append it to this page's address "
                      f"to share it)</span>")
