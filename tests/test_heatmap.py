"""Heatmap views without a browser: the PNG on the mark is the matrix, on a fixed range."""

import ipywidgets as ipw
import numpy as np
import pytest

from tests.pictures import decode_png, decode_rgba
from widgets.maths.lstm import GATES
from widgets.views.colors import DIVERGING, SEQUENTIAL, color_indices
from widgets.views.heatmap import ColorBar, MatrixHeatmap, tick_values


def test_show_sends_the_matrix_as_pixels():
    hm = MatrixHeatmap(bands=GATES)
    values = np.linspace(-0.5, 0.5, 32 * 5, dtype=np.float32).reshape(32, 5)
    hm.show(values, title="<b>w</b> (32 × 5)", vmin=-0.5, vmax=0.5)
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
    labels = hm._band_labels
    assert list(labels.text) == ["i", "f", "g", "o"]
    # on unit scales of their own: a quarter of the rows each, whatever the shape
    assert np.allclose(labels.y, [0.125, 0.375, 0.625, 0.875])
    assert np.allclose(hm._band_lines.y[:, 0], [0.25, 0.5, 0.75])
    assert hm._band_lines.visible and hm._band_gaps.visible
    assert list(hm._y_axis.tick_values) == [0, 8, 16, 24]  # the rows where bands start
    hm.show(np.zeros((4 * 3, 3)), title="", vmin=-1, vmax=1)
    assert list(hm._y_axis.tick_values) == [0, 3, 6, 9]


@pytest.mark.parametrize("rows", [1, 2, 3, 6])
def test_rows_that_do_not_split_into_the_bands_are_drawn_plainly(rows):
    hm = MatrixHeatmap(bands=GATES)
    values = np.arange(rows * 2, dtype=np.float32).reshape(rows, 2) / 10
    hm.show(values, title="", vmin=-1, vmax=1)
    assert hm.band_rows is None
    assert not (hm._band_lines.visible or hm._band_gaps.visible or hm._band_labels.visible)
    assert list(hm._y_axis.tick_values) == list(range(rows))
    assert hm.describe(rows - 1, 1) == f"row {rows - 1}, column 1: <b>{values[-1, 1]:+.4f}</b>"
    hm.show(np.zeros((8, 2)), title="", vmin=-1, vmax=1)  # and back to four bands of 2
    assert hm.band_rows == 2 and hm._band_lines.visible and hm._band_labels.visible
    assert list(hm._y_axis.tick_values) == [0, 2, 4, 6]


def test_hover_names_row_column_gate_and_value():
    hm = MatrixHeatmap(bands=GATES)
    values = np.arange(16 * 3, dtype=np.float32).reshape(16, 3) / 100
    hm.show(values, title="", vmin=-1, vmax=1)
    # H = 16 / 4 = 4 rows a band: row 9 is the third band (gate g), unit 1
    hm._on_mouse(None, {"event": "mousemove", "domain": {"x": 2.2, "y": 8.7}}, [])
    assert hm._readout.value == "row 9 (gate g, unit 1), column 2: <b>+0.2900</b>"
    assert hm._cursor.visible
    hm._on_mouse(None, {"event": "mousemove", "domain": {"x": 99, "y": 0}}, [])
    assert not hm._cursor.visible
    hm._on_mouse(None, {"event": "mousemove", "domain": {"x": "bad"}}, [])  # ignored, no crash


def test_fixed_range_is_not_stretched_to_data():
    hm = MatrixHeatmap()
    hm.show(np.full((2, 2), 0.1), title="", vmin=-1, vmax=1)
    indices, _ = decode_png(hm.png)
    assert np.all(indices == color_indices(np.float32(0.1), -1, 1))


def test_a_new_shape_moves_scales_and_axes_together():
    hm = MatrixHeatmap()
    hm.show(np.zeros((3, 4)), title="", vmin=-1, vmax=1)
    hm.show(np.zeros((1024, 256)), title="", vmin=-1, vmax=1)
    assert (hm._x_scale.min, hm._x_scale.max) == (-0.5, 255.5)
    assert (hm._y_scale.min, hm._y_scale.max) == (-0.5, 1023.5)
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


