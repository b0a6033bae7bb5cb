"""The whole nn.LSTM by hand: layers, directions, projection and initial state, against PyTorch,
and every claim about output and (h_n, c_n) checked on the module's own tensors."""

import dataclasses
import itertools

import numpy as np
import pytest
import torch
from torch import nn

from widgets.maths import lstm_stack
from widgets.maths.lstm import (
    MATCH_ATOL,
    LSTMConfig,
    build_lstm,
    check_proj_size,
    make_initial_state,
    make_inputs,
    parameter_count,
)
from widgets.maths.lstm_stack import output_twin, run, state_twin, trace_stack

GRID = [
    pytest.param(layers, bi, proj, batch_first, h0,
                 id=f"L{layers}-{'bi' if bi else 'uni'}-proj{proj}-"
                    f"{'bf' if batch_first else 'tm'}-{h0}")
    for layers, bi, proj, batch_first, h0 in itertools.product(
        (1, 2, 3), (0, 1), (0, 3), (True, False), ("zeros", "seeded"))
]


@pytest.mark.parametrize(("num_layers", "bidirectional", "proj_size", "batch_first", "h0"), GRID)
def test_hand_recurrence_matches_nn_lstm(num_layers, bidirectional, proj_size, batch_first, h0):
    config = LSTMConfig(n_x=4, hidden_size=6, seq_len=7, batch_size=3, seed=11,
                        num_layers=num_layers, bidirectional=bidirectional,
                        proj_size=proj_size, h0=h0)
    lstm, x, trace = run(config)
    D, H_out = config.D, config.H_out
    # the same weights in the other layout give the same numbers, transposed
    twin = nn.LSTM(4, 6, num_layers=num_layers, bidirectional=bool(bidirectional),
                   proj_size=proj_size, batch_first=batch_first)
    twin.load_state_dict(lstm.state_dict())
    initial = make_initial_state(config)
    with torch.no_grad():
        output, (h_n, c_n) = twin(x if batch_first else x.transpose(0, 1), initial)
    if not batch_first:
        output = output.transpose(0, 1)
    assert output.shape == (3, 7, D * H_out)
    assert h_n.shape == (D * num_layers, 3, H_out) and c_n.shape == (D * num_layers, 3, 6)
    ours = np.concatenate(
        [trace.cell(num_layers - 1, d).h[:, 1:][:, :: -1 if d else 1] for d in range(D)], -1)
    np.testing.assert_allclose(ours, output.numpy(), atol=MATCH_ATOL, rtol=0)
    for layer, d in itertools.product(range(num_layers), range(D)):
        cell = trace.cell(layer, d)
        np.testing.assert_allclose(cell.h[:, -1], h_n[layer * D + d].numpy(), atol=MATCH_ATOL,
                                   rtol=0)
        np.testing.assert_allclose(cell.c[:, -1], c_n[layer * D + d].numpy(), atol=MATCH_ATOL,
                                   rtol=0)
        # the initial state enters the first step of every cell
        np.testing.assert_array_equal(cell.h[:, 0], trace.h_0[layer * D + d])
        np.testing.assert_array_equal(cell.c[:, 0], trace.c_0[layer * D + d])
        assert cell.gates.shape == (3, 7, 4, 6) and cell.c.shape == (3, 8, 6)
        assert (cell.m is None) == (proj_size == 0)
    assert trace.matches and trace.max_abs_diff <= MATCH_ATOL
    assert all(eq.as_claimed for eq in trace.equalities), trace.equalities
    assert (np.abs(trace.h_0).max() > 0) == (h0 == "seeded")


def test_a_later_layer_reads_the_layer_below_forward_half_then_backward():
    _lstm, x, trace = run(LSTMConfig(3, 5, 6, 2, seed=3, num_layers=2, bidirectional=1))
    below_f, below_b = trace.cell(0, 0), trace.cell(0, 1)
    layer_1_input = trace.cell(1, 0).x  # (b_S, n_E, D·H) in time order for the forward cell
    np.testing.assert_array_equal(layer_1_input[..., :5], below_f.h[:, 1:])
    np.testing.assert_array_equal(layer_1_input[..., 5:], below_b.h[:, 1:][:, ::-1])
    # the backward cell reads the same elements from the end
    np.testing.assert_array_equal(trace.cell(1, 1).x, layer_1_input[:, ::-1])
    np.testing.assert_array_equal(trace.cell(1, 1).positions, [6, 5, 4, 3, 2, 1])
    np.testing.assert_array_equal(trace.cell(0, 0).x, x.numpy())


