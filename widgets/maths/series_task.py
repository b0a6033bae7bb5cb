"""A learner's own series as a training task, treated like the temperatures (``tasks``).

Windows of n_E rows (all n_X channels) predict the next row's target. Split by time: the
windows whose target lies in the last 20% of the rows validate, the others train. Each
channel is normalised with the training part's mean and standard deviation only (the rows
before the validation targets); the model learns the normalised target, and errors come back
in the target column's own unit. Yardsticks on the same validation windows: persistence
("next = last") and the training part's mean.
"""

from __future__ import annotations

import numpy as np
import torch

from .csv_sniff import CSVError
from .sequence import SequenceDataset
from .series_pick import Series, _shown
from .tasks import AnswersChart, TaskData

__all__ = ["VALID_SHARE", "series_dataset", "series_task"]

VALID_SHARE = 0.2  # the last part of the rows, whose targets validate
# a normalised value past this many standard deviations cannot be a float32 input
MAX_Z = 1e6


def series_task(series: Series, seq_len: int) -> TaskData:
    """The task of predicting ``series``' next target from windows of n_E = ``seq_len`` rows;
    ``CSVError`` if the series is too short for it or cannot be normalised."""
    values = series.values  # (n, n_X), task units
    n = len(values)
    split = n - max(1, round(VALID_SHARE * n))  # the first row whose target validates
    n_train, n_valid = split - seq_len, n - split
    if seq_len < 1 or n_train < 1:
        raise CSVError(f"There are too few rows for n_E = {seq_len}: {n} rows leave "
                       f"{max(n_train, 0)} windows to train on once the last {n_valid} "
                       "validate; choose a smaller n_E or a longer series.")
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        mean = values[:split].mean(axis=0)  # (n_X,): the training part only
        std = values[:split].std(axis=0)
        z = (values - mean) / std  # (n, n_X)
    for j, column in enumerate(series.channels):
        if not (np.isfinite(mean[j]) and np.isfinite(std[j])):
            raise CSVError(f"The numbers in '{column}' are too large to work with (their "
                           "mean or spread is not a finite number): check the file, or "
                           "rescale the column.")
        if std[j] == 0:
            raise CSVError(f"The column '{column}' does not change in the training part (its "
                           f"first {split} rows): it cannot be normalised; leave it out or "
                           "choose another column.")
        if not np.all(np.abs(z[:, j]) <= MAX_Z):
            raise CSVError(f"The column '{column}' reaches values more than {MAX_Z:g} "
                           "standard deviations from the training part's mean: check the "
                           "file for a wrong value.")
    z = z.astype(np.float32)
    rows = np.arange(n - seq_len)[:, None] + np.arange(seq_len)[None, :]  # (n_S, n_E)
    X = torch.from_numpy(z[rows])  # (n_S, n_E, n_X)
    y = torch.from_numpy(z[seq_len:, :1].copy())  # (n_S, 1): the next row's target
    target_row = np.arange(seq_len, n)
    train, valid = target_row < split, target_row >= split
    unit = series.target
    last = values[target_row[valid] - 1, 0]  # the target in the last row each window saw
    labels = series.labels
    within = f" (the series '{_shown(series.group)}')" if series.group is not None else ""
    handled = ("none were missing" if not series.missing else
               f"{series.missing} missing values were "
               + ("interpolated" if series.policy == "interpolate" else "dropped with their rows"))
    return TaskData(
        name="csv", X_train=X[train], y_train=y[train], X_valid=X[valid], y_valid=y[valid],
        scale=float(std[0]), offset=float(mean[0]), metric="RMSE", unit=unit,
        yardsticks={"persistence (next = last)": last,
                    "the training part's mean": np.full(int(valid.sum()), float(mean[0]))},
        source=(f"The file {series.name}{within}: {n} rows of {', '.join(series.channels)} "
                f"({handled}). Windows whose next row is among the first {split} train "
                f"({int(train.sum())}), those in the last {n_valid} validate "
                f"({int(valid.sum())}); each column is normalised with the first {split} "
                f"rows' mean and standard deviation ({series.target}: mean {mean[0]:.4g}, "
                f"standard deviation {std[0]:.4g})."),
        valid_labels=tuple(labels[r] for r in target_row[valid]),
        answers_chart=AnswersChart(
            order="time", x_label=f"validation rows ({labels[split]} to {labels[-1]})",
            y_label=unit,
            title=f"The next row's {unit}: the truth (line) and the {{model}}'s answer "
                  "(crosses)"),
        score_name="mean absolute error",
        channels=series.channels,
        digest=series.digest,
    )


def series_dataset(series: Series, seq_len: int) -> SequenceDataset:
    """The series as the sequence page shows its data: every window of n_E = ``seq_len``
    rows (all n_X columns, in their own units) is a sequence, its target the next row's
    target, as the temperatures' windows are; ``CSVError`` if no window fits."""
    values = series.values.astype(np.float32)  # (N, n_X)
    n_s = len(values) - seq_len
    if n_s < 1:
        raise CSVError(f"There are too few rows for n_E = {seq_len}: {len(values)} rows make "
                       "no window with a row after it. Choose a smaller n_E.")
    rows = np.arange(n_s)[:, None] + np.arange(seq_len)[None, :]  # (n_S, n_E)
    columns = ", ".join(_shown(c) for c in series.channels)
    source = (f"Data: the file {_shown(series.name)}, {len(values)} rows of {columns}. A "
              f"window of n_E rows predicts the next row's {_shown(series.target)}: n_S = N − "
              f"n_E = {len(values)} − {seq_len} = {n_s} windows of n_X = "
              f"{len(series.channels)} values a row.")
    return SequenceDataset("csv", torch.from_numpy(values[rows]), values[seq_len:, 0].copy(),
                           source, series=values[:, 0].copy(), dates=series.labels)
