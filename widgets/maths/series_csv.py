"""A learner's own CSV file as a time series: read by pandas, its columns told apart (a time
to sort by, numbers to predict, a text column splitting the rows into series), then one
series chosen from it, its missing values handled.

``read_csv_bytes`` takes the file's bytes (never a path: the name is kept for display only,
and nothing is written to disk) and returns a ``ParsedCSV``; ``choose_series`` cuts the
``Series`` a learner picked out of it. Every file we cannot use raises ``CSVError``, whose
message is one sentence for the learner. ``BUNDLED`` holds example series that ship offline
in the vega_datasets package. pandas is imported when a file is read, not with this module.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .csv_sniff import ENCODING_WORDS, MAX_BYTES, MAX_COLUMNS, CSVError, decode, sniff
from .series_pick import Series, SeriesChoice, _count, _listed, choose_series

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BUNDLED", "MAX_BYTES", "MAX_COLUMNS", "MAX_ROWS", "READ_OPTIONS", "Bundled",
           "CSVError", "ParsedCSV", "Series", "SeriesChoice", "as_numbers", "as_times",
           "bundled_bytes", "choose_series", "read_csv_bytes"]

MAX_ROWS = 200_000
# share of a column's cells that must read as numbers (or times) for it to count as such
MOSTLY = 0.8
MAX_GROUPS = 50
# cells that mean "no value", beyond pandas' own ("", "NA", "NaN", "null", "#N/A"...)
NA_VALUES = ["-", "--", "?", "."]
# pandas.read_csv's options for every file; ``ParsedCSV.read_options`` adds the file's own
READ_OPTIONS = {"header": None, "index_col": False, "skip_blank_lines": True,
                "skipinitialspace": True, "na_values": NA_VALUES, "low_memory": False}


@dataclass(frozen=True)
class ParsedCSV:
    """What a CSV file holds, as read."""

    name: str  # the file's name as given, kept only for display (never used as a path)
    digest: str  # sha256 hex of the bytes
    encoding: str  # e.g. "utf-8", "utf-8-sig", "utf-16", "latin-1"
    delimiter: str  # ",", ";", "\t", "|"
    decimal: str  # "." or ","
    header: bool
    names: tuple[str, ...]  # every column as read ("column 1", ... when there is no header)
    skiprows: int  # lines before the first row of data: the titles, then the header if any
    titles: int  # of those, the lines above the table (a title, Excel's "sep=" line)
    columns: tuple[str, ...]  # the columns kept (an empty one is left out)
    time_column: str | None  # the date/time column the rows were sorted by, if any
    # pandas.to_datetime's options that read it (``as_times``), and whether its times
    # carried a time zone (then read as UTC, and the zone dropped)
    time_options: tuple[tuple[str, object], ...]
    time_zone: bool
    numeric: tuple[str, ...]  # the numeric columns: candidates for the target and features
    group_column: str | None  # a text column splitting the rows into several series, if any
    groups: tuple[str, ...]  # its values, in order of first appearance
    frame: pd.DataFrame  # numeric columns float64, the time column datetime64, sorted by it
    notes: tuple[str, ...]  # what the parser decided, in sentences

    @property
    def read_options(self) -> dict:
        """pandas.read_csv's options that read this file's text (as ``str``, its line ends
        "\n"), beside ``on_bad_lines``: the reader warns of a row with too many fields, to
        count it, where the take-home code skips it silently."""
        return {"sep": self.delimiter, "decimal": self.decimal, **READ_OPTIONS,
                "names": list(self.names), "skiprows": self.skiprows}


def read_csv_bytes(data: bytes, name: str) -> ParsedCSV:
    """Read a CSV file's bytes; ``CSVError`` with a sentence if they cannot be used."""
    data = bytes(memoryview(data))  # FileUpload hands over a memoryview
    if len(data) > MAX_BYTES:
        raise CSVError(f"This file is {len(data) / 2**20:.1f} MB; the limit is "
                       f"{MAX_BYTES / 2**20:.0f} MB: keep fewer rows or columns and try again.")
    if not data.strip(b" \t\r\n\xef\xbb\xbf\xff\xfe"):
        raise CSVError("This file is empty: it has no rows to read. Choose a CSV file with a "
                       "row of numbers a line.")
    text, encoding = decode(data)
    notes = []
    if encoding not in ("utf-8", "utf-8-sig"):
        notes.append(f"Read as {ENCODING_WORDS[encoding]}." + (
            "" if encoding.startswith("utf") else " It is not UTF-8: if a letter looks wrong, "
                                                  "save the file as UTF-8."))
    layout = sniff(text)
    notes.append(layout.words())
    if layout.titles:
        notes.append(f"Skipped {_count(layout.titles, 'line')} at the top, before the table.")
    notes.append("The first row names the columns." if layout.header else
                 "The first row is data, not names: the columns are called column 1, "
                 "column 2 and so on.")
    frame, skipped = _read(text, layout)
    if skipped:
        notes.append(f"Left out {_count(skipped, 'row')} with more fields than the "
                     f"{len(layout.names)} columns.")
    if frame.empty:
        raise CSVError("This file has no rows of data" + (" after its header" if layout.header
                       else "") + ": add rows of numbers below it.")
    if len(frame) > MAX_ROWS:
        raise CSVError(f"This file has more than {MAX_ROWS:,} rows: keep the last "
                       f"{MAX_ROWS:,}, or every 10th row, and try again.")
    frame, numeric, texts = _types(frame, layout.decimal, notes)
    time_column, time_options, time_zone = _time_column(frame, texts, notes)
    if time_column is not None:
        texts.remove(time_column)
        lost = int(frame[time_column].isna().sum())
        if lost:
            notes.append(f"Left out {_count(lost, 'row')} whose '{time_column}' is not a time.")
        frame = frame[frame[time_column].notna()].sort_values(time_column, kind="stable")
        notes.append(f"Sorted by the column '{time_column}'.")
    group_column = _group_column(frame, time_column, texts)
    groups: tuple[str, ...] = ()
    if group_column is not None:
        texts.remove(group_column)
        groups = tuple(str(g) for g in frame.sort_index()[group_column].dropna().unique())
        notes.append(f"The column '{group_column}' splits the rows into {len(groups)} series: "
                     f"{_listed(groups)}.")
    if not numeric:
        raise CSVError("This file has no column of numbers to predict: it needs at least one "
                       "column whose values are numbers (a temperature, a price, a count).")
    if texts:
        notes.append(f"{_count(len(texts), 'column')} had no numbers and "
                     f"{'was' if len(texts) == 1 else 'were'} left out: {_listed(texts)}.")
    return ParsedCSV(name=name, digest=hashlib.sha256(data).hexdigest(), encoding=encoding,
                     delimiter=layout.delimiter, decimal=layout.decimal, header=layout.header,
                     names=layout.names, skiprows=layout.skip, titles=layout.titles,
                     columns=tuple(frame.columns), time_column=time_column,
                     time_options=time_options, time_zone=time_zone,
                     numeric=tuple(numeric), group_column=group_column, groups=groups,
                     frame=frame, notes=tuple(notes))


