"""The comparison's charts: one line per cell, told apart by name, marker and dash as well as
colour, built once and updated in place (each line one message).

- ``CellCurvesChart``: each cell's validation error per epoch, log scale, beside the flat
  yardsticks and the level that counts as solved.
- ``CellStepsChart``: a quantity over the steps e for each cell, trained (solid, marked) and
  before training (dashed, thin): the state's gradient ||dŷ/ds_e||, or |dŷ/dx_e|.

Each says what it draws in words too (``alt``, read in the figure's place).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import bqplot as bq
import ipywidgets as ipw
import numpy as np

from .style import CHART_LEFT, Y_TITLE_OFFSET
from .text_alternative import FigureText

__all__ = ["CELL_STYLE", "CellCurvesChart", "CellStepsChart", "log_bounds"]

# per cell: its colour (3:1 on white at least), marker and name; the order the lines are drawn
CELL_STYLE = {
    "lstm": ("#1f6fb4", "circle", "LSTM"),
    "gru": ("#15803d", "square", "GRU"),
    "rnn": ("#b91c1c", "triangle-up", "plain RNN"),
}
LEVEL_COLOR = "#555555"


def log_bounds(values: np.ndarray, floor: float = 1e-12) -> tuple[float, float]:
    """Powers of ten round the positive finite ``values`` (a log axis's range)."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v) & (v > floor)]
    if not len(v):
        return 0.01, 1.0
    low, high = 10 ** np.floor(np.log10(v.min())), 10 ** np.ceil(np.log10(v.max()))
    return float(low), float(high if high > low else low * 10)


def _line(scales: dict, cell: str, **style) -> bq.Lines:
    color, marker, name = CELL_STYLE[cell]
    return bq.Lines(x=[1.0], y=[1.0], scales=scales, colors=[color], marker=marker,
                    labels=[name], display_legend=True, visible=False, **style)


def _set(line: bq.Lines, x: np.ndarray, y: np.ndarray) -> None:
    with line.hold_sync():
        if len(y):
            line.x, line.y = x, y
        line.visible = bool(len(y))


class CellCurvesChart(ipw.VBox):
    """Each cell's validation error per epoch (log scale), the yardsticks and the solve level.

    Attributes
    ----------
    figure : bq.Figure; alt : FigureText -- each curve's epochs, last value, and where it solved
    curves : dict -- cell -> its curve as drawn (float32, empty before its first epoch)
    """

    def __init__(self, cells: Sequence[str], **kwargs):
        super().__init__(**kwargs)
        self.add_class("cell-curves-chart")
        self._x = bq.LinearScale(min=1.0, max=2.0, allow_padding=False)
        self._y = bq.LogScale(min=0.01, max=1.0)
        scales = {"x": self._x, "y": self._y}
        self._lines = {cell: _line(scales, cell, stroke_width=2.5, marker_size=14)
                       for cell in cells}
        self._levels = bq.Lines(x=[1.0], y=[1.0], scales=scales, colors=[LEVEL_COLOR],
                                line_style="dashed", stroke_width=1.5)
        # each level's name above its line (bqplot centres a label's text on its y)
        self._names = bq.Label(x=[1.0], y=[1.0], text=[""], scales=scales, colors=["#333"],
                               default_size=12, align="end", y_offset=-11, apply_clip=False)
        self._y_axis = bq.Axis(scale=self._y, side="left", label="error", tick_format=".3~g",
                               label_offset=Y_TITLE_OFFSET, grid_lines="dashed")
        self.figure = bq.Figure(
            display_toolbar=False, marks=[self._levels, self._names, *self._lines.values()],
            axes=[bq.Axis(scale=self._x, label="epoch", tick_format="d"), self._y_axis],
            fig_margin=dict(top=16, bottom=40, left=CHART_LEFT, right=16),
            legend_location="bottom-left", layout=ipw.Layout(width="100%", height="300px"))
        self._title = ipw.HTML()
        self._title.add_class("chart-title")
        self.alt = FigureText("Line chart of each cell's validation error per epoch: nothing "
                              "trained yet.")
        self.children = [self._title, self.alt, self.figure]

    @property
    def curves(self) -> dict[str, np.ndarray]:
        return {cell: np.asarray(line.y, np.float32) if line.visible else np.zeros(0, np.float32)
                for cell, line in self._lines.items()}

    def show(self, valid: dict[str, Sequence[float]], epochs: int, levels: dict[str, float],
             metric: str, solved: dict[str, int | None]) -> None:
        """Draw each cell's curve so far against ``epochs``; ``levels`` are the flat lines
        (the yardsticks and the solve level), ``solved`` each cell's solving epoch."""
        every = np.concatenate([np.float32(v) for v in valid.values()]
                               + [np.float32(list(levels.values()))])
        low, high = log_bounds(every)
        if (self._y.min, self._y.max) != (low, high):
            with self._y.hold_sync():
                self._y.min, self._y.max = low, high
        if self._x.max != max(epochs, 2):
            with self._x.hold_sync():
                self._x.min, self._x.max = 1.0, float(max(epochs, 2))
        self._y_axis.label = metric
        for cell, line in self._lines.items():
            y = np.float32(valid.get(cell, ()))
            _set(line, np.arange(1, len(y) + 1, dtype=np.float32), y)
        names = list(levels)
        top = float(max(epochs, 2))
        with self._levels.hold_sync():
            self._levels.x = np.tile(np.float32([1.0, top]), (len(names), 1))
            self._levels.y = np.repeat(np.float32([levels[n] for n in names])[:, None], 2, 1)
        with self._names.hold_sync():
            self._names.x = np.full(len(names), top, np.float32)
            self._names.y = np.float32([levels[n] for n in names])
            self._names.text = [f"{n}: {levels[n]:.3g}" for n in names]
        self._title.value = (f"<b>Validation {html.escape(metric)}</b> per epoch of each cell, "
                             "trained one after another on the same sequences; dashed: the "
                             "yardsticks and the level that counts as solved")
        self.alt.text = curves_words(valid, epochs, levels, metric, solved)


def curves_words(valid: dict[str, Sequence[float]], epochs: int, levels: dict[str, float],
                 metric: str, solved: dict[str, int | None]) -> str:
    parts = []
    for cell, values in valid.items():
        name = CELL_STYLE[cell][2]
        if not len(values):
            parts.append(f"{name}: not trained yet")
            continue
        where = (f", solved at epoch {solved[cell]}" if solved.get(cell) is not None
                 else ", not solved")
        parts.append(f"{name}: {len(values)} epochs, from {values[0]:.3g} to "
                     f"{values[-1]:.3g}{where}")
    flat = ", ".join(f"{n} {v:.3g}" for n, v in levels.items())
    return (f"Line chart of validation {metric} per epoch for each cell, log scale, over up "
            f"to {epochs} epochs: {'; '.join(parts)}. Dashed flat lines: {flat}.")


class CellStepsChart(ipw.VBox):
    """A quantity over the steps e for each cell: trained (solid, marked), initial (dashed).

    Attributes
    ----------
    figure : bq.Figure; alt : FigureText -- per line, its value at the first and last step
    lines : dict -- (cell, phase) -> the values drawn (float64 as given)
    """

    def __init__(self, cells: Sequence[str], y_label: str, log: bool = True,
                 legend_location: str = "top-right", **kwargs):
        super().__init__(**kwargs)
        self.add_class("cell-steps-chart")
        self._x = bq.LinearScale(min=1.0, max=2.0, allow_padding=False)
        self._y = bq.LogScale(min=1e-4, max=1.0) if log else bq.LinearScale(min=0.0, max=1.0)
        self._log = log
        scales = {"x": self._x, "y": self._y}
        self._lines = {}
        for cell in cells:
            self._lines[(cell, "trained")] = _line(scales, cell, stroke_width=2.5,
                                                   marker_size=10)
            initial = _line(scales, cell, stroke_width=1.2, line_style="dashed",
                            marker_size=0)
            initial.labels = [f"{CELL_STYLE[cell][2]}, before training"]
            initial.marker = None
            self._lines[(cell, "initial")] = initial
        self._drawn: dict[tuple[str, str], np.ndarray] = {}
        self._y_label = y_label
        self.figure = bq.Figure(
            display_toolbar=False, marks=list(self._lines.values()),
            axes=[bq.Axis(scale=self._x, label="step e", tick_format="d"),
                  bq.Axis(scale=self._y, side="left", label=y_label,
                          tick_format=".0e" if log else ".2~g",
                          label_offset=Y_TITLE_OFFSET, grid_lines="dashed")],
            fig_margin=dict(top=16, bottom=40, left=CHART_LEFT, right=16),
            legend_location=legend_location, layout=ipw.Layout(width="100%", height="300px"))
        self._title = ipw.HTML()
        self._title.add_class("chart-title")
        self.alt = FigureText(steps_words({}, y_label, log))
        self.children = [self._title, self.alt, self.figure]

    @property
    def lines(self) -> dict[tuple[str, str], np.ndarray]:
        return dict(self._drawn)

    def show(self, values: dict[tuple[str, str], np.ndarray], *, title: str) -> None:
        """Draw ``values[(cell, phase)]``, each (n_E,) over the steps e = 1..n_E; a line not
        given is hidden. ``title`` is HTML the caller built (escaped)."""
        self._drawn = {k: np.asarray(v, np.float64) for k, v in values.items()}
        n_e = max((len(v) for v in self._drawn.values()), default=2)
        every = np.concatenate(list(self._drawn.values())) if self._drawn else np.ones(1)
        low, high = (log_bounds(every, floor=1e-30) if self._log
                     else (0.0, float(max(every.max(), 1e-9) * 1.05)))
        with self._y.hold_sync():
            self._y.min, self._y.max = low, high
        with self._x.hold_sync():
            self._x.min, self._x.max = 1.0, float(max(n_e, 2))
        for key, line in self._lines.items():
            y = self._drawn.get(key, np.zeros(0))
            if self._log:
                y = np.maximum(y, low)  # an exact zero sits on the axis, not off the chart
            _set(line, np.arange(1, len(y) + 1, dtype=np.float32), np.float32(y))
        self._title.value = title
        self.alt.text = steps_words(self._drawn, self._y_label, self._log)


def steps_words(values: dict[tuple[str, str], np.ndarray], y_label: str, log: bool) -> str:
    if not values:
        return f"Line chart of {y_label} over the steps e for each cell: nothing trained yet."
    parts = []
    for (cell, phase), v in values.items():
        name = CELL_STYLE[cell][2] + (" before training" if phase == "initial" else "")
        parts.append(f"{name} from {v[0]:.2g} at step 1 to {v[-1]:.2g} at step {len(v)}")
    scale = "log scale" if log else "linear scale"
    return f"Line chart of {y_label} over the steps e, {scale}: {'; '.join(parts)}."
