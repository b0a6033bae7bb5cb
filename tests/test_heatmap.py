"""Heatmap views without a browser: the PNG on the mark is the matrix, on a fixed range."""

import bqplot as bq
import ipywidgets as ipw
import numpy as np
import pytest

from tests.pictures import decode_png
from tests.widget_state import by_class, the_mark
from widgets.maths.lstm import GATES
from widgets.views.colorbar import ColorBar
from widgets.views.colors import DIVERGING, color_indices
from widgets.views.heatmap import MatrixHeatmap
from widgets.views.heatmap_geometry import tick_values
from widgets.views.markup import Markup


def bands(hm: MatrixHeatmap) -> tuple[bq.Label, bq.Lines, bq.Lines]:
    """The band marks the page draws: the gate letters, the black rules, their white edges."""
    return (the_mark(hm.figure, bq.Label), the_mark(hm.figure, bq.Lines, colors=["#000"]),
            the_mark(hm.figure, bq.Lines, colors=["#fff"]))


def test_show_sends_the_matrix_as_pixels():
    hm = MatrixHeatmap(bands=GATES)
    values = np.linspace(-0.5, 0.5, 32 * 5, dtype=np.float32).reshape(32, 5)
    hm.show(values, title=Markup("<b>w</b> (32 × 5)"), vmin=-0.5, vmax=0.5)
    indices, palette = decode_png(hm.png)
    assert indices.shape == (32, 5)
    assert np.array_equal(indices, color_indices(values, -0.5, 0.5))
    assert np.array_equal(palette, DIVERGING)
    assert hm.title == "<b>w</b> (32 × 5)"
    # cells centred on integers, row 0 at the top
    assert list(hm.figure.marks[0].x) == [-0.5, 4.5]
    assert list(hm.figure.marks[0].y) == [31.5, -0.5]


def test_gate_bands_are_marked_in_pytorch_order():
    hm = MatrixHeatmap(bands=GATES)
    hm.show(np.zeros((4 * 8, 3)), title="", vmin=-1, vmax=1)
    labels, lines, gaps = bands(hm)
    _, y_axis = hm.figure.axes
    assert list(labels.text) == ["i", "f", "g", "o"]
    # on unit scales of their own: a quarter of the rows each, whatever the shape
    assert np.allclose(labels.y, [0.125, 0.375, 0.625, 0.875])
    assert np.allclose(lines.y[:, 0], [0.25, 0.5, 0.75])
    assert lines.visible and gaps.visible
    assert list(y_axis.tick_values) == [0, 8, 16, 24]  # the rows where bands start
    hm.show(np.zeros((4 * 3, 3)), title="", vmin=-1, vmax=1)
    assert list(y_axis.tick_values) == [0, 3, 6, 9]


@pytest.mark.parametrize("rows", [1, 2, 3, 6])
def test_rows_that_do_not_split_into_the_bands_are_drawn_plainly(rows):
    hm = MatrixHeatmap(bands=GATES)
    values = np.arange(rows * 2, dtype=np.float32).reshape(rows, 2) / 10
    hm.show(values, title="", vmin=-1, vmax=1)
    labels, lines, gaps = bands(hm)
    _, y_axis = hm.figure.axes
    assert hm.band_rows is None
    assert not (lines.visible or gaps.visible or labels.visible)
    assert list(y_axis.tick_values) == list(range(rows))
    assert hm.describe(rows - 1, 1) == f"row {rows - 1}, column 1: <b>{values[-1, 1]:+.4f}</b>"
    hm.show(np.zeros((8, 2)), title="", vmin=-1, vmax=1)  # and back to four bands of 2
    assert hm.band_rows == 2 and lines.visible and labels.visible
    assert list(y_axis.tick_values) == [0, 2, 4, 6]


def test_hover_names_row_column_gate_and_value():
    hm = MatrixHeatmap(bands=GATES)
    values = np.arange(16 * 3, dtype=np.float32).reshape(16, 3) / 100
    hm.show(values, title="", vmin=-1, vmax=1)
    cursor = hm.hover_readout.cursor
    # H = 16 / 4 = 4 rows a band: row 9 is the third band (gate g), unit 1
    hm.hover(2.2, 8.7)
    readout = by_class(hm, "heatmap-readout").value
    assert readout == "row 9 (gate g, unit 1), column 2: <b>+0.2900</b>"
    assert cursor.visible
    hm.hover(99, 0)
    assert not cursor.visible
    hm.hover_readout.receive({"event": "mousemove", "domain": {"x": "bad"}})  # ignored, no crash
    assert not cursor.visible
    hm.hover(0, 0)
    hm.show(np.zeros((8, 2)), title="", vmin=-1, vmax=1)  # a new shape: the cell may be gone
    assert not cursor.visible