def test_strips_picture_is_every_step_and_strip_on_its_own_range():
    from widgets.views.step_view import STRIP_PALETTE, STRIPS, strip_colors, strips_picture

    n_e = 3
    values = {s.key: np.full((n_e, 8), 0.5, np.float32) for s in STRIPS}
    values["x"] = np.tile(np.float32([-1.2, 0.0, 1.2]), (n_e, 1))  # n_X = 3 < H = 8
    values["h"][2] = -1.0  # h_3: the last step
    picture = strips_picture(values)
    assert picture.shape == (n_e * len(STRIPS), 8)  # one row a strip, step after step
    x_rows = picture[0 :: len(STRIPS)]
    assert np.all(x_rows[:, 3:] == 0)  # x_e ends after n_X cells: the background
    assert np.array_equal(STRIP_PALETTE[x_rows[0, :3]], DIVERGING[[0, 128, 255]])
    i_row = next(r for r, s in enumerate(STRIPS) if s.key == "i")
    sigmoid_half = strip_colors(STRIPS[i_row], np.float32(0.5))
    assert np.all(STRIP_PALETTE[picture[i_row]] == sigmoid_half)
    # 0.5 on the sigmoid's 0..1 is the middle of the sequential ramp, within one level
    assert np.abs(sigmoid_half.astype(int) - SEQUENTIAL[128]).max() <= 3
    h_row = next(r for r, s in enumerate(STRIPS) if s.key == "h")
    last_h = picture[2 * len(STRIPS) + h_row]
    assert np.array_equal(STRIP_PALETTE[last_h], strip_colors(STRIPS[h_row], values["h"][2]))
    assert np.all(STRIP_PALETTE[last_h] == DIVERGING[0])  # -1 is the bottom of h's range
    # each ramp keeps its ends and (diverging) its white middle
    assert np.array_equal(strip_colors(STRIPS[0], np.float32([-9, 0, 9])), DIVERGING[[0, 128, 255]])
    assert np.array_equal(strip_colors(STRIPS[i_row], np.float32([0, 1])), SEQUENTIAL[[0, 255]])


def test_a_step_moves_the_strips_picture_and_redraws_nothing():
    from widgets.views.step_view import STRIPS, StripStack

    stack = StripStack()
    n_e = 5
    values = {s.key: np.zeros((n_e, 4), np.float32) for s in STRIPS}
    values["h"] = np.arange(n_e * 4, dtype=np.float32).reshape(n_e, 4) / 100
    stack.show(values, step=1)
    picture = stack._image.image
    assert list(stack._image.y) == [n_e * 9 - 0.5, -0.5]  # step 1's rows fill -0.5 .. 8.5
    stack.show_step(4)
    assert stack._image.image is picture  # the same picture, moved
    assert list(stack._image.y) == [(n_e - 3) * 9 - 0.5, -0.5 - 27]  # step 4's rows on screen
    assert np.array_equal(stack.values["h"], values["h"][3])


def test_strip_hover_names_the_quantity():
    from widgets.views.step_view import STRIPS, StripStack

    stack = StripStack()
    values = {s.key: np.tile(np.arange(4, dtype=np.float32) / 10, (3, 1)) for s in STRIPS}
    stack.show(values, step=3)
    row = next(r for r, s in enumerate(STRIPS) if s.key == "h_prev")
    # x is a fraction of the widest strip: column 2 of 4 spans 0.5 to 0.75
    stack._on_mouse(None, {"event": "mousemove", "domain": {"x": 0.6, "y": row + 0.2}}, [])
    assert stack._readout.value.startswith("h<sub>2</sub>[2] = <b>+0.2000</b>")
    assert list(stack._cursor.x[:2]) == [0.5, 0.75]


