"""The step view and the weights in words: each figure's FigureText follows the live model, and a
step (Play moves it ~25 times a second) sends none of them a message."""

import numpy as np
import pytest

from widgets import LSTMExplorer, TrainingExplorer, TrainingModel
from widgets.store.model_cache import ModelCache
from widgets.views.text_alternative import FigureText


def span(values) -> str:
    """'from lo to hi' with two decimals, written here rather than by the code under test."""
    values = np.asarray(values, dtype=np.float64)
    return f"from {values.min():.2f} to {values.max():.2f}"


def alts(dashboard) -> dict[str, FigureText]:
    """The text alternatives of the weights, the strips and both state charts."""
    steps = dashboard.steps
    return {"weights": dashboard.weights.alt, "strips": steps.strips.alt,
            "h": steps.charts["h"].alt, "c": steps.charts["c"].alt}


def count_messages(dashboard) -> dict[str, list]:
    """Every new value each alt widget takes (what would go to the page), by name."""
    sent = {name: [] for name in alts(dashboard)}
    for name, alt in alts(dashboard).items():
        alt.observe(lambda change, name=name: sent[name].append(change["new"]), names="value")
    return sent


@pytest.fixture
def explorer():
    return LSTMExplorer()


@pytest.fixture
def training(tmp_path):
    return TrainingExplorer(TrainingModel(cache=ModelCache(tmp_path / "models")),
                            preset="epochs=3")


def test_each_alt_sits_just_before_its_figure(explorer):
    views = [explorer.weights, explorer.steps.strips, *explorer.steps.charts.values()]
    for view in views:
        children = list(view.children)
        k = children.index(view.figure)
        assert k > 0 and children[k - 1] is view.alt and isinstance(view.alt, FigureText)
        assert view.alt.text and view.alt.value == f"<p>{view.alt.text}</p>"


def test_weights_alt_names_each_tensor_with_its_shape_and_range(explorer):
    p = explorer.model.weights()
    text = explorer.weights.alt.text
    assert (f"weight_ih_l0 (4H by n_X), 32 by 5, values {span(p['weight_ih_l0'])}; "
            f"weight_hh_l0 (4H by H), 32 by 8, values {span(p['weight_hh_l0'])}; "
            f"bias_ih_l0 (4H), 32 values {span(p['bias_ih_l0'])}; "
            f"bias_hh_l0 (4H), 32 values {span(p['bias_hh_l0'])}.") in text
    assert "Rows in 4 gate bands of 8, top to bottom: i, f, g, o." in text
    assert "coloured on one scale from -0.35 to 0.35 (±1/√H = ±0.354)" in text

    explorer.model.hidden_size = 16
    explorer.model.n_x = 3
    p = explorer.model.weights()
    text = explorer.weights.alt.text
    assert f"weight_ih_l0 (4H by n_X), 64 by 3, values {span(p['weight_ih_l0'])}" in text
    assert f"weight_hh_l0 (4H by H), 64 by 16, values {span(p['weight_hh_l0'])}" in text
    assert f"bias_hh_l0 (4H), 64 values {span(p['bias_hh_l0'])}" in text
    assert "Rows in 4 gate bands of 16" in text and "from -0.25 to 0.25 (±1/√H = ±0.250)" in text


def test_strips_alt_gives_sizes_and_the_ranges_over_every_step(explorer):
    m = explorer.model
    s, t = m.sample, m.cell
    text = explorer.steps.strips.alt.text
    assert "x_e (n_X = 5 values)" in text and "(H = 8 units each)" in text
    assert "the gates i, f, g, o" in text and "n_E = 12 steps" in text
    assert f"x {span(t.x[s])}; h {span(t.h[s])}; c {span(t.c[s])}; " in text
    for k, gate in enumerate("ifgo"):
        assert f"{gate} {span(t.gates[s, :, k])}" in text

    m.configure(hidden_size=16, seq_len=20)
    t = m.cell
    text = explorer.steps.strips.alt.text
    assert "(H = 16 units each)" in text and "n_E = 20 steps" in text
    assert f"h {span(t.h[s])}; c {span(t.c[s])}" in text


