"""What the training dashboard teaches an LSTM: two many-to-one tasks, and honest yardsticks.

- ``temperatures``: the tutorial's Seattle daily minimum temperatures. A window of n_E days
  predicts the next day. Split by time: windows whose target falls in 2012-2014 train, those
  whose target falls in 2015 validate; values are normalised with the training years' mean
  and standard deviation only. Errors are reported in °C. Yardsticks on the same validation
  windows: persistence ("tomorrow = today") and the training years' mean.
- ``adding``: Hochreiter and Schmidhuber's adding problem. Each step holds a random number in
  [0, 1) and a marker; two steps are marked, one in each half of the sequence, and the target
  is the sum of the two marked numbers. Nothing can solve it without carrying the first
  number across the steps. Yardstick: the best a memoryless model can do, one that sees only
  the last step, E[target | x_{n_E}]. A prediction within 0.04 of the target counts as right
  (the 1997 paper's criterion).
- ``csv``: a series of the learner's own (``series_csv``), treated like the temperatures. It
  cannot be made from its name alone: ``series_task`` makes it from the file's ``Series``.

Each task's data also carries how a page presents it (its answers chart, the results' second
number), so no page asks which task it has. Nothing here knows of widgets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .sequence import TEMPERATURE_SOURCE, load_min_temperatures

__all__ = ["ADDING_SOLVED", "ADDING_TOLERANCE", "BUILT_IN_TASKS", "TASKS", "TASK_N_X",
           "AnswersChart", "TaskData", "make_task"]

TASKS = ("temperatures", "adding", "csv")
# the tasks ``make_task`` builds from their name; "csv" needs the learner's file
BUILT_IN_TASKS = ("temperatures", "adding")
# n_X of each built-in task: one temperature a day; a number and its marker (a CSV series'
# n_X is 1 + its features)
TASK_N_X = {"temperatures": 1, "adding": 2}
TASK_LABELS = {"temperatures": "daily min. temperatures", "adding": "the adding problem",
               "csv": "your own CSV"}

# the adding problem: sequences to learn from and to check on, fixed by the seed
ADDING_TRAIN, ADDING_VALID = 2000, 500
# |prediction - target| under which an adding-problem answer counts as right
ADDING_TOLERANCE = 0.04
# the validation MSE at or under which a model has solved the adding problem
ADDING_SOLVED = 0.01
# the first year that validates; earlier targets train
VALID_FROM = "2015-01-01"


@dataclass(frozen=True)
class AnswersChart:
    """How a page draws a task's answers against the truth on the validation sequences."""

    order: str  # "time": the sequences as they come; "truth": sorted by their target
    x_label: str
    y_label: str
    title: str  # "{model}" stands for the model that answers ("LSTM", "GRU"...)

    def titled(self, model: str) -> str:
        """The title with ``model`` answering."""
        return self.title.replace("{model}", model)


