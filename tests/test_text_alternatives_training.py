"""The training dashboard for a screen reader, without a browser: every chart's words follow
the live run, "Show the numbers" holds the run's numbers as tables and follows training, and
what changes in the run is announced once, not at every tick."""

import html
import re

import bqplot as bq
import numpy as np
import pytest

from tests.background import on_a_loop, run_to_its_end
from widgets import TrainingExplorer, TrainingModel
from widgets.state.training_run import Pace
from widgets.store.model_cache import ModelCache
from widgets.views.learning_curves import CurvesChart, PredictionsChart
from widgets.views.memory_view import MemoryView
from widgets.views.text_alternative import FigureText, value_range

QUICK = "epochs=3"  # a run of about a second
BY_BATCHES = Pace(seconds=None, batches=50, replay_s=0.0, wait_s=0.0)  # counted, not timed


def dashboard(cache_dir, preset: str = QUICK) -> TrainingExplorer:
    return TrainingExplorer(TrainingModel(cache=ModelCache(cache_dir)), preset=preset,
                            pace=BY_BATCHES)


@pytest.fixture
def fresh(tmp_path):
    return dashboard(tmp_path / "models")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A trained dashboard, read and never changed by the tests that take it."""
    d = dashboard(tmp_path_factory.mktemp("models"))
    d.train()
    assert d.model.status == "trained"
    return d


def _rows(view: str) -> list[tuple[str, ...]]:
    """The cells of the epoch table's rows (epoch, training, validation), as written."""
    table = view.split("per epoch on the training and validation sequences")[1].split(
        "</table>")[0]
    return re.findall(r"<th scope='row'>(\d+)</th><td>([^<]*)</td><td>([^<]*)</td></tr>", table)


# --- the figures' words -------------------------------------------------------------------------
@pytest.mark.parametrize("chart", [CurvesChart, PredictionsChart, MemoryView])
def test_each_figure_has_its_words_just_before_it(chart):
    view = chart()
    figures = [k for k, c in enumerate(view.children) if isinstance(c, bq.Figure)]
    assert figures == [view.children.index(view.figure)]
    assert view.children[figures[0] - 1] is view.alt
    assert isinstance(view.alt, FigureText) and "sr-only" in view.alt._dom_classes


def test_the_curves_say_the_runs_own_numbers(fresh, trained):
    data = fresh.model.data
    sticks = {name: data.error(p) for name, p in data.yardsticks.items()}
    assert fresh.curves.alt.text == (
        "Line chart of RMSE (°C) per epoch, log scale, over the run's 3 epochs: no epoch "
        "trained yet. Dashed flat yardsticks on the validation sequences: "
        + ", ".join(f"{name} {value:.3g}" for name, value in sticks.items()) + ".")
    h = trained.model.trainer.history
    text = trained.curves.alt.text
    assert (f"training from {h.train[0]:.3g} at epoch 1 to {h.train[-1]:.3g} at epoch 3"
            in text)
    assert f"validation from {h.valid[0]:.3g} at epoch 1 to {h.valid[-1]:.3g} at epoch 3" in text
    assert f"persistence (tomorrow = today) {sticks['persistence (tomorrow = today)']:.3g}" in text


def test_the_curves_name_a_minimum_inside_the_run():
    chart = CurvesChart()
    chart.show([0.5, 0.3, 0.2, 0.1], [0.4, 0.25, 0.3, 0.35], 10, {"mean": 0.6}, "MSE")
    assert chart.alt.text == (
        "Line chart of MSE per epoch, log scale, over the run's 10 epochs: training from 0.5 "
        "at epoch 1 to 0.1 at epoch 4; validation from 0.4 at epoch 1 to 0.35 at epoch 4 "
        "(lowest 0.25 at epoch 2). Dashed flat yardsticks on the validation sequences: "
        "mean 0.6.")


def test_the_predictions_say_how_far_the_answers_shown_are(fresh, trained):
    for d in (fresh, trained):
        data, answers = d.model.data, d.model.answers
        text = d.predictions.alt.text
        assert text.startswith("Chart of min. temperature (°C) for 365 validation sequences "
                               "along the x axis (day of 2015): the truth as a line, ")
        assert f"the truth as a line, {value_range(data.truth)};" in text
        assert f"the LSTM's answers as crosses, {value_range(answers)}." in text
        # the error of the arrays drawn, and the results table's mean absolute error
        drawn = np.mean(np.abs(np.float64(d.predictions.predictions)
                               - np.float64(d.predictions.truth)))
        assert text.endswith(f"Mean absolute error of the answers: {data.mae(answers):.3g}.")
        assert np.isclose(drawn, data.mae(answers), rtol=1e-5)
    assert fresh.predictions.alt.text != trained.predictions.alt.text


