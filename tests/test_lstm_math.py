"""The maths against PyTorch: our recurrence, built from nn.LSTM's weights, must give its output."""

import copy
import dataclasses
import itertools
import math

import numpy as np
import pytest
import torch
from torch import nn

from widgets.maths import lstm as lstm_maths
from widgets.maths.lstm import (
    GATES,
    LIMITS,
    MATCH_ATOL,
    LSTMConfig,
    build_lstm,
    check_setting,
    init_bound,
    make_inputs,
    parameter_count,
    trace_lstm,
)
from widgets.maths.lstm_stack import run

SIZES = [
    (1, 1, 1, 1),
    (1, 1, 7, 3),
    (5, 8, 12, 2),
    (3, 1, 1, 4),
    (1, 16, 1, 1),
    (64, 256, 20, 2),
    (17, 33, 50, 16),
]


@pytest.mark.parametrize(("n_x", "hidden_size", "seq_len", "batch_size"), SIZES)
def test_recurrence_matches_nn_lstm(n_x, hidden_size, seq_len, batch_size):
    lstm = build_lstm(n_x, hidden_size, seed=n_x + hidden_size)
    x = make_inputs(batch_size, seq_len, n_x, seed=seq_len)
    trace = trace_lstm(lstm, x)
    output, (h_n, c_n) = lstm(x)
    assert trace.h.shape == (batch_size, seq_len + 1, hidden_size)
    assert trace.c.shape == (batch_size, seq_len + 1, hidden_size)
    assert trace.gates.shape == (batch_size, seq_len, 4, hidden_size)
    assert trace.x_proj.shape == trace.h_proj.shape == (batch_size, seq_len, 4 * hidden_size)
    np.testing.assert_allclose(trace.h[:, 1:], output.numpy(), atol=MATCH_ATOL, rtol=0)
    np.testing.assert_allclose(trace.h[:, -1], h_n[0].numpy(), atol=MATCH_ATOL, rtol=0)
    np.testing.assert_allclose(trace.c[:, -1], c_n[0].numpy(), atol=MATCH_ATOL, rtol=0)
    assert trace.matches and trace.max_abs_diff <= MATCH_ATOL
    assert trace.last_equals_h_n
    assert np.all(trace.h[:, 0] == 0) and np.all(trace.c[:, 0] == 0)


def test_random_sizes_many():
    rng = np.random.default_rng(1)
    for _ in range(25):
        n_x, hidden_size = int(rng.integers(1, 65)), int(rng.integers(1, 65))
        seq_len, batch_size = int(rng.integers(1, 30)), int(rng.integers(1, 5))
        config = LSTMConfig(n_x, hidden_size, seq_len, batch_size, int(rng.integers(99)))
        lstm, x, trace = run(config)
        assert x.shape == (batch_size, seq_len, n_x) and lstm.hidden_size == hidden_size
        assert trace.matches, (config, trace.max_abs_diff)


def test_a_broken_recurrence_is_caught(monkeypatch):
    """The check can fail: a recurrence that reads one weight wrong must not 'match'."""
    real = lstm_maths.recurrence

    def off_by_one_weight(lstm, x):
        broken = copy.deepcopy(lstm)
        broken.weight_hh_l0[5, 1] += 0.5  # gate f of unit 1, as the recurrence reads it
        return real(broken, x)

    lstm, x = build_lstm(3, 4, seed=0), make_inputs(2, 6, 3, seed=0)
    assert trace_lstm(lstm, x).matches
    monkeypatch.setattr(lstm_maths, "recurrence", off_by_one_weight)
    trace = trace_lstm(lstm, x)
    assert trace.max_abs_diff > MATCH_ATOL and not trace.matches


def test_matches_is_the_tolerance_inclusive():
    trace = trace_lstm(build_lstm(2, 3, seed=0), make_inputs(1, 4, 2, seed=0))
    assert dataclasses.replace(trace, max_abs_diff=MATCH_ATOL).matches
    assert not dataclasses.replace(trace, max_abs_diff=MATCH_ATOL * 1.01).matches
    assert not dataclasses.replace(trace, max_abs_diff=float("nan")).matches


