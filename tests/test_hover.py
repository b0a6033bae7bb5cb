"""The hover read-out the heatmap, the parameter panel and the strips share, read as the page
reads it: the read-out line by its CSS class, the cursor mark, the messages a move sends."""

import json
import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pytest

from tests.widget_state import by_class, sent
from widgets.maths.lstm import GATES
from widgets.views.heatmap import MatrixHeatmap
from widgets.views.hover import HINT, mouse_event
from widgets.views.panel_layout import Region
from widgets.views.parameter_panel import ParameterPanel
from widgets.views.strips import STRIPS, StripStack

REGIONS = (Region("weight_ih_l0", "4H × n_X", "input feature k", 250),
           Region("weight_hh_l0", "4H × H", "hidden unit", 360))


class Case(NamedTuple):
    """A view showing known numbers, a point on it, and what the page should then show."""

    view: MatrixHeatmap | ParameterPanel | StripStack
    at: tuple[float, float]  # data coordinates, as the MouseInteraction reports them
    text: str  # the read-out's HTML
    outline: tuple[list[float], list[float]]  # the cursor's closed path
    css_class: str  # the read-out's class, which the e2e tests and bench select on
    renew: Callable[[], str]  # show new numbers, same shapes; the read-out then expected
    shrink: Callable[[], None]  # show smaller tensors, without the cell pointed at


def heatmap() -> Case:
    hm = MatrixHeatmap(bands=GATES)
    values = np.arange(16 * 3, dtype=np.float32).reshape(16, 3) / 100
    hm.show(values, title="", vmin=-1, vmax=1)

    def renew() -> str:
        hm.show(-values, title="", vmin=-1, vmax=1)
        return "row 9 (gate g, unit 1), column 2: <b>-0.2900</b>"

    # row 9 is the third band (gate g, H = 4), column 2; cells are centred on integers
    return Case(hm, (2.2, 8.7), "row 9 (gate g, unit 1), column 2: <b>+0.2900</b>",
                ([1.5, 2.5, 2.5, 1.5, 1.5], [8.5, 8.5, 9.5, 9.5, 8.5]), "heatmap-readout",
                renew, lambda: hm.show(values[:, :2], title="", vmin=-1, vmax=1))


def panel() -> Case:
    p = ParameterPanel(REGIONS, bands=GATES)
    w_hh = np.arange(16 * 4, dtype=np.float32).reshape(16, 4) / 100
    w_ih = np.zeros((16, 5), np.float32)
    p.show({"weight_ih_l0": w_ih, "weight_hh_l0": w_hh}, vmin=-1, vmax=1)

    def renew() -> str:
        p.show({"weight_ih_l0": w_ih, "weight_hh_l0": -w_hh}, vmin=-1, vmax=1)
        return "<b>weight_hh_l0</b> row 9 (gate g, unit 1), column 2: <b>-0.3800</b>"

    def shrink() -> None:  # H = 2: 8 rows, 2 columns
        p.show({"weight_ih_l0": w_ih[:8], "weight_hh_l0": w_hh[:8, :2]}, vmin=-1, vmax=1)

    x0 = p.layout_px.starts[1] + 180  # weight_hh_l0: 360 px for 4 columns, 16 rows over [0, 1]
    return Case(p, (x0 + 45, 0.6),
                "<b>weight_hh_l0</b> row 9 (gate g, unit 1), column 2: <b>+0.3800</b>",
                ([x0, x0 + 90, x0 + 90, x0, x0], [9 / 16, 9 / 16, 10 / 16, 10 / 16, 9 / 16]),
                "heatmap-readout", renew, shrink)


def strips() -> Case:
    stack = StripStack()
    values = {s.key: np.tile(np.arange(4, dtype=np.float32) / 10, (3, 1)) for s in STRIPS}
    stack.show(values, step=3)

    def renew() -> str:
        stack.show({k: -v for k, v in values.items()}, step=2)  # the step shown is named
        return ("h<sub>1</sub>[2] = <b>-0.2000</b> "
                "<span class='hint'>(colour range -1 to 1)</span>")

    row = [s.key for s in STRIPS].index("h_prev")
    # x is a fraction of the widest strip (column 2 of 4 spans 0.5 to 0.75), y a strip's index
    return Case(stack, (0.6, row + 0.2),
                "h<sub>2</sub>[2] = <b>+0.2000</b> "
                "<span class='hint'>(colour range -1 to 1)</span>",
                ([0.5, 0.75, 0.75, 0.5, 0.5],
                 [row - 0.4, row - 0.4, row + 0.4, row + 0.4, row - 0.4]), "strips-readout",
                renew, lambda: stack.show({k: v[:, :2] for k, v in values.items()}, step=3))


@pytest.fixture(params=[heatmap, panel, strips], ids=lambda build: build.__name__)
def case(request) -> Case:
    return request.param()


def test_the_figure_reports_the_mouse_on_its_own_scales_every_40_ms(case):
    component = case.view
    hover = component.hover_readout
    interaction = component.figure.interaction
    assert interaction is hover.interaction
    assert interaction.move_throttle == 40 and interaction.events == ["mousemove", "mouseleave"]
    picture = component.figure.marks[0]
    assert (interaction.x_scale, interaction.y_scale) == (picture.scales["x"], picture.scales["y"])
    assert component.figure.marks[-1] is hover.cursor and not hover.cursor.visible
    assert by_class(component, case.css_class) is hover.readout and hover.readout.value == HINT


