"""Every built-in question against the live models, over many settings.

For each question the test knows the answer another way: the tutorial's formula (4H rows,
(out_features, in_features)...) or the real module run here on its own (``nn.LSTM``'s own
``c_n``, ``h_n`` and ``output``), never through the bank's readers. The bank's answer must
equal it, the right answer typed must be judged right, and each named wrong answer must be
judged wrong with its warning. A built-in question with no expectation here fails the run.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch

from widgets.maths.corpus import REVIEWS
from widgets.maths.lstm import make_initial_state, parameter_count
from widgets.state.explorer_model import LSTMExplorerModel
from widgets.state.mlp_model import MLPModel
from widgets.state.question_answers import format_number, format_shape
from widgets.state.questions import ask, judge, load_bank
from widgets.state.sequence_model import SequenceModel

BANK = load_bank()
NOT_READY = object()  # the model cannot answer this one yet, by design


def _lstm_run(m):
    """The explorer's own nn.LSTM on its batch, run here: (output, h_n, c_n)."""
    with torch.no_grad():
        output, (h_n, c_n) = m.lstm(m.x, make_initial_state(m.config))
    return output, h_n, c_n


def _prefix_c(m, k: int) -> float:
    """Layer 0's forward c of unit j after k elements, from the module's own c_n."""
    initial = make_initial_state(m.config)
    with torch.no_grad():
        _, (_h, c_n) = m.lstm(m.x[:, :k], initial)
    return float(c_n[0, m.sample, m.unit])


def _step_c(m, k: int) -> float:
    """The shown cell's c of unit j after step k: the module's own for layer 0 forward, else
    f·c + i·g from the gates (the equation, done here)."""
    if m.layer == 0 and m.direction == 0:
        return _prefix_c(m, k)
    cell = m.cell
    f, i, g = (cell.gates[m.sample, k - 1, n, m.unit] for n in (1, 0, 2))
    return float(f * cell.c[m.sample, k - 1, m.unit] + i * g)


def _c_next(m):
    if m.step == m.seq_len:
        return NOT_READY
    before, after = _step_c(m, m.step), _step_c(m, m.step + 1)
    return "grows" if after > before else "shrinks"


def _forward_row(m):
    output, h_n, _ = _lstm_run(m)
    D, H_out = m.D, m.H_out
    row = (m.num_layers - 1) * D
    assert torch.equal(h_n[row], output[:, -1, :H_out])  # the row the tutorial names holds it
    return str(row)


def _last_backward(m):
    if not m.bidirectional:
        return NOT_READY
    output, h_n, _ = _lstm_run(m)
    return "yes" if torch.equal(output[:, -1, m.H_out:], h_n[-1]) else "no"


def _sequence_n_s(m) -> int:
    return {"signals": m.n_s, "temperatures": 1461 - m.seq_len, "reviews": len(REVIEWS)}[
        m.dataset]


def _sequence_run(m):
    with torch.no_grad():
        return m.lstm(m.current_batch())


EXPECTED = {
    "1_mlp": {
        "x-shape": lambda m: (m.n_d, m.n_x),
        "layer1-weight-shape": lambda m: (m.n1, m.n_x),
        "layer1-bias-shape": lambda m: (m.n1,),
        "a1-shape": lambda m: tuple(m.net[0](m.X).shape),
        "layer2-weight-shape": lambda m: (m.n2, m.n1),
        "parameter-count": lambda m: m.n1 * m.n_x + m.n1 + m.n2 * m.n1 + m.n2,
        "one-instance-output": lambda m: (m.n2,),
        "layer-by-hand": lambda m: ("bit for bit" if torch.equal(
            m.net[0](m.X), m.X @ m.net[0].weight.T + m.net[0].bias) else "only close"),
    },
    "2_sequence_data": {
        "dataset-shape": lambda m: (_sequence_n_s(m), m.seq_len, m.n_x_used),
        "batch-shape": lambda m: (min(m.batch_size, _sequence_n_s(m) - m.batch * m.batch_size),
                                  m.seq_len, m.n_x_used),
        "batch-count": lambda m: math.ceil(_sequence_n_s(m) / m.batch_size),
        "one-element-shape": lambda m: (m.n_x_used,),
        "output-shape": lambda m: tuple(_sequence_run(m)[0].shape),
        "h-n-shape": lambda m: (1, len(m.current_batch()), m.hidden_size),
        "last-step-is-h-n": lambda m: "the same" if torch.equal(
            _sequence_run(m)[0][:, -1], _sequence_run(m)[1][0][-1]) else "different",
        "weight-ih-rows": lambda m: 4 * m.hidden_size,
    },
    "3_lstm_explorer": {
        "weight-ih-rows": lambda m: 4 * m.hidden_size,
        "weight-ih-shape": lambda m: (4 * m.hidden_size, m.n_x),
        "weight-hh-shape": lambda m: (4 * m.hidden_size, m.proj_size or m.hidden_size),
        "parameter-count": lambda m: parameter_count(m.n_x, m.hidden_size, m.num_layers,
                                                     m.bidirectional, m.proj_size),
        "c-from-gates": lambda m: _step_c(m, m.step),
        "c-grows-or-shrinks": _c_next,
        "h-n-shape": lambda m: tuple(_lstm_run(m)[1].shape),
        "output-shape": lambda m: (m.batch_size, m.seq_len, m.D * m.H_out),
        "h-n-forward-row": _forward_row,
        "output-last-backward": _last_backward,
    },
}


