"""Every unit's state over all steps, unit j in bold, and the step's cursor they share."""

from __future__ import annotations

import html

import bqplot as bq
import ipywidgets as ipw
import numpy as np

from .colors import encode_png, nice_bound
from .png_mark import set_png
from .raster import line_coverage
from .style import CHART_LEFT, Y_TITLE_OFFSET
from .text_alternative import FigureText, plural, value_range

__all__ = ["StateChart", "StepCursor", "states_text"]


class StepCursor:
    """The dashed line at step e, in every chart that shares it, moved by one message.

    The line sits at x = 0 on a scale of its own, whose domain [-e, n_E - e] puts 0 at step
    e; the charts share that scale, so a step is one scale update however many charts show it.
    """

    def __init__(self):
        self.scale = bq.LinearScale(min=-1.0, max=0.0, allow_padding=False)

    @property
    def step(self) -> int:
        return round(-self.scale.min)

    def move(self, step: int, last: float) -> None:
        """Put the line at step e on a chart whose x axis runs 0..``last``."""
        if (self.scale.min, self.scale.max) != (-step, last - step):
            with self.scale.hold_sync():
                self.scale.min, self.scale.max = float(-step), float(last - step)


def states_text(name: str, series: np.ndarray, unit: int | None, units: str = "H",
                step: str = "e") -> str:
    """The chart in one sentence: how many units over which steps, their range and unit j's.

    ``series`` is (H, n_E + 1), the lines drawn; ``units`` names their count ("H_out" for a
    projected h); ``step`` names the steps (k for a backward direction). No step: the text
    stays put while it moves.
    """
    hidden, points = series.shape
    bold = ("no line is bold: unit j is past these units" if unit is None else
            f"unit j = {unit} is the bold line, {value_range(series[unit])}")
    return (f"Line chart of {name} over the steps {step} = 0 to n_E = {points - 1}: {units} = "
            f"{plural(hidden, 'line')}, one a unit, values {value_range(series)}; {bold}; a "
            f"dashed line marks the step {step}.")


