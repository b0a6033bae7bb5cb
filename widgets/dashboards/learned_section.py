"""What the trained cell learned, on the training page: its weights, one validation sequence
step by step, and its memory, before or after training, for whichever cell the page trains.

The section is a view of the page's ``TrainingModel``: the page tells it of each new ``look``
(``show``), and it draws the weights with the cell's own gate bands (i, f, g, o for the LSTM;
r, z, n for the GRU; one band of units for the plain RNN), the steps with the cell's strips and
equations, a badge saying whether our recurrence by hand matches the module, and the memory.
"""

from __future__ import annotations

import html

import ipywidgets as ipw

from ..maths.cells import CELL_GATES, CELL_LABELS
from ..state.training_model import PHASES, TrainingModel
from ..views.colors import DIVERGING
from ..views.controls import (
    GuardedToggleButtons,
    MessageBanner,
    bind_controls,
    int_slider,
    set_bounded,
)
from ..views.markup import Markup
from ..views.memory_view import MemoryView
from ..views.panel_layout import Region
from ..views.parameter_panel import WEIGHT_REGIONS, ParameterPanel
from ..views.step_panel import StepPanel
from ..views.style import badge
from .training_text import PHASE_LABELS, SCALES, memory_summary, weight_range

__all__ = ["MODULES", "LearnedSection", "cell_regions", "recurrence_badge"]

MODULES = {"lstm": "nn.LSTM", "gru": "nn.GRU", "rnn": "nn.RNN"}


def cell_regions(cell: str) -> tuple[Region, ...]:
    """The weights' regions for ``cell``: the LSTM's stack 4H rows, the GRU's 3H, the RNN's H."""
    rows = {"lstm": "4H", "gru": "3H", "rnn": "H"}[cell]
    return tuple(Region(r.key, r.symbols.replace("4H", rows), r.x_label, r.width)
                 for r in WEIGHT_REGIONS)


def recurrence_badge(trace, cell: str) -> str:
    """Whether our recurrence by hand matches the module's own output, in a badge."""
    verdict = "matches" if trace.matches else "does NOT match"
    return badge("ok" if trace.matches else "bad", Markup(
        f"Our recurrence by hand {verdict} <code>{MODULES[cell]}</code>'s own output: "
        f"max |our h<sub>e</sub> − output| = {trace.max_abs_diff:.1e} over the sequence shown"))


