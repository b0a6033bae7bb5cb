"""'Show the numbers': the current step's numbers as tables, for reading without the charts.

A screen reader cannot read a heatmap's colours, and nobody reads four decimals off one. Open,
the panel shows the numbers the figures draw, as tables with captions and header cells, and
follows the dashboard live; closed, it computes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from .on_demand import OnDemandPanel

__all__ = ["NumbersPanel"]

NUMBERS_STYLE = """<style>
.lstm-dash .numbers-scroll { max-height: 480px; overflow: auto; border: 1px solid #d0d7de;
  border-radius: 6px; padding: 4px 10px; margin: 4px 0 8px 0; max-width: 980px; }
.lstm-dash .numbers-scroll:focus-visible { outline: 2px solid #0969da; outline-offset: 2px; }
.lstm-dash table.numbers-table caption { text-align: left; font-weight: bold; white-space: nowrap;
  padding: 6px 0 2px 0; }
.lstm-dash table.numbers-table td { font-family: monospace; text-align: right; }
</style>"""


class NumbersPanel(OnDemandPanel):
    """A "Show the numbers" toggle over tables of the dashboard's current state.

    Parameters
    ----------
    tables : callable
        Returns the tables' HTML (``text_alternative.html_table``) for the current state;
        called only while open.
    follows : list of (HasTraits, list of str)
        The traits whose change changes the numbers.

    Attributes
    ----------
    toggle : GuardedToggleButton (``ctl-numbers``)
    view : HTML (``numbers-view``) -- a scrolling region, reachable by keyboard, with the tables
    """

    SHOW, HIDE, ICON, CTL = "Show the numbers", "Hide the numbers", "table", "numbers"
    TOOLTIP = "The numbers the figures draw, as tables a screen reader can read"
    WHAT = "The numbers of this view"

    def __init__(self, tables: Callable[[], str], follows=(), **kwargs):
        self._tables = tables
        super().__init__(follows, **kwargs)

    def render(self) -> str:
        # the region scrolls, so it takes focus: arrow keys scroll it without a mouse
        return (f"{NUMBERS_STYLE}<div class='numbers-scroll' role='region' tabindex='0' "
                f"aria-label='The numbers of this view, as tables'>{self._tables()}</div>")
