"""The training run as a controller, with no dashboard: the job beside the loop, Stop, Reset, the
model cache's lock and the replay of a cached run, all told through the model's traits.

Runs are sliced in batches (``Pace``), so what is asserted is counted, never timed.
"""

import threading

import pytest
import torch

from tests.background import first, on_a_loop, run_to_its_end
from widgets.maths.training import Trainer
from widgets.state.training_model import TrainingModel
from widgets.state.training_run import WAITING, Pace, TrainingRun
from widgets.store.model_cache import ModelCache, TrainedModel

ADDING = {"task": "adding", "seq_len": 50}  # 2,000 sequences in batches of 32: 63 an epoch
BY_BATCHES = Pace(seconds=None, batches=50, replay_s=0.0, wait_s=0.0)


@pytest.fixture
def cache(tmp_path):
    return ModelCache(tmp_path / "models")


def a_run(cache, pace: Pace = BY_BATCHES, **settings) -> TrainingRun:
    return TrainingRun(TrainingModel(cache=cache, **settings), pace)


def record(model, name: str, read=lambda value: value) -> list:
    """Every new value of trait ``name``, read as ``read`` reads it, in order."""
    seen = []
    model.observe(lambda change: seen.append(read(change["new"])), names=name)
    return seen


def test_with_no_loop_it_trains_to_the_end_and_tells_its_start_and_end(cache):
    run = a_run(cache, epochs=3)
    told = record(run.model, "progress", lambda p: (p.status, p.epoch))
    run.train()
    assert told == [("training", 0), ("trained", 3)]
    assert run.model.phase == "trained" and not run.running and run.job is None
    assert cache.get(run.model.config) is not None  # a finished run goes to the cache


