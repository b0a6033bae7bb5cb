"""A simulated student answering the explorer's questions as the page does, and the tally.

``Answerer`` drives one student's "Questions (n)" panel over their ``KernelSession``: it opens
and closes the panel (``ctl-questions``), and for each card in turn (``question-answer-<k>``,
``question-check-<k>``, ``question-reveal-<k>``, ``question-feedback-<k>``) types an answer
(a text box's ``value``, a choice's ``index``, as the browser sends them) and presses Check.
Each call of ``act()`` is one request to the kernel, so the load test times it like a move.

A student's habit for each question is drawn: right at once, a slip (a wrong answer, then the
right one), or a wrong answer, "Show the answer", then the answer shown. The right answer is
asked of an ``Oracle``: the explorer's state model, headless, at the settings the page shows
(the values the kernel last sent for its controls), which is what a student who knows the
tutorial would compute. The wrong one is a trap the question file names where it has one on
these settings, else an answer of the right kind that is not the right one. A question the
model cannot answer at the page's settings is made answerable first, as the card would ask:
both directions on for the last one (turned off again after), or a step back from the last.

Every Check the kernel judges (the card says right or wrong) is ``Sent``: what the answer
store should then hold. The card's late notes (an answer not saved, or refused as too fast)
are heard as they come (``KernelSession.listeners``). ``tally()`` compares the sent answers
with the store's records after the lesson.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

import torch

from driver.kernel_session import Answer, KernelSession
from widgets.state import questions
from widgets.state.explorer_model import LSTMExplorerModel
from widgets.views.question_panel import spoken

__all__ = ["PAGE", "Answerer", "Oracle", "Sent", "Tally", "tally"]

PAGE = "3_lstm_explorer"
# how a student takes a question: right at once, a slip then right, or wrong, then "Show the
# answer" and the answer typed
HABITS = {"right": 0.5, "slip": 0.3, "reveal": 0.2}
STEPS = {"right": ("right", "check"), "slip": ("wrong", "check", "right", "check"),
         "reveal": ("wrong", "check", "reveal", "right", "check")}
# the rate limit's sentences on a card (widgets/store/answers.py): refused, not lost unseen
TOO_FAST = ("a lot of answers at once", "a great many answers this hour")
MODELS_KEPT = 256  # equivalent models cached by their settings, a few ms to build each


@dataclass
class Sent:
    """One Check the kernel judged: the record the store should hold for it."""

    student: int
    question: str
    answer: str  # as the store writes it: the answer as read ("(8, 5)")
    correct: bool  # as the card said
    expected: bool  # as the equivalent model judged it
    settings: dict  # the page's settings at the Check (the ones a student moves)


class Oracle:
    """The explorer's questions, asked of its state model, headless, at a page's settings."""

    def __init__(self):
        torch.set_num_threads(1)  # the kernels have the cores
        self.questions = questions.load_bank().questions(PAGE)
        self._models: dict[tuple, LSTMExplorerModel] = {}

    def model(self, settings: dict) -> LSTMExplorerModel:
        """The model at ``settings`` (sizes, stack and the view's indices)."""
        key = tuple(sorted((k, v) for k, v in settings.items()
                           if k in LSTMExplorerModel.SETTINGS))
        model = self._models.get(key)
        if model is None:
            if len(self._models) >= MODELS_KEPT:
                self._models.clear()
            model = self._models[key] = LSTMExplorerModel(**dict(key))
        for name, value in settings.items():
            if name not in LSTMExplorerModel.SETTINGS:
                setattr(model, name, value)
        return model

    def asked(self, number: int, settings: dict) -> questions.Asked:
        return questions.ask(self.questions[number - 1], self.model(settings))

    def judged(self, number: int, settings: dict, text: str) -> questions.Verdict:
        return questions.judge(self.questions[number - 1], self.model(settings), text)

    def wrong(self, number: int, settings: dict) -> list[str]:
        """Wrong answers: the traps the question names, and others of the right kind ([]: a
        choice of one option, nothing to get wrong)."""
        asked = self.asked(number, settings)
        q, model = asked.question, self.model(settings)
        vocab = questions.PAGES[q.page]
        live = vocab.live(model, None)
        candidates = [questions.fill(w.answer, vocab, live)[0] for w in q.wrong]
        if q.kind == "shape":
            candidates += [str(tuple(reversed(asked.value))), str((*asked.value, 1))]
        elif q.kind == "number":
            candidates.append(f"{float(asked.value) * 2 + q.tolerance + 1:g}")
        else:
            candidates += [o for o in asked.options or () if o != asked.value]
        return [text for text in dict.fromkeys(candidates)
                if self.judged(number, settings, text).right is False]


def page_settings(session: KernelSession, controls: dict[str, str]) -> dict:
    """What the page shows, as the kernel last said: H, n_E, the step and the directions
    (the only settings a simulated student moves; the rest stay at the page's defaults)."""
    states = session.states
    settings = {name: states[controls[name]]["value"]
                for name in ("hidden_size", "seq_len", "step")}
    settings["bidirectional"] = states[controls["bidirectional"]]["index"]  # 0 or 1 in order
    return settings


@dataclass
class Answerer:
    """One student's questions panel: ``await act()`` takes the next step of the next question.

    ``todo`` are the card numbers left, in the page's order; ``sent`` the Checks judged;
    ``notes`` what the cards added later (not saved, too fast); ``problems`` what did not go
    as a student expects (a card that asked for something first, a revealed answer that is
    not the equivalent model's).
    """

    student: int
    session: KernelSession
    controls: dict[str, str]  # the page's ctl-<name> -> comm id, with "questions"
    oracle: Oracle
    rng: random.Random
    todo: list[int] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    is_open: bool = False
    both_on: bool = False  # both directions turned on for a question, to be turned off
    _both_for: int | None = None  # the question they were turned on for
    _steps: list[str] = field(default_factory=list)
    _typed: tuple[str, str, bool, dict] | None = None  # text, as recorded, expected, settings
    _cards: dict[int, dict[str, str]] = field(default_factory=dict)
    _feedback: dict[str, int] = field(default_factory=dict)

    def __post_init__(self):
        self.todo = list(range(1, len(self.oracle.questions) + 1))
        self.session.listeners.append(self._hear)

    @property
    def done(self) -> bool:
        return not self.todo

    @property
    def busy(self) -> bool:
        """In the middle of a question, or with both directions still to turn off."""
        return bool(self._steps) or self.both_on

    @property
    def answered(self) -> int:
        """Questions with at least one Check judged."""
        return len({s.question for s in self.sent})

    # -- the panel ---------------------------------------------------------------------------

    async def open(self) -> Answer:
        answer = await self.session.set_value(self.controls["questions"], True)
        self.is_open = True
        if not self._cards:  # made at the first opening
            for k in range(1, len(self.oracle.questions) + 1):
                self._cards[k] = {part: self.session.find(f"question-{part}-{k}")
                                  for part in ("answer", "check", "reveal", "feedback")}
            self._feedback = {parts["feedback"]: k for k, parts in self._cards.items()}
        return answer

    async def close(self) -> tuple[str, Answer]:
        """Put the questions away: both directions off first if a question turned them on,
        then the panel closed. A question left half-way is taken again from its start."""
        self._steps.clear()
        if self.both_on:
            return "stack", await self._directions(0)
        self.is_open = False
        return "close", await self.session.set_value(self.controls["questions"], False)

    async def _directions(self, on: int) -> Answer:
        self.both_on = bool(on)
        return await self.session.update(self.controls["bidirectional"], {"index": on})

    # -- answering ---------------------------------------------------------------------------

    async def act(self) -> tuple[str, Answer] | None:
        """One request: the next step of the current question, or of the next one (None when
        the questions left cannot be answered: nothing was sent)."""
        settings = page_settings(self.session, self.controls)
        if not self._steps:
            if self.both_on and self.todo[:1] != [self._both_for]:  # its question is done
                return "stack", await self._directions(0)
            if not self.todo:
                return None
            number = self.todo[0]
            asked = self.oracle.asked(number, settings)
            if not asked.ready:  # as the card would say: turn both directions on, step back
                if not settings["bidirectional"] and self.oracle.asked(
                        number, {**settings, "bidirectional": 1}).ready:
                    self._both_for = number
                    return "stack", await self._directions(1)
                if settings["step"] > 1 and self.oracle.asked(
                        number, {**settings, "step": settings["step"] - 1}).ready:
                    return "step", await self.session.set_value(self.controls["step"],
                                                                settings["step"] - 1)
                self.problems.append(f"question {number} cannot be answered at {settings}: "
                                     f"{asked.reason}")
                self.todo.pop(0)
                return await self.act()
            habit = self.rng.choices(list(HABITS), weights=list(HABITS.values()))[0]
            if habit != "right" and not self.oracle.wrong(number, settings):
                habit = "right"
            self._steps = list(STEPS[habit])
        number, step = self.todo[0], self._steps.pop(0)
        card = self._cards[number]
        if step in ("right", "wrong"):
            text = (self.oracle.asked(number, settings).right if step == "right"
                    else self.rng.choice(self.oracle.wrong(number, settings)))
            verdict = self.oracle.judged(number, settings, text)
            self._typed = (text, verdict.answer, bool(verdict.right), settings)
            return "type", await self._type(card["answer"], text)
        if step == "reveal":
            answer = await self.session.click(card["reveal"])
            said = spoken(self.session.states[card["feedback"]]["value"])
            right = self.oracle.asked(number, settings).right
            if not said.startswith(f"The answer: {right}."):
                self.problems.append(f"question {number}: revealed {said!r}, the equivalent "
                                     f"model says {right!r}")
            return "reveal", answer
        answer = await self.session.click(card["check"])
        self._judged(number, card)
        if not self._steps:
            self.todo.pop(0)
        return "check", answer

    async def _type(self, comm_id: str, text: str) -> Answer:
        """Type into a text box (its whole value, as a paste sends it) or pick an option."""
        state = self.session.states[comm_id]
        if "_options_labels" in state:
            return await self.session.update(comm_id, {
                "index": list(state["_options_labels"]).index(text)})
        return await self.session.update(comm_id, {"value": text})

    def _judged(self, number: int, card: dict[str, str]) -> None:
        value = self.session.states[card["feedback"]].get("value", "")
        text, recorded, expected, settings = self._typed
        question = self.oracle.questions[number - 1].id
        for verdict, correct in (("right", True), ("wrong", False)):
            if value.startswith(f"<p class='feedback-{verdict}'>"):
                self.sent.append(Sent(self.student, question, recorded, correct, expected,
                                      settings))
                return
        self.problems.append(f"question {number}: {text!r} was not checked: {spoken(value)!r}")

    def _hear(self, msg: dict) -> None:
        """A card's note, whenever it comes: the answer was not saved, or refused."""
        if msg["msg_type"] != "comm_msg" or msg["content"].get("comm_id") not in self._feedback:
            return
        value = ((msg["content"].get("data") or {}).get("state") or {}).get("value", "")
        if "<p class='feedback-note'>" in value:
            self.notes.append(spoken(value.split("<p class='feedback-note'>", 1)[1]))


@dataclass
class Tally:
    """The answers sent against those stored, after the lesson."""

    sent: int = 0
    stored: int = 0
    lost: int = 0  # sent, and not in the store
    unexpected: int = 0  # in the store, and never sent
    refused: int = 0  # cards that said the answer came too fast
    not_saved: int = 0  # cards that said it could not be saved
    right: int = 0  # of the sent, judged right by the kernel
    judged_otherwise: int = 0  # the kernel's verdict was not the equivalent model's
    settings_differ: int = 0  # stored with other settings than the page showed
    students_matched: int = 0  # students whose records are exactly theirs
    students_answering: int = 0
    students: int = 0  # students who had the questions to answer
    complete: int = 0  # students who answered every question
    questions: int = 0


def _key(page: str, question: str, answer: str, correct: bool) -> tuple:
    return page, question, answer, bool(correct)


def tally(sent: list[Sent], notes: list[str], answered: dict[int, int], questions_: int,
          records: list) -> Tally:
    """Compare the answers ``sent`` with the store's ``records`` (``AnswerStore.answers``);
    ``notes`` are the cards' late notes, ``answered`` each student's questions answered."""
    ours = [r for r in records if r.page == PAGE]
    want = Counter(_key(PAGE, s.question, s.answer, s.correct) for s in sent)
    have = Counter(_key(r.page, r.question, r.answer, r.correct) for r in ours)
    # the settings a record was judged on, as its link query wrote them
    moved = ("hidden_size", "seq_len", "step", "bidirectional")
    want_at = Counter((*_key(PAGE, s.question, s.answer, s.correct),
                       *(str(s.settings[k]) for k in moved)) for s in sent)
    have_at = Counter((*_key(r.page, r.question, r.answer, r.correct),
                       *(str(r.settings.get(k, "0")) for k in moved)) for r in ours)
    by_student: dict[str, Counter] = {}
    for r in ours:
        by_student.setdefault(r.student, Counter())[(r.question, r.answer, r.correct)] += 1
    groups = list(by_student.values())
    matched = 0
    for student in answered:
        theirs = Counter((s.question, s.answer, s.correct) for s in sent if s.student == student)
        if theirs and theirs in groups:
            groups.remove(theirs)
            matched += 1
    refused = sum(any(p in n for p in TOO_FAST) for n in notes)
    return Tally(
        sent=len(sent), stored=len(ours), lost=sum((want - have).values()),
        unexpected=sum((have - want).values()), refused=refused,
        not_saved=len(notes) - refused, right=sum(s.correct for s in sent),
        judged_otherwise=sum(s.correct != s.expected for s in sent),
        settings_differ=sum((want_at - have_at).values()) - sum((want - have).values()),
        students_matched=matched, students_answering=len({s.student for s in sent}),
        students=len(answered), complete=sum(n == questions_ for n in answered.values()),
        questions=questions_)
