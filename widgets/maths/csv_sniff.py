"""A CSV file's bytes to text, and the shape of that text: its encoding, its delimiter, its
decimal mark, the lines before the table, whether its first row names the columns.

Only a sample is looked at here, through the standard library's ``csv`` reader; pandas reads
the table itself (``series_csv``). Every file we cannot use raises ``CSVError`` with one
sentence for the learner. Nothing here touches the disk.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from dataclasses import dataclass

__all__ = ["MAX_BYTES", "MAX_COLUMNS", "CSVError", "Layout", "decode", "sniff"]

MAX_BYTES = 5 * 1024 * 1024  # a file over this is refused
MAX_COLUMNS = 200
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_WORDS = {",": "Comma", ";": "Semicolon", "\t": "Tab", "|": "Pipe"}
SAMPLE_CHARS = 64 * 1024  # the start of the text that decides its shape
SAMPLE_ROWS = 200
NAME_CHARS = 80  # a longer column name is cut (it is shown, never used as a key elsewhere)


class CSVError(ValueError):
    """A file we cannot use: its message is one plain sentence for the learner saying what is
    wrong and what to do."""


# files a learner may pick by mistake, known by their first bytes
SIGNATURES = (
    (b"\x89PNG", "a PNG picture"),
    (b"\xff\xd8\xff", "a JPEG picture"),
    (b"GIF8", "a GIF picture"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx file is one)"),
    (b"PK\x05\x06", "an empty zip archive"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) or Word file"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x7fELF", "a program"),
)
# byte-order marks, UTF-32's before UTF-16's (FF FE 00 00 starts with FF FE)
BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"))
ENCODING_WORDS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16",
                  "utf-16-le": "UTF-16", "utf-16-be": "UTF-16", "utf-32": "UTF-32",
                  "cp1252": "Windows-1252", "latin-1": "Latin-1"}
NUL = ("This file holds NUL bytes, so it is not a text file: choose a CSV file (plain text, "
       "one row a line).")
# control characters no text file holds (tab, newline and carriage return are text)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")
_COMMA_DECIMAL = re.compile(r"[+-]?\d*,\d+([eE][+-]?\d+)?")
_POINT_DECIMAL = re.compile(r"[+-]?\d*\.\d+([eE][+-]?\d+)?")


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding) of a file's bytes, line ends made "\\n"; ``CSVError`` if it is not
    text. UTF-8 first, else a byte-order mark's encoding, else Windows-1252 or Latin-1."""
    for magic, what in SIGNATURES:
        if data.startswith(magic):
            raise CSVError(f"This file is {what}, not a CSV text file: open it in the program "
                           "that made it and save or export it as CSV.")
    encoding = next((e for bom, e in BOMS if data.startswith(bom)), None)
    if encoding is None and b"\x00" in data:
        encoding = _utf16_without_bom(data)
        if encoding is None:
            raise CSVError(NUL)
    if encoding is None:
        encoding = "utf-8"
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            # latin-1 and cp1252 agree outside 0x80-0x9f, where latin-1 has only controls
            encoding = "cp1252" if re.search(rb"[\x80-\x9f]", data) else "latin-1"
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:  # one of cp1252's five unused bytes
                encoding, text = "latin-1", data.decode("latin-1")
    else:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            raise CSVError(f"This file starts like {ENCODING_WORDS[encoding]} text but cannot "
                           "be read as it: save it again as a UTF-8 CSV file.") from None
    if "\x00" in text:  # a NUL behind a byte-order mark
        raise CSVError(NUL)
    head = text[: SAMPLE_CHARS * 4]
    if len(_CONTROL.findall(head)) > len(head) // 200:
        raise CSVError("This file is not text (it is full of control characters): choose a "
                       "CSV file, or save your table as CSV from a spreadsheet.")
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


def _utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" if every other byte is NUL (plain letters in UTF-16)."""
    even, odd = data[0::2], data[1::2]
    for nuls, letters, encoding in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if nuls.count(0) >= 0.9 * len(nuls) and letters.count(0) <= 0.1 * len(letters):
            return encoding
    return None


@dataclass(frozen=True)
class Layout:
    """How the text holds its table."""

    delimiter: str  # ",", ";", "\t" or "|"
    decimal: str  # "." or ","
    header: bool  # the first row of the table names the columns
    skip: int  # lines before the first row of data (a title, Excel's "sep=" line, the header)
    titles: int  # of those, the lines before the table (not its header)
    names: tuple[str, ...]  # every column's name, unique, "column k" where there is none

    def words(self) -> str:
        """The delimiter and the decimal mark in a sentence."""
        mark = "a decimal comma" if self.decimal == "," else "a decimal point"
        return f"{DELIMITER_WORDS[self.delimiter]}-separated with {mark}."


