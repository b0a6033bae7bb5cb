"""Text a screen reader reaches in place of a chart: a summary beside each figure, and tables.

A bqplot figure is an SVG of marks, axes and tick numbers: nothing a screen reader can say.
The page script (``accessibility.js``) hides each figure from assistive technology, and every
component that draws one puts a ``FigureText`` beside it: one or two sentences, visually hidden,
that follow the live state (the numbers come from the same arrays the figure draws). The
numbers themselves are read as tables (``html_table``) in a dashboard's ``NumbersPanel``.

Both take plain text and escape it (``markup``'s rule): a cell, a header or a caption is
written as it is only when it is ``Markup``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

import ipywidgets as ipw
import numpy as np

from .markup import Markup, as_html

__all__ = ["FigureText", "Markup", "html_table", "plain", "plural", "value_range"]

_TAG = re.compile(r"<[^>]+>")


def plain(markup: str) -> str:
    """The text of an HTML snippet (a title), tags dropped, entities read, spaces squeezed."""
    return " ".join(html.unescape(_TAG.sub(" ", markup)).split())


def value_range(values: np.ndarray, digits: int = 2) -> str:
    """'from -0.35 to 0.35' for the finite values of ``values``; 'no values' when empty."""
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return "no values"
    lo, hi = float(finite.min()), float(finite.max())
    return f"from {lo:.{digits}f} to {hi:.{digits}f}"


def plural(n: int, word: str) -> str:
    """'1 row', '3 rows': a count and its noun, for the text alternatives."""
    return f"{n} {word}{'' if n == 1 else 's'}"


class FigureText(ipw.HTML):
    """The text alternative of one figure: visually hidden, read in the figure's place.

    ``text`` is the plain sentence (escaped); setting it sends one message, and none if
    unchanged.
    """

    def __init__(self, text: str = "", **kwargs):
        super().__init__(**kwargs)
        self.add_class("figure-text")
        self.add_class("sr-only")
        self._text = ""
        self.text = text

    @property
    def text(self) -> str:
        return self._text

    @text.setter
    def text(self, text: str) -> None:
        self._text = text
        self.value = f"<p>{html.escape(text)}</p>" if text else ""


def html_table(caption: str, columns: Sequence[str], rows: Sequence[Sequence],
               digits: int = 4, *, number: str | None = None,
               css: str = "numbers-table") -> str:
    """A table with a caption and header cells: the first column heads its row.

    Numbers are written with ``digits`` decimals and a sign, or with the format spec
    ``number`` (e.g. ``".3g"``); text is escaped unless it is ``Markup``. ``css`` names the
    look beside ``lstm-table``: ``numbers-table`` (monospace, right-aligned: the numbers
    panels) or ``text-table`` (the tables on the page).
    """
    spec = number or f"+.{digits}f"

    def cell(value) -> str:
        if isinstance(value, (float, np.floating)):
            return format(float(value), spec)
        return as_html(value)

    head = "".join(f"<th scope='col'>{cell(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<th scope='row'>{cell(v)}</th>" if k == 0 else f"<td>{cell(v)}</td>"
                         for k, v in enumerate(row)) + "</tr>"
        for row in rows)
    return (f"<table class='lstm-table {css}'><caption>{cell(caption)}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
