"""The explorer over the whole nn.LSTM (layers, directions, projection, initial state), headless."""

import json
import re

import numpy as np
import pytest

from widgets import LSTMExplorer
from widgets.maths.lstm import init_bound, parameter_count

from .widget_state import by_class


def _update(widget, state) -> None:
    """A comm message from the page, as ipykernel hands it on."""
    widget._handle_msg({"content": {"data": json.loads(json.dumps(
        {"method": "update", "state": state, "buffer_paths": []}))}, "buffers": []})


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def explorer():
    return LSTMExplorer()


def test_at_the_defaults_the_page_is_as_before(explorer):
    assert explorer.query == ("?n_x=5&hidden_size=8&seq_len=12&batch_size=2&seed=0&sample=0"
                              "&step=1&unit=0")
    assert "4H(n_X + H) + 8H = 4·8·(5 + 8) + 8·8" in explorer.checks.value
    assert "output[:, -1, :] equals h_n[-1] (many-to-one read-out)" in explorer.checks.value
    assert explorer.weights.titles()[0] == "weight_ih_l0 (4H × n_X) = (32 × 5)"
    assert explorer.weight_hr_box.children == ()  # no projection, no W_hr
    assert explorer.controls["direction"].disabled


def test_the_stack_settings_rebuild_a_real_module(explorer):
    c = explorer.controls
    c["num_layers"].value = 3
    c["bidirectional"].value = 1
    c["proj_size"].value = 3
    c["h0"].value = "seeded"
    m = explorer.model
    lstm = m.lstm
    assert (lstm.num_layers, lstm.bidirectional, lstm.proj_size) == (3, True, 3)
    assert m.trace.h_n.shape == (6, 2, 3) and m.trace.c_n.shape == (6, 2, 8)
    assert m.trace.output.shape == (2, 12, 6)
    assert np.abs(m.trace.h_0).max() > 0
    assert m.trace.matches
    count = sum(p.numel() for p in lstm.parameters())
    assert count == parameter_count(5, 8, 3, 1, 3)
    assert f"= <b>{count:,}</b>; the module counts <b>{count:,}</b>" in explorer.checks.value
    assert "all 6 cells" in explorer.checks.value
    # every tensor under its state_dict name, with its shape, on demand
    assert explorer.parameters.view.value == ""
    explorer.parameters.toggle.value = True
    table = explorer.parameters.view.value
    for name, p in lstm.named_parameters():
        assert f"<th scope='row'>{name}</th>" in table or f"<td>{name}</td>" in table, name
        assert " × ".join(map(str, p.shape)) in table
    assert "(30 tensors)" in table


def test_the_chosen_cell_s_weights_and_steps(explorer):
    m = explorer.model
    m.configure(num_layers=2, bidirectional=1, proj_size=3)
    explorer.controls["layer"].value = 1
    explorer.controls["direction"].value = 1
    assert (m.layer, m.direction) == (1, 1)
    titles = explorer.weights.titles()
    assert titles[0] == "weight_ih_l1_reverse (4H × 2·H_out) = (32 × 6)"
    assert titles[1] == "weight_hh_l1_reverse (4H × H_out) = (32 × 3)"
    np.testing.assert_array_equal(explorer.weights.values("weight_ih_l1_reverse"),
                                  m.lstm.weight_ih_l1_reverse.numpy())
    assert "layer 0's output: forward | backward" in explorer.weights.summary() or \
        explorer.weights.regions[0].x_label == "layer 0's output: forward | backward"
    assert explorer.weight_hr_box.children == (explorer.weight_hr,)
    assert explorer.weight_hr.title.startswith("weight_hr_l1_reverse (H_out × H) = (3 × 8)")
    np.testing.assert_array_equal(explorer.weight_hr.values, m.lstm.weight_hr_l1_reverse.numpy())
    k = init_bound(8)
    assert explorer.weights.range == (-k, k)
    # the backward direction's first step reads the last element, with the initial state
    m.step = 1
    title = _text(explorer.steps.step_title.value)
    assert "layer 1 backward, step e = 12 of n_E = 12" in title
    assert "walks e = 12..1, so step 1 reads e = 12" in title
    assert "layer 0's output at e = 12 (6 values)" in title
    assert "h_13 and c_13, the initial state: h_0[3] and c_0[3]" in title
    eqs = _text(explorer.steps.unit_equations.value)
    assert "i 12 [0] = σ(W ii [0,:]·x 12" in eqs and "h 13" in eqs
    assert "m 12 [0] = o·tanh(c 12 )" in eqs
    np.testing.assert_array_equal(explorer.steps.strips.values["x"], m.cell.x[0, 0])
    np.testing.assert_array_equal(m.cell.x[0, 0], np.concatenate(
        [m.trace.cell(0, 0).h[0, 12], m.trace.cell(0, 1).h[0, 1]]))
    assert "x_e (D·H_out = 6 values)" in explorer.steps.strips.alt.text
    assert "(H = 8 units each; h has H_out = 3 units)" in explorer.steps.strips.alt.text
    # unit j = 5 is past H_out = 3: the h chart has no bold line, and says so
    m.unit = 5
    assert "unit j is past these units" in explorer.steps.charts["h"].alt.text
    assert "unit j = 5 is the bold line" in explorer.steps.charts["c"].alt.text
    assert "h 12 has H_out = 3 units" in _text(explorer.steps.unit_equations.value)