def test_truth_and_answers_differ_by_shape_and_say_so():
    chart = PredictionsChart()
    truth, answer = chart.figure.marks
    # a line against crosses: told apart in greyscale too, and the legend names both
    assert isinstance(truth, bq.Lines) and truth.marker is None
    assert isinstance(answer, bq.Scatter) and answer.marker == "cross"
    assert truth.display_legend and answer.display_legend
    assert (truth.labels, answer.labels) == (["truth"], ["LSTM's answer"])
    assert "as a line" in chart.alt.text or chart.alt.text == ""
    chart.show([1.0, 3.0], [2.0, 2.0], order="truth", x_label="sequence", y_label="sum",
               title="t")
    assert chart.alt.text == ("Chart of sum for 2 validation sequences along the x axis "
                              "(sequence): the truth as a line, from 1.00 to 3.00; the LSTM's "
                              "answers as crosses, from 2.00 to 2.00. Mean absolute error of "
                              "the answers: 1.")


def test_the_memory_chart_says_where_the_prediction_depends(fresh, trained):
    assert fresh.memory.alt.text.endswith("; no trained weights yet.")
    m = trained.model
    text = trained.memory.alt.text
    for name, values in (("initial weights (dashed)", m.dependence("initial")),
                         ("trained weights (solid)", m.dependence("trained"))):
        assert (f"{name} from {values.min():.3g} to {values.max():.3g}, largest at step "
                f"e = {int(values.argmax()) + 1}") in text
    assert f"at steps e = 1 to {m.seq_len}:" in text


def test_the_memory_words_follow_the_sequence(tmp_path):
    d = dashboard(tmp_path)
    d.train()
    before = d.memory.alt.text
    d.controls["sample"].value = 40
    trained = d.model.dependence("trained")
    assert d.memory.alt.text != before
    assert f"trained weights (solid) from {trained.min():.3g} to {trained.max():.3g}" in \
        d.memory.alt.text


# --- the numbers --------------------------------------------------------------------------------
def test_the_numbers_panel_sits_beside_the_code_panel(fresh):
    assert fresh.panels in fresh.children and fresh.code not in fresh.children
    assert fresh.numbers.toggle in fresh.panels.children[0].children
    assert fresh.numbers.view.value == ""  # closed: nothing computed


def test_untrained_numbers_have_no_curves_yet(fresh):
    view = fresh.numbers_html()
    assert view.startswith("<p>The run: untrained, epoch 0 of 3.</p>")
    assert "No epoch trained yet" in view and "per epoch on the" not in view
    assert "The LSTM&#x27;s answers (untrained) and the truth on the 365" in view


def test_the_numbers_are_the_runs(trained):
    t, data = trained.model.trainer, trained.model.data
    view = trained.numbers_html()
    assert "<caption>RMSE (°C) per epoch on the training and validation sequences</caption>" \
        in view
    assert _rows(view) == [(str(k), f"{a:+.4f}", f"{b:+.4f}")
                           for k, (a, b) in enumerate(zip(t.history.train, t.history.valid,
                                                          strict=True), start=1)]
    assert _rows(view)[-1][2] == f"{t.history.valid[-1]:+.4f}"
    for name, p in data.yardsticks.items():
        assert f"<th scope='row'>{html.escape(name)}</th><td>{data.error(p):+.4f}</td>" in view
    # the answers against the truth, every validation sequence
    for k in (0, 100, 364):
        y, p = data.truth[k], t.valid_predictions[k]
        assert (f"<th scope='row'>{k}</th><td>{data.valid_labels[k]}</td><td>{y:+.4f}</td>"
                f"<td>{p:+.4f}</td><td>{p - y:+.4f}</td></tr>") in view
    assert view.count("<td>2015-") == len(data.truth) == 365


