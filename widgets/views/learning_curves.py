"""How a training run is going: the loss curves beside the yardsticks, and its predictions.

Both charts are built once; a new look at the run changes their lines' data, each line as
one message. Each says what it draws in words too (``alt``, read in the figure's place).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import bqplot as bq
import ipywidgets as ipw
import numpy as np

from .markup import as_html
from .style import CHART_LEFT, Y_TITLE_OFFSET
from .text_alternative import FigureText, plain, value_range

__all__ = ["CurvesChart", "PredictionsChart"]

TRAIN_COLOR, VALID_COLOR, YARDSTICK_COLOR = "#1f6fb4", "#c2410c", "#555555"
TRUTH_COLOR, PREDICTION_COLOR = "#111111", "#c2410c"


class CurvesChart(ipw.VBox):
    """The training and validation error per epoch, on a log scale, with flat yardsticks.

    The x axis runs over all the run's epochs from the start, so the curves grow into it.
    Each line carries its name at its end, so nothing is told by colour alone.

    Attributes
    ----------
    figure : bq.Figure -- the chart, hidden from screen readers by the page script
    alt : FigureText -- the chart in words: each curve's first, last and lowest value, and
        the yardsticks
    train_curve, valid_curve : np.ndarray -- the curves as drawn (read-only)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add_class("curves-chart")
        self._x = bq.LinearScale(min=0.0, max=1.0, allow_padding=False)
        self._y = bq.LogScale(min=0.01, max=1.0)
        scales = {"x": self._x, "y": self._y}
        self._train = bq.Lines(x=[0.0], y=[1.0], scales=scales, colors=[TRAIN_COLOR],
                               stroke_width=2, marker="circle", marker_size=12,
                               labels=["training"], display_legend=True)
        self._valid = bq.Lines(x=[0.0], y=[1.0], scales=scales, colors=[VALID_COLOR],
                               stroke_width=2.5, marker="square", marker_size=12,
                               labels=["validation"], display_legend=True)
        self._yardsticks = bq.Lines(x=[0.0], y=[1.0], scales=scales, colors=[YARDSTICK_COLOR],
                                    line_style="dashed", stroke_width=1.5)
        # each name above its dashed line (bqplot centres a label's text on its y), not on it
        self._names = bq.Label(x=[0.0], y=[1.0], text=[""], scales=scales, colors=["#333"],
                               default_size=12, align="end", y_offset=-11, apply_clip=False)
        self._y_axis = bq.Axis(scale=self._y, side="left", label="error", tick_format=".3~g",
                               label_offset=Y_TITLE_OFFSET,
                               grid_lines="dashed")
        self.figure = bq.Figure(display_toolbar=False,
            marks=[self._yardsticks, self._names, self._train, self._valid],
            axes=[bq.Axis(scale=self._x, label="epoch", tick_format="d"), self._y_axis],
            fig_margin=dict(top=16, bottom=40, left=CHART_LEFT, right=16),
            legend_location="bottom-left",  # the curves start high and fall to the right
            layout=ipw.Layout(width="100%", height="300px"))
        self._title = ipw.HTML()
        self._title.add_class("chart-title")
        self.alt = FigureText()  # what a screen reader reads in the figure's place
        self.children = [self._title, self.alt, self.figure]

    @property
    def train_curve(self) -> np.ndarray:
        """The training curve drawn, one float32 value an epoch (empty before the first)."""
        return _drawn(self._train)

    @property
    def valid_curve(self) -> np.ndarray:
        """The validation curve drawn, one float32 value an epoch (empty before the first)."""
        return _drawn(self._valid)

    def show(self, train: Sequence[float], valid: Sequence[float], epochs: int,
             yardsticks: dict[str, float], metric: str) -> None:
        """Draw the curves so far (one value an epoch) against ``epochs`` on the x axis."""
        self.alt.text = curves_text(train, valid, epochs, yardsticks, metric)
        train, valid = np.float32(train), np.float32(valid)
        every = np.concatenate([train, valid, np.float32(list(yardsticks.values()))])
        every = every[np.isfinite(every) & (every > 0)]
        low, high = (float(every.min()), float(every.max())) if len(every) else (0.01, 1.0)
        bounds = (10 ** np.floor(np.log10(low)), 10 ** np.ceil(np.log10(high)))
        if (self._y.min, self._y.max) != bounds:
            with self._y.hold_sync():
                self._y.min, self._y.max = float(bounds[0]), float(bounds[1])
        if self._x.max != epochs:
            with self._x.hold_sync():
                self._x.min, self._x.max = 1.0, float(max(epochs, 2))
        self._y_axis.label = metric
        for line, values in ((self._train, train), (self._valid, valid)):
            with line.hold_sync():
                if len(values):
                    line.x, line.y = np.arange(1, len(values) + 1, dtype=np.float32), values
                line.visible = bool(len(values))
        names = list(yardsticks)
        with self._yardsticks.hold_sync():
            self._yardsticks.x = np.tile(np.float32([1.0, max(epochs, 2)]), (len(names), 1))
            self._yardsticks.y = np.repeat(np.float32([yardsticks[n] for n in names])[:, None],
                                           2, axis=1)
        with self._names.hold_sync():
            self._names.x = np.full(len(names), max(epochs, 2), np.float32)
            self._names.y = np.float32([yardsticks[n] for n in names])
            self._names.text = [f"{n}: {yardsticks[n]:.3g}" for n in names]
        last = f"{valid[-1]:.3g}" if len(valid) else "–"
        self._title.value = (f"<b>{html.escape(metric)}</b> per epoch, on the training and "
                             f"validation sequences (validation now {last}); dashed: the "
                             "yardsticks, on the same validation sequences")


