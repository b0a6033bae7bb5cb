"""The answer store, headless, on both backends: SQLite in a file and a real PostgreSQL server
the tests start (Debian's package, installed when missing; driver/postgres.py).

Round trips (record, summary, rows, CSV, sessions), refusals (a 10 kB answer, a flood from one
student, text no database stores), hostile text stored verbatim, a busy or missing database
reaching the student only as a sentence, 30 writer processes at once, and a writer killed with
SIGKILL mid-stream. The rate limiter's buckets run on a clock the tests step.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from driver.postgres import PostgresServer, server_programs
from driver.servers import ROOT, free_port
from widgets.store.answer_db import default_path
from widgets.store.answers import ALL, AnswerStore, Limits
from widgets.store.rate_limit import RateLimiter

HOSTILE = ["'); DROP TABLE answers; --", "Robert'); DROP TABLE answer_sessions;--",
           "1' OR '1'='1", "%s %(answer)s :answer ? $1", '"; SELECT pg_sleep(10); --',
           "\\'; \\\" \\\\", "ünïcødé ✓ 𝛼"]


@pytest.fixture(scope="session")
def postgres():
    programs = server_programs()
    if programs is None:
        pytest.skip("no PostgreSQL server programs, and scripts/ensure-postgresql could not "
                    "install Debian's package (it needs root and apt-get)")
    server = PostgresServer(programs).start()
    yield server
    server.stop()


@dataclass
class Backend:
    name: str
    url: str

    @contextmanager
    def locked(self):
        """Another connection holding the answers table's write lock until the block ends."""
        if self.name == "sqlite":
            holder = sqlite3.connect(make_url(self.url).database, isolation_level=None)
            holder.execute("BEGIN EXCLUSIVE")
            try:
                yield
            finally:
                holder.execute("ROLLBACK")
                holder.close()
        else:
            engine = create_engine(self.url)
            try:
                with engine.connect() as connection, connection.begin():
                    connection.execute(text("LOCK TABLE answers IN ACCESS EXCLUSIVE MODE"))
                    yield
            finally:
                engine.dispose()

    def intact(self) -> bool:
        """SQLite's own integrity check; on PostgreSQL, that a new store reads and writes."""
        if self.name == "sqlite":
            with sqlite3.connect(make_url(self.url).database) as check:
                return check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        store = AnswerStore(self.url)
        before = len(store.answers())
        return store.record(page="p", question="q", settings={}, answer="a", correct=True,
                            student=uuid.uuid4().hex) and len(store.answers()) == before + 1

    def unreachable(self) -> str:
        if self.name == "sqlite":
            return "sqlite:////nonexistent-folder-of-the-tests/answers.sqlite3"
        return f"postgresql+psycopg://lstm@127.0.0.1:{free_port()}/nothing"


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, tmp_path) -> Backend:
    if request.param == "sqlite":
        return Backend("sqlite", f"sqlite:///{tmp_path / 'answers.sqlite3'}")
    server = request.getfixturevalue("postgres")
    return Backend("postgresql", server.create_database(f"t_{uuid.uuid4().hex[:16]}"))


def _record(store, answer="(8, 5)", correct=False, student="tab-1", question="weight_shape",
            page="1_mlp", settings="n_x=5&n1=8"):
    return store.record(page=page, question=question, settings=settings, answer=answer,
                        correct=correct, student=student)


