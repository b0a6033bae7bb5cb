"""The training page's cell choice without a browser: a GRU or a plain RNN trained in the
LSTM's place, and its weights, steps, equations, badge and memory read from the live module.

Every expected number comes from PyTorch or from the maths layer's own trace of the module;
nothing is typed in by hand.
"""

import re

import numpy as np
import pytest
import torch

from widgets import TrainingExplorer, TrainingModel
from widgets.maths.cells import trace_cell
from widgets.maths.memory import input_dependence, update_survival
from widgets.maths.training import Trainer
from widgets.state.presets import state_query
from widgets.state.training_run import Pace
from widgets.store.model_cache import ModelCache
from widgets.views.strips import CELL_STRIPS

BY_BATCHES = Pace(seconds=None, batches=50, replay_s=0.0, wait_s=0.0)
SMALL = "task=adding&seq_len=12&hidden_size=5&epochs=2"


@pytest.fixture
def cache(tmp_path):
    return ModelCache(tmp_path / "models")


def dashboard(cache, preset: str) -> TrainingExplorer:
    return TrainingExplorer(TrainingModel(cache=cache), preset=preset, pace=BY_BATCHES)


def _numbers(html: str) -> list[float]:
    """The numbers in an HTML fragment, in order ('(−0.123)' and '-0.123' alike)."""
    return [float(v) for v in re.findall(r"-?\d+\.\d+", html.replace("−", "-"))]