def test_gates_follow_pytorch_order():
    """Rows 0..H-1 are gate i, then f, g and o (tanh on g only): read off nn.LSTM itself.

    Every weight is zero and each gate's bias block a different constant, so each gate has a
    known value at every step whatever the input. nn.LSTM's own h and c after two steps hold
    those four numbers in one way only if the order is i, f, g, o; the trace must name them so.
    """
    H = 3
    lstm = build_lstm(2, H, seed=4)
    z = {"i": 1.2, "f": -0.7, "g": 0.4, "o": 2.0}  # each gate's pre-activation
    with torch.no_grad():
        lstm.weight_ih_l0.zero_()
        lstm.weight_hh_l0.zero_()
        lstm.bias_hh_l0.zero_()
        for k, gate in enumerate(("i", "f", "g", "o")):
            lstm.bias_ih_l0[k * H : (k + 1) * H] = z[gate]
        output, (_h_n, c_n) = lstm(make_inputs(1, 2, 2, seed=4))
    sig = lambda v: 1 / (1 + math.exp(-v))  # noqa: E731
    i, f, g, o = sig(z["i"]), sig(z["f"]), math.tanh(z["g"]), sig(z["o"])
    c1 = i * g
    c2 = f * c1 + i * g
    # PyTorch's own numbers, from the module's forward pass alone
    np.testing.assert_allclose(output[0, 0].numpy(), o * math.tanh(c1), rtol=1e-6)
    np.testing.assert_allclose(c_n[0, 0].numpy(), c2, rtol=1e-6)
    np.testing.assert_allclose(output[0, 1].numpy(), o * math.tanh(c2), rtol=1e-6)
    # and the trace calls them by PyTorch's names: gates[..., k, :] is GATES[k]
    trace = trace_lstm(lstm, make_inputs(1, 2, 2, seed=4))
    assert GATES == ("i", "f", "g", "o")
    for k, value in enumerate((i, f, g, o)):
        np.testing.assert_allclose(trace.gates[0, :, k], value, rtol=1e-6)
    np.testing.assert_allclose(trace.c[0, 1:, 0], [c1, c2], rtol=1e-6)


@pytest.mark.parametrize(("n_x", "hidden_size"), list(itertools.product([1, 5, 64], [1, 8, 256])))
def test_parameter_count_and_shapes(n_x, hidden_size):
    lstm = build_lstm(n_x, hidden_size, seed=0)
    assert lstm.weight_ih_l0.shape == (4 * hidden_size, n_x)
    assert lstm.weight_hh_l0.shape == (4 * hidden_size, hidden_size)
    assert lstm.bias_ih_l0.shape == lstm.bias_hh_l0.shape == (4 * hidden_size,)
    assert parameter_count(n_x, hidden_size) == sum(p.numel() for p in lstm.parameters())


def test_build_is_seeded_and_leaves_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    a = build_lstm(4, 6, seed=7)
    after = torch.rand(3)
    b = build_lstm(4, 6, seed=7)
    assert torch.equal(expected, after)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(p, q)
    assert not torch.equal(a.weight_ih_l0, build_lstm(4, 6, seed=8).weight_ih_l0)
    bound = init_bound(6)
    assert all(float(p.abs().max()) <= bound for p in a.parameters())
    assert isinstance(a, nn.LSTM) and a.batch_first


def test_inputs_are_smooth_and_seeded():
    x = make_inputs(3, 100, 4, seed=2)
    assert x.shape == (3, 100, 4) and x.dtype == torch.float32
    assert torch.equal(x, make_inputs(3, 100, 4, seed=2))
    # a smooth signal: neighbouring steps differ much less than the values spread
    assert float(x.diff(dim=1).abs().mean()) < 0.5 * float(x.std())


@pytest.mark.parametrize(("name", "bad"), [("hidden_size", 0), ("hidden_size", 10**9),
                                           ("seq_len", -3), ("n_x", "5"), ("n_x", 2.5),
                                           ("batch_size", True), ("seed", -1)])
def test_check_setting_refuses_with_a_sentence(name, bad):
    with pytest.raises(ValueError, match="must be"):
        check_setting(name, bad)


def test_limits_are_the_issue_s():
    assert LIMITS["n_x"] == (1, 64)
    assert LIMITS["hidden_size"] == (1, 256)
    assert LIMITS["seq_len"] == (1, 200)
    assert LIMITS["batch_size"] == (1, 16)
