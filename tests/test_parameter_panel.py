"""The parameter panel: fixed geometry, pictures one pixel a cell, hover back to the cell."""

import bqplot as bq
import numpy as np
import pytest

from tests.pictures import decode_png
from tests.widget_state import by_class, the_mark
from widgets.maths.lstm import GATES
from widgets.views.colors import DIVERGING
from widgets.views.panel_layout import PanelLayout, Region
from widgets.views.parameter_panel import ParameterPanel, panel_indices, panel_palette

REGIONS = [Region("weight_ih_l0", "4H × n_X", "input feature k", 250),
           Region("weight_hh_l0", "4H × H", "hidden unit", 360),
           Region("bias_ih_l0", "4H", "", 56)]


def tensors(H: int, n_x: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"weight_ih_l0": rng.uniform(-1, 1, (4 * H, n_x)).astype(np.float32),
            "weight_hh_l0": rng.uniform(-1, 1, (4 * H, H)).astype(np.float32),
            "bias_ih_l0": rng.uniform(-1, 1, 4 * H).astype(np.float32)}


@pytest.fixture
def panel():
    return ParameterPanel(REGIONS, bands=GATES, height=330)


def picture_mark(panel: ParameterPanel) -> bq.Image:
    """The image mark showing ``png``, every tensor's band (the other image is the colour bar)."""
    (mark,) = [m for m in panel.figure.marks
               if isinstance(m, bq.Image) and m.image.value == panel.png]
    return mark


def tick_labels(panel: ParameterPanel) -> bq.Label:
    """Every number on the axes, in one 11 px mark."""
    return the_mark(panel.figure, bq.Label, default_size=11)


def test_layout_places_regions_left_to_right_with_gaps():
    layout = PanelLayout(tuple(REGIONS), gap=30)
    assert layout.starts == (0, 280, 670)
    assert layout.matrices_end == 726
    assert layout.locate(0) == (0, 0.0)
    assert layout.locate(260) is None  # a gap
    assert layout.locate(280 + 180) == (1, 0.5)
    assert layout.width > layout.colorbar_start > layout.matrices_end


def test_every_tensor_is_drawn_in_its_band_of_one_picture_on_the_fixed_range(panel):
    t = tensors(H=3, n_x=5)
    panel.show(t, vmin=-1, vmax=1)
    picture, palette = decode_png(panel.png)
    L = panel.layout_px
    assert picture.shape == (12, L.matrices_end)  # 4H rows, one column a screen pixel
    for k, (key, values) in enumerate(t.items()):
        cells = panel_indices(values.reshape(12, -1), -1, 1)
        assert np.array_equal(panel.indices(key), cells)
        band = picture[:, L.starts[k] : L.starts[k] + L.regions[k].width]
        # each pixel shows the cell under it, as the hover reads it
        cols = [panel.cell_at(L.starts[k] + p + 0.5, 0.0)[2] for p in range(band.shape[1])]
        assert np.array_equal(band, cells[:, cols])
    assert np.all(picture[:, L.starts[0] + L.regions[0].width : L.starts[1]] == 0)  # the gap
    assert np.array_equal(palette, panel_palette(DIVERGING))
    assert np.array_equal(palette[panel_indices(np.float32([-1, 0, 1]), -1, 1)],
                          DIVERGING[[0, 128, 255]])  # the ends and the white middle stay
    assert panel.titles() == ["weight_ih_l0 (4H × n_X) = (12 × 5)",
                              "weight_hh_l0 (4H × H) = (12 × 3)", "bias_ih_l0 (4H) = (12)"]


def test_a_resize_moves_no_scale_and_no_picture_extent(panel):
    picture = picture_mark(panel)
    scales = [(s.min, s.max) for s in picture.scales.values()]
    extent = (list(picture.x), list(picture.y))
    for H, n_x in [(2, 1), (256, 64), (7, 3)]:
        panel.show(tensors(H, n_x), vmin=-0.5, vmax=0.5)
        assert [(s.min, s.max) for s in picture.scales.values()] == scales
        assert (list(picture.x), list(picture.y)) == extent


def test_tick_labels_follow_the_shapes_and_the_range(panel):
    panel.show(tensors(H=8, n_x=5), vmin=-0.25, vmax=0.25)
    ticks = tick_labels(panel)
    text = list(ticks.text)
    assert [str(k) for k in range(5)] == text[:5]  # input features 0..4 under weight_ih
    assert ["0", "8", "16", "24"] == text[-9:-5]  # the first row of each gate band
    assert ["+0.250", "+0.125", "0", "-0.125", "-0.250"] == text[-5:]
    assert len(ticks.x) == len(ticks.y) == len(text)


def test_hover_names_the_tensor_gate_unit_column_and_value(panel):
    t = tensors(H=4, n_x=5)
    panel.show(t, vmin=-1, vmax=1)
    start = panel.layout_px.starts[1]
    # weight_hh_l0, 16 rows: y = 0.6 is row 9 (gate g is rows 8..11), column 2 of 4
    x = start + 2.5 * 360 / 4
    assert panel.cell_at(x, 0.6) == ("weight_hh_l0", 9, 2)
    readout, cursor = by_class(panel, "heatmap-readout"), panel.hover_readout.cursor
    panel.hover(x, 0.6)
    assert "weight_hh_l0" in readout.value and "gate f" not in readout.value
    assert "row 9 (gate g, unit 1), column 2" in readout.value
    assert f"{t['weight_hh_l0'][9, 2]:+.4f}" in readout.value
    assert cursor.visible
    # the last row and a bias (no column)
    b0 = panel.layout_px.starts[2]
    assert panel.cell_at(b0 + 1, 0.999) == ("bias_ih_l0", 15, 0)
    panel.hover(b0 + 1, 0.999)
    assert "column" not in readout.value
    # the bias's one column fills its band: the cursor outlines all of it
    assert list(cursor.x[:2]) == [b0, b0 + 56] and np.allclose(cursor.y[1:3], [15 / 16, 1])
    # between regions and off the plot: nothing
    assert panel.cell_at(start - 5, 0.5) is None
    assert panel.cell_at(x, 1.2) is None
    panel.hover_readout.receive({"event": "mousemove", "domain": {"x": "nan", "y": None}})
    assert cursor.visible  # a malformed move is ignored
    panel.hover_readout.receive({"event": "mouseleave"})
    assert not cursor.visible
    panel.hover(x, 0.6)
    panel.show(t, vmin=-1, vmax=1)  # a new picture: the cell under the cursor may be gone
    assert not cursor.visible


def test_titles_before_the_first_show_name_the_tensors():
    fresh = ParameterPanel(REGIONS, bands=GATES)
    assert fresh.titles() == ["weight_ih_l0 (4H × n_X)", "weight_hh_l0 (4H × H)",
                              "bias_ih_l0 (4H)"]


def test_tensors_that_do_not_split_into_the_gates_are_refused_with_a_sentence(panel):
    bad = tensors(2, 3)
    bad["weight_hh_l0"] = bad["weight_hh_l0"][:7]
    with pytest.raises(ValueError, match="same rows, in 4 equal bands"):
        panel.show(bad, vmin=-1, vmax=1)
