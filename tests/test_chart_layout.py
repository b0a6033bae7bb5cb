"""Chart text that must not collide: y-axis titles clear of their tick labels, the yardsticks'
names clear of their dashed lines. Read from every figure of the four pages."""

from __future__ import annotations

import bqplot as bq
import ipywidgets as ipw
import pytest

from widgets import LSTMExplorer, MLPExplorer, SequenceExplorer, TrainingExplorer
from widgets.views.learning_curves import CurvesChart
from widgets.views.style import CHART_LEFT, Y_TITLE_OFFSET


def figures(widget: ipw.Widget):
    """Every bqplot figure under ``widget``."""
    if isinstance(widget, bq.Figure):
        yield widget
    for child in getattr(widget, "children", ()):
        yield from figures(child)


@pytest.fixture(scope="module")
def pages():
    return [MLPExplorer(), SequenceExplorer(), LSTMExplorer(), TrainingExplorer()]


def test_y_axis_titles_sit_clear_of_decimal_tick_labels(pages):
    """A chart of decimals ("-1.00", "0.0005") puts its y title beyond its widest ticks; the
    heatmaps' integer ticks ("0".."255") fit the default place."""
    seen = 0
    for page in pages:
        for figure in figures(page):
            for axis in figure.axes:
                if axis.side != "left" or not axis.label or axis.tick_format == "d":
                    continue
                seen += 1
                assert axis.label_offset == Y_TITLE_OFFSET, axis.label
                assert figure.fig_margin["left"] >= CHART_LEFT, axis.label
                # the title's far edge (about 14 px of text beyond its offset) fits the margin
                assert int(Y_TITLE_OFFSET.removesuffix("px")) + 14 <= CHART_LEFT
    assert seen >= 6  # h_e, c_e, |∂ŷ/∂xₑ|, error, value, the temperatures' window


def test_yardstick_names_are_written_above_their_lines():
    chart = CurvesChart()
    names = next(m for m in chart.figure.marks if isinstance(m, bq.Label))
    # bqplot centres a label's text on its y: half the text's height and a gap above the line
    assert names.y_offset <= -(names.default_size / 2 + 4)
