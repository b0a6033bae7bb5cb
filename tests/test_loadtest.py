"""A tiny class: ``make loadtest`` end to end, and its answers' tally.

The tiny class (two students, a few seconds) runs the whole of ``make loadtest`` against a real
classroom server so that the code cannot rot: real kernels, real widgets, one student leaving
with the unload beacon and one vanishing and left to culling, one training and one answering
the explorer's ten questions into the run's own SQLite file, read back here.
"""

from collections import Counter

import pytest

from bench import loadtest
from bench.answering import PAGE, Sent, tally
from bench.loadtest import (
    MOVES,
    Move,
    Run,
    Settings,
    comparison,
    placebo,
    report,
    run_loadtest,
)
from widgets.state import questions
from widgets.store.answers import ALL, AnswerStore, Limits

QUESTIONS = [q.id for q in questions.load_bank().questions(PAGE)]


def test_a_class_of_two_runs_end_to_end(monkeypatch):
    """Student 0 trains (the training dashboard, Train pressed over the websocket); student 1
    explores and answers every question from the moment both are in."""
    monkeypatch.setattr(loadtest, "SETTLE_S", 0.0)
    # think times that keep a student's Checks under the store's two a second
    run = run_loadtest(Settings(students=2, duration=120, ramp=0, think=(0.25, 0.4),
                                vanish=0.5, pool=0, cull=5, cull_interval=1, timeout=240,
                                trainers=1, block=0, until_answered=True,
                                train_preset="task=temperatures&epochs=3&hidden_size=4"),
                       quiet=True)
    assert run.errors == []
    assert len(run.kernel_ids) == 2 and len(set(run.kernel_ids.values())) == 2
    assert {m.student for m in run.moves} == {0, 1}, "every student moved a control"
    assert {m.kind for m in run.moves if m.student == 1 and m.kind in MOVES} <= {"size", "step"}
    assert {m.kind for m in run.moves if m.student == 0} == {"train-step"}
    assert [(t.student, t.cached) for t in run.trainings] == [(0, False)]
    assert run.trainings[0].seconds > 0  # measured for the report, never bounded here
    assert len(run.vanished) == 1
    assert set(run.freed_after_s) == {0, 1}, "a kernel outlived its student"
    assert run.kernels_after == 0
    assert run.samples and max(s.kernels for s in run.samples) == 2  # the warm parent is not
    assert max(s.parents_pss_mb for s in run.samples) > 0  # but its memory is counted
    assert len(run.ready_s) == 2

    # the explorer's student answered all ten, some wrong first, and every Check is stored
    assert run.answered == {1: len(QUESTIONS)}
    assert {s.question for s in run.sent} == set(QUESTIONS)
    assert {s.correct for s in run.sent} == {True, False}
    checks = [m for m in run.moves if m.kind == "check"]
    assert len(checks) == len(run.sent) and {m.student for m in checks} == {1}
    records = AnswerStore(run.answers_url).answers(ALL)
    assert Counter((r.page, r.question, r.answer, r.correct) for r in records) == Counter(
        (PAGE, s.question, s.answer, s.correct) for s in run.sent)
    assert len({r.student for r in records}) == 1
    for r, s in zip(records, run.sent, strict=True):  # in order: one kernel writes in turn
        assert (r.settings["hidden_size"], r.settings["seq_len"], r.settings["step"]) == (
            str(s.settings["hidden_size"]), str(s.settings["seq_len"]),
            str(s.settings["step"]))
    t = run.tally
    assert (t.sent, t.stored, t.lost, t.unexpected, t.refused, t.not_saved) == (
        len(run.sent), len(run.sent), 0, 0, 0, 0)
    assert (t.judged_otherwise, t.students_matched, t.complete) == (0, 1, 1)

    text = report(run)
    assert "kernels forked from a warm parent" in text
    assert "| **every move, all in** |" in text and "0 errors" in text
    assert run.loop_late_ms and "The load test's own event loop (every student's client) woke " \
        "late by p50 " in text
    assert "| **Check** |" in text
    assert f"**answers: sent {len(run.sent)}, stored {len(run.sent)}, lost 0**" in text
    assert "1 vanished one(s) culled" in text
    assert "Trainings: 1 of 1 finished, 0 from the model cache" in text


class _Record:
    def __init__(self, question, answer, correct, student="anonymous-a", page=PAGE, **settings):
        self.page, self.question, self.answer, self.correct = page, question, answer, correct
        self.student = student
        self.settings = {k: str(v) for k, v in settings.items()}


AT = {"hidden_size": 8, "seq_len": 12, "step": 1, "bidirectional": 0}


