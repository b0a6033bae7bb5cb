"""The strips of one step without a browser: every step in one picture, a step only moves it."""

import bqplot as bq
import numpy as np

from tests.widget_state import by_class, the_mark
from widgets.views.colors import DIVERGING, SEQUENTIAL
from widgets.views.strips import STRIP_PALETTE, STRIPS, StripStack, strip_colors, strips_picture
from widgets.views.text_alternative import plain


def picture_mark(stack: StripStack) -> bq.Image:
    return the_mark(stack.figure, bq.Image)


def tick_labels(stack: StripStack) -> bq.Label:
    """The column numbers under the strips (11 px; the strip names are 13, the axis label 12)."""
    return the_mark(stack.figure, bq.Label, default_size=11)


def test_strips_picture_is_every_step_and_strip_on_its_own_range():
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
    stack = StripStack()
    n_e = 5
    values = {s.key: np.zeros((n_e, 4), np.float32) for s in STRIPS}
    values["h"] = np.arange(n_e * 4, dtype=np.float32).reshape(n_e, 4) / 100
    stack.show(values, step=1)
    mark = picture_mark(stack)
    picture = mark.image
    assert list(mark.y) == [n_e * 9 - 0.5, -0.5]  # step 1's rows fill -0.5 .. 8.5
    stack.show_step(4)
    assert mark.image is picture  # the same picture, moved
    assert list(mark.y) == [(n_e - 3) * 9 - 0.5, -0.5 - 27]  # step 4's rows on screen
    assert np.array_equal(stack.values["h"], values["h"][3])
    assert stack.step == 4


def test_strip_hover_names_the_quantity_at_its_step():
    stack = StripStack()
    values = {s.key: np.tile(np.arange(8, dtype=np.float32) / 10, (3, 1)) for s in STRIPS}
    values["x"] = values["x"][:, :4]  # n_X = 4 < H = 8: x_e ends halfway
    stack.show(values, step=3)
    readout, cursor = by_class(stack, "strips-readout"), stack.hover_readout.cursor
    row = [s.key for s in STRIPS].index("h_prev")
    # x is a fraction of the widest strip: column 2 of 8 spans 0.25 to 0.375
    stack.hover(0.3, row + 0.2)
    assert readout.value.startswith("h<sub>2</sub>[2] = <b>+0.2000</b>")  # h_(e-1), e = 3
    assert list(cursor.x[:2]) == [0.25, 0.375] and cursor.visible
    stack.hover(0.9, [s.key for s in STRIPS].index("h"))
    assert readout.value.startswith("h<sub>3</sub>[7] = <b>+0.7000</b>")
    stack.hover(0.9, 0)  # past the end of x_e: no cell there
    assert not cursor.visible and readout.value.startswith("h<sub>3</sub>[7]")


def test_strips_change_width_without_moving_a_scale():
    stack = StripStack()
    for width in (4, 256, 1):
        stack.show({s.key: np.zeros((2, width), np.float32) for s in STRIPS}, step=1)
        mark = picture_mark(stack)
        assert (mark.scales["x"].min, mark.scales["x"].max) == (0.0, 1.0)
        assert list(mark.x) == [0.0, 1.0]
        ticks = tick_labels(stack)
        assert ticks.text[0] == "0" and len(ticks.text) <= 17
    assert list(tick_labels(stack).x) == [0.5]  # one strip cell: its tick in the middle


def test_every_strip_has_a_colour_bar_on_its_own_range_that_names_it():
    """The learner's case: c was coloured on ±2 while the only diverging bar read ±1."""
    from widgets.views.step_panel import StepPanel

    panel = StepPanel()
    bars = {bar.range: plain(bar._caption.value) for bar in panel.strip_bars}
    for strip in STRIPS:
        name = strip.key.removesuffix("_prev")
        caption = bars[(strip.vmin, strip.vmax)]  # a bar on exactly this strip's range
        assert name in caption.replace("σ: ", "").split(", "), (strip.key, caption)
    assert bars[(-2.0, 2.0)] == "c" and bars[(0.0, 1.0)] == "σ: i, f, o"
    # and the bar draws the colours the strip uses: its ends are the strip's ends
    for strip in STRIPS:
        bar = next(b for b in panel.strip_bars if b.range == (strip.vmin, strip.vmax))
        assert bar.alt.text and f"{strip.vmax:g}" in bar.alt.text
