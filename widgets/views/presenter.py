"""Presenter mode, for a projector at the back of a room: large type, and one section of the
page at a time behind a bar that names it ("Section 2 of 6: Weights and biases").

The bar is given the page's root and its sections (a title and the widgets that make it). It
hides the other sections' widgets with a CSS class, never destroys them: a section comes back
as it was left. Hidden is ``visibility: hidden`` in a box of no height: out of the page, the
tab order and what a screen reader reads, as ``display: none`` would be, but a figure keeps
its size (bqplot lays out a figure in a ``display: none`` box at a negative size, and says so
in the console). What belongs to no section (the page's settings, the banner) stays on
screen. ``presenter.js`` (beside this module) gives the bar Page Down and Page Up; ``STYLE``
is the large type.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

import ipywidgets as ipw
from traitlets import Int, TraitError, validate

from .controls import GuardedIntText, set_bounded

__all__ = ["HIDDEN_CLASS", "PRESENT_CLASS", "SCRIPT", "STYLE", "PresenterBar"]

PRESENT_CLASS = "lstm-present"  # on the page's root while presenting: the large type
HIDDEN_CLASS = "presenter-hidden"  # on each widget of the sections not shown
SCRIPT = Path(__file__).with_name("presenter.js").read_text(encoding="utf-8")

# large type: ipywidgets' and the page's text from 13px to 19px, the controls with it, bqplot's
# tick labels from 12px to 15px; the figures keep their sizes (the hover reads pixels). Every
# rule is under the page's root, never ``body:has(...)``: a rule the browser must check again at
# each change of the page costs every move, presenting or not
# the notebook's title, outside the page's root: smaller, only while presenting (PAGE_STYLE)
PAGE_STYLE = "<style>.jp-MarkdownOutput h1 { font-size: 22px; }</style>"
STYLE = """<style>
.lstm-present .presenter-hidden { visibility: hidden !important; height: 0 !important;
  min-height: 0 !important; margin: 0 !important; padding: 0 !important; border: 0 !important;
  overflow: hidden !important; }
.lstm-present {
  --jp-widgets-font-size: 19px; --jp-ui-font-size1: 19px; --jp-content-font-size1: 19px;
  --jp-code-font-size: 16px; --jp-widgets-inline-height: 38px;
  --jp-widgets-slider-handle-size: 22px; --jp-widgets-slider-track-thickness: 6px;
  font-size: 19px; }
.lstm-present .widget-label { width: auto !important; min-width: 4.4em; max-width: none;
  padding-right: 6px; }
.lstm-present .widget-hslider { width: auto !important; min-width: 380px; }
.lstm-present .widget-toggle-buttons { display: flex; flex-flow: row wrap;
  align-items: center; }  /* its name beside it, not above: a line less */
.lstm-present .widget-toggle-buttons > .widget-label { text-align: right; }
.lstm-present .widget-toggle-buttons .widget-toggle-button { width: auto !important;
  padding: 0 14px; }
.lstm-present .widget-html-content { line-height: 1.5; }  /* text, not a control's height */
.lstm-present .answer-label-box { padding-right: 6px; }
.lstm-present .bqplot .tick text { font-size: 15px !important; }
.lstm-present .bqplot .axis text.axislabel { font-size: 16px !important; }
.lstm-present .bqplot .object_grp text { font-size: 14px !important; }
.lstm-present .presenter-bar { border-bottom: 2px solid #1a5fb4; margin: 0 0 6px 0;
  padding: 0 0 4px 0; flex-flow: row nowrap; align-items: center; gap: 4px 10px; }
.lstm-present .presenter-bar .presenter-where { flex: 1 1 0; min-width: 0; }
.lstm-present .presenter-where h2 { font-size: 115%; margin: 0 4px; line-height: 1.3; }
.lstm-present .presenter-where .widget-html-content { height: auto; line-height: 1.3;
  white-space: normal; }
/* text placed over a figure keeps to the figure's width: a little larger, or wrapped */
.lstm-dash.lstm-present .panel-title-row span { font-size: 14px; }
.lstm-dash.lstm-present .heatmap-title, .lstm-dash.lstm-present .chart-title {
  font-size: 16px; }
