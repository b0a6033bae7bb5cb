"""The PyTorch code behind each dashboard's view, written out for the learner to take home.

Each module here turns one dashboard's settings into a ``Recipe``: short sections of plain
PyTorch, each with the tutorial's explanation, that rebuild the view from scratch with the
same sizes, seed and data and print the same checks. The code imports torch, numpy and the
standard library only, never this package, so it runs in any notebook. A recipe is shown as
one script (the "Show the code" panel) or saved as a notebook (its "Download notebook").

Nothing here knows of widgets; the tests run every recipe in a fresh interpreter and hold
what it prints and computes against what the dashboard shows.
"""

from .recipe import Recipe, Section

__all__ = ["Recipe", "Section"]
