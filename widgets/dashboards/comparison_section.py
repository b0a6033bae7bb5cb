"""The training page's comparison: a plain RNN, a GRU and an LSTM trained on the same memory.

It follows the page's settings (a change makes a new comparison, untrained) and its
validation sequence (the memory charts read that one). Its own buttons run it beside the
kernel's loop (``ComparisonRun``); everything on it is read from the three live models.
"""

from __future__ import annotations

import html

import ipywidgets as ipw
import numpy as np

from ..maths.cells import CELLS
from ..state.comparison_model import ComparisonModel
from ..state.comparison_run import ComparisonRun
from ..state.training_model import TrainingModel
from ..state.training_run import Pace
from ..views.cell_charts import CellCurvesChart, CellStepsChart
from ..views.colors import SEQUENTIAL
from ..views.controls import MessageBanner
from ..views.heatmap import MatrixHeatmap
from ..views.markup import Markup
from . import comparison_text as text
from .kernel_loop import kernel_loop

__all__ = ["ComparisonSection"]


class ComparisonSection(ipw.VBox):
    """Why the LSTM: the three cells side by side, trained on the page's settings.

    Buttons ``compare-button``, ``compare-stop-button``, ``compare-reset-button``; the bar
    ``comparison-progress``; ``status`` (visible) and ``announcer`` (a polite status, said
    only when the run changes); ``curves`` (CellCurvesChart), ``results`` (the table),
    ``verdict`` (one sentence), and the memory charts ``state_chart`` (||dŷ/ds_e||, log)
    and ``input_chart`` (|dŷ/dx_e[0]|).
    """

    def __init__(self, page_model: TrainingModel, banner: MessageBanner,
                 pace: Pace | None = None, **kwargs):
        super().__init__(**kwargs)
        self.add_class("comparison-section")
        self._page = page_model
        self._banner = banner
        self.model = ComparisonModel(page_model.config, cache=page_model.cache,
                                     data_for=self._data_for)
        self.run = ComparisonRun(self.model, pace)
        self.buttons = {
            "compare": ipw.Button(description="Compare the three cells", icon="play",
                                  button_style="primary",
                                  tooltip="Train the plain RNN, the GRU and the LSTM on these "
                                          "settings, one after another",
                                  layout=ipw.Layout(width="auto")),
            "compare-stop": ipw.Button(description="Stop", icon="stop", disabled=True,
                                       tooltip="Stop the comparison where it is"),
            "compare-reset": ipw.Button(description="Reset", icon="undo",
                                        tooltip="Back to the three untrained cells"),
        }
        for name, button in self.buttons.items():
            button.add_class(f"{name}-button")
        # the page's ``compare`` says the comparison was asked for: the link carries it
        self.buttons["compare"].on_click(lambda _b: self.compare())
        self.buttons["compare-stop"].on_click(lambda _b: self.run.stop())
        self.buttons["compare-reset"].on_click(lambda _b: self.reset())
        self.progress = ipw.IntProgress(value=0, min=0, max=1, description="progress",
                                        tooltip="Comparison progress",
                                        style={"description_width": "64px"},
                                        layout=ipw.Layout(width="420px"))
        self.progress.add_class("comparison-progress")
        self.status = ipw.HTML()
        self.status.add_class("comparison-status")
        self.announcer = ipw.HTML()
        for css in ("comparison-announcer", "live-status", "sr-only"):
            self.announcer.add_class(css)
        self.intro = ipw.HTML()
        self.curves = CellCurvesChart(CELLS)
        self.results = ipw.HTML()
        self.results.add_class("comparison-results")
        self.verdict = ipw.HTML()
        self.verdict.add_class("comparison-verdict")
        # the legends where the lines are not: the gradients rise to the right, the input's
        # peaks stand at the marked steps
        self.state_chart = CellStepsChart(CELLS, y_label="‖∂ŷ/∂sₑ‖", log=True,
                                          legend_location="bottom-right")
        self.input_chart = CellStepsChart(CELLS, y_label="|∂ŷ/∂xₑ|", log=False,
                                          legend_location="top")
        # what the gated cells keep through their gates alone, trained: f for the LSTM, z
        # for the GRU (PyTorch's GRU keeps z of the old state)
        self.survival = {cell: MatrixHeatmap(palette=SEQUENTIAL, x_label="step e",
                                             y_label="unit j", width="420px", height="220px",
                                             colorbar=True, col_base=1)
                         for cell in ("lstm", "gru")}
        for cell, heatmap in self.survival.items():
            heatmap.add_class(f"{cell}-survival")
        self.memory = ipw.VBox([
            ipw.HTML("<h4>Memory through time</h4><p class='hint'>How much the prediction ŷ "
                     "moves with the state s<sub>e</sub> each cell holds after step e "
                     "(h<sub>e</sub>; for the LSTM, h<sub>e</sub> and c<sub>e</sub>), by "
                     "autograd through its real module run one step at a time. On a log "
                     "scale: a gradient that falls by a factor of ten every few steps back "
                     "from the end has vanished long before the first marked step, and "
                     "training cannot learn what it never feels.</p>"),
            self.state_chart, self.input_chart,
            ipw.HTML("<p class='hint'>What reaches the last step through the gates alone, "
                     "trained: the LSTM's forget gates f<sub>e+1</sub> ⋯ f<sub>n_E</sub> "
                     "(c<sub>e</sub> = f<sub>e</sub> c<sub>e−1</sub> + i<sub>e</sub> "
                     "g<sub>e</sub>) and the GRU's update gates z<sub>e+1</sub> ⋯ "
                     "z<sub>n_E</sub> (h<sub>e</sub> = (1 − z<sub>e</sub>) n<sub>e</sub> + "
                     "z<sub>e</sub> h<sub>e−1</sub>). Dark is kept. The plain RNN has no gate: "
                     "what it keeps passes through tanh and W<sub>hh</sub> at every step.</p>"),
            ipw.HBox(list(self.survival.values()),
                     layout=ipw.Layout(flex_flow="row wrap"))])
        self.children = [
            ipw.HTML("<h3>Why the LSTM: three cells, one memory</h3>"), self.intro,
            ipw.HBox([*self.buttons.values(), self.progress],
                     layout=ipw.Layout(flex_flow="row wrap", align_items="center")),
            self.status, self.announcer, self.curves, self.results, self.verdict,
            self.memory]
        self.model.observe(self._on_progress, names="progress")
        self.model.observe(self._on_weights, names="revision")
        page_model.observe(self._on_settings, names="revision")
        page_model.observe(self._on_sample, names="look")
        page_model.observe(self._on_asked, names="compare")
        self._on_settings()
        if page_model.compare == "on":  # a link that asks for it, opened
            self.compare()

    # --- actions ------------------------------------------------------------------------------
    def compare(self) -> None:
        """Run the comparison: in the background in a kernel, else to its end now."""
        if self._page.compare != "on":
            self._page.compare = "on"  # which runs it, and puts it in the link
            return
        self.run.run(kernel_loop())

    def reset(self) -> None:
        """Back to the untrained cells, and out of the link."""
        self._page.compare = "off"
        self.run.reset()

    def _on_asked(self, change) -> None:
        if change["new"] == "on" and self.model.status in ("untrained", "stopped"):
            self.compare()

    def numbers_html(self) -> str:
        """The comparison's tables for the page's "Show the numbers"."""
        m = self.model
        data = m.comparison.data if m.comparison else self._page.data
        return text.numbers_html(m.progress, data, m.memories(self._page.sample),
                                 self._page.sample)

    # --- model -> views -----------------------------------------------------------------------
    def _data_for(self, config):
        """The page's own series' data, for a comparison of the page's settings."""
        page = self._page
        return page.data if config.data and config == page.config else None

    def _on_settings(self, _change=None) -> None:
        """The page's settings changed (a rebuild): a new comparison of them."""
        config = self._page.config
        if config != self.model.config or _change is None:
            if _change is not None:
                self._page.compare = "off"  # new settings: asked for again, not at each move
            self.run.reset(config)
        self.intro.value = text.intro(config, self._page.data)

    def _on_sample(self, change) -> None:
        old, new = change["old"], change["new"]
        if old is None or old.sample != new.sample:
            self._on_weights()

    def _on_progress(self, change=None) -> None:
        p = self.model.progress
        running = p.running
        self.buttons["compare"].disabled = running or p.status == "trained"
        self.buttons["compare-stop"].disabled = not running
        with self.progress.hold_sync():
            self.progress.max, self.progress.value = p.total, p.done
            self.progress.tooltip = f"Comparison progress: {p.done} of {p.total} batches"
        self.status.value = text.status_line(p)
        old = change["old"] if change else None
        if old is None or (old.status, old.current, old.message) != (p.status, p.current,
                                                                    p.message):
            self.announcer.value = text.announcement(p)
            if p.status == "stopped" and p.message not in ("", "Stopped."):
                self._banner.show(p.message, level="error")
        data = self.model.comparison.data if self.model.comparison else self._page.data
        levels = {name: data.error(values) for name, values in data.yardsticks.items()}
        levels["solved"] = data.solved_below
        solved = {r.cell: r.solved_epoch for r in p.results}
        self.curves.show(p.valid, p.epochs, levels, data.metric, solved)
        self.results.value = text.results_table(p, data)
        self.verdict.value = f"<p><b>{html.escape(p.verdict)}</b></p>" if p.verdict else ""

    def _on_weights(self, _change=None) -> None:
        """The cells' weights (or the sequence) changed: their memory, read again."""
        sample = self._page.sample
        memories = self.model.memories(sample)
        if not memories:  # drawn empty, not hidden: bqplot cannot lay out a hidden figure
            for chart in (self.state_chart, self.input_chart):
                chart.show({}, title=text.NO_MEMORY)
            for cell, heatmap in self.survival.items():
                heatmap.show(np.ones((1, 1)), vmin=0.0, vmax=1.0,
                             title=text.survival_title(cell, None, None))
            return
        label = self.model.comparison.data.valid_labels[sample]
        self.state_chart.show({k: m.state for k, m in memories.items()},
                              title=text.memory_title(Markup("<b>‖∂ŷ/∂s<sub>e</sub>‖</b>"),
                                                      sample, label))
        for cell, heatmap in self.survival.items():
            trained = memories.get((cell, "trained"))
            if trained is not None:
                heatmap.show(trained.survival, vmin=0.0, vmax=1.0,
                             title=text.survival_title(cell, sample, label))
        self.input_chart.show({k: m.inputs for k, m in memories.items()},
                              title=text.memory_title(
                                  Markup("<b>|∂ŷ/∂x<sub>e</sub>[0]|</b>, the gradient of "
                                         "the input's first value"), sample, label))
