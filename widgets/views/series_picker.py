"""Where the learner's series comes from and which of its columns: an example that ships offline
or a CSV file of theirs, the target, extra inputs, the missing values' handling, the group.

The picker is a view: it shows a table's columns and a choice (``show``) and reports what the
learner picked through ``on_pick``; whoever owns the state reads the file and says no with a
sentence. Its controls trust the browser no more than the sliders do: a forced index, a file
over the cap or several files are refused, and the picker shows again what is in use.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from pathlib import Path

import ipywidgets as ipw

from ..maths.series_csv import MAX_BYTES
from .controls import GuardedDropdown, _Guarded

__all__ = ["FILE", "UPLOAD_SCRIPT", "GuardedDropdown", "GuardedFileUpload",
           "GuardedSelectMultiple", "SeriesPicker"]

FILE = "file"  # the source "a CSV file of yours", beside the examples' keys
MISSING = (("fill in (interpolate)", "interpolate"), ("drop those rows", "drop"))
# the page's guard: a file over the cap is stopped before it is sent (``upload_guard.js``)
UPLOAD_SCRIPT = (Path(__file__).with_name("upload_guard.js").read_text(encoding="utf-8")
                 .replace("__MAX_BYTES__", str(MAX_BYTES)))


class GuardedSelectMultiple(_Guarded, ipw.SelectMultiple):
    """A ``SelectMultiple`` whose browser side may only pick distinct options by index."""

    _synced_key = "index"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._guard_init()

    def _check_synced(self, name: str, value) -> str | None:
        n = len(self.options)
        if (not isinstance(value, list | tuple) or len(set(map(repr, value))) != len(value)
                or not all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < n
                           for i in value)):
            return f"{name}: choose among the {n} options; {str(value)[:80]!r} was refused."
        return None


class GuardedFileUpload(_Guarded, ipw.FileUpload):
    """A ``FileUpload`` that takes one file of at most ``MAX_BYTES`` from the browser.

    The page stops a bigger one before sending it (``UPLOAD_SCRIPT``); one forced past that is
    refused here, whole, with a sentence, and the kernel goes on.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._guard_init()

    def _check_synced(self, name: str, value) -> str | None:
        if not isinstance(value, list | tuple) or len(value) > 1:
            return f"{name}: upload one file at a time; the upload was refused."
        for entry in value:
            content = entry.get("content") if isinstance(entry, dict) else None
            if (not isinstance(content, bytes | bytearray | memoryview)
                    or not isinstance(entry.get("name"), str)
                    or not isinstance(entry.get("last_modified"), int | float)
                    or isinstance(entry.get("last_modified"), bool)
                    or not {"type", "size"} <= set(entry)):
                return f"{name}: the page sent an upload without its file; it was refused."
            if len(content) > MAX_BYTES:
                return (f"{name}: the file is {len(content) / 2**20:.1f} MB; the limit is "
                        f"{MAX_BYTES / 2**20:.0f} MB. Cut it to the rows you need and upload "
                        "it again.")
        return None


