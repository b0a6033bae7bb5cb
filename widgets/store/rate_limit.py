"""How fast one student may send answers: two token buckets a student, kept in this process.

A bucket holds up to ``capacity`` tokens and gains ``rate`` a second; an answer takes one token
from each of a student's two buckets (a short one: a few a second, a burst of a few; a long
one: a few hundred an hour), or from neither when either is empty, so a refused flood costs
nothing and the student answers again as soon as the short bucket refills.

The buckets live in the process, not in the database: under Voila a browser tab is one kernel,
so one student's answers all pass through one process, and checking them costs no write. A
JupyterHub user with several tabs open gets one set of buckets a tab (a kernel each), which
multiplies their rate by their tabs and still keeps a flood to a trickle. The clock is injected
(``time.monotonic`` by default) so a test steps it instead of sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Limits", "RateLimiter", "TokenBucket"]


@dataclass(frozen=True)
class Limits:
    """How many answers one student may send, and how long one answer may be."""

    burst: int = 5  # answers in a quick run: a student correcting a typo twice is fine
    per_second: float = 2.0  # the short bucket's refill: more than anyone types
    per_hour: int = 300  # a lesson's worth of questions, many times over
    max_chars: int = 1000  # an answer is a number, a shape or a sentence, never a file


class TokenBucket:
    """``capacity`` tokens, refilled at ``rate`` a second up to ``capacity``; starts full."""

    def __init__(self, capacity: float, rate: float, now: float):
        self.capacity = capacity
        self.rate = rate
        self.tokens = capacity
        self.at = now

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
        self.at = now

    def has_one(self) -> bool:
        return self.tokens >= 1


class RateLimiter:
    """Per-student buckets: ``allow(student)`` says why an answer is refused, or ``None``.

    Students idle long enough to have full buckets again are forgotten now and then, so a
    long-lived kernel does not keep a bucket for every id it has ever seen.
    """

    FORGET_EVERY = 1000  # checks between sweeps of idle students

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic):
        self.limits = limits
        self.clock = clock
        self._buckets: dict[str, tuple[TokenBucket, TokenBucket]] = {}
        self._checks = 0
        self._lock = threading.Lock()  # a kernel's handlers and a worker thread may both ask

    @property
    def tracked(self) -> int:
        """Students with a bucket kept: those who answered lately."""
        return len(self._buckets)

    def allow(self, student: str) -> str | None:
        """Take a token from both of ``student``'s buckets and return ``None``, or return
        "second" / "hour" (the bucket that is empty) and take nothing."""
        with self._lock:
            return self._take(student, self.clock())

    def _take(self, student: str, now: float) -> str | None:
        self._checks += 1
        if self._checks % self.FORGET_EVERY == 0:
            self._forget_idle(now)
        pair = self._buckets.get(student)
        if pair is None:
            pair = (TokenBucket(self.limits.burst, self.limits.per_second, now),
                    TokenBucket(self.limits.per_hour, self.limits.per_hour / 3600, now))
            self._buckets[student] = pair
        short, long = pair
        short.refill(now)
        long.refill(now)
        if not short.has_one():
            return "second"
        if not long.has_one():
            return "hour"
        short.tokens -= 1
        long.tokens -= 1
        return None

    def _forget_idle(self, now: float) -> None:
        for student, (short, long) in list(self._buckets.items()):
            short.refill(now)
            long.refill(now)
            if short.tokens >= short.capacity and long.tokens >= long.capacity:
                del self._buckets[student]
