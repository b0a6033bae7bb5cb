"""The training dashboard's code, run in a fresh interpreter, gives what the dashboard shows:
the same data, curves, answers and yardsticks, the same weights before and after training,
and the same gates, memory and prediction for the view's sequence, step and unit."""

import html
import random
from dataclasses import dataclass, replace

import nbformat
import numpy as np
import pytest
import torch

from tests.generated_code import Ran, run_all
from widgets import TrainingExplorer, TrainingModel
from widgets.codegen.training import training_recipe
from widgets.maths.cells import CELL_GATES, CELL_LABELS, CELLS, trace_cell
from widgets.maths.lstm import MATCH_ATOL, trace_lstm
from widgets.maths.memory import forget_survival, input_dependence, update_survival
from widgets.maths.training import ManyToOne, TrainConfig, Trainer, defaults_for
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


# --- every cell: the GRU and the plain RNN in the LSTM's place ----------------------------------
# (cell, settings, phase): the GRU and the plain RNN on both tasks, small, one or two epochs;
# the LSTM's cases are the page's runs above
CELL_CASES = [
    ("gru", {"task": "temperatures", "hidden_size": 5, "seq_len": 9, "epochs": 2, "seed": 3},
     "trained"),
    ("gru", {"task": "adding", "hidden_size": 4, "seq_len": 12, "epochs": 1, "batch_size": 100,
             "seed": 5}, "initial"),
    ("rnn", {"task": "adding", "hidden_size": 6, "seq_len": 10, "epochs": 2, "batch_size": 64,
             "seed": 8}, "trained"),
    ("rnn", {"task": "temperatures", "hidden_size": 3, "seq_len": 7, "epochs": 1, "seed": 11},
     "initial"),
]
# what each cell's code leaves beyond the common names: the LSTM its gates, c and survival,
# the GRU its gates and survival, the plain RNN neither
CELL_NAMES = {"lstm": NAMES, "gru": [n for n in NAMES if n != "c"],
              "rnn": [n for n in NAMES if n not in ("c", "gates", "survival")]}


@dataclass
class CellCase:
    config: TrainConfig
    phase: str
    sample: int
    step: int
    unit: int
    trainer: Trainer
    ran: Ran

    @property
    def net(self) -> ManyToOne:
        """The trainer's model under the case's phase."""
        t = self.trainer
        if self.phase == "trained":
            return t.model
        net = ManyToOne(t.data.n_x, self.config.hidden_size, self.config.cell)
        net.load_state_dict(t.initial)
        return net

    @property
    def x(self) -> torch.Tensor:
        return self.trainer.data.X_valid[self.sample : self.sample + 1]  # (1, n_E, n_X)


@pytest.fixture(scope="module")
def cell_runs(runs) -> dict[str, list[CellCase]]:
    """Each case trained by ``Trainer`` in this process and by its code in a fresh one; the
    LSTM's, the pages' runs (their trainer and their code's run)."""
    rng = random.Random(27)
    cases, jobs = [], []
    for cell, settings, phase in CELL_CASES:
        config = replace(defaults_for(settings["task"]), cell=cell, **settings)
        trainer = Trainer(config)
        trainer.run()  # to the end
        assert trainer.status == "finished", trainer.message
        sample = rng.randint(0, len(trainer.data.X_valid) - 1)
        step, unit = rng.randint(1, config.seq_len), rng.randint(0, config.hidden_size - 1)
        recipe = training_recipe(config, phase=phase, sample=sample, step=step, unit=unit)
        cases.append((config, phase, sample, step, unit, trainer))
        jobs.append((recipe.code + WEIGHTS, CELL_NAMES[cell]))
    by_cell: dict[str, list[CellCase]] = {cell: [] for cell in CELLS}
    by_cell["lstm"] = [CellCase(m.config, m.phase, m.sample, m.step, m.unit, m.trainer, ran)
                       for m, ran in ((page.model, ran) for page, ran in runs)]
    for case, ran in zip(cases, run_all(jobs), strict=True):
        by_cell[case[0].cell].append(CellCase(*case, ran))
    return by_cell


@pytest.mark.parametrize("cell", CELLS)
def test_each_cells_code_trains_as_the_trainer_bit_for_bit(cell_runs, cell):
    for case in cell_runs[cell]:
        t, v = case.trainer, case.ran.values
        assert list(v["initial"]) == list(t.initial)  # e.g. gru.weight_ih_l0, named by the cell
        for name, tensor in t.initial.items():
            assert torch.equal(v["initial"][name], tensor), (cell, name)
        assert v["history"]["train"] == t.history.train, case.config
        assert v["history"]["valid"] == pytest.approx(t.history.valid, rel=1e-12)
        assert list(v["model_state"]) == list(t.model.state_dict())
        for name, tensor in t.model.state_dict().items():
            assert torch.equal(v["model_state"][name], tensor), (cell, name)
        np.testing.assert_array_equal(v["predictions"].numpy(), t.valid_predictions)
        error, _ = v["scores"][f"this {CELL_LABELS[cell]}"]
        assert error == pytest.approx(t.history.valid[-1], rel=1e-12)