def test_fixed_range_is_not_stretched_to_data():
    hm = MatrixHeatmap()
    hm.show(np.full((2, 2), 0.1), title="", vmin=-1, vmax=1)
    indices, _ = decode_png(hm.png)
    assert np.all(indices == color_indices(np.float32(0.1), -1, 1))


def test_a_new_shape_moves_scales_and_axes_together():
    hm = MatrixHeatmap()
    hm.show(np.zeros((3, 4)), title="", vmin=-1, vmax=1)
    hm.show(np.zeros((1024, 256)), title="", vmin=-1, vmax=1)
    x_scale, y_scale = (axis.scale for axis in hm.figure.axes)
    assert (x_scale.min, x_scale.max) == (-0.5, 255.5)
    assert (y_scale.min, y_scale.max) == (-0.5, 1023.5)
    assert hm.hover_readout.interaction.x_scale is x_scale  # the mouse reads the same scales
    assert decode_png(hm.png)[0].shape == (1024, 256)


def test_colorbar_range():
    bar = ColorBar()
    bar.set_range(-0.25, 0.25, caption="±0.25")
    assert bar.range == (-0.25, 0.25)


def test_tick_values():
    assert list(tick_values(5)) == [0, 1, 2, 3, 4]
    assert len(tick_values(256)) <= 9
    assert list(tick_values(1)) == [0]


def test_pictures_alternate_between_two_image_widgets():
    """bqplot's Image view redraws on a new ``image`` widget only: a double buffer gives it one."""
    hm = MatrixHeatmap()
    opened = []
    ipw.Widget.on_widget_constructed(opened.append)
    try:
        pictures = []
        for k in range(4):
            hm.show(np.full((2, 2), k / 4), title="", vmin=-1, vmax=1)
            pictures.append(hm.figure.marks[0].image)
    finally:
        ipw.Widget.on_widget_constructed(None)
    images = [w for w in opened if isinstance(w, ipw.Image)]
    assert len(images) == 1  # the spare, once; then none per picture
    assert pictures[0] is not pictures[1] and pictures[0] is pictures[2]  # they alternate
    assert pictures[1] is pictures[3] and pictures[3].comm is not None
    assert decode_png(pictures[3].value)[0][0, 0] == color_indices(np.float32(0.75), -1, 1)
    assert pictures[3].layout is pictures[2].layout  # no second Layout widget either


def test_a_one_by_one_matrix_gets_its_axes():
    hm = MatrixHeatmap()
    hm.show(np.ones((1, 1)), title="", vmin=-1, vmax=1)
    x_axis, y_axis = hm.figure.axes
    assert list(x_axis.tick_values) == [0] and list(y_axis.tick_values) == [0]
    assert (x_axis.scale.min, x_axis.scale.max) == (-0.5, 0.5)


def _px(size: str) -> int:
    assert size.endswith("px"), size
    return int(size.removesuffix("px"))


def plot_px(hm: MatrixHeatmap) -> tuple[int, int]:
    """The pixels the cells span on the page, across and down: the figure less its margins."""
    m, layout = hm.figure.fig_margin, hm.figure.layout
    return (_px(layout.width) - m["left"] - m["right"],
            _px(layout.height) - m["top"] - m["bottom"])


def slot(hm: MatrixHeatmap) -> ipw.Box:
    """The box the figure (and its colour bar) sits in."""
    return next(c for c in hm.children if hm.figure in getattr(c, "children", ()))


def test_a_small_matrix_is_drawn_small_in_a_slot_that_keeps_its_size():
    """Issue 26: a 1 x 1 heatmap filled its whole 230 x 300 figure as one block."""
    hm = MatrixHeatmap(width="320px", height="300px", colorbar=True, x_label="", y_label="")
    room = (slot(hm).layout.min_width, slot(hm).layout.min_height)
    assert "400px" in room[0] and "300px" in room[1]  # the figure and the 80-px colour bar
    full = ("320px", "300px")
    hm.show(np.zeros((40, 64)), title="", vmin=-1, vmax=1)
    assert (hm.figure.layout.width, hm.figure.layout.height) == full
    for (rows, cols), small in [((1, 1), (True, True)), ((3, 2), (True, True)),
                                ((1, 8), (False, True)), ((30, 1), (True, False))]:
        hm.show(np.zeros((rows, cols)), title="", vmin=-1, vmax=1)
        across, down = plot_px(hm)
        assert (across < 260, down < 254) == small  # narrower, shorter than the full plot
        assert across / cols <= 40 or across <= 60  # a cell a few dozen pixels at most,
        assert down / rows <= 40 or down <= 60
        assert across >= 48 and down >= 48  # in a plot big enough for its ticks
        assert (slot(hm).layout.min_width, slot(hm).layout.min_height) == room
        assert hm.colorbar.children[-1].layout.height == "300px"  # the bar keeps its height
    assert plot_px(hm)[1] == 254  # 30 rows of 8.5 px: the full height, as before
    hm.show(np.zeros((40, 64)), title="", vmin=-1, vmax=1)  # back to a big matrix: full size
    assert (hm.figure.layout.width, hm.figure.layout.height) == full