def test_projection_is_w_hr_of_o_tanh_c():
    lstm, _x, trace = run(LSTMConfig(3, 6, 5, 2, seed=1, proj_size=2))
    cell = trace.cell(0, 0)
    o = cell.gates[:, :, 3]
    m = o * np.tanh(cell.c[:, 1:])
    np.testing.assert_allclose(cell.m, m, atol=1e-6)
    np.testing.assert_allclose(cell.h[:, 1:], m @ lstm.weight_hr_l0.numpy().T, atol=1e-6)
    assert lstm.weight_hr_l0.shape == (2, 6) and lstm.weight_hh_l0.shape == (24, 2)


SHAPES = list(itertools.product((1, 2, 3), (0, 1), (0, 2, 5)))


@pytest.mark.parametrize(("layers", "bi", "proj"), SHAPES)
def test_parameter_count_formula(layers, bi, proj):
    lstm = build_lstm(7, 6, 0, layers, bi, proj)
    assert parameter_count(7, 6, layers, bi, proj) == sum(p.numel() for p in lstm.parameters())
    assert parameter_count(5, 8) == 4 * 8 * (5 + 8) + 8 * 8


@pytest.mark.parametrize(("layers", "bi", "proj", "n_e"),
                         [(1, 0, 0, 5), (2, 1, 0, 5), (3, 1, 2, 4), (2, 0, 3, 1), (1, 1, 0, 1)])
def test_every_twin_is_the_same_number_and_the_rest_are_nowhere(layers, bi, proj, n_e):
    config = LSTMConfig(3, 5, n_e, 2, seed=2, num_layers=layers, bidirectional=bi,
                        proj_size=proj)
    _lstm, _x, trace = run(config)
    out, h_n = trace.output, trace.h_n
    twins = 0
    for e, col in itertools.product(range(n_e), range(out.shape[-1])):
        twin = output_twin(config, e, col)
        if twin is not None:
            twins += 1
            assert state_twin(config, *twin) == (e, col)
            np.testing.assert_array_equal(out[:, e, col], h_n[twin[0], :, twin[1]])
    assert twins == config.D * config.H_out if n_e > 1 else twins == out.shape[-1]
    for row in range(h_n.shape[0]):
        layer = row // config.D
        for unit in range(config.H_out):
            assert (state_twin(config, row, unit) is None) == (layer < layers - 1)


def test_a_wrong_mapping_is_caught():
    """The checks can fail: claiming output[:, -1] is the backward final state is refuted."""
    config = LSTMConfig(3, 4, 6, 2, seed=0, num_layers=2, bidirectional=1)
    _lstm, _x, trace = run(config)
    out, h_n = map(torch.from_numpy, (trace.output, trace.h_n))
    assert not torch.equal(out[:, -1, 4:], h_n[-1])  # the pitfall
    pitfall = next(eq for eq in trace.equalities if eq.left == "output[:, -1, H_out:]")
    assert not pitfall.holds and pitfall.as_claimed
    # a mapping that pairs the last position with the backward half is refuted by the values
    wrong = [(config.seq_len - 1, 4 + u, (3, u)) for u in range(4)]
    assert not all(np.array_equal(trace.output[:, e, c], trace.h_n[r, :, u])
                   for e, c, (r, u) in wrong)
    # and a page that claimed it would be told so: an equality whose tensors differ
    broken = lstm_stack.equalities(config, out, h_n.flip(0), torch.from_numpy(trace.c_n))
    assert not all(eq.as_claimed for eq in broken)


def test_a_broken_cell_is_caught(monkeypatch):
    real = lstm_stack.cell_recurrence

    def wrong_direction(x, weights, h, c, reverse=False):
        return real(x, weights, h, c, reverse=False)  # the backward cell read forwards

    config = LSTMConfig(3, 4, 6, 2, seed=0, bidirectional=1)
    assert run(config)[2].matches
    monkeypatch.setattr(lstm_stack, "cell_recurrence", wrong_direction)
    assert not run(config)[2].matches


def test_the_trace_takes_the_config_it_was_given_and_one_of_its_own():
    lstm = build_lstm(3, 4, 0, 2, 1, 2)
    trace = trace_stack(lstm, make_inputs(2, 5, 3, 0))
    assert trace.config == LSTMConfig(3, 4, 5, 2, num_layers=2, bidirectional=1, proj_size=2)
    assert trace.matches


def test_settings_refuse_what_nn_lstm_cannot_build():
    for bad in (dict(num_layers=0), dict(num_layers=4), dict(bidirectional=2),
                dict(proj_size=8), dict(proj_size=-1), dict(num_layers="2"), dict(h0="ones")):
        with pytest.raises(ValueError, match="must be"):
            LSTMConfig(**bad)
    with pytest.raises(ValueError, match="below H = 8"):
        check_proj_size(8, 8)
    assert check_proj_size(0, 1) == 0 and dataclasses.replace(LSTMConfig(), proj_size=7).H_out == 7