def test_a_hover_names_the_cell_and_outlines_it(case):
    component, (x, y) = case.view, case.at
    component.hover(x, y)
    assert by_class(component, case.css_class).value == case.text
    cursor = component.hover_readout.cursor
    assert cursor.visible
    assert np.allclose(cursor.x, case.outline[0]) and np.allclose(cursor.y, case.outline[1])
    assert cursor.x.dtype == cursor.y.dtype == np.float32
    component.hover(-1e308, y)  # off the cells: the cursor goes, the read-out stays
    assert not cursor.visible and by_class(component, case.css_class).value == case.text


def test_a_rebuild_reads_the_cell_named_again_or_goes_back_to_the_hint(case):
    """Never a stale read-out: new numbers are read for the same cell; without the cell, the
    hint. The cursor stays where it was (a rebuild that moves the cells hides it)."""
    hover = case.view.hover_readout
    case.view.hover(*case.at)
    expected = case.renew()
    assert hover.readout.value == expected != case.text
    case.shrink()
    assert hover.readout.value == HINT and not hover.cursor.visible
    case.renew()  # the cell is back, but nothing points at it
    assert hover.readout.value == HINT


def test_a_read_out_another_figure_wrote_since_is_left_to_it(case):
    """A read-out line shared by figures: a rebuild rereads only the cell it names."""
    hover = case.view.hover_readout
    case.view.hover(*case.at)
    hover.readout.value = "another figure's cell"
    case.renew()
    assert hover.readout.value == "another figure's cell"


def test_the_read_out_has_a_fixed_area_that_never_widens_the_figure(case):
    layout = by_class(case.view, case.css_class).layout
    assert layout.height and layout.min_height == layout.max_height == layout.height
    # clipped, not scrolled: a scroll box is a region no key reaches (axe-core, serious)
    assert layout.overflow == "hidden"
    assert (layout.width, layout.min_width) == ("0", "100%")  # fills, never sets, the width
    assert layout.margin == "0" and layout.padding == "0 0 0 8px"  # never overflows its box


@pytest.mark.parametrize("content", [
    {"event": "mousemove", "domain": {"x": math.nan, "y": 1.0}},
    {"event": "mousemove", "domain": {"x": 0.5, "y": math.inf}},
    {"event": "mousemove", "domain": {"x": True, "y": "3"}},
    {"event": "mousemove", "domain": [1, 2]},
    {"event": "mousemove"},
    {"event": "click", "domain": {"x": 0.5, "y": 0.5}},
    "mousemove",
    None,
])
def test_a_message_with_garbage_coordinates_is_ignored(case, content):
    hover = case.view.hover_readout
    case.view.hover(*case.at)
    before = (hover.readout.value, list(hover.cursor.x), list(hover.cursor.y))
    with sent(hover.readout, hover.cursor) as messages:
        hover.receive(json.loads(json.dumps(content)))  # as the kernel parses it: NaN a float
    assert messages == []
    assert (hover.readout.value, list(hover.cursor.x), list(hover.cursor.y)) == before
    assert hover.cursor.visible


def test_the_mouse_leaving_hides_the_cursor(case):
    hover = case.view.hover_readout
    x, y = case.at
    hover.receive({"event": "mousemove", "domain": {"x": x, "y": y}})
    assert hover.cursor.visible
    with sent(hover.readout, hover.cursor) as messages:
        hover.receive({"event": "mouseleave"})
    assert not hover.cursor.visible
    assert [(w, d["state"]) for w, d in messages] == [(hover.cursor, {"visible": False})]
    assert by_class(case.view, case.css_class).value == case.text


def test_a_comm_message_from_the_page_moves_the_cursor_in_one_message_a_widget(case):
    """The path a real mouse takes: the kernel hands the comm the message the page sent."""
    hover = case.view.hover_readout
    x, y = case.at

    def from_page(content):
        msg = {"content": {"comm_id": hover.interaction.comm.comm_id,
                           "data": {"method": "custom", "content": content}}, "buffers": []}
        hover.interaction.comm.handle_msg(json.loads(json.dumps(msg)))

    with sent(hover.readout, hover.cursor) as messages:
        from_page({"event": "mousemove", "domain": {"x": x, "y": y}})
    assert [w for w, _ in messages] == [hover.readout, hover.cursor]
    assert messages[0][1]["state"] == {"value": case.text}
    assert messages[1][1]["method"] == "update"
    assert set(messages[1][1]["state"]) == {"x", "y", "visible"}  # outline and all, batched
    assert np.allclose(hover.cursor.x, case.outline[0])
    from_page({"event": "mouseleave"})
    assert not hover.cursor.visible


def test_mouse_event_keeps_only_finite_numbers():
    assert mouse_event({"event": "mousemove", "domain": {"x": 1, "y": 2.5}}) == ("mousemove", 1,
                                                                                 2.5)
    assert mouse_event({"event": "mousemove", "domain": {"x": 1e308, "y": -1e308}})[1:] == (
        1e308, -1e308)
    assert mouse_event({"event": "mousemove", "domain": {"x": 1, "y": math.nan}}) == (
        "mousemove", None, None)
    assert mouse_event({"event": "mouseleave"}) == ("mouseleave", None, None)
    assert mouse_event(["mousemove"]) == (None, None, None)
