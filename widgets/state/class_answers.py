"""The class's answers as the teacher reads them: every question of the bank in the tutorial's
order, each with the store's counts for one session, in words.

``class_view`` joins the store's ``summary`` and ``activity`` of a session to the question
bank: pages in the tutorial's order, a page's questions in its file's order (numbered as the
cards number them), then any question answered in the session that the bank no longer holds
(a file changed mid-lesson), so no answer is left out of the teacher's sight. A question
nobody answered yet is listed with zeros: the teacher sees what the class has not reached.
Every sentence is made here, headless; the teacher's page only places it (``classroom``).
A prompt is shown with its live numbers as "…": each student saw their own settings' numbers.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from ..store.answer_records import Activity, QuestionSummary, Session
from .question_bank import PAGES, Bank

__all__ = ["ClassView", "PageRows", "QuestionRow", "class_view", "teacher_prompt"]

MORE_WRONG = 8  # wrong answers listed a question; the rest are counted in a sentence


@dataclass(frozen=True)
class QuestionRow:
    """One question: ``key`` ("page/id") names its row on the page; ``number`` is the card's
    ("3" for the page's third question, "" for one the bank no longer holds)."""

    key: str
    page: str
    id: str
    number: str
    prompt: str
    answered: int
    right: int
    attempts: int
    right_text: str  # "7 of 9 right (78%); 4 at the first try."
    wrong: tuple[tuple[str, int], ...]  # the most frequent first, at most MORE_WRONG
    wrong_text: str  # "No wrong answer yet." / "4 wrong answers, 2 different" / ...


@dataclass(frozen=True)
class PageRows:
    page: str
    title: str
    rows: tuple[QuestionRow, ...]


@dataclass(frozen=True)
class ClassView:
    """A session's class: ``status``, one sentence of who answered what; its pages' rows."""

    session: Session
    students: int
    answers: int
    right: int
    last: str | None  # ISO time (UTC) of the last answer
    status: str
    pages: tuple[PageRows, ...]

    def to_json(self) -> dict:
        """Plain JSON types, for the teacher's page's script."""
        out = asdict(self)
        out["session"]["started"] = self.session.started.isoformat(timespec="seconds")
        return out


def teacher_prompt(template: str) -> str:
    """A question's prompt with each ``{placeholder}`` as "…": the numbers were each student's.
    A prompt that is not a valid template is shown as written."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError:
        return template
    return "".join(literal + ("…" if name is not None else "") for literal, name, *_ in parts)


def _right_text(answered: int, right: int, first_right: int) -> str:
    if answered == 0:
        return "Nobody has answered yet."
    share = round(100 * right / answered)
    return f"{right} of {answered} right ({share}%); {first_right} at the first try."


def _wrong_text(summary: QuestionSummary | None) -> str:
    if summary is None or not summary.wrong:
        return "No wrong answer yet."
    times = sum(n for _, n in summary.wrong)
    kinds = len(summary.wrong)
    text = (f"{times} wrong answer{'s' if times != 1 else ''}, "
            f"{kinds} different" if kinds > 1 else
            f"{times} wrong answer{'s' if times != 1 else ''}, all the same")
    if kinds > MORE_WRONG:
        rest = sum(n for _, n in summary.wrong[MORE_WRONG:])
        text += f"; the {kinds - MORE_WRONG} least frequent ({rest} in all) are in the CSV"
    return text + "."


def _row(page: str, id: str, number: str, prompt: str,
         summary: QuestionSummary | None) -> QuestionRow:
    answered, right, attempts, first = ((summary.answered, summary.right, summary.attempts,
                                         summary.first_right) if summary else (0, 0, 0, 0))
    return QuestionRow(f"{page}/{id}", page, id, number, prompt, answered, right, attempts,
                       _right_text(answered, right, first),
                       summary.wrong[:MORE_WRONG] if summary else (), _wrong_text(summary))


def _status(activity: Activity) -> str:
    if activity.answers == 0:
        return f"{activity.session.label}: no answer yet."
    students = f"{activity.students} student{'s' if activity.students != 1 else ''}"
    answers = f"{activity.answers} answer{'s' if activity.answers != 1 else ''}"
    return f"{activity.session.label}: {students}, {answers}, {activity.right} right."


def class_view(activity: Activity, summary: list[QuestionSummary], bank: Bank,
               titles: Mapping[str, str] | None = None) -> ClassView:
    """The teacher's view of one session: ``activity`` and ``summary`` are the store's for it,
    ``bank`` gives the questions and their order, ``titles`` each page's title (default its
    name)."""
    titles = titles or {}
    by_key = {(s.page, s.question): s for s in summary}
    pages = []
    for page in PAGES:
        rows = [_row(page, q.id, str(k), teacher_prompt(q.prompt), by_key.pop((page, q.id), None))
                for k, q in enumerate(bank.questions(page), 1)]
        rows += [_row(page, q, "", "(no longer in the question bank)", by_key.pop((p, q)))
                 for p, q in sorted(by_key) if p == page]
        pages.append(PageRows(page, titles.get(page, page), tuple(rows)))
    others = sorted(by_key)  # a page the bank does not know (a renamed notebook)
    if others:
        pages.append(PageRows("", "Other pages", tuple(
            _row(p, q, "", f"({p}, not a page of this version)", by_key[p, q])
            for p, q in others)))
    last = None if activity.last is None else activity.last.isoformat(timespec="seconds")
    return ClassView(activity.session, activity.students, activity.answers, activity.right,
                     last, _status(activity), tuple(pages))
