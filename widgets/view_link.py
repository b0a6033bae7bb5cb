"""Shareable views: a dashboard that starts from a URL's query, and its 'link to this view'."""

from __future__ import annotations

import html
from typing import ClassVar

import ipywidgets as ipw

from .presets import preset_message, preset_model, state_query

__all__ = ["Shareable", "ViewLink"]


class Shareable:
    """For a dashboard with a ``model`` (a ``SettingsModel``) and a ``banner``: presets.

    ``PRESET`` names what a query may set: ``limits``, ``symbols`` and, for settings that are
    not numbers, ``choices``.
    """

    PRESET: ClassVar[dict] = {}

    def _preset_model(self, model_cls, model, query: str | None):
        """The model a new dashboard starts from, and the banner's sentence if it must."""
        model, problems = preset_model(model_cls, query, model=model, **self.PRESET)
        if problems:
            self.banner.show(preset_message(problems))
        return model

    def apply_preset(self, query: str | None) -> None:
        """Move the built dashboard to the state ``query`` asks for (the nearest valid one).

        For Voila's preheated kernels: build the dashboard before a student asks for it, then
        apply the student's query once it arrives, so only a rebuild is left to wait for.
        """
        self._preset_model(type(self.model), self.model, query)


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
        model.observe(self._update, names=[*model.SETTINGS, *model.INDEX_LABELS])
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
