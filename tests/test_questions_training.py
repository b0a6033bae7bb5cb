"""The training page's questions against real training runs: tiny settings for the many, and
the adding problem at its defaults once (about ten seconds), for what the README promises.

Each answer is read here another way: the trained model's own forward pass for its errors,
``nn.LSTM``'s own ``c_n`` for the unit that keeps the sum, its forget gates computed here
from its weights and its own ``output``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from tests.test_questions_live import BANK, NOT_READY, _check
from widgets.maths.tasks import ADDING_TRAIN, TASK_N_X
from widgets.state.comparison_model import ComparisonModel
from widgets.state.comparison_run import ComparisonRun
from widgets.state.questions import ask, judge
from widgets.state.training_model import TrainingModel
from widgets.state.training_run import TrainingRun

GATE_ROWS = {"lstm": 4, "gru": 3, "rnn": 1}
VALID_FROM = 1096  # 2015-01-01 is the 1097th day of Seattle's 2012-2015


def _n_train(m) -> int:
    return ADDING_TRAIN if m.task == "adding" else VALID_FROM - m.seq_len


def _error_of(m, model) -> float:
    """A model's validation error, its answers computed here."""
    with torch.no_grad():
        out = model(m.data.X_valid)[:, 0]
    return m.data.error(m.data.to_task(out))


def _beats(m):
    if not m.trained:
        return NOT_READY
    yardstick = min(m.data.error(v) for v in m.data.yardsticks.values())
    return "yes" if _error_of(m, m.model_of("trained")) < yardstick else "no"


def _final_c(m) -> np.ndarray:
    """(n_valid, H) the LSTM's last cell state, from nn.LSTM's own c_n."""
    with torch.no_grad():
        _, (_h, c_n) = m.model_of("trained").lstm(m.data.X_valid)
    return c_n[0].double().numpy()


def _sum_unit(m):
    if not m.trained or m.task != "adding" or m.cell != "lstm":
        return NOT_READY
    c, truth = _final_c(m), m.data.truth
    r = [abs(np.corrcoef(c[:, j], truth)[0, 1]) if c[:, j].std() > 0 else 0.0
         for j in range(c.shape[1])]
    return int(np.argmax(r))


def _forget_mean(m):
    """Unit j's forget gate over every validation step, from the weights and nn.LSTM's output."""
    j = _sum_unit(m)
    if j is NOT_READY:
        return NOT_READY
    lstm, x = m.model_of("trained").lstm, m.data.X_valid
    H = lstm.hidden_size
    with torch.no_grad():
        output, _ = lstm(x)  # (n_valid, n_E, H): h_1 .. h_n_E
        h_prev = torch.cat([torch.zeros_like(output[:, :1]), output[:, :-1]], dim=1)
        rows = slice(H, 2 * H)  # f's band of the stacked i, f, g, o
        f = torch.sigmoid(x @ lstm.weight_ih_l0[rows].T + lstm.bias_ih_l0[rows]
                          + h_prev @ lstm.weight_hh_l0[rows].T + lstm.bias_hh_l0[rows])
    return float(f[..., j].mean())


def _rnn_beats(c):
    if c is None or c.status != "trained":
        return NOT_READY
    data = c.comparison.data
    yardstick = min(data.error(v) for v in data.yardsticks.values())
    rnn = c.model_of("rnn", "trained")
    with torch.no_grad():
        error = data.error(data.to_task(rnn(data.X_valid)[:, 0]))
    return "yes" if error < 0.8 * yardstick else "no"


def _expected(comparison) -> dict:
    return {
        "x-train-shape": lambda m: (_n_train(m), m.seq_len, TASK_N_X[m.task]),
        "weight-hh-shape": lambda m: (GATE_ROWS[m.cell] * m.hidden_size, m.hidden_size),
        "head-weight-shape": lambda m: (1, m.hidden_size),
        "batches-per-epoch": lambda m: math.ceil(_n_train(m) / m.batch_size),
        "beats-the-yardstick": _beats,
        "sum-unit": _sum_unit,
        "sum-unit-forget": _forget_mean,
        "rnn-beats-memoryless": lambda _m: _rnn_beats(comparison),
    }


def _train(m) -> None:
    TrainingRun(m).train_now()
    assert m.status == "trained"


@pytest.mark.parametrize("seed", range(6))
def test_the_training_questions_before_and_after_a_tiny_run(seed):
    rng = np.random.default_rng(300 + seed)
    task = ("adding", "temperatures")[seed % 2]
    m = TrainingModel(task=task, cell=("lstm", "gru", "rnn", "lstm", "lstm", "gru")[seed],
                      hidden_size=int(rng.integers(1, 9)), seq_len=int(rng.integers(2, 13)),
                      epochs=1, batch_size=512, seed=int(rng.integers(0, 999)))
    comparison = ComparisonModel(m.config) if seed % 3 == 0 else None
    _check("4_training", m, _expected(comparison), comparison)  # untrained: what to do first
    _train(m)
    _check("4_training", m, _expected(comparison), comparison)
    if comparison is not None:
        ComparisonRun(comparison).run()
        assert comparison.status == "trained"
        _check("4_training", m, _expected(comparison), comparison)


def test_the_plain_rnn_at_n_e_50_after_two_epochs():
    m = TrainingModel(task="adding", seq_len=50, epochs=2, batch_size=256)
    comparison = ComparisonModel(m.config)
    q = BANK.question("4_training", "rnn-beats-memoryless")
    assert not ask(q, m, comparison).ready
    assert "Compare the three cells first" in judge(q, m, "no", comparison).problem
    ComparisonRun(comparison).run()
    asked = ask(q, m, comparison)
    assert asked.prompt == ("Compare the three cells at n_E = 50: will the plain RNN beat the "
                            "memoryless model?")
    assert asked.value == _rnn_beats(comparison)
    assert "plain RNN's last validation error" in asked.reason and "0.8 ×" in asked.reason


@pytest.fixture(scope="module")
def adding():
    """The adding problem at the page's defaults (H = 8, n_E = 50, 60 epochs), trained."""
    m = TrainingModel(task="adding")
    _train(m)
    return m


@pytest.mark.slow
def test_the_unit_that_keeps_the_sum_has_its_forget_gate_near_one(adding):
    unit = BANK.question("4_training", "sum-unit")
    forget = BANK.question("4_training", "sum-unit-forget")
    j = _sum_unit(adding)
    assert ask(unit, adding).right == str(j)
    assert judge(unit, adding, str(j)).right is True
    assert ask(forget, adding).value == pytest.approx(_forget_mean(adding), abs=1e-4)
    assert ask(forget, adding).value > 0.95
    assert judge(forget, adding, "1").right is True  # "near 1", within the stated 0.05
    verdict = judge(forget, adding, "0.5")
    assert verdict.right is False and "halve c at every step" in verdict.warning
    assert "after 50 steps" in verdict.warning
    _check("4_training", adding, _expected(None))
