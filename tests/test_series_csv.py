"""Reading a learner's CSV file (widgets.maths.series_csv): a corpus of good and bad files
built here as bytes, each good one read as intended, each bad one refused with its sentence;
then a seeded fuzz run in which nothing but ``CSVError`` may escape."""

import builtins
import io
import os
import pathlib
import zipfile
from datetime import date, timedelta

import numpy as np
import pytest

from widgets.maths.series_csv import (
    BUNDLED,
    MAX_BYTES,
    MAX_COLUMNS,
    MAX_ROWS,
    CSVError,
    SeriesChoice,
    bundled_bytes,
    choose_series,
    read_csv_bytes,
)
from widgets.maths.series_task import series_task

DAYS = [date(2020, 1, 1) + timedelta(days=k) for k in range(40)]
TEMPS = [round(5 + 3 * np.sin(k / 4), 2) for k in range(40)]


def csv_bytes(rows, delimiter=",", encoding="utf-8") -> bytes:
    return "\n".join(delimiter.join(str(c) for c in row) for row in rows).encode(encoding)


def daily(header=("date", "temp"), delimiter=",", form=str, encoding="utf-8", decimal="."):
    body = [[form(d), str(t).replace(".", decimal)] for d, t in zip(DAYS, TEMPS, strict=True)]
    return csv_bytes([header, *body], delimiter, encoding)


def read(data: bytes, name="my file.csv"):
    return read_csv_bytes(data, name)


def column(parsed, name):
    return parsed.frame[name].to_numpy()


# --- good files ---------------------------------------------------------------------------
def test_a_comma_separated_file_with_dates():
    parsed = read(daily())
    assert (parsed.delimiter, parsed.decimal, parsed.header) == (",", ".", True)
    assert parsed.encoding == "utf-8" and parsed.columns == ("date", "temp")
    assert parsed.time_column == "date" and parsed.numeric == ("temp",)
    assert parsed.group_column is None and parsed.groups == ()
    assert str(parsed.frame["date"].dtype).startswith("datetime64")
    assert parsed.frame["temp"].dtype == np.float64
    np.testing.assert_array_equal(column(parsed, "temp"), TEMPS)
    assert "Comma-separated with a decimal point." in parsed.notes
    assert "Sorted by the column 'date'." in parsed.notes
    series = choose_series(parsed, SeriesChoice("temp"))
    assert series.labels[:2] == ("2020-01-01", "2020-01-02")  # midnight: the date alone
    assert series.values.shape == (40, 1) and series.channels == ("temp",)


def test_semicolons_with_a_decimal_comma_and_day_first_dates():
    parsed = read(daily(("Datum", "Temperatur"), ";", lambda d: d.strftime("%d.%m.%Y"),
                        decimal=","))
    assert (parsed.delimiter, parsed.decimal, parsed.header) == (";", ",", True)
    assert parsed.time_column == "Datum"
    np.testing.assert_array_equal(column(parsed, "Temperatur"), TEMPS)
    # 13.01.2020 exists only day first: every row got its date
    assert list(parsed.frame["Datum"].dt.date) == DAYS
    assert "Semicolon-separated with a decimal comma." in parsed.notes


def test_tabs_with_hourly_times():
    hours = [f"2021-03-01 {h:02d}:00" if h < 24 else f"2021-03-02 {h - 24:02d}:00"
             for h in range(40)]
    data = csv_bytes([("time", "load"), *zip(hours, TEMPS, strict=True)], "\t")
    parsed = read(data)
    assert parsed.delimiter == "\t" and parsed.time_column == "time"
    series = choose_series(parsed, SeriesChoice("load"))
    assert series.labels[0] == "2021-03-01 00:00" and series.labels[-1] == "2021-03-02 15:00"


def test_a_pipe_separated_file_and_excel_s_sep_line():
    parsed = read(b"sep=;\n" + daily(delimiter=";"))
    assert parsed.delimiter == ";" and parsed.numeric == ("temp",) and len(parsed.frame) == 40
    piped = read(daily(delimiter="|"))
    assert piped.delimiter == "|" and piped.numeric == ("temp",)


def test_no_header():
    data = csv_bytes([(t, 2 * t) for t in TEMPS])
    parsed = read(data)
    assert parsed.header is False and parsed.columns == ("column 1", "column 2")
    assert parsed.numeric == ("column 1", "column 2") and parsed.time_column is None
    np.testing.assert_array_equal(column(parsed, "column 1"), TEMPS)  # the first row is data
    series = choose_series(parsed, SeriesChoice("column 2"))
    assert series.labels[:2] == ("row 1", "row 2")


