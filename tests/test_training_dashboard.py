"""The training dashboard without a browser: controls, the run in the background, the cache,
bad input, presets, and the views of what was learned.

Background runs are sliced in batches (``Pace``) and waited on by the model's changes, so
what is asserted is counted, never timed.
"""

import numpy as np
import pytest
import torch

from tests.background import first, on_a_loop, run_to_its_end
from widgets import TrainingExplorer, TrainingModel
from widgets.maths.training import Trainer, defaults_for
from widgets.state.training_run import Pace
from widgets.store.model_cache import ModelCache, TrainedModel

QUICK = "epochs=3"  # a run of about a second
BY_BATCHES = Pace(seconds=None, batches=50, replay_s=0.0, wait_s=0.0)


@pytest.fixture
def cache(tmp_path):
    return ModelCache(tmp_path / "models")


def dashboard(cache, preset: str = QUICK) -> TrainingExplorer:
    return TrainingExplorer(TrainingModel(cache=cache), preset=preset, pace=BY_BATCHES)


def test_it_opens_untrained_with_the_temperatures(cache):
    d = dashboard(cache, "")
    m = d.model
    assert (m.task, m.hidden_size, m.seq_len, m.epochs) == ("temperatures", 16, 14, 20)
    assert m.status == "untrained" and m.phase == "initial" and d.phase.disabled
    assert "Untrained: press Train." in d.status.value
    assert "<th scope='row'>this LSTM (untrained)</th>" in d.results.value
    assert ("<th scope='row'>persistence (tomorrow = today)</th><td>1.96</td><td>1.49</td>"
            in d.results.value)
    assert ("<caption>The LSTM against the yardsticks</caption><thead><tr>"
            "<th scope='col'>on the 365 validation sequences</th><th scope='col'>RMSE (°C)</th>"
            "<th scope='col'>mean absolute error (°C)</th></tr></thead>") in d.results.value
    assert d.weights.titles()[0] == "weight_ih_l0 (4H × n_X) = (64 × 1)"
    assert "vega_datasets" in d.source.value


def test_train_without_a_loop_trains_to_the_end_and_shows_the_trained_model(cache):
    d = dashboard(cache)
    d.train()
    m, t = d.model, d.model.trainer
    assert m.status == "trained" and m.phase == "trained" and not d.phase.disabled
    assert len(t.history.valid) == 3
    # every number on the page is the live model's
    assert (f"<th scope='row'>this LSTM</th><td>{t.data.error(t.valid_predictions):.3g}</td>"
            in d.results.value)
    np.testing.assert_array_equal(d.weights.values("weight_hh_l0"),
                                  t.model.lstm.weight_hh_l0.detach().numpy())
    np.testing.assert_array_equal(d.curves.valid_curve, np.float32(t.history.valid))
    np.testing.assert_array_equal(d.curves.train_curve, np.float32(t.history.train))
    np.testing.assert_allclose(d.predictions.predictions, np.float32(t.valid_predictions))
    np.testing.assert_allclose(d.memory.trained_dependence, np.float32(m.dependence("trained")))
    d.phase.value = "initial"
    np.testing.assert_array_equal(d.weights.values("weight_hh_l0"),
                                  t.initial["lstm.weight_hh_l0"].numpy())
    assert "before training (initial weights)" in d.steps.step_title.value


def test_the_dashboard_trains_what_the_maths_trains(cache):
    d = dashboard(cache, "epochs=2&seed=5&hidden_size=6")
    d.train()
    direct = Trainer(d.model.config)
    direct.run()
    assert d.model.trainer.history == direct.history