@dataclass(frozen=True)
class TaskData:
    """A task's inputs and targets, ready for ``nn.LSTM(n_x, H, batch_first=True)``.

    Targets are as the model learns them (normalised for the temperatures and a CSV
    series); ``to_task`` turns them, and predictions, back into the task's own units.
    """

    name: str
    X_train: torch.Tensor  # (n_train, n_E, n_X)
    y_train: torch.Tensor  # (n_train, 1)
    X_valid: torch.Tensor  # (n_valid, n_E, n_X)
    y_valid: torch.Tensor  # (n_valid, 1)
    scale: float  # task value = model value * scale + offset
    offset: float
    metric: str  # what the curves show: "RMSE" (°C) or "MSE"
    unit: str  # "°C" or ""
    yardsticks: dict[str, np.ndarray]  # name -> its predictions on the validation set, task units
    source: str  # one line on where the data comes from
    valid_labels: tuple[str, ...]  # what each validation sequence is, e.g. its target's date
    answers_chart: AnswersChart  # how the answers are drawn against the truth
    score_name: str  # the results' column beside the metric: what ``score`` gives
    channels: tuple[str, ...] = ("value",)  # what each of x_e's n_X values is
    marker: int | None = None  # the channel that marks the steps that matter, if any
    digest: str = ""  # a CSV series' digest (``Series.digest``); '' for the built-in tasks

    def marked_steps(self, sample: int) -> list[int]:
        """The steps e (1-based) validation sequence ``sample`` marks; [] without a marker."""
        if self.marker is None:
            return []
        return [int(e) + 1 for e in torch.nonzero(self.X_valid[sample, :, self.marker])[:, 0]]

    @property
    def n_x(self) -> int:
        return self.X_train.shape[-1]

    @property
    def seq_len(self) -> int:
        return self.X_train.shape[1]

    def to_task(self, values: torch.Tensor | np.ndarray) -> np.ndarray:
        """Model values (any shape) in the task's units, as float64 numpy."""
        values = values.detach().numpy() if isinstance(values, torch.Tensor) else values
        return np.asarray(values, dtype=np.float64) * self.scale + self.offset

    @property
    def truth(self) -> np.ndarray:
        """(n_valid,) the validation targets in the task's units."""
        return self.to_task(self.y_valid[:, 0])

    def error(self, predictions: np.ndarray, truth: np.ndarray | None = None) -> float:
        """The curves' metric of task-unit ``predictions`` against the validation truth."""
        truth = self.truth if truth is None else truth
        mse = float(np.mean((np.asarray(predictions, np.float64) - truth) ** 2))
        return float(np.sqrt(mse)) if self.metric == "RMSE" else mse

    def error_of_loss(self, mse_loss: float) -> float:
        """The curves' metric of a mean squared error in model units (the training loss)."""
        mse = mse_loss * self.scale**2
        return float(np.sqrt(mse)) if self.metric == "RMSE" else mse

    def mae(self, predictions: np.ndarray) -> float:
        """Mean absolute error in the task's units, on the validation set."""
        return float(np.mean(np.abs(np.asarray(predictions, np.float64) - self.truth)))

    def score(self, predictions: np.ndarray) -> float | str:
        """The results' second number: the share within the tolerance where the task has
        one (written as a percentage), else the mean absolute error."""
        share = self.accuracy(predictions)
        return self.mae(predictions) if share is None else f"{100 * share:.0f}%"

    @property
    def solved_below(self) -> float:
        """The validation error at or under which a model counts as having solved the task:
        for the adding problem ``ADDING_SOLVED`` (MSE), a fifteenth of the memoryless
        yardstick; for the temperatures and a CSV series, beating the best yardstick."""
        if self.name == "adding":
            return ADDING_SOLVED
        return min(self.error(v) for v in self.yardsticks.values())

    @property
    def solved_words(self) -> str:
        """What ``solved_below`` means, in a phrase."""
        if self.name == "adding":
            return f"validation MSE at most {ADDING_SOLVED:g}"
        best = min(self.yardsticks, key=lambda n: self.error(self.yardsticks[n]))
        return (f"validation {self.metric} below {best.split(' (')[0]}'s "
                f"{self.solved_below:.3g} {self.unit}".rstrip())

    def accuracy(self, predictions: np.ndarray) -> float | None:
        """Share of validation answers within ``ADDING_TOLERANCE`` (the adding problem only)."""
        if self.name != "adding":
            return None
        return float(np.mean(np.abs(np.asarray(predictions) - self.truth) < ADDING_TOLERANCE))


def make_task(name: str, seq_len: int, seed: int) -> TaskData:
    """The data of task ``name`` with sequences of n_E = ``seq_len`` steps.

    The temperatures are the same whatever the seed; the adding problem's sequences are drawn
    from ``seed``. The CSV task needs its file: ``series_task.series_task`` makes it.
    """
    if name == "temperatures":
        return _temperatures(seq_len)
    if name == "adding":
        return _adding(seq_len, seed)
    if name == "csv":
        raise ValueError("The CSV task needs its data: read the file with "
                         "series_csv.read_csv_bytes, then make the task with "
                         "series_task.series_task.")
    raise ValueError(f"The task must be one of {', '.join(TASKS)}; got {name!r}.")


