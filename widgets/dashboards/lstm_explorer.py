"""The LSTM explorer: sliders rebuild a real nn.LSTM; its weights, states and checks follow live."""

from __future__ import annotations

from typing import ClassVar

import ipywidgets as ipw

from ..codegen.lstm import lstm_recipe
from ..maths.lstm import GATES, LIMITS, MATCH_ATOL, SYMBOLS, init_bound, parameter_count
from ..state.explorer_model import SIZE_TRAITS, LSTMExplorerModel
from ..views.colors import DIVERGING
from ..views.controls import bind_controls, int_slider, seed_box, set_bounded
from ..views.nav import NavBar
from ..views.parameter_panel import WEIGHT_REGIONS, ParameterPanel
from ..views.step_panel import StepPanel, step_tables
from ..views.style import STYLE, badge
from .dashboard import Dashboard

__all__ = ["LSTMExplorer"]

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
    ``ctl-seq_len``, ``ctl-batch_size``, ``ctl-seed``, ``ctl-step``, ``ctl-sample``,
    ``ctl-unit``) for automation.
    """

    MODEL = LSTMExplorerModel
    CSS_CLASS = "lstm-explorer"
    PRESET: ClassVar[dict] = {"limits": LIMITS, "symbols": SYMBOLS}

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
        }
        # the step view of one sequence: its step and unit controls are the model's too
        self.steps = StepPanel()
        self.controls.update(self.steps.controls)
        bind_controls(m, self.controls, self.banner, what="the LSTM")
        bind_controls(m, {"step": self.steps.play}, self.banner, what="the LSTM")

        # weights: the module's own parameters, on the fixed range of PyTorch's initialisation
        # one figure with fixed scales: a size change redraws one picture and its tick labels
        self.weights = ParameterPanel(WEIGHT_REGIONS, bands=GATES, palette=DIVERGING, height=330)

        # what the live module says of itself: its parameter count and the two checks, in one
        # widget so a rebuild updates them with one message
        self.checks = ipw.HTML()
        self.checks.add_class("module-checks")
        self.checks.add_class("live-status")  # a verdict that changes is announced

        c = self.controls
        self.children = [
            NavBar(current="lstm_explorer.ipynb"),
            ipw.HTML(STYLE + "<p class='hint'>Move a slider: a real "
                     "<code>torch.nn.LSTM(n_X, H, batch_first=True)</code> is rebuilt with "
                     "that seed and fed a batch of shape (b_S, n_E, n_X). Every matrix and "
                     "number below is read from it.</p>"),
            ipw.HBox([c["n_x"], c["hidden_size"], c["seq_len"]],
                     layout=ipw.Layout(flex_flow="row wrap")),
            ipw.HBox([c["batch_size"], c["sample"], c["seed"]],
                     layout=ipw.Layout(flex_flow="row wrap")),
            self.banner,
            self.link,
            self.panels,
            self.checks,
            ipw.HTML("<h3>Weights and biases</h3><p class='hint'>PyTorch stacks the four gates "
                     "in the rows, in the order i, f, g, o; colours are fixed to the "
                     "initialisation range ±1/√H, the colour bar on the right.</p>"),
            self.weights,
            ipw.HTML("<h3>Step by step</h3><p class='hint'>Drag the step, press Play, or "
                     "focus the slider and use the ← → keys.</p>"),
            self.steps,
        ]

        self.model.observe(self._on_trace, names="trace")
        self.model.observe(self._on_view, names=["sample", "step", "unit"])
        self._on_trace()

    def recipe(self):
        m = self.model
        return lstm_recipe(m.config, sample=m.sample, step=m.step, unit=m.unit, link=self.query)

    def numbers_html(self) -> str:
        m = self.model
        return step_tables(m.trace, m.sample, m.step)

    # --- model -> views ---------------------------------------------------------------------
    def _sync_controls(self) -> None:
        m = self.model
        for name in SIZE_TRAITS:
            self.controls[name].value = getattr(m, name)
        set_bounded(self.controls["sample"], *m.index_range("sample"), m.sample)
        self.steps.sync_controls(m.seq_len, m.step, m.hidden_size, m.unit)

    def _on_trace(self, _change=None) -> None:
        m = self.model
        self._sync_controls()
        H, n_x = m.hidden_size, m.n_x
        k = init_bound(H)
        self.weights.show(m.weights(), vmin=-k, vmax=k, caption=f"±1/√H =<br>±{k:.3f}")

        count = sum(t.numel() for t in m.lstm.parameters())
        formula = parameter_count(n_x, H)
        param_count = (
            f"<div class='param-count'><b>Parameters</b>: 4H(n_X + H) + 8H = "
            f"4·{H}·({n_x} + {H}) + 8·{H} = <b>{formula:,}</b>; the module counts "
            f"<b>{count:,}</b></div>"
        )
        t = m.trace
        verdict = "matches" if t.matches else "does NOT match"
        self.checks.value = param_count + (
            "<div class='recurrence-badge'>"
            + badge("ok" if t.matches else "bad",
                    f"manual recurrence {verdict} nn.LSTM: max |Δ| = {t.max_abs_diff:.1e} "
                    f"(tolerance {MATCH_ATOL:.0e})")
            + badge("ok" if t.last_equals_h_n else "bad",
                    f"output[:, -1, :] {'equals' if t.last_equals_h_n else 'differs from'} "
                    "h_n[-1] (many-to-one read-out)")
            + "</div>")
        self._on_view(full=True)

    def _on_view(self, _change=None, full: bool = False) -> None:
        m = self.model
        t, s, e, j = m.trace, m.sample, m.step, m.unit
        if e > t.gates.shape[1] or s >= t.x.shape[0] or j >= t.h.shape[-1]:
            return  # mid-rebuild: the new trace arrives with its own notification
        self._sync_controls()
        p = m.weights()
        self.steps.show(
            t, p["bias_ih_l0"], p["bias_hh_l0"], sample=s, step=e, unit=j,
            new_sequence=full or _change is None or _change["name"] == "sample",
            title=(f"Sequence {s} of the batch, step <b>e = {e}</b> of n_E = {m.seq_len}: "
                   f"the cell reads x_{e} (n_X = {m.n_x} values) with h_{e - 1} and c_{e - 1} "
                   f"(H = {m.hidden_size} units each)"))
