"""What the training page is told of a run, as values published whole: its ``Progress`` (status
line, curves, bar) and its ``Look`` (which weights the views show, through which sequence).

Each is set once per change, so each view hears of a change once. Nothing here knows of widgets.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["STATUSES", "Look", "Progress"]

# untrained: as built; waiting: another kernel trains these settings; the rest: the run's end
STATUSES = ("untrained", "training", "waiting", "trained", "stopped", "diverged")


@dataclass(frozen=True)
class Progress:
    """The run as the page tells it, published whole: one change, one notification per view.

    status, message : as the model's traits; alert : a sentence for the banner ('' if none)
    epoch, epochs : epochs finished (or replayed) of the run's
    train, valid : the curves so far, one value an epoch
    done, total, what : the bar, ``done`` of ``total`` ``what`` ("batches", or "epochs,
        replayed")
    seconds_left : at the pace so far while training, else None
    revision : the model's revision it tells of (a new run is news even if it reads the same)
    """

    status: str
    message: str
    epoch: int
    epochs: int
    train: tuple[float, ...]
    valid: tuple[float, ...]
    done: int
    total: int
    what: str = "batches"
    seconds_left: float | None = None
    revision: int = 0
    alert: str = ""

    @property
    def running(self) -> bool:
        """A run is on: training, replaying, or waiting for another kernel's."""
        return self.status in ("training", "waiting")


@dataclass(frozen=True)
class Look:
    """What the views of the weights show: which weights (``weights`` counts their changes,
    at a rebuild and at a run's end), whose (``phase``), through which sequence, step, unit."""

    weights: int
    phase: str
    sample: int
    step: int
    unit: int

    def same_sequence(self, other: Look | None) -> bool:
        """Only the step or the unit moved: the same weights through the same sequence."""
        return other is not None and (self.weights, self.phase, self.sample) == (
            other.weights, other.phase, other.sample)
