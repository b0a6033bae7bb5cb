"""A training run in the background as a kernel runs it, without a kernel, waited on by events.

Each test runs its coroutine with ``on_a_loop``: on a new event loop in a thread of its own,
out of any loop the session runs (Playwright's, in a full run). The run's task publishes from
that loop's thread, so an observer of the model runs there too and may resolve a future.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from driver.kernel_session import run

__all__ = ["first", "on_a_loop", "run_to_its_end"]

TIMEOUT_S = 120  # a hang guard, not a bound: a run of these tests takes about a second


def on_a_loop(coroutine: Awaitable):
    """Run ``coroutine`` to its end on a new event loop in a thread of its own."""

    async def guarded():
        return await asyncio.wait_for(coroutine, TIMEOUT_S)

    return run(guarded())


async def run_to_its_end(run, during: Awaitable | None = None) -> None:
    """Press Train with this loop running, as the kernel's runs in Voila; then wait for
    ``during`` (what the learner does meanwhile) and for the run's end."""
    run.train(asyncio.get_running_loop())
    assert run.running
    if during is not None:
        await during
    await run.job


def first(model, name: str, holds: Callable = lambda _value: True) -> asyncio.Future:
    """A future of the first new value of trait ``name`` of ``model`` for which ``holds``."""
    future = asyncio.get_running_loop().create_future()

    def seen(change) -> None:
        if not future.done() and holds(change["new"]):
            future.set_result(change["new"])

    model.observe(seen, names=name)
    future.add_done_callback(lambda _future: model.unobserve(seen, names=name))
    return future