def test_each_task_draws_its_answers_its_own_way(cache):
    d = dashboard(cache)
    assert d.predictions.figure.axes[0].label == "day of 2015"
    np.testing.assert_allclose(d.predictions.truth, np.float32(d.model.data.truth))  # in time
    assert "mean absolute error (°C)" in d.results.value
    d.task.value = "adding"
    data = d.model.data
    assert d.predictions.figure.axes[0].label == "validation sequence, by its target"
    assert d.predictions.figure.axes[1].label == "sum of the marked numbers"
    np.testing.assert_allclose(d.predictions.truth, np.sort(np.float32(data.truth)))
    share = np.mean(np.abs(d.model.answers - data.truth) < 0.04)
    assert (f"<th scope='col'>within 0.04</th></tr></thead><tbody><tr><th scope='row'>this "
            f"LSTM (untrained)</th><td>{data.error(d.model.answers):.3g}</td>"
            f"<td>{100 * share:.0f}%</td>") in d.results.value


def test_training_in_the_background_publishes_every_slice(cache):
    d = dashboard(cache, "task=adding&seq_len=50&epochs=8")  # 504 batches: 11 slices
    lines, controls = [], []

    def look(_change):
        lines.append(d.status.value)
        controls.append((d.controls["hidden_size"].disabled, d.task.disabled,
                         d.buttons["train"].disabled, d.buttons["stop"].disabled))

    d.model.observe(look, names="progress")  # after the dashboard's: what it drew
    on_a_loop(run_to_its_end(d.run))
    assert d.model.status == "trained" and d.model.trainer.epoch == 8
    assert len(lines) == 1 + 11  # the press, then every slice
    assert all("<b>Training…</b>" in line for line in lines[:-1])
    assert "<b>Trained.</b> epoch 8 of 8" in lines[-1]
    assert controls[:-1] == [(True, True, True, False)] * 11  # settings wait while it trains
    assert controls[-1] == (False, False, False, True)
    assert d.progress.value == d.progress.max == 504


def test_one_publication_draws_each_view_once(cache):
    d = dashboard(cache, "task=adding&seq_len=50&epochs=2")  # 126 batches: 3 slices
    drawn = {name: 0 for name in ("curves", "predictions", "weights", "memory")}
    for name in drawn:
        view = getattr(d, name)
        original = view.show

        def counted(*a, _name=name, _show=original, **k):
            drawn[_name] += 1
            return _show(*a, **k)

        view.show = counted
    told = []
    d.status.observe(lambda c: told.append(c["new"]), names="value")
    on_a_loop(run_to_its_end(d.run))
    # the press and 3 slices: the curves 4 times, the answers 3, the weights once, at the end
    assert drawn == {"curves": 4, "predictions": 3, "weights": 1, "memory": 1}
    assert len(told) == 4


def test_stop_is_honoured_within_one_slice_and_train_goes_on(cache):
    d = dashboard(cache, "task=adding&seq_len=100&epochs=50")
    m = d.model

    async def stop_after_an_epoch():
        pressed = await first(m, "progress", lambda p: p.epoch > 0)
        d.buttons["stop"].click()
        stopped = await first(m, "progress", lambda p: p.status != "training")
        assert stopped.done - pressed.done <= BY_BATCHES.batches  # the slice under way

    on_a_loop(run_to_its_end(d.run, stop_after_an_epoch()))
    assert m.status == "stopped" and m.phase == "trained"
    assert "<b>Stopped.</b>" in d.status.value and not d.phase.disabled
    done = m.trainer.batches_done
    assert 0 < done < m.trainer.batches_total

    async def stop_again():
        await first(m, "progress", lambda p: p.done > done)
        d.stop()

    on_a_loop(run_to_its_end(d.run, stop_again()))  # Train again: it goes on
    assert m.trainer.batches_done > done


def test_reset_during_a_run_stops_it_then_resets(cache):
    d = dashboard(cache, "task=adding&epochs=50")

    async def reset_after_a_slice():
        await first(d.model, "progress", lambda p: p.done > 0)
        d.buttons["reset"].click()

    on_a_loop(run_to_its_end(d.run, reset_after_a_slice()))
    assert d.model.status == "untrained" and d.model.trainer.batches_done == 0
    assert "Untrained: press Train." in d.status.value and not d.buttons["train"].disabled


