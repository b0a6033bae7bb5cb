"""The explorer without a browser: set traits and controls, assert on what the widgets hold."""

import numpy as np
import pytest
from traitlets import TraitError

from tests.pictures import decode_png
from tests.widget_state import by_class
from widgets import LSTMExplorer, LSTMExplorerModel
from widgets.maths.lstm import init_bound, parameter_count
from widgets.views.parameter_panel import panel_indices
from widgets.views.strips import STRIPS, strip_colors


@pytest.fixture
def explorer():
    return LSTMExplorer()


def test_titles_state_live_shapes(explorer):
    assert explorer.weights.titles() == [
        "weight_ih_l0 (4H × n_X) = (32 × 5)", "weight_hh_l0 (4H × H) = (32 × 8)",
        "bias_ih_l0 (4H) = (32)", "bias_hh_l0 (4H) = (32)"]
    explorer.controls["hidden_size"].value = 16
    explorer.controls["n_x"].value = 3
    assert explorer.weights.titles()[:3] == [
        "weight_ih_l0 (4H × n_X) = (64 × 3)", "weight_hh_l0 (4H × H) = (64 × 16)",
        "bias_ih_l0 (4H) = (64)"]
    titles = by_class(explorer.weights, "panel-titles").value  # the line the page shows
    assert "<b>weight_hh_l0</b> (4H × H) = (64 × 16)" in titles


def test_heatmaps_show_the_live_module(explorer):
    explorer.controls["seed"].value = 11
    lstm = explorer.model.lstm
    k = init_bound(explorer.model.hidden_size)
    w = lstm.weight_hh_l0.detach().numpy()
    assert np.array_equal(explorer.weights.indices("weight_hh_l0"), panel_indices(w, -k, k))
    assert np.array_equal(explorer.weights.values("weight_hh_l0"), w)
    assert explorer.weights.range == pytest.approx((-k, k))
    b = lstm.bias_ih_l0.detach().numpy()
    assert np.array_equal(explorer.weights.indices("bias_ih_l0"), panel_indices(b[:, None], -k, k))
    picture, _ = decode_png(explorer.weights.png)  # what the page gets: all four bands
    layout = explorer.weights.layout_px
    assert picture.shape == (4 * explorer.model.hidden_size, layout.matrices_end)
    background = np.ones(picture.shape, bool)
    for n, (start, region) in enumerate(zip(layout.starts, layout.regions, strict=True)):
        cells = panel_indices(explorer.weights.values(region.key), -k, k)  # a bias: one column
        band = picture[:, start : start + region.width]
        assert np.array_equal(band, cells[:, layout.columns(n, cells.shape[1])]), region.key
        background[:, start : start + region.width] = False
    assert np.all(picture[background] == 0)  # between the bands: the background


def test_parameter_count_and_badges(explorer):
    explorer.model.configure(n_x=7, hidden_size=5)
    count = parameter_count(7, 5)
    assert count == sum(p.numel() for p in explorer.model.lstm.parameters())
    assert f"<b>{count:,}</b>; the module counts <b>{count:,}</b>" in explorer.checks.value
    assert "manual recurrence matches nn.LSTM: max |Δ| = " in explorer.checks.value
    assert "output[:, -1, :] equals h_n[-1]" in explorer.checks.value


def test_step_only_indexes_the_trace(explorer):
    stack, trace = explorer.model.trace, explorer.model.cell
    explorer.controls["step"].value = 7
    assert explorer.model.trace is stack  # no rebuild
    values = explorer.steps.strips.values
    assert np.array_equal(values["h"], trace.h[0, 7])
    assert np.array_equal(values["h_prev"], trace.h[0, 6])
    assert np.array_equal(values["f"], trace.gates[0, 6, 1])
    assert np.array_equal(values["x"], trace.x[0, 6])
    row = next(r for r, s in enumerate(STRIPS) if s.key == "f")
    gate_f = STRIPS[row]
    picture, palette = decode_png(explorer.steps.strips.png)  # every step: 9 rows a step
    assert np.array_equal(palette[picture[6 * len(STRIPS) + row]],
                          strip_colors(gate_f, trace.gates[0, 6, 1]))
    assert explorer.steps.strips.step == 7
    assert explorer.steps.charts["h"].cursor_step == 7
    assert "e = 7" in explorer.steps.step_title.value


def test_sample_selects_the_sequence(explorer):
    explorer.controls["batch_size"].value = 3
    explorer.controls["sample"].value = 2
    trace = explorer.model.cell
    assert np.array_equal(explorer.steps.charts["c"].series, trace.c[2].T)


