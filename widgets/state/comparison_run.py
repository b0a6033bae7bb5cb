"""The comparison's run: the three cells trained beside the kernel's message loop.

As ``TrainingRun`` does for one model: an asyncio task on the kernel's loop hands slices of
training (about 0.2 s) to a worker thread, where ``ComparisonModel.advance`` sets no trait,
and publishes after each slice from the loop's thread, so the page keeps answering and Stop is
honoured within a slice. Each cell's race is a run of its own in the model cache: taken from
it when there, claimed while it trains (another kernel on the same settings waits for it), and
stored when it finishes. With no loop (a script, a test) ``run`` trains to the end at once.
"""

from __future__ import annotations

import asyncio

from ..store.model_cache import Claim
from .comparison_model import ComparisonModel
from .training_run import BackgroundRun, Pace

__all__ = ["ComparisonRun"]


class ComparisonRun(BackgroundRun):
    """Compare, stop and reset one ``ComparisonModel``, publishing only through it."""

    def __init__(self, model: ComparisonModel, pace: Pace | None = None):
        super().__init__(model, pace, thread="comparison")

    def run(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Compare: as a task on ``loop`` (a kernel's, running in this thread), else now."""
        if self.running or self.model.status == "trained":
            return
        self._stop.clear()
        self.model.start()
        if loop is not None:
            self._job = loop.create_task(self._slices())
            return
        m = self.model
        while not (m.comparison.done or m.comparison.stopped):
            cell = m.comparison.current.config.cell
            cached = m.cached(cell) if m.comparison.current.batches_done == 0 else None
            if cached is not None:
                m.adopt(cell, cached)
                continue
            with m.claim(cell) or Claim(None):  # no loop to wait on: train it here too
                m.advance(None, self._stop.is_set)
            m.store(cell)
        m.publish()

    def stop(self) -> None:
        self._stop.set()
        if not self.running:
            self.model.stop()

    def reset(self, config=None) -> None:
        """Back to the untrained cells, of ``config`` if given (once the run in progress has
        stopped: a change of settings mid-run stops it)."""
        self._next = config if config is not None else self.model.config
        if self.running:
            self._reset_after = True
            self._stop.set()
            return
        self.model.configure(self._next)

    async def _slices(self) -> None:
        m, loop, pace = self.model, asyncio.get_running_loop(), self.pace
        try:
            while not (m.comparison.done or m.comparison.stopped or self._stop.is_set()):
                trainer = m.comparison.current
                cell, claim = trainer.config.cell, None
                if trainer.batches_done == 0:  # not begun: from the cache, or claimed here
                    cached = await loop.run_in_executor(self._pool, m.cached, cell)
                    if cached is not None:
                        m.adopt(cell, cached)
                        m.publish()
                        continue
                    claim = m.claim(cell)
                    if claim is None:  # another kernel trains this very cell: wait for it
                        m.wait_for(cell)
                        await asyncio.sleep(pace.wait_s)
                        continue
                with claim or Claim(None):
                    while not (trainer.done or self._stop.is_set()):
                        await loop.run_in_executor(self._pool, m.advance, pace.seconds,
                                                   self._stop.is_set, pace.batches)
                        m.publish()
                m.store(cell)
            if self._stop.is_set():
                m.stop()  # pressed between two slices: the cell training now stops there
        except Exception as err:  # the kernel carries on; the learner is told
            m.fail(f"The comparison failed ({type(err).__name__}: {err}). Press Reset and "
                   "try again, or smaller sizes.")
        finally:
            if self._reset_after:
                self._reset_after = False
                m.configure(self._next)
