"""The code that reads a learner's series as the page read it (``maths.series_csv``,
``series_pick``): the same file with pandas' ``read_csv`` and the options our reader found,
then the page's steps (times, group, numbers, missing values), leaving ``values`` (n, n_X).
Shared by the training page's code (``training_csv``) and the sequence page's (``sequence``).

The file's name and its columns' come from outside: in the code each is a Python literal made
by ``repr``, in the prose ``markdown_text``. The code reads a learner's file by the last part of
its name, next to the notebook; an example, where vega_datasets keeps it.
"""

from __future__ import annotations

import functools
import hashlib
import re

from ..maths.csv_sniff import DELIMITER_WORDS, ENCODING_WORDS
from ..maths.series_csv import BUNDLED, ParsedCSV, SeriesChoice, bundled_bytes
from .recipe import fill, markdown_text, splice

__all__ = ["EXAMPLE_IMPORTS", "IMPORTS", "is_example", "local_name", "quoted",
           "reading_steps", "series_code"]

IMPORTS = ("import copy\nimport hashlib\nimport math\nfrom pathlib import Path\n\n"
           "import numpy as np\nimport pandas as pd\nimport torch\nfrom torch import nn")
EXAMPLE_IMPORTS = IMPORTS.replace("import hashlib\n", "import hashlib\nimport importlib.util\n")
OWN_FILE = "my-series.csv"  # the name the code gives a file whose name has no last part
WIDTH = 92  # a line of the generated code, at most (a long name aside)
# what each of read_csv's options does, for the code's comments
OPTION_WORDS = {
    "index_col": "no column is the index",
    "skip_blank_lines": "a blank line is no row",
    "skipinitialspace": "a space after the delimiter is no part of the value",
    "na_values": 'cells that mean "no value", besides pandas\' own',
    "low_memory": "one pass decides each column's type, not one per chunk",
}


def local_name(name: str) -> str:
    """The last part of a file's name, with any folders (of either slash) left out: the file
    the code reads next to the notebook."""
    last = re.split(r"[\\/]", name)[-1]
    return OWN_FILE if last.strip() in ("", ".", "..") else last


@functools.cache
def _examples() -> dict[str, str]:
    """The examples' files by their bytes' sha256; none if vega_datasets is not there."""
    try:
        return {hashlib.sha256(bundled_bytes(key)).hexdigest(): b.file
                for key, b in BUNDLED.items()}
    except OSError:
        return {}


def _listed(items: list, indent: int) -> str:
    """A list's literal, its items' reprs wrapped at ``WIDTH`` with ``indent`` before every
    line but the first."""
    lines, line = [], "["
    for k, item in enumerate(items):
        piece = repr(item) + ("," if k < len(items) - 1 else "]")
        if len(line) > 1 and indent + len(line) + 1 + len(piece) > WIDTH:
            lines.append(line)
            line = " " + piece
        else:
            line += ("" if line == "[" else " ") + piece
    lines.append(line if items else "[]")
    return ("\n" + " " * indent).join(lines)


def _where(parsed: ParsedCSV) -> tuple[str, str, bool]:
    """(the code that sets ``path``, the prose on where the file is, whether it is an example)."""
    example = _examples().get(parsed.digest)
    if example is not None:
        return (splice("""
            # the example ships inside the vega_datasets package: find it without importing it
            spec = importlib.util.find_spec("vega_datasets")
            path = Path(spec.submodule_search_locations[0]) / "_data" / $file
            """, file=repr(example)),
            f"The example file {markdown_text(example)} ships inside the `vega_datasets` "
            "package: the code reads it from there (no download). To read a copy of your own, "
            "put it next to this notebook and set `path` to its name.", True)
    name = local_name(parsed.name)
    shown = markdown_text(name)
    moved = ("" if name == parsed.name else
             f" (the page was given it as {markdown_text(parsed.name)}: only the last part of "
             "the name is used, so the code never reads outside this folder)")
    return (splice("""
        path = Path($name)  # your file, kept next to this notebook
        if not path.is_file():
            raise FileNotFoundError(f"Put your file {path.name} next to this notebook, in "
                                    f"{Path.cwd()}, and run this cell again.")
        """, name=repr(name)),
        f"Your file {shown}{moved}: keep it next to this notebook, under that name.", False)