def test_rebuild_keeps_step_where_it_exists(explorer):
    explorer.controls["step"].value = 10
    explorer.controls["hidden_size"].value = 4
    assert explorer.model.step == 10
    explorer.controls["seq_len"].value = 6
    assert explorer.model.step == 6
    assert explorer.controls["step"].value == 6 and explorer.controls["step"].max == 6
    assert explorer.model.cell.gates.shape[1] == 6


def test_unit_equations_hold_live_numbers(explorer):
    explorer.model.configure(unit=3, step=5)
    m = explorer.model
    f = m.cell.gates[m.sample, 4, 1, 3]
    text = explorer.steps.unit_equations.value
    assert ("<i>f</i><sub>5</sub>[3]</td><td>= σ(W<sub>if</sub>[3,:]·x<sub>5</sub> + "
            "b<sub>if</sub>[3] + W<sub>hf</sub>[3,:]·h<sub>4</sub> + b<sub>hf</sub>[3])") in text
    assert f"= <b>{f:.3f}</b>" in text
    assert "<i>h</i><sub>5</sub>[3]</td><td>= o·tanh(c<sub>5</sub>)" in text


@pytest.mark.parametrize(
    ("name", "bad", "expected"),
    [
        ("hidden_size", 10**9, "H must be from 1 to 256; 1000000000 was refused."),
        ("seq_len", -3, "n_E must be from 1 to 200; -3 was refused."),
        ("n_x", "abc", "n_X must be a whole number from 1 to 64; 'abc' was refused."),
        ("batch_size", 2.5, "b_S must be a whole number from 1 to 16; 2.5 was refused."),
        ("seed", -1, "seed must be from 0 to 2147483647; -1 was refused."),
        ("step", 99, "step e must be from 1 to 12; 99 was refused."),
    ],
)
def test_forced_values_from_the_browser_are_refused(explorer, name, bad, expected):
    before = explorer.model.trace
    # exactly what the kernel does with an update message arriving over the websocket
    explorer.controls[name]._handle_msg(
        {"content": {"data": {"method": "update", "state": {"value": bad}, "buffer_paths": []}},
         "buffers": []})
    assert explorer.message == expected
    assert explorer.model.trace is before  # nothing rebuilt
    # and the dashboard keeps working
    explorer.controls["hidden_size"].set_state({"value": 6})
    assert explorer.model.hidden_size == 6
    assert explorer.message == ""


def test_bounds_cannot_be_moved_from_the_browser(explorer):
    explorer.controls["hidden_size"].set_state({"max": 10**9, "value": 10**9})
    assert explorer.controls["hidden_size"].max == 256
    assert explorer.model.hidden_size == 8
    assert "may only move the value" in explorer.message


def test_model_validates_programmatic_sets():
    m = LSTMExplorerModel()
    with pytest.raises(TraitError, match="H must be from 1 to 256"):
        m.hidden_size = 1000
    with pytest.raises(TraitError, match="The step e must be from 1 to 12"):
        m.step = 13
    with pytest.raises(TraitError, match="n_E must be from 1 to 200"):
        m.configure(seq_len=0, hidden_size=3)
    assert m.hidden_size == 8  # configure validated everything before setting anything


def test_maximum_sizes_build(explorer):
    explorer.model.configure(n_x=64, hidden_size=256, seq_len=200, batch_size=16)
    assert explorer.weights.titles()[1].endswith("= (1024 × 256)")
    assert explorer.weights.indices("weight_ih_l0").shape == (1024, 64)
    assert decode_png(explorer.weights.png)[0].shape[0] == 1024
    assert explorer.model.trace.matches


def test_a_failing_rebuild_is_reported_and_the_dashboard_recovers(explorer, monkeypatch):
    import widgets.state.explorer_model as em

    real = em.run

    def broken(*args, **kwargs):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(em, "run", broken)
    explorer.controls["hidden_size"].value = 12
    assert explorer.message.startswith("Could not rebuild the LSTM (RuntimeError: out of memory)")
    assert "reload the page" in explorer.message
    # the state still describes the module on screen
    assert explorer.model.hidden_size == 8 and explorer.controls["hidden_size"].value == 8
    assert explorer.model.lstm.hidden_size == 8
    monkeypatch.setattr(em, "run", real)
    explorer.controls["hidden_size"].value = 10
    assert explorer.message == ""
    assert explorer.weights.titles()[1].endswith("= (40 × 10)")