def _drawn(line: bq.Lines) -> np.ndarray:
    return np.asarray(line.y, dtype=np.float32) if line.visible else np.zeros(0, np.float32)


def curves_text(train: Sequence[float], valid: Sequence[float], epochs: int,
                yardsticks: dict[str, float], metric: str) -> str:
    """The curves in two sentences: where each starts and ends (and its lowest), the yardsticks.

    The numbers are the run's own (float64), written as the chart's labels write them (.3g).
    """

    def curve(name: str, values) -> str:
        values = np.asarray(values, dtype=np.float64)
        n = len(values)
        if n == 1:
            return f"{name} {values[0]:.3g} at epoch 1"
        text = f"{name} from {values[0]:.3g} at epoch 1 to {values[-1]:.3g} at epoch {n}"
        best = int(np.nanargmin(values)) if np.isfinite(values).any() else n - 1
        if best not in (0, n - 1):  # a minimum inside the run: where validation turned up
            text += f" (lowest {values[best]:.3g} at epoch {best + 1})"
        return text

    if len(valid):
        curves = f"{curve('training', train)}; {curve('validation', valid)}"
    else:
        curves = "no epoch trained yet"
    sticks = ", ".join(f"{name} {value:.3g}" for name, value in yardsticks.items())
    return (f"Line chart of {metric} per epoch, log scale, over the run's {epochs} epochs: "
            f"{curves}. "
            f"Dashed flat yardsticks on the validation sequences: {sticks or 'none'}.")


class PredictionsChart(ipw.VBox):
    """The model's answers against the truth on validation sequences.

    ``order`` "time" keeps the sequences as they come (the temperatures: 2015's days); "truth"
    sorts them by their target (the adding problem), so the truth is a rising line and the
    answers scatter around it. The truth is a line and the answers are crosses, so the two
    read apart without their colours; the legend and the title say which is which.

    Attributes
    ----------
    figure : bq.Figure -- the chart, hidden from screen readers by the page script
    alt : FigureText -- the chart in words: how many sequences, both ranges, the mean
        absolute error of the answers
    truth, predictions : np.ndarray -- as drawn, in the chart's order (read-only)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add_class("predictions-chart")
        self._x, self._y = bq.LinearScale(), bq.LinearScale()
        scales = {"x": self._x, "y": self._y}
        self._truth = bq.Lines(x=[0.0], y=[0.0], scales=scales, colors=[TRUTH_COLOR],
                               stroke_width=1.5, labels=["truth"], display_legend=True)
        self._prediction = bq.Scatter(x=[0.0], y=[0.0], scales=scales,
                                      colors=[PREDICTION_COLOR], default_size=14,
                                      marker="cross", labels=["LSTM's answer"],
                                      display_legend=True)
        self._x_axis = bq.Axis(scale=self._x, label="validation sequence", tick_format="d")
        self._y_axis = bq.Axis(scale=self._y, side="left", label="value", tick_format=".3~g",
                               label_offset=Y_TITLE_OFFSET)
        self.figure = bq.Figure(display_toolbar=False, marks=[self._truth, self._prediction],
                                axes=[self._x_axis, self._y_axis],
                                fig_margin=dict(top=16, bottom=40, left=CHART_LEFT, right=16),
                                legend_location="top-left",
                                layout=ipw.Layout(width="100%", height="260px"))
        self._title = ipw.HTML()
        self._title.add_class("chart-title")
        self.alt = FigureText()  # what a screen reader reads in the figure's place
        self.children = [self._title, self.alt, self.figure]

    @property
    def truth(self) -> np.ndarray:
        """The truth drawn (float32), in the chart's order along x."""
        return np.asarray(self._truth.y, dtype=np.float32)

    @property
    def predictions(self) -> np.ndarray:
        """The answers drawn (float32), in the chart's order along x."""
        return np.asarray(self._prediction.y, dtype=np.float32)

    def show(self, truth: np.ndarray, prediction: np.ndarray, *, order: str, x_label: str,
             y_label: str, title: str, model: str = "LSTM") -> None:
        """Draw ``truth`` and ``prediction`` (n_valid,), in their order or sorted by truth;
        ``title`` is plain text (escaped) or ``Markup``; ``model`` names who answers."""
        self.alt.text = predictions_text(truth, prediction, x_label=x_label, y_label=y_label,
                                         model=model)
        if self._prediction.labels != [f"{model}'s answer"]:
            self._prediction.labels = [f"{model}'s answer"]
        truth, prediction = np.float32(truth), np.float32(prediction)
        index = np.argsort(truth, kind="stable") if order == "truth" else np.arange(len(truth))
        x = np.arange(len(truth), dtype=np.float32)
        with self._truth.hold_sync():
            self._truth.x, self._truth.y = x, truth[index]
        with self._prediction.hold_sync():
            self._prediction.x, self._prediction.y = x, prediction[index]
        self._x_axis.label, self._y_axis.label = x_label, y_label
        self._title.value = as_html(title)


def predictions_text(truth: np.ndarray, prediction: np.ndarray, *, x_label: str,
                     y_label: str, model: str = "LSTM") -> str:
    """The answers against the truth in two sentences, the error from the arrays drawn."""
    truth = np.asarray(truth, dtype=np.float64)
    prediction = np.asarray(prediction, dtype=np.float64)
    mae = float(np.mean(np.abs(prediction - truth))) if len(truth) else float("nan")
    return (f"Chart of {plain(y_label)} for {len(truth)} validation sequences along the x "
            f"axis ({plain(x_label)}): the truth as a line, {value_range(truth)}; the {model}'s "
            f"answers as crosses, {value_range(prediction)}. Mean absolute error of the "
            f"answers: {mae:.3g}.")
