"""The "output and (h_n, c_n)" view without a browser: the grids are nn.LSTM's own tensors, the
boxes sit on cells holding equal numbers, pointing (mouse or keyboard) names a cell's twin, the
page's bad values are refused, and the checks say what torch.equal said."""

import dataclasses
import json

import bqplot as bq
import numpy as np
import pytest
import torch

from tests.pictures import decode_png
from tests.widget_state import classes, sent, the_mark
from widgets.maths.lstm import LSTMConfig
from widgets.maths.lstm_stack import Equality, run
from widgets.views.colors import color_indices
from widgets.views.hover import HINT
from widgets.views.outputs_text import outputs_tables
from widgets.views.outputs_view import BOUNDS, OutputsView
from widgets.views.text_alternative import FigureText, plain

UNI = LSTMConfig(n_x=3, hidden_size=5, seq_len=6, batch_size=2, seed=1)
STACK = LSTMConfig(n_x=4, hidden_size=6, seq_len=7, batch_size=3, seed=2, num_layers=3,
                   bidirectional=1, proj_size=3)


@pytest.fixture(scope="module")
def traces():
    return {config: run(config) for config in (UNI, STACK)}


def shown(traces, config, sample=0):
    view = OutputsView()
    view.show(traces[config][2], sample)
    return view


def boxes(grid) -> list[tuple[int, int, int, int]]:
    """The permanent boxes a grid draws, read back as (row0, row1, col0, col1) inclusive."""
    mark = the_mark(grid.figure, bq.Lines, stroke_width=3)
    if not mark.visible:
        return []
    return [(int(y.min() + 0.5), int(y.max() - 0.5), int(x.min() + 0.5), int(x.max() - 0.5))
            for x, y in zip(np.atleast_2d(mark.x), np.atleast_2d(mark.y), strict=True)]


def cursor_cell(grid) -> tuple[int, int] | None:
    """The cell a grid's cursor outlines, or None when it is hidden."""
    cursor = grid.hover_readout.cursor
    if not cursor.visible:
        return None
    return int(np.min(cursor.y) + 0.5), int(np.min(cursor.x) + 0.5)


def mouse(grid, row, col):
    """A mouse move over (row, col) as the browser sends it."""
    grid.hover_readout.receive({"event": "mousemove", "domain": {"x": col + 0.1, "y": row - 0.2}})


def _update(widget, state) -> None:
    """What ipykernel hands a widget for an update message from the page."""
    data = {"method": "update", "state": state, "buffer_paths": []}
    widget._handle_msg({"content": {"data": json.loads(json.dumps(data))}, "buffers": []})


@pytest.mark.parametrize("config", [UNI, STACK], ids=["1-layer-uni", "3-layers-bi-proj"])
def test_grids_are_the_module_tensors_with_their_live_shapes(traces, config):
    lstm, x, trace = traces[config]
    with torch.no_grad():
        output, (h_n, c_n) = lstm(x, (torch.as_tensor(trace.h_0), torch.as_tensor(trace.c_0)))
    D, L, H_out, H = config.D, config.num_layers, config.H_out, config.hidden_size
    b_s, n_e = config.batch_size, config.seq_len
    assert output.shape == (b_s, n_e, D * H_out)
    view = OutputsView()
    for s in range(b_s):
        view.show(trace, s)
        expected = {"output": output[s].numpy(), "h_n": h_n[:, s].numpy(),
                    "c_n": c_n[:, s].numpy()}
        for name, values in expected.items():
            grid = view.grids[name]
            assert np.array_equal(grid.values, values)
            indices, _ = decode_png(grid.png)
            assert np.array_equal(indices, color_indices(values, -BOUNDS[name], BOUNDS[name]))
        titles = {name: plain(grid.title) for name, grid in view.grids.items()}
        assert titles["output"] == (
            f"output (b_S, n_E, D·H_out) = ({b_s}, {n_e}, {D * H_out}); drawn for sequence "
            f"s = {s}: output[{s}] ({n_e} × {D * H_out})")
        assert titles["h_n"] == (f"h_n (D·L, b_S, H_out) = ({D * L}, {b_s}, {H_out}); drawn for "
                                 f"sequence s = {s}: h_n[:, {s}] ({D * L} × {H_out})")
        assert titles["c_n"] == (f"c_n (D·L, b_S, H) = ({D * L}, {b_s}, {H}); drawn for "
                                 f"sequence s = {s}: c_n[:, {s}] ({D * L} × {H})")
    # the rows of h_n and c_n are named by layer and direction, row l·D + d
    labels = [m for m in view.grids["h_n"].figure.marks if isinstance(m, bq.Label) and m.visible]
    assert [list(m.text) for m in labels] == [
        [f"{layer * D + d}: layer {layer} {('forward', 'backward')[d]}"
         for layer in range(L) for d in range(D)]]


