"""Shareable views: the page's query string, and a 'link to this view' that follows the state."""

from __future__ import annotations

import html
import os

import ipywidgets as ipw

from .maths.presets import state_query

__all__ = ["ViewLink", "query_string"]


def query_string() -> str:
    """The page's query string under Voila ('' elsewhere, e.g. in JupyterLab).

    With Voila's preheated kernels this waits for the student's request, which is what lets a
    preset apply to a kernel that was started before anyone asked for it.
    """
    try:
        from voila.utils import get_query_string
    except ImportError:
        return os.environ.get("QUERY_STRING", "")
    return get_query_string() or ""


class ViewLink(ipw.HTML):
    """A link to the current view of ``model`` (a ``SettingsModel``), for sharing.

    It follows the model's settings and view traits as they change, whatever changed them,
    so it always names the state on screen. The link is relative: only the query string, so it
    works under any address Voila serves the page at. CSS class ``view-link``.
    """

    def __init__(self, model, **kwargs):
        super().__init__(**kwargs)
        self.add_class("view-link")
        self._model = model
        # what the view is: its settings, and where in them the learner looks
        self.follows = [*model.SETTINGS, *model.INDEX_LABELS, *getattr(model, "VIEW_CHOICES", {})]
        model.observe(self._update, names=self.follows)
        self._update()

    @property
    def query(self) -> str:
        """The query string that reopens this view, e.g. ``?n_x=5&hidden_size=8...``."""
        return state_query(self._model)

    def _update(self, _change=None) -> None:
        query = html.escape(self.query)
        self.value = (f"<span class='hint'>Link to this view: <a href='{query}' "
                      f"target='_blank'>{query}</a> (append it to this page's address "
                      f"to share it)</span>")