@pytest.mark.parametrize(("prefix", "encoding", "expected"), [
    (b"\xef\xbb\xbf", "utf-8", "utf-8-sig"),
    (b"", "utf-16", "utf-16"),  # Python writes the byte-order mark
    (b"", "utf-16-le", "utf-16-le"),  # none: told by its NUL bytes
])
def test_utf8_with_a_bom_and_utf16(prefix, encoding, expected):
    parsed = read(prefix + daily(("día", "temp"), encoding=encoding))
    assert parsed.encoding == expected and parsed.columns == ("día", "temp")
    np.testing.assert_array_equal(column(parsed, "temp"), TEMPS)
    if expected.startswith("utf-16"):
        assert "Read as UTF-16." in parsed.notes


def test_latin1_is_read_and_said():
    parsed = read(daily(("date", "Température"), encoding="latin-1"))
    assert b"Temp\xe9rature" in daily(("date", "Température"), encoding="latin-1")
    assert parsed.encoding == "latin-1" and parsed.numeric == ("Température",)
    assert any(n.startswith("Read as Latin-1.") for n in parsed.notes)
    windows = read(daily(("date", "“temp”"), encoding="cp1252"))  # curly quotes: 0x93, 0x94
    assert windows.encoding == "cp1252" and windows.numeric == ("“temp”",)


def test_unsorted_dates_are_sorted_and_the_values_follow():
    order = np.random.default_rng(0).permutation(40)
    rows = [("date", "temp", "k")] + [(DAYS[k], TEMPS[k], k) for k in order]
    parsed = read(csv_bytes(rows))
    np.testing.assert_array_equal(column(parsed, "temp"), TEMPS)
    np.testing.assert_array_equal(column(parsed, "k"), np.arange(40))
    assert list(parsed.frame.index) == list(np.argsort(order))  # each row's place in the file


def test_several_numeric_columns_a_text_column_and_a_title_line():
    rows = [("Weather station 7, exported 2021",),
            ("date", "temp", "note", "wind", "")]
    rows += [(d, t, f"day {k}", k % 5, "") for k, (d, t) in enumerate(zip(DAYS, TEMPS,
                                                                          strict=True))]
    parsed = read(csv_bytes(rows))
    assert parsed.numeric == ("temp", "wind") and parsed.time_column == "date"
    assert "Skipped 1 line at the top, before the table." in parsed.notes
    assert "1 column had no numbers and was left out: 'note'." in parsed.notes
    assert any(n.startswith("1 empty column left out") for n in parsed.notes)
    series = choose_series(parsed, SeriesChoice("temp", features=("wind",)))
    assert series.values.shape == (40, 2) and series.channels == ("temp", "wind")
    np.testing.assert_array_equal(series.values[:, 1], np.arange(40) % 5)


def test_quoted_fields_and_a_ragged_row():
    rows = [("date", "temp", "place")] + [(d, t, '"Lyon, France"') for d, t in
                                          zip(DAYS, TEMPS, strict=True)]
    rows.insert(5, ("2020-06-01", "1", "x", "extra"))
    parsed = read(csv_bytes(rows))
    assert parsed.frame["place"].iloc[0] == "Lyon, France" and len(parsed.frame) == 40
    assert "Left out 1 row with more fields than the 3 columns." in parsed.notes


def test_missing_values_are_counted_then_interpolated_or_dropped():
    temps = [str(t) for t in TEMPS]
    temps[0], temps[10], temps[11], temps[-1] = "", "NA", "-", "n/a"
    data = csv_bytes([("date", "temp"), *zip(DAYS, temps, strict=True)])
    parsed = read(data)
    series = choose_series(parsed, SeriesChoice("temp"))
    assert series.missing == 4 and series.policy == "interpolate" and len(series.values) == 40
    got = series.values[:, 0]
    assert got[0] == TEMPS[1] and got[-1] == TEMPS[-2]  # the ends: the nearest value
    # days 10 and 11 lie on the line from day 9 to day 12
    np.testing.assert_allclose(got[10:12], TEMPS[9] + (TEMPS[12] - TEMPS[9]) * np.array([1, 2])
                               / 3)
    dropped = choose_series(parsed, SeriesChoice("temp", missing="drop"))
    assert dropped.missing == 4 and len(dropped.values) == 36
    assert "2020-01-11" not in dropped.labels and dropped.digest != series.digest
    assert "Dropped 4 rows with a missing value (4 missing values)." in dropped.notes


