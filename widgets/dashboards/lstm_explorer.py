"""The LSTM explorer: sliders rebuild a real nn.LSTM (its sizes, layers, directions, projection
and initial state); its weights, states and checks follow live."""

from __future__ import annotations

from typing import ClassVar

import ipywidgets as ipw

from ..codegen.lstm import lstm_recipe
from ..maths.lstm import GATES, INITIAL_STATES, LIMITS, SYMBOLS, init_bound
from ..state.explorer_model import SIZE_TRAITS, STACK_TRAITS, LSTMExplorerModel
from ..views.colors import DIVERGING
from ..views.controls import (
    GuardedToggleButton,
    GuardedToggleButtons,
    bind_controls,
    int_slider,
    seed_box,
    set_bounded,
)
from ..views.heatmap import MatrixHeatmap
from ..views.markup import Markup
from ..views.outputs_text import outputs_tables
from ..views.outputs_view import OutputsView
from ..views.parameter_panel import WEIGHT_REGIONS, ParameterPanel
from ..views.step_panel import StepPanel, step_tables
from ..views.style import STYLE
from .dashboard import Dashboard
from .lstm_explorer_text import (
    ParametersPanel,
    bands_html,
    cell_regions,
    checks_html,
    direction_name,
    suffix,
)
from .questions_section import QuestionsSection

__all__ = ["LSTMExplorer"]

SHOW_OUTPUTS, HIDE_OUTPUTS = "Show output and (h_n, c_n)", "Hide output and (h_n, c_n)"

