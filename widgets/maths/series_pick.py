"""One series out of a parsed CSV file (``series_csv.ParsedCSV``): the learner's target
column, optional feature columns, one group of a long-format file, and its missing values
interpolated or dropped. ``CSVError`` says in a sentence why a choice cannot be used.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .csv_sniff import CSVError
from .limits import short

if TYPE_CHECKING:
    from .series_csv import ParsedCSV

__all__ = ["MISSING", "Series", "SeriesChoice", "choose_series", "series_digest"]

MISSING = ("interpolate", "drop")


@dataclass(frozen=True)
class SeriesChoice:
    """What the learner picks from a file."""

    target: str  # the column to predict
    features: tuple[str, ...] = ()  # extra numeric columns as inputs: n_X = 1 + len(features)
    missing: str = "interpolate"  # or "drop": what to do with a missing value
    group: str | None = None  # with a group column: which series (default: the first group)


@dataclass(frozen=True)
class Series:
    """A series ready to cut into windows: n rows in time order, n_X values a row."""

    name: str  # the file's display name
    digest: str  # sha256 of (file digest + the choice): what a model cache keys on
    values: np.ndarray  # (n, n_X) float64: the target first, then the features, no NaN
    labels: tuple[str, ...]  # each row's label: its time (ISO) or "row k" (k-th data row)
    channels: tuple[str, ...]  # the column of each of the n_X values
    target: str
    missing: int  # missing values found in the chosen columns (and rows) before handling
    policy: str  # "interpolate" or "drop"
    notes: tuple[str, ...]
    group: str | None = None  # the series chosen in a long-format file
    group_column: str | None = None
    time_column: str | None = None


def choose_series(parsed: ParsedCSV, choice: SeriesChoice, min_rows: int = 30) -> Series:
    """The series ``choice`` picks from ``parsed``; ``CSVError`` if it cannot be used, or if
    fewer than ``min_rows`` rows are left (a page asks for n_E plus a handful)."""
    if choice.missing not in MISSING:
        raise CSVError(f"Missing values are either interpolated or dropped; got "
                       f"{_shown(choice.missing)!r}.")
    channels = (choice.target, *choice.features)
    for column in channels:
        if column not in parsed.numeric:
            raise CSVError(f"'{_shown(column)}' is not a column of numbers in this "
                           f"file: choose the target and the features among "
                           f"{_listed(parsed.numeric)}.")
    if len(set(channels)) != len(channels):
        raise CSVError("Use each column once: the target is not also a feature, and no "
                       "feature is chosen twice.")
    frame, notes, group, where = parsed.frame, [], None, ""
    if parsed.group_column is not None:
        group = parsed.groups[0] if choice.group is None else choice.group
        if group not in parsed.groups:
            raise CSVError(f"'{_shown(group)}' is not one of the series in "
                           f"'{parsed.group_column}': choose one of {_listed(parsed.groups)}.")
        frame = frame[frame[parsed.group_column].astype(str) == group]
        where = f" in the series '{_shown(group)}'"
        notes.append(f"The series '{_shown(group)}' of '{_shown(parsed.group_column)}': "
                     f"{_count(len(frame), 'row')}.")
    elif choice.group is not None:
        raise CSVError("This file has no column that splits its rows into several series, so "
                       "there is no series to choose: leave the choice empty.")
    # (n, n_X) in C order whatever pandas' blocks are: a mean's sum runs in one known order
    values = np.stack([frame[c].to_numpy(dtype=np.float64) for c in channels], axis=1)
    infinite = np.isinf(values)
    values[infinite] = np.nan  # an infinite value is a missing one
    absent = np.isnan(values)  # (n, n_X)
    for j, column in enumerate(channels):
        if absent[:, j].all():
            raise CSVError(f"The column '{_shown(column)}' has no usable number{where}: its "
                           "values are all missing or infinite; " + (
                               "choose another target." if j == 0 else
                               "leave it out of the features."))
    if infinite.any():
        notes.append(f"{_count(int(infinite.sum()), 'infinite value')} counted as missing.")
    labels = _labels(frame, parsed.time_column)
    missing = int(absent.sum())
    if missing and choice.missing == "drop":
        keep = ~absent.any(axis=1)
        values, labels = values[keep], labels[keep]
        notes.append(f"Dropped {_count(int((~keep).sum()), 'row')} with a missing value "
                     f"({_count(missing, 'missing value')}).")
    elif missing:
        # where each row lies: its time, else its place; np.interp holds the edges' values
        x = (frame[parsed.time_column].to_numpy().astype("datetime64[ms]").astype(np.float64)
             if parsed.time_column else np.arange(len(values), dtype=np.float64))
        for j in range(values.shape[1]):
            bad = absent[:, j]
            if bad.any():
                values[bad, j] = np.interp(x[bad], x[~bad], values[~bad, j])
        notes.append(f"Filled {_count(missing, 'missing value')} by linear interpolation "
                     f"in {'time' if parsed.time_column else 'row order'} (at the ends, "
                     "the nearest value).")
    if len(values) < min_rows:
        raise CSVError(f"Only {_count(len(values), 'row')} {'is' if len(values) == 1 else 'are'}"
                       f" left{where}; at least {min_rows} are needed (n_E plus a handful): "
                       "use a longer series or a smaller n_E"
                       + (", or interpolate the missing values." if choice.missing == "drop"
                          and missing else "."))
    if values[:, 0].min() == values[:, 0].max():
        raise CSVError(f"The column '{_shown(choice.target)}' holds the same value "
                       f"({values[0, 0]:g}) in every row{where}: there is nothing to predict; "
                       "choose another target.")
    return Series(name=parsed.name, digest=series_digest(parsed.digest, choice, group),
                  values=values, labels=tuple(labels), channels=channels, target=choice.target,
                  missing=missing, policy=choice.missing, notes=tuple(notes), group=group,
                  group_column=parsed.group_column, time_column=parsed.time_column)


def series_digest(file_digest: str, choice: SeriesChoice, group: str | None) -> str:
    """The sha256 of a file's digest and the choice made in it (``group`` the series chosen,
    None without a group column): what a model cache keys a series on."""
    key = {"file": file_digest, "target": choice.target, "features": list(choice.features),
           "missing": choice.missing, "group": group}
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def _labels(frame, time_column: str | None) -> np.ndarray:
    """Each row's time in ISO form (the date alone when every time is midnight, seconds
    only when some has them), else "row k" with k its data row in the file."""
    if time_column is None:
        return np.array([f"row {k + 1}" for k in frame.index], dtype=object)
    times = frame[time_column]
    if (times == times.dt.normalize()).all():
        form = "%Y-%m-%d"
    elif (times == times.dt.floor("min")).all():
        form = "%Y-%m-%d %H:%M"
    else:
        form = "%Y-%m-%d %H:%M:%S"
    return times.dt.strftime(form).to_numpy(dtype=object)


def _count(n: int, thing: str) -> str:
    return f"{n:,} {thing}" + ("" if n == 1 else "s")


def _shown(name) -> str:
    """A name or a value as a message shows it: on one line, at most 40 characters."""
    return short(" ".join(str(name).split()), 40)


def _listed(names, most: int = 6) -> str:
    """Names quoted and joined, the rest counted: "'a', 'b' and 3 more"."""
    names = list(names)
    shown = ", ".join(f"'{_shown(n)}'" for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")
