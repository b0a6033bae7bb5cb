"""Two views of what a cell remembers: its gates' survival (the LSTM's forget gates, the GRU's
update gates; a plain RNN has none), and dependence through time."""

from __future__ import annotations

import html

import bqplot as bq
import ipywidgets as ipw
import numpy as np

from .colors import SEQUENTIAL
from .heatmap import MatrixHeatmap
from .markup import as_html
from .style import CHART_LEFT, Y_TITLE_OFFSET
from .text_alternative import FigureText

__all__ = ["MemoryView"]

INITIAL_COLOR, TRAINED_COLOR = "#7c8a99", "#c2410c"

# the survival heatmap's heading for each cell; the plain RNN has no gate, so no heatmap
SURVIVAL_HEADINGS = {
    "lstm": ("<h4>Forget-gate survival</h4><p class='hint'>Row j, step e: how much of "
             "c<sub>e</sub> still reaches the last step through the forget gates alone, "
             "f<sub>e+1</sub> · f<sub>e+2</sub> ⋯ f<sub>n_E</sub>. Dark is kept, white is "
             "forgotten. The last column is always 1: c<sub>n_E</sub> is the last state itself, "
             "with no forget gate left to pass.</p>"),
    "gru": ("<h4>Update-gate survival</h4><p class='hint'>Row j, step e: how much of "
            "h<sub>e</sub> still reaches the last step through the update gates alone, "
            "z<sub>e+1</sub> · z<sub>e+2</sub> ⋯ z<sub>n_E</sub> (PyTorch's GRU keeps the share "
            "z of the old state: h<sub>e</sub> = (1 − z<sub>e</sub>) n<sub>e</sub> + "
            "z<sub>e</sub> h<sub>e−1</sub>). Dark is kept, white is overwritten. The last "
            "column is always 1.</p>"),
    "rnn": ("<h4>No gate, no survival</h4><p class='hint'>The plain RNN has no gate that "
            "keeps its state: h<sub>e</sub> = tanh(W<sub>ih</sub> x<sub>e</sub> + b<sub>ih</sub>"
            " + W<sub>hh</sub> h<sub>e−1</sub> + b<sub>hh</sub>) rewrites all of it at every "
            "step. What it read long ago reaches the end only through W<sub>hh</sub> and tanh, "
            "step after step: the dependence below shows how much of it arrives.</p>"),
}


