"""The training dashboard without a browser: controls, the run in the background, the cache,
bad input, presets, and the views of what was learned."""

import asyncio
import time

import numpy as np
import pytest
import torch

from bench.voila_client import run
from widgets import TrainingExplorer, TrainingModel
from widgets.dashboards.training_dashboard import TICK_S
from widgets.maths.training import Trainer, defaults_for
from widgets.store.model_cache import ModelCache, TrainedModel

QUICK = "epochs=3"  # a run of about a second


@pytest.fixture
def cache(tmp_path):
    return ModelCache(tmp_path / "models")


def dashboard(cache, preset: str = QUICK) -> TrainingExplorer:
    return TrainingExplorer(TrainingModel(cache=cache), preset=preset)


async def _background(d: TrainingExplorer, during=None) -> None:
    """Press Train with an event loop running, as the kernel's does in Voila; wait for the run.

    Each test runs it with ``run``: in a thread of its own, out of any loop the session has.
    """
    d.train_in(asyncio.get_running_loop())
    assert d.running
    if during is not None:
        await during(d)
    await d._job


def test_it_opens_untrained_with_the_temperatures(cache):
    d = dashboard(cache, "")
    m = d.model
    assert (m.task, m.hidden_size, m.seq_len, m.epochs) == ("temperatures", 16, 14, 20)
    assert m.status == "untrained" and m.phase == "initial" and d.phase.disabled
    assert "Untrained: press Train." in d.status.value
    assert "this LSTM (untrained)" in d.results.value
    assert "persistence (tomorrow = today)</td><td>1.96</td><td>1.49" in d.results.value
    assert d.weights.titles()[0] == "weight_ih_l0 (4H × n_X) = (64 × 1)"
    assert "vega_datasets" in d.source.value


def test_train_without_a_loop_trains_to_the_end_and_shows_the_trained_model(cache):
    d = dashboard(cache)
    d.train()
    m, t = d.model, d.model.trainer
    assert m.status == "trained" and m.phase == "trained" and not d.phase.disabled
    assert len(t.history.valid) == 3
    # every number on the page is the live model's
    assert f"<td>this LSTM</td><td>{t.data.error(t.valid_predictions):.3g}</td>" in d.results.value
    np.testing.assert_array_equal(d.weights.values("weight_hh_l0"),
                                  t.model.lstm.weight_hh_l0.detach().numpy())
    np.testing.assert_array_equal(d.curves._valid.y, np.float32(t.history.valid))
    np.testing.assert_allclose(d.predictions._prediction.y, np.float32(t.valid_predictions))
    assert d.memory._trained.visible
    np.testing.assert_allclose(d.memory._trained.y, np.float32(m.dependence("trained")))
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


def test_training_in_the_background_publishes_a_few_times_a_second(cache):
    d = dashboard(cache, "task=adding&seq_len=50&epochs=8")
    revisions, disabled = [], []
    d.model.observe(lambda c: revisions.append(time.perf_counter()), names="revision")

    async def during(d):
        await asyncio.sleep(0.05)
        disabled.append((d.controls["hidden_size"].disabled, d.task.disabled,
                         d.buttons["train"].disabled, d.buttons["stop"].disabled))

    start = time.perf_counter()
    run(_background(d, during))
    took = time.perf_counter() - start
    assert d.model.status == "trained" and d.model.trainer.epoch == 8
    assert disabled == [(True, True, True, False)]  # settings wait while it trains
    assert not d.controls["hidden_size"].disabled and d.buttons["stop"].disabled
    assert len(revisions) >= took / TICK_S / 2  # a look every slice or so
    gaps = np.diff(revisions)
    assert np.median(gaps) < 3 * TICK_S


def test_stop_is_honoured_within_half_a_second_and_train_goes_on(cache):
    d = dashboard(cache, "task=adding&seq_len=100&epochs=50")
    stopped_in = []

    async def during(d):
        await asyncio.sleep(0.6)
        pressed = time.perf_counter()
        d.stop()
        await d._job
        stopped_in.append(time.perf_counter() - pressed)

    run(_background(d, during))
    assert stopped_in[0] < 0.5
    m = d.model
    assert m.status == "stopped" and m.phase == "trained"
    done = m.trainer.batches_done
    assert 0 < done < m.trainer.batches_total
    run(_background(d, lambda d: _stop_after(d, 0.4)))  # Train again: goes on
    assert m.trainer.batches_done > done


async def _stop_after(d, seconds):
    await asyncio.sleep(seconds)
    d.stop()


def test_reset_during_a_run_stops_it_then_resets(cache):
    d = dashboard(cache, "task=adding&epochs=50")

    async def during(d):
        await asyncio.sleep(0.3)
        d.reset()

    run(_background(d, during))
    assert d.model.status == "untrained" and d.model.trainer.batches_done == 0


def test_a_cached_run_is_replayed_not_trained(cache):
    first = dashboard(cache)
    first.train()
    second = dashboard(cache)
    frames = []
    second.curves.observe  # noqa: B018 -- built
    original = second.curves.show
    second.curves.show = lambda *a, **k: (frames.append(len(a[1])), original(*a, **k))[1]
    run(_background(second))
    assert second.model.status == "trained"
    assert "taken from the model cache" in second.model.message
    assert second.model.trainer.history == first.model.trainer.history
    assert frames[:3] == [1, 2, 3]  # the curves grew, a frame an epoch
    for name, value in first.model.trainer.model.state_dict().items():
        assert torch.equal(second.model.trainer.model.state_dict()[name], value)


def test_a_second_kernel_waits_for_the_first_and_uses_its_model(cache):
    d = dashboard(cache)
    claim = cache.claim(d.model.config)  # another kernel is training these settings
    statuses = []

    async def during(d):
        await asyncio.sleep(0.8)
        statuses.append(d.model.status)
        other = Trainer(d.model.config)
        other.run()
        cache.put(TrainedModel.of(other))
        claim.release()

    run(_background(d, during))
    assert statuses == ["waiting"]
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

    async def during(d):
        await asyncio.sleep(0.2)
        d.controls["hidden_size"].set_state({"value": 3})
        messages.append(d.message)
        d.stop()

    run(_background(d, during))
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


def test_a_new_task_brings_its_defaults_and_the_seed_stays(cache):
    d = dashboard(cache, "seed=4")
    d.task.value = "adding"
    m = d.model
    assert m.config == defaults_for("adding", seed=4)
    assert d.controls["seq_len"].value == 50 and d.controls["lr"].value == 0.01
    assert d.weights.titles()[0] == "weight_ih_l0 (4H × n_X) = (32 × 2)"
    assert "memoryless (sees only the last step)" in d.results.value
    d.task.set_state({"index": 7})
    assert d.message == "task: choose one of the 2 options; 7 was refused."


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
