"""What an LSTM learns: train a real one, watch its curves beside honest yardsticks, then see
its gates, states and memory before and after.

The page is a view: the run (``widgets.state.training_run.TrainingRun``) trains its model
beside the kernel's message loop, which this module finds (``kernel_loop``) and hands to it, and
the page draws what the model publishes (its ``progress``, ``revision`` and ``look``), each
view once per change. Its buttons call the run's train, stop and reset.
"""

from __future__ import annotations

import html
from typing import ClassVar

import ipywidgets as ipw

from ..codegen.training import training_recipe
from ..maths.cells import CELL_LABELS, CELLS
from ..maths.tasks import TASK_LABELS, TASKS
from ..maths.training import LIMITS, SYMBOLS
from ..state.csv_source import EXAMPLES
from ..state.training_model import COMPARE, PHASES, SETTINGS, TrainingModel
from ..state.training_run import Pace, TrainingRun
from ..views.controls import GuardedToggleButtons, bind_controls, int_slider, log_slider, seed_box
from ..views.learning_curves import CurvesChart, PredictionsChart
from ..views.style import STYLE
from .comparison_section import ComparisonSection
from .dashboard import Dashboard
from .kernel_loop import kernel_loop
from .learned_section import MODULES, LearnedSection
from .own_data import OwnDataPanel
from .questions_section import QuestionsSection
from .training_text import announcement, code_note, numbers_html, results_table, status_line

__all__ = ["TrainingExplorer", "kernel_loop"]


