"""Why the LSTM: the GRU and the plain RNN beside it, traced by hand, their memory by autograd,
and the comparison the training page runs: what the README claims about it, measured."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from widgets.maths.cells import CELLS, build_cell, cell_recurrence, trace_cell
from widgets.maths.comparison import Comparison, verdict
from widgets.maths.lstm import MATCH_ATOL
from widgets.maths.memory import forget_survival, state_dependence, update_survival
from widgets.maths.tasks import ADDING_SOLVED
from widgets.maths.training import ManyToOne, TrainConfig, Trainer, check_setting, defaults_for


# --- the cells, by hand -------------------------------------------------------------------------
@pytest.mark.parametrize("cell", ["gru", "rnn"])
@pytest.mark.parametrize(("n_x", "H", "n_e"), [(1, 1, 1), (2, 8, 30), (5, 3, 7)])
def test_the_hand_recurrence_matches_the_module(cell, n_x, H, n_e):
    torch.manual_seed(n_x * 100 + H)
    module = build_cell(cell, n_x, H)
    x = torch.randn(4, n_e, n_x)
    trace = trace_cell(module, x)
    assert trace.max_abs_diff <= MATCH_ATOL
    with torch.no_grad():
        output, h_n = module(x)
    np.testing.assert_allclose(trace.h[:, 1:], output.numpy(), atol=MATCH_ATOL)
    np.testing.assert_allclose(trace.h[:, -1], h_n[0].numpy(), atol=MATCH_ATOL)
    assert np.all(trace.h[:, 0] == 0)  # h_0: PyTorch's default zeros
    gates = {"gru": ("r", "z", "n"), "rnn": ()}[cell]
    assert tuple(trace.gates) == gates
    for g in gates:
        assert trace.gates[g].shape == (4, n_e, H)
    assert trace.matches
    # the products the equations show: x_e W_ih^T and h_(e-1) W_hh^T, before their biases
    W_ih, W_hh = module.weight_ih_l0.detach().numpy(), module.weight_hh_l0.detach().numpy()
    np.testing.assert_allclose(trace.x_proj, x.numpy() @ W_ih.T, atol=1e-5)
    np.testing.assert_allclose(trace.h_proj, trace.h[:, :-1] @ W_hh.T, atol=1e-5)
    if cell == "rnn":  # the sum under tanh is h_e's own
        b_ih, b_hh = module.bias_ih_l0.detach().numpy(), module.bias_hh_l0.detach().numpy()
        np.testing.assert_allclose(np.tanh(trace.pre_activation(b_ih, b_hh)), trace.h[:, 1:],
                                   atol=1e-5)


def test_the_gru_keeps_its_old_state_where_z_is_one():
    """PyTorch's convention, h_e = (1 - z) n + z h_(e-1): z is the share kept. A bias that
    drives z to 1 freezes h at h_0; one that drives it to 0 makes h the candidate n."""
    gru = build_cell("gru", 2, 3)
    x = torch.randn(1, 6, 2)
    with torch.no_grad():
        gru.bias_ih_l0[3:6] = 50.0  # z's rows: the second block of r, z, n
    gates, h, _, _ = cell_recurrence(gru, x)
    assert torch.all(gates["z"] > 0.999) and torch.all(h.abs() < 1e-6)
    with torch.no_grad():
        gru.bias_ih_l0[3:6] = -50.0
    gates, h, _, _ = cell_recurrence(gru, x)
    torch.testing.assert_close(h[:, 1:], gates["n"])
    with torch.no_grad():
        output, _ = gru(x)
    torch.testing.assert_close(h[:, 1:], output)


def test_the_gru_survival_is_the_product_of_its_update_gates_over_the_later_steps():
    z = np.random.default_rng(0).uniform(0.2, 1.0, (5, 3))  # (n_E, H)
    s = update_survival(z)
    assert s.shape == (3, 5) and np.allclose(s[:, -1], 1.0)
    np.testing.assert_allclose(s[:, 1], z[2:].prod(axis=0))
    np.testing.assert_array_equal(s, forget_survival(z))


def test_a_cell_is_a_setting_checked_like_the_others():
    assert check_setting("cell", "gru") == "gru"
    with pytest.raises(ValueError, match="cell must be one of lstm, gru, rnn; got 'lstmm'"):
        check_setting("cell", "lstmm")
    with pytest.raises(ValueError):
        TrainConfig(cell="transformer")
    for cell in CELLS:
        model = ManyToOne(2, 4, cell)
        assert model.recurrent is getattr(model, cell)
        assert type(model.recurrent).__name__ == {"lstm": "LSTM", "gru": "GRU",
                                                  "rnn": "RNN"}[cell]
        assert model(torch.zeros(3, 5, 2)).shape == (3, 1)


# --- the state's gradient, by autograd ----------------------------------------------------------
def _rerun_from(model: ManyToOne, x: torch.Tensor, e: int, state) -> torch.Tensor:
    """ŷ when the module resumes after step e (0-based) from ``state``: the rest of x."""
    rest = x[:, e + 1 :]
    if rest.shape[1] == 0:
        h = state[0] if isinstance(state, tuple) else state
        return model.head(h[-1])
    out, _ = model.recurrent(rest, state)
    return model.head(out[:, -1])


@pytest.mark.parametrize("cell", CELLS)
def test_the_state_gradient_is_autograd_on_the_real_module(cell):
    """||dŷ/ds_e|| against central differences through the real module, in float64: nudge
    each value of the state after step e and run the rest of the sequence from there."""
    torch.manual_seed(3)
    model = ManyToOne(2, 3, cell).double()
    x = torch.rand(8, 2, dtype=torch.float64)
    norms, stepwise_diff = state_dependence(model, x)
    assert stepwise_diff < 1e-12  # one step at a time is the same model as the whole
    assert norms.shape == (8,) and not any(p.grad is not None for p in model.parameters())
    xb = x[None]
    with torch.no_grad():
        for e in (0, 3, 7):
            _, state = model.recurrent(xb[:, : e + 1])
            parts = list(state) if isinstance(state, tuple) else [state]
            squares = 0.0
            for k, part in enumerate(parts):
                for idx in np.ndindex(*part.shape):
                    bumped = []
                    for sign in (1, -1):
                        moved = [p.clone() for p in parts]
                        moved[k][idx] += sign * 1e-6
                        s = tuple(moved) if isinstance(state, tuple) else moved[0]
                        bumped.append(float(_rerun_from(model, xb, e, s)))
                    squares += ((bumped[0] - bumped[1]) / 2e-6) ** 2
            assert norms[e] == pytest.approx(squares**0.5, rel=1e-5, abs=1e-9), (cell, e)


# --- the comparison: what the README says ---------------------------------------------------
@pytest.fixture(scope="module")
def comparison():
    """The page's comparison at the adding problem's defaults (n_E = 50), run to its end."""
    c = Comparison(defaults_for("adding"))
    while not c.done:
        c.run()
    return c


def test_at_the_default_n_e_the_gru_and_the_lstm_solve_it_and_the_plain_rnn_does_not(comparison):
    results = {r.cell: r for r in comparison.results()}
    memoryless = min(comparison.data.error(v) for v in comparison.data.yardsticks.values())
    for cell in ("lstm", "gru"):
        r = results[cell]
        assert r.solved and r.valid <= ADDING_SOLVED and r.epochs == r.solved_epoch
        assert r.epochs <= 20  # the README: "within 20 epochs"; the race stops it there
    rnn = results["rnn"]
    assert not rnn.solved and rnn.epochs == 60
    assert rnn.valid >= 0.8 * memoryless  # no better than the memoryless yardstick
    sentence = verdict(comparison.results(), memoryless, 50, "MSE")
    assert sentence.startswith("At n_E = 50, the LSTM (epoch ")
    assert "the plain RNN did no better than the best yardstick" in sentence
    assert memoryless == pytest.approx(0.151, abs=5e-4)  # the README's figure
    # why: the plain RNN's state gradient vanishes from the end back to the first steps, the
    # gated cells' does not (each validation sequence of the first ten)
    for s in range(10):
        x = comparison.data.X_valid[s]
        norms = {cell: state_dependence(t.model, x)[0] for cell, t in comparison.trainers.items()}
        assert norms["rnn"][0] < 1e-6 * norms["rnn"][-1], s
        for cell in ("lstm", "gru"):
            assert norms[cell][0] >= 0.1 * norms[cell][-1], (cell, s)
    # every cell saw the same data: one TaskData, shared
    assert len({id(t.data) for t in comparison.trainers.values()}) == 1


def test_at_a_short_n_e_the_plain_rnn_solves_it_too():
    rnn = Trainer(replace(defaults_for("adding"), cell="rnn", seq_len=10, until_solved=True))
    rnn.run()
    assert rnn.solved_epoch is not None and rnn.history.valid[-1] <= ADDING_SOLVED
    assert rnn.message.startswith(f"Solved at epoch {rnn.solved_epoch} of 60")


def test_the_comparison_is_deterministic():
    config = replace(defaults_for("adding", seed=5), seq_len=10, epochs=2)
    runs = []
    for _ in range(2):
        c = Comparison(config)
        c.run(batches=70)  # slices fall where they fall: the numbers do not move
        while not c.done:
            c.run(batches=13)
        runs.append([(r.cell, r.epochs, r.valid) for r in c.results()])
        runs.append([t.history.train for t in c.trainers.values()])
    assert runs[0] == runs[2] and runs[1] == runs[3]


def test_stop_ends_the_comparison_where_it_is():
    c = Comparison(replace(defaults_for("adding"), seq_len=10, epochs=3))
    c.run(batches=5)
    c.stop()
    c.run(batches=5)
    assert c.stopped and c.batches_done == 5
    assert [r.status for r in c.results()] == ["stopped", "ready", "ready"]