def test_in_the_background_it_publishes_every_slice_from_the_loops_thread(cache):
    run = a_run(cache, epochs=8, **ADDING)  # 504 batches: ten slices of 50, then 4
    m = run.model
    told = record(m, "progress", lambda p: (p.status, p.done, len(p.valid)))
    revisions, looks = record(m, "revision"), record(m, "look")
    on_a_loop(run_to_its_end(run))
    assert told[0] == ("training", 0, 0)  # at the press, before the first slice
    assert told[1:] == [("training", 50 * k, 50 * k // 63) for k in range(1, 11)] + [
        ("trained", 504, 8)]
    assert len(revisions) == 11  # a revision a slice
    assert len(looks) == 1 and looks[0].phase == "trained"  # the weights' views: at the end
    assert not run.running and run.job.done()


def test_stop_is_honoured_within_one_slice_and_train_goes_on(cache):
    run = a_run(cache, epochs=50, **ADDING)
    m = run.model
    told, pressed = record(m, "progress"), []

    async def stop_after_three_slices():
        pressed.append(await first(m, "progress", lambda p: p.done == 150))
        run.stop()

    on_a_loop(run_to_its_end(run, stop_after_three_slices()))
    after = told[told.index(pressed[0]) + 1:]
    assert [p.status for p in after] == ["stopped"]  # one publication after the press
    assert 150 <= after[0].done <= 150 + BY_BATCHES.batches  # the slice under way, at most
    assert m.status == "stopped" and m.phase == "trained"
    assert after[0].message == f"Stopped after {after[0].epoch} of 50 epochs."
    done = m.trainer.batches_done

    async def stop_at_once():
        await first(m, "progress", lambda p: p.done > done)
        run.stop()

    on_a_loop(run_to_its_end(run, stop_at_once()))  # Train again: it goes on from where it stopped
    assert m.status == "stopped" and done < m.trainer.batches_done < m.trainer.batches_total


def test_reset_while_running_stops_the_run_then_resets(cache):
    run = a_run(cache, epochs=50, **ADDING)
    m = run.model

    async def reset_after_a_slice():
        await first(m, "progress", lambda p: p.done > 0)
        run.reset()

    on_a_loop(run_to_its_end(run, reset_after_a_slice()))
    assert m.status == "untrained" and m.trainer.batches_done == 0 and m.phase == "initial"
    assert m.progress.done == 0 and m.progress.valid == ()


def test_a_second_kernel_waits_while_the_first_holds_the_lock_then_adopts_its_file(cache):
    run = a_run(cache, epochs=2, hidden_size=4)
    m = run.model
    other = Trainer(m.config)
    claim = cache.claim(m.config)  # another kernel is training these settings
    statuses = record(m, "status")

    async def the_other_kernel_finishes():
        waiting = await first(m, "progress", lambda p: p.status == "waiting")
        assert waiting.message == WAITING
        other.run()
        cache.put(TrainedModel.of(other))
        claim.release()

    on_a_loop(run_to_its_end(run, the_other_kernel_finishes()))
    assert statuses == ["training", "waiting", "training", "trained"]  # then its replay
    assert "taken from the model cache" in m.message
    for name, value in other.model.state_dict().items():
        assert torch.equal(m.trainer.model.state_dict()[name], value)


def test_stop_while_waiting_gives_up_and_trains_nothing(cache):
    run = a_run(cache, epochs=2, hidden_size=4)
    m = run.model
    claim = cache.claim(m.config)

    async def give_up():
        await first(m, "status", lambda s: s == "waiting")
        run.stop()

    try:
        on_a_loop(run_to_its_end(run, give_up()))
    finally:
        claim.release()
    assert (m.status, m.message) == ("untrained", "Stopped waiting.")
    assert m.trainer.batches_done == 0


def test_a_cached_run_replays_its_curves_growing_then_adopts_its_weights(cache):
    first_run = a_run(cache, epochs=3)
    first_run.train()
    run = a_run(cache, epochs=3)
    m = run.model
    frames = record(m, "progress", lambda p: (p.status, p.what, len(p.valid), p.epoch))
    on_a_loop(run_to_its_end(run))
    assert frames == [
        ("training", "batches", 0, 0),
        ("training", "batches", 0, 0),  # the message: taken from the cache, replaying
        *[("training", "epochs, replayed", k, k) for k in (1, 2, 3)],  # the curves grow
        ("trained", "batches", 3, 3)]  # then the weights are adopted
    assert m.trainer.history == first_run.model.trainer.history
    assert m.progress.done == m.progress.total  # the bar full
    for name, value in first_run.model.trainer.model.state_dict().items():
        assert torch.equal(m.trainer.model.state_dict()[name], value)


def test_a_long_cached_run_replays_in_thirty_frames_and_stop_jumps_to_its_end(cache):
    a_run(cache, epochs=40, hidden_size=2, seq_len=4).train()
    run = a_run(cache, epochs=40, hidden_size=2, seq_len=4)
    m = run.model
    frames = record(m, "progress", lambda p: p.epoch if p.what != "batches" else None)
    on_a_loop(run_to_its_end(run))
    replayed = [k for k in frames if k is not None]
    assert len(replayed) == 30 and replayed[0] == 1 and replayed[-1] == 40
    assert replayed == sorted(replayed)

    again = a_run(cache, epochs=40, hidden_size=2, seq_len=4)

    async def stop_in_the_replay():
        await first(again.model, "progress", lambda p: p.what == "epochs, replayed")
        again.stop()

    on_a_loop(run_to_its_end(again, stop_in_the_replay()))
    assert again.model.status == "trained" and again.model.trainer.epoch == 40


def test_a_failure_is_told_and_the_loop_carries_on(cache, monkeypatch):
    run = a_run(cache, epochs=2)
    m = run.model

    def broken(*_args):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(m, "advance", broken)
    on_a_loop(run_to_its_end(run))
    assert (m.status, m.message) == ("stopped", "Training failed.")
    assert m.progress.alert == ("Training failed (RuntimeError: out of memory). Press Reset "
                                "and try again, or smaller sizes.")
    run.reset()
    assert m.status == "untrained" and m.progress.alert == ""


def test_a_run_publishes_from_the_thread_of_its_loop(cache):
    run = a_run(cache, epochs=2, **ADDING)
    threads = record(run.model, "progress", lambda _p: threading.current_thread().name)

    async def train():
        loop_thread = threading.current_thread().name
        await run_to_its_end(run)
        return loop_thread

    loop_thread = on_a_loop(train())
    assert set(threads) == {loop_thread}  # never the worker's: ipykernel#1451
