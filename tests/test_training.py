"""Training, headless: the tasks, the loop, and what the trained gates hold.

The README's figures for a trained model are the ones asserted here, at the defaults.
"""

import dataclasses
from dataclasses import replace

import numpy as np
import pytest
import torch

from widgets.maths.lstm import trace_lstm
from widgets.maths.memory import forget_survival, input_dependence
from widgets.maths.sequence import load_min_temperatures
from widgets.maths.tasks import ADDING_TOLERANCE, make_task
from widgets.maths.training import ManyToOne, TrainConfig, Trainer, check_setting, defaults_for


@pytest.fixture(scope="module")
def temperatures():
    trainer = Trainer(defaults_for("temperatures"))
    trainer.run()
    return trainer


@pytest.fixture(scope="module")
def adding():
    trainer = Trainer(defaults_for("adding"))
    trainer.run()
    return trainer


# --- the tasks ----------------------------------------------------------------------------
def test_temperatures_split_by_time_and_normalised_with_the_training_years_only():
    data = make_task("temperatures", seq_len=14, seed=0)
    dates, temps = load_min_temperatures()
    split = dates.index("2015-01-01")
    assert data.X_valid.shape == (365, 14, 1) and data.y_valid.shape == (365, 1)
    assert len(data.X_train) == split - 14  # every window whose next day is before 2015
    assert data.valid_labels[0] == "2015-01-01" and data.valid_labels[-1] == "2015-12-31"
    assert data.offset == pytest.approx(temps[:split].mean(), abs=1e-4)
    assert data.scale == pytest.approx(temps[:split].std(), abs=1e-4)
    np.testing.assert_allclose(data.truth, temps[split:], atol=1e-4)
    # the first validation window: the last 14 days of 2014, and persistence repeats the last
    np.testing.assert_allclose(data.to_task(data.X_valid[0, :, 0]), temps[split - 14 : split],
                               atol=1e-4)
    persistence = data.yardsticks["persistence (tomorrow = today)"]
    np.testing.assert_allclose(persistence, temps[split - 1 : -1], atol=1e-6)


def test_the_adding_problem_marks_one_number_in_each_half_and_sums_them():
    data = make_task("adding", seq_len=10, seed=3)
    x, y = data.X_train, data.y_train
    markers = x[..., 1]
    assert torch.all(markers[:, :5].sum(1) == 1) and torch.all(markers[:, 5:].sum(1) == 1)
    torch.testing.assert_close(y[:, 0], (x[..., 0] * markers).sum(1))
    assert torch.equal(make_task("adding", 10, seed=3).X_valid, data.X_valid)  # seeded
    assert not torch.equal(make_task("adding", 10, seed=4).X_valid, data.X_valid)
    # a model that sees only the last step can do no better than E[sum | last step]:
    # 1/6 when the last step is unmarked, 1/12 when it is, about 0.15 at n_E = 10
    memoryless = data.error(data.yardsticks["memoryless (sees only the last step)"])
    assert 0.13 < memoryless < 0.17


@pytest.mark.parametrize(("name", "value"), [("lr", float("nan")), ("lr", -0.1), ("lr", 1e308),
                                             ("lr", "0.01"), ("epochs", 10**9),
                                             ("hidden_size", 0), ("task", "weather")])
def test_settings_are_refused_with_a_sentence(name, value):
    with pytest.raises(ValueError, match="must be"):
        check_setting(name, value)
    with pytest.raises(ValueError):
        TrainConfig(**{name: value})


# --- the loop -----------------------------------------------------------------------------
def test_the_same_settings_give_the_same_history_however_it_is_sliced():
    config = replace(defaults_for("temperatures"), epochs=3)
    whole = Trainer(config)
    whole.run()
    sliced = Trainer(config)
    slices = 0
    while not sliced.done:
        sliced.run(seconds=0.001)  # a batch or so at a time
        slices += 1
    assert slices > 10
    assert whole.history == sliced.history and len(whole.history.valid) == 3
    for name, value in whole.model.state_dict().items():
        assert torch.equal(value, sliced.model.state_dict()[name]), name
    assert Trainer(replace(config, seed=1)).initial["head.bias"] != whole.initial["head.bias"]


def test_training_uses_one_torch_thread_and_puts_the_count_back():
    seen = []
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        trainer = Trainer(replace(defaults_for("temperatures"), epochs=1))
        trainer.run(should_stop=lambda: seen.append(torch.get_num_threads()) or False)
        assert set(seen) == {1} and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_stop_ends_the_run_between_two_batches():
    trainer = Trainer(defaults_for("adding"))
    trainer.run(should_stop=lambda: trainer.batches_done >= 5)
    assert trainer.status == "stopped" and trainer.batches_done == 5
    assert trainer.message == "Stopped after 0 of 60 epochs."
    trainer.run()  # a stopped run stays stopped
    assert trainer.batches_done == 5