def test_forward_and_backward_halves_are_divided_and_labelled(traces):
    view = shown(traces, STACK)
    out = view.grids["output"]
    # vertical rules on the unit scale across the cells (the gate bands' rules are horizontal)
    rules = [m for m in out.figure.marks if isinstance(m, bq.Lines)
             and m.scales["x"] is out.unit_scales["x"] and np.ptp(np.atleast_2d(m.x)) == 0]
    halves = the_mark(out.figure, bq.Label, visible=True)
    assert len(rules) == 2 and all(r.visible for r in rules)
    assert [float(np.ravel(r.x)[0]) for r in rules] == [0.5, 0.5]  # 3 columns each side
    assert np.allclose(halves.x, [0.25, 0.75])
    assert list(halves.text) == ["forward: columns 0 to 2", "backward: columns 3 to 5"]
    view.show(traces[UNI][2], 0)
    assert not any(r.visible for r in rules)
    assert list(halves.text) == ["forward: columns 0 to 4"]


@pytest.mark.parametrize("config", [UNI, STACK], ids=["1-layer-uni", "3-layers-bi-proj"])
def test_twin_boxes_sit_on_cells_holding_equal_numbers(traces, config):
    trace = traces[config][2]
    D, L, H_out, n_e = config.D, config.num_layers, config.H_out, config.seq_len
    for s in range(config.batch_size):
        view = shown(traces, config, s)
        on_output, on_h_n = boxes(view.grids["output"]), boxes(view.grids["h_n"])
        assert boxes(view.grids["c_n"]) == []
        assert len(on_output) == len(on_h_n) == D
        for (e, e1, c0, c1), (row, row1, u0, u1) in zip(on_output, on_h_n, strict=True):
            assert e == e1 and row == row1 and (c1 - c0, u0, u1) == (H_out - 1, 0, H_out - 1)
            # the boxed cells hold the same numbers, bit for bit
            assert np.array_equal(trace.output[s, e, c0:c1 + 1], trace.h_n[row, s])
        # the last layer: forward at the last position, backward at the first
        assert on_output[0][:3] == (n_e - 1, n_e - 1, 0) and on_h_n[0][0] == (L - 1) * D
        if D == 2:
            assert on_output[1][:3] == (0, 0, H_out) and on_h_n[1][0] == (L - 1) * D + 1


def test_hover_on_a_twin_names_it_and_outlines_it_in_the_other_grid(traces):
    trace = traces[STACK][2]
    view = shown(traces, STACK, 1)
    out, h_n, c_n = (view.grids[k] for k in ("output", "h_n", "c_n"))
    n_e = STACK.seq_len
    mouse(out, n_e - 1, 2)
    text = plain(view.readout.value)
    assert text.startswith(f"output[1, {n_e - 1}, 2] = {trace.output[1, -1, 2]:+.4f}")
    assert "the same number as h_n[4, 1, 2]" in text and "forward direction of the last layer" \
        in text
    assert cursor_cell(out) == (n_e - 1, 2) and cursor_cell(h_n) == (4, 2)
    assert trace.output[1, -1, 2] == h_n.values[4, 2]
    assert cursor_cell(c_n) is None
    # from h_n's side: the backward final state is at position 0 of output
    mouse(h_n, 5, 1)
    assert "the same number as output[1, 0, 4]" in plain(view.readout.value)
    assert cursor_cell(out) == (0, 4) and cursor_cell(h_n) == (5, 1)
    # the mouse leaving takes the twin's outline too; the read-out keeps the cell
    h_n.hover_readout.receive({"event": "mouseleave"})
    assert cursor_cell(out) is cursor_cell(h_n) is None and view.pointed is None
    assert "output[1, 0, 4]" in plain(view.readout.value)