def test_a_cached_run_is_replayed_not_trained(cache):
    first_page = dashboard(cache)
    first_page.train()
    second = dashboard(cache)
    frames = []  # the curves drawn at each frame
    second.model.observe(lambda _c: frames.append(len(second.curves.valid_curve)),
                         names="progress")
    on_a_loop(run_to_its_end(second.run))
    assert second.model.status == "trained"
    assert "taken from the model cache" in second.model.message
    assert second.model.trainer.history == first_page.model.trainer.history
    assert frames == [0, 0, 1, 2, 3, 3]  # the press, replaying, the curves grew, adopted
    assert second.progress.tooltip == "Training progress: 102 of 102 batches"
    for name, value in first_page.model.trainer.model.state_dict().items():
        assert torch.equal(second.model.trainer.model.state_dict()[name], value)


def test_a_second_kernel_waits_for_the_first_and_uses_its_model(cache):
    d = dashboard(cache)
    claim = cache.claim(d.model.config)  # another kernel is training these settings
    lines = []

    async def the_other_kernel_finishes():
        await first(d.model, "status", lambda s: s == "waiting")
        lines.append(d.status.value)
        other = Trainer(d.model.config)
        other.run()
        cache.put(TrainedModel.of(other))
        claim.release()

    on_a_loop(run_to_its_end(d.run, the_other_kernel_finishes()))
    assert lines == ["<div><b>Waiting…</b> epoch 0 of 3 · Another dashboard on this server is "
                     "training these very settings; its result will be used here.</div>"]
    assert d.model.status == "trained" and "model cache" in d.model.message


@pytest.mark.parametrize(("name", "value", "message"), [
    ("lr", float("nan"), "learning rate must be from 0.0001 to 1; nan was refused."),
    ("lr", -0.1, "learning rate must be from 0.0001 to 1; -0.1 was refused."),
    ("lr", 1e308, "learning rate must be from 0.0001 to 1; 1e+308 was refused."),
    ("lr", "0.01", "learning rate must be a number from 0.0001 to 1; '0.01' was refused."),
    ("epochs", 10**9, "epochs must be from 1 to 300; 1000000000 was refused."),
    ("hidden_size", 0, "H must be from 1 to 64; 0 was refused."),
])
def test_bad_values_over_the_websocket_are_refused_with_a_sentence(cache, name, value, message):
    d = dashboard(cache)
    before = d.model.config
    d.controls[name].set_state({"value": value})
    assert d.message == message
    assert d.model.config == before
    d.controls["hidden_size"].value = 5  # the kernel still answers and rebuilds
    assert d.model.hidden_size == 5 and d.message == ""


def test_settings_cannot_be_forced_while_training(cache):
    d = dashboard(cache, "task=adding&epochs=20")
    messages = []

    async def force_a_size():
        await first(d.model, "progress", lambda p: p.done > 0)
        d.controls["hidden_size"].set_state({"value": 3})
        messages.append(d.message)
        d.stop()

    on_a_loop(run_to_its_end(d.run, force_a_size()))
    assert messages == ["H is switched off here; 3 was refused."]
    assert d.model.hidden_size == 8


def test_a_diverging_run_stops_and_says_so(cache):
    d = dashboard(cache)
    data = d.model.data
    data.y_train.fill_(float("inf"))  # as a far too large learning rate would, at some batch
    d.train()
    assert d.model.status == "diverged"
    assert d.message.startswith("The loss became inf at epoch 1")
    assert "<b>Diverged.</b>" in d.status.value
    d.reset()
    assert d.model.status == "untrained"


def test_a_failed_run_is_told_on_the_banner(cache, monkeypatch):
    d = dashboard(cache)

    def broken(*_args):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(d.model, "advance", broken)
    on_a_loop(run_to_its_end(d.run))
    assert d.message == ("Training failed (RuntimeError: out of memory). Press Reset and try "
                         "again, or smaller sizes.")
    assert "banner-error" in d.banner.value
    assert "<b>Stopped.</b> epoch 0 of 3 · Training failed." in d.status.value
    assert not d.buttons["train"].disabled


