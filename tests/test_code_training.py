"""The training dashboard's code, run in a fresh interpreter, gives what the dashboard shows:
the same data, curves, answers and yardsticks, the same weights before and after training,
and the same gates, memory and prediction for the view's sequence, step and unit."""

import html
import random

import nbformat
import numpy as np
import pytest
import torch

from tests.generated_code import run_all
from widgets import TrainingExplorer, TrainingModel
from widgets.codegen.training import training_recipe
from widgets.store.model_cache import ModelCache

NAMES = ["X_train", "y_train", "X_valid", "y_valid", "truth", "yardsticks", "model_state",
         "initial", "history", "predictions", "scores", "net_state", "gates", "h", "c", "y_hat",
         "survival", "dependence"]
# the code's ManyToOne lives in its __main__, which this process cannot unpickle: its weights can
WEIGHTS = "\nmodel_state, net_state = model.state_dict(), net.state_dict()\n"

# short runs, so the file stays under a minute: (settings, phase)
SETTINGS = [
    ({"task": "temperatures", "epochs": 2}, "trained"),
    ({"task": "temperatures", "hidden_size": 5, "seq_len": 30, "lr": 0.03, "epochs": 3,
      "batch_size": 64, "seed": 7}, "initial"),
    ({"task": "temperatures", "hidden_size": 3, "seq_len": 7, "epochs": 1, "batch_size": 17,
      "seed": 123456}, "trained"),
    ({"task": "adding", "seq_len": 12, "epochs": 2}, "trained"),
    ({"task": "adding", "hidden_size": 4, "seq_len": 20, "lr": 0.05, "epochs": 1,
      "batch_size": 50, "seed": 31}, "initial"),
    ({"task": "adding", "hidden_size": 6, "seq_len": 15, "epochs": 2, "batch_size": 100,
      "seed": 2024}, "trained"),
]


def _page(cache_folder, settings: dict, phase: str, rng: random.Random) -> TrainingExplorer:
    """A dashboard trained to the end on ``settings``, showing a random sequence, step and unit
    under ``phase``'s weights."""
    model = TrainingModel(cache=ModelCache(cache_folder))
    model.configure(**settings)
    page = TrainingExplorer(model)
    page.train()  # no kernel loop here: it trains to the end at once
    assert model.status == "trained", model.message
    model.phase = phase
    model.sample = rng.randint(0, len(model.data.X_valid) - 1)
    model.step = rng.randint(1, model.seq_len)
    model.unit = rng.randint(0, model.hidden_size - 1)
    return page


def _recipe(page: TrainingExplorer):
    m = page.model
    return training_recipe(m.config, phase=m.phase, sample=m.sample, step=m.step, unit=m.unit,
                           link=page.query)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    rng = random.Random(15)
    pages = [_page(tmp_path_factory.mktemp("models"), settings, phase, rng)
             for settings, phase in SETTINGS]
    ran = run_all([(_recipe(p).code + WEIGHTS, NAMES) for p in pages])
    return list(zip(pages, ran, strict=True))


def test_the_code_reads_the_same_data(runs):
    for page, ran in runs:
        d, v = page.model.data, ran.values
        for name in ("X_train", "y_train", "X_valid", "y_valid"):
            assert torch.equal(v[name], getattr(d, name)), (page.query, name)
        np.testing.assert_array_equal(v["truth"].numpy(), d.truth)


def test_the_yardsticks_are_the_pages(runs):
    for page, ran in runs:
        d, v = page.model.data, ran.values
        assert list(v["yardsticks"]) == list(d.yardsticks)
        for name, p in d.yardsticks.items():
            np.testing.assert_array_equal(v["yardsticks"][name].numpy(), p)
            error, second = v["scores"][name]
            assert error == pytest.approx(d.error(p), rel=1e-12)
            assert second == pytest.approx(d.mae(p) if d.name == "temperatures"
                                           else d.accuracy(p), rel=1e-12)
            # the results table prints the same three digits
            assert (f"<th scope='row'>{html.escape(name)}</th><td>{error:.3g}</td>"
                    in page.results.value)


def test_the_initial_weights_are_the_pages_bit_for_bit(runs):
    for page, ran in runs:
        t, initial = page.model.trainer, ran.values["initial"]
        assert list(initial) == list(t.initial)
        for name, tensor in t.initial.items():
            assert torch.equal(initial[name], tensor), (page.query, name)


