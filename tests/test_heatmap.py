"""Heatmap views without a browser: the PNG on the mark is the matrix, on a fixed range."""

import numpy as np

from widgets.colors import DIVERGING, color_indices, decode_png
from widgets.heatmap import ColorBar, MatrixHeatmap, tick_values
from widgets.lstm_math import GATES


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
    assert np.allclose(labels.y, [3.5, 11.5, 19.5, 27.5])
    assert np.allclose(hm._band_lines.y[:, 0], [7.5, 15.5, 23.5])
    assert list(hm._y_axis.tick_values) == [0, 8, 16, 24]


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