def _temperatures(seq_len: int) -> TaskData:
    dates, temps = load_min_temperatures()
    split = dates.index(VALID_FROM)
    if not 1 <= seq_len < split:
        raise ValueError(f"n_E must be from 1 to {split - 1} days for the temperatures.")
    mean, std = float(temps[:split].mean()), float(temps[:split].std())  # training years only
    z = ((temps - mean) / std).astype(np.float32)
    days = np.arange(len(temps) - seq_len)[:, None] + np.arange(seq_len)[None, :]  # (n_S, n_E)
    X = torch.from_numpy(z[days][..., None])  # (n_S, n_E, 1)
    y = torch.from_numpy(z[seq_len:, None])  # (n_S, 1): the day after each window
    target_day = np.arange(seq_len, len(temps))
    train, valid = target_day < split, target_day >= split
    yesterday = temps[days[valid, -1]].astype(np.float64)  # the last day each window saw
    return TaskData(
        name="temperatures", X_train=X[train], y_train=y[train], X_valid=X[valid],
        y_valid=y[valid], scale=std, offset=mean, metric="RMSE", unit="°C",
        yardsticks={"persistence (tomorrow = today)": yesterday,
                    "the training years' mean": np.full(valid.sum(), mean)},
        source=(f"{TEMPERATURE_SOURCE}. Windows whose next day falls in 2012-2014 train "
                f"({train.sum()}), those in 2015 validate ({valid.sum()}); normalised with "
                f"2012-2014's mean {mean:.2f} °C and standard deviation {std:.2f} °C."),
        valid_labels=tuple(dates[d] for d in target_day[valid]),
        answers_chart=AnswersChart(
            order="time", x_label="day of 2015", y_label="min. temperature (°C)",
            title="The next day's minimum temperature in 2015: the truth (line) and the "
                  "{model}'s answer (crosses)"),
        score_name="mean absolute error (°C)",
        channels=("the day's minimum temperature",),
    )


def adding_sequences(n: int, seq_len: int, generator: torch.Generator):
    """``n`` adding-problem sequences: x (n, n_E, 2) of (number, marker), y (n, 1) the sum."""
    if seq_len < 2:
        raise ValueError("The adding problem needs n_E of at least 2: one marker in each half.")
    numbers = torch.rand(n, seq_len, generator=generator)
    half = seq_len // 2
    first = torch.randint(0, half, (n,), generator=generator)  # a marker in each half
    second = torch.randint(half, seq_len, (n,), generator=generator)
    markers = torch.zeros(n, seq_len)
    rows = torch.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = torch.stack([numbers, markers], dim=-1)  # (n, n_E, 2)
    y = (numbers * markers).sum(dim=1, keepdim=True)  # (n, 1)
    return x, y


def _adding(seq_len: int, seed: int) -> TaskData:
    generator = torch.Generator().manual_seed(seed)
    X_train, y_train = adding_sequences(ADDING_TRAIN, seq_len, generator)
    X_valid, y_valid = adding_sequences(ADDING_VALID, seq_len, generator)
    last = X_valid[:, -1].double().numpy()  # (n_valid, 2): what a memoryless model sees
    # E[sum | last step]: the last number plus the other's mean if it is marked, else 2 means
    memoryless = np.where(last[:, 1] == 1.0, last[:, 0] + 0.5, 1.0)
    return TaskData(
        name="adding", X_train=X_train, y_train=y_train, X_valid=X_valid, y_valid=y_valid,
        scale=1.0, offset=0.0, metric="MSE", unit="",
        yardsticks={"memoryless (sees only the last step)": memoryless},
        source=(f"{ADDING_TRAIN} training and {ADDING_VALID} validation sequences drawn "
                f"from the seed; each step is (a number in [0, 1), a marker), one marker in "
                f"each half; the target is the sum of the two marked numbers."),
        valid_labels=tuple(f"marked at steps {a + 1} and {b + 1}" for a, b in
                           torch.nonzero(X_valid[..., 1])[:, 1].view(-1, 2).tolist()),
        answers_chart=AnswersChart(
            order="truth", x_label="validation sequence, by its target",
            y_label="sum of the marked numbers",
            title="The target (line, sorted) and the {model}'s answer (crosses) for every "
                  "validation sequence"),
        score_name=f"within {ADDING_TOLERANCE:g}",
        channels=("the number", "the marker"),
        marker=1,
    )
