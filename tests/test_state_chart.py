"""The h and c charts without a browser: many units become one picture, unit j stays a line."""

import bqplot as bq
import numpy as np
import pytest

from tests.pictures import decode_rgba
from tests.widget_state import the_mark
from widgets.views.state_chart import StateChart, StepCursor


def thin_lines(chart: StateChart) -> bq.Lines:
    return the_mark(chart.figure, bq.Lines, colors=["#9bb7d4"])


def y_scale(chart: StateChart) -> bq.LinearScale:
    return chart.figure.axes[1].scale


def test_state_chart_draws_many_units_as_one_picture():
    chart = StateChart(name="h_e", bound=1.0)
    few = np.random.default_rng(0).uniform(-1, 1, (13, 8)).astype(np.float32)  # (n_E + 1, H)
    chart.show(few, unit=2, step=3)
    assert not chart.rastered and thin_lines(chart).visible
    assert thin_lines(chart).y.shape == (8, 13)
    many = np.random.default_rng(0).uniform(-1, 1, (13, 40)).astype(np.float32)
    chart.show(many, unit=39, step=3)
    assert chart.rastered and not thin_lines(chart).visible
    rgba = decode_rgba(the_mark(chart.figure, bq.Image).image.value)
    assert rgba.shape == (*StateChart.RASTER_SIZE, 4) and rgba[..., 3].max() > 200
    assert np.all(rgba[rgba[..., 3] > 0, :3] == StateChart.LINE_RGB)  # one colour, many opacities
    unit = the_mark(chart.figure, bq.Lines, colors=["#c0392b"])
    assert list(unit.y) == list(many[:, 39])  # unit j stays a line
    assert (y_scale(chart).min, y_scale(chart).max) == (-1.05, 1.05)  # h: fixed
    chart.show(few, unit=0, step=1)
    assert not chart.rastered and thin_lines(chart).y.shape == (8, 13)


def test_c_chart_range_is_a_round_number_that_rarely_moves():
    chart = StateChart(name="c_e")
    chart.show(np.float32([[0.0, 0.3], [0.7, -1.3]]), unit=0, step=1)
    assert y_scale(chart).max == pytest.approx(1.05 * 2.0)
    chart.show(np.float32([[0.0, 0.3], [0.7, -1.9]]), unit=0, step=1)
    assert y_scale(chart).max == pytest.approx(1.05 * 2.0)


def test_charts_sharing_a_cursor_move_together_in_one_scale_update():
    cursor = StepCursor()
    h, c = StateChart(name="h_e", cursor=cursor), StateChart(name="c_e", cursor=cursor)
    series = np.zeros((11, 3), np.float32)  # n_E = 10
    h.show(series, unit=0, step=1)
    c.show(series, unit=0, step=1)
    h.point(0, 7)
    assert h.cursor_step == c.cursor_step == 7
    assert (cursor.scale.min, cursor.scale.max) == (-7.0, 3.0)  # x = 0 is step 7 of 0..10