def sniff(text: str) -> Layout:
    """The layout of a CSV text, judged on its first ``SAMPLE_ROWS`` rows."""
    forced = re.match(r"sep=(.)\n", text)  # Excel writes "sep=;" as a first line
    sample = text[:SAMPLE_CHARS]
    if len(text) > SAMPLE_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    if forced and forced.group(1) in DELIMITERS:
        delimiter = forced.group(1)
        rows = _rows(sample[forced.end():], delimiter, offset=1)
    else:
        delimiter, rows = max(((d, _rows(sample, d)) for d in DELIMITERS),
                              key=lambda found: _score(found[1]))
    if not rows:
        raise CSVError("This file is empty: it has no rows to read. Choose a CSV file with a "
                       "row of numbers a line.")
    counts = Counter(len(row) for _, _, row in rows)
    mode = counts.most_common(1)[0][0]
    # title lines above the table: rows of fewer fields than its rows (not counting an
    # empty last field, as a delimiter ending every row makes)
    ragged = all(not row[-1].strip() for _, _, row in rows if len(row) == mode)
    least = mode - 1 if ragged else mode
    start = next((k for k, (_, _, row) in enumerate(rows) if len(row) >= least or k >= 10), 0)
    table = [row for _, _, row in rows[start:]]
    n_fields = max(mode, len(table[0]))
    if n_fields > MAX_COLUMNS:
        raise CSVError(f"This file has {n_fields:,} columns; at most {MAX_COLUMNS} can be read: "
                       "keep the columns you need (the target and a few features) and save it "
                       "again.")
    decimal = "."
    if delimiter != ",":
        cells = [cell.strip() for row in table for cell in row]
        commas = sum(bool(_COMMA_DECIMAL.fullmatch(c)) for c in cells)
        points = sum(bool(_POINT_DECIMAL.fullmatch(c)) for c in cells)
        decimal = "," if commas > points else "."
    header = _has_header(table)
    first = table[0] if header else []
    # one line each: whitespace runs (a quoted line end too) become one space
    names = [" ".join(first[j].split())[:NAME_CHARS] if j < len(first) else ""
             for j in range(n_fields)]
    titles = rows[start][0]
    return Layout(delimiter=delimiter, decimal=decimal, header=header,
                  skip=rows[start][1] if header else titles, titles=titles,
                  names=_unique([n or f"column {j + 1}" for j, n in enumerate(names)]))


def _rows(sample: str, delimiter: str, offset: int = 0) -> list[tuple[int, int, list[str]]]:
    """(lines before it, lines to its end, its fields) of each non-blank row of ``sample``."""
    reader = csv.reader(io.StringIO(sample), delimiter=delimiter)
    rows, before = [], 0
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((before + offset, reader.line_num + offset, row))
                if len(rows) >= SAMPLE_ROWS:
                    break
            before = reader.line_num
    except csv.Error:  # a field over csv's size limit: judge on the rows read so far
        pass
    return rows


def _score(rows: list[tuple[int, int, list[str]]]) -> tuple:
    """How well a delimiter cuts the sample: several fields a row, the same number in every
    row, then cells that read as numbers, then more fields."""
    if not rows:
        return (False, 0.0, 0.0, 0)
    mode, count = Counter(len(row) for _, _, row in rows).most_common(1)[0]
    cells = [c.strip() for _, _, row in rows for c in row if c.strip()]
    numbers = sum(bool(_NUMBER.fullmatch(c)) for c in cells) / max(len(cells), 1)
    return (mode > 1, count / len(rows), numbers, mode)


def _kind(cell: str) -> str:
    cell = cell.strip()
    if not cell:
        return "empty"
    if _NUMBER.fullmatch(cell):
        return "number"
    return "digits" if any(ch.isdigit() for ch in cell) else "words"


def _has_header(table: list[list[str]]) -> bool:
    """Whether the first row names the columns: some column holds words above numbers (or
    dates), or no column holds numbers in its first row as in the rest."""
    first, rest = table[0], table[1:]
    names = plain = 0
    for j, cell in enumerate(first):
        kinds = Counter(_kind(row[j]) for row in rest if j < len(row))
        kinds.pop("empty", None)
        if not kinds:
            continue
        kind, count = kinds.most_common(1)[0]
        if count < 0.8 * sum(kinds.values()) or kind == "words":
            continue
        if _kind(cell) == "words":
            names += 1
        elif _kind(cell) == kind:
            plain += 1
    return names > 0 or plain == 0


def _unique(names: list[str]) -> tuple[str, ...]:
    """The names, a repeated one numbered: "x", "x (2)"."""
    seen: set[str] = set()
    out = []
    for name in names:
        unique, k = name, 1
        while unique in seen:
            k += 1
            unique = f"{name} ({k})"
        seen.add(unique)
        out.append(unique)
    return tuple(out)