def _written(kind: str, value) -> str:
    return format_shape(value) if kind == "shape" else (
        format_number(value) if kind == "number" else value)


def _check(page: str, model, expected: dict, comparison=None) -> None:
    """Every question of ``page`` on ``model``: the answer, the judge, the named wrong ones."""
    questions = BANK.questions(page)
    assert {q.id for q in questions} == set(expected), "a built-in question without a test"
    for q in questions:
        want = expected[q.id](model)
        asked = ask(q, model, comparison)
        if want is NOT_READY:
            assert not asked.ready and asked.right is None, q.id
            assert "cannot be checked" not in asked.reason, asked.reason
            verdict = judge(q, model, "1", comparison)
            assert verdict.right is None and verdict.problem == asked.reason
            continue
        assert asked.ready, (q.id, asked.reason)
        assert "{" not in asked.prompt and "…" not in asked.prompt, asked.prompt
        if q.kind == "number":
            assert asked.value == pytest.approx(want, abs=1e-5), q.id
        else:
            assert asked.value == want, (q.id, asked.value, want)
        assert asked.right == _written(q.kind, asked.value)
        assert judge(q, model, _written(q.kind, want), comparison).right is True, q.id
        if q.kind == "shape":  # the same shape typed another way
            typed = " x ".join(map(str, want)) if want else "()"
            assert judge(q, model, typed, comparison).right is True, typed
        if q.kind == "choice":
            assert judge(q, model, f"  {want.upper()} ", comparison).right is True
            for other in set(asked.options) - {want}:
                assert judge(q, model, other, comparison).right is False, (q.id, other)
        for wrong in q.wrong:
            typed = wrong.answer.format(**_quantities(q.page, model, comparison))
            if "?" in typed:
                continue  # it names what this model cannot give yet
            verdict = judge(q, model, typed, comparison)
            if verdict.answer == asked.right:
                assert verdict.right is True  # on this model the named one is the right one
                continue
            assert verdict.right is False and verdict.warning, (q.id, typed)
            assert "{" not in verdict.warning and verdict.expected == asked.right


def _quantities(page: str, model, comparison) -> dict:
    """The page's quantities read on ``model`` (those it cannot read yet left out)."""
    from widgets.state.question_bank import PAGES
    from widgets.state.question_facts import NotReadyError

    vocab = PAGES[page]
    live = vocab.live(model, comparison)
    found = {}
    for name, quantity in vocab.quantities.items():
        try:
            found[name] = quantity.read(live)
        except NotReadyError:
            found[name] = "?"
    return found


# --- the MLP, the sequence data, the explorer: many settings --------------------------------
@pytest.mark.parametrize("seed", range(12))
def test_the_mlp_questions_answer_from_the_live_network(seed):
    rng = np.random.default_rng(seed)
    model = MLPModel(n_d=int(rng.integers(1, 65)), n_x=int(rng.integers(1, 33)),
                     n1=int(rng.integers(1, 33)), n2=int(rng.integers(1, 9)),
                     seed=int(rng.integers(0, 2**31)))
    _check("1_mlp", model, EXPECTED["1_mlp"])


def test_the_mlp_questions_at_the_tutorial_s_sizes():
    model = MLPModel(n_x=5, n1=8)
    q = BANK.question("1_mlp", "layer1-weight-shape")
    assert ask(q, model).prompt == "n_X = 5, n[1] = 8: what is the shape of `layer1.weight`?"
    verdict = judge(q, model, "(5, 8)")
    assert verdict.right is False and verdict.answer == "(5, 8)" and verdict.expected == "(8, 5)"
    assert verdict.warning == "(5, 8) is (in, out); PyTorch stores (out_features, in_features)."
    model.configure(n1=5)  # now (in, out) and (out, in) are one shape: right, with no warning
    assert judge(q, model, "5,5").right is True and judge(q, model, "5,5").warning == ""