def _read(text: str, layout) -> tuple[pd.DataFrame, int]:
    """The table as pandas reads it (types inferred), and how many rows it left out."""
    import pandas as pd

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            frame = pd.read_csv(
                io.StringIO(text), sep=layout.delimiter, decimal=layout.decimal, **READ_OPTIONS,
                names=list(layout.names), skiprows=layout.skip, nrows=MAX_ROWS + 1,
                on_bad_lines="warn", engine="c")
        except pd.errors.EmptyDataError:
            return pd.DataFrame(columns=list(layout.names)), 0
        except (ValueError, OverflowError) as error:  # pandas' ParserError is a ValueError
            if "EOF inside string" in str(error):
                raise CSVError('A quote (") in this file is never closed, so the rest of the '
                               "file cannot be read: check its quotes, or save it again from "
                               "a spreadsheet.") from None
            raise CSVError("This file cannot be read as a table: check that every row has the "
                           "same number of fields, or save it again from a spreadsheet.") \
                from None
    skipped = sum(str(w.message).count("Skipping line") for w in caught)
    return frame, skipped


def _types(frame: pd.DataFrame, decimal: str, notes: list[str]):
    """The frame with its numeric columns as float64, the numeric columns' names, and the
    other columns' names (text); empty columns are left out."""
    import pandas as pd

    numeric, texts, empty = [], [], []
    columns = {}
    for name in frame.columns:
        column = frame[name]
        if column.isna().all():
            empty.append(name)
            continue
        if pd.api.types.is_bool_dtype(column):
            column = column.astype(str)
        numbers = as_numbers(column, decimal)
        if pd.api.types.is_numeric_dtype(column):
            columns[name] = numbers
            numeric.append(name)
            continue
        present = column.notna() & (column.astype(str).str.strip() != "")
        found = int(numbers.notna().sum())
        if found and found >= MOSTLY * int(present.sum()):
            columns[name] = numbers
            numeric.append(name)
            if int(present.sum()) > found:
                notes.append(f"In '{name}', {_count(int(present.sum()) - found, 'cell')} "
                             "that are not numbers count as missing.")
        else:
            columns[name] = column
            texts.append(name)
    if empty:
        notes.append(f"{_count(len(empty), 'empty column')} left out: {_listed(empty)}.")
    return pd.DataFrame(columns, index=frame.index), numeric, texts


def as_numbers(column: pd.Series, decimal: str) -> pd.Series:
    """A column as float64: pandas' numbers as they are; else each cell's text, stripped, as a
    number (a decimal comma made a point first), NaN where it is none."""
    import pandas as pd

    if pd.api.types.is_numeric_dtype(column):
        return column.astype("float64")
    cells = column.astype(str).str.strip()
    if decimal == ",":
        cells = cells.str.replace(",", ".", regex=False)
    return pd.to_numeric(cells, errors="coerce").astype("float64")