# --- the model --------------------------------------------------------------------------------
@pytest.mark.parametrize("cell", ["gru", "rnn"])
def test_the_model_traces_the_real_module_of_its_cell(cache, cell):
    m = TrainingModel(cache=cache, task="adding", seq_len=12, hidden_size=5, cell=cell)
    module = m.model_of("initial").recurrent
    assert type(module) is {"gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell]
    x = m.data.X_valid[m.sample : m.sample + 1]
    trace, direct = m.trace(), trace_cell(module, x)
    assert trace.matches and trace.cell == cell
    np.testing.assert_array_equal(trace.h, direct.h)
    rows = {"gru": 15, "rnn": 5}[cell]  # 3H for r, z, n; H for the plain RNN
    assert m.weights()["weight_hh_l0"].shape == (rows, 5)
    if cell == "gru":
        np.testing.assert_array_equal(m.survival(), update_survival(trace.gates["z"][0]))
    else:
        assert m.survival() is None  # no gate, nothing survives through one


def test_a_new_task_keeps_the_cell_and_a_link_names_it_only_when_not_the_lstm(cache):
    m = TrainingModel(cache=cache, cell="gru")
    m.configure(task="adding")
    assert (m.cell, m.seq_len) == ("gru", 50)
    assert "cell=gru" in state_query(m)
    m.cell = "lstm"
    assert "cell=" not in state_query(m)  # the plain page keeps the link it had


def test_a_link_with_a_bad_cell_opens_the_lstm_and_says_why(cache):
    d = dashboard(cache, SMALL + "&cell=transformer")
    assert d.model.cell == "lstm"
    assert "cell" in d.banner.value and "lstm, gru, rnn" in d.banner.value


# --- the GRU's page ---------------------------------------------------------------------------
def test_the_gru_page_draws_its_own_gates_strips_equations_and_badge(cache):
    d = dashboard(cache, SMALL + "&cell=gru&step=7&unit=3")
    m, trace = d.model, d.model.trace()
    assert d.controls["cell"].value == "gru"
    assert "nn.GRU(n_X, H, batch_first=True)" in d.intro.value
    # weights: 3H rows in PyTorch's bands r, z, n
    assert d.weights.bands == ("r", "z", "n")
    assert d.weights.titles()[0] == "weight_ih_l0 (3H × n_X) = (15 × 2)"
    np.testing.assert_array_equal(d.weights.values("weight_hh_l0"),
                                  m.model_of("initial").gru.weight_hh_l0.numpy())
    assert d.weights.marked_rows == [3, 8, 13]  # unit j's row in each band
    assert "Rows in 3 gate bands of 5, top to bottom: r, z, n." in d.weights.alt.text
    # the strips: x, h_(e-1), r, z, n, h of the sequence, every step
    assert d.steps.strips.strips == CELL_STRIPS["gru"]
    shown = d.steps.strips.values  # the step on screen
    for gate in ("r", "z", "n"):
        np.testing.assert_array_equal(shown[gate], trace.gates[gate][0, 6])
    np.testing.assert_array_equal(shown["h_prev"], trace.h[0, 6])
    assert "the reset gate r, the update gate z, the candidate n" in d.steps.strips.alt.text
    assert list(d.steps.charts) == ["h"]  # no cell state
    assert "update gate" in d.steps.words.value and "c_" not in d.steps.equations.value
    assert r"h_e &= (1 - z_e) \odot n_e + z_e \odot h_{e-1}" in d.steps.equations.value
    # unit j's equations with the live numbers: each row ends in what our recurrence holds
    rows = d.steps.unit_equations.value.split("<tr>")[1:]
    assert len(rows) == 4  # r, z, n, h
    for row, want in zip(rows, [trace.gates[g][0, 6, 3] for g in ("r", "z", "n")]
                         + [trace.h[0, 7, 3]], strict=True):
        assert _numbers(row)[-1] == pytest.approx(float(want), abs=6e-4)
    # h = (1 - z) n + z h_prev, with the numbers the row prints
    one_minus_z, n, z, h_prev, h = _numbers(rows[3])[-5:]
    assert one_minus_z * n + z * h_prev == pytest.approx(h, abs=3e-3)
    assert "matches <code>nn.GRU</code>" in d.learned.badge.value
    # memory: the update gates' survival, and the dependence by autograd on the real model
    assert "Update-gate survival" in d.memory.heading.value
    assert d.memory.survival in d.memory.children
    np.testing.assert_allclose(d.memory.survival.values, m.survival(), rtol=1e-6)
    x = m.data.X_valid[m.sample]
    np.testing.assert_allclose(d.memory.initial_dependence,
                               np.float32(input_dependence(m.model_of("initial"), x, 0)))
    assert "this GRU (untrained)" in d.results.value
    assert "the GRU&#x27;s answer (crosses)" in d.predictions._title.value
    assert "the GRU's answers as crosses" in d.predictions.alt.text


def test_the_plain_rnn_page_has_one_band_three_strips_no_survival(cache):
    d = dashboard(cache, SMALL + "&cell=rnn&step=4&unit=2")
    trace = d.model.trace()
    assert d.weights.bands == ("h",) and d.weights.titles()[1] == "weight_hh_l0 (H × H) = (5 × 5)"
    assert d.weights.alt.text.endswith("One row a unit.")
    assert d.steps.strips.strips == CELL_STRIPS["rnn"]
    assert "No gates" in d.steps.words.value
    rows = d.steps.unit_equations.value.split("<tr>")[1:]
    assert len(rows) == 1
    numbers = _numbers(rows[0])
    # tanh(W x + b + W h + b) = tanh(sum) = h: four terms, their sum, the value
    assert sum(numbers[-6:-2]) == pytest.approx(numbers[-2], abs=3e-3)
    assert numbers[-1] == pytest.approx(float(trace.h[0, 4, 2]), abs=6e-4)
    assert np.tanh(numbers[-2]) == pytest.approx(numbers[-1], abs=2e-3)
    assert "matches <code>nn.RNN</code>" in d.learned.badge.value
    # no gate: no heatmap on the page, and the heading says why
    assert d.memory.survival not in d.memory.children
    assert "No gate, no survival" in d.memory.heading.value


def test_switching_cells_rebuilds_and_switching_back_restores_the_lstm_views(cache):
    d = dashboard(cache, SMALL)
    lstm_weights = d.weights.values("weight_ih_l0").copy()
    d.controls["cell"].value = "rnn"
    assert d.model.cell == "rnn" and d.weights.values("weight_ih_l0").shape == (5, 2)
    assert d.memory.survival not in d.memory.children
    d.controls["cell"].value = "lstm"
    assert d.weights.bands == ("i", "f", "g", "o")
    assert d.steps.strips.strips == CELL_STRIPS["lstm"] and list(d.steps.charts) == ["h", "c"]
    assert d.memory.survival in d.memory.children and "Forget-gate" in d.memory.heading.value
    np.testing.assert_array_equal(d.weights.values("weight_ih_l0"), lstm_weights)  # same seed


def test_a_trained_gru_is_the_maths_run_and_is_cached_apart_from_the_lstm(cache):
    d = dashboard(cache, SMALL + "&cell=gru")
    d.train()
    m = d.model
    direct = Trainer(m.config)
    direct.run()
    assert m.trainer.history == direct.history
    np.testing.assert_array_equal(d.weights.values("weight_hh_l0"),
                                  direct.model.gru.weight_hh_l0.detach().numpy())
    np.testing.assert_allclose(d.memory.trained_dependence,
                               np.float32(m.dependence("trained")))
    assert "this GRU</th>" in d.results.value
    # the LSTM at the same settings is not the GRU's run: the cache keys on the cell
    other = dashboard(cache, SMALL)
    assert other.model.cell == "lstm" and other.model.cached() is None
    assert dashboard(cache, SMALL + "&cell=gru").model.cached() is not None


def test_the_cell_is_locked_while_training(cache):
    d = dashboard(cache, SMALL + "&cell=gru")
    d.model.set_status("training")
    assert d.controls["cell"].disabled
    d.model.set_status("untrained")
    assert not d.controls["cell"].disabled


def test_the_pages_code_follows_its_cell(cache):
    """'Show the code' of a GRU page writes out the GRU (the code's own tests run it and
    compare it with ``Trainer`` bit for bit): here, that the page hands it its cell."""
    d = dashboard(cache, SMALL + "&cell=gru")
    recipe = d.recipe()
    assert recipe.title.startswith("What a GRU learns")
    source = recipe.script
    assert "nn.GRU(" in source and "nn.LSTM(" not in source
    d.controls["cell"].value = "rnn"
    assert "nn.RNN(" in d.recipe().script


def test_the_numbers_of_a_gru_page_are_its_gates_and_states(cache):
    d = dashboard(cache, SMALL + "&cell=gru&step=3")
    trace, numbers = d.model.trace(), d.numbers_html()
    assert "Step e = 3: the gates and hidden state of every unit" in numbers
    assert ("<th scope='col'>r_e</th><th scope='col'>z_e</th><th scope='col'>n_e</th>"
            "<th scope='col'>h_(2)</th><th scope='col'>h_e</th>") in numbers
    assert "The GRU&#x27;s answers (untrained)" in numbers and "c_e" not in numbers
    assert f"<td>{float(trace.gates['z'][0, 2, 4]):+.4f}</td>" in numbers
    d.controls["cell"].value = "rnn"
    numbers = d.numbers_html()
    assert "Step e = 3: the hidden state of every unit" in numbers and "r_e" not in numbers
