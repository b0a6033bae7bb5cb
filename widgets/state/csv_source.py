"""The learner's own series: a CSV file of theirs or an example that ships offline, read, and the
choice of its columns, as one state both data pages share.

A file is read in memory (``maths.series_csv.read_csv_bytes``), never written to disk, and its
name is kept for display only. A file that cannot be used is refused with a sentence and leaves
everything as it was: the series in use, and its choice. Nothing here knows of widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from traitlets import HasTraits, Instance, Unicode

from ..maths.series_csv import (
    BUNDLED,
    MAX_BYTES,
    CSVError,
    ParsedCSV,
    Series,
    SeriesChoice,
    bundled_bytes,
    choose_series,
    read_csv_bytes,
)

__all__ = ["DEFAULT_EXAMPLE", "EXAMPLES", "FILE", "CSVSource"]

FILE = "file"  # the origin of a learner's own file, beside the examples' keys
EXAMPLES = tuple(BUNDLED)  # the examples that ship offline, by key
DEFAULT_EXAMPLE = "seattle-temps"


class CSVSource(HasTraits):
    """A series to learn from, and where it came from.

    Traits
    ------
    origin : str -- a key of ``BUNDLED`` (an example), or ``FILE`` (the learner's upload)
    parsed : ParsedCSV -- the table read, its columns and what the reader decided
    choice : SeriesChoice -- the target, the extra inputs, the missing values' handling, the
        group (one series of a long table)
    series : Series -- the chosen columns as one series, set once per change (views and the
        models that learn from it observe this one)
    """

    origin = Unicode("", help="an example's key, or 'file' for the learner's upload")
    parsed = Instance(ParsedCSV, allow_none=True)
    choice = Instance(SeriesChoice, allow_none=True)
    series = Instance(Series, allow_none=True)

    def __init__(self, example: str = DEFAULT_EXAMPLE, min_rows: int = 8,
                 check: Callable[[Series], object] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.min_rows = min_rows
        # what the series is for may refuse it too (too few rows for its n_E): before any change
        self.check = check
        self.use_example(example)

    # --- where the series comes from ------------------------------------------------------------
    def use_example(self, key: str) -> None:
        """One of the examples that ship offline, with its own default choice."""
        if key not in BUNDLED:
            raise CSVError(f"There is no example called {key!r}; the examples are "
                           f"{', '.join(BUNDLED)}.")
        parsed = read_csv_bytes(bundled_bytes(key), f"{key}.csv")
        self._take(key, parsed, BUNDLED[key].choice)

    def upload(self, data: bytes, name: str) -> None:
        """The learner's file: read, its first numeric column as the target (a time column
        is never one), the rest left to choose. A bad file raises ``CSVError`` and leaves the
        series in use as it was."""
        if len(data) > MAX_BYTES:  # the page refuses it before sending; a forced one stops here
            raise CSVError(f"The file is {len(data) / 2**20:.1f} MB; the limit is "
                           f"{MAX_BYTES / 2**20:.0f} MB. Cut it to the rows you need and "
                           "upload it again.")
        parsed = read_csv_bytes(data, name)
        self._take(FILE, parsed, SeriesChoice(target=parsed.numeric[0],
                                              group=parsed.groups[0] if parsed.groups else None))

    def choose(self, **changes) -> None:
        """Another target, extra inputs, missing values' handling or group: a new series, or
        ``CSVError`` and the series as it was."""
        if self.parsed is None:
            raise CSVError("There is no table yet: pick an example or upload a CSV file.")
        self._take(self.origin, self.parsed, replace(self.choice, **changes))

    def _take(self, origin: str, parsed: ParsedCSV, choice: SeriesChoice) -> None:
        series = choose_series(parsed, choice, self.min_rows)  # raises before anything is set
        if self.check is not None:
            self.check(series)
        with self.hold_trait_notifications():
            self.origin, self.parsed, self.choice = origin, parsed, choice
            self.series = series

    # --- what the views read ----------------------------------------------------------------
    @property
    def is_file(self) -> bool:
        return self.origin == FILE
