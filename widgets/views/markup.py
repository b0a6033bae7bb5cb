"""Text that reaches the page as HTML: one rule, so a token, a file's name or a link's value is
always shown as the characters it is and never read as markup.

The rule: a function or parameter that puts text into an ``ipw.HTML`` value takes plain text
and escapes it (``as_html``), unless the text is ``Markup``, HTML the code writes itself.
Markup that holds a value interpolates ``html.escape(value)``. So ``<pad>`` reads "<pad>",
and a forgotten ``Markup`` shows tags as text rather than running them.

Elsewhere text is safe as it is: bqplot draws a ``Label``'s text, axis labels and titles as SVG
text (d3's ``.text()``), and ipywidgets show a ``description`` (``description_allow_html`` is
never set), a ``tooltip`` and a dropdown's options as text.
"""

from __future__ import annotations

import html

__all__ = ["Markup", "as_html"]


class Markup(str):
    """Trusted HTML, written as it is where text would be escaped (``as_html``).

    Only for markup the code writes itself (``<code>``, ``<sub>``), with every value in it
    passed through ``html.escape``; never for anything a learner, a link or a file could have
    put there.
    """


def as_html(text: object) -> str:
    """``text`` as HTML: escaped, or as it is when it is ``Markup``."""
    return str(text) if isinstance(text, Markup) else html.escape(str(text))
