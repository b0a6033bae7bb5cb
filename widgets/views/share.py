"""Sharing what the page shows: Copy buttons, and the page script that does what only the
browser can (copy to the learner's clipboard; know the address the learner sees).

``share.js`` (beside this module) runs once in the page; a dashboard displays it with itself
(``Dashboard._ipython_display_``). The markup here is what it acts on: a button made by
``copy_button`` copies the text of the ``data-copy-text`` element in its box and says so in the
box's ``copy_status`` region.
"""

from __future__ import annotations

import html
from pathlib import Path

__all__ = ["SCRIPT", "copy_button", "copy_status"]

SCRIPT = Path(__file__).with_name("share.js").read_text(encoding="utf-8")


def copy_button(label: str, css_class: str, box: str, copied: str) -> str:
    """A named ``<button>`` that copies the text of ``box``'s ``data-copy-text`` element.

    ``label`` is what it shows and what a screen reader names it; ``css_class`` is for styles
    and tests; ``box`` is a CSS selector of the nearest element around the button that holds
    the text and the status; ``copied`` is the sentence said when it worked. Plain text all.
    """
    return (f"<button type='button' class='{html.escape(css_class)}' "
            f"data-copy='{html.escape(box)}' data-copied='{html.escape(copied)}'>"
            f"{html.escape(label)}</button>")


def copy_status(css_class: str) -> str:
    """The polite live region where a box's Copy button says what it did."""
    return (f"<span class='{html.escape(css_class)}' role='status' aria-live='polite' "
            "data-copy-status></span>")
