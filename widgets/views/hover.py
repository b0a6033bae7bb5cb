"""The hover read-out every picture of cells shares: the mouse, a line of text and a cursor.

A view hands ``HoverReadout`` the scales of its figure and one question, "what is at data
(x, y)?", answered with a ``Pointed`` (the read-out's HTML and the cursor's outline) or None.
The read-out owns the rest: the ``MouseInteraction`` that reports the mouse (at most one
message every 40 ms), the read-out line under the figure and the cursor mark on it.

A rebuild must never leave a read-out naming a cell with its old numbers: the view calls
``refresh`` after drawing new data, and the read-out asks the view (``relocate``) to read the
same cell again, or goes back to the hint when that cell is gone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from typing import NamedTuple

import bqplot as bq
import ipywidgets as ipw
import numpy as np
from bqplot_image_gl.interacts import MouseInteraction

__all__ = ["HINT", "HoverReadout", "Pointed", "box_outline", "cell_outline", "mouse_event",
           "readout_line"]

HINT = "<span class='hint'>hover a cell to read it</span>"  # the read-out before any hover
LINE_PX = 28  # ipywidgets' line height in an HTML widget (--jp-widgets-inline-height)


def readout_line(lines: int = 2) -> ipw.HTML:
    """A read-out line showing the hint, in an area of ``lines`` lines that no text changes.

    Its height is fixed, and it takes its width from the box around it rather than from its
    text: a long read-out neither pushes what is below it down nor widens its column, so
    nothing moves out from under the mouse. What does not fit is clipped, not scrolled: a
    scroll box would be a region no key can reach (axe-core's scrollable-region-focusable),
    and the numbers tables hold every value for the keyboard. The indent is padding inside
    the width, so the box never overflows the one around it.
    """
    height = f"{lines * LINE_PX}px"
    return ipw.HTML(HINT, layout=ipw.Layout(
        margin="0", padding="0 0 0 8px", height=height, min_height=height, max_height=height,
        overflow="hidden", width="0", min_width="100%"))


def box_outline(x0: float, x1: float, y0: float, y1: float) -> tuple[np.ndarray, np.ndarray]:
    """Closed float32 x, y paths around the box [x0, x1] by [y0, y1]."""
    return (np.array([x0, x1, x1, x0, x0], dtype=np.float32),
            np.array([y0, y0, y1, y1, y0], dtype=np.float32))


def cell_outline(row: int, col: int, half_height: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Closed x, y paths around the cell (row, col) of a grid centred on integers."""
    return box_outline(col - 0.5, col + 0.5, row - half_height, row + half_height)


def mouse_event(content) -> tuple[str | None, float | None, float | None]:
    """The event name and data coordinates of a MouseInteraction message, if they are sane.

    The message comes from the browser, so anything may be in it: coordinates that are not
    finite numbers (JSON parsers accept NaN and Infinity) come back as None.
    """
    if not isinstance(content, dict):
        return None, None, None
    domain = content.get("domain")
    x, y = (domain.get("x"), domain.get("y")) if isinstance(domain, dict) else (None, None)
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
               for v in (x, y)):
        x = y = None
    return content.get("event"), x, y


class Pointed(NamedTuple):
    """What the mouse is on: the read-out's HTML, the cursor's closed outline (x, y), and the
    owner's name for the cell (e.g. (row, col)), by which a rebuild reads it again.

    ``text`` goes to the page as it is: a describe function writes it as markup with every
    name and value in it escaped (``markup``'s rule)."""

    text: str
    x: np.ndarray
    y: np.ndarray
    cell: Hashable = None