def test_answers_come_back_summed_up_and_exported(backend):
    store = AnswerStore(backend.url)
    _record(store, "(8, 5)", False, "ana")
    _record(store, "(5, 8)", False, "ben")
    _record(store, "(8, 5)", False, "cem")
    _record(store, "(8, 5)", True, "ana", settings={"n_x": 5, "n1": 8})  # ana tries again
    _record(store, "2", True, "ben", question="layers", page="1_mlp")
    _record(store, "4", True, "ana", question="rows", page="3_lstm_explorer")

    layers, shape = store.summary()[:2]  # by page, then question id
    assert (shape.page, shape.question, shape.answered, shape.right, shape.attempts) == \
        ("1_mlp", "weight_shape", 3, 1, 4)
    assert shape.wrong == (("(8, 5)", 2), ("(5, 8)", 1))
    assert shape.first_right == 0, "ana got it right at her second answer"
    assert (layers.question, layers.answered, layers.right, layers.wrong) == ("layers", 1, 1, ())
    assert layers.first_right == 1
    assert [s.page for s in store.summary()] == ["1_mlp", "1_mlp", "3_lstm_explorer"]

    rows = store.answers()
    assert [(r.student, r.answer, r.correct) for r in rows[:4]] == [
        ("ana", "(8, 5)", False), ("ben", "(5, 8)", False), ("cem", "(8, 5)", False),
        ("ana", "(8, 5)", True)]
    assert rows[0].settings == {"n_x": "5", "n1": "8"}  # a link's query, as its fields
    assert rows[3].settings == {"n_x": 5, "n1": 8}
    assert all(r.at.utcoffset().total_seconds() == 0 for r in rows)
    assert rows[0].at <= rows[-1].at and abs(time.time() - rows[-1].at.timestamp()) < 600

    exported = list(csv.DictReader(io.StringIO(store.export_csv())))
    assert [(e["student"], e["answer"], e["correct"], e["question"]) for e in exported] == [
        (r.student, r.answer, str(int(r.correct)), r.question) for r in rows]
    assert exported[0]["settings"] == '{"n1": "8", "n_x": "5"}'
    assert exported[0]["time"] == rows[0].at.isoformat(timespec="milliseconds")


def test_a_new_session_starts_empty_and_keeps_the_old_ones(backend):
    student, teacher = AnswerStore(backend.url), AnswerStore(backend.url)  # two kernels
    _record(student, "(8, 5)")
    first = teacher.current_session()
    assert (first.id, first.label, first.answers) == (1, "Session 1", 1)

    second = teacher.new_session("Tuesday, 2nd period")
    assert (second.id, second.label) == (2, "Tuesday, 2nd period")
    assert teacher.summary() == [] and teacher.answers() == []
    _record(student, "(5, 8)", True)  # the student's kernel writes into the new session
    assert [r.answer for r in teacher.answers()] == ["(5, 8)"]
    assert [r.answer for r in teacher.answers(1)] == ["(8, 5)"]
    assert teacher.summary(1)[0].wrong == (("(8, 5)", 1),)
    assert teacher.new_session("  ").label == "Session 3"
    assert [(s.id, s.answers) for s in teacher.sessions()] == [(1, 1), (2, 1), (3, 0)]
    every = list(csv.DictReader(io.StringIO(teacher.export_csv(ALL))))
    assert [(e["session"], e["answer"]) for e in every] == [("1", "(8, 5)"), ("2", "(5, 8)")]
    with pytest.raises(ValueError, match="200 characters"):
        teacher.new_session("x" * 201)


def test_a_session_at_a_glance_counts_students_answers_and_the_last_time(backend):
    store = AnswerStore(backend.url)
    empty = store.activity()
    assert (empty.session.id, empty.students, empty.answers, empty.right, empty.last) == \
        (1, 0, 0, 0, None)
    _record(store, "(8, 5)", False, "ana")
    _record(store, "(5, 8)", True, "ana")
    _record(store, "2", True, "ben", question="layers")
    now = store.activity()
    assert (now.students, now.answers, now.right) == (2, 3, 2)
    assert now.last == store.answers()[-1].at
    store.new_session("next class")
    assert (store.activity().students, store.activity(1).answers) == (0, 3)
    with pytest.raises(ValueError, match="no session 9"):
        store.activity(9)


def test_a_long_answer_is_refused_whole_never_cut(backend):
    store = AnswerStore(backend.url)
    refused = _record(store, "7" * 10_000)
    assert not refused and refused.reason == "too long"
    assert refused.message == ("That answer is too long to save: keep it to 1,000 characters "
                               "or fewer.")
    exactly = "é" * 1000
    assert _record(store, exactly, student="tab-2")
    assert [r.answer for r in store.answers()] == [exactly]


@pytest.mark.parametrize("answer", ["a\x00b", "half \ud800 a pair"])
def test_text_no_database_can_store_is_refused_with_a_sentence(backend, answer):
    store = AnswerStore(backend.url)
    outcome = _record(store, answer)
    assert (outcome.stored, outcome.reason) == (False, "unreadable")
    assert "cannot be saved" in outcome.message
    assert store.answers() == []
    assert _record(store, "fine")  # and the store goes on