class LSTMExplorer(Dashboard):
    """The LSTM explorer dashboard: controls, weight heatmaps, the step view, equations, checks.

    Parameters
    ----------
    model : LSTMExplorerModel, optional
        The state to show; a default one (n_X=5, H=8, n_E=12, b_S=2, seed 0) if omitted.
    preset : str, optional
        A URL query string such as ``"n_x=5&hidden_size=8&step=4"`` (``widgets.query_string()``
        reads the page's under Voila). Bad values become the nearest valid state, and the
        banner says which parameter was wrong.

    Every control carries a CSS class ``ctl-<trait>`` (``ctl-n_x``, ``ctl-hidden_size``,
    ``ctl-seq_len``, ``ctl-batch_size``, ``ctl-seed``, ``ctl-num_layers``,
    ``ctl-bidirectional``, ``ctl-proj_size``, ``ctl-h0``, ``ctl-layer``, ``ctl-direction``,
    ``ctl-step``, ``ctl-sample``, ``ctl-unit``) for automation; the "output and (h_n, c_n)"
    view opens with ``ctl-outputs`` and its own pointers are ``ctl-twin_tensor``,
    ``ctl-twin_row`` and ``ctl-twin_col``.
    """

    MODEL = LSTMExplorerModel
    CSS_CLASS = "lstm-explorer"
    PAGE = "3_lstm_explorer.ipynb"
    PRESET: ClassVar[dict] = {"limits": LIMITS, "symbols": SYMBOLS,
                              "choices": {"h0": INITIAL_STATES}}

    def __init__(self, model: LSTMExplorerModel | None = None, preset: str | None = None,
                 **kwargs):
        super().__init__(model, preset, **kwargs)

        # controls: one a trait, bounds from the maths module
        m = self.model
        self.controls = {
            "n_x": int_slider("n_x", "n_X", *LIMITS["n_x"], m.n_x),
            "hidden_size": int_slider("hidden_size", "H", *LIMITS["hidden_size"], m.hidden_size),
            "seq_len": int_slider("seq_len", "n_E", *LIMITS["seq_len"], m.seq_len),
            "batch_size": int_slider("batch_size", "b_S", *LIMITS["batch_size"], m.batch_size),
            "seed": seed_box(m.seed, *LIMITS["seed"]),
            "sample": int_slider("sample", "sequence", 0, 1, 0,
                                 name="sequence s of the batch shown step by step"),
            "num_layers": int_slider("num_layers", "layers", *LIMITS["num_layers"],
                                     m.num_layers, name="num_layers: LSTM layers stacked"),
            "bidirectional": _toggle("bidirectional", "directions",
                                     [("forward only", 0), ("both (bidirectional)", 1)],
                                     m.bidirectional, "175px"),
            "proj_size": int_slider("proj_size", "proj_size", 0, max(0, m.hidden_size - 1),
                                    m.proj_size,
                                    name="proj_size: units of the projected h, 0 for none"),
            "h0": _toggle("h0", "h₀, c₀", [(s, s) for s in INITIAL_STATES], m.h0, "90px"),
            "layer": int_slider("layer", "layer", 0, max(0, m.num_layers - 1), m.layer,
                                name="the layer whose weights and steps are shown"),
            "direction": _toggle("direction", "direction",
                                 [("forward", 0), ("backward", 1)], m.direction, "100px"),
        }
        # the step view of one sequence: its step and unit controls are the model's too
        self.steps = StepPanel()
        self.controls.update(self.steps.controls)
        bind_controls(m, self.controls, self.banner, what="the LSTM")
        bind_controls(m, {"step": self.steps.play}, self.banner, what="the LSTM")
        self.steps.speed.on_reject(lambda _control, message: self.banner.show(message))

        # weights: the module's own parameters, on the fixed range of PyTorch's initialisation
        # one figure with fixed scales: a size change redraws one picture and its tick labels
        self.weights = ParameterPanel(WEIGHT_REGIONS, bands=GATES, palette=DIVERGING, height=330)
        self.bands = ipw.HTML()  # the bands as slices, unit j's rows
        self.bands.add_class("gate-bands")
        # with a projection: W_hr (H_out, H), which takes o·tanh(c) down to h
        self.weight_hr = MatrixHeatmap(x_label="unit of o·tanh(c) (H)",
                                       y_label="unit of h (H_out)", width="420px",
                                       height="220px", palette=DIVERGING)
        self.weight_hr.add_class("weight-hr")
        # in the page only with a projection: a figure laid out while hidden has no size
        self.weight_hr_box = ipw.VBox([])
        self.parameters = ParametersPanel(lambda: (self.model.lstm, self.model.config),
                                          [(self.model, ["trace"])])
        self.parameters.toggle.on_reject(lambda _control, message: self.banner.show(message))
        # what nn.LSTM returns, taken apart: output against (h_n, c_n), for the sequence shown
        # on demand, like the code and the numbers: closed, a size change draws nothing more
        self.outputs = OutputsView()
        self.outputs_toggle = GuardedToggleButton(
            value=False, description=SHOW_OUTPUTS, icon="th",
            tooltip="draw output, h_n and c_n of the sequence shown, and point at their twins",
            layout=ipw.Layout(width="auto", align_self="flex-start"))
        self.outputs_toggle.add_class("ctl-outputs")
        self.outputs_box = ipw.VBox([])
        for control in (*self.outputs.controls.values(), self.outputs_toggle):
            control.on_reject(lambda _control, message: self.banner.show(message))
        self.outputs_toggle.observe(self._on_outputs_toggle, names="value")

        # what the live module says of itself: its parameter count and the two checks, in one
        # widget so a rebuild updates them with one message
        self.checks = ipw.HTML()
        self.checks.add_class("module-checks")
        self.checks.add_class("live-status")  # a verdict that changes is announced

        c = self.controls
        row = ipw.Layout(flex_flow="row wrap", align_items="center")
        self.questions = QuestionsSection("3_lstm_explorer", m, self.banner)
        intro = ipw.HTML(STYLE + "<p class='hint'>Move a slider: a real "
                         "<code>torch.nn.LSTM(n_X, H, num_layers, bidirectional, proj_size, "
                         "batch_first=True)</code> is rebuilt with that seed and fed a batch of "
                         "shape (b_S, n_E, n_X). Every matrix and number below is read from "
                         "it.</p>")
        cell = ipw.HBox([c["layer"], c["direction"]], layout=row)  # the weights' and steps'
        weights = [
            ipw.HTML("<h3>Weights and biases</h3><p class='hint'>PyTorch stacks the four gates "
                     "in the rows, in the order i, f, g, o; colours are fixed to the "
                     "initialisation range ±1/√H, the colour bar on the right. The layer and "
                     "direction chosen here are also the ones taken step by step.</p>"),
            cell,
            self.weights,
            self.bands,
            self.weight_hr_box]
        steps = [
            ipw.HTML("<h3>Step by step</h3><p class='hint'>Drag the step, press Play (at "
                     "the speed beside it, in steps a second), or focus the slider and use "
                     "the ← → keys.</p>"),
            self.steps]
        outputs = [
            ipw.HTML("<h3>What nn.LSTM returns: output and (h_n, c_n)</h3><p class='hint'>"
                     "<code>output, (h_n, c_n) = lstm(x, (h_0, c_0))</code>, drawn for the "
                     "sequence chosen above: which of output's numbers are in h_n, and why "
                     "<code>output[:, -1]</code> is not always the state to read. Point at a "
                     "cell (or use the three controls) to see where the same number sits in "
                     "the other tensor.</p>"),
            self.outputs_toggle,
            self.outputs_box]
        self.children = [
            self.nav,
            self.presenter,
            intro,
            ipw.HBox([c["n_x"], c["hidden_size"], c["seq_len"]], layout=row),
            ipw.HBox([c["batch_size"], c["sample"], c["seed"]], layout=row),
            ipw.HBox([c["num_layers"], c["bidirectional"]], layout=row),
            ipw.HBox([c["proj_size"], c["h0"]], layout=row),
            self.banner,
            self.link,
            self.panels,
            self.questions,
            self.checks,
            self.parameters,
            *weights,
            *steps,
            *outputs,
        ]
        # the presenter mode's sections, in the tutorial's order; the sizes stay on screen
        self.present_sections([
            ("The module and its parameters", [intro, self.checks, self.parameters]),
            ("Weights and biases", weights),
            ("Step by step", [cell, *steps]),
            ("What nn.LSTM returns", outputs),
            ("Questions", [self.questions]),
            ("The code, the numbers and the link", [self.panels, self.link]),
        ])

        self.model.observe(self._on_trace, names="trace")
        self.model.observe(self._on_cell, names=["layer", "direction"])
        self.model.observe(self._on_view, names=["sample", "step", "unit"])
        self._on_trace()

    def recipe(self):
        m = self.model
        return lstm_recipe(m.config, sample=m.sample, layer=m.layer, direction=m.direction,
                           step=m.step, unit=m.unit, link=self.query)

    def numbers_html(self) -> str:
        m = self.model
        return step_tables(m.cell, m.sample, m.step) + outputs_tables(m.trace, m.sample)

    # --- model -> views ---------------------------------------------------------------------
    def _sync_controls(self) -> None:
        m, c = self.model, self.controls
        for name in (*SIZE_TRAITS, *STACK_TRAITS):
            if name != "proj_size":
                c[name].value = getattr(m, name)
        set_bounded(c["proj_size"], 0, max(0, m.hidden_size - 1), m.proj_size)
        set_bounded(c["sample"], *m.index_range("sample"), m.sample)
        set_bounded(c["layer"], *m.index_range("layer"), m.layer)
        c["direction"].value = m.direction
        c["direction"].disabled = not m.bidirectional
        self.steps.sync_controls(m.seq_len, m.step, m.hidden_size, m.unit)

    def _on_trace(self, _change=None) -> None:
        m = self.model
        self._sync_controls()
        self.checks.value = checks_html(m.lstm, m.trace)
        self._on_cell(full=True)
        if self.outputs_toggle.value:
            self.outputs.show(m.trace, m.sample)

    def _on_cell(self, _change=None, full: bool = False) -> None:
        """The chosen layer and direction: its weights, then its steps."""
        m = self.model
        if m.layer >= m.num_layers or m.direction >= m.D:
            return  # mid-rebuild: the new trace arrives with its own notification
        self._sync_controls()
        k = init_bound(m.hidden_size)
        end = suffix(m.layer, m.direction)
        p = m.weights()
        regions = cell_regions(m.config, m.layer, m.direction)
        self.weights.show({r.key: p[r.key] for r in regions}, vmin=-k, vmax=k,
                          caption=Markup(f"±1/√H =<br>±{k:.3f}"), regions=regions)
        if m.proj_size:
            self.weight_hr.show(p[f"weight_hr{end}"], vmin=-k, vmax=k,
                                title=f"weight_hr{end} (H_out × H) = "
                                      f"({m.H_out} × {m.hidden_size})")
        self._mark_unit()
        shown = (self.weight_hr,) if m.proj_size else ()
        if self.weight_hr_box.children != shown:
            self.weight_hr_box.children = shown
        self._on_view(full=True)

    def _mark_unit(self) -> None:
        """Unit j's rows in the weights, and the bands' slices that name them."""
        m = self.model
        self.weights.mark_unit(m.unit)
        self.bands.value = bands_html(m.config, m.layer, m.direction, m.unit)

    def _on_outputs_toggle(self, _change=None) -> None:
        """Open: the view joins the page, drawn for the state on screen; closed: it leaves."""
        is_open = self.outputs_toggle.value
        if is_open:
            self.outputs.show(self.model.trace, self.model.sample)
        self.outputs_toggle.description = HIDE_OUTPUTS if is_open else SHOW_OUTPUTS
        self.outputs_box.children = (self.outputs,) if is_open else ()

    def _on_view(self, _change=None, full: bool = False) -> None:
        m = self.model
        cell, s, k, j = m.cell, m.sample, m.step, m.unit
        if k > cell.gates.shape[1] or s >= cell.x.shape[0] or j >= cell.gates.shape[-1]:
            return  # mid-rebuild: the new trace arrives with its own notification
        self._sync_controls()
        if self.outputs_toggle.value and _change is not None and _change["name"] == "sample":
            self.outputs.show(m.trace, s)
        if _change is not None and _change["name"] == "unit":
            self._mark_unit()
        w = m.cell_weights()
        e = int(cell.positions[k - 1])
        if m.num_layers == 1 and m.D == 1:
            where, reads = "", f"x_{e} (n_X = {m.n_x} values)"
        else:
            where = f"layer {m.layer} {direction_name(m.direction)}, "
            reads = (f"x_{e} (n_X = {m.n_x} values)" if m.layer == 0 else
                     f"x_{e}, layer {m.layer - 1}'s output at e = {e} "
                     f"({m.D * m.H_out} values)")
        prev = e + 1 if m.direction else e - 1
        order = (f"; this direction walks e = {m.seq_len}..1, so step {k} reads e = {e}"
                 if m.direction else "")
        initial = ""
        stacked = m.h0 != "zeros" or m.num_layers > 1 or m.D > 1  # else: as it always read
        if k == 1 and stacked:  # where (h_0, c_0) enter: the first step of every cell
            row = m.layer * m.D + m.direction
            fed = "zeros, PyTorch's default" if m.h0 == "zeros" else "seeded values"
            initial = (f", the initial state: h_0[{row}] and c_0[{row}] of the (h_0, c_0) fed "
                       f"to nn.LSTM ({fed})")
        self.steps.show(
            cell, w["bias_ih"], w["bias_hh"], sample=s, step=k, unit=j,
            w_hr=w.get("weight_hr"),
            new_sequence=full or _change is None or _change["name"] == "sample",
            title=Markup(f"Sequence {s} of the batch, {where}step <b>e = {e}</b> of n_E = "
                         f"{m.seq_len}{order}: the cell reads {reads} with h_{prev} and "
                         f"c_{prev}{initial} (H = {m.hidden_size} units each)"))


def _toggle(ctl: str, description: str, options, value, button_width: str):
    """Guarded toggle buttons for a setting of a few choices, ``ctl-<ctl>``."""
    toggle = GuardedToggleButtons(options=options, value=value, description=description,
                                  style={"description_width": "64px",
                                         "button_width": button_width},
                                  layout=ipw.Layout(width="auto"))
    toggle.add_class(f"ctl-{ctl}")
    return toggle
