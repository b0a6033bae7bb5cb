"""The training run: a controller that trains a ``TrainingModel`` beside a kernel's message loop.

The run owns the job: an asyncio task on the loop it is handed (a Jupyter kernel's own; the
dashboards floor finds it) that hands slices of training (``Pace``: about 0.2 s, or a number of
batches) to a worker thread, where ``TrainingModel.advance`` sets no trait, and publishes the
run after each slice from the loop's thread. So every trait change, and every widget update
that follows one, leaves from the thread ipykernel expects (ipykernel#1451), the controls keep
answering, and Stop is honoured within a slice. The run also owns Stop, Reset while running
(reset once stopped), the model cache's lock (claim it; wait while another kernel trains the
very settings; give up on Stop) and the replay of a cached run (its curves drawn growing, then
its weights adopted). It speaks only through its model's traits and knows no widget. With no
loop (a plain script, a test) ``train_now`` runs the same steps to the end.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..store.model_cache import Claim, TrainedModel
from .training_model import TrainingModel

__all__ = ["BackgroundRun", "Pace", "TrainingRun"]

REPLAY_FRAMES = 30  # at most this many frames of a cached run's curves
WAITING = ("Another dashboard on this server is training these very settings; its result will "
           "be used here.")


@dataclass(frozen=True)
class Pace:
    """How a run shares the loop with the page.

    Attributes
    ----------
    seconds : float or None -- training between two publications (a slice): about 0.2 s, so
        Stop answers and the charts move a few times a second
    batches : int or None -- or slices of this many batches (a test counts slices, not seconds)
    replay_s : float -- a cached run's curves are drawn growing over this long
    wait_s : float -- between two looks at the lock of another kernel training these settings
    """

    seconds: float | None = 0.2
    batches: int | None = None
    replay_s: float = 1.5
    wait_s: float = 0.5


class BackgroundRun:
    """What a run beside the kernel's loop holds: its model, its pace, a Stop event, one
    worker thread for the slices, and the job on the loop once started."""

    def __init__(self, model, pace: Pace | None, thread: str):
        self.model = model
        self.pace = pace or Pace()
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=thread)
        self._job: asyncio.Task | None = None
        self._reset_after = False  # Reset pressed while running: reset once it has stopped

    @property
    def job(self) -> asyncio.Task | None:
        """The run in the background, once started: await it to wait for its end."""
        return self._job

    @property
    def running(self) -> bool:
        return self._job is not None and not self._job.done()


class TrainingRun(BackgroundRun):
    """Train, stop and reset one ``TrainingModel``'s run, publishing only through the model.

    Parameters
    ----------
    model : TrainingModel
        The state it trains; its ``status``, ``progress``, ``revision`` and ``look`` say where
        the run is.
    pace : Pace, optional
        Slices of about 0.2 s, a replay of 1.5 s, a look at another kernel's lock every 0.5 s.
    """

    def __init__(self, model: TrainingModel, pace: Pace | None = None):
        super().__init__(model, pace, thread="training")

    def train(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Train with the model's settings: as a task on ``loop`` (running in this thread: a
        kernel's), or with no loop to the end now."""
        if loop is None:
            self.train_now()
        else:
            self.train_in(loop)

    def train_in(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start training as a task on ``loop``, which must be running in this thread."""
        if self.running or self.model.status in ("trained", "diverged"):
            return
        self._stop.clear()
        self.model.trainer.resume()  # after Stop, Train goes on from where it stopped
        self.model.set_status("training")  # the page answers the press at once
        self._job = loop.create_task(self._train())

    def train_now(self) -> None:
        """Train to the end in this thread, publishing once: for scripts and tests."""
        m = self.model
        if m.status in ("trained", "diverged"):
            return
        self._stop.clear()
        m.trainer.resume()
        cached = m.cached()
        if cached is not None:
            m.adopt(cached)
            return
        m.set_status("training")
        m.advance(None, self._stop.is_set)
        m.publish()

    def stop(self) -> None:
        """Stop the run where it is, within a slice (a replay jumps to its end)."""
        self._stop.set()

    def reset(self) -> None:
        """Back to the untrained model (once the run in progress has stopped)."""
        if self.running:
            self._reset_after = True
            self._stop.set()
            return
        self.model.reset()

    async def _train(self) -> None:
        m = self.model
        try:
            cached, claim = await self._cached_or_claimed()
            if cached is not None:
                await self._replay(cached)
            elif claim is not None:
                with claim:
                    await self._slices()
        except Exception as err:  # the kernel carries on; the learner is told what happened
            m.set_status("stopped", "Training failed.",
                         alert=f"Training failed ({type(err).__name__}: {err}). Press Reset "
                               "and try again, or smaller sizes.")
        finally:
            if self._reset_after:
                self._reset_after = False
                m.reset()

    async def _cached_or_claimed(self) -> tuple[TrainedModel | None, Claim | None]:
        """The cache's run of these settings, or the claim to train them; neither if Stop came
        while another kernel held them."""
        m, loop = self.model, asyncio.get_running_loop()
        while True:
            cached = await loop.run_in_executor(self._pool, m.cached)
            if cached is not None:
                return cached, None
            claim = m.cache.claim(m.config)
            if claim is not None:
                return None, claim
            m.set_status("waiting", WAITING)  # another kernel trains these very settings
            await asyncio.sleep(self.pace.wait_s)
            if self._stop.is_set():
                m.set_status("untrained", "Stopped waiting.")
                return None, None

    async def _slices(self) -> None:
        m, loop, pace = self.model, asyncio.get_running_loop(), self.pace
        m.set_status("training")
        while not m.trainer.done:
            await loop.run_in_executor(self._pool, m.advance, pace.seconds, self._stop.is_set,
                                       pace.batches)
            m.publish()

    async def _replay(self, cached: TrainedModel) -> None:
        """Tell a cached run's curves growing, then take its weights (at once on Stop)."""
        m, epochs = self.model, cached.config.epochs
        m.set_status("training", "Taken from the model cache: replaying its curves.")
        frames = min(epochs, REPLAY_FRAMES)
        for k in np.linspace(1, epochs, frames).round().astype(int):
            if self._stop.is_set():
                break
            m.replay(cached, int(k))
            await asyncio.sleep(self.pace.replay_s / frames)
        m.adopt(cached)
