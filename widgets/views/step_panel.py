"""One sequence through a cell, step by step: the strips, the states over the steps, the equations.

The LSTM's view has h and c; a GRU's or a plain RNN's (a ``cells.CellTrace``) has its own strips,
gates in words and equations, and h alone.

Shared by the explorer and the training dashboard: each owns the trace and the indices, and
hands them to ``StepPanel.show``; the panel owns its controls (the step, Play, the unit) for
the dashboard to bind to its model.
"""

from __future__ import annotations

import ipywidgets as ipw
import numpy as np

from ..maths import cells
from ..maths.lstm import CellTrace
from .colorbar import ColorBar
from .controls import GuardedPlay, GuardedToggleButtons, int_slider, set_bounded
from .equations import CELL_EQUATIONS, EQUATIONS, PROJECTION_EQUATION, neighbours, unit_equations
from .markup import as_html
from .state_chart import StateChart, StepCursor
from .strips import CELL_STRIPS, StripStack, sequence_values, strip_scales, strips_height
from .text_alternative import html_table

__all__ = ["CELL_WORDS", "GATE_WORDS", "PLAY_SPEEDS", "StepPanel", "step_tables"]

# the gates, σ, tanh and ⊙ in words, said once where they first appear: under the strips
GATE_WORDS = (
    "<p class='hint gate-words'><b>The gates in words.</b> i<sub>e</sub>, the <b>input gate</b>:"
    " how much of the candidate g<sub>e</sub> to write into the cell. f<sub>e</sub>, the "
    "<b>forget gate</b>: how much of c<sub>e−1</sub> to keep. g<sub>e</sub>, the <b>cell "
    "candidate</b>: the new values that could be written. o<sub>e</sub>, the <b>output "
    "gate</b>: how much of tanh(c<sub>e</sub>) to let out as h<sub>e</sub>. σ is the sigmoid, "
    "1 / (1 + e<sup>−z</sup>): it turns any number into one between 0 and 1, a gate's "
    "\"how much\"; tanh turns it into one between −1 and 1; ⊙ multiplies two vectors "
    "element by element. The purple outline is unit j, whose equations are written out "
    "below.</p>")
_UNIT_J = ("The purple outline is unit j, whose equations are written out below.</p>")
# the GRU's and the plain RNN's, in PyTorch's conventions
CELL_WORDS = {
    "lstm": GATE_WORDS,
    "gru": ("<p class='hint gate-words'><b>The gates in words.</b> r<sub>e</sub>, the <b>reset "
            "gate</b>: how much of h<sub>e−1</sub> the candidate reads. z<sub>e</sub>, the "
            "<b>update gate</b>: how much of h<sub>e−1</sub> to keep (PyTorch's convention: "
            "z near 1 keeps the old state, near 0 takes the candidate). n<sub>e</sub>, the "
            "<b>candidate</b>: the new values that could replace it. There is no cell state: "
            "h<sub>e</sub> is the memory itself. σ is the sigmoid, 1 / (1 + e<sup>−z</sup>), a "
            "gate's \"how much\" between 0 and 1; tanh squashes to between −1 and 1; ⊙ "
            "multiplies element by element. " + _UNIT_J),
    "rnn": ("<p class='hint gate-words'><b>No gates.</b> The plain RNN mixes x<sub>e</sub> "
            "and h<sub>e−1</sub> through two weight matrices and squashes the sum with tanh "
            "(between −1 and 1): nothing decides what to keep, so what it read long ago "
            "reaches the end only through W<sub>hh</sub> and tanh, step after step. "
            + _UNIT_J),
}

# Play's pace as (label, interval in ms, what it is in words): a learner follows one step at a
# time, so the default is 2 a second; "fast" is the 40 ms Play ran at before, which the
# benchmark measures (the page, not the kernel, sets the pace)
PLAY_SPEEDS = (("½ / s", 2000, "half a step a second"),
               ("1 / s", 1000, "one step a second"),
               ("2 / s", 500, "two steps a second"),
               ("fast", 40, "fast: 25 steps a second"))
DEFAULT_INTERVAL = 500


