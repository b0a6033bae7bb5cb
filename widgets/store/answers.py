"""The class's answers: every kernel records its student's, the teacher's page reads them all.

A record is one answer to one question: the page (notebook) and the question's id, the page's
settings when it was asked (JSON: the answer depends on them), the answer as text, whether it
was right, the student (an anonymous id per browser tab, or the JupyterHub user name), the time
(UTC) and the class session it belongs to. A teacher starts a new session for the next class
(``new_session``): the old sessions and their answers are kept, for export, and nothing here
deletes an answer. Reading (``summary``, ``answers``, ``export_csv``) is of the current
session unless another is named, or ``ALL`` of them.

``record`` never raises for the database: a busy or lost database is tried again with a
growing pause (``answer_db.retrying``), and when it stays unavailable the student gets an
``Outcome`` saying the answer was not saved and to try again. It refuses, with a plain sentence
and without touching the database, an answer over ``Limits.max_chars`` characters (refused,
never cut), one that cannot be stored as text (a NUL, half a surrogate pair), and a student's
answers beyond a few a second or a few hundred an hour (``rate_limit``: buckets per student,
in this process; under Voila one tab is one kernel). Each answer is its own transaction, so a
kernel killed mid-write loses at most the answer it was writing.

Where the database is: ``answer_db.engine_for`` (SQLite in the platform's data folder,
``$LSTM_ANSWERS_DB``, or ``$LSTM_ANSWERS_URL`` such as ``postgresql+psycopg://...``).
Create the store in the process that uses it: a store carried into a forked child starts
its own connections there.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Final, Literal, TypeVar
from urllib.parse import parse_qsl

from sqlalchemy import Connection, case, distinct, func, insert, not_, select

from .answer_db import ID_CHARS, answers_table, engine_for, ensure_schema, retrying, sessions_table
from .answer_records import Activity, Answer, Outcome, QuestionSummary, Session
from .rate_limit import Limits, RateLimiter

__all__ = ["ALL", "Activity", "Answer", "AnswerStore", "Limits", "Outcome", "QuestionSummary",
           "Session"]

log = logging.getLogger(__name__)
ALL: Final = "all"  # every session, for answers() and export_csv()
SETTINGS_CHARS = 4000  # a page's settings as JSON: a few dozen short fields
CSV_COLUMNS = ("time", "session", "page", "question", "student", "answer", "correct",
               "settings")
T = TypeVar("T")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _utc(at: datetime) -> datetime:
    """SQLite hands back the naive UTC it was given; PostgreSQL an aware time in its zone."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _storable(text: str) -> bool:
    """Text every backend stores as it is: no NUL (PostgreSQL's text refuses it), valid UTF-8
    (no half surrogate pair, which a JSON message from a browser can carry)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _settings_json(settings: Mapping | str) -> str:
    """A page's settings as JSON with sorted keys: a dict as it is, a link's query as its
    fields (``"n_x=5&hidden_size=8"`` -> ``{"hidden_size": "8", "n_x": "5"}``)."""
    if isinstance(settings, str):
        settings = dict(parse_qsl(settings.lstrip("?"), keep_blank_values=True))
    if not isinstance(settings, Mapping):
        raise TypeError(f"settings must be a mapping or a query string, not {type(settings)}")
    return json.dumps(dict(settings), sort_keys=True, default=str)


def _cell(value) -> str:
    """A CSV cell a spreadsheet shows as text: one that starts like a formula and is not a
    number ("=HYPERLINK(...)", "@SUM(...)", "-cmd") gets a leading apostrophe."""
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


class AnswerStore:
    """The class's answers in SQLite (default) or PostgreSQL, through SQLAlchemy.

    Parameters
    ----------
    url : str, optional
        A SQLAlchemy URL; default ``$LSTM_ANSWERS_URL``, else SQLite at ``$LSTM_ANSWERS_DB``
        or ``answers.sqlite3`` in the platform's user data folder.
    limits : Limits, optional
        Answers a student may send, and an answer's length (default ``Limits()``).
    clock : callable
        Seconds, for the rate limits (``time.monotonic``); a test steps its own.
    retry_seconds : float
        How long a write is tried again before the student is told it was not saved.
    busy_seconds : float
        How long one attempt waits for another process's lock.
    """

    def __init__(self, url: str | None = None, *, limits: Limits | None = None,
                 clock: Callable[[], float] = time.monotonic, retry_seconds: float = 8.0,
                 busy_seconds: float = 2.0):
        self.limits = limits or Limits()
        self.retry_seconds = retry_seconds
        self.retries = 0  # transient errors met and tried again, for a server's log
        self.engine = engine_for(url, busy_seconds)
        self._limiter = RateLimiter(self.limits, clock)
        self._pid = os.getpid()
        self._ready = False
        try:
            self._run(lambda connection: None, write=True)  # the tables, if missing
        except Exception as error:  # the first record() tries again
            log.warning("the answer store is not ready yet: %s", error)

    def __repr__(self) -> str:
        return f"AnswerStore({self.engine.url.render_as_string(hide_password=True)!r})"

    # writing ------------------------------------------------------------------------------

    def record(self, *, page: str, question: str, settings: Mapping | str, answer: str,
               correct: bool, student: str) -> Outcome:
        """Store one answer in the current session, or say in a sentence why not."""
        for name, value in (("page", page), ("question", question), ("student", student),
                            ("answer", answer)):
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a str, not {type(value).__name__}")
        if len(answer) > self.limits.max_chars:
            return Outcome(False, "too long", "That answer is too long to save: keep it to "
                           f"{self.limits.max_chars:,} characters or fewer.")
        if not _storable(answer):
            return Outcome(False, "unreadable", "That answer has a character that cannot be "
                           "saved: take it out and answer again.")
        settings_json = _settings_json(settings)
        names = (page, question, student)
        if (not all(0 < len(n) <= ID_CHARS and _storable(n) for n in names)
                or len(settings_json) > SETTINGS_CHARS):
            log.warning("an answer not stored: a page, question or student id, or the "
                        "settings, out of bounds (%r)", [n[:ID_CHARS] for n in names])
            return Outcome(False, "not the page's", "This page could not save your answer: "
                           "please tell your teacher.")
        empty = self._limiter.allow(student)
        if empty == "second":
            return Outcome(False, "too fast", "That is a lot of answers at once: wait a "
                           "moment, then answer again.")
        if empty == "hour":
            return Outcome(False, "too fast", "You have sent a great many answers this hour: "
                           "wait a few minutes, then answer again.")
        current = select(func.max(sessions_table.c.id)).scalar_subquery()
        statement = insert(answers_table).values(
            session=current, page=page, question=question, student=student,
            settings=settings_json, answer=answer, correct=bool(correct), at=_utc_now())
        try:
            self._run(lambda connection: connection.execute(statement), write=True)
        except Exception:  # nothing about the database reaches the student
            log.exception("an answer could not be saved")
            return Outcome(False, "unsaved", "Your answer could not be saved just now: "
                           "please try again in a moment.")
        return Outcome(True, "stored", "Saved.")

    def new_session(self, label: str = "") -> Session:
        """Start a new session (the next class): later answers go to it, and reading defaults
        to it; the earlier ones keep theirs. A blank label becomes "Session <id>"."""
        if not isinstance(label, str) or len(label.strip()) > ID_CHARS or not _storable(label):
            raise ValueError(f"a session's label is text of at most {ID_CHARS} characters")

        def start(connection: Connection) -> Session:
            latest = connection.execute(select(func.max(sessions_table.c.id))).scalar_one()
            number = (latest or 0) + 1  # two teachers at once: one IntegrityError, tried again
            session = Session(number, label.strip() or f"Session {number}", _utc_now(), 0)
            connection.execute(insert(sessions_table).values(
                id=session.id, label=session.label, started=session.started))
            return session

        return self._run(start, write=True)

    # reading ------------------------------------------------------------------------------

    def sessions(self) -> list[Session]:
        """Every session, the first first, with how many answers each holds."""
        s, a = sessions_table, answers_table
        query = (select(s.c.id, s.c.label, s.c.started, func.count(a.c.id))
                 .select_from(s.outerjoin(a, a.c.session == s.c.id))
                 .group_by(s.c.id, s.c.label, s.c.started).order_by(s.c.id))
        rows = self._run(lambda connection: connection.execute(query).all())
        return [Session(i, label, _utc(started), n) for i, label, started, n in rows]

    def current_session(self) -> Session:
        """The session answers go to now: the last one started."""
        return self.sessions()[-1]

    def activity(self, session: int | None = None) -> Activity:
        """``session`` (default the current one) at a glance: its students, answers, right
        answers and the time of the last one."""
        s, a = sessions_table, answers_table

        def read(connection: Connection):
            number = self._session_id(connection, session)
            head = connection.execute(select(s.c.id, s.c.label, s.c.started)
                                      .where(s.c.id == number)).one_or_none()
            if head is None:
                raise ValueError(f"There is no session {number}.")
            counts = connection.execute(
                select(func.count(distinct(a.c.student)), func.count(),
                       func.count(case((a.c.correct, 1))), func.max(a.c.at))
                .where(a.c.session == number)).one()
            return head, counts

        (number, label, started), (students, answers, right, last) = self._run(read)
        return Activity(Session(number, label, _utc(started), answers), students, answers,
                        right, None if last is None else _utc(last))

    def answers(self, session: int | Literal["all"] | None = None) -> list[Answer]:
        """The answers of ``session`` (default the current one; ``ALL``: every one), oldest
        first."""
        a = answers_table

        def read(connection: Connection):
            query = select(a).order_by(a.c.id)
            if session != ALL:
                query = query.where(a.c.session == self._session_id(connection, session))
            return connection.execute(query).all()

        return [Answer(r.id, r.session, r.page, r.question, r.student, json.loads(r.settings),
                       r.answer, r.correct, _utc(r.at)) for r in self._run(read)]

    def summary(self, session: int | None = None) -> list[QuestionSummary]:
        """Each question of ``session`` (default the current one), by page and question id:
        who answered, who got it right, and the wrong answers grouped."""
        a = answers_table
        right_student = case((a.c.correct, a.c.student))  # NULL for a wrong answer

        def read(connection: Connection):
            number = self._session_id(connection, session)
            totals = connection.execute(
                select(a.c.page, a.c.question, func.count(distinct(a.c.student)),
                       func.count(distinct(right_student)), func.count())
                .where(a.c.session == number).group_by(a.c.page, a.c.question)).all()
            wrong = connection.execute(
                select(a.c.page, a.c.question, a.c.answer, func.count())
                .where(a.c.session == number, not_(a.c.correct))
                .group_by(a.c.page, a.c.question, a.c.answer)).all()
            firsts = (select(func.min(a.c.id).label("id")).where(a.c.session == number)
                      .group_by(a.c.page, a.c.question, a.c.student).subquery())
            first_right = connection.execute(
                select(a.c.page, a.c.question, func.count())
                .join(firsts, firsts.c.id == a.c.id).where(a.c.correct)
                .group_by(a.c.page, a.c.question)).all()
            return totals, wrong, first_right

        totals, wrong, first_right = self._run(read)
        firsts = {(page, question): n for page, question, n in first_right}
        grouped: dict[tuple[str, str], list[tuple[str, int]]] = {}
        for page, question, text, n in wrong:
            grouped.setdefault((page, question), []).append((text, n))
        return [QuestionSummary(page, question, answered, right, attempts,
                                tuple(sorted(grouped.get((page, question), []),
                                             key=lambda pair: (-pair[1], pair[0]))),
                                firsts.get((page, question), 0))
                for page, question, answered, right, attempts in sorted(totals)]

    def export_csv(self, session: int | Literal["all"] | None = None) -> str:
        """The answers of ``session`` (default the current one; ``ALL``: every one) as CSV,
        one row an answer under a header row; ``correct`` is 1 or 0, times are UTC."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for r in self.answers(session):
            writer.writerow([r.at.isoformat(timespec="milliseconds"), r.session,
                             _cell(r.page), _cell(r.question), _cell(r.student),
                             _cell(r.answer), int(r.correct),
                             json.dumps(r.settings, sort_keys=True)])
        return out.getvalue()

    # the database -------------------------------------------------------------------------

    def _session_id(self, connection: Connection, session: int | None) -> int:
        if session is None:
            return connection.execute(select(func.max(sessions_table.c.id))).scalar_one()
        if not isinstance(session, int) or isinstance(session, bool):
            raise TypeError(f"a session is an id (int), not {session!r}")
        return session

    def _count_retry(self) -> None:
        self.retries += 1

    def _run(self, work: Callable[[Connection], T], write: bool = False) -> T:
        """``work(connection)`` in one transaction (a writing one if ``write``), the tables
        made first if they are not known to be there, tried again while the database is
        busy."""
        if os.getpid() != self._pid:  # a forked child: the parent's connections stay its own
            self.engine.dispose(close=False)
            self._pid = os.getpid()

        def attempt() -> T:
            with self.engine.connect() as connection:
                if write or not self._ready:
                    connection.execution_options(lstm_write=True)
                with connection.begin():
                    if not self._ready:
                        ensure_schema(connection, _utc_now())
                    result = work(connection)
            self._ready = True
            return result

        return retrying(attempt, self.retry_seconds, on_retry=self._count_retry)