def test_a_long_file_splits_into_groups():
    rows = [("symbol", "date", "price")]
    rows += [("B", d, 100 + k) for k, d in enumerate(DAYS)]
    rows += [("A", d, 200 + k) for k, d in enumerate(DAYS)]
    parsed = read(csv_bytes(rows))
    assert parsed.group_column == "symbol" and parsed.groups == ("B", "A")  # as they appear
    assert parsed.numeric == ("price",)
    first = choose_series(parsed, SeriesChoice("price"))
    assert first.group == "B" and first.values[:3, 0].tolist() == [100, 101, 102]
    other = choose_series(parsed, SeriesChoice("price", group="A"))
    assert other.values[:, 0].tolist() == [200 + k for k in range(40)]
    assert other.digest != first.digest


def test_a_formula_looking_cell_is_kept_as_text():
    formula = "=cmd|' /C calc'!A0"
    rows = [("date", "temp", "comment")] + [(d, t, formula) for d, t in
                                            zip(DAYS, TEMPS, strict=True)]
    parsed = read(csv_bytes(rows))
    assert parsed.delimiter == "," and parsed.numeric == ("temp",)
    assert set(parsed.frame["comment"]) == {formula}


@pytest.mark.parametrize("name", ["../../x.csv", "<img src=x onerror=alert(1)>.csv",
                                  "/etc/passwd", "C:\\Windows\\x.csv"])
def test_a_file_name_is_kept_as_given_and_never_touches_the_disk(name, tmp_path, monkeypatch):
    read(daily())  # pandas imported before the disk is closed
    monkeypatch.chdir(tmp_path)

    def refuse(*args, **kwargs):
        raise AssertionError(f"the disk was touched: {args}")

    for owner, attribute in [(builtins, "open"), (io, "open"), (os, "open"), (os, "mkdir"),
                             (os, "makedirs"), (pathlib.Path, "open"),
                             (pathlib.Path, "write_bytes"), (pathlib.Path, "write_text")]:
        monkeypatch.setattr(owner, attribute, refuse)
    parsed = read(daily(), name)
    series = choose_series(parsed, SeriesChoice("temp"))
    monkeypatch.undo()
    assert parsed.name == name and series.name == name
    assert list(tmp_path.iterdir()) == []


# --- bad files ----------------------------------------------------------------------------
def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("data.csv", daily())
    return out.getvalue()


def _png() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + bytes(np.random.default_rng(1).integers(0, 256, 500,
                                                                             dtype=np.uint8))