def test_a_small_plot_leaves_room_for_its_axis_labels():
    hm = MatrixHeatmap(x_label="k (in_features)", y_label="j (out_features)")
    hm.show(np.zeros((1, 1)), title="", vmin=-1, vmax=1)
    across, down = plot_px(hm)
    # bqplot's axis label is about 6 px a character (measured in Chromium)
    assert across >= 6 * len("k (in_features)") and down >= 6 * len("j (out_features)")
    assert across < 260 and down < 254


def test_the_owner_resizes_the_slot_and_a_shared_colour_bar_sits_beside_the_figure():
    bar = ColorBar(caption="h")
    hm = MatrixHeatmap(width="430px", height="100px", colorbar=bar)
    assert hm.colorbar is bar and slot(hm).children == (hm.figure, bar)
    hm.show(np.zeros((1, 8)), title="", vmin=-0.5, vmax=0.5)
    assert bar.range == (-0.5, 0.5)
    hm.resize(height="150px")
    assert "150px" in slot(hm).layout.min_height and "510px" in slot(hm).layout.min_width
    assert plot_px(hm) == (8 * 36, 60) and hm.figure.layout.width == "348px"


COLORS = ["#d97706", "#000", "#16a34a"]  # batch, sequence, element, outer to inner


def outlines(hm: MatrixHeatmap) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """Each highlight's drawn x and y extents, in data units."""
    lines = the_mark(hm.figure, bq.Lines, colors=COLORS)
    return [((min(x), max(x)), (min(y), max(y))) for x, y in zip(lines.x, lines.y, strict=True)]


def test_nested_outlines_round_a_row_of_thousands_stay_visible_and_apart():
    """Issue 26: 1449 temperature windows in 294 px made the batch's outline a hairline."""
    rows, cols = 1449, 12
    hm = MatrixHeatmap(width="560px", height="340px")
    hm.show(np.zeros((rows, cols)), title="", vmin=-1, vmax=1)
    down = plot_px(hm)[1] / rows  # screen pixels a row: a fifth of one
    assert down < 0.25
    hm.set_highlights([(400, 403, 0, cols - 1), (402, 402, 0, cols - 1), (402, 402, 4, 4)],
                      COLORS)
    (batch_x, batch), (seq_x, seq), (elem_x, elem) = outlines(hm)
    for y0, y1 in (batch, seq, elem):
        assert (y1 - y0) * down >= 6  # a box you see: more than its 3-px stroke
    for (outer0, outer1), (inner0, inner1) in ((batch, seq), (seq, elem)):
        # a stroke's width apart at the top and at the bottom: three boxes, not one line
        assert (inner0 - outer0) * down >= 3 and (outer1 - inner1) * down >= 3
    assert np.isclose(sum(seq) / 2, 402) and np.isclose(sum(elem) / 2, 402)  # on their row
    assert batch[0] <= 399.5 and batch[1] >= 403.5  # still round all its rows
    # cells 36 px wide need no widening: the columns are the cells'
    assert batch_x == seq_x == (-0.5, cols - 0.5) and elem_x == (3.5, 4.5)
    hm.set_highlights([(0, 3, 0, cols - 1), (0, 0, 0, cols - 1), (0, 0, 0, 0)], COLORS)
    for _, (y0, y1) in outlines(hm):  # at the top: moved inside the plot, not cut
        assert y0 == -0.5 and (y1 - y0) * down >= 6


def test_outlines_round_rows_big_enough_are_the_cells():
    hm = MatrixHeatmap(width="560px", height="340px")
    hm.show(np.zeros((10, 36)), title="", vmin=-1, vmax=1)  # the synthetic signals' tensor
    hm.set_highlights([(0, 3, 0, 35), (1, 1, 0, 35), (1, 1, 3, 5)], COLORS)
    assert outlines(hm) == [((-0.5, 35.5), (-0.5, 3.5)), ((-0.5, 35.5), (0.5, 1.5)),
                            ((2.5, 5.5), (0.5, 1.5))]
