"""Why the LSTM: the plain RNN, the GRU and the LSTM trained on the same data, one after another.

Each cell gets the same task data, settings and seed; only the recurrent module differs
(``TrainConfig.cell``). Each trains until it solves the task (``TaskData.solved_below``) or its
epochs run out: a race to solve, so a comparison at the defaults takes seconds, and the plain
RNN's failure shows as a curve that never reaches the line. The run advances a slice at a time,
as ``Trainer.run`` does, so a page can draw between slices and honour Stop.

Nothing here knows of widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from .cells import CELL_LABELS, CELLS
from .tasks import TaskData, make_task
from .training import TrainConfig, Trainer

__all__ = ["CellResult", "Comparison", "verdict"]


@dataclass(frozen=True)
class CellResult:
    """One cell's part of a comparison, as far as it went."""

    cell: str
    epochs: int  # epochs trained
    valid: float | None  # the last validation error, None before the first epoch
    solved_epoch: int | None
    solved_seconds: float | None
    seconds: float
    status: str  # the trainer's: "ready", "running", "finished", "stopped", "diverged"

    @property
    def solved(self) -> bool:
        return self.solved_epoch is not None


class Comparison:
    """The cells of ``cells`` trained on ``config``'s task, one after another.

    Attributes
    ----------
    trainers : dict -- cell -> its ``Trainer`` (``until_solved``), all on one ``TaskData``
    data : TaskData -- the task's data, made once and shared
    """

    def __init__(self, config: TrainConfig, cells: tuple[str, ...] = CELLS,
                 data: TaskData | None = None):
        self.config = config
        # a CSV series comes made (series_task); the built-in tasks are made here
        self.data = data if data is not None else make_task(config.task, config.seq_len,
                                                            config.seed)
        self.trainers = {cell: Trainer(replace(config, cell=cell, until_solved=True),
                                       self.data) for cell in cells}

    @property
    def current(self) -> Trainer | None:
        """The trainer whose turn it is, or None when every cell is done."""
        return next((t for t in self.trainers.values() if not t.done), None)

    @property
    def done(self) -> bool:
        return self.current is None

    @property
    def stopped(self) -> bool:
        return any(t.status == "stopped" for t in self.trainers.values())

    @property
    def batches_done(self) -> int:
        return sum(t.batches_done for t in self.trainers.values())

    @property
    def batches_total(self) -> int:
        """Batches if no cell solves early: the bar's end (a cell that solves jumps to it)."""
        return sum(t.batches_total if not t.done else t.batches_done
                   for t in self.trainers.values())

    def run(self, seconds: float | None = None,
            should_stop: Callable[[], bool] = lambda: False, batches: int | None = None) -> None:
        """Train the current cell for about ``seconds`` (or ``batches`` batches), moving on to
        the next when one finishes; a stop stops the comparison where it is."""
        trainer = self.current
        if trainer is None or self.stopped:
            return
        trainer.run(seconds, should_stop, batches)

    def stop(self) -> None:
        trainer = self.current
        if trainer is not None:
            trainer.stop()

    def results(self) -> list[CellResult]:
        return [CellResult(cell, t.epoch, t.history.valid[-1] if t.history.valid else None,
                           t.solved_epoch, t.solved_seconds, t.seconds, t.status)
                for cell, t in self.trainers.items()]


def verdict(results: list[CellResult], yardstick: float, seq_len: int, metric: str) -> str:
    """One honest sentence that reads the finished run: which cells solved it, and whether the
    ones that did not did better than the memoryless yardstick."""
    solved = [r for r in results if r.solved]
    failed = [r for r in results if not r.solved and r.valid is not None]
    parts = []
    if solved:
        names = " and ".join(f"the {CELL_LABELS[r.cell]} (epoch {r.solved_epoch})"
                             for r in solved)
        parts.append(f"At n_E = {seq_len}, {names} solved it")
    for r in failed:
        label = CELL_LABELS[r.cell]
        if r.valid >= 0.8 * yardstick:
            parts.append(f"the {label} did no better than the best yardstick "
                         f"({metric} {r.valid:.3g} against {yardstick:.3g}): it did not "
                         "carry what it needed across the steps")
        else:
            parts.append(f"the {label} beat the best yardstick ({metric} {r.valid:.3g} "
                         f"against {yardstick:.3g}) but did not solve it in {r.epochs} epochs")
    if not parts:
        return ""
    sentence = "; ".join(parts)
    return sentence[0].upper() + sentence[1:] + "."