def _time_column(frame: pd.DataFrame, texts: list[str], notes: list[str]):
    """(name, options, zone) of the first text column whose values mostly read as dates or
    times (``as_times`` with those options), turned into datetime64 in place, zone whether
    they carried a time zone; (None, (), False) if there is none."""
    for name in texts:
        values = frame[name].dropna().astype(str)
        sample = values.drop_duplicates().head(200)  # judged on a few, then read whole
        best, found = _HOW[0], -1
        for how in _HOW:
            count = int(_try_times(sample, how)[0].notna().sum())
            if count > found:
                best, found = how, count
            if found == len(sample):
                break
        if found < MOSTLY * len(sample):
            continue
        times, options = _try_times(frame[name], best)
        if times.notna().sum() < MOSTLY * len(values):
            continue
        zone = getattr(times.dt, "tz", None) is not None
        if zone:
            times = times.dt.tz_convert(None)
            notes.append(f"The times in '{name}' carry a time zone: they are read as UTC.")
        frame[name] = times
        return name, options, zone
    return None, (), False


# ways to read times: the format pandas infers from the first value (month or day first),
# then each value on its own
_HOW = ({}, {"dayfirst": True}, {"format": "mixed"}, {"format": "mixed", "dayfirst": True})


def as_times(values: pd.Series, options: tuple[tuple[str, object], ...]) -> pd.Series:
    """A column's cells, as text, read as datetime64 by pandas.to_datetime with ``options``
    (``ParsedCSV.time_options``), NaT where a cell is no time."""
    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.to_datetime(values.astype("string"), errors="coerce", **dict(options))


def _try_times(values, how: dict):
    """(``values`` as datetime64, the options that read them): ``how``, else ``how`` with
    utc, as mixed time zones need; all NaT and ``how`` if neither can."""
    import pandas as pd

    for extra in ({}, {"utc": True}):
        options = tuple({**how, **extra}.items())
        try:
            return as_times(values, options), options
        except (ValueError, TypeError, OverflowError):
            continue
    return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]"), tuple(how.items())


def _group_column(frame: pd.DataFrame, time_column: str | None, texts: list[str]) -> str | None:
    """A text column splitting the rows into series (long format): with it, the times that
    repeat in the file repeat no more; None without repeated times."""
    if time_column is None or not frame[time_column].duplicated().any():
        return None
    best, fewest = None, 0.1 * len(frame)  # at most a tenth of (group, time) pairs repeat
    for name in texts:
        if not 2 <= frame[name].nunique() <= MAX_GROUPS:
            continue
        repeats = int(frame.duplicated([name, time_column]).sum())
        if repeats <= fewest:
            best, fewest = name, repeats - 0.5
    return best


# --- example series that ship offline with vega_datasets ---------------------------------
@dataclass(frozen=True)
class Bundled:
    """An example series: a file of vega_datasets' ``_data`` folder and how to read it."""

    file: str
    description: str  # one line for the learner
    choice: SeriesChoice  # what the page picks by default
    seq_len: int  # an n_E that suits it (a year of months, a day of hours...)


BUNDLED = {
    "stocks": Bundled("stocks.csv", "Monthly stock prices (US dollars) of Microsoft, Amazon, "
                      "IBM, Google and Apple, 2000-2010: one series per symbol.",
                      SeriesChoice(target="price", group="AAPL"), 12),
    "seattle-temps": Bundled("seattle-temps.csv", "Seattle's temperature (°F) every hour of "
                             "2010.", SeriesChoice(target="temp"), 24),
    "sf-temps": Bundled("sf-temps.csv", "San Francisco's temperature (°F) every hour of 2010.",
                        SeriesChoice(target="temp"), 24),
    "us-employment": Bundled("us-employment.csv", "US jobs outside farming (thousands) every "
                             "month, 2006-2015, with 22 sectors as further columns.",
                             SeriesChoice(target="nonfarm"), 12),
    "iowa-electricity": Bundled("iowa-electricity.csv", "Iowa's net electricity generation "
                                "by source, yearly 2001-2017: 17 values per source, so only "
                                "a short n_E fits.",
                                SeriesChoice(target="net_generation", group="Fossil Fuels"), 3),
}


def bundled_bytes(key: str) -> bytes:
    """The bytes of example ``key``'s file, found without importing vega_datasets (which
    imports pandas at once)."""
    if key not in BUNDLED:
        raise ValueError(f"The example must be one of {', '.join(BUNDLED)}; got {key!r}.")
    spec = importlib.util.find_spec("vega_datasets")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("The examples come from the vega_datasets package, which is "
                                "not installed: run `pip install -e .` to install it.")
    return (Path(spec.submodule_search_locations[0]) / "_data" / BUNDLED[key].file).read_bytes()