def test_the_tally_finds_a_lost_a_foreign_and_a_refused_answer():
    sent = [Sent(0, "weight-ih-rows", "32", True, True, AT),
            Sent(0, "weight-ih-shape", "(5, 8)", False, False, AT),
            Sent(1, "weight-ih-rows", "8", False, True, AT),
            Sent(1, "weight-ih-rows", "32", True, True, AT)]
    records = [_Record("weight-ih-rows", "32", True, **AT),
               _Record("weight-ih-shape", "(5, 8)", False, **AT),
               _Record("weight-ih-rows", "8", False, "anonymous-b", **{**AT, "step": 2}),
               _Record("output-shape", "(2, 12, 8)", True, "anonymous-b", **AT),
               _Record("weight-ih-rows", "32", True, page="1_mlp")]  # another page's
    notes = ["That is a lot of answers at once: wait a moment, then answer again.",
             "Your answer could not be saved just now: please try again in a moment."]
    t = tally(sent, notes, {0: 2, 1: 1}, len(QUESTIONS), records)
    assert (t.sent, t.stored, t.lost, t.unexpected) == (4, 4, 1, 1)
    assert (t.refused, t.not_saved, t.right, t.judged_otherwise) == (1, 1, 2, 1)
    assert t.settings_differ == 1  # student 1's wrong answer stored at another step
    assert (t.students_matched, t.students_answering, t.students, t.complete) == (1, 2, 2, 0)


@pytest.mark.parametrize("with_ms, where", [(40.0, "within"), (90.0, "above")])
def test_the_comparison_holds_the_answering_moves_to_the_moves_only_blocks_spread(
        with_ms, where):
    run = Run(Settings(students=2))
    for block, ms in ((0, [10.0] * 9 + [30.0]), (2, [10.0] * 9 + [50.0])):
        run.moves += [Move(0, "step", 0.0, v, True, block, False) for v in ms]
    run.moves += [Move(1, "step", 0.0, v, True, 1, True) for v in [12.0] * 9 + [with_ms]]
    run.moves += [Move(1, "check", 0.0, 500.0, True, 1, True)]  # not a move
    assert run.block_p95s(False) == [30.0, 50.0]
    line = comparison(run)
    assert f"p95 {with_ms:.0f} / 30 ms" in line  # pooled: the 19th of 20
    assert "spread from 30 to 50 ms (2 blocks" in line and f"is {where} that spread" in line


def test_without_answers_the_same_split_shows_the_noise():
    run = Run(Settings(students=2, answers=False))
    for block, top in ((0, 30.0), (1, 45.0), (2, 50.0), (3, 20.0)):
        run.moves += [Move(0, "size", 0.0, v, True, block, False) for v in [10.0] * 9 + [top]]
    run.moves += [Move(0, "size", 0.0, 900.0, False)]  # while arriving: no block
    line = placebo(run)
    assert "p95 20 / 30 ms (0.67x)" in line  # pooled: the 19th of 20 values
    assert "spread from 30 to 50 ms (2 blocks)" in line


def test_a_card_s_late_note_is_heard_and_the_store_s_refusal_counted_as_one(tmp_path):
    """The notes as the page's card writes them, and the refusal in the store's own words."""
    import asyncio
    import random

    from bench.answering import Answerer, Oracle
    from driver.kernel_session import KernelSession
    from widgets.dashboards.questions_section import UNAVAILABLE
    from widgets.views.question_panel import QuestionCard

    async def hear() -> list[str]:
        session = KernelSession("http://127.0.0.1:9")  # never connected: messages handed in
        student = Answerer(0, session, {}, Oracle(), random.Random(0))
        student._feedback = {"feedback-3": 3}
        card = QuestionCard(3, 10, "number")
        card.say("right", "0.25. Because.")
        verdict = card.feedback.value
        card.note(UNAVAILABLE)
        for comm_id in ("feedback-3", "another-widget"):  # the card's, and another widget's
            for value in (verdict, card.feedback.value):
                for listener in session.listeners:
                    listener({"msg_type": "comm_msg", "content": {
                        "comm_id": comm_id, "data": {"method": "update",
                                                     "state": {"value": value}}}})
        return student.notes

    assert asyncio.run(hear()) == [UNAVAILABLE]  # the verdict alone is no note
    store = AnswerStore(f"sqlite:///{tmp_path / 'a.sqlite3'}", limits=Limits(burst=1))
    said = [store.record(page=PAGE, question="q", settings={}, answer=str(k), correct=True,
                         student="s").message for k in range(2)]
    t = tally([], [UNAVAILABLE, said[1]], {}, len(QUESTIONS), [])
    assert (t.refused, t.not_saved) == (1, 1)