def test_controls_follow_the_sizes(explorer):
    c, m = explorer.controls, explorer.model
    c["hidden_size"].value = 16
    c["proj_size"].value = 12
    c["hidden_size"].value = 6  # under the projection: it follows
    assert (m.proj_size, c["proj_size"].value, c["proj_size"].max) == (5, 5, 5)
    c["num_layers"].value = 3
    c["layer"].value = 2
    c["num_layers"].value = 2
    assert (m.layer, c["layer"].value, c["layer"].max) == (1, 1, 1)
    c["bidirectional"].value = 1
    assert not c["direction"].disabled
    c["direction"].value = 1
    c["bidirectional"].value = 0
    assert (m.direction, c["direction"].value, c["direction"].disabled) == (0, 0, True)


def test_the_link_carries_the_stack_and_reopens_it(explorer):
    explorer.model.configure(num_layers=2, bidirectional=1, proj_size=4, h0="seeded")
    explorer.model.layer, explorer.model.direction = 1, 1
    query = explorer.query
    assert "num_layers=2&bidirectional=1&proj_size=4&h0=seeded" in query
    assert "layer=1&direction=1" in query
    again = LSTMExplorer(preset=query)
    assert again.query == query and again.message == ""
    np.testing.assert_array_equal(again.model.trace.h_n, explorer.model.trace.h_n)


def test_a_bad_link_becomes_the_nearest_state():
    page = LSTMExplorer(preset="hidden_size=6&proj_size=9&num_layers=0&h0=ones&direction=1")
    m = page.model
    assert (m.proj_size, m.num_layers, m.h0, m.direction) == (5, 1, "zeros", 0)
    for words in ("proj_size=9 is not below H = 6; using 5.", "num_layers=0 is outside 1 to 3",
                  "h0='ones' is not one of zeros, seeded", "direction=1 is outside 0 to 0"):
        assert words in page.message, page.message


@pytest.mark.parametrize(("control", "state", "words"), [
    ("num_layers", {"value": 0}, "layers must be from 1 to 3; 0 was refused."),
    ("num_layers", {"value": "2"}, "layers must be a whole number from 1 to 3; '2' was refused."),
    ("proj_size", {"value": 8}, "proj_size must be from 0 to 7; 8 was refused."),
    ("bidirectional", {"index": 2}, "directions: choose one of the 2 options; 2 was refused."),
    ("h0", {"index": "seeded"}, "h₀, c₀: choose one of the 2 options; 'seeded' was refused."),
    ("layer", {"value": 1}, "layer must be from 0 to 0; 1 was refused."),
])
def test_bad_values_over_the_websocket_get_a_sentence(explorer, control, state, words):
    before = explorer.model.trace
    _update(explorer.controls[control], state)
    assert explorer.message == words
    assert explorer.model.trace is before
    explorer.controls["num_layers"].value = 2  # and the kernel carries on
    assert explorer.model.lstm.num_layers == 2


