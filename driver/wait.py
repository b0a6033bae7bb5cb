"""The one "wait until" of the tests and the benchmark: poll a condition until it holds.

Waiting on the thing itself (a server answering, a kernel gone, a pool gone quiet) with a
generous timeout, never a sleep followed by an assertion.
"""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Callable
from typing import TypeVar

__all__ = ["answers", "wait_until"]

T = TypeVar("T")


def wait_until(condition: Callable[[], T], timeout: float, *, every: float = 0.25,
               what: str = "the condition", details: Callable[[], str] | None = None) -> T:
    """Call ``condition`` every ``every`` seconds until it returns something true; return that.

    Raises TimeoutError naming ``what`` (and ``details()``, e.g. a server's log) once
    ``timeout`` seconds have passed. An exception ``condition`` raises (a server that exited)
    ends the wait at once.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            tail = f":\n{details()}" if details is not None else ""
            raise TimeoutError(f"{what}: not within {timeout:.0f} s{tail}")
        time.sleep(every)


def answers(url: str, timeout: float = 2.0) -> bool:
    """Whether ``url`` answers with a 2xx status now."""
    try:
        with urllib.request.urlopen(url, timeout=timeout):
            return True
    except OSError:  # not listening yet, or an error status (HTTPError is an OSError)
        return False
