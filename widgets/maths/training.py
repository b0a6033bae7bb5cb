"""Training a many-to-one LSTM: a plain PyTorch loop that the caller runs a slice at a time.

The model is the tutorial's: ``nn.LSTM(n_X, H, batch_first=True)`` read out by
``nn.Linear(H, 1)`` on the last step. The loop is nanoGPT's shape (a config, a seed, batches,
an evaluation every epoch) with one difference: ``Trainer.run(seconds)`` returns after about
``seconds`` of batches (or after ``batches`` of them), so a dashboard can draw, answer its
controls and honour Stop between two slices, and a test can run it to the end in one call.
Where the slices fall changes nothing: the batches, their order and every number are fixed by
the config and its seed, and the loop runs on one torch thread, so the same settings give the
same loss history.

Nothing here knows of widgets.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import torch
from torch import nn

from .cells import CELLS, build_cell
from .limits import check_choice, check_float, check_int, short
from .tasks import TASKS, TaskData, make_task

__all__ = ["DEFAULTS", "LIMITS", "PHASES", "SYMBOLS", "ManyToOne", "TrainConfig", "Trainer",
           "check_setting", "defaults_for", "one_torch_thread"]

# inclusive bounds; the learning rate is a number, the rest whole numbers
LIMITS = {
    "hidden_size": (1, 64),
    "seq_len": (2, 200),
    "lr": (1e-4, 1.0),
    "epochs": (1, 300),
    "batch_size": (1, 512),
    "seed": (0, 2**31 - 1),
}
_DIGEST = re.compile(r"[0-9a-f]{64}")
# whose weights a view shows: as built, or as training left them
PHASES = ("initial", "trained")
SYMBOLS = {"hidden_size": "H", "seq_len": "n_E", "lr": "learning rate", "epochs": "epochs",
           "batch_size": "b_S", "seed": "seed", "task": "task", "cell": "cell"}


def check_setting(name: str, value):
    """The clean value of setting ``name``, or ``ValueError`` with a sentence for the learner."""
    if name == "task":
        if value not in TASKS:
            raise ValueError(f"The task must be one of {', '.join(TASKS)}; got {value!r}.")
        return value
    if name == "cell":
        return check_choice("cell", value, CELLS)
    if name == "data":
        if not isinstance(value, str) or (value and not _DIGEST.fullmatch(value)):
            raise ValueError(f"data must be a CSV series' sha256 digest or ''; got "
                             f"{short(str(value))!r}.")
        return value
    if name == "until_solved":
        if not isinstance(value, bool):
            raise ValueError(f"until_solved must be True or False; got {value!r}.")
        return value
    if name == "lr":
        return check_float(SYMBOLS[name], value, *LIMITS[name])
    return check_int(SYMBOLS[name], value, *LIMITS[name])


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run, so also the key of its cached result."""

    task: str = "temperatures"  # which data: "temperatures", "adding" or "csv"
    hidden_size: int = 16  # H: units in the LSTM's hidden and cell states
    seq_len: int = 14  # n_E: steps the LSTM reads before it predicts
    lr: float = 0.01  # Adam's learning rate
    epochs: int = 20  # passes over the training sequences
    batch_size: int = 32  # b_S: sequences per gradient step
    seed: int = 0  # the initial weights, the batches' order and the adding problem's data
    cell: str = "lstm"  # the recurrent module: "lstm", "gru" or "rnn" (nn.RNN, tanh)
    until_solved: bool = False  # end at the first epoch that solves the task (a comparison)
    data: str = ""  # the CSV series' digest (Series.digest), so the cache keys on the data

    def __post_init__(self):
        for name, value in asdict(self).items():
            check_setting(name, value)
        if self.data and self.task != "csv":
            raise ValueError(f"Only the CSV task takes data; the {self.task} task has its own.")


# each task's starting point: a window of two weeks; the adding problem at n_E = 50
DEFAULTS = {
    "temperatures": TrainConfig(),
    "adding": TrainConfig(task="adding", hidden_size=8, seq_len=50, epochs=60),
    "csv": TrainConfig(task="csv"),
}


def defaults_for(task: str, seed: int = 0) -> TrainConfig:
    return replace(DEFAULTS[task], seed=seed)