class HoverReadout:
    """The mouse over a figure, a read-out line naming what it is on, a cursor outlining it.

    Parameters
    ----------
    x_scale, y_scale : bq.Scale
        The figure's data scales: the mouse is reported, and the cursor drawn, on them.
    locate : callable(x, y) -> Pointed or None
        The owner's answer to "what is at data (x, y)?"; None hides the cursor.
    css_class : str
        The read-out's class, which the page's tests and benchmarks select on, e.g.
        "heatmap-readout".
    readout : ipw.HTML, optional
        A read-out line shared with other figures; by default one of its own
        (``readout_line``).
    on_leave : callable(), optional
        Told when the cursor hides (the mouse left, or pointed at nothing).
    relocate : callable(cell) -> Pointed or None, optional
        The owner's answer to "what is that cell now?" for a ``Pointed.cell``, after a
        rebuild; None when the cell is gone. Without it, ``refresh`` goes back to the hint.

    Attributes
    ----------
    interaction : MouseInteraction -- the figure's ``interaction``
    cursor : bq.Lines -- the cursor mark, for the figure's marks (hidden until a hover)
    readout : ipw.HTML -- the read-out line, for the owner's children
    """

    def __init__(self, x_scale: bq.Scale, y_scale: bq.Scale, *,
                 locate: Callable[[float, float], Pointed | None], css_class: str,
                 readout: ipw.HTML | None = None, on_leave: Callable[[], None] | None = None,
                 relocate: Callable[[Hashable], Pointed | None] | None = None):
        self._locate = locate
        self._relocate = relocate
        self._on_leave = on_leave
        self._named: tuple[Hashable, str] | None = None  # the cell the read-out names, its text
        self._interaction = MouseInteraction(x_scale=x_scale, y_scale=y_scale, move_throttle=40,
                                             events=["mousemove", "mouseleave"])
        self._interaction.on_msg(lambda _widget, content, _buffers: self.receive(content))
        self._cursor = bq.Lines(x=[0.0], y=[0.0], scales={"x": x_scale, "y": y_scale},
                                colors=["#111"], stroke_width=2, visible=False)
        self._readout = readout or readout_line()
        self._readout.add_class(css_class)

    @property
    def interaction(self) -> MouseInteraction:
        return self._interaction

    @property
    def cursor(self) -> bq.Lines:
        return self._cursor

    @property
    def readout(self) -> ipw.HTML:
        return self._readout

    def receive(self, content) -> None:
        """Act on one message of the interaction, as the browser sent it; ignore a malformed one."""
        event, x, y = mouse_event(content)
        if event == "mousemove" and x is not None:
            self.hover(float(x), float(y))
        elif event == "mouseleave":
            self.leave()

    def hover(self, x: float, y: float) -> None:
        """Point at data (x, y): name what is there and outline it, or hide the cursor."""
        pointed = self._locate(x, y)
        if pointed is None:
            self.leave()
            return
        self._readout.value = pointed.text
        self._named = None if pointed.cell is None else (pointed.cell, pointed.text)
        self.outline(pointed.x, pointed.y)

    def refresh(self) -> None:
        """After a rebuild: the cell the read-out names is read again from the new data (and
        re-outlined, if the cursor is on it), or, when it is gone, the read-out goes back to
        the hint and the cursor hides. A read-out that names nothing, or that another figure
        sharing the line has written since, is left alone.

        Reading the cell again, rather than always going back to the hint, keeps what the
        learner pointed at in view: move n_X and the same a[1] cell's sum gains a term.
        """
        if self._named is None:
            return
        cell, text = self._named
        if self._readout.value != text:  # a figure sharing the line wrote it since
            self._named = None
            return
        pointed = self._relocate(cell) if self._relocate is not None else None
        if pointed is None:
            self._named = None
            self._readout.value = HINT
            if self._cursor.visible:
                self.leave()
            return
        self._named = (cell, pointed.text)
        self._readout.value = pointed.text
        if self._cursor.visible:
            self.outline(pointed.x, pointed.y)

    def outline(self, x: np.ndarray | None, y: np.ndarray | None = None) -> None:
        """Draw the cursor along the closed path (x, y), or hide it for None; the read-out and
        ``on_leave`` are left alone (a view outlines a cell's twin in another figure so)."""
        if x is None:
            self._cursor.visible = False
            return
        with self._cursor.hold_sync():  # the outline and its visibility: one message
            self._cursor.x, self._cursor.y = x, y
            self._cursor.visible = True

    def leave(self) -> None:
        """Hide the cursor; the read-out keeps the last cell read."""
        self._cursor.visible = False
        if self._on_leave is not None:
            self._on_leave()