class LearnedSection(ipw.VBox):
    """The weights, the steps and the memory of the page's model, for its cell.

    Attributes
    ----------
    controls : dict -- the "sample" slider (``ctl-sample``), and the steps' "step" and "unit"
    phase : GuardedToggleButtons -- ``ctl-phase``, the weights before or after training
    scale : GuardedToggleButtons -- ``ctl-scale``, one colour range for both phases or each
        its own (a choice of the page, not of the model or its link)
    weights, steps, memory -- the views; ``badge`` (``recurrence-badge``) the check
    """

    def __init__(self, model: TrainingModel, banner: MessageBanner, play: bool = True,
                 **kwargs):
        super().__init__(**kwargs)
        self.model, m = model, model
        self.controls = {"sample": int_slider("sample", "sequence", 0, 1, 0,
                                              name="validation sequence shown step by step")}
        bind_controls(m, self.controls, banner, what="the model")
        self.phase = GuardedToggleButtons(options=[(PHASE_LABELS[p], p) for p in PHASES],
                                          value=m.phase, description="weights",
                                          style={"description_width": "64px",
                                                 "button_width": "240px"})
        self.phase.add_class("ctl-phase")
        bind_controls(m, {"phase": self.phase}, banner, what="the view")
        self.scale = GuardedToggleButtons(options=[(w, k) for k, w in SCALES.items()],
                                          value="both", description="colours",
                                          tooltip="colour range of the weights",
                                          style={"description_width": "64px"})
        self.scale.add_class("ctl-scale")
        self.scale.on_reject(lambda _control, message: banner.show(message))
        self.scale.observe(lambda _change: self.show_weights(), names="value")
        self.scale_note = ipw.HTML()
        self.scale_note.add_class("scale-note")
        self.weights = ParameterPanel(WEIGHT_REGIONS, bands=CELL_GATES["lstm"],
                                      palette=DIVERGING, height=260)
        self.badge = ipw.HTML()
        self.badge.add_class("recurrence-badge")
        self.steps = StepPanel(play=play)
        self.controls.update(self.steps.controls)
        bind_controls(m, self.steps.controls, banner, what="the view")
        bind_controls(m, {"step": self.steps.play}, banner, what="the view")
        self.steps.speed.on_reject(lambda _control, message: banner.show(message))
        self.memory = MemoryView()
        self.heading = ipw.HTML()
        choice = ipw.HBox([self.phase, self.controls["sample"]],
                          layout=ipw.Layout(flex_flow="row wrap", align_items="center"))
        memory = (ipw.HTML("<h3>Memory</h3>"), self.memory)
        self.children = [self.heading, choice, self.scale, self.weights, self.scale_note,
                         self.badge, self.steps, *memory]
        # the presenter mode's sections: the cell at work, then its memory, each with the
        # weights and the sequence it shows; the comparison follows the sequence too
        self.choice = choice
        self.parts = {"What it learned": [w for w in self.children if w not in memory],
                      "Memory": [choice, *memory]}

    def sync_controls(self) -> None:
        m = self.model
        set_bounded(self.controls["sample"], *m.index_range("sample"), m.sample)
        self.phase.value = m.phase
        self.steps.sync_controls(m.seq_len, m.step, m.hidden_size, m.unit)

    def show(self, change=None) -> None:
        """Other weights or another sequence: weights, steps and memory; another step or unit
        of the same: the steps only."""
        self.sync_controls()
        if change is not None and change["new"].same_sequence(change["old"]):
            self.show_step(new_sequence=False)
            return
        m = self.model
        self.heading.value = (
            f"<h3>What it learned</h3><p class='hint'>One validation sequence through the "
            f"{html.escape(CELL_LABELS[m.cell])}, with the weights before or after training."
            "</p>")
        self.show_weights()
        self.show_step(new_sequence=True)
        self.badge.value = recurrence_badge(m.trace(), m.cell)
        survival = m.survival()
        gates = {"lstm": "f", "gru": "z"}.get(m.cell, "")
        self.memory.show(
            survival, m.dependence("initial"), m.dependence("trained") if m.trained else None,
            title=Markup(f"<b>{gates}<sub>e+1</sub> ⋯ {gates}<sub>n_E</sub></b> per unit j "
                         f"(rows) and step e (columns), "
                         f"{html.escape(PHASE_LABELS[m.phase])}"),
            summary=memory_summary(m, survival), marked=tuple(m.data.marked_steps(m.sample)),
            channel=m.data.channels[0], cell=m.cell)

    def show_weights(self) -> None:
        m = self.model
        k, caption, self.scale_note.value = weight_range(m, self.scale.value)
        self.scale.disabled = not m.trained  # untrained, there is one range: ±1/√H
        gates = CELL_GATES[m.cell] or ("h",)  # the plain RNN: one band, of units
        self.weights.show(m.weights(), vmin=-k, vmax=k, caption=caption,
                          regions=cell_regions(m.cell), bands=gates)

    def show_step(self, new_sequence: bool) -> None:
        m = self.model
        self.weights.mark_unit(m.unit)  # unit j's rows, as on the explorer
        p = m.weights()
        label = m.data.valid_labels[m.sample]
        self.steps.show(
            m.trace(), p["bias_ih_l0"], p["bias_hh_l0"], sample=0, step=m.step, unit=m.unit,
            new_sequence=new_sequence,
            title=Markup(f"Validation sequence {m.sample} ({html.escape(label)}), "
                         f"{html.escape(PHASE_LABELS[m.phase])}, step <b>e = {m.step}</b> of "
                         f"n_E = {m.seq_len}"))