class ManyToOne(nn.Module):
    """``nn.LSTM(n_x, hidden_size, batch_first=True)``, then ``nn.Linear(hidden_size, 1)`` on
    the last step's hidden state: the tutorial's many-to-one architecture. With ``cell`` "gru"
    or "rnn", an ``nn.GRU`` or a plain ``nn.RNN`` (tanh) in the LSTM's place, the read-out the
    same. The module is the attribute named by its cell (``model.lstm``, ``model.gru``,
    ``model.rnn``), as one would write it, and ``recurrent`` whichever it is."""

    def __init__(self, n_x: int, hidden_size: int, cell: str = "lstm"):
        super().__init__()
        self.cell = cell
        self.add_module(cell, build_cell(cell, n_x, hidden_size))
        self.head = nn.Linear(hidden_size, 1)

    @property
    def recurrent(self) -> nn.Module:
        """The recurrent module: ``nn.LSTM``, ``nn.GRU`` or ``nn.RNN``."""
        return getattr(self, self.cell)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        output, _ = self.recurrent(x)  # (B, n_E, H)
        return self.head(output[:, -1, :])  # (B, H) -> (B, 1)


@contextmanager
def one_torch_thread():
    """Run the block on one torch thread and put the count back after it."""
    before = torch.get_num_threads()
    if before != 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if before != 1:
            torch.set_num_threads(before)


def state_of(model: nn.Module) -> dict[str, torch.Tensor]:
    """A copy of the model's parameters, detached: a snapshot that training will not move."""
    return {name: t.detach().clone() for name, t in model.state_dict().items()}


@dataclass
class History:
    """Per finished epoch, the curves' metric (``TaskData.metric``) on each set."""

    train: list[float] = field(default_factory=list)  # from the epoch's batch losses
    valid: list[float] = field(default_factory=list)  # on the whole validation set, after it


