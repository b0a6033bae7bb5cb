"""A navigation bar through the dashboards, in the tutorial's order."""

from __future__ import annotations

import html

import ipywidgets as ipw

__all__ = ["PAGES", "NavBar"]

# (notebook, title): the order in which the tutorial earns the LSTM
PAGES = (
    ("1_mlp.ipynb", "1 · The feed-forward network"),
    ("2_sequence_data.ipynb", "2 · Sequence data"),
    ("3_lstm_explorer.ipynb", "3 · The LSTM"),
    ("4_training.ipynb", "4 · What it learns"),
)


class NavBar(ipw.HTML):
    """Links to every dashboard, the current one in bold. Relative links, so they work under
    Voila's ``/voila/render/`` as under any base URL."""

    def __init__(self, current: str, **kwargs):
        super().__init__(**kwargs)
        self.add_class("lstm-navbar")
        self._current = current
        self.carry("")

    def carry(self, query: str) -> None:
        """Put ``query`` (e.g. ``?present=1``, '' for none) on every link: what a page in
        presenter mode passes on to the next."""
        links = "".join(
            f"<a class='{'current' if page == self._current else ''}' "
            f"href='{html.escape(page + query)}'>{title}</a>"
            for page, title in PAGES
        )
        self.value = f"<nav class='lstm-nav'>{links}</nav>"
