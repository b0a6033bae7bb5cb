"""What an LSTM learns: train a real one, watch its curves beside honest yardsticks, then see
its gates, states and memory before and after.

Training runs beside the kernel's message loop: an asyncio task on the kernel's own loop hands
slices of about ``TICK_S`` seconds to a worker thread (``TrainingModel.advance``, which sets
no trait), and after each slice publishes the run from the kernel's thread, so every widget
update leaves from the thread ipykernel expects, the controls keep answering, and Stop is
honoured within a slice. Outside a kernel (a plain script, a test) ``train_now`` runs the same
steps to the end.
"""

from __future__ import annotations

import asyncio
import html
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import ClassVar

import ipywidgets as ipw
import numpy as np

from ..codegen.training import training_recipe
from ..maths.lstm import GATES, init_bound
from ..maths.tasks import TASK_LABELS, TASKS
from ..maths.training import LIMITS, SYMBOLS
from ..state.training_model import PHASES, SETTINGS, TrainingModel
from ..store.model_cache import TrainedModel
from ..views.colors import DIVERGING, nice_bound
from ..views.controls import (
    GuardedToggleButtons,
    bind_controls,
    int_slider,
    log_slider,
    seed_box,
    set_bounded,
)
from ..views.learning_curves import CurvesChart, PredictionsChart
from ..views.memory_view import MemoryView
from ..views.nav import NavBar
from ..views.parameter_panel import WEIGHT_REGIONS, ParameterPanel
from ..views.step_panel import StepPanel, step_tables
from ..views.style import STYLE
from ..views.text_alternative import html_table
from .dashboard import Dashboard

__all__ = ["TrainingExplorer", "kernel_loop"]

TICK_S = 0.2  # training between two looks: Stop answers and the charts move this often
REPLAY_S = 1.5  # a cached run's curves are drawn growing over this long
PHASE_LABELS = {"initial": "before training (initial weights)", "trained": "after training"}