def test_a_new_task_brings_its_defaults_and_the_seed_stays(cache):
    d = dashboard(cache, "seed=4")
    d.task.value = "adding"
    m = d.model
    assert m.config == defaults_for("adding", seed=4)
    assert d.controls["seq_len"].value == 50 and d.controls["lr"].value == 0.01
    assert d.weights.titles()[0] == "weight_ih_l0 (4H × n_X) = (32 × 2)"
    assert "memoryless (sees only the last step)" in d.results.value
    d.task.set_state({"index": 7})
    assert d.message == "task: choose one of the 3 options; 7 was refused."


def test_the_learning_rate_reads_as_three_digits(cache):
    d = dashboard(cache)
    d.controls["lr"].value = 10**-2.5
    assert d.model.lr == 0.00316 and "lr=0.00316" in d.link.query


def test_a_link_opens_a_trained_model(cache):
    d = dashboard(cache, "task=adding&seq_len=20&epochs=2&phase=trained&sample=3&step=9")
    m = d.model
    assert m.status == "trained" and m.phase == "trained"  # trained on open (no loop here)
    assert (m.sample, m.step) == (3, 9)
    assert d.query == ("?task=adding&hidden_size=8&seq_len=20&lr=0.01&epochs=2&batch_size=32"
                       "&seed=0&sample=3&step=9&unit=0&phase=trained")


@pytest.mark.parametrize(("query", "problem", "lr"), [
    ("lr=0.003", None, 0.003),
    ("lr=abc", "learning rate='abc' is not a number; it was ignored.", 0.01),
    ("lr=5", "learning rate=5 is outside 0.0001 to 1; using 1.", 1.0),
    ("lr=nan", "learning rate='nan' is not a number; it was ignored.", 0.01),
    ("phase=later", "phase='later' is not one of initial, trained; it was ignored.", 0.01),
])
def test_presets_with_a_number_and_a_choice(cache, query, problem, lr):
    d = dashboard(cache, query)
    assert d.model.lr == lr
    assert (problem or "") in d.message and (problem is not None) == bool(d.message)


def test_a_change_draws_the_views_of_the_weights_once(cache):
    d = dashboard(cache)
    drawn = []
    original = d.weights.show
    d.weights.show = lambda *a, **k: (drawn.append(1), original(*a, **k))[1]
    d.controls["hidden_size"].value = 6  # a rebuild: new revision, the phase set back
    assert len(drawn) == 1
    d.train()  # the run's end
    assert len(drawn) == 2
    d.phase.value = "initial"
    d.controls["step"].value = 3  # a step redraws the strips, not the weights
    assert len(drawn) == 3


def test_the_weights_colour_range_says_why_and_offers_each_its_own(cache):
    """Untrained: ±1/√H, said. Trained: one range for both phases (the initial weights look
    pale, and the page says that is the finding) or each phase its own, read from its weights."""
    d = dashboard(cache)
    H = d.model.hidden_size
    assert d.weights.range == pytest.approx((-1 / H**0.5, 1 / H**0.5))
    assert d.scale.disabled and "U(−1/√H, 1/√H)" in d.learned.scale_note.value
    d.train()
    m = d.model
    largest = {p: max(float(np.abs(w).max()) for w in m.weights(p).values())
               for p in ("initial", "trained")}
    assert largest["trained"] > 2 * largest["initial"]  # training grew them: the jump
    assert not d.scale.disabled and d.scale.value == "both"
    both = d.weights.range[1]
    assert both >= largest["trained"]
    d.phase.value = "initial"
    assert d.weights.range[1] == both  # one range: the same colour, the same number
    assert "look pale" in d.learned.scale_note.value and "±1/√H" in d.learned.scale_note.value
    d.scale.value = "own"
    own = d.weights.range[1]
    assert largest["initial"] <= own < both  # the initial weights on their own range
    d.phase.value = "trained"
    assert largest["trained"] <= d.weights.range[1] <= both
    d.scale.set_state({"index": 7})  # forced over the websocket: refused with a sentence
    assert d.scale.value == "own" and d.message