def test_hover_on_a_lower_layer_or_on_c_n_says_nowhere(traces):
    view = shown(traces, STACK)
    mouse(view.grids["output"], 0, 0)  # outline something first
    mouse(view.grids["h_n"], 0, 2)
    text = plain(view.readout.value)
    assert text.startswith("h_n[0, 0, 2] = ") and "(layer 0, forward)" in text
    assert "appears nowhere in output" in text
    assert cursor_cell(view.grids["output"]) is None
    mouse(view.grids["c_n"], 3, 5)
    text = plain(view.readout.value)
    assert "c_n[3, 0, 5]" in text and "output holds h, never the cell state c" in text
    assert "H = 6 units, h has H_out = 3" in text
    assert cursor_cell(view.grids["output"]) is cursor_cell(view.grids["h_n"]) is None


def test_the_backward_half_of_the_last_position_is_not_its_final_state(traces):
    view = shown(traces, STACK)
    n_e, H_out = STACK.seq_len, STACK.H_out
    mouse(view.grids["output"], n_e - 1, H_out)
    text = plain(view.readout.value)
    assert f"backward h after reading position {n_e - 1}" in text
    assert "read only the last element" in text
    assert cursor_cell(view.grids["h_n"]) is None


def test_keyboard_controls_point_as_the_mouse_does(traces):
    view = shown(traces, STACK)
    c = view.controls
    for key in ("twin_tensor", "twin_row", "twin_col"):
        assert f"ctl-{key}" in classes(c[key]) and len(c[key].tooltip) > 10
    mouse(view.grids["h_n"], 4, 1)
    by_mouse = (view.readout.value, cursor_cell(view.grids["output"]))
    view.grids["h_n"].hover_readout.receive({"event": "mouseleave"})
    view.readout.value = HINT
    # as the page sends them: the toggle by index, the sliders by value
    _update(c["twin_tensor"], {"index": 1})
    assert c["twin_tensor"].value == "h_n"
    D, L, H_out = STACK.D, STACK.num_layers, STACK.H_out
    assert (c["twin_row"].max, c["twin_col"].max) == (D * L - 1, H_out - 1)
    _update(c["twin_row"], {"value": 4})
    _update(c["twin_col"], {"value": 1})
    assert (view.readout.value, cursor_cell(view.grids["output"])) == by_mouse
    assert cursor_cell(view.grids["h_n"]) == (4, 1) and view.pointed == ("h_n", 4, 1)
    # c_n has H units: the column slider follows
    _update(c["twin_tensor"], {"index": 2})
    assert c["twin_col"].max == STACK.hidden_size - 1
    assert "never the cell state c" in view.readout.value
    assert cursor_cell(view.grids["h_n"]) is None and cursor_cell(view.grids["c_n"]) == (4, 1)
    # a new sequence reads the same cell again, with its numbers
    view.show(traces[STACK][2], 2)
    assert view.readout.value.startswith("<b>c_n[4, 2, 1]</b>")


@pytest.mark.parametrize(
    ("key", "state", "expected"),
    [("twin_row", {"value": 99}, "row must be from 0 to 6; 99 was refused."),
     ("twin_col", {"value": "2"}, "column must be a whole number from 0 to 5; '2' was refused."),
     ("twin_col", {"max": 10**9}, "column: the page may only move the value, not max."),
     ("twin_tensor", {"index": 7}, "cell of: choose one of the 3 options; 7 was refused."),
     ("twin_tensor", {"index": True}, "cell of: choose one of the 3 options; True was refused.")])
def test_bad_values_from_the_page_are_refused_with_a_sentence(traces, key, state, expected):
    view = shown(traces, STACK)
    heard = []
    for control in view.controls.values():
        control.on_reject(lambda _control, message: heard.append(message))
    before = {k: (c.value, c.min if hasattr(c, "min") else None)
              for k, c in view.controls.items()}
    _update(view.controls[key], state)
    assert heard == [expected]
    assert {k: (c.value, c.min if hasattr(c, "min") else None)
            for k, c in view.controls.items()} == before
    assert view.pointed is None and view.readout.value == HINT


