"""What the answer store hands back: an answer's ``Outcome``, a stored ``Answer``, a class
``Session`` and a question's ``QuestionSummary``. Plain frozen records, no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["Activity", "Answer", "Outcome", "QuestionSummary", "Session"]


@dataclass(frozen=True)
class Outcome:
    """What became of an answer: ``stored``, and a plain ``message`` for the student.

    ``reason`` is one of "stored", "too long", "unreadable", "too fast", "not the page's"
    (an id or the settings out of bounds: the page's fault, logged) and "unsaved" (the
    database stayed unavailable). An ``Outcome`` is true when the answer was stored.
    """

    stored: bool
    reason: str
    message: str

    def __bool__(self) -> bool:
        return self.stored


@dataclass(frozen=True)
class Answer:
    """One stored answer; ``settings`` decoded from its JSON, ``at`` in UTC."""

    id: int
    session: int
    page: str
    question: str
    student: str
    settings: dict
    answer: str
    correct: bool
    at: datetime


@dataclass(frozen=True)
class Session:
    """A class session: its id (1, 2, ... in the order started), label, start and answers."""

    id: int
    label: str
    started: datetime
    answers: int


@dataclass(frozen=True)
class Activity:
    """A session's class at a glance: ``students`` who answered anything, ``answers`` in all,
    how many were ``right``, and the time of the ``last`` (None before the first)."""

    session: Session
    students: int
    answers: int
    right: int
    last: datetime | None


@dataclass(frozen=True)
class QuestionSummary:
    """One question in one session.

    ``answered``: students who answered it; ``right``: students who answered it right at
    least once; ``attempts``: answers in all; ``wrong``: each wrong answer (its exact text) with
    how many times it was given, the most frequent first; ``first_right``: students whose
    first answer was right.
    """

    page: str
    question: str
    answered: int
    right: int
    attempts: int
    wrong: tuple[tuple[str, int], ...]
    first_right: int = 0
