"""The sliding-window picture: a daily series, one window X^<s> of it, and the window's target."""

from __future__ import annotations

import html

import bqplot as bq
import ipywidgets as ipw
import numpy as np

from .style import CHART_LEFT, Y_TITLE_OFFSET, swatch
from .text_alternative import FigureText, value_range

__all__ = ["SERIES_COLOR", "TARGET_COLOR", "WINDOW_COLOR", "WindowChart"]

# each at least 3:1 on white, told apart by more than colour (a thin line, a thick line, a
# diamond), and each named in words by the legend
SERIES_COLOR, WINDOW_COLOR, TARGET_COLOR = "#6b8cb5", "#111111", "#dc2626"


class WindowChart(ipw.VBox):
    """A series as a thin line, the window X^<s> over it as a thick one, its target a diamond.

    Parameters
    ----------
    quantity : str
        What the series is, for the sentence a screen reader reads: "daily minimum temperature".
    unit : str
        The values' unit, e.g. "°C".
    y_label : str
        The value axis' label.

    The box carries the class ``window-view``.

    Attributes
    ----------
    alt : FigureText -- the chart in words, read in its place (before the figure)
    figure : bqplot Figure (``window-chart``)
    legend : HTML (``window-legend``) -- what each line and mark is, in words
    series_line, window_line, target_dot : the marks as the browser receives them (read-only)
    """

    def __init__(self, *, quantity: str, unit: str, y_label: str, step: str = "day",
                 **kwargs):
        super().__init__(**kwargs)
        self.add_class("window-view")
        self._quantity, self._unit, self._step = quantity, unit, step
        self._series = np.zeros(0, dtype=np.float32)
        self._dates: tuple[str, ...] = ()
        x_scale, y_scale = bq.LinearScale(), bq.LinearScale()
        scales = {"x": x_scale, "y": y_scale}
        self._series_line = bq.Lines(scales=scales, colors=[SERIES_COLOR], stroke_width=1)
        self._window_line = bq.Lines(scales=scales, colors=[WINDOW_COLOR], stroke_width=3)
        self._target_dot = bq.Scatter(scales=scales, colors=[TARGET_COLOR], marker="diamond",
                                      default_size=80)
        self._x_axis = bq.Axis(scale=x_scale, label=step, tick_format="d")
        self._y_axis = bq.Axis(scale=y_scale, label=y_label, side="left",
                               label_offset=Y_TITLE_OFFSET)
        axes = [self._x_axis, self._y_axis]
        self.figure = bq.Figure(display_toolbar=False,
                                marks=[self._series_line, self._window_line, self._target_dot],
                                axes=axes,
                                fig_margin=dict(top=10, bottom=40, left=CHART_LEFT, right=10),
                                layout=ipw.Layout(width="100%", height="240px"))
        self.figure.add_class("window-chart")
        self.alt = FigureText()
        self.legend = ipw.HTML()
        self.legend.add_class("window-legend")
        self.children = [self.alt, self.figure, self.legend]

    @property
    def series_line(self) -> bq.Lines:
        return self._series_line

    @property
    def window_line(self) -> bq.Lines:
        return self._window_line

    @property
    def target_dot(self) -> bq.Scatter:
        return self._target_dot

    def describe(self, *, quantity: str, unit: str, y_label: str, step: str) -> None:
        """Another series: what it is, its unit, its axis, and what one step of it is ("day",
        or "row" for a table's rows); plain text."""
        self._quantity, self._unit, self._step = quantity, unit, step
        self._y_axis.label = y_label

    def show_series(self, series: np.ndarray, dates: tuple[str, ...]) -> None:
        """Draw the whole series, one value a step from ``dates[0]``; call ``show_window``
        next."""
        self._series, self._dates = np.asarray(series, dtype=np.float32), tuple(dates)
        self._x_axis.label = f"{self._step} (0 = {dates[0]})"
        with self._series_line.hold_sync():
            self._series_line.x = np.arange(len(series), dtype=np.float32)
            self._series_line.y = self._series

    def show_window(self, start: int, length: int) -> None:
        """Draw window X^<start> (days start .. start + length - 1) and its target, the next day,
        and say them in words."""
        s, n_e, series, dates = start, length, self._series, self._dates
        days = np.arange(s, s + n_e + 1, dtype=np.float32)
        with self._window_line.hold_sync():
            self._window_line.x, self._window_line.y = days[:-1], series[s : s + n_e]
        with self._target_dot.hold_sync():
            self._target_dot.x, self._target_dot.y = days[-1:], series[s + n_e :][:1]
        last, target = s + n_e - 1, float(series[s + n_e])
        unit = f" {self._unit}" if self._unit else ""  # none for a column of a table
        step = self._step
        span = f"{step}s {s} to {last} ({dates[s]} to {dates[last]})" if n_e > 1 else (
            f"{step} {s} ({dates[s]})")
        self.alt.text = (
            f"Line chart of the {self._quantity}, {step} 0 ({dates[0]}) to {step} "
            f"{len(series) - 1} ({dates[len(series) - 1]}), {value_range(series, 1)}{unit}. "
            f"The window X<{s}> (sequence s = {s}) covers {span}, n_E = {n_e}, "
            f"{value_range(series[s : s + n_e], 1)}{unit}. Its target, {step} {s + n_e} "
            f"({dates[s + n_e]}), is {target:.1f}{unit}.")
        self.legend.value = (
            f"<p class='hint'>{swatch(SERIES_COLOR)} Thin blue line: all {len(series)} {step}s "
            f"of the series. {swatch(WINDOW_COLOR)} Thick black line: the window "
            f"X<sup>&lt;{s}&gt;</sup>, {html.escape(span)}. {swatch(TARGET_COLOR)} Red "
            f"diamond: its target, {step} {s + n_e}, {target:.1f}{html.escape(unit)}.</p>")
