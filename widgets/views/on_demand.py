"""A panel behind a toggle: computed only while open, then following the dashboard live.

Closed, it computes nothing, so the sliders' path is what it was without it. The code panel
and the numbers panel are two of these.
"""

from __future__ import annotations

import html
from typing import ClassVar

import ipywidgets as ipw

from .controls import GuardedToggleButton

__all__ = ["OnDemandPanel"]


class OnDemandPanel(ipw.VBox):
    """A toggle (``ctl-<CTL>``) over an HTML view that ``render()`` fills while open.

    Subclasses set the class attributes and define ``render()``, the view's HTML for the
    dashboard's current state. A render that raises shows a sentence instead; the kernel
    carries on.

    Parameters
    ----------
    follows : list of (HasTraits, list of str)
        The traits whose change changes what the panel shows.

    Attributes
    ----------
    toggle : GuardedToggleButton -- open or closed, closed at first; register
        ``toggle.on_reject`` to hear of values the page was refused
    view : HTML -- what ``render()`` wrote, while open
    """

    SHOW: ClassVar[str] = "Show"
    HIDE: ClassVar[str] = "Hide"
    ICON: ClassVar[str] = ""
    TOOLTIP: ClassVar[str] = ""
    CTL: ClassVar[str] = ""
    WHAT: ClassVar[str] = "this panel"  # for the error sentence: "The code of this view"

    def __init__(self, follows=(), **kwargs):
        super().__init__(**kwargs)
        self.add_class(f"{self.CTL}-panel-box")
        self.toggle = GuardedToggleButton(
            value=False, description=self.SHOW, icon=self.ICON, tooltip=self.TOOLTIP,
            layout=ipw.Layout(width="auto", align_self="flex-start"))
        self.toggle.add_class(f"ctl-{self.CTL}")
        self.view = ipw.HTML(layout=ipw.Layout(display="none"))
        self.view.add_class(f"{self.CTL}-view")
        self.toggle.observe(self._on_toggle, names="value")
        for model, names in follows:
            self.follow(model, names)
        self.children = [self.toggle, self.view]

    def follow(self, model, names) -> None:
        """Render again, while open, when any of ``model``'s traits ``names`` change."""
        model.observe(self._on_state, names=list(names))

    @property
    def is_open(self) -> bool:
        return self.toggle.value

    def render(self) -> str:
        raise NotImplementedError

    def _on_toggle(self, _change=None) -> None:
        if self.is_open:
            self.refresh()
        self.toggle.description = self.HIDE if self.is_open else self.SHOW
        self.view.layout.display = None if self.is_open else "none"

    def _on_state(self, _change=None) -> None:
        if self.is_open:
            self.refresh()

    def refresh(self) -> None:
        """Render into the view; nothing is sent if the HTML is the same."""
        try:
            self.view.value = self.render()
        except Exception as error:  # a defect of ours: say so, and keep the dashboard alive
            self._failed()
            self.view.value = (
                f"<p class='badge badge-bad' role='alert'>{self.WHAT} could not be "
                f"written ({html.escape(type(error).__name__)}: {html.escape(str(error))}). "
                "Move a control to try again, and please report it with the link above.</p>")

    def _failed(self) -> None:
        """Forget what was rendered before a failure (subclasses that cache it)."""