def step_tables(trace: CellTrace | cells.CellTrace, sample: int, step: int,
                label: str | None = None) -> str:
    """Step k = ``step`` of sequence ``sample`` as tables: x_e, then every unit's gates, c, h.

    ``label`` names the sequence in the caption ("sequence 1" by default). The step reads
    position e (k forward, n_E + 1 - k backward); with a projection, m_e = o·tanh(c_e) has a
    column and h_e (H_out units) is given for the units it has.
    """
    s, k_step = sample, step
    e, prev = neighbours(trace, step)
    t = k_step - 1  # per-step arrays are 0-based, in the order the cell ran
    where = (f"step e = {e}" if not trace.direction and not trace.layer else
             f"position e = {e}, step {k_step} of layer {trace.layer} "
             f"{'backward' if trace.direction else 'forward'}")
    inputs = html_table(f"x_{e}: the input at {where} ({label or f'sequence {s}'})",
                        ["k", "x_e[k]"],
                        [(k, float(v)) for k, v in enumerate(trace.x[s, t])])
    if isinstance(trace, cells.CellTrace):  # a GRU's gates and h, or a plain RNN's h
        gates = list(trace.gates)
        rows = [(j, *(float(trace.gates[g][s, t, j]) for g in gates),
                 float(trace.h[s, t, j]), float(trace.h[s, k_step, j]))
                for j in range(trace.h.shape[-1])]
        what = "the gates and hidden state" if gates else "the hidden state"
        return inputs + html_table(f"Step e = {e}: {what} of every unit",
                                   ["unit j", *(f"{g}_e" for g in gates), f"h_({prev})", "h_e"],
                                   rows)
    projected = trace.m is not None
    h_out = trace.h.shape[-1]
    columns = ["unit j", "i_e", "f_e", "g_e", "o_e", f"c_({prev})", "c_e",
               *(["m_e"] if projected else []), "h_e"]
    rows = [(j, *(float(trace.gates[s, t, k, j]) for k in range(4)),
             float(trace.c[s, t, j]), float(trace.c[s, k_step, j]),
             *([float(trace.m[s, t, j])] if projected else []),
             float(trace.h[s, k_step, j]) if j < h_out else "past H_out")
            for j in range(trace.gates.shape[-1])]
    units = html_table(f"Step e = {e}: the gates, cell state and hidden state of every unit",
                       columns, rows)
    return inputs + units


