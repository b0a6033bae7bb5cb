"""'Show the code': the PyTorch code that rebuilds the view, to copy or take home as a notebook.

Collapsed by default. Open, it follows the dashboard's state live; closed, it computes
nothing, so the sliders' path is what it was without it. Copy and Download work in the
browser alone (the kernel cannot reach the learner's clipboard or disk): the code and the
notebook travel in the one HTML message that shows them.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable

import ipywidgets as ipw
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from .codegen import Recipe
from .controls import GuardedToggleButton

__all__ = ["CodePanel"]

# copies the panel's code: the Clipboard API where the page is a secure context (https,
# localhost); elsewhere, e.g. a classroom server on http://10.0.0.5, the older execCommand
_COPY_JS = """(function (button) {
  var panel = button.closest('.code-panel');
  var text = panel.querySelector('pre.code-text').textContent;
  var status = panel.querySelector('.code-status');
  function say(ok) {
    status.textContent = ok ? 'Copied ' + text.split('\\n').length + ' lines to the clipboard.'
      : 'The browser refused to copy: select the code and press Ctrl+C (Cmd+C on a Mac).';
  }
  function fallback() {
    var area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    document.body.removeChild(area);
    button.focus();
    return ok;
  }
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(function () { say(true); },
                                             function () { say(fallback()); });
  } else {
    say(fallback());
  }
})(this)"""

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


class CodePanel(ipw.VBox):
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

    def __init__(self, recipe: Callable[[], Recipe], follows, **kwargs):
        super().__init__(**kwargs)
        self.add_class("code-panel-box")
        self._recipe = recipe
        self.recipe: Recipe | None = None
        self.toggle = GuardedToggleButton(
            value=False, description="Show the code", icon="code",
            tooltip="The PyTorch code that rebuilds this view, to copy or download",
            layout=ipw.Layout(width="auto", align_self="flex-start"))
        self.toggle.add_class("ctl-code")
        self.view = ipw.HTML(layout=ipw.Layout(display="none"))
        self.view.add_class("code-view")
        self.toggle.observe(self._on_toggle, names="value")
        for model, names in follows:
            self.follow(model, names)
        self.children = [self.toggle, self.view]

    def follow(self, model, names) -> None:
        """Write the code again, while open, when any of ``model``'s traits ``names`` change."""
        model.observe(self._on_state, names=list(names))

    @property
    def is_open(self) -> bool:
        return self.toggle.value

    @property
    def script(self) -> str:
        """The code on show ('' while closed)."""
        return self.recipe.script if self.recipe is not None and self.is_open else ""

    def _on_toggle(self, _change=None) -> None:
        if self.is_open:
            self.refresh()
        self.toggle.description = "Hide the code" if self.is_open else "Show the code"
        self.view.layout.display = None if self.is_open else "none"

    def _on_state(self, _change=None) -> None:
        if self.is_open:
            self.refresh()

    def refresh(self) -> None:
        """Write the current recipe into the view; nothing is sent if the code is the same."""
        try:
            recipe = self._recipe()
        except Exception as error:  # a defect of ours: say so, and keep the dashboard alive
            self.recipe = None
            self.view.value = (
                "<p class='badge badge-bad' role='alert'>The code of this view could not be "
                f"written ({html.escape(type(error).__name__)}: {html.escape(str(error))}). "
                "Move a control to try again, and please report it with the link above.</p>")
            return
        if self.recipe is not None and recipe == self.recipe:
            return
        self.recipe = recipe
        self.view.value = self._html(recipe)

    @staticmethod
    def _html(recipe: Recipe) -> str:
        notebook = base64.b64encode(recipe.notebook_bytes()).decode("ascii")
        code = highlight(recipe.script, _LEXER, _FORMATTER)
        name = html.escape(recipe.filename)
        return (
            f"{CODE_STYLE}<div class='code-panel' role='region' "
            f"aria-label='The PyTorch code of this view'>"
            "<div class='code-actions'>"
            f"<button type='button' class='code-copy' onclick=\"{html.escape(_COPY_JS)}\">"
            "Copy the code</button>"
            f"<a class='code-download' download='{name}' "
            f"href='data:application/x-ipynb+json;base64,{notebook}'>Download notebook "
            f"({name})</a>"
            "<span class='code-status' role='status' aria-live='polite'></span></div>"
            f"<p class='hint'>{recipe.lines} lines of plain PyTorch that rebuild what this "
            "page shows, with the same sizes, seed and data. They import torch and numpy "
            "only: paste them into any notebook. The notebook adds the tutorial's "
            "explanations between the cells.</p>"
            f"<pre class='code-text' tabindex='0' aria-label='Code: {html.escape(recipe.title)}'>"
            f"{code}</pre></div>"
        )