def _read(parsed: ParsedCSV) -> str:
    """``pd.read_csv`` with the options the page's reader found, one a line, each with why."""
    titles = (f"{parsed.titles} line{'' if parsed.titles == 1 else 's'} above the table"
              if parsed.titles else "")
    skipped = " and ".join(filter(None, (titles, "the header row" if parsed.header else "")))
    words = {"sep": f"{DELIMITER_WORDS[parsed.delimiter].lower()}-separated",
             "decimal": "a decimal " + ("comma" if parsed.decimal == "," else "point"),
             "header": "the columns' names are given: names",
             "names": ("the header's names (a repeated one numbered)" if parsed.header else
                       "the file has no header: its columns are numbered"),
             "skiprows": skipped or "none: the data starts at the first line",
             **OPTION_WORDS}
    lines = [f"{key}={'names' if key == 'names' else repr(value)},  # {words[key]}"
             for key, value in parsed.read_options.items()]
    lines.append('on_bad_lines="skip",  # a row with more fields than the columns is left out')
    body = "\n".join("        " + line for line in lines)
    return (f"names = {_listed(list(parsed.names), 8)}\n"
            f"with open(path, encoding={parsed.encoding!r}) as f:  # "
            f'{ENCODING_WORDS[parsed.encoding]}, every line end read as "\\n"\n'
            f"    table = pd.read_csv(\n        f,\n{body}\n    )\n"
            'print(f"{path.name}: {len(table)} rows of {len(names)} columns")')


def _times(parsed: ParsedCSV) -> str:
    """Code that reads the time column and sorts by it ('' without one)."""
    if parsed.time_column is None:
        return ""
    options = "".join(f", {k}={v!r}" for k, v in parsed.time_options)
    zone = ("\ntimes = times.dt.tz_convert(None)  # they carried a time zone: UTC, without it"
            if parsed.time_zone else "")
    return splice("""
        time_column = $time  # the column of times
        times = pd.to_datetime(table[time_column].astype("string"), errors="coerce"$options)$zone
        table[time_column] = times
        print(f"{times.isna().sum()} rows without a time left out")
        # in time order; rows at the same time keep the file's order
        table = table[times.notna()].sort_values(time_column, kind="stable")
        """, time=repr(parsed.time_column), options=options, zone=zone)


def _group(parsed: ParsedCSV, choice: SeriesChoice) -> tuple[str, str | None]:
    """Code that keeps the chosen series of a long table ('' without one), and that series."""
    if parsed.group_column is None:
        return "", None
    group = parsed.groups[0] if choice.group is None else choice.group
    return splice("""
        # a long table: the column $column holds several series; we keep one
        group_column, group = $column, $group
        table = table[table[group_column].astype(str) == group]
        print(f"the series {group}: {len(table)} rows")
        """, column=repr(parsed.group_column), group=repr(group)), group


def _missing(parsed: ParsedCSV, policy: str) -> str:
    if policy == "drop":
        return fill("""
            values = values[~absent.any(axis=1)]  # a row with a missing value is dropped
            """)
    place = ('table[time_column].to_numpy().astype("datetime64[ms]").astype(np.float64)  # ms'
             if parsed.time_column else
             "np.arange(len(values), dtype=np.float64)  # its row")
    return splice("""
        # linear interpolation where each row lies; np.interp holds the nearest value at the ends
        where = $place
        for j in range(values.shape[1]):
            bad = absent[:, j]
            if bad.any():
                values[bad, j] = np.interp(where[bad], where[~bad], values[~bad, j])
        """, place=place)


def quoted(names) -> str:
    """Column names or values for the prose: each escaped, in quotes, joined with "and"."""
    shown = [f"'{markdown_text(n)}'" for n in names]
    return ", ".join(shown[:-1]) + (" and " if len(shown) > 1 else "") + shown[-1]


