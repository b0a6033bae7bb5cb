"""A page model's own-data choice: the learner's series (``CSVSource``) and the picks that
change it, mixed into the models of the pages that offer "your own CSV".

In ``TrainingModel``, with ``task="csv"``, the data is the series cut into windows of n_E rows
(``maths.series_task``), and the config carries the series' digest, so the model cache keys on
the data itself. The source is made the first time it is needed: a page that never picks
"your own CSV" reads no table.
"""

from __future__ import annotations

from traitlets import HasTraits, TraitError, Unicode, observe, validate

from ..maths.limits import check_choice
from ..maths.series_csv import BUNDLED, CSVError, Series
from ..maths.series_task import series_task
from ..maths.tasks import TaskData
from .csv_source import DEFAULT_EXAMPLE, EXAMPLES, FILE, CSVSource

__all__ = ["OwnSeries"]


class OwnSeries(HasTraits):
    """The learner's series for a model whose data may be "csv"; needs ``seq_len`` and
    ``_rebuild``, and says in ``uses_own_series`` whether its data is the series now (by
    default: its ``task`` is "csv").

    Traits
    ------
    series : str -- the example in use (a link's), or "file" for the learner's own; the
        source (``csv``) holds the table and the choice of its columns
    """

    series = Unicode(DEFAULT_EXAMPLE, help="own data: an example's key, or 'file'")

    _csv: CSVSource | None = None
    _quiet_series = False  # the source set it: no example to load
    _fit_len: int | None = None  # an n_E to check a series against, before it is set

    @validate("series")
    def _valid_series(self, proposal):
        try:
            return check_choice("series", proposal["value"], (*EXAMPLES, FILE))
        except ValueError as err:
            raise TraitError(str(err)) from None

    @observe("series")
    def _series_picked(self, change) -> None:
        """A link's (or the page's) example: the source loads it, the model its data if it
        uses the series. One that does not fit (too few rows for n_E) is refused and the
        series stays."""
        if self._quiet_series or change["new"] == FILE:
            return
        try:
            self.pick_series("source", change["new"])
        except Exception as err:
            self._set_series_quietly(change["old"])
            raise TraitError(str(err)) from None

    @property
    def uses_own_series(self) -> bool:
        return self.task == "csv"

    @property
    def csv(self) -> CSVSource:
        """The series' source, made (with the link's example) the first time it is asked for."""
        if self._csv is None:
            self._csv = CSVSource(example=self.series if self.series != FILE
                                  else DEFAULT_EXAMPLE, check=self._fits)
        return self._csv

    def _fits(self, series: Series) -> None:
        """A series must cut into windows of this n_E with both parts left: else CSVError."""
        series_task(series, self._fit_len or self.seq_len)

    def data_digest(self) -> str:
        """What the cache keys a run's data on: the series' digest for "csv", else ''."""
        return self.csv.series.digest if self.uses_own_series else ""

    def task_data(self) -> TaskData | None:
        """The own-data task's data at this n_E; None for the built-in tasks."""
        return series_task(self.csv.series, self.seq_len) if self.uses_own_series else None

    def pick_series(self, what: str, value, suggested_len: bool = False) -> None:
        """The learner's pick: "source" (an example's key), "file" ((name, bytes)), or a
        choice ("target", "features", "missing", "group"). A pick that cannot be used raises
        ``CSVError`` with its sentence and changes nothing; one that can is the model's data
        at once when the task is "csv". With ``suggested_len``, an example brings the n_E
        that suits it (a day of hours, a year of months), as a task brings its defaults."""
        source = self.csv
        if what == "source":
            if value == FILE:
                return  # the upload brings the file
            n_e = BUNDLED[value].seq_len if suggested_len and value in BUNDLED else None
            self._fit_len = n_e
            try:
                source.use_example(value)
            finally:
                self._fit_len = None
            if n_e is not None and n_e != self.seq_len:
                self._set_quietly({"seq_len": n_e})
        elif what == "file":
            name, data = value
            source.upload(data, name)
        elif what in ("target", "features", "missing", "group"):
            source.choose(**{what: value})
        else:
            raise CSVError(f"Nothing called {what!r} can be picked for a series.")
        self._set_series_quietly(source.origin)
        if self.uses_own_series:
            self._rebuild()

    def _set_series_quietly(self, origin: str) -> None:
        self._quiet_series = True
        try:
            self.series = origin
        finally:
            self._quiet_series = False
