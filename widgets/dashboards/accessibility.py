"""The page script that gives ipywidgets' controls their names for screen readers.

``accessibility.js`` (beside this module) runs once in the page, under Voila and in
JupyterLab alike; a dashboard displays it with itself (``Dashboard._ipython_display_``).
"""

from __future__ import annotations

from pathlib import Path

from IPython.display import HTML

__all__ = ["SCRIPT", "accessibility_script"]

SCRIPT = (Path(__file__).with_name("accessibility.js")).read_text(encoding="utf-8")


def accessibility_script() -> HTML:
    """The script as an HTML output; it installs itself once per page, whatever the count."""
    return HTML(f"<script>{SCRIPT}</script>")
