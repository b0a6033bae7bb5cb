"""Kernels writing answers, for tests/test_answer_store.py: each is an interpreter of its own
(``python -m tests.answer_writers ...``) that imports the store and nothing else of the tests.

``write URL STUDENT N``: print "ready", wait for a line on stdin (so that every writer starts
at once), open a store (the first of them create its tables), record N answers and print one
JSON line: each outcome's reason, the retries, and any traceback that escaped.

``until-killed URL STUDENT``: record answers "0", "1", ... for ever, printing each number once
it is stored.
"""

from __future__ import annotations

import json
import sys
import traceback

from widgets.store.answers import AnswerStore, Limits

# the writers test the database under load, not the per-student limits
UNLIMITED = Limits(burst=10**9, per_second=10**9, per_hour=10**9)
SETTINGS = {"n_x": 5, "hidden_size": 8}


def write(url: str, student: str, n: int) -> None:
    print("ready", flush=True)
    sys.stdin.readline()
    report = {"reasons": [], "retries": 0, "error": None}
    try:
        store = AnswerStore(url, limits=UNLIMITED)
        for i in range(n):
            report["reasons"].append(store.record(
                page="3_lstm_explorer", question=f"q{i % 4}", settings=SETTINGS,
                answer=f"{student}:{i}", correct=i % 3 == 0, student=student).reason)
        report["retries"] = store.retries
    except BaseException:  # anything escaping is what the test looks for
        report["error"] = traceback.format_exc()
    print(json.dumps(report), flush=True)


def until_killed(url: str, student: str) -> None:
    store = AnswerStore(url, limits=UNLIMITED)
    i = 0
    while True:
        if store.record(page="4_training", question="q", settings=SETTINGS, answer=str(i),
                        correct=False, student=student):
            print(i, flush=True)
        i += 1


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        until_killed(sys.argv[2], sys.argv[3])