@pytest.mark.parametrize("seed", range(10))
def test_the_sequence_questions_answer_from_the_live_lstm(seed):
    rng = np.random.default_rng(100 + seed)
    dataset = ("signals", "temperatures", "reviews")[seed % 3]
    model = SequenceModel(dataset=dataset, n_s=int(rng.integers(1, 65)),
                          seq_len=int(rng.integers(1, 41)), n_x=int(rng.integers(1, 17)),
                          batch_size=int(rng.integers(1, 17)),
                          hidden_size=int(rng.integers(1, 17)), seed=int(rng.integers(0, 999)))
    model.batch = int(rng.integers(0, model.index_range("batch")[1] + 1))
    model.position = int(rng.integers(0, model.index_range("position")[1] + 1))
    model.element = int(rng.integers(1, model.seq_len + 1))
    _check("2_sequence_data", model, EXPECTED["2_sequence_data"])


@pytest.mark.parametrize("seed", range(16))
def test_the_explorer_questions_answer_from_the_live_lstm(seed):
    rng = np.random.default_rng(200 + seed)
    H = int(rng.integers(2, 17))
    model = LSTMExplorerModel(
        n_x=int(rng.integers(1, 9)), hidden_size=H, seq_len=int(rng.integers(1, 16)),
        batch_size=int(rng.integers(1, 5)), seed=int(rng.integers(0, 999)),
        num_layers=int(rng.integers(1, 4)), bidirectional=int(rng.integers(0, 2)),
        proj_size=int(rng.integers(1, H)) if seed % 4 == 3 else 0,
        h0=("zeros", "seeded")[seed % 2])
    for name in ("sample", "layer", "direction", "step", "unit"):
        lo, hi = model.index_range(name)
        setattr(model, name, int(rng.integers(lo, hi + 1)))
    if seed % 5 == 0:
        model.step = model.seq_len  # the last step: no next one to predict
    _check("3_lstm_explorer", model, EXPECTED["3_lstm_explorer"])


def test_c_from_the_prompt_s_rounded_numbers_is_judged_right():
    """A learner who does c = f·c + i·g with the three decimals shown gets it right."""
    q = BANK.question("3_lstm_explorer", "c-from-gates")
    for seed in range(6):
        model = LSTMExplorerModel(seed=seed, step=1 + seed, unit=seed % 8)
        found = _quantities(q.page, model, None)
        mine = round(found["f"], 3) * round(found["c_prev"], 3) + \
            round(found["i"], 3) * round(found["g"], 3)
        assert judge(q, model, f"{mine:.4f}").right is True
        assert judge(q, model, f"{mine + 0.05:.4f}").right is False


def test_the_answer_follows_the_settings():
    q = BANK.question("3_lstm_explorer", "weight-ih-rows")
    model = LSTMExplorerModel(hidden_size=8)
    assert ask(q, model).right == "32"
    model.hidden_size = 16
    assert ask(q, model).prompt.startswith("H = 16") and ask(q, model).right == "64"
    verdict = judge(q, model, "16")
    assert verdict.right is False and "4H rows" in verdict.warning


def test_a_parameter_the_model_lacks_says_so():
    q = BANK.question("3_lstm_explorer", "weight-ih-rows")
    custom = dataclasses.replace(q, args={"tensor": "weight_ih_l2", "dim": 0})
    model = LSTMExplorerModel(num_layers=1)
    asked = ask(custom, model)
    assert not asked.ready and "has no weight_ih_l2" in asked.reason
    model.num_layers = 3
    assert ask(custom, model).right == str(4 * model.hidden_size)


def test_the_forward_row_of_h_n_takes_python_s_negative_index():
    q = BANK.question("3_lstm_explorer", "h-n-forward-row")
    model = LSTMExplorerModel(num_layers=2, bidirectional=1)
    assert ask(q, model).options == ("0", "1", "2", "3") and ask(q, model).right == "2"
    assert judge(q, model, "h_n[-2]").right is True and judge(q, model, "-2").answer == "2"
    verdict = judge(q, model, "-1")
    assert verdict.right is False and verdict.answer == "3"
    assert verdict.warning.startswith("With both directions, the last row h_n[-1] is the last "
                                      "layer's backward direction")
    model.bidirectional = 0  # one direction: the last row is the forward one, and no warning
    assert judge(q, model, "-1").right is True and judge(q, model, "-1").warning == ""
