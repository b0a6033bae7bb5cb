"""The answer store's database: where it is, its tables, and how a write survives a busy one.

SQLite by default, one file that every kernel of a classroom server writes at once: WAL mode
(readers never wait for the writer, and a committed answer is in the file's log before the
commit returns), a busy timeout (a writer waits its turn instead of failing), and every write
in a ``BEGIN IMMEDIATE`` transaction (it takes the write lock before it reads, so two writers
never deadlock upgrading a read lock). PostgreSQL when a URL names it, with a lock timeout of
the same length. Every statement is a SQLAlchemy expression with bound parameters; the only
SQL text here is constant (SQLite's ``PRAGMA`` and ``BEGIN``, which SQLAlchemy has no
expression for).

The tables are created when missing, under a lock that makes several processes starting at
once safe: the SQLite write lock, or on PostgreSQL a transaction-scoped advisory lock.
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from platformdirs import user_data_dir
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

__all__ = ["APP", "ID_CHARS", "WRITE", "answers_table", "default_path", "engine_for",
           "ensure_schema", "retrying", "sessions_table"]

log = logging.getLogger(__name__)
APP = "disentangling-lstm"  # the folder's name under the platform's data folders
ID_CHARS = 200  # a page, a question, a student or a session label: a name, not a text
WRITE = {"lstm_write": True}  # execution options of a writing connection
SCHEMA_LOCK = 0x4C53544D  # "LSTM": the PostgreSQL advisory lock key for creating the tables
T = TypeVar("T")

metadata = MetaData()
sessions_table = Table(
    "answer_sessions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # max + 1, see new_session
    Column("label", String(ID_CHARS), nullable=False),
    Column("started", DateTime(timezone=True), nullable=False),
)
answers_table = Table(
    "answers", metadata,
    Column("id", Integer, primary_key=True),
    Column("session", Integer, ForeignKey("answer_sessions.id"), nullable=False),
    Column("page", String(ID_CHARS), nullable=False),
    Column("question", String(ID_CHARS), nullable=False),
    Column("student", String(ID_CHARS), nullable=False),
    Column("settings", Text, nullable=False),  # JSON, keys sorted
    Column("answer", Text, nullable=False),
    Column("correct", Boolean, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),  # UTC
    Index("ix_answers_session_question", "session", "page", "question"),
)


def default_path() -> Path:
    """``$LSTM_ANSWERS_DB`` if set, else ``answers.sqlite3`` in the platform's user data
    folder (``~/.local/share/disentangling-lstm`` on Linux)."""
    return Path(os.environ.get("LSTM_ANSWERS_DB") or
                Path(user_data_dir(APP, appauthor=False)) / "answers.sqlite3").expanduser()


def engine_for(url: str | URL | None, busy_seconds: float) -> Engine:
    """An engine for ``url``: else ``$LSTM_ANSWERS_URL``, else SQLite at ``default_path()``."""
    if url is None:
        url = os.environ.get("LSTM_ANSWERS_URL") or None
    if url is None:
        path = default_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        url = URL.create("sqlite", database=str(path))
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": busy_seconds})
        _sqlite_transactions(engine)
        return engine
    connect_args = {}
    if url.get_backend_name() == "postgresql":
        # a connection that cannot be had, or a lock that is not given, fails in time to retry
        connect_args = {"connect_timeout": max(1, round(busy_seconds)),
                        "options": f"-c lock_timeout={round(busy_seconds * 1000)}"}
    # a kernel needs one connection; a class of kernels must stay under the server's limit
    return create_engine(url, connect_args=connect_args, pool_size=1, max_overflow=2,
                         pool_pre_ping=True, pool_recycle=1800)


def _sqlite_transactions(engine: Engine) -> None:
    """WAL mode on every connection, and transactions begun by us, not by pysqlite: a writer's
    ``BEGIN IMMEDIATE`` (tables created inside it too), a reader's plain ``BEGIN``."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # pysqlite begins nothing by itself
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection):
        if connection.get_execution_options().get("lstm_write"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def ensure_schema(connection: Connection, now) -> None:
    """Create the tables and the first session if missing, in ``connection``'s transaction
    (a writing one), under a lock so that processes starting together create them once."""
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(SCHEMA_LOCK)))
    metadata.create_all(connection, checkfirst=True)
    if connection.execute(select(func.count()).select_from(sessions_table)).scalar_one() == 0:
        connection.execute(insert(sessions_table).values(id=1, label="Session 1", started=now))


def transient(error: Exception) -> bool:
    """Whether ``error`` may pass if tried again: a busy or locked database, a lost or
    refused connection, or two writers racing for the same new id."""
    if isinstance(error, OperationalError | InterfaceError | IntegrityError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def retrying(work: Callable[[], T], seconds: float, *, on_retry: Callable[[], None] | None = None,
             sleep: Callable[[float], None] = time.sleep) -> T:
    """``work()``, tried again after a transient error with a growing, jittered pause, until
    ``seconds`` have passed; then (or at once for any other error) its error is raised."""
    start = time.monotonic()
    pause = 0.02
    while True:
        try:
            return work()
        except DBAPIError as error:
            if not transient(error) or time.monotonic() - start + pause > seconds:
                raise
            log.info("answer store busy, trying again: %s", error.orig)
            if on_retry is not None:
                on_retry()
        sleep(pause * random.uniform(0.5, 1.5))
        pause = min(2 * pause, 0.5)
