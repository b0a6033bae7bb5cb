"""A tiny class: ``make loadtest`` end to end.

The tiny class (two students, a few seconds) runs the whole of ``make loadtest`` against a real
classroom server so that the code cannot rot: real kernels, real widgets, one student leaving
with the unload beacon and one vanishing and left to culling.
"""

from bench.loadtest import Settings, report, run_loadtest


def test_a_class_of_two_runs_end_to_end():
    """Student 0 trains (the training dashboard, Train pressed over the websocket)."""
    run = run_loadtest(Settings(students=2, duration=4, ramp=0, think=(0.2, 0.5), vanish=0.5,
                                pool=0, cull=5, cull_interval=1, timeout=240, trainers=1,
                                train_preset="task=temperatures&epochs=3&hidden_size=4"),
                       quiet=True)
    assert run.errors == []
    assert len(run.kernel_ids) == 2 and len(set(run.kernel_ids.values())) == 2
    assert {m.student for m in run.moves} == {0, 1}, "every student moved a control"
    assert {m.kind for m in run.moves if m.student == 1} <= {"size", "step"}
    assert {m.kind for m in run.moves if m.student == 0} == {"train-step"}
    assert [(t.student, t.cached) for t in run.trainings] == [(0, False)]
    assert run.trainings[0].seconds > 0  # measured for the report, never bounded here
    assert len(run.vanished) == 1
    assert set(run.freed_after_s) == {0, 1}, "a kernel outlived its student"
    assert run.kernels_after == 0
    assert run.samples and max(s.kernels for s in run.samples) == 2
    text = report(run)
    assert "| **every move, all in** |" in text and "0 errors" in text
    assert "1 vanished one(s) culled" in text
    assert "Trainings: 1 of 1 finished, 0 from the model cache" in text
