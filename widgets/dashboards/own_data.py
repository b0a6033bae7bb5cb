"""The learner's own series on a page: the picker (an example or an upload, and its columns)
wired to a model that mixes in ``OwnSeries``, with every refusal said in the banner.

A refused file or pick changes nothing the learner had: the model keeps its series, its
settings and its trained run, and the picker shows again what is in use.
"""

from __future__ import annotations

import html

import ipywidgets as ipw

from ..maths.series_csv import BUNDLED, CSVError
from ..state.csv_source import FILE, CSVSource
from ..views.controls import MessageBanner
from ..views.series_picker import SeriesPicker

__all__ = ["OwnDataPanel", "series_summary"]

PRIVACY = ("Your file stays in this page's kernel: nothing is written to disk under its name, "
           "and a trained model is cached under a hash of its contents, never shared with a "
           "different file.")


def series_summary(source: CSVSource) -> str:
    """What the reader made of the table and the series chosen, as escaped HTML."""
    p, s = source.parsed, source.series
    rows = len(s.values)
    missing = ("no missing values" if not s.missing else
               f"{s.missing} missing value{'s' if s.missing != 1 else ''} "
               + ("filled in by interpolation" if s.policy == "interpolate"
                  else "dropped with their rows"))
    inputs = ", ".join(s.channels)
    example = BUNDLED.get(source.origin)
    lines = [*([html.escape(example.description)] if example else []),
             f"<b>{html.escape(p.name)}</b>: {rows} rows in time order; n_X = "
             f"{len(s.channels)} ({html.escape(inputs)}); the target is "
             f"<b>{html.escape(s.target)}</b>; {missing}.",
             *(html.escape(note) for note in (*p.notes, *s.notes))]
    if source.is_file:
        lines.append(html.escape(PRIVACY))
    return "<p class='hint'>" + "<br>".join(lines) + "</p>"


class OwnDataPanel(ipw.VBox):
    """The series picker of ``model`` (an ``OwnSeries``), shown while it uses the series.

    ``picker`` is the view; ``refresh()`` shows the model's series in it again.
    """

    def __init__(self, model, banner: MessageBanner, **kwargs):
        super().__init__(**kwargs)
        self.add_class("own-data")
        self.model, self.banner = model, banner
        self.picker = SeriesPicker([(key, f"an example: {example.file}")
                                    for key, example in BUNDLED.items()])
        for control in self.picker.controls():
            control.on_reject(self._rejected)
        self.picker.on_pick(self._picked)
        self._wants_file = False  # "a CSV file of yours" picked, no file yet
        self.children = [
            ipw.HTML("<p class='hint'>Your own series: one of the examples that ship with the "
                     "page, or a CSV file of yours (a date or time column, if it has one, puts "
                     "the rows in order). Windows of n_E rows predict the next row's target; "
                     "the last fifth of the rows validates.</p>"),
            self.picker]
        self.refresh()

    def refresh(self) -> None:
        """Show the model's series, or hide the picker while the task is another."""
        m = self.model
        self.layout.display = None if m.uses_own_series else "none"
        if not m.uses_own_series:
            return
        source = m.csv
        p, choice = source.parsed, source.choice
        self.picker.show(FILE if (source.is_file or self._wants_file) else source.origin,
                         p.numeric, p.groups, target=choice.target, features=choice.features,
                         missing=choice.missing, group=choice.group,
                         summary=series_summary(source))

    def lock(self, locked: bool) -> None:
        """No picks while a model trains on the series."""
        for control in self.picker.controls():
            control.disabled = locked

    def _picked(self, what: str, value) -> None:
        if what == "source":
            self._wants_file = value == FILE
        try:
            self.model.pick_series(what, value, suggested_len=True)
        except CSVError as err:
            self._refused(str(err), what)
        except Exception as err:  # a bug, not the file: say so, keep the page
            self._refused(f"Could not use that ({type(err).__name__}: {err}); the series in "
                          "use stays.", what)
        else:
            if what == "file":
                self._wants_file = False
                self.picker.refuse("")
            self.banner.clear()
        self.refresh()

    def _refused(self, sentence: str, what: str) -> None:
        self.banner.show(sentence, level="error")
        if what == "file":
            self.picker.refuse(sentence)

    def _rejected(self, _control, message: str) -> None:
        self.banner.show(message)
        self.refresh()