def kernel_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop of the Jupyter kernel we are in (Voila, JupyterLab), else None.

    Only a kernel's loop keeps turning after the handler that asks returns; another running
    loop (a test runner's, Playwright's) may never run a task given to it.
    """
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return None
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class TrainingExplorer(Dashboard):
    """The training dashboard.

    Parameters
    ----------
    model : TrainingModel, optional
        The state to show; the temperatures' defaults if omitted.
    preset : str, optional
        A URL query such as ``"task=adding&seq_len=80&phase=trained"``; ``phase=trained``
        opens a trained model (from the cache, or trained on open with the progress bar).

    Controls carry ``ctl-<trait>`` classes (``ctl-task``, ``ctl-hidden_size``, ``ctl-seq_len``,
    ``ctl-lr``, ``ctl-epochs``, ``ctl-batch_size``, ``ctl-seed``, ``ctl-sample``, ``ctl-step``,
    ``ctl-unit``, ``ctl-phase``); the buttons ``train-button``, ``stop-button``,
    ``reset-button``. ``status`` is the visible line of the run; ``announcer`` (visually
    hidden, a polite status) says only its changes (started, stopped, trained), and errors
    go to the banner, an alert.
    """

    MODEL = TrainingModel
    CSS_CLASS = "training-explorer"
    PRESET: ClassVar[dict] = {"limits": LIMITS, "symbols": SYMBOLS,
                              "choices": {"task": TASKS, "phase": PHASES}}

    def __init__(self, model: TrainingModel | None = None, preset: str | None = None,
                 **kwargs):
        super().__init__(model, preset, **kwargs)
        m = self.model
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="training")
        self._job: asyncio.Task | None = None
        self._reset_after = False  # Reset pressed while training: reset once it has stopped
        self._drawn: tuple | None = None  # (revision, phase, sample) the views last showed

        task = GuardedToggleButtons(options=[(TASK_LABELS[t], t) for t in TASKS], value=m.task,
                                    description="task",
                                    style={"description_width": "64px", "button_width": "190px"})
        task.add_class("ctl-task")
        self.controls = {
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
            "sample": int_slider("sample", "sequence", 0, 1, 0,
                                 name="validation sequence shown step by step"),
        }
        self.controls["lr"].style.description_width = "90px"
        bind_controls(m, self.controls, self.banner, what="the model")
        # a new task brings its own sizes and rate, in one rebuild
        task.on_reject(lambda _control, message: self.banner.show(message))
        task.observe(self._on_task, names="value")
        self.task = task
        self.phase = GuardedToggleButtons(options=[(PHASE_LABELS[p], p) for p in PHASES],
                                          value=m.phase, description="weights",
                                          style={"description_width": "64px",
                                                 "button_width": "240px"})
        self.phase.add_class("ctl-phase")
        bind_controls(m, {"phase": self.phase}, self.banner, what="the view")

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
        self.buttons["stop"].on_click(lambda _b: self.stop())
        self.buttons["reset"].on_click(lambda _b: self.reset())
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
        self._said: tuple | None = None  # the (status, message) the announcer last spoke of
        self.source = ipw.HTML()
        self.source.add_class("data-source")
        self.curves = CurvesChart()
        self.results = ipw.HTML()
        self.results.add_class("training-results")
        self.predictions = PredictionsChart()
        self.weights = ParameterPanel(WEIGHT_REGIONS, bands=GATES, palette=DIVERGING,
                                      height=260)
        self.steps = StepPanel(play=True)
        self.controls.update(self.steps.controls)
        bind_controls(m, self.steps.controls, self.banner, what="the view")
        bind_controls(m, {"step": self.steps.play}, self.banner, what="the view")
        self.memory = MemoryView()

        c = self.controls
        row = ipw.Layout(flex_flow="row wrap", align_items="center")
        self.children = [
            NavBar(current="training.ipynb"),
            ipw.HTML(STYLE + "<p class='hint'>Train a real <code>nn.LSTM(n_X, H, "
                     "batch_first=True)</code> with <code>nn.Linear(H, 1)</code> on its last "
                     "step, then see what its gates learned. Every number below is read "
                     "from the live model.</p>"),
            task,
            ipw.HBox([c["hidden_size"], c["seq_len"], c["lr"]], layout=row),
            ipw.HBox([c["epochs"], c["batch_size"], c["seed"]], layout=row),
            ipw.HBox([*self.buttons.values(), self.progress], layout=row),
            self.status,
            self.announcer,
            self.banner,
            self.link,
            self.panels,
            self.source,
            ipw.HTML("<h3>Learning curves</h3>"),
            self.curves,
            self.results,
            ipw.HTML("<h3>Its answers on validation sequences</h3>"),
            self.predictions,
            ipw.HTML("<h3>What it learned</h3><p class='hint'>One validation sequence through "
                     "the model, with the weights before or after training.</p>"),
            ipw.HBox([self.phase, c["sample"]], layout=row),
            self.weights,
            self.steps,
            ipw.HTML("<h3>Memory</h3>"),
            self.memory,
        ]
        self.code.follow(m, ["status"])  # its note says how far the page's run went
        # the numbers follow the run too: a published slice or its end changes the revision
        self.numbers.follow(m, ["status", "revision"])
        m.observe(self._on_build, names="trainer")
        m.observe(self._on_run, names="revision")
        m.observe(self._on_status, names=["status", "message"])
        m.observe(self._on_view, names=["sample", "phase"])
        m.observe(self._on_step, names=["step", "unit"])
        self._on_build()
        self._on_run()
        self._train_if_asked()

    def recipe(self):
        m = self.model
        return training_recipe(m.config, phase=m.phase, sample=m.sample, step=m.step,
                               unit=m.unit, link=self.query, note=self._code_note())

    def numbers_html(self) -> str:
        """The run's numbers as tables: its curves per epoch and the yardsticks, its answers
        against the truth, and the step the step view shows, under the weights it shows.

        Everything is read from the run (trainer, data, trace), never from the settings: a
        new task sets its settings one by one before the rebuild, and the tables in between
        are the old run's, whole, not a mix.
        """
        m, t, data = self.model, self.model.trainer, self.model.data
        unit = f" ({data.unit})" if data.unit else ""
        n_valid = len(data.truth)
        parts = [f"<p>The run: {m.status}, epoch {t.epoch} of {t.config.epochs}.</p>"]
        if t.history.valid:
            epochs = zip(t.history.train, t.history.valid, strict=True)
            parts.append(html_table(
                f"{data.metric}{unit} per epoch on the training and validation sequences",
                ["epoch", f"training {data.metric}", f"validation {data.metric}"],
                [(k, float(a), float(b)) for k, (a, b) in enumerate(epochs, start=1)]))
        else:
            parts.append("<p>No epoch trained yet: the learning curves start with Train.</p>")
        parts.append(html_table(
            f"The yardsticks: {data.metric}{unit} on the same {n_valid} validation sequences",
            ["yardstick", data.metric],
            [(name, data.error(p)) for name, p in data.yardsticks.items()]))
        # the answers the predictions chart draws, in the validation set's order
        answers = zip(data.valid_labels, data.truth, t.valid_predictions, strict=True)
        parts.append(html_table(
            f"The LSTM's answers{'' if m.trained else ' (untrained)'} and the truth on the "
            f"{n_valid} validation sequences{unit}",
            ["sequence", "what it is", "truth", "LSTM's answer", "answer − truth"],
            [(k, label, float(y), float(p), float(p - y))
             for k, (label, y, p) in enumerate(answers)]))
        # the trace holds only the sequence shown (b_S = 1): index 0 there, m.sample here
        trace = m.trace()
        if m.step < trace.h.shape[1]:  # h: (1, n_E + 1, H); a new task's n_E comes first
            parts.append(f"<h4>Validation sequence {m.sample} "
                         f"({html.escape(data.valid_labels[m.sample])}), "
                         f"{PHASE_LABELS[m.phase]}</h4>")
            parts.append(step_tables(trace, 0, m.step, label=f"validation sequence {m.sample}"))
        return "".join(parts)

    def _code_note(self) -> str:
        """Where the code, which always trains every epoch, and the page's run part ways."""
        m, t = self.model, self.model.trainer
        left = {"untrained": "The page has not trained yet",
                "training": f"The page is training (epoch {t.epoch} of {t.config.epochs})",
                "waiting": "The page waits for another kernel training these settings",
                "stopped": f"The page's run was stopped after {t.epoch} of "
                           f"{t.config.epochs} epochs",
                "diverged": "The page's run diverged"}.get(m.status)
        if left is None:
            return ""
        return (f"{left}; this code trains all {t.config.epochs} epochs, so its curves and "
                "trained weights are those of a full run.")

    def apply_preset(self, query: str | None) -> None:
        super().apply_preset(query)
        self._train_if_asked()

    # --- training -----------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._job is not None and not self._job.done()

    def train(self) -> None:
        """Train with the current settings: in the background on the kernel's loop in a
        notebook or Voila, else to the end now."""
        loop = kernel_loop()
        if loop is None:
            self.train_now()
        else:
            self.train_in(loop)

    def train_in(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start training as a task on ``loop``, which must be running in this thread."""
        if self.running or self.model.status in ("trained", "diverged"):
            return
        self._stop.clear()
        self.model.trainer.resume()  # after Stop, Train goes on from where it stopped
        self._set_running(True)  # the page answers the press at once
        self.model.set_status("training")
        self._job = loop.create_task(self._train())

    def stop(self) -> None:
        self._stop.set()

    def reset(self) -> None:
        """Back to the untrained model (once the run in progress has stopped)."""
        if self.running:
            self._reset_after = True
            self._stop.set()
            return
        self.model.reset()

    def train_now(self) -> None:
        """Train to the end in this thread, publishing once: for scripts and tests."""
        m = self.model
        if m.status in ("trained", "diverged"):
            return
        self._stop.clear()
        m.trainer.resume()
        cached = m.cached()
        if cached is not None:
            m.adopt(cached)
            return
        m.set_status("training")
        m.advance(None, self._stop.is_set)
        m.publish()

    def _train_if_asked(self) -> None:
        if self.model.phase == "trained" and self.model.status == "untrained":
            self.train()

    async def _train(self) -> None:
        m, loop = self.model, asyncio.get_running_loop()
        try:
            cached = await loop.run_in_executor(self._pool, m.cached)
            claim = None if cached is not None else m.cache.claim(m.config)
            while cached is None and claim is None:  # another kernel trains these settings
                m.set_status("waiting", "Another dashboard on this server is training these "
                                        "very settings; its result will be used here.")
                await asyncio.sleep(0.5)
                if self._stop.is_set():
                    m.set_status("untrained", "Stopped waiting.")
                    return
                cached = await loop.run_in_executor(self._pool, m.cached)
                claim = None if cached is not None else m.cache.claim(m.config)
            if cached is not None:
                await self._replay(cached)
                return
            with claim:
                m.set_status("training")
                while not m.trainer.done:
                    await loop.run_in_executor(self._pool, m.advance, TICK_S, self._stop.is_set)
                    m.publish()
        except Exception as err:  # the kernel carries on; the learner is told what happened
            self.banner.show(f"Training failed ({type(err).__name__}: {err}). Press Reset and "
                             "try again, or smaller sizes.", level="error")
            m.set_status("stopped", "Training failed.")
        finally:
            self._set_running(False)
            if self._reset_after:
                self._reset_after = False
                m.reset()

    async def _replay(self, cached: TrainedModel) -> None:
        """Draw a cached run's curves growing, then take its weights."""
        m, epochs = self.model, cached.config.epochs
        m.set_status("training", "Taken from the model cache: replaying its curves.")
        frames = min(epochs, 30)
        for k in np.linspace(1, epochs, frames).round().astype(int):
            if self._stop.is_set():
                break
            self._show_curves(cached.history.train[:k], cached.history.valid[:k])
            self._show_progress(int(k), epochs, "epochs, replayed")
            self._on_status(epoch=int(k), valid=cached.history.valid[k - 1])
            await asyncio.sleep(REPLAY_S / frames)
        m.adopt(cached)

    def _set_running(self, running: bool) -> None:
        for control in (*(self.controls[n] for n in SETTINGS if n in self.controls), self.task):
            control.disabled = running
        self.buttons["train"].disabled = running
        self.buttons["stop"].disabled = not running
        self.buttons["reset"].disabled = False

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
        set_bounded(self.controls["sample"], *m.index_range("sample"), m.sample)
        self.phase.value = m.phase
        self.steps.sync_controls(m.seq_len, m.step, m.hidden_size, m.unit)

    def _on_build(self, _change=None) -> None:
        """New settings: a new task's source line (the new run's revision draws the rest)."""
        self.source.value = f"<p class='hint'>Data: {html.escape(self.model.data.source)}</p>"

    def _on_run(self, _change=None) -> None:
        """The run moved on: curves, progress, results and answers; once it has ended, the
        views of its weights too (while it trains they show the initial weights)."""
        m, t = self.model, self.model.trainer
        self._show_curves(t.history.train, t.history.valid)
        self._show_progress(t.batches_done, max(t.batches_total, 1), "batches")
        self._show_results()
        self._show_predictions()
        self._on_status()
        if m.status != "training":
            self._on_view()

    def _show_progress(self, done: int, total: int, what: str) -> None:
        """The bar and its tooltip, in one message: the tooltip says the numbers the bar draws."""
        with self.progress.hold_sync():
            self.progress.max, self.progress.value = total, done
            self.progress.tooltip = f"Training progress: {done} of {total} {what}"

    def _on_status(self, _change=None, epoch: int | None = None,
                   valid: float | None = None) -> None:
        """The status line: where the run is (or, replaying a cached run, where the replay is)."""
        m, t = self.model, self.model.trainer
        self.phase.disabled = not m.trained
        left = t.seconds_left() if epoch is None else None
        pace = (f" · about {left:.0f} s left" if left is not None and m.status == "training"
                else "")
        epoch = t.epoch if epoch is None else epoch
        valid = (t.history.valid[-1] if t.history.valid else None) if valid is None else valid
        unit = f" {t.data.unit}" if t.data.unit else ""
        last = f" · validation {t.data.metric} {valid:.3g}{unit}" if valid is not None else ""
        words = {"untrained": "Untrained: press Train.", "training": "Training…",
                 "waiting": "Waiting…", "trained": "Trained.", "stopped": "Stopped.",
                 "diverged": "Diverged."}[m.status]
        note = f" · {html.escape(m.message)}" if m.message else ""
        self.status.value = (f"<div><b>{words}</b> epoch {epoch} of {t.config.epochs}{last}"
                             f"{pace}{note}</div>")
        if (m.status, m.message) != self._said:  # a change of the run, not a tick of it
            self._said = (m.status, m.message)
            self.announcer.value = f"<p>{words} epoch {epoch} of {t.config.epochs}{last}{note}</p>"
        if m.status == "diverged":
            self.banner.show(m.message, level="error")  # the banner is an alert

    def _show_curves(self, train, valid) -> None:
        data = self.model.data
        yardsticks = {name: data.error(p) for name, p in data.yardsticks.items()}
        metric = f"{data.metric} ({data.unit})" if data.unit else data.metric
        self.curves.show(train, valid, self.model.epochs, yardsticks, metric)

    def _show_results(self) -> None:
        """The model against the yardsticks, on the same validation sequences."""
        data, t = self.model.data, self.model.trainer
        rows = [("this LSTM" + (" (untrained)" if not self.model.trained else ""),
                 t.valid_predictions), *data.yardsticks.items()]
        unit = f" ({data.unit})" if data.unit else ""
        extra = "mean absolute error" + unit if data.name == "temperatures" else "within 0.04"
        body = "".join(
            f"<tr><td>{html.escape(name)}</td><td>{data.error(p):.3g}</td><td>"
            + (f"{data.mae(p):.3g}" if data.name == "temperatures"
               else f"{100 * data.accuracy(p):.0f}%") + "</td></tr>"
            for name, p in rows)
        self.results.value = (
            f"<table class='lstm-table'><tr><th>on the {len(data.truth)} validation "
            f"sequences</th><th>{data.metric}{unit}</th><th>{extra}</th></tr>{body}</table>")

    def _show_predictions(self) -> None:
        data, t = self.model.data, self.model.trainer
        if data.name == "temperatures":
            self.predictions.show(data.truth, t.valid_predictions, order="time",
                                  x_label="day of 2015", y_label="min. temperature (°C)",
                                  title="The next day's minimum temperature in 2015: the "
                                        "truth (line) and the LSTM's answer (crosses)")
        else:
            self.predictions.show(data.truth, t.valid_predictions, order="truth",
                                  x_label="validation sequence, by its target",
                                  y_label="sum of the marked numbers",
                                  title="The target (line, sorted) and the LSTM's answer "
                                        "(crosses) for every validation sequence")

    def _on_view(self, change=None) -> None:
        """The weights shown, and the sequence through them: weights, steps and memory.

        A rebuild changes the revision and may put the phase back too: drawn once, not twice.
        """
        m = self.model
        self._sync_controls()
        if self._drawn == (m.revision, m.phase, m.sample):
            return
        self._drawn = (m.revision, m.phase, m.sample)
        both = {phase: m.weights(phase) for phase in PHASES}
        k = max(nice_bound(np.concatenate([w.ravel() for w in both[p].values()]))
                for p in PHASES) if m.trained else init_bound(m.hidden_size)
        self.weights.show(both[m.phase], vmin=-k, vmax=k,
                          caption=f"±{k:.3g}<br>({'fixed for both' if m.trained else '±1/√H'})")
        self._on_step(full=True)
        survival = m.survival()
        kept = survival[:, 0]  # the first step's share that reaches the end
        self.memory.show(
            survival, m.dependence("initial"), m.dependence("trained") if m.trained else None,
            title=f"<b>f<sub>e+1</sub> ⋯ f<sub>n_E</sub></b> per unit j (rows) and step e "
                  f"(columns), {PHASE_LABELS[m.phase]}",
            summary=(f"<p>Of what the units write at step 1, unit {int(kept.argmax())} keeps "
                     f"the most to the end: {kept.max():.3f}. The prediction for this "
                     f"sequence: {m.prediction():.3g}{' ' + m.data.unit if m.data.unit else ''}"
                     f" (truth {m.data.truth[m.sample]:.3g}).</p>"))

    def _on_step(self, change=None, full: bool = False) -> None:
        m = self.model
        if m.step > m.seq_len or m.unit >= m.hidden_size:
            return  # mid-rebuild: the new model brings its own notification
        self._sync_controls()
        p = m.weights()
        label = m.data.valid_labels[m.sample]
        self.steps.show(
            m.trace(), p["bias_ih_l0"], p["bias_hh_l0"], sample=0, step=m.step, unit=m.unit,
            new_sequence=full or change is None,
            title=(f"Validation sequence {m.sample} ({html.escape(label)}), "
                   f"{PHASE_LABELS[m.phase]}, step <b>e = {m.step}</b> of n_E = {m.seq_len}"))