class TrainingExplorer(Dashboard):
    """The training dashboard.

    Parameters
    ----------
    model : TrainingModel, optional
        The state to show; the temperatures' defaults if omitted.
    preset : str, optional
        A URL query such as ``"task=adding&seq_len=80&phase=trained"``; ``phase=trained``
        opens a trained model (from the cache, or trained on open with the progress bar).
    pace : Pace, optional
        How the run shares the kernel's loop (``TrainingRun``'s); tests slice it in batches.

    Controls carry ``ctl-<trait>`` classes (``ctl-task``, ``ctl-hidden_size``, ``ctl-seq_len``,
    ``ctl-lr``, ``ctl-epochs``, ``ctl-batch_size``, ``ctl-seed``, ``ctl-sample``, ``ctl-step``,
    ``ctl-unit``, ``ctl-phase``, ``ctl-scale``); the buttons ``train-button``, ``stop-button``,
    ``reset-button``. ``status`` is the visible line of the run; ``announcer`` (visually
    hidden, a polite status) says only its changes (started, stopped, trained), and errors
    go to the banner, an alert. ``run`` is the training run the buttons drive.
    """

    MODEL = TrainingModel
    CSS_CLASS = "training-explorer"
    PAGE = "4_training.ipynb"
    PRESET: ClassVar[dict] = {"limits": LIMITS, "symbols": SYMBOLS, "choices": {
        "task": TASKS, "cell": CELLS, "phase": PHASES, "compare": COMPARE,
        "series": EXAMPLES}}

    def __init__(self, model: TrainingModel | None = None, preset: str | None = None,
                 pace: Pace | None = None, **kwargs):
        super().__init__(model, preset, **kwargs)
        m = self.model
        self.run = TrainingRun(m, pace)

        task = GuardedToggleButtons(options=[(TASK_LABELS[t], t) for t in TASKS], value=m.task,
                                    description="task",
                                    style={"description_width": "64px", "button_width": "190px"})
        task.add_class("ctl-task")
        cell = GuardedToggleButtons(options=[(CELL_LABELS[c], c) for c in CELLS],
                                    value=m.cell, description="cell",
                                    tooltips=[f"train {MODULES[c]}" for c in CELLS],
                                    style={"description_width": "64px"})
        cell.add_class("ctl-cell")
        self.controls = {
            "cell": cell,
            "hidden_size": int_slider("hidden_size", "H", *LIMITS["hidden_size"],
                                      m.hidden_size),
            "seq_len": int_slider("seq_len", "n_E", *LIMITS["seq_len"], m.seq_len),
            "lr": log_slider("lr", "learning rate", *LIMITS["lr"], m.lr,
                             name="learning rate of the Adam optimiser"),
            "epochs": int_slider("epochs", "epochs", *LIMITS["epochs"], m.epochs,
                                 name="epochs: passes over the training sequences"),
            "batch_size": int_slider("batch_size", "b_S", *LIMITS["batch_size"], m.batch_size,
                                     name="b_S, batch size: sequences per training batch"),
            "seed": seed_box(m.seed, *LIMITS["seed"]),
        }
        self.controls["lr"].style.description_width = "90px"
        bind_controls(m, self.controls, self.banner, what="the model")
        # a new task brings its own sizes and rate, in one rebuild
        task.on_reject(lambda _control, message: self.banner.show(message))
        task.observe(self._on_task, names="value")
        self.task = task
        self.buttons = {
            "train": ipw.Button(description="Train", icon="play", button_style="primary"),
            "stop": ipw.Button(description="Stop", icon="stop", disabled=True),
            "reset": ipw.Button(description="Reset", icon="undo"),
        }
        for name, button in self.buttons.items():
            button.add_class(f"{name}-button")
            button.tooltip = {"train": "Train the model with these settings",
                              "stop": "Stop training where it is",
                              "reset": "Back to the untrained model"}[name]
        self.buttons["train"].on_click(lambda _b: self.train())
        self.buttons["stop"].on_click(lambda _b: self.run.stop())
        self.buttons["reset"].on_click(lambda _b: self.run.reset())
        self.progress = ipw.IntProgress(value=0, min=0, max=1, description="progress",
                                        tooltip="Training progress",
                                        style={"description_width": "64px"},
                                        layout=ipw.Layout(width="420px"))
        self.progress.add_class("training-progress")
        self.status = ipw.HTML()
        self.status.add_class("training-status")
        # the status line changes a few times a second while training: spoken, it would
        # drown the page; this says only what changed in the run (started, stopped, trained)
        self.announcer = ipw.HTML()
        self.announcer.add_class("training-announcer")
        self.announcer.add_class("live-status")  # the page script makes it a polite status
        self.announcer.add_class("sr-only")
        self.intro = ipw.HTML()
        # task "csv": an example series or the learner's file, and its columns
        self.own_data = OwnDataPanel(m, self.banner)
        self.source = ipw.HTML()
        self.source.add_class("data-source")
        self.curves = CurvesChart()
        self.results = ipw.HTML()
        self.results.add_class("training-results")
        self.predictions = PredictionsChart()
        # the weights, the steps and the memory of whichever cell it trains
        self.learned = LearnedSection(m, self.banner)
        self.controls.update(self.learned.controls)
        self.phase, self.scale = self.learned.phase, self.learned.scale
        self.weights, self.steps, self.memory = (self.learned.weights, self.learned.steps,
                                                 self.learned.memory)
        # why the LSTM: the plain RNN and the GRU trained beside it on these settings
        self.comparison = ComparisonSection(m, self.banner, pace)

        c = self.controls
        row = ipw.Layout(flex_flow="row wrap", align_items="center")
        self.questions = QuestionsSection("4_training", m, self.banner, self.comparison.model)
        curves = [self.source, ipw.HTML("<h3>Learning curves</h3>"), self.curves, self.results]
        answers = [ipw.HTML("<h3>Its answers on validation sequences</h3>"), self.predictions]
        self.children = [
            self.nav,
            self.presenter,
            ipw.HTML(STYLE),
            self.intro,
            task,
            self.own_data,
            c["cell"],
            ipw.HBox([c["hidden_size"], c["seq_len"], c["lr"]], layout=row),
            ipw.HBox([c["epochs"], c["batch_size"], c["seed"]], layout=row),
            ipw.HBox([*self.buttons.values(), self.progress], layout=row),
            self.status,
            self.announcer,
            self.banner,
            self.link,
            self.panels,
            self.questions,
            *curves,
            *answers,
            self.learned,
            self.comparison,
        ]
        # the presenter mode's sections, in the tutorial's order; the settings, the buttons
        # and the run's status stay on screen
        self.present_sections([
            ("Learning curves", [self.intro, *curves]),
            ("Its answers on validation sequences", answers),
            *self.learned.parts.items(),
            ("Why the LSTM: three cells, one memory", [self.learned.choice, self.comparison]),
            ("Questions", [self.questions]),
            ("The code, the numbers and the link", [self.panels, self.link]),
        ])
        self.code.follow(m, ["status"])  # its note says how far the page's run went
        self.code.follow(m, ["data"])  # another series, or its columns: the code reads them
        self.code.follow(self.comparison.model, ["status"])  # a finished comparison: its code
        self.numbers.follow(m, ["progress"])  # each publication and status: a new progress
        self.numbers.follow(self.comparison.model, ["progress"])
        # one observer a published value: each view hears of a change once
        m.observe(self._on_data, names="data")
        m.observe(self._on_progress, names="progress")
        m.observe(self._on_answers, names="revision")
        m.observe(self._on_look, names="look")
        self._on_data()
        self._on_progress()
        self._on_answers()
        self._on_look()
        self._train_if_asked()

    def recipe(self):
        m = self.model
        return training_recipe(m.config, phase=m.phase, sample=m.sample, step=m.step,
                               unit=m.unit, link=self.query, note=code_note(m.progress),
                               compare=self.comparison.model.status == "trained",
                               solved_below=m.data.solved_below,
                               csv=(m.csv.parsed, m.csv.choice) if m.uses_own_series else None)

    def numbers_html(self) -> str:
        return numbers_html(self.model) + self.comparison.numbers_html()

    def apply_preset(self, query: str | None) -> None:
        super().apply_preset(query)
        self._train_if_asked()

    # --- training: the run's ----------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.run.running

    def train(self) -> None:
        """Train with the current settings: in the background on the kernel's loop in a
        notebook or Voila, else to the end now."""
        self.run.train(kernel_loop())

    def stop(self) -> None:
        self.run.stop()

    def reset(self) -> None:
        self.run.reset()

    def _train_if_asked(self) -> None:
        if self.model.phase == "trained" and self.model.status == "untrained":
            self.train()

    def _on_task(self, change) -> None:
        if change["new"] == self.model.task:
            return
        try:
            self.model.use_task_defaults(change["new"])
        except Exception as err:
            self.banner.show(f"Could not switch the task ({type(err).__name__}: {err}).",
                             level="error")
            self.task.value = self.model.task
        else:
            self.banner.clear()

    # --- model -> views ---------------------------------------------------------------------
    def _sync_controls(self) -> None:
        m = self.model
        for name in SETTINGS:
            control = self.task if name == "task" else self.controls[name]
            control.value = getattr(m, name)
        self.learned.sync_controls()

    def _on_data(self, _change=None) -> None:
        """New settings: the cell in the introduction, a new task's source line."""
        m = self.model
        module = f"{MODULES[m.cell]}(n_X, H, batch_first=True)"
        self.intro.value = (
            f"<p class='hint'>Train a real <code>{module}</code> with <code>nn.Linear(H, 1)"
            "</code> on its last step, then see what it learned. Every number below is read "
            "from the live model.</p>")
        self.source.value = f"<p class='hint'>Data: {html.escape(m.data.source)}</p>"
        self.own_data.refresh()

    def _on_progress(self, change=None) -> None:
        """The run as told: the controls it locks, curves, bar, status line; the announcer
        only when the status or the message changed, not at every slice."""
        m, p = self.model, self.model.progress
        for control in (*(self.controls[n] for n in SETTINGS if n in self.controls), self.task):
            control.disabled = p.running
        self.own_data.lock(p.running)
        self.buttons["train"].disabled = p.running
        self.buttons["stop"].disabled = not p.running
        self.phase.disabled = not m.trained
        data = m.data
        yardsticks = {name: data.error(values) for name, values in data.yardsticks.items()}
        metric = f"{data.metric} ({data.unit})" if data.unit else data.metric
        self.curves.show(p.train, p.valid, p.epochs, yardsticks, metric)
        # the bar and its tooltip in one message: the tooltip says the numbers the bar draws
        with self.progress.hold_sync():
            self.progress.max, self.progress.value = p.total, p.done
            self.progress.tooltip = f"Training progress: {p.done} of {p.total} {p.what}"
        self.status.value = status_line(p, data)
        old = change["old"] if change else None
        # news: the status, its message, or a run of another length (a switch of task)
        if old is None or (old.status, old.message, old.epochs) != (p.status, p.message,
                                                                     p.epochs):
            self.announcer.value = announcement(p, data)
        if p.alert:
            self.banner.show(p.alert, level="error")  # the banner is an alert

    def _on_answers(self, _change=None) -> None:
        """New weights: the results against the yardsticks, and the answers' chart."""
        m, data = self.model, self.model.data
        self.results.value = results_table(data, m.answers, m.trained, m.cell)
        chart = data.answers_chart
        self.predictions.show(data.truth, m.answers, order=chart.order, x_label=chart.x_label,
                              y_label=chart.y_label, title=chart.titled(CELL_LABELS[m.cell]),
                              model=CELL_LABELS[m.cell])

    def _on_look(self, change=None) -> None:
        """Other weights, another sequence, step or unit: the learned section's."""
        self._sync_controls()
        self.learned.show(change)