class MemoryView(ipw.VBox):
    """The survival heatmap (units by steps, 0 to 1) and |dŷ/dx_e| before and after training.

    The dependence chart always shows both sets of weights, the initial as a thin dashed line
    and the trained as a thick solid one, so the change reads without colour.

    Attributes
    ----------
    survival : MatrixHeatmap -- the survival heatmap, with its own text alternative
    figure : bq.Figure -- the dependence chart, hidden from screen readers by the page script
    alt : FigureText -- the dependence chart in words: each line's range and its peak step
    initial_dependence, trained_dependence : np.ndarray -- the lines as drawn (read-only;
        the trained one None while hidden)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add_class("memory-view")
        # steps counted from 1, as the dependence chart below and the equations count them
        self.survival = MatrixHeatmap(palette=SEQUENTIAL, x_label="step e",
                                      y_label="unit j", width="480px", height="260px",
                                      colorbar=True, col_base=1)
        self.survival.add_class("survival-heatmap")
        self._x, self._y = bq.LinearScale(), bq.LinearScale(min=0.0)
        scales = {"x": self._x, "y": self._y}
        # the lines are named in the title, not in a legend box that would hide a peak
        self._initial = bq.Lines(x=[1.0], y=[0.0], scales=scales, colors=[INITIAL_COLOR],
                                 stroke_width=1.5, line_style="dashed")
        self._trained = bq.Lines(x=[1.0], y=[0.0], scales=scales, colors=[TRAINED_COLOR],
                                 stroke_width=3)
        # the steps the task marks (the adding problem's two), as dotted verticals
        self._marks_y = bq.LinearScale(min=0.0, max=1.0)
        self._marked = bq.Lines(x=[[0.0, 0.0]], y=[[0.0, 1.0]],
                                scales={"x": self._x, "y": self._marks_y}, colors=["#6a1b9a"],
                                stroke_width=1.5, line_style="dotted", visible=False)
        self.figure = bq.Figure(display_toolbar=False,
            marks=[self._marked, self._initial, self._trained],
            axes=[bq.Axis(scale=self._x, label="step e", tick_format="d"),
                  bq.Axis(scale=self._y, side="left", label="|∂ŷ/∂xₑ|", tick_format=".2~g",
                          label_offset=Y_TITLE_OFFSET)],
            fig_margin=dict(top=16, bottom=40, left=CHART_LEFT, right=16),
            layout=ipw.Layout(width="100%", height="260px"))
        self.figure.add_class("dependence-chart")
        self._dependence_title = ipw.HTML()
        self._dependence_title.add_class("chart-title")
        self.alt = FigureText()  # what a screen reader reads in the figure's place
        self.summary = ipw.HTML()
        self.summary.add_class("memory-summary")
        self.heading = ipw.HTML(SURVIVAL_HEADINGS["lstm"])
        self.heading.add_class("survival-heading")
        self.children = [
            self.heading,
            self.survival,
            ipw.HTML("<h4>Dependence through time</h4><p class='hint'>How much the prediction "
                     "ŷ moves when x<sub>e</sub> moves, by autograd through the real model: "
                     "which past inputs it still depends on.</p>"),
            self._dependence_title,
            self.alt,
            self.figure,
            self.summary,
        ]

    @property
    def initial_dependence(self) -> np.ndarray:
        """|dŷ/dx_e| (n_E,) drawn for the initial weights, float32."""
        return np.asarray(self._initial.y, dtype=np.float32)

    @property
    def trained_dependence(self) -> np.ndarray | None:
        """|dŷ/dx_e| (n_E,) drawn for the trained weights, float32; None while not shown."""
        return np.asarray(self._trained.y, dtype=np.float32) if self._trained.visible else None

    def show(self, survival: np.ndarray | None, initial: np.ndarray,
             trained: np.ndarray | None, *, title: str, summary: str,
             marked: tuple[int, ...] = (), channel: str = "", cell: str = "lstm") -> None:
        """``survival`` (H, n_E) of the weights shown (None for the plain RNN, which has no
        gate: the heatmap leaves the page); |dŷ/dx_e| (n_E,) of each set of weights
        (``trained`` None before any training). ``title`` and ``summary`` are plain text
        (escaped) or ``Markup``. ``marked``: the steps e the task marks, drawn on both charts;
        ``channel`` names the input value the gradient is of (plain text); ``cell`` whose
        memory it is ("lstm", "gru" or "rnn")."""
        n_e = len(initial)
        marked = tuple(marked)
        self.heading.value = SURVIVAL_HEADINGS[cell]
        # out of the page rather than hidden: a figure drawn at no size is an error
        shown = [w for w in self.children if w is not self.survival]
        if survival is not None:
            shown.insert(1, self.survival)
            self.survival.show(survival, vmin=0.0, vmax=1.0, title=title)
            # a marked step's column of the survival heatmap, boxed
            self.survival.set_highlights(
                [(0, survival.shape[0] - 1, e - 1, e - 1) for e in marked],
                ["#6a1b9a"] * len(marked))
        if shown != list(self.children):
            self.children = shown
        with self._marked.hold_sync():
            if marked:
                self._marked.x = np.float32([[e, e] for e in marked])
                self._marked.y = np.float32([[0.0, 1.0]] * len(marked))
            self._marked.visible = bool(marked)
        steps = np.arange(1, n_e + 1, dtype=np.float32)
        with self._initial.hold_sync():
            self._initial.x, self._initial.y = steps, np.float32(initial)
        with self._trained.hold_sync():
            if trained is not None:
                self._trained.x, self._trained.y = steps, np.float32(trained)
            self._trained.visible = trained is not None
        of = f" of {channel}" if channel else ""
        steps = ", ".join(map(str, marked))
        self._dependence_title.value = (
            f"<b>|∂ŷ/∂x<sub>e</sub>[0]|</b>, the gradient{html.escape(of)}, for the sequence "
            f"shown at every step e = 1..{n_e}: thin dashed line, the initial weights; thick "
            "solid line, the trained ones" + (f"; dotted verticals, the marked steps e = {steps}"
                                              if marked else ""))
        self.summary.value = as_html(summary)
        self.alt.text = dependence_text(initial, trained) + (
            f" The marked steps: e = {steps}." if marked else "")


def dependence_text(initial: np.ndarray, trained: np.ndarray | None) -> str:
    """The dependence chart in two sentences: each line's range and the step it peaks at."""

    def line(name: str, values) -> str:
        values = np.asarray(values, dtype=np.float64)
        peak = int(np.nanargmax(values)) + 1 if np.isfinite(values).any() else 1
        # .3g, not fixed decimals: before training the values may all be below 0.01
        return (f"{name} from {np.nanmin(values):.3g} to {np.nanmax(values):.3g}, largest "
                f"at step e = {peak}")

    n_e = len(initial)
    text = (f"Line chart of |∂ŷ/∂x_e|, how much the prediction moves with each input, at steps "
            f"e = 1 to {n_e}: {line('initial weights (dashed)', initial)}")
    if trained is None:
        return text + "; no trained weights yet."
    return text + f"; {line('trained weights (solid)', trained)}."