class SeriesPicker(ipw.VBox):
    """The series' source and its columns, built once; ``show`` fills them in place.

    Parameters
    ----------
    examples : sequence of (key, label)
        The examples that ship offline, offered before "a CSV file of yours".

    Attributes
    ----------
    source : GuardedDropdown -- ``ctl-series``: an example's key or ``FILE``
    upload : GuardedFileUpload -- ``csv-upload``: shown while the source is ``FILE``
    upload_status : ipw.HTML -- ``csv-upload-status``, an alert: what the page refused
    target, features, missing, group -- the choice's controls (``ctl-target`` ...)
    summary : ipw.HTML -- what the reader made of the table, escaped
    """

    def __init__(self, examples: Sequence[tuple[str, str]], **kwargs):
        super().__init__(**kwargs)
        self.add_class("series-picker")
        wide = {"description_width": "90px"}
        self.source = GuardedDropdown(options=[*((label, key) for key, label in examples),
                                               ("a CSV file of yours", FILE)],
                                      description="series", style=wide,
                                      layout=ipw.Layout(width="520px"))
        self.upload = GuardedFileUpload(accept=".csv,.tsv,.txt,text/csv,text/plain",
                                        multiple=False, description="Upload a CSV file",
                                        tooltip="Upload a CSV file (at most "
                                                f"{MAX_BYTES // 2**20} MB): it stays in "
                                                "this page's kernel",
                                        layout=ipw.Layout(width="260px"))
        self.upload_status = ipw.HTML()
        self.target = GuardedDropdown(options=[("", "")], description="target", style=wide,
                                      tooltip="target: the column the model predicts")
        self.features = GuardedSelectMultiple(options=[], rows=4, description="extra inputs",
                                              style=wide, tooltip="extra inputs: more "
                                              "columns the model reads at every step (n_X)")
        self.missing = GuardedDropdown(options=list(MISSING), description="missing",
                                       style=wide, tooltip="missing values: fill them in "
                                       "by interpolation, or drop their rows")
        self.group = GuardedDropdown(options=[("", "")], description="series of", style=wide,
                                     tooltip="which series of the table: one value of its "
                                     "text column")
        for name, control in (("series", self.source), ("target", self.target),
                              ("features", self.features), ("missing", self.missing),
                              ("group", self.group)):
            control.add_class(f"ctl-{name}")
        self.upload.add_class("csv-upload")
        self.upload_status.add_class("csv-upload-status")
        self.upload_status.add_class("live-alert")
        self.summary = ipw.HTML()
        self.summary.add_class("csv-summary")
        self._picked: Callable[[str, object], None] | None = None
        self._showing = False
        for name, control in (("source", self.source), ("target", self.target),
                              ("features", self.features), ("missing", self.missing),
                              ("group", self.group)):
            control.observe(lambda change, name=name: self._changed(name, change["new"]),
                            names="value")
        self.upload.observe(self._uploaded, names="value")
        self.children = [self.source, self.upload, self.upload_status, self.target,
                         self.features, self.missing, self.group, self.summary]

    def on_pick(self, callback: Callable[[str, object], None]) -> None:
        """``callback(what, value)`` when the learner picks: ``what`` is "source", "target",
        "features", "missing", "group", or "file" with ``(name, bytes)``."""
        self._picked = callback

    def controls(self) -> list[ipw.DOMWidget]:
        """The picker's controls, e.g. to lock them while a model trains."""
        return [self.source, self.upload, self.target, self.features, self.missing,
                self.group]

    def show(self, source: str, columns: Sequence[str], groups: Sequence[str], *,
             target: str, features: Sequence[str], missing: str, group: str | None,
             summary: str) -> None:
        """The table's numeric ``columns`` (and ``groups``, if it has several series) and the
        choice in use; ``summary`` is HTML the caller escaped. Nothing is reported back."""
        self._showing = True
        try:
            self.source.value = source
            self.upload.layout.display = None if source == FILE else "none"
            self.target.options = [(c, c) for c in columns]
            self.target.value = target
            self.features.options = [(c, c) for c in columns if c != target]
            self.features.value = tuple(f for f in features if f != target)
            # no other numeric column: nothing to add
            self.features.layout.display = None if len(columns) > 1 else "none"
            self.missing.value = missing
            self.group.options = [(g, g) for g in groups] or [("", "")]
            self.group.value = group if groups else ""
            self.group.layout.display = None if groups else "none"
            self.summary.value = summary
        finally:
            self._showing = False

    def refuse(self, sentence: str) -> None:
        """Say, under the upload, why the page could not take what was picked (plain text)."""
        self.upload_status.value = (f"<p class='hint'>{html.escape(sentence)}</p>" if sentence
                                    else "")

    def _changed(self, what: str, value) -> None:
        if self._showing or self._picked is None:
            return
        self._picked(what, tuple(value) if what == "features" else value)

    def _uploaded(self, change) -> None:
        files = change["new"]
        if self._showing or not files or self._picked is None:
            return
        entry = files[0]
        try:
            self._picked("file", (str(entry.get("name", "")), bytes(entry["content"])))
        finally:  # the bytes are the state's now (or refused); the same file may come again
            self._showing = True
            try:
                self.upload.value = ()
            finally:
                self._showing = False