.lstm-present .heatmap-title .widget-html-content { white-space: normal; }
.lstm-dash.lstm-present pre.code-text { font-size: 16px; }
.lstm-dash.lstm-present .code-panel { max-width: none; }
</style>"""


class PresenterBar(ipw.HBox):
    """The presenter's bar: **Previous**, **Next**, **section** (a number box that goes to one)
    and "Section k of N: title".

    Hidden, and the page whole, while ``section`` is 0; ``section`` k from 1 shows the k-th of
    the sections given to ``set_sections`` alone and puts ``lstm-present`` on ``root``. The
    buttons move one section and stop at the first and the last; **section** (a guarded
    number box, ``ctl-section``) jumps, and reports a forced value to ``on_reject``'s callbacks.
    The title is a polite live region, so a screen reader says each new section.

    Parameters
    ----------
    root : ipywidgets.DOMWidget
        The page, which carries ``lstm-present`` (``PRESENT_CLASS``) while presenting.

    Traits
    ------
    section : int
        The section shown, counted from 1; 0 (the default) when not presenting.
    """

    section = Int(0, help="the section shown, counted from 1; 0: not presenting, all of it")

    def __init__(self, root: ipw.DOMWidget, **kwargs):
        super().__init__(**kwargs)
        self.add_class("presenter-bar")
        self._root = root
        self._sections: list[tuple[str, tuple[ipw.DOMWidget, ...]]] = []
        self.previous = ipw.Button(description="Previous", icon="arrow-left",
                                   tooltip="previous section (Page Up)")
        self.next = ipw.Button(description="Next", icon="arrow-right",
                               tooltip="next section (Page Down)")
        self.previous.add_class("presenter-previous")
        self.next.add_class("presenter-next")
        self.previous.on_click(lambda _button: self.go(-1))
        self.next.on_click(lambda _button: self.go(+1))
        self.where = ipw.HTML()
        self.where.add_class("presenter-where")
        self.where.add_class("live-status")  # the page script makes it a polite status
        self.jump = GuardedIntText(value=1, min=1, max=1, description="section",
                                   tooltip="go to section: its number", disabled=True,
                                   style={"description_width": "auto"},
                                   layout=ipw.Layout(width="170px"))
        self.jump.add_class("ctl-section")
        self.jump.observe(self._on_jump, names="value")
        # a style applies from a hidden element too
        style = ipw.HTML(STYLE, layout=ipw.Layout(display="none"))
        self.page_style = ipw.HTML(layout=ipw.Layout(display="none"))  # PAGE_STYLE, presenting
        # the controls first, so they stay where they are whatever the title's length
        self.children = [style, self.page_style, self.previous, self.next, self.jump,
                         self.where]
        self.layout.display = "none"
        self.observe(self._show, names="section")

    @property
    def sections(self) -> list[tuple[str, tuple[ipw.DOMWidget, ...]]]:
        """The page's sections in order: (title, the widgets it shows)."""
        return list(self._sections)

    @property
    def title(self) -> str:
        """The title of the section shown ('' when not presenting)."""
        return self._sections[self.section - 1][0] if self.section else ""

    def set_sections(self, sections: Sequence[tuple[str, Sequence[ipw.DOMWidget]]]) -> None:
        """Give the page's sections: (title, widgets), in the order the bar walks them. A
        widget in several (a row of controls they share) is shown with each."""
        self._sections = [(title, tuple(widgets)) for title, widgets in sections]
        set_bounded(self.jump, 1, max(1, len(self._sections)), max(1, self.section))
        self._show()

    def on_reject(self, callback) -> None:
        """Register ``callback(widget, message)`` for what the page forced and was refused."""
        self.jump.on_reject(callback)

    def go(self, step: int) -> None:
        """Move ``step`` sections on (or back), no further than the first and the last; nothing
        when not presenting."""
        if self.section:
            self.section = min(max(self.section + step, 1), len(self._sections))

    @validate("section")
    def _valid_section(self, proposal) -> int:
        value, last = proposal["value"], len(self._sections)
        if not 0 <= value <= last:
            raise TraitError(f"section must be from 0 (the whole page) to {last}; got {value}.")
        return value

    def _on_jump(self, change) -> None:
        if self.section:
            self.section = change["new"]

    def _show(self, _change=None) -> None:
        k = self.section
        # a widget may serve several sections (the controls they share): shown with any
        shown = {id(w) for w in self._sections[k - 1][1]} if k else set()
        for _title, widgets in self._sections:
            for widget in widgets:
                if k and id(widget) not in shown:
                    widget.add_class(HIDDEN_CLASS)
                else:
                    widget.remove_class(HIDDEN_CLASS)
        if k:
            self._root.add_class(PRESENT_CLASS)
        else:
            self._root.remove_class(PRESENT_CLASS)
        with self.jump.hold_sync():
            self.jump.disabled = not k
            self.jump.value = max(k, 1)
        self.page_style.value = PAGE_STYLE if k else ""
        self.where.value = (f"<h2>Section {k} of {len(self._sections)}: "
                            f"{html.escape(self.title)}</h2>" if k else "")
        self.layout.display = None if k else "none"