BAD_FILES = {
    "over the size cap": (b"1\n" * (MAX_BYTES // 2 + 1), "the limit is 5 MB"),
    "over the row cap": (b"x\n" + b"1\n" * (MAX_ROWS + 1), "more than 200,000 rows"),
    "10,000 columns": (csv_bytes([[f"c{j}" for j in range(10_000)], list(range(10_000))]),
                       f"10,000 columns; at most {MAX_COLUMNS}"),
    "a PNG": (_png(), "a PNG picture, not a CSV"),
    "a zip renamed .csv": (_zip(), "a zip archive"),
    "NUL bytes": (b"date,temp\n2020-01-01,1\x00\n" * 40, "NUL bytes"),
    "a NUL behind a BOM": (b"\xef\xbb\xbf" + daily()[:200] + b"\x00" + daily()[200:],
                           "NUL bytes"),
    "binary without NULs": (bytes(np.random.default_rng(2).integers(1, 256, 3000,
                                                                    dtype=np.uint8)),
                            "not text"),
    "broken UTF-16": (b"\xff\xfe" + "a,b\n1,2\n".encode("utf-16-le") + b"\x00\xd8",
                      "starts like UTF-16 text but cannot be read"),
    "empty": (b"", "This file is empty"),
    "blank lines": (b"\n \n\r\n", "This file is empty"),
    "a header alone": (b"date,temp\n", "no rows of data after its header"),
    "no numbers": (csv_bytes([("name", "colour")] + [(f"n{k}", "red") for k in range(40)]),
                   "no column of numbers"),
    "an unclosed quote": (b'date,temp\n2020-01-01,"1\n' + daily()[10:], "never closed"),
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_a_bad_file_is_refused_with_a_sentence(kind):
    data, phrase = BAD_FILES[kind]
    with pytest.raises(CSVError, match=r"^[A-Z0-9'].*[.]$") as refused:
        read(data)
    assert phrase in str(refused.value)
    assert "\n" not in str(refused.value)


def _series_error(data: bytes, choice: SeriesChoice, min_rows: int = 30) -> str:
    with pytest.raises(CSVError) as refused:
        choose_series(read(data), choice, min_rows)
    return str(refused.value)


@pytest.mark.parametrize(("values", "choice", "phrase"), [
    (TEMPS[:10], SeriesChoice("temp"), "Only 10 rows are left; at least 30 are needed"),
    ([3.5] * 40, SeriesChoice("temp"), "holds the same value (3.5) in every row"),
    (["inf", "-inf"] * 20, SeriesChoice("temp"), "all missing or infinite"),
    (TEMPS, SeriesChoice("date"), "'date' is not a column of numbers in this file"),
    (TEMPS, SeriesChoice("rain"), "'rain' is not a column of numbers"),
    (TEMPS, SeriesChoice("temp", features=("temp",)), "Use each column once"),
    (TEMPS, SeriesChoice("temp", group="A"), "no column that splits its rows"),
    (TEMPS, SeriesChoice("temp", missing="guess"), "either interpolated or dropped"),
])
def test_a_bad_choice_is_refused_with_a_sentence(values, choice, phrase):
    data = csv_bytes([("date", "temp"), *zip(DAYS, values, strict=False)])
    assert phrase in _series_error(data, choice)


def test_an_all_missing_target_and_a_missing_group():
    empty = csv_bytes([("date", "temp", "rain")] + [(d, "NA", t) for d, t in
                                                     zip(DAYS, TEMPS, strict=True)])
    assert "'temp' is not a column of numbers" in _series_error(empty, SeriesChoice("temp"))
    rows = [("symbol", "date", "price")] + [("A", d, k) for k, d in enumerate(DAYS)]
    rows += [("B", d, "NaN") for d in DAYS]
    grouped = csv_bytes(rows)
    assert "'price' has no usable number in the series 'B'" in _series_error(
        grouped, SeriesChoice("price", group="B"))
    assert "'C' is not one of the series in 'symbol': choose one of 'A', 'B'." in \
        _series_error(grouped, SeriesChoice("price", group="C"))
    thin = csv_bytes([("date", "temp")] + [(d, t if k % 2 else "") for k, (d, t) in
                                           enumerate(zip(DAYS, TEMPS, strict=True))])
    assert "or interpolate the missing values" in _series_error(
        thin, SeriesChoice("temp", missing="drop"))


# --- the examples that ship with vega_datasets ---------------------------------------------
@pytest.mark.parametrize("key", BUNDLED)
def test_every_example_reads_and_makes_a_task(key):
    example = BUNDLED[key]
    parsed = read(bundled_bytes(key), example.file)
    assert example.choice.target in parsed.numeric and parsed.time_column is not None
    series = choose_series(parsed, example.choice, min_rows=example.seq_len + 5)
    assert np.isfinite(series.values).all() and example.description.endswith(".")
    data = series_task(series, example.seq_len)
    assert data.name == "csv" and data.seq_len == example.seq_len
    if key == "iowa-electricity":  # 17 years a source: too short for two weeks
        with pytest.raises(CSVError, match="too few rows for n_E = 14"):
            series_task(series, 14)
        return
    data = series_task(series, 14)
    assert data.seq_len == 14 and len(data.X_train) > len(data.X_valid) > 0
    assert torch_finite(data)


def torch_finite(data) -> bool:
    return all(bool(t.isfinite().all()) for t in (data.X_train, data.y_train, data.X_valid,
                                                  data.y_valid))


def test_the_examples_read_as_their_files_say():
    stocks = read(bundled_bytes("stocks"))
    assert stocks.groups == ("MSFT", "AMZN", "IBM", "GOOG", "AAPL")
    apple = choose_series(stocks, BUNDLED["stocks"].choice)
    assert apple.labels[0] == "2000-01-01" and apple.values[0, 0] == 25.94
    employment = read(bundled_bytes("us-employment"))
    assert employment.time_column == "month" and len(employment.numeric) == 23
    seattle = choose_series(read(bundled_bytes("seattle-temps")), SeriesChoice("temp"))
    assert seattle.labels[:2] == ("2010-01-01 00:00", "2010-01-01 01:00")
    assert len(seattle.values) == 8759
    with pytest.raises(ValueError, match="must be one of"):
        bundled_bytes("../../etc/passwd")


# --- fuzz: nothing but CSVError escapes ----------------------------------------------------
def _random_csv(rng) -> bytes:
    """A good file of random shape: delimiter, decimal mark, header, dates, groups, gaps."""
    delimiter = str(rng.choice([",", ";", "\t", "|"]))
    decimal = "," if delimiter != "," and rng.random() < 0.5 else "."
    n, n_cols = int(rng.integers(5, 80)), int(rng.integers(1, 5))
    start = np.datetime64("2019-01-01T00:00") + rng.integers(0, 10**6)
    step = np.timedelta64(int(rng.choice([60, 1440, 43200])), "m")
    rows = [["when", "group", *[f"x{j}" for j in range(n_cols)]]] if rng.random() < 0.8 else []
    for k in range(n):
        cells = [str(start + step * (k // 2 if rng.random() < 0.3 else k))[:16].replace("T", " "),
                 str(rng.choice(["a", "b"]))]
        for _ in range(n_cols):
            value = rng.normal() * 10.0 ** rng.integers(-3, 6)
            cells.append("" if rng.random() < 0.05 else f"{value:.4g}".replace(".", decimal))
        rows.append(cells)
    return csv_bytes(rows, delimiter, str(rng.choice(["utf-8", "utf-16", "latin-1"])))


def _mangle(data: bytes, rng) -> bytes:
    """One to three of: a cut, an injected quote, NUL, delimiter or line end, a huge or odd
    number, two bytes swapped, a slice lost or doubled, random bytes."""
    out = bytearray(data)
    for _ in range(int(rng.integers(1, 4))):
        at = int(rng.integers(0, len(out) + 1))
        kind = int(rng.integers(0, 8))
        if kind == 0:
            del out[at:]
        elif kind == 1:
            out[at:at] = bytes([int(rng.choice(list(b'"\x00;,|\t\r\n')))])
        elif kind == 2:
            out[at:at] = str(rng.choice(["1e400", "-1e308", "9" * 400, "nan", "inf", "-0",
                                         "0x1F", "1,5e3", "", '""', "=1+1"])).encode()
        elif kind == 3 and len(out) > 1:
            a, b = rng.integers(0, len(out), 2)
            out[a], out[b] = out[b], out[a]
        elif kind == 4:
            del out[at:at + int(rng.integers(1, 50))]
        elif kind == 5:
            out[at:at] = out[at:at + int(rng.integers(1, 200))]
        elif kind == 6:
            out[at:at] = bytes(rng.integers(0, 256, int(rng.integers(1, 20)), dtype=np.uint8))
        else:
            out[at:at] = b'"' * int(rng.integers(1, 4)) + b"\n"
    return bytes(out)


def _random_bytes(rng) -> bytes:
    size = int(rng.integers(0, 3000))
    alphabet = [np.arange(256), np.frombuffer(b'0123456789.,;|\t\n\r"- eE:/ab', np.uint8),
                np.arange(32, 127)][int(rng.integers(0, 3))]
    return bytes(rng.choice(alphabet, size).astype(np.uint8))


def _through_everything(data: bytes, rng) -> str:
    """Read, choose, make the task; 'refused' or 'task' (whose tensors are all finite)."""
    try:
        parsed = read_csv_bytes(data, "fuzz.csv")
        choice = SeriesChoice(parsed.numeric[0], features=parsed.numeric[1:3],
                              missing=str(rng.choice(["interpolate", "drop"])),
                              group=parsed.groups[-1] if parsed.groups else None)
        task = series_task(choose_series(parsed, choice, min_rows=5), int(rng.integers(1, 8)))
    except CSVError as error:
        message = str(error)
        assert message and "\n" not in message and message.endswith("."), message
        return "refused"
    assert torch_finite(task) and np.all(np.isfinite(task.truth))
    return "task"


def test_random_bytes_and_mangled_files_raise_nothing_but_csverror():
    rng = np.random.default_rng(28)
    random = [_through_everything(_random_bytes(rng), rng) for _ in range(300)]
    mangled = [_through_everything(_mangle(_random_csv(rng), rng), rng) for _ in range(300)]
    # the run is worth something only if the mangled files reach every stage
    assert random.count("refused") > 250
    assert 50 < mangled.count("task") < 290