class StateChart(ipw.VBox):
    """Every unit's h (or c) over all steps e = 0..n_E, unit j in bold, a cursor at step e.

    Parameters
    ----------
    name : str
        The state's symbol, e.g. "h_e".
    bound : float, optional
        A fixed symmetric y range ±bound (h = o·tanh(c) lies in (-1, 1)); without it, the
        range is a round number over the data (``nice_bound``), so it rarely moves.
    cursor : StepCursor, optional
        The step's dashed line; charts given the same one move together in one message.

    The x scale moves only when n_E does: a new H or seed redraws the lines alone. Past
    ``RASTER_ABOVE`` units the thin lines are drawn as one picture (how many lines cross each
    pixel), which the browser draws in a few milliseconds where hundreds of SVG paths of
    hundreds of points take most of a second; unit j stays a line.

    Attributes
    ----------
    figure : bq.Figure -- the chart, hidden from screen readers by the page script
    alt : FigureText -- the chart in words (``states_text``), changed with the data or unit j
    """

    RASTER_ABOVE = 32
    RASTER_SIZE = (180, 640)  # rows, columns: about the plot area's pixels
    LINE_RGB = (0x9B, 0xB7, 0xD4)
    # the raster is the lines' one colour at 256 opacities: index k is opacity k / 255
    RASTER_PALETTE = np.tile(np.uint8(LINE_RGB), (256, 1))
    RASTER_ALPHA = np.arange(256, dtype=np.uint8)

    def __init__(self, *, name: str, bound: float | None = None,
                 cursor: StepCursor | None = None, width: str = "100%", height: str = "220px",
                 **kwargs):
        super().__init__(**kwargs)
        self.add_class("lstm-chart")
        self.name = name
        self._bound = bound
        self.cursor = cursor or StepCursor()
        self._x_scale = bq.LinearScale(min=0.0, max=1.0, allow_padding=False)
        top = 1.05 * (bound or 1.0)
        self._y_scale = bq.LinearScale(min=-top, max=top, allow_padding=False)
        scales = {"x": self._x_scale, "y": self._y_scale}
        self._all = bq.Lines(scales=scales, colors=["#9bb7d4"], opacities=[0.6], stroke_width=1)
        self._raster = bq.Image(image=ipw.Image(format="png", value=encode_png(
            np.zeros((1, 1), np.uint8), self.RASTER_PALETTE, alpha=self.RASTER_ALPHA)),
            scales=scales, x=[0.0, 1.0], y=[-1.0, 1.0],
            visible=False)
        self._unit = bq.Lines(scales=scales, colors=["#c0392b"], stroke_width=2.5)
        self._cursor = bq.Lines(x=np.zeros(2, np.float32), y=np.float32([-top, top]),
                                scales={"x": self.cursor.scale, "y": self._y_scale},
                                colors=["#111"], stroke_width=1.5, line_style="dashed")
        axes = [bq.Axis(scale=self._x_scale, label="step e", tick_format="d"),
                bq.Axis(scale=self._y_scale, label=name, side="left",
                        tick_format=".2f", label_offset=Y_TITLE_OFFSET)]
        self.figure = bq.Figure(display_toolbar=False,
                                marks=[self._raster, self._all, self._unit, self._cursor],
                                axes=axes,
                                fig_margin=dict(top=10, bottom=40, left=CHART_LEFT, right=10),
                                layout=ipw.Layout(width=width, height=height))
        self._title = ipw.HTML()
        self._title.add_class("chart-title")
        self.alt = FigureText()  # what a screen reader reads in the figure's place
        self.children = [self._title, self.alt, self.figure]
        self._series = np.zeros((1, 1), np.float32)
        self._shown_unit: int | None = -1  # -1: nothing sent yet
        self._units, self._step_name = "H", "e"

    @property
    def series(self) -> np.ndarray:
        """(H, n_E + 1) values on screen: one row a unit."""
        return self._series

    @property
    def rastered(self) -> bool:
        """Whether the thin lines are one picture (many units) rather than SVG paths."""
        return bool(self._raster.visible)

    def set_x_label(self, label: str, step: str = "e") -> None:
        """Name the x axis ("step e") and the steps in the text alternative: a backward
        direction's step k reads e = n_E + 1 - k."""
        self._step_name = step
        axis = self.figure.axes[0]
        if axis.label != label:
            axis.label = label

    @property
    def cursor_step(self) -> int:
        return self.cursor.step

    def show(self, series: np.ndarray, unit: int | None, step: int, units: str = "H") -> None:
        """``series`` is (n_E + 1, H): the state at e = 0..n_E, for one sequence.

        ``unit`` None: no bold line (a projected h has fewer units than the cell's j).
        """
        self._units = units
        self._series = np.ascontiguousarray(series.T, dtype=np.float32)  # (H, n_E + 1)
        self._shown_unit = -1  # new data: the bold line must be resent
        steps = np.arange(self._series.shape[1], dtype=np.float32)
        last = float(max(1, len(steps) - 1))
        if self._x_scale.max != last:
            with self._x_scale.hold_sync():
                self._x_scale.min, self._x_scale.max = 0.0, last
        top = 1.05 * (self._bound or nice_bound(self._series))
        if self._y_scale.max != top:
            with self._y_scale.hold_sync():
                self._y_scale.min, self._y_scale.max = -top, top
            self._cursor.y = np.float32([-top, top])
        if len(self._series) > self.RASTER_ABOVE:
            cover = line_coverage(self._series, top, self.RASTER_SIZE[1], self.RASTER_SIZE[0])
            # each line at 45% opacity, as stacked translucent strokes would be
            opacity = np.rint(255 * (1 - 0.55 ** cover.astype(np.float32))).astype(np.uint8)
            with self._raster.hold_sync():
                set_png(self._raster, encode_png(opacity, self.RASTER_PALETTE,
                                                 alpha=self.RASTER_ALPHA))
                self._raster.x, self._raster.y = [0.0, last], [-top, top]
                self._raster.visible = True
            if self._all.visible:
                with self._all.hold_sync():  # no hidden paths left in the page
                    self._all.x, self._all.y = steps[:2], self._series[:1, :2]
                    self._all.visible = False
        else:
            with self._all.hold_sync():
                self._all.x, self._all.y = steps, self._series
                self._all.visible = True
            self._raster.visible = False
        self.point(unit, step)

    def point(self, unit: int | None, step: int) -> None:
        """Move the cursor to step e and put unit j in bold, without resending the other lines.

        The bold line and the text alternative are resent only when the unit changes: a step
        moves the cursor alone (one message for all the charts sharing it). ``unit`` None (or
        past the chart's units): no bold line.
        """
        if unit is not None and unit >= len(self._series):
            unit = None
        if unit != self._shown_unit:
            steps = np.arange(self._series.shape[1], dtype=np.float32)
            with self._unit.hold_sync():
                if unit is not None:
                    self._unit.x, self._unit.y = steps, self._series[unit]
                self._unit.visible = unit is not None
            self._shown_unit = unit
            self.alt.text = states_text(self.name, self._series, unit, self._units,
                                        self._step_name)
        self.cursor.move(step, self._x_scale.max)
        # the step is the dashed line: the title changes with the unit only
        bold = f"unit {unit} in red" if unit is not None else "unit j is past these units"
        self._title.value = (f"<b>{html.escape(self.name)}</b> of every unit over the steps "
                             f"({bold}; dashed line: the step {self._step_name})")