def test_a_new_sequence_says_its_own_ranges(explorer):
    m = explorer.model
    m.sample = 1
    t = m.cell
    assert f"x {span(t.x[1])}; h {span(t.h[1])}" in explorer.steps.strips.alt.text
    assert f"values {span(t.h[1])}; unit j = 0" in explorer.steps.charts["h"].alt.text


def test_state_charts_say_the_units_their_range_and_unit_j(explorer):
    m = explorer.model
    s, h, c = m.sample, m.cell.h[m.sample], m.cell.c[m.sample]  # (n_E + 1, H)
    assert explorer.steps.charts["h"].alt.text == (
        f"Line chart of h_e over the steps e = 0 to n_E = 12: H = 8 lines, one a unit, "
        f"values {span(h)}; unit j = 0 is the bold line, {span(h[:, 0])}; "
        "a dashed line marks the step e.")
    text = explorer.steps.charts["c"].alt.text
    assert "Line chart of c_e over the steps e = 0 to n_E = 12: H = 8 lines" in text
    assert f"values {span(c)}; unit j = 0 is the bold line, {span(c[:, 0])}" in text

    sent = count_messages(explorer)
    m.unit = 5
    assert f"unit j = 5 is the bold line, {span(h[:, 5])}" in explorer.steps.charts["h"].alt.text
    assert f"unit j = 5 is the bold line, {span(c[:, 5])}" in explorer.steps.charts["c"].alt.text
    assert (len(sent["h"]), len(sent["c"]), sent["strips"], sent["weights"]) == (1, 1, [], [])

    m.hidden_size = 16
    h = m.cell.h[s]
    assert (f"e = 0 to n_E = 12: H = 16 lines, one a unit, values {span(h)}; unit j = 5"
            in explorer.steps.charts["h"].alt.text)


def test_steps_send_no_text_alternative_a_message(explorer):
    m = explorer.model
    m.unit = 3
    sent = count_messages(explorer)
    before = {name: alt.value for name, alt in alts(explorer).items()}
    for e in [*range(1, m.seq_len + 1), 4, 1]:
        m.step = e
        assert explorer.steps.strips.step == e and explorer.steps.charts["h"].cursor_step == e
    explorer.steps.controls["step"].value = 6  # the slider, and Play, move the same trait
    explorer.steps.play.value = 9
    assert m.step == 9 and explorer.steps.strips.step == 9
    assert sent == {name: [] for name in sent}
    assert {name: alt.value for name, alt in alts(explorer).items()} == before
    m.unit = 3  # the same unit again: nothing either
    assert sent == {name: [] for name in sent}


def test_training_dashboard_alts_follow_its_model(training):
    m = training.model
    p, t = m.weights(), m.trace()
    assert "weight_ih_l0 (4H by n_X), 64 by 1, values" in training.weights.alt.text
    assert f"weight_hh_l0 (4H by H), 64 by 16, values {span(p['weight_hh_l0'])}" in (
        training.weights.alt.text)
    assert "x_e (n_X = 1 value)" in training.steps.strips.alt.text
    assert f"n_E = {m.seq_len} steps" in training.steps.strips.alt.text
    assert f"h {span(t.h[0])}" in training.steps.strips.alt.text
    assert f"n_E = {m.seq_len}: H = 16 lines, one a unit, values {span(t.h[0])}" in (
        training.steps.charts["h"].alt.text)

    sent = count_messages(training)
    for e in range(1, m.seq_len + 1):
        m.step = e
    training.steps.play.value = 2
    assert training.steps.strips.step == 2
    assert sent == {name: [] for name in sent}

    m.hidden_size = 6
    p, t = m.weights(), m.trace()
    assert all(len(v) == 1 for v in sent.values())  # one new text each, once
    assert f"weight_hh_l0 (4H by H), 24 by 6, values {span(p['weight_hh_l0'])}" in (
        training.weights.alt.text)
    assert "Rows in 4 gate bands of 6" in training.weights.alt.text
    assert "(H = 6 units each)" in training.steps.strips.alt.text
    assert f"n_E = {m.seq_len}: H = 6 lines, one a unit, values {span(t.c[0])}" in (
        training.steps.charts["c"].alt.text)