def test_a_diverging_run_stops_by_itself_and_says_so():
    data = make_task("temperatures", seq_len=5, seed=0)
    # targets no model can reach: the loss is infinite, as a far too large step would make it
    poisoned = dataclasses.replace(data, y_train=torch.full_like(data.y_train, float("inf")))
    trainer = Trainer(replace(defaults_for("temperatures"), seq_len=5), data=poisoned)
    trainer.run()
    assert trainer.status == "diverged" and trainer.epoch == 0
    assert trainer.message.startswith("The loss became inf at epoch 1")
    assert "try a smaller one" in trainer.message


# --- what it learned, at the defaults (the README's figures) ------------------------------
def test_the_temperatures_beat_both_yardsticks(temperatures):
    data, predictions = temperatures.data, temperatures.valid_predictions
    rmse, mae = data.error(predictions), data.mae(predictions)
    persistence = data.yardsticks["persistence (tomorrow = today)"]
    mean = data.yardsticks["the training years' mean"]
    assert data.error(persistence) == pytest.approx(1.96, abs=0.005)
    assert data.mae(persistence) == pytest.approx(1.49, abs=0.005)
    assert data.error(mean) == pytest.approx(4.88, abs=0.005)
    assert rmse == pytest.approx(1.87, abs=0.02) and mae == pytest.approx(1.46, abs=0.02)
    assert rmse < data.error(persistence) and mae < data.mae(persistence)
    assert temperatures.history.valid[-1] == pytest.approx(rmse)
    assert temperatures.status == "finished" and len(temperatures.history.train) == 20


def test_the_adding_problem_is_solved(adding):
    data, predictions = adding.data, adding.valid_predictions
    assert data.accuracy(predictions) >= 0.95  # within 0.04 of the sum
    assert data.error(predictions) < 0.001
    assert data.error(data.yardsticks["memoryless (sees only the last step)"]) > 0.15
    assert ADDING_TOLERANCE == 0.04


def test_the_unit_that_holds_the_sum_keeps_its_forget_gate_near_one(adding):
    data = adding.data
    trace = trace_lstm(adding.model.lstm, data.X_valid)
    final_c = trace.c[:, -1, :]  # (n_valid, H)
    corr = [abs(np.corrcoef(final_c[:, j], data.truth)[0, 1]) for j in range(final_c.shape[1])]
    j = int(np.argmax(corr))
    assert corr[j] > 0.99  # its last cell state is the sum, up to a scale
    forget = trace.gates[:, :, 1, j]  # (n_valid, n_E)
    assert forget.mean() > 0.99
    assert np.mean(forget.mean(axis=0) > 0.95) > 0.9  # near 1 at nearly every step
    # and so what it wrote early survives to the end
    survival = np.stack([forget_survival(trace.gates[s, :, 1])[j] for s in range(50)])
    assert survival[:, :5].mean() > 0.7
    others = [k for k in range(final_c.shape[1]) if k != j]
    assert trace.gates[:, :, 1, others].mean() < 0.8


def test_after_training_the_prediction_depends_on_the_marked_steps(adding):
    data = adding.data
    initial = ManyToOne(data.n_x, adding.config.hidden_size)
    initial.load_state_dict(adding.initial)
    for s in range(5):
        x = data.X_valid[s]
        marked = set(torch.nonzero(x[:, 1])[:, 0].tolist())
        before = input_dependence(initial, x)
        after = input_dependence(adding.model, x)
        assert set(np.argsort(after)[-2:]) == marked  # the two marked steps stand out
        assert before.argmax() == len(x) - 1  # untrained: the last step matters most
        # the number's channel alone, as the page draws it: the marked steps stand out more
        number = input_dependence(adding.model, x, channel=0)
        assert set(np.argsort(number)[-2:]) == marked
        assert [e - 1 for e in data.marked_steps(s)] == sorted(marked)
        unmarked = np.delete(number, sorted(marked))
        assert number[sorted(marked)].min() > 3 * unmarked.max(), (number, marked)


# --- the memory views' maths ------------------------------------------------------------
def test_forget_survival_is_the_product_of_the_later_forget_gates():
    forget = np.random.default_rng(0).uniform(0.2, 1.0, (6, 3))  # (n_E, H)
    got = forget_survival(forget)
    assert got.shape == (3, 6)
    for j in range(3):
        for e in range(6):
            assert got[j, e] == pytest.approx(np.prod(forget[e + 1 :, j]))


def test_input_dependence_is_the_gradient_of_the_real_model():
    torch.manual_seed(0)
    model = ManyToOne(2, 4).double()
    x = torch.randn(7, 2, dtype=torch.float64)
    got = input_dependence(model, x)
    eps, numeric = 1e-6, np.zeros((7, 2))
    for e in range(7):
        for k in range(2):
            plus, minus = x.clone(), x.clone()
            plus[e, k] += eps
            minus[e, k] -= eps
            with torch.no_grad():
                numeric[e, k] = (model(plus[None]) - model(minus[None])).item() / (2 * eps)
    np.testing.assert_allclose(got, np.linalg.norm(numeric, axis=1), rtol=1e-5)
    assert all(p.requires_grad for p in model.parameters()) and model.lstm.weight_ih_l0.grad is None
