"""What every test session shares: a model cache of its own, headless tests first, and nothing
left running after it.

The model cache and the answer store: trained models go to a folder of the session's, never the
user's cache, and the answers to the pages' questions to a SQLite file of the session's, never
the user's data folder or a database ``$LSTM_ANSWERS_URL`` names. Both are set before any server
starts, so the Voila servers of the browser tests, a hub's students' servers and their kernels
share them too, as a classroom's kernels share theirs. A test that wants a store of its own
points ``LSTM_ANSWERS_DB`` elsewhere with ``monkeypatch``.

Headless first: every test under ``tests/e2e`` is marked ``e2e`` and runs after the headless
ones, so a broken model fails in seconds, before any server or browser starts.

Nothing left running: the session marks itself in the environment (``LSTM_TEST_RUN``, which
every process it starts inherits, down to a hub's students' servers), and at its end fails the
run if any process with that mark is still alive, naming each after ending it.
"""

import os
import uuid

import psutil
import pytest

from driver.processes import RUN_MARK, describe, end, marked

LEFT_RUNNING = pytest.StashKey[list[str]]()


@pytest.fixture(scope="session", autouse=True)
def model_cache(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model-cache")
    before = os.environ.get("LSTM_MODEL_CACHE")
    os.environ["LSTM_MODEL_CACHE"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("LSTM_MODEL_CACHE", None)
    else:
        os.environ["LSTM_MODEL_CACHE"] = before


@pytest.fixture(scope="session", autouse=True)
def answer_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("answers") / "answers.sqlite3"
    before = {name: os.environ.pop(name, None) for name in ("LSTM_ANSWERS_DB", "LSTM_ANSWERS_URL")}
    os.environ["LSTM_ANSWERS_DB"] = str(path)
    yield path
    for name, value in before.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def pytest_collection_modifyitems(config, items):
    browser = config.rootpath / "tests" / "e2e"
    for item in items:
        if browser in item.path.parents:
            item.add_marker(pytest.mark.e2e)
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)  # stable


def pytest_sessionstart(session):
    os.environ[RUN_MARK] = uuid.uuid4().hex


def pytest_sessionfinish(session):
    # forkkernel's parents this process started as a server (its atexit would stop them only
    # after this check)
    from forkkernel.client import _stop_all
    _stop_all()
    left = marked(RUN_MARK, os.environ[RUN_MARK])
    _, alive = psutil.wait_procs(left, timeout=10)  # those already on their way out
    if alive:
        session.config.stash[LEFT_RUNNING] = [describe(proc) for proc in alive]
        end(alive)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    left = terminalreporter.config.stash.get(LEFT_RUNNING, [])
    if left:
        terminalreporter.write_sep("=", f"{len(left)} process(es) started by the tests were "
                                        "still running at the end (now ended)", red=True)
        for line in left:
            terminalreporter.write_line(line)
