"""A recipe: sections of code with their explanations, as a script or as a notebook."""

from __future__ import annotations

import html
import re
import textwrap
from dataclasses import dataclass
from string import Template
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import nbformat

__all__ = ["Recipe", "Section", "fill", "markdown_text", "splice"]


def fill(template: str, **values) -> str:
    """``template`` dedented, with each ``$name`` replaced by the Python literal of its value.

    ``$`` placeholders leave Python's braces (dicts, f-strings) alone.
    """
    literals = {name: repr(value) for name, value in values.items()}
    return Template(textwrap.dedent(template).strip("\n")).substitute(literals)


def splice(template: str, **pieces: str) -> str:
    """``template`` dedented, with each ``$name`` replaced by a piece of code as it is (where
    ``fill`` writes a value's literal)."""
    return Template(textwrap.dedent(template).strip("\n")).substitute(pieces)


# what markdown reads as markup; "<", ">" and "&" are HTML's, escaped as entities
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:@=])")


def markdown_text(text: str) -> str:
    """Text from outside (a file's name, a column's) as markdown that shows it as it is, on
    one line: no markup, no HTML, no link."""
    return html.escape(_MARKDOWN.sub(r"\\\1", " ".join(str(text).split())), quote=False)


@dataclass(frozen=True)
class Section:
    """One step of the code: a title, the tutorial's explanation (markdown), the code."""

    title: str
    text: str
    code: str


@dataclass(frozen=True)
class Recipe:
    """The code of one view: ``script`` for the panel, ``notebook()`` for the download.

    Attributes
    ----------
    title : str -- what the code rebuilds, e.g. "The LSTM explorer, step 4 of sequence 0"
    intro : str -- markdown, the notebook's opening
    sections : tuple of Section
    filename : str -- the notebook's name when saved, e.g. "3_lstm_explorer.ipynb"
    link : str -- the query string that reopens the view in the dashboard ('' if none)
    note : str -- where the code and the page part ways, said first ('' if nowhere)
    """

    title: str
    intro: str
    sections: tuple[Section, ...]
    filename: str
    link: str = ""
    note: str = ""

    @property
    def code(self) -> str:
        """The code cells alone, in order: what the script runs."""
        return "\n\n".join(s.code for s in self.sections) + "\n"

    @property
    def script(self) -> str:
        """One runnable script: a header, then each section under its title as a comment."""
        header = [f"# {self.title}", "# Plain PyTorch: it imports torch and numpy only, and "
                  "rebuilds the view from scratch."]
        if self.link:
            header.append(f"# The dashboard's view: {self.link}")
        if self.note:
            header.extend(textwrap.wrap(f"Note: {self.note}", width=96, initial_indent="# ",
                                        subsequent_indent="# "))
        parts = ["\n".join(header)]
        for number, section in enumerate(self.sections, start=1):
            rule = f"# --- {number}. {section.title} "
            parts.append(f"{rule}{'-' * max(3, 78 - len(rule))}\n{section.code}")
        return "\n\n".join(parts) + "\n"

    @property
    def lines(self) -> int:
        return self.script.count("\n")

    def notebook(self) -> nbformat.NotebookNode:
        """A notebook with no outputs: the intro, then each section's explanation and code."""
        import nbformat  # on first use: a kernel whose panel stays closed never loads it

        intro = f"# {self.title}\n\n{self.intro}"
        if self.link:
            intro += (f"\n\nThe dashboard's view this code rebuilds: `{self.link}` (append it "
                      "to the dashboard's address).")
        if self.note:
            intro += f"\n\n**Note:** {self.note}"
        cells = [nbformat.v4.new_markdown_cell(intro)]
        for number, section in enumerate(self.sections, start=1):
            cells.append(nbformat.v4.new_markdown_cell(
                f"## {number}. {section.title}\n\n{section.text}"))
            cells.append(nbformat.v4.new_code_cell(section.code))
        nb = nbformat.v4.new_notebook(cells=cells)
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}
        nb.metadata["language_info"] = {"name": "python"}
        return nb

    def notebook_bytes(self) -> bytes:
        """The notebook as the .ipynb file a learner saves."""
        import nbformat

        nb = self.notebook()
        nbformat.validate(nb)
        return nbformat.writes(nb).encode("utf-8")