@pytest.mark.parametrize("cell", CELLS)
def test_each_cells_recurrence_by_hand_is_ours(cell_runs, cell):
    for case in cell_runs[cell]:
        v, lines, net = case.ran.values, case.ran.lines, case.net
        for name, tensor in net.state_dict().items():
            assert torch.equal(v["net_state"][name], tensor), (cell, case.phase, name)
        e, j, h = case.step, case.unit, v["h"][0]
        assert f"step e = {e}, unit j = {j} ({case.phase} weights):" in lines
        if cell == "lstm":
            trace = trace_lstm(net.lstm, case.x)
            gates = dict(zip("ifgo", trace.gates[0].transpose(1, 0, 2), strict=True))
            np.testing.assert_array_equal(v["c"].numpy(), trace.c[0])
        else:
            trace = trace_cell(net.recurrent, case.x)
            gates = {g: value[0] for g, value in trace.gates.items()}  # each (n_E, H)
        np.testing.assert_array_equal(v["h"].numpy(), trace.h[0])  # (n_E + 1, H), from h_0
        if CELL_GATES[cell]:  # (n_E, gates, H); the plain RNN's code leaves none
            assert v["gates"].shape == (case.config.seq_len, len(CELL_GATES[cell]), len(h))
        for k, g in enumerate(CELL_GATES[cell]):
            np.testing.assert_array_equal(v["gates"][:, k].numpy(), gates[g])
        module = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}[cell]
        line = next(x for x in lines if x.startswith(f"max |our h_e - nn.{module}'s output|: "))
        assert float(line.rsplit(" ", 1)[1]) <= MATCH_ATOL
        # unit j's numbers at step e, as the trace has them
        h_line = next(x for x in lines if x.startswith("  h_e = "))
        assert h_line.endswith(f" = {trace.h[0, e, j]:.4f}"), h_line
        if cell == "gru":
            for g in "rzn":
                line = next(x for x in lines if x.startswith(f"  {g} = "))
                assert line.endswith(f") = {gates[g][e - 1, j]:.4f}"), line
            assert f" × {trace.h[0, e - 1, j]:.4f} = " in h_line  # z h_(e-1)
        with torch.no_grad():
            y_hat = float(case.trainer.data.to_task(net(case.x)[0, 0]))
        assert v["y_hat"] == y_hat


@pytest.mark.parametrize("cell", CELLS)
def test_each_cells_memory_is_ours(cell_runs, cell):
    for case in cell_runs[cell]:
        v, net = case.ran.values, case.net
        x = case.trainer.data.X_valid[case.sample]  # (n_E, n_X)
        np.testing.assert_array_equal(v["dependence"].numpy(),
                                      input_dependence(net, x, channel=0))
        if cell == "rnn":
            assert "survival" not in v  # no gate holds its state: nothing to multiply
            continue
        gates = (trace_lstm(net.lstm, case.x).gates[0, :, 1] if cell == "lstm"
                 else trace_cell(net.recurrent, case.x).gates["z"][0])  # f, or z: (n_E, H)
        survival = forget_survival(gates) if cell == "lstm" else update_survival(gates)
        np.testing.assert_array_equal(v["survival"].numpy(), survival)  # (H, n_E)
        kept = survival[:, 0]
        assert (f"of step 1, unit {int(kept.argmax())} keeps the most: {kept.max():.3f}"
                in case.ran.lines)


# what only an LSTM has: none of it in another cell's notebook, outside the comparison
LSTM_WORDS = ("LSTM", "forget", "c_e", "c<sub>", "c_(e", "cell state", "i, f, g, o", "4H",
              "c_0")
GRU_WORDS = ("r, z, n", "3H", "update gate", "survival =", "z_e")


@pytest.mark.parametrize("cell", ["gru", "rnn"])
@pytest.mark.parametrize("task", ["temperatures", "adding"])
def test_a_gru_or_rnn_notebook_speaks_of_its_own_cell(cell, task):
    config = replace(defaults_for(task), cell=cell)
    recipe = training_recipe(config, compare=True, solved_below=0.01)
    label = CELL_LABELS[cell]
    assert recipe.title.startswith(f"What a {label} learns: ")
    assert f"the same many-to-one {label} trained" in recipe.intro
    *own, comparison = recipe.sections
    assert comparison.title.startswith("Why the LSTM")  # the comparison stays as it is
    assert "nn.LSTM" in comparison.code
    model = next(s for s in own if s.title.startswith("The model"))
    assert f"self.{cell} = nn.{ {'gru': 'GRU', 'rnn': 'RNN'}[cell]}(" in model.code
    forbidden = LSTM_WORDS + (GRU_WORDS if cell == "rnn" else ())
    for section in own:
        for word in forbidden:
            assert word not in section.title + section.text + section.code, (section.title, word)
    learned = next(s for s in own if s.title.startswith("What it learned"))
    memory = next(s for s in own if s.title.startswith("Memory"))
    assert f"`nn.{cell.upper()}`'s own output" in learned.text
    if cell == "gru":
        assert "update gates z<sub>e+1</sub> ⋯ z<sub>n_E</sub>" in memory.text
    else:
        assert "no gate that holds its state" in memory.text
        assert "survival" not in memory.title