def test_sql_in_any_field_is_stored_as_text(backend):
    store = AnswerStore(backend.url)
    for i, hostile in enumerate(HOSTILE):
        assert _record(store, answer=hostile, student=hostile, question=hostile, page=hostile,
                       settings={hostile: hostile}, correct=bool(i % 2))
    store.new_session(HOSTILE[0])
    assert _record(store, answer=HOSTILE[1], student=HOSTILE[0])

    rows = store.answers(ALL)
    assert [(r.answer, r.student, r.question, r.page, r.settings) for r in rows[:-1]] == \
        [(h, h, h, h, {h: h}) for h in HOSTILE]
    assert store.sessions()[-1].label == HOSTILE[0]
    assert store.summary(1)[0].wrong[0][1] == 1
    tables = set(inspect(store.engine).get_table_names())
    assert {"answers", "answer_sessions"} <= tables
    exported = list(csv.DictReader(io.StringIO(store.export_csv(ALL))))
    assert [e["answer"] for e in exported] == [r.answer for r in rows]


def test_the_csv_shows_formulas_as_text_and_numbers_as_numbers(backend):
    store = AnswerStore(backend.url)
    for answer in ["=HYPERLINK(\"http://x\", \"y\")", "@SUM(A1)", "+cmd", "-3", "+2.5", "-"]:
        assert _record(store, answer, student=f"s{answer}")
    exported = [e["answer"] for e in csv.DictReader(io.StringIO(store.export_csv()))]
    assert exported == ["'=HYPERLINK(\"http://x\", \"y\")", "'@SUM(A1)", "'+cmd", "-3", "+2.5",
                        "'-"]


def test_a_flood_from_one_student_is_refused_and_the_others_still_answer(backend):
    store = AnswerStore(backend.url)  # the default limits, on the real clock
    start = time.monotonic()
    outcomes = [_record(store, str(i), student="flooder") for i in range(3000)]
    seconds = time.monotonic() - start
    big = [_record(store, "9" * 10_240, student="big") for _ in range(200)]

    stored = sum(o.stored for o in outcomes)
    limits = store.limits
    assert limits.burst <= stored <= limits.burst + limits.per_second * seconds + 1
    assert {o.reason for o in outcomes if not o} == {"too fast"}
    assert "wait a moment" in next(o for o in outcomes if not o).message
    assert not any(big) and {o.reason for o in big} == {"too long"}
    assert _record(store, "(5, 8)", True, student="calm")
    assert [r.student for r in store.answers()].count("flooder") == stored
    assert backend.intact()


def test_a_locked_database_reaches_the_student_as_a_sentence(backend):
    store = AnswerStore(backend.url, retry_seconds=0.6, busy_seconds=0.1)
    assert _record(store, "before")
    with backend.locked():
        outcome = _record(store, "while locked", student="tab-2")
    assert (outcome.stored, outcome.reason) == (False, "unsaved")
    assert outcome.message == ("Your answer could not be saved just now: please try again in "
                               "a moment.")
    assert store.retries >= 1  # it was tried again before giving up
    assert _record(store, "after", student="tab-3")
    assert [r.answer for r in store.answers()] == ["before", "after"]


def test_a_missing_database_reaches_the_student_as_a_sentence(backend):
    store = AnswerStore(backend.unreachable(), retry_seconds=0.3, busy_seconds=0.1)
    outcome = _record(store)
    assert (outcome.stored, outcome.reason) == (False, "unsaved")
    with pytest.raises(OperationalError):  # the teacher's page is told, and says so
        store.summary()


def _kernel(*args: str, stdin=subprocess.PIPE) -> subprocess.Popen:
    """A process of its own running ``tests/answer_writers.py``, as a kernel of a class."""
    return subprocess.Popen([sys.executable, "-m", "tests.answer_writers", *args], cwd=ROOT,
                            stdin=stdin, stdout=subprocess.PIPE, text=True)


def test_thirty_writer_processes_lose_no_answer(backend):
    writers, each = 30, 40
    kernels = [_kernel("write", backend.url, f"kernel-{k}", str(each)) for k in range(writers)]
    try:
        assert [k.stdout.readline().strip() for k in kernels] == ["ready"] * writers
        for k in kernels:  # all at once: the first of them create the tables
            k.stdin.write("go\n")
            k.stdin.close()
        reports = [json.loads(k.stdout.readline()) for k in kernels]
        assert [k.wait(timeout=60) for k in kernels] == [0] * writers
    finally:
        for k in kernels:
            if k.poll() is None:
                k.kill()
                k.wait()
            k.stdout.close()

    assert [r["error"] for r in reports if r["error"]] == []
    assert all(r["reasons"] == ["stored"] * each for r in reports)
    rows = AnswerStore(backend.url).answers()
    assert sorted(r.answer for r in rows) == sorted(
        f"kernel-{k}:{i}" for k in range(writers) for i in range(each))
    assert backend.intact()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX")