def test_strips_change_width_without_moving_a_scale():
    from widgets.views.step_view import STRIPS, StripStack

    stack = StripStack()
    for width in (4, 256, 1):
        stack.show({s.key: np.zeros((2, width), np.float32) for s in STRIPS}, step=1)
        assert (stack._x_scale.min, stack._x_scale.max) == (0.0, 1.0)
        assert list(stack._image.x) == [0.0, 1.0]
        assert stack._ticks.text[0] == "0" and len(stack._ticks.text) <= 17
    assert list(stack._ticks.x) == [0.5]  # one strip cell: its tick in the middle


def test_a_one_by_one_matrix_gets_its_axes():
    hm = MatrixHeatmap()
    hm.show(np.ones((1, 1)), title="", vmin=-1, vmax=1)
    assert list(hm._x_axis.tick_values) == [0] and list(hm._y_axis.tick_values) == [0]
    assert (hm._x_scale.min, hm._x_scale.max) == (-0.5, 0.5)


def test_line_coverage_counts_lines_through_each_pixel():
    from widgets.views.step_view import line_coverage

    # one line 0 -> 1 -> -1 over x = 0..2 on a 5-row, 8-column raster (row 0 is +1)
    cover = line_coverage(np.float32([[0.0, 1.0, -1.0]]), top=1.0, width=8, height=5)
    assert cover.shape == (5, 8)
    assert list(cover[:, 0]) == [0, 0, 1, 0, 0]  # starts at 0: the middle row
    assert cover[0, 3] == 1 and cover[0, 4] == 1  # the peak at x = 1 reaches the top row
    assert list(cover[:, 7]) == [0, 0, 0, 1, 1]  # ends at -1: the bottom row
    assert (cover.max(axis=0) == 1).all()  # connected: every column has the line, once
    # two identical lines count twice; a line beyond the range is clipped to the edge
    cover = line_coverage(np.float32([[0.5, 0.5], [0.5, 0.5], [9.0, 9.0]]), 1.0, 4, 5)
    assert cover[1].tolist() == [2, 2, 2, 2] and cover[0].tolist() == [1, 1, 1, 1]
    # more points than columns: every vertex still lands in some column
    many = np.zeros((1, 101), np.float32)
    many[0, 37] = 1.0
    assert line_coverage(many, 1.0, 10, 5)[0].sum() == 1


def test_state_chart_draws_many_units_as_one_picture():
    from widgets.views.step_view import StateChart

    chart = StateChart(name="h_e", bound=1.0)
    few = np.random.default_rng(0).uniform(-1, 1, (13, 8)).astype(np.float32)  # (n_E + 1, H)
    chart.show(few, unit=2, step=3)
    assert not chart.rastered and chart._all.visible and chart._all.y.shape == (8, 13)
    many = np.random.default_rng(0).uniform(-1, 1, (13, 40)).astype(np.float32)
    chart.show(many, unit=39, step=3)
    assert chart.rastered and not chart._all.visible
    rgba = decode_rgba(chart._raster.image.value)
    assert rgba.shape == (*StateChart.RASTER_SIZE, 4) and rgba[..., 3].max() > 200
    assert np.all(rgba[rgba[..., 3] > 0, :3] == StateChart.LINE_RGB)  # one colour, many opacities
    assert list(chart._unit.y) == list(many[:, 39])  # unit j stays a line
    assert (chart._y_scale.min, chart._y_scale.max) == (-1.05, 1.05)  # h: fixed
    chart.show(few, unit=0, step=1)
    assert not chart.rastered and chart._all.y.shape == (8, 13)


def test_c_chart_range_is_a_round_number_that_rarely_moves():
    from widgets.views.step_view import StateChart

    chart = StateChart(name="c_e")
    chart.show(np.float32([[0.0, 0.3], [0.7, -1.3]]), unit=0, step=1)
    assert chart._y_scale.max == pytest.approx(1.05 * 2.0)
    chart.show(np.float32([[0.0, 0.3], [0.7, -1.9]]), unit=0, step=1)
    assert chart._y_scale.max == pytest.approx(1.05 * 2.0)
