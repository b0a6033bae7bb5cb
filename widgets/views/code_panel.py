"""'Show the code': the PyTorch code that rebuilds the view, to copy or take home as a notebook.

Collapsed by default. Open, it follows the dashboard's state live; closed, it computes
nothing, so the sliders' path is what it was without it. Copy and Download work in the
browser alone (the kernel cannot reach the learner's clipboard or disk): the code and the
notebook travel in the one HTML message that shows them, and the page script (``share.js``)
copies.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from ..codegen import Recipe
from .on_demand import OnDemandPanel
from .share import copy_button, copy_status

__all__ = ["CodePanel"]

# pygments' default style: its colours reach 4.5:1 on the light grey of the code
_FORMATTER = HtmlFormatter(nowrap=True, noclasses=True, style="default")
_LEXER = PythonLexer()

CODE_STYLE = """<style>
.lstm-dash .code-panel { border: 1px solid #d0d7de; border-radius: 6px; padding: 6px 10px;
  margin: 4px 0 8px 0; max-width: 980px; }
.lstm-dash .code-actions { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
.lstm-dash .code-actions button, .lstm-dash .code-actions a { font-size: 92%; padding: 3px 10px;
  border: 1px solid #57606a; border-radius: 4px; background: #f6f8fa; color: #1f2328;
  text-decoration: none; cursor: pointer; }
.lstm-dash .code-actions button:focus-visible, .lstm-dash .code-actions a:focus-visible,
.lstm-dash pre.code-text:focus-visible { outline: 2px solid #0969da; outline-offset: 2px; }
.lstm-dash .code-status { font-size: 90%; color: #1f2328; }
.lstm-dash pre.code-text { background: #f8f8f8; color: #1f2328; padding: 8px 10px;
  max-height: 520px; overflow: auto; font-size: 12.5px; line-height: 1.35; margin: 6px 0 2px 0;
  white-space: pre; }
</style>"""


class CodePanel(OnDemandPanel):
    """A "Show the code" toggle over the view's code, with Copy and Download notebook.

    Parameters
    ----------
    recipe : callable
        Returns the ``Recipe`` of the dashboard's current state; called only while open.
    follows : list of (HasTraits, list of str)
        The traits whose change changes the code.

    Attributes
    ----------
    toggle : GuardedToggleButton (``ctl-code``) -- open or closed, closed at first; register
        ``toggle.on_reject`` to hear of values the page was refused
    view : HTML (``code-view``) -- the buttons and the highlighted code, while open
    recipe : Recipe or None -- the one on show
    """

    SHOW, HIDE, ICON, CTL = "Show the code", "Hide the code", "code", "code"
    TOOLTIP = "The PyTorch code that rebuilds this view, to copy or download"
    WHAT = "The code of this view"

    def __init__(self, recipe: Callable[[], Recipe], follows, **kwargs):
        self._recipe = recipe
        self.recipe: Recipe | None = None
        super().__init__(follows, **kwargs)

    @property
    def script(self) -> str:
        """The code on show ('' while closed)."""
        return self.recipe.script if self.recipe is not None and self.is_open else ""

    def render(self) -> str:
        recipe = self._recipe()
        if self.recipe is not None and recipe == self.recipe:
            return self.view.value
        self.recipe = recipe
        return self._html(recipe)

    def _failed(self) -> None:
        self.recipe = None

    @staticmethod
    def _html(recipe: Recipe) -> str:
        notebook = base64.b64encode(recipe.notebook_bytes()).decode("ascii")
        code = highlight(recipe.script, _LEXER, _FORMATTER)
        name = html.escape(recipe.filename)
        return (
            f"{CODE_STYLE}<div class='code-panel' role='region' "
            f"aria-label='The PyTorch code of this view'>"
            "<div class='code-actions'>"
            + copy_button("Copy the code", "code-copy", ".code-panel",
                          f"Copied {recipe.lines} lines to the clipboard.") +
            f"<a class='code-download' download='{name}' "
            f"href='data:application/x-ipynb+json;base64,{notebook}'>Download notebook "
            f"({name})</a>"
            f"{copy_status('code-status')}</div>"
            f"<p class='hint'>{recipe.lines} lines of plain PyTorch that rebuild what this "
            "page shows, with the same sizes, seed and data. They import torch and numpy "
            "only: paste them into any notebook. The notebook adds the tutorial's "
            "explanations between the cells.</p>"
            f"<pre class='code-text' data-copy-text tabindex='0' "
            f"aria-label='Code: {html.escape(recipe.title)}'>"
            f"{code}</pre></div>"
        )