def reading_steps(parsed: ParsedCSV, choice: SeriesChoice, group: str | None) -> str:
    """The reading and the page's steps, in the prose."""
    mark = "comma" if parsed.decimal == "," else "point"
    found = [f"{ENCODING_WORDS[parsed.encoding]} text",
             f"{DELIMITER_WORDS[parsed.delimiter].lower()}-separated with a decimal {mark}"]
    if parsed.titles:
        found.append(f"{parsed.titles} line{'' if parsed.titles == 1 else 's'} above the "
                     "table, skipped")
    found.append("a header row naming the columns" if parsed.header else
                 "no header row, so the columns are called column 1, column 2 and so on")
    steps = []
    if parsed.time_column is not None:
        steps.append(f"the column {quoted([parsed.time_column])} is read as times (pandas' "
                     "`to_datetime`" + ", day first" * dict(parsed.time_options).get(
                         "dayfirst", False) + ") and the rows sorted by it, a row without a "
                     "time left out")
    if group is not None:
        steps.append(f"the rows of the series {quoted([group])} in the column "
                     f"{quoted([parsed.group_column])} are kept")
    features = (f" and the extra input{'s' if len(choice.features) > 1 else ''} "
                f"{quoted(choice.features)}" if choice.features else "")
    steps.append(f"the target {quoted([choice.target])}{features} are read as numbers (a "
                 "cell that is none, or an infinite value, counts as missing)")
    steps.append("the missing values are " + (
        "dropped with their rows" if choice.missing == "drop" else
        "interpolated linearly in " + ("time" if parsed.time_column else "row order")
        + ", the ends holding the nearest value"))
    n_x = 1 + len(choice.features)
    return (f"It is read as the page read it: pandas' `read_csv` with what our reader found "
            f"in it ({'; '.join(found)}). Then the page's steps: {'; '.join(steps)}. A window "
            f"of n_E rows is one sequence of n_E elements of n_X = {n_x} "
            f"value{'' if n_x == 1 else 's'}; its target is the next row's "
            f"{quoted([choice.target])}.")


def is_example(parsed: ParsedCSV) -> bool:
    """Whether the file is one of the examples that ship in vega_datasets (by its bytes)."""
    return _examples().get(parsed.digest) is not None


def series_code(parsed: ParsedCSV, choice: SeriesChoice) -> tuple[str, str, str | None]:
    """(the code that reads the file and leaves ``channels`` and ``values`` (n, n_X) float64,
    missing values handled; the prose on where the file is and how it is read; the series
    kept of a long table, or None)."""
    where, about, _example = _where(parsed)
    group_code, group = _group(parsed, choice)
    channels = [choice.target, *choice.features]
    comma = '.str.replace(",", ".", regex=False)' if parsed.decimal == "," else ""
    code = "\n\n".join(filter(None, (
        where,
        fill("""
            # the sha256 of the bytes of the file the page read
            read_by_the_page = $digest
            if hashlib.sha256(path.read_bytes()).hexdigest() != read_by_the_page:
                print(f"Note: {path.name} is not the file the page read, so the numbers will "
                      "differ from the page's.")
            """, digest=parsed.digest),
        _read(parsed),
        _times(parsed),
        group_code,
        "\n" + splice("""
            def numbers(column):
                \"\"\"A column as float64: pandas' numbers as they are; else each cell's text
                as a number, NaN where it is none.\"\"\"
                if pd.api.types.is_numeric_dtype(column):
                    return column.astype("float64")
                cells = column.astype(str).str.strip()$comma
                return pd.to_numeric(cells, errors="coerce").astype("float64")


            channels = $channels  # the target first, then the extra inputs
            values = np.stack([numbers(table[c]).to_numpy() for c in channels], axis=1)  # (n, n_X)
            values[np.isinf(values)] = np.nan  # an infinite value counts as missing
            absent = np.isnan(values)  # (n, n_X)
            print(f"{absent.sum()} missing values in {len(values)} rows")
            """, comma=comma, channels=_listed(channels, 12)),
        _missing(parsed, choice.missing),
    )))
    return code, about + " " + reading_steps(parsed, choice, group), group