def test_badges_follow_the_trace_equalities(traces):
    trace = traces[STACK][2]
    view = shown(traces, STACK)
    checks = view.checks.value
    assert checks.count("class='twin-check'") == len(trace.equalities)
    assert "badge-bad" not in checks and checks.count("badge-ok") == len(trace.equalities)
    assert "torch.equal(output[:, -1, :H_out], h_n[-2]) → True</code>: output[:, -1, :H_out] " \
           "equals h_n[-2]" in checks
    assert "output[:, -1, H_out:] differs from h_n[-1]" in checks  # the pitfall, as claimed
    assert "c_n[5] appears nowhere in output" in checks
    # a trace whose claim failed: the badge says so in words
    broken = dataclasses.replace(trace, equalities=(
        Equality("output[:, -1, :H_out]", "h_n[-2]", False, True, "the forward direction"),
        Equality("h_n[0]", "any block of output", True, False, "layer 0's final state")))
    view.show(broken, 0)
    checks = view.checks.value
    assert checks.count("badge-bad") == 2 and "badge-ok" not in checks
    assert "output[:, -1, :H_out] differs from h_n[-2], not what PyTorch's layout says" in checks
    assert "h_n[0] equals a block of output, not what PyTorch's layout says" in checks


def test_the_pitfall_is_said_when_bidirectional_and_truthfully_at_one_element(traces):
    view = shown(traces, UNI)
    assert view.pitfall.layout.display == "none"
    view.show(traces[STACK][2], 0)
    text = plain(view.pitfall.value)
    assert view.pitfall.layout.display is None
    assert "backward direction's state after it has read only the last element" in text
    assert "h_n[-2] and h_n[-1] together" in text and "n_E = 1" not in text
    one = dataclasses.replace(STACK, seq_len=1)
    trace = run(one)[2]
    pitfall_check = next(eq for eq in trace.equalities if eq.left == "output[:, -1, H_out:]")
    assert pitfall_check.holds and pitfall_check.as_claimed
    view.show(trace, 0)
    assert "Here n_E = 1" in plain(view.pitfall.value)
    assert "output[:, -1, H_out:] equals h_n[-1]" in view.checks.value


def test_text_alternatives_and_tables(traces):
    trace = traces[STACK][2]
    view = shown(traces, STACK, 1)
    alts = [view.alt, *(g.alt for g in view.grids.values())]
    assert all(isinstance(a, FigureText) and a.text for a in alts)
    assert "output[1, 6, 0:3] is h_n[4, 1]" in view.alt.text
    assert "output[1, 0, 3:6] is h_n[5, 1]" in view.alt.text
    assert "Rows 0 to 3 of h_n (the lower layers) appear nowhere in output" in view.alt.text
    tables = outputs_tables(trace, 1)
    assert tables.count("<table") == 3
    assert f"{trace.h_n[5, 1, 2]:+.4f}" in tables and f"{trace.c_n[0, 1, 5]:+.4f}" in tables
    assert "at positions 0 and 6 only" in tables


def test_the_largest_sizes_stay_one_picture_a_grid_and_tables_stay_bounded():
    config = LSTMConfig(n_x=64, hidden_size=256, seq_len=200, batch_size=16, num_layers=3,
                        bidirectional=1)
    trace = run(config)[2]
    view = OutputsView()
    view.show(trace, 15)
    indices, _ = decode_png(view.grids["output"].png)
    assert indices.shape == (200, 512)
    tables = outputs_tables(trace, 15)
    # output's table: the two positions with twins, a row a column; not 200 positions
    assert tables.count("<tr>") == 1 + 256 + 1 + 256 + 1 + 512
    assert "the other 198 positions are in the figure" in tables
    # a new sequence: each grid's picture, title and text, the view's text and read-out
    with sent(*_every_widget(view)) as log:
        view.show(trace, 3)
    assert len(log) <= 14
    pictures = {id(g.figure.marks[0]) for g in view.grids.values()}
    assert {id(w) for w, _ in log if isinstance(w, bq.Image)} <= pictures


def _every_widget(box):
    found, todo = [], [box]
    while todo:
        widget = todo.pop()
        found.append(widget)
        todo.extend(getattr(widget, "children", ()))
        if isinstance(widget, bq.Figure):
            for mark in widget.marks:
                found.append(mark)
                image = getattr(mark, "image", None)
                found.extend(w for w in (image, getattr(mark, "_spare_image", None)) if w)
    return found