def test_proj_size_not_below_h_is_refused_by_the_model(explorer):
    from traitlets import TraitError

    with pytest.raises(TraitError, match="proj_size must be below H = 8"):
        explorer.model.proj_size = 8
    assert explorer.model.proj_size == 0 and explorer.model.trace.matches


def test_every_figure_of_the_stack_is_said_in_words(explorer):
    explorer.model.configure(num_layers=2, bidirectional=1, proj_size=2)
    assert "weight_ih_l0 (4H by n_X)" in explorer.weights.alt.text
    assert explorer.weight_hr.alt.text.startswith("Heatmap weight_hr_l0 (H_out × H) = (2 × 8)")
    explorer.model.proj_size = 0
    assert explorer.weight_hr_box.children == ()
    assert by_class(explorer, "parameters-view") is explorer.parameters.view


def test_output_and_h_n_are_drawn_on_demand_and_follow_the_model(explorer):
    m, toggle = explorer.model, explorer.outputs_toggle
    assert not toggle.value and explorer.outputs_box.children == ()  # closed: nothing drawn
    m.bidirectional = 1
    assert explorer.outputs.grids["h_n"].title == ""  # and nothing computed for it
    toggle.value = True
    assert toggle.description == "Hide output and (h_n, c_n)"
    assert explorer.outputs_box.children == (explorer.outputs,)
    h_n_title = "<b>h_n</b> (D·L, b_S, H_out) = "
    assert explorer.outputs.grids["h_n"].title.startswith(h_n_title + "(2, 2, 8)")
    np.testing.assert_array_equal(explorer.outputs.grids["h_n"].values, m.trace.h_n[:, 0])
    m.num_layers = 2  # open: it follows a rebuild
    assert explorer.outputs.grids["h_n"].title.startswith(h_n_title + "(4, 2, 8)")
    m.sample = 1  # and the sequence shown
    np.testing.assert_array_equal(explorer.outputs.grids["output"].values, m.trace.output[1])
    toggle.value = False
    assert explorer.outputs_box.children == ()
    _update(toggle, {"value": "yes"})  # a bad value from the page
    assert "was refused" in explorer.message and not toggle.value


def test_unit_j_is_marked_in_the_weights_and_the_strips_and_the_bands_are_named(explorer):
    m = explorer.model
    m.unit = 3
    assert explorer.weights.marked_rows == [3, 11, 19, 27]  # row k·H + j of each gate band
    assert explorer.steps.strips.marked_unit == 3
    bands = explorer.bands.value
    assert "W_if = weight_ih_l0[8:16]" in bands and "W_ho = weight_hh_l0[24:32]" in bands
    assert "<code>_l0</code> means layer 0" in bands
    m.hidden_size = 4  # unit 3 still exists: its rows move with H
    assert explorer.weights.marked_rows == [3, 7, 11, 15]
    assert "W_if = weight_ih_l0[4:8]" in explorer.bands.value
    m.configure(num_layers=2, bidirectional=1)
    m.layer, m.direction = 1, 1
    assert "W_ig = weight_ih_l1_reverse[8:12]" in explorer.bands.value
    assert "<code>_l1_reverse</code> means layer 1, the backward direction" in explorer.bands.value
    m.unit = 1
    assert explorer.weights.marked_rows == [1, 5, 9, 13]
    assert explorer.steps.strips.marked_unit == 1


def test_the_gates_are_said_in_words_once():
    from widgets.views.step_panel import GATE_WORDS

    page = LSTMExplorer()
    text = _text(GATE_WORDS)
    for words in ("the input gate", "the forget gate", "the cell candidate", "the output gate",
                  "σ is the sigmoid", "tanh turns it", "⊙ multiplies two vectors"):
        assert words in text
    shown = [w for w in page.steps.children if getattr(w, "value", None) == GATE_WORDS]
    assert len(shown) == 1