def test_training_gives_the_pages_curves_and_weights_bit_for_bit(runs):
    for page, ran in runs:
        t, v = page.model.trainer, ran.values
        # the training curve is the same sum of batch losses: exactly the same floats
        assert v["history"]["train"] == t.history.train, page.query
        # the validation curve: torch's mean against numpy's, so to float64 rounding
        assert v["history"]["valid"] == pytest.approx(t.history.valid, rel=1e-12)
        np.testing.assert_array_equal(page.curves.valid_curve, np.float32(v["history"]["valid"]))
        np.testing.assert_array_equal(page.curves.train_curve, np.float32(v["history"]["train"]))
        for name, tensor in t.model.state_dict().items():
            assert torch.equal(v["model_state"][name], tensor), (page.query, name)
        np.testing.assert_array_equal(v["predictions"].numpy(), t.valid_predictions)
        error, second = v["scores"]["this LSTM"]
        assert error == pytest.approx(t.history.valid[-1], rel=1e-12)
        assert second == pytest.approx(t.data.mae(t.valid_predictions) if t.data.unit
                                       else t.data.accuracy(t.valid_predictions), rel=1e-12)
        assert f"<th scope='row'>this LSTM</th><td>{error:.3g}</td>" in page.results.value


def test_the_steps_are_the_pages_under_its_phase(runs):
    for page, ran in runs:
        m, v = page.model, ran.values
        trace = m.trace(m.phase)
        for name, p in m.weights(m.phase).items():
            np.testing.assert_array_equal(v["net_state"][f"lstm.{name}"].numpy(), p)
        np.testing.assert_array_equal(v["gates"].numpy(), trace.gates[0])  # (n_E, 4, H)
        np.testing.assert_array_equal(v["h"].numpy(), trace.h[0])  # (n_E + 1, H)
        np.testing.assert_array_equal(v["c"].numpy(), trace.c[0])
        e, j = m.step, m.unit
        i, f, g, o = trace.gates[0, e - 1, :, j]
        assert f"  i = {i:.4f}, f = {f:.4f}, g = {g:.4f}, o = {o:.4f}" in ran.lines
        assert any(line.startswith("  c_e = ") and line.endswith(f" = {trace.c[0, e, j]:.4f}")
                   for line in ran.lines)
        assert f"step e = {e}, unit j = {j} ({m.phase} weights):" in ran.lines


def test_the_prediction_and_the_memory_are_the_pages(runs):
    for page, ran in runs:
        m, v = page.model, ran.values
        assert v["y_hat"] == m.prediction(), page.query
        np.testing.assert_array_equal(v["survival"].numpy(), m.survival())  # (H, n_E)
        np.testing.assert_array_equal(v["dependence"].numpy(), m.dependence())  # (n_E,)
        # the page's memory view draws the same numbers
        np.testing.assert_array_equal(page.memory.initial_dependence,
                                      np.float32(m.dependence("initial")))
        kept = m.survival()[:, 0]
        assert (f"of step 1, unit {int(kept.argmax())} keeps the most: {kept.max():.3f}"
                in ran.lines)


def test_the_notebook_explains_each_step(runs):
    page, _ran = runs[0]
    recipe = _recipe(page)
    nb = nbformat.reads(recipe.notebook_bytes().decode(), as_version=4)
    assert recipe.filename == "4_training.ipynb"
    assert [c.cell_type for c in nb.cells[1:]] == ["markdown", "code"] * len(recipe.sections)
    assert page.query in nb.cells[0].source
    assert "torch.set_num_threads(1)" in recipe.sections[0].code


def test_only_the_chosen_task_is_written_out(runs):
    for page, _ran in runs:
        code = _recipe(page).code
        temperatures = page.model.task == "temperatures"
        assert ("seattle-weather.csv" in code) == temperatures
        assert ("adding_sequences" in code) != temperatures
        assert ("import numpy" in code) == temperatures


def test_the_comparisons_code_gives_the_pages_curves_and_gradients():
    """Once the page's comparison has run, its code trains the three cells as the page did:
    the same validation curves, the same solving epochs, the same ||dŷ/ds_e||."""
    from dataclasses import replace

    from tests.generated_code import run
    from widgets.maths.comparison import Comparison
    from widgets.maths.memory import state_dependence
    from widgets.maths.training import defaults_for

    config = replace(defaults_for("adding", seed=4), seq_len=10, hidden_size=4, epochs=4)
    page = Comparison(config)
    while not page.done:
        page.run()
    recipe = training_recipe(config, sample=3, compare=True,
                             solved_below=page.data.solved_below)
    code = recipe.script + ("\ncurves = {n: v[1] for n, v in compared.items()}"
                            "\nsolved = {n: v[2] for n, v in compared.items()}\n")
    ran = run(code, ["curves", "solved"])
    names = {"lstm": "LSTM", "gru": "GRU", "rnn": "plain RNN"}
    for cell, t in page.trainers.items():
        np.testing.assert_allclose(ran.values["curves"][names[cell]], t.history.valid,
                                   rtol=1e-6)
        assert ran.values["solved"][names[cell]] == t.solved_epoch
        norms, _ = state_dependence(t.model, page.data.X_valid[3])
        line = next(x for x in ran.lines if x.startswith(f"{names[cell]}: |dŷ/ds_e|"))
        assert line == (f"{names[cell]}: |dŷ/ds_e| at e = 1: {norms[0]:.2e}, at e = n_E: "
                        f"{norms[-1]:.2e}")
