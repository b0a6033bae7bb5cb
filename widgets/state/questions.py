"""Predict-then-check questions for the pages: ask one on the live model, judge an answer.

``load_bank()`` reads the question files (``question_bank``); ``count_questions(page)``
only counts a page's, without checking them (a page shows the count before the questions).
``ask(question, model)`` gives the prompt with the live numbers, the right answer read from the
live model and its reason; ``judge(question, model, answer)`` says whether a learner's typed
answer is right, names a wrong answer the tutorial warns about, and never raises on what a
learner types. The model
is the page's state model (``MLPModel``, ``SequenceModel``, ``LSTMExplorerModel``,
``TrainingModel``); the training page also passes its ``ComparisonModel`` as
``comparison``. Nothing here knows of widgets: a page draws ``Asked`` and ``Verdict``.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

import numpy as np

from .question_answers import (
    format_number,
    format_shape,
    read_choice,
    read_number,
    read_shape,
)
from .question_bank import PAGES, Bank, Question, WrongAnswer, count_questions, load_bank
from .question_checks import CHECKS
from .question_facts import NotReadyError, Vocabulary

__all__ = ["Asked", "Bank", "Question", "Verdict", "WrongAnswer", "ask", "count_questions",
           "judge", "load_bank"]

UNKNOWN = "…"  # a placeholder the model cannot fill yet


@dataclass(frozen=True)
class Asked:
    """A question put to the live model.

    prompt : the question with the live numbers; ready : whether the model can answer it now
    right : the right answer as a learner would type it ("(8, 5)", "0.25", "grows"), or None
    value : the same as a value (a tuple, a float, an option), or None
    reason : a sentence read from the live model that says why (or, not ready, what to do
        first); options : a choice's options on this model, else None
    """

    question: Question
    prompt: str
    ready: bool
    right: str | None
    value: Any
    reason: str
    options: tuple[str, ...] | None
    tolerance: float


@dataclass(frozen=True)
class Verdict:
    """A learner's answer judged on the live model.

    right : True or False; None when the answer could not be read or the model cannot answer
        yet (``problem`` says which)
    answer : the answer as read, normalised ("(8, 5)" for "8 x 5"), or None
    expected : the right answer, to reveal; reason : why, from the live model
    warning : what the tutorial says to a wrong answer it names ('' for none)
    problem : "not a shape I can read: type it like (8, 5)", or what to do first ('' if none)
    """

    right: bool | None
    answer: str | None
    expected: str | None
    reason: str
    warning: str = ""
    problem: str = ""


def ask(question: Question, model, comparison=None) -> Asked:
    """``question`` on ``model``: its prompt, right answer and reason, from the live model."""
    vocab = PAGES[question.page]
    live = vocab.live(model, comparison)
    prompt, missing = fill(question.prompt, vocab, live)
    check = CHECKS[question.check]
    options = question.options
    try:
        value, reason = check.answer(vocab, question.args, live)
        if check.options is not None:
            options = tuple(check.options(vocab, question.args, live))
    except NotReadyError as err:
        return Asked(question, prompt, False, None, None, str(err), options, question.tolerance)
    except Exception as err:  # a page keeps working; the tests hold the built-in ones to it
        return Asked(question, prompt, False, None, None,
                     f"This question cannot be checked on this model ({type(err).__name__}: "
                     f"{err}).", options, question.tolerance)
    if missing:  # the answer is there, but the prompt needs what is not yet
        return Asked(question, prompt, False, None, None, missing, options, question.tolerance)
    why, _ = fill(question.why, vocab, live)
    return Asked(question, prompt, True, _written(question.kind, value), value,
                 f"{reason} {why}".strip(), options, question.tolerance)


def judge(question: Question, model, answer, comparison=None) -> Verdict:
    """Whether ``answer`` (what the learner typed) is right on ``model``, and why."""
    asked = ask(question, model, comparison)
    read, problem = _read(question.kind, answer, asked.options or question.options or ())
    written = None if problem else _written(question.kind, read, digits=6)
    if not asked.ready:  # what to do first, before any answer can be judged
        return Verdict(None, written, None, "", problem=asked.reason)
    if problem:
        return Verdict(None, None, asked.right, asked.reason, problem=problem)
    if _same(question, read, asked.value):
        return Verdict(True, written, asked.right, asked.reason)
    vocab = PAGES[question.page]
    live = vocab.live(model, comparison)
    for wrong in question.wrong:
        text, missing = fill(wrong.answer, vocab, live)
        named, unread = _read(question.kind, text, asked.options or ())
        if missing or unread or _same(question, named, asked.value):
            continue  # not on this model, or here it is the right answer
        if _same(question, read, named):
            return Verdict(False, written, asked.right, asked.reason,
                           warning=fill(wrong.says, vocab, live)[0])
    return Verdict(False, written, asked.right, asked.reason)


def fill(template: str, vocab: Vocabulary, live) -> tuple[str, str]:
    """``template`` with its ``{placeholders}`` read from the live model, and the first
    reason one could not be ('' if every one was)."""
    out, missing = [], ""
    for literal, name, spec, _conversion in string.Formatter().parse(template):
        out.append(literal)
        if name is None:
            continue
        try:
            value = vocab.quantities[name].read(live)
        except NotReadyError as err:
            out.append(UNKNOWN)
            missing = missing or str(err)
            continue
        out.append(_formatted(value, spec))
    return "".join(out), missing


def _formatted(value, spec: str) -> str:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = int(value)
    elif isinstance(value, (float, np.floating)):
        value = float(value)
        if not spec:
            return format_number(value)
    try:
        return format(value, spec)
    except (TypeError, ValueError):  # ":.3f" on a word: the word
        return str(value)


def _read(kind: str, answer, options: tuple[str, ...]) -> tuple[Any, str]:
    if kind == "shape":
        return read_shape(answer)
    if kind == "number":
        return read_number(answer)
    return read_choice(answer, options)


def _written(kind: str, value, digits: int = 4) -> str:
    if kind == "shape":
        return format_shape(value)
    if kind == "number":
        return format_number(value, digits)
    return str(value)


def _same(question: Question, a, b) -> bool:
    if question.kind == "number":
        return abs(float(a) - float(b)) <= question.tolerance + 1e-9 * max(1.0, abs(float(b)))
    return a == b