def test_a_writer_killed_mid_stream_loses_only_the_answer_it_was_writing(backend):
    AnswerStore(backend.url)  # the tables, before any writer
    for round_ in range(3):
        student = f"killed-{round_}"
        with _kernel("until-killed", backend.url, student, stdin=subprocess.DEVNULL) as kernel:
            reported = []
            while len(reported) < 25 + 10 * round_:  # a different point in the stream each time
                line = kernel.stdout.readline()
                assert line, "the writer stopped before it was killed"
                reported.append(int(line))
            kernel.send_signal(signal.SIGKILL)
            assert kernel.wait(timeout=60) == -signal.SIGKILL
            reported += [int(n) for n in kernel.stdout.read().split()]  # sent before it died

        stored = [int(r.answer) for r in AnswerStore(backend.url).answers()
                  if r.student == student]
        assert reported == list(range(len(reported)))
        assert stored[:len(reported)] == reported
        assert len(stored) <= len(reported) + 1  # at most the one it had not reported yet
    assert backend.intact()


def test_the_default_database_is_a_sqlite_file_in_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("LSTM_ANSWERS_URL", raising=False)
    monkeypatch.setenv("LSTM_ANSWERS_DB", str(tmp_path / "class.sqlite3"))
    assert _record(AnswerStore(), "1")
    with sqlite3.connect(tmp_path / "class.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchall() == [("wal",)]
        assert db.execute("SELECT answer FROM answers").fetchall() == [("1",)]

    monkeypatch.setenv("LSTM_ANSWERS_URL", f"sqlite:///{tmp_path / 'by-url.sqlite3'}")
    assert _record(AnswerStore(), "2")
    assert (tmp_path / "by-url.sqlite3").exists()

    if sys.platform.startswith("linux"):  # platformdirs follows XDG there
        monkeypatch.delenv("LSTM_ANSWERS_DB")
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
        assert default_path() == tmp_path / "data" / "disentangling-lstm" / "answers.sqlite3"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_a_few_a_second():
    clock = Clock()
    limiter = RateLimiter(Limits(burst=3, per_second=2, per_hour=100), clock)
    assert [limiter.allow("a") for _ in range(5)] == [None, None, None, "second", "second"]
    assert limiter.allow("b") is None  # another student has buckets of their own
    clock.now += 0.5  # one token back
    assert [limiter.allow("a") for _ in range(1000)].count(None) == 1  # a refusal takes none
    clock.now += 10  # full again, never more than the burst
    assert [limiter.allow("a") for _ in range(10)].count(None) == 3


def test_a_few_hundred_an_hour():
    clock = Clock()
    limiter = RateLimiter(Limits(burst=5, per_second=5, per_hour=20), clock)
    seen = []
    for _ in range(100):  # one every 0.25 s: the short bucket never runs dry
        seen.append(limiter.allow("a"))
        clock.now += 0.25
    assert seen.count(None) == 20 and set(seen[25:]) == {"hour"}
    clock.now += 3600 / 20  # an hour's bucket gains one answer in 3 minutes
    assert limiter.allow("a") is None and limiter.allow("a") == "hour"


def test_idle_students_are_forgotten():
    clock = Clock()
    limiter = RateLimiter(Limits(), clock)
    for k in range(RateLimiter.FORGET_EVERY - 1):
        limiter.allow(f"tab-{k}")
    assert limiter.tracked == RateLimiter.FORGET_EVERY - 1
    clock.now += 3600  # every bucket full again
    limiter.allow("late")  # the sweep
    assert limiter.tracked == 1


def test_the_store_writes_no_sql_text():
    """Only constant SQL text (SQLite's PRAGMA and BEGIN); everything else is an expression."""
    for path in sorted((ROOT / "widgets" / "store").glob("answer*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "sqlalchemy":
                assert "text" not in {a.name for a in node.names}, path.name
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    node.func.attr in ("execute", "exec_driver_sql", "executescript"):
                arg = node.args[0]
                assert not isinstance(arg, ast.JoinedStr | ast.BinOp), \
                    f"{path.name}:{node.lineno} builds SQL from strings"
                if node.func.attr != "execute" or isinstance(arg, ast.Constant):
                    assert isinstance(arg, ast.Constant) and isinstance(arg.value, str), \
                        f"{path.name}:{node.lineno} runs SQL text that is not a constant"