class Trainer:
    """One training run of ``config``: build once, then ``run`` it a slice at a time.

    Attributes
    ----------
    model : ManyToOne -- the live model, trained in place
    initial : dict -- its parameters before the first step
    history : History -- one value per finished epoch
    epoch : int -- epochs finished; ``batch`` -- batches finished in the current one
    status : "ready", "running", "finished", "stopped" or "diverged"
    message : str -- a sentence on how the run ended ('' while it has not)
    seconds : float -- time spent in ``run`` so far
    solved_epoch, solved_seconds : the first epoch whose validation error solves the task
        (``TaskData.solved_below``) and the training time to its end; None until one does.
        With ``config.until_solved`` the run finishes there (a comparison's race to solve).
    valid_predictions : (n_valid,) float64 -- the latest, in the task's units
    """

    def __init__(self, config: TrainConfig, data: TaskData | None = None):
        self.config = config
        self.data = data if data is not None else make_task(config.task, config.seq_len,
                                                            config.seed)
        if (self.data.name, self.data.digest) != (config.task, config.data):
            raise ValueError(f"The data ({self.data.name} {self.data.digest[:12]}) is not the "
                             f"config's ({config.task} {config.data[:12]}).")
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            self.model = ManyToOne(self.data.n_x, config.hidden_size, config.cell)
        self.initial = state_of(self.model)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.lr)
        self._order = torch.Generator().manual_seed(config.seed)  # the batches' order
        self.history = History()
        self.epoch = 0
        self.batch = 0
        self.status = "ready"
        self.message = ""
        self.seconds = 0.0
        self._started = 0.0  # when the current slice began
        self.solved_epoch: int | None = None  # the first epoch whose validation error solves
        self.solved_seconds: float | None = None  # training time to the end of that epoch
        self._perm: torch.Tensor | None = None
        self._loss_sum = 0.0
        self.valid_predictions = self.predict()

    # --- where it is ----------------------------------------------------------------------
    @property
    def batches_per_epoch(self) -> int:
        return math.ceil(len(self.data.X_train) / self.config.batch_size)

    @property
    def batches_done(self) -> int:
        return self.epoch * self.batches_per_epoch + self.batch

    @property
    def batches_total(self) -> int:
        return self.config.epochs * self.batches_per_epoch

    @property
    def done(self) -> bool:
        return self.status in ("finished", "stopped", "diverged")

    def seconds_left(self) -> float | None:
        """Time to the last epoch at the pace so far; None before the first batch."""
        if not self.batches_done:
            return None
        return self.seconds / self.batches_done * (self.batches_total - self.batches_done)

    # --- training -------------------------------------------------------------------------
    def predict(self, X: torch.Tensor | None = None) -> np.ndarray:
        """The model's answers for ``X`` (the validation set by default), in task units."""
        with torch.no_grad():
            out = self.model(self.data.X_valid if X is None else X)[:, 0]
        return self.data.to_task(out)

    def run(self, seconds: float | None = None,
            should_stop: Callable[[], bool] = lambda: False, batches: int | None = None) -> None:
        """Train until about ``seconds`` have passed (checked after every batch), ``batches``
        batches are done, the epochs are done, ``should_stop()`` is true, or the loss stops
        being a finite number."""
        if self.done:
            return
        self.status = "running"
        start, ran = time.perf_counter(), 0
        self._started = start
        try:
            with one_torch_thread():
                while self.epoch < self.config.epochs and not self.done:
                    if should_stop():
                        self.stop()
                        return
                    self._step()
                    ran += 1
                    if seconds is not None and time.perf_counter() - start >= seconds:
                        return
                    if batches is not None and ran >= batches:
                        return
                if not self.done:
                    self._end("finished", f"Trained for {self.config.epochs} epochs.")
        finally:
            self.seconds += time.perf_counter() - start

    def adopt(self, trained: dict[str, torch.Tensor], train: list[float], valid: list[float],
              seconds: float, message: str) -> None:
        """Take a finished run of this config (from a cache) as this one: its weights, its
        curves, its time; where it solved is read from its validation curve."""
        self.model.load_state_dict(trained)
        self.history.train[:], self.history.valid[:] = train, valid
        self.epoch, self.batch, self.seconds = len(valid), 0, seconds
        self.valid_predictions = self.predict()
        solved = [k for k, v in enumerate(valid, 1) if v <= self.data.solved_below]
        self.solved_epoch = solved[0] if solved else None
        # a race ends at its solve; a full run's time to it is not kept: None
        self.solved_seconds = seconds if solved and self.config.until_solved else None
        self.status, self.message = "finished", message

    def stop(self) -> None:
        """End the run where it is (between two batches)."""
        if not self.done:
            self._end("stopped", f"Stopped after {self.epoch} of {self.config.epochs} epochs.")

    def resume(self) -> None:
        """Let a stopped run go on from where it stopped, as if it never had."""
        if self.status == "stopped":
            self.status, self.message = "ready", ""

    def _step(self) -> None:
        """One batch, and the epoch's evaluation after its last; ends the run if it diverged."""
        n, size = len(self.data.X_train), self.config.batch_size
        if self.batch == 0:
            self._perm = torch.randperm(n, generator=self._order)
            self._loss_sum = 0.0
        rows = self._perm[self.batch * size : (self.batch + 1) * size]
        x, y = self.data.X_train[rows], self.data.y_train[rows]  # (b_S, n_E, n_X), (b_S, 1)
        loss = nn.functional.mse_loss(self.model(x), y)
        if not math.isfinite(loss.item()):
            self._end("diverged", f"The loss became {loss.item()} at epoch {self.epoch + 1}: "
                                  f"a learning rate of {self.config.lr:g} is too large for "
                                  "this model. Press Reset and try a smaller one, e.g. 0.01.")
            return
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self._loss_sum += loss.item() * len(rows)
        self.batch += 1
        if self.batch == self.batches_per_epoch:
            self._end_epoch(n)

    def _end_epoch(self, n: int) -> None:
        self.history.train.append(self.data.error_of_loss(self._loss_sum / n))
        self.valid_predictions = self.predict()
        valid = self.data.error(self.valid_predictions)
        self.history.valid.append(valid)
        self.epoch, self.batch = self.epoch + 1, 0
        if self.solved_epoch is None and valid <= self.data.solved_below:
            self.solved_epoch = self.epoch
            self.solved_seconds = self.seconds + time.perf_counter() - self._started
            if self.config.until_solved and self.epoch < self.config.epochs:
                self._end("finished", f"Solved at epoch {self.epoch} of {self.config.epochs} "
                                      f"({self.data.solved_words}).")
                return
        if not math.isfinite(valid):
            self._end("diverged", f"The validation error became {valid} at epoch "
                                  f"{self.epoch}: a learning rate of {self.config.lr:g} is too "
                                  "large for this model. Press Reset and try a smaller one.")

    def _end(self, status: str, message: str) -> None:
        self.status, self.message = status, message
