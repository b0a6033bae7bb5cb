"""The maths against PyTorch: our recurrence, built from nn.LSTM's weights, must give its output."""

import itertools

import numpy as np
import pytest
import torch
from torch import nn

from widgets.maths.lstm import (
    LIMITS,
    MATCH_ATOL,
    LSTMConfig,
    build_lstm,
    check_setting,
    init_bound,
    make_inputs,
    parameter_count,
    recurrence,
    run,
    trace_lstm,
)

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


def test_a_broken_weight_is_caught():
    """The check can fail: perturb one weight after the forward pass and the badge must see it."""
    lstm = build_lstm(3, 4, seed=0)
    x = make_inputs(2, 6, 3, seed=0)
    output, _ = lstm(x)
    lstm.weight_hh_l0[5, 1] += 0.5
    _, _, _, h, _ = recurrence(lstm, x)
    assert float((h[:, 1:] - output).abs().max()) > MATCH_ATOL


def test_gates_follow_pytorch_order():
    """Rows 0..H-1 of weight_ih_l0 are gate i, H..2H-1 f, then g and o (tanh on g only)."""
    lstm = build_lstm(2, 3, seed=4)
    x = make_inputs(1, 5, 2, seed=4)
    trace = trace_lstm(lstm, x)
    H = 3
    z = trace.pre_activation(lstm.bias_ih_l0.numpy(), lstm.bias_hh_l0.numpy())  # (1, 5, 4H)
    sig = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(trace.gates[:, :, 0], sig[..., 0:H], atol=1e-6)
    np.testing.assert_allclose(trace.gates[:, :, 1], sig[..., H : 2 * H], atol=1e-6)
    np.testing.assert_allclose(trace.gates[:, :, 2], np.tanh(z[..., 2 * H : 3 * H]), atol=1e-6)
    np.testing.assert_allclose(trace.gates[:, :, 3], sig[..., 3 * H :], atol=1e-6)


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