def test_the_step_tables_are_the_step_views(tmp_path):
    d = dashboard(tmp_path)
    d.train()
    m = d.model
    m.sample, m.step, m.unit = 7, 5, 2
    view = d.numbers_html()
    trace = m.trace()  # the trained weights', the phase the views show
    assert f"<h4>Validation sequence 7 ({m.data.valid_labels[7]}), after training</h4>" in view
    assert "<caption>x_5: the input at step e = 5 (validation sequence 7)</caption>" in view
    assert f"<td>{float(trace.h[0, 5, 2]):+.4f}</td></tr><tr><th scope='row'>3</th>" in view
    d.phase.value = "initial"
    before = m.trace()
    view = d.numbers_html()
    assert "before training (initial weights)</h4>" in view
    assert f"<td>{float(before.gates[0, 4, 1, 0]):+.4f}</td>" in view  # f_5 of unit 0
    assert not np.allclose(before.h, trace.h)


def test_an_open_panel_follows_the_run_as_it_trains(tmp_path):
    d = dashboard(tmp_path, "task=adding&seq_len=50&epochs=6")
    d.numbers.toggle.value = True
    assert "No epoch trained yet" in d.numbers.view.value
    seen = []  # epochs in the table at every refresh the panel sent
    d.numbers.view.observe(lambda c: seen.append(len(_rows(c["new"]))
                                                 if "per epoch" in c["new"] else 0),
                           names="value")

    on_a_loop(run_to_its_end(d.run))
    t = d.model.trainer
    assert d.model.status == "trained" and t.epoch == 6
    # while it trained the phase stayed put: only the run's progress moved the panel
    assert any(0 < n < 6 for n in seen), seen
    assert seen == sorted(seen) and seen[-1] == 6
    view = d.numbers.view.value
    assert "The run: trained, epoch 6 of 6." in view
    assert _rows(view)[-1] == ("6", f"{t.history.train[-1]:+.4f}", f"{t.history.valid[-1]:+.4f}")
    d.model.set_status("waiting", "Another kernel.")  # the status alone moves it too
    assert "The run: waiting, epoch 6 of 6." in d.numbers.view.value


# --- what is announced --------------------------------------------------------------------------
def test_the_run_is_announced_when_it_changes_not_at_every_tick(tmp_path):
    d = dashboard(tmp_path, "task=adding&seq_len=50&epochs=6")
    assert {"live-status", "sr-only"} <= set(d.announcer._dom_classes)
    assert "live-alert" in d.banner._dom_classes
    lines, said = [], []
    d.status.observe(lambda c: lines.append(c["new"]), names="value")
    d.announcer.observe(lambda c: said.append(c["new"]), names="value")

    on_a_loop(run_to_its_end(d.run))
    t = d.model.trainer
    assert len(lines) > 3  # the visible line moves with the run...
    assert said == [  # ...and the announcer speaks of its start and its end only
        "<p>Training… epoch 0 of 6</p>",
        f"<p>Trained. epoch 6 of 6 · validation MSE {t.history.valid[-1]:.3g} · {t.message}</p>"]
    assert d.progress.description == "progress"
    assert d.progress.tooltip == f"Training progress: {t.batches_total} of {t.batches_total} " \
        "batches"


def test_a_diverged_run_is_an_alert_and_a_status(fresh):
    fresh.model.data.y_train.fill_(float("inf"))
    fresh.train()
    assert fresh.model.status == "diverged"
    assert "banner-error" in fresh.banner.value and "live-alert" in fresh.banner._dom_classes
    assert fresh.announcer.value.startswith("<p>Diverged. epoch 0 of 3 · The loss became inf "
                                            "at epoch 1")
    fresh.reset()
    assert fresh.announcer.value == "<p>Untrained: press Train. epoch 0 of 3</p>"


def test_a_switch_of_task_is_announced_with_the_new_runs_length(tmp_path):
    """The learner's case: the status said "epoch 0 of 20" to a screen reader after the
    switch to the adding problem, whose run is 60 epochs."""
    d = TrainingExplorer(TrainingModel(cache=ModelCache(tmp_path)), pace=BY_BATCHES)
    before = d.model.epochs
    assert d.announcer.value == f"<p>Untrained: press Train. epoch 0 of {before}</p>"
    d.task.value = "adding" if d.model.task != "adding" else "temperatures"
    after = d.model.epochs
    assert after != before  # each task has its own run length
    assert d.announcer.value == f"<p>Untrained: press Train. epoch 0 of {after}</p>"
    assert f"epoch 0 of {after}" in d.status.value