class StepPanel(ipw.VBox):
    """The step view of one sequence of a trace: built once, shown again for every change.

    Parameters
    ----------
    play : bool, default True
        Offer Play beside the step slider (the step's second control, through the kernel).

    Attributes
    ----------
    controls : dict -- the "step" slider (``ctl-step``) and the "unit" slider (``ctl-unit``)
    play : GuardedPlay or None -- ``ctl-play``, another control of the step
    speed : GuardedToggleButtons or None -- ``ctl-speed``, Play's interval in ms, a view
        setting (not in the link): one of ``PLAY_SPEEDS``, 2 steps a second by default
    strips, strip_bars, charts, step_title, unit_equations -- the views, for reading back
    """

    def __init__(self, *, play: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.controls = {
            "step": int_slider("step", "step e", 1, 2, 1, continuous_update=True,
                               name="step e: the element the LSTM reads"),
            "unit": int_slider("unit", "unit j", 0, 1, 0,
                               name="unit j of the hidden state, in bold"),
        }
        # Play is a second control of the step, through the kernel like the slider. A jslink
        # between them would make every step send two updates (the link's and the slider's),
        # and the kernel would process both, the link's first.
        self.play = self.speed = None
        if play:
            # its buttons are icons: the page script names them "Play steps", "Stop steps"...
            self.play = GuardedPlay(interval=DEFAULT_INTERVAL, min=1, max=2, value=1,
                                    tooltip="steps", layout=ipw.Layout(width="auto"))
            self.play.add_class("ctl-play")
            # the page may pick a speed; the kernel sets the interval (Play refuses it)
            self.speed = GuardedToggleButtons(
                options=[(label, ms) for label, ms, _ in PLAY_SPEEDS], value=DEFAULT_INTERVAL,
                description="speed", tooltip="speed of Play: steps a second",
                tooltips=[words for *_, words in PLAY_SPEEDS],
                style={"description_width": "44px", "button_width": "52px"},
                layout=ipw.Layout(width="auto"))
            self.speed.add_class("ctl-speed")
            self.speed.observe(self._on_speed, names="value")
        self.strips = StripStack(layout=ipw.Layout(flex="1 1 auto"))
        # a bar for each range the strips are coloured on, naming its strips (a cell's own)
        self._bars: dict[str, list[ColorBar]] = {}
        self.strip_bars = self._strip_bars("lstm")
        cursor = StepCursor()  # one dashed line for both charts: a step is one message
        # the LSTM's h and c; a GRU or a plain RNN has h alone, the full width
        self.charts = {"h": StateChart(name="h_e", bound=1.0, cursor=cursor),
                       "c": StateChart(name="c_e", cursor=cursor)}
        self._lstm_charts = dict(self.charts)
        for chart in self.charts.values():
            chart.layout.width = "50%"
        self._kind = "lstm"  # whose cell is shown: "lstm", "gru" or "rnn"
        self._strips_row = ipw.HBox([self.strips, *self.strip_bars],
                                    layout=ipw.Layout(width="100%"))
        self.words = ipw.HTML(GATE_WORDS)
        self._charts_row = ipw.HBox(list(self.charts.values()),
                                    layout=ipw.Layout(flex_flow="row wrap"))
        self.equations = ipw.HTMLMath(CELL_EQUATIONS)
        self.step_title = ipw.HTML()
        self.step_title.add_class("step-title")
        self.unit_equations = ipw.HTML()
        self.unit_equations.add_class("unit-equations")
        # shown with a projection only: the last equation becomes two
        self.projection = ipw.HTMLMath(PROJECTION_EQUATION, layout=ipw.Layout(display="none"))
        # shown for a backward direction: it reads the state of the element after e
        self.backward_note = ipw.HTML(
            "<p class='hint'>The backward direction reads the sequence from its end: at "
            "element e it takes h<sub>e+1</sub> and c<sub>e+1</sub> where the equations write "
            "e − 1, and its first step reads e = n_E with the initial state.</p>",
            layout=ipw.Layout(display="none"))
        self._cell: tuple[int, int] = (0, 0)
        step_controls = [self.controls["step"], *([self.play, self.speed] if play else []),
                         self.controls["unit"]]
        self.children = [
            ipw.HBox(step_controls,
                     layout=ipw.Layout(flex_flow="row wrap", align_items="center")),
            self.step_title,
            self._strips_row,
            self.words,
            self._charts_row,
            ipw.HTML("<h3>The cell's equations</h3>"),
            self.equations,
            self.projection,
            self.backward_note,
            self.unit_equations,
        ]

    def _strip_bars(self, kind: str) -> list[ColorBar]:
        """The colour bars of ``kind``'s strips, built the first time they are asked for."""
        if kind not in self._bars:
            strips = CELL_STRIPS[kind]
            self._bars[kind] = []
            for vmin, vmax, palette, caption in strip_scales(strips):
                bar = ColorBar(palette=palette, height=strips_height(len(strips)))
                bar.set_range(vmin, vmax, caption=caption)
                self._bars[kind].append(bar)
        return self._bars[kind]

    def _use_cell(self, kind: str) -> None:
        """Show ``kind``'s colour bars, gates in words, charts and equations."""
        self._kind = kind
        self.strip_bars = self._strip_bars(kind)
        self._strips_row.children = [self.strips, *self.strip_bars]
        self.words.value = CELL_WORDS[kind]
        self.charts = (self._lstm_charts if kind == "lstm"
                       else {"h": self._lstm_charts["h"]})
        self.charts["h"].layout.width = "50%" if kind == "lstm" else "100%"
        self._charts_row.children = list(self.charts.values())
        self.equations.value = EQUATIONS[kind]

    def _on_speed(self, change) -> None:
        self.play.interval = change["new"]  # the page's timer reads it at its next step

    def sync_controls(self, seq_len: int, step: int, hidden_size: int, unit: int) -> None:
        """Bounds and values of the step and unit controls, each in one message."""
        set_bounded(self.controls["step"], 1, seq_len, step)
        set_bounded(self.controls["unit"], 0, hidden_size - 1, unit)
        if self.play is not None:
            with self.play.hold_sync():
                self.play.max = seq_len
                self.play.value = step

    def show(self, trace: CellTrace | cells.CellTrace, b_ih: np.ndarray, b_hh: np.ndarray, *,
             sample: int,
             step: int, unit: int, title: str, new_sequence: bool = True,
             w_hr: np.ndarray | None = None) -> None:
        """Sequence ``sample`` of the cell ``trace`` at step k = ``step``, unit j = ``unit``
        in bold; ``w_hr`` (H_out, H) with a projection; ``title`` is plain text (escaped) or
        ``Markup``. ``trace`` is an LSTM's, or a GRU's or a plain RNN's ``cells.CellTrace``.

        A new sequence redraws the strips of every step and the charts' lines; otherwise
        only the step (the picture moves, the cursor moves) and the unit change.
        """
        s, k, j = sample, step, unit
        e, _prev = neighbours(trace, k)
        self.step_title.value = as_html(title)
        kind = trace.cell if isinstance(trace, cells.CellTrace) else "lstm"
        if kind != self._kind:
            self._use_cell(kind)
            new_sequence = True
        if new_sequence:  # every step's strips in one picture; a step only moves it
            # a later layer reads the layer below's output: D·H_out values (H_out one way)
            wider = trace.x.shape[-1] > trace.h.shape[-1]
            x_size = "n_X" if not trace.layer else ("D·H_out" if wider else "H_out")
            self.strips.show(sequence_values(trace, s), k, x_size, CELL_STRIPS[kind])
        else:
            self.strips.show_step(k)
        if self.strips.marked_unit != j:
            self.strips.mark_unit(j)
        backward = bool(trace.direction)
        label = "step k (it reads e = n_E + 1 − k)" if backward else "step e"
        for key, chart in self.charts.items():
            series = trace.h[s] if key == "h" else trace.c[s]  # (n_E + 1, H or H_out)
            chart.set_x_label(label, "k" if backward else "e")
            if new_sequence:
                projected = key == "h" and trace.m is not None
                chart.show(series, j, k, units="H_out" if projected else "H")
            else:
                chart.point(j, k)
        if self._cell != (trace.layer, trace.direction) or new_sequence:
            self._cell = (trace.layer, trace.direction)
            self.projection.layout.display = None if w_hr is not None else "none"
            self.backward_note.layout.display = None if backward else "none"
        self.unit_equations.value = (
            f"<p>Unit j = {j} at step e = {e}, with the live numbers (sequence {s}):</p>"
            + unit_equations(trace, b_ih, b_hh, s, k, j, w_hr))

