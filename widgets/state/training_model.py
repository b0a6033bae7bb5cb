"""The training dashboard's state: the settings decide a run; the run's progress is published.

A change of a setting builds the task's data and a fresh, untrained model (a ``Trainer``).
Training (``TrainingRun``) advances the trainer a slice at a time (``advance``, safe to call
from a worker thread: it touches no trait) and ``publish`` then tells the views, from the
kernel's own thread. A finished run goes to the model cache, and a run the cache already holds
is adopted instead of trained. The view traits pick what the learner looks at: a validation
sequence, a step, a unit, and the weights before or after training.

What the views draw is published as values, each set once per change so that each view hears
of a change once: ``progress`` (the run as the page tells it: status line, curves, bar),
``revision`` (new weights and answers) and ``look`` (which weights through which sequence).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import ClassVar

import numpy as np
import torch
from traitlets import Float, Instance, Int, TraitError, Unicode, observe, validate

from ..maths import cells
from ..maths.limits import check_choice
from ..maths.lstm import LSTMTrace, trace_lstm
from ..maths.memory import forget_survival, input_dependence, update_survival
from ..maths.tasks import TaskData
from ..maths.training import DEFAULTS, PHASES, ManyToOne, TrainConfig, Trainer, check_setting
from ..store.model_cache import ModelCache, TrainedModel
from .csv_source import DEFAULT_EXAMPLE, EXAMPLES, FILE
from .own_series import OwnSeries
from .run_progress import STATUSES, Look, Progress
from .settings_model import SettingsModel

__all__ = ["PHASES", "SETTINGS", "STATUSES", "Look", "Progress", "TrainingModel"]

SETTINGS = ("task", "cell", "hidden_size", "seq_len", "lr", "epochs", "batch_size", "seed")
COMPARE = ("off", "on")  # whether the page compares the plain RNN, the GRU and the LSTM


class TrainingModel(OwnSeries, SettingsModel):
    """State of the training dashboard.

    Traits
    ------
    task : {"temperatures", "adding"} -- which data; a new task brings its own defaults
    cell : {"lstm", "gru", "rnn"} -- the recurrent module trained: nn.LSTM, nn.GRU or nn.RNN
    hidden_size, seq_len, lr, epochs, batch_size, seed -- ``TrainConfig``'s settings
    sample : int -- the validation sequence shown (0-based)
    step : int -- the step e shown (1..n_E); unit : int -- unit j (0..H-1)
    phase : {"initial", "trained"} -- whose weights the views show
    compare : {"off", "on"} -- whether the page compares the three cells (a link's ask)
    series : str -- with task "csv": the example in use, or "file" for the learner's own
        (``csv``, the source, holds the table and the choice of its columns)
    status : one of ``STATUSES``; message : str -- a sentence on the run
    revision : int -- bumped whenever the weights or the curves change
    progress : Progress -- the run as the page tells it; look : Look -- what the weights'
        views show (both set once per change, read-only for the views)
    """

    task = Unicode(DEFAULTS["temperatures"].task, help="the data the LSTM learns")
    cell = Unicode("lstm", help="the recurrent module: lstm, gru or rnn (nn.RNN, tanh)")
    hidden_size = Int(DEFAULTS["temperatures"].hidden_size, help="H: units in h and c")
    seq_len = Int(DEFAULTS["temperatures"].seq_len, help="n_E: steps read per prediction")
    lr = Float(DEFAULTS["temperatures"].lr, help="Adam's learning rate")
    epochs = Int(DEFAULTS["temperatures"].epochs, help="passes over the training sequences")
    batch_size = Int(DEFAULTS["temperatures"].batch_size, help="b_S: sequences per step")
    seed = Int(0, help="seeds the weights, the batches' order and the adding problem")
    sample = Int(0, help="the validation sequence shown")
    step = Int(1, help="the step e shown, 1-based")
    unit = Int(0, help="the unit j written out in the equations")
    phase = Unicode("initial", help="whose weights the views show: initial or trained")
    compare = Unicode("off", help="'on': the plain RNN, the GRU and the LSTM compared")

    status = Unicode("untrained", help="where the run is")
    message = Unicode("", help="a sentence on the run, for the learner")
    revision = Int(0, help="bumped when the weights or the curves change")
    data = Instance(TaskData, allow_none=True)
    trainer = Instance(Trainer, allow_none=True, help="the run: its model, curves, progress")
    progress = Instance(Progress, allow_none=True, help="the run as the page tells it")
    look = Instance(Look, allow_none=True, help="which weights the views show, and where")

    SETTINGS = SETTINGS
    VIEW_CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {"phase": PHASES,
                                                          "compare": COMPARE,
                                                          "series": EXAMPLES}
    # left out of a link while off: a page without the comparison keeps the link it had
    QUIET_DEFAULTS: ClassVar[dict] = {"compare": "off", "cell": "lstm",
                                      "series": DEFAULT_EXAMPLE}
    INDEX_LABELS: ClassVar[dict[str, str]] = {
        "sample": "The validation sequence", "step": "The step e", "unit": "The unit j"}

    _weights = 0  # changes of the weights the views show (``Look.weights``)

    def __init__(self, cache: ModelCache | None = None, **kwargs):
        self.cache = cache if cache is not None else ModelCache()
        super().__init__(**self._with_task_defaults(kwargs, seed=0, cell="lstm"))

    @staticmethod
    def _with_task_defaults(settings: dict, seed: int, cell: str) -> dict:
        """A task comes with its own sizes and rate; settings given alongside win. The seed
        and the cell are not a task's: they stay as they were."""
        if settings.get("task") not in DEFAULTS:
            return settings
        sizes = {k: v for k, v in asdict(DEFAULTS[settings["task"]]).items()
                 if k in SETTINGS}
        return {**sizes, "seed": seed, "cell": cell, **settings}

    def configure(self, **settings) -> None:
        """Set several traits with one rebuild; a new task brings its defaults (the seed and
        the cell kept)."""
        if "task" in settings and settings["task"] != self.task:
            settings = self._with_task_defaults(settings, seed=self.seed, cell=self.cell)
        super().configure(**settings)

    check = staticmethod(check_setting)

    @validate(*SETTINGS)
    def _valid_setting(self, proposal):
        value = self._validate_setting(proposal)
        # three significant digits: a learning rate reads, and links, as 0.00316, not longer
        return float(f"{value:.3g}") if proposal["trait"].name == "lr" else value

    @validate(*INDEX_LABELS)
    def _valid_index(self, proposal):
        return self._validate_index(proposal)

    @validate("phase")
    def _valid_phase(self, proposal):
        if proposal["value"] not in PHASES:
            raise TraitError(f"The weights shown must be one of {', '.join(PHASES)}; "
                             f"got {proposal['value']!r}.")
        return proposal["value"]

    @validate("compare")
    def _valid_compare(self, proposal):
        try:
            return check_choice("compare", proposal["value"], COMPARE)
        except ValueError as err:
            raise TraitError(str(err)) from None

    def index_range(self, name: str) -> tuple[int, int]:
        if self.data is None:
            return (0, 0) if name != "step" else (1, 1)
        return {"sample": (0, len(self.data.X_valid) - 1), "step": (1, self.seq_len),
                "unit": (0, self.hidden_size - 1)}[name]

    def used(self, name: str) -> bool:
        """Whether ``name`` says something of this state: the example only with the task
        csv, and never the learner's file (a link cannot carry it)."""
        return name != "series" or (self.uses_own_series and self.series != FILE)

    @property
    def config(self) -> TrainConfig:
        return TrainConfig(**self.settings, data=self.data_digest())

    def use_task_defaults(self, task: str) -> None:
        """Switch to ``task`` with its own sizes and rate (the seed is kept): one rebuild."""
        self.configure(task=task)

    # --- building ---------------------------------------------------------------------------
    def _rebuild(self) -> None:
        trainer = Trainer(self.config, data=self.task_data())
        initial = self._copy(trainer, trainer.initial)
        self._shown = {"initial": initial, "trained": initial}  # untrained: the same weights
        self._traces: dict[tuple[str, int], LSTMTrace | cells.CellTrace] = {}
        self._answers = trainer.valid_predictions
        with self.hold_trait_notifications():
            self.data, self.trainer = trainer.data, trainer
            self.status, self.message = "untrained", ""
            self.sample = min(self.sample, len(trainer.data.X_valid) - 1)
            self.step = min(self.step, self.seq_len)
            self.unit = min(self.unit, self.hidden_size - 1)
            self.phase = "initial"
            self.revision += 1
            self._weights += 1
            self.look = self._look()
            self._tell()

    def reset(self) -> None:
        """The same settings, untrained again."""
        self._rebuild()

    # --- training (advance may run in a worker thread: it sets no trait) -----------------------
    def cached(self) -> TrainedModel | None:
        return self.cache.get(self.config)

    def advance(self, seconds: float | None, should_stop=lambda: False,
                batches: int | None = None) -> None:
        """Train for about ``seconds`` (or ``batches`` batches): the trainer only, no trait,
        so any thread may call it."""
        self.trainer.run(seconds, should_stop, batches)

    def publish(self) -> None:
        """Tell the views where the run is (from the kernel's thread); cache a finished run."""
        t = self.trainer
        status = {"ready": "untrained", "running": "training", "finished": "trained"}.get(
            t.status, t.status)
        if t.status == "finished" and self.status != "trained":
            self.cache.put(TrainedModel.of(t))
        self._after_weights_changed(status, t.message)

    def adopt(self, trained: TrainedModel) -> None:
        """Take a finished run (from the cache) as this model's: its weights and curves."""
        t = self.trainer
        t.adopt(trained.trained, trained.history.train, trained.history.valid, trained.seconds,
                f"Trained for {trained.config.epochs} epochs, taken from the model cache (it "
                f"took {trained.seconds:.1f} s when it was made).")
        self._after_weights_changed("trained", t.message)

    def set_status(self, status: str, message: str = "", alert: str = "") -> None:
        """Say where the run is (``alert``: a sentence for the banner too)."""
        with self.hold_trait_notifications():
            self.status, self.message = status, message
            self._tell(alert)

    def replay(self, trained: TrainedModel, epochs: int) -> None:
        """Tell a frame of a cached run's replay: its curves over its first ``epochs``."""
        h, total = trained.history, trained.config.epochs
        self.progress = Progress(self.status, self.message, epochs, total,
                                 tuple(h.train[:epochs]), tuple(h.valid[:epochs]), epochs,
                                 total, "epochs, replayed", revision=self.revision)

    def _tell(self, alert: str = "") -> None:
        """The progress of the run as the trainer has it, under the status and message."""
        t, status = self.trainer, self.status
        self.progress = Progress(
            status, self.message, t.epoch, t.config.epochs, tuple(t.history.train),
            tuple(t.history.valid), t.batches_done, max(t.batches_total, 1),
            seconds_left=t.seconds_left() if status == "training" else None,
            revision=self.revision,
            alert=alert or (self.message if status == "diverged" else ""))

    def _look(self) -> Look:
        return Look(self._weights, self.phase, self.sample, self.step, self.unit)

    @observe("phase", "sample", "step", "unit")
    def _looked_elsewhere(self, _change) -> None:
        # set again after a held change that set it already: equal, so no second notification
        self.look = self._look()

    @staticmethod
    def _copy(trainer: Trainer, state: dict) -> ManyToOne:
        model = ManyToOne(trainer.data.n_x, trainer.config.hidden_size, trainer.config.cell)
        model.load_state_dict(state)
        return model.requires_grad_(False)

    def _after_weights_changed(self, status: str, message: str) -> None:
        # the views read a copy taken here, in the kernel's thread: the live model may be in
        # the middle of a training step in another
        self._shown["trained"] = self._copy(self.trainer, self.trainer.model.state_dict())
        self._answers = self.trainer.valid_predictions
        self._traces = {}
        with self.hold_trait_notifications():
            self.status, self.message = status, message
            if status in ("trained", "stopped"):
                self.phase = "trained"
            self.revision += 1
            if status != "training":  # while it trains, its weights' views wait for its end
                self._weights += 1
            self.look = self._look()
            self._tell()

    # --- what the views read -------------------------------------------------------------------
    @property
    def trained(self) -> bool:
        return self.trainer is not None and self.trainer.epoch > 0

    @property
    def answers(self) -> np.ndarray:
        """(n_valid,) the model's answers on the validation set as last published, task units."""
        return self._answers

    def model_of(self, phase: str) -> ManyToOne:
        """The model with the initial weights, or with the trained ones as last published."""
        return self._shown[phase]

    def trace(self, phase: str | None = None) -> LSTMTrace | cells.CellTrace:
        """The recurrence by hand of the shown validation sequence under ``phase``'s weights
        (b_S = 1), checked against the module: an ``LSTMTrace``, or for the GRU and the plain
        RNN a ``cells.CellTrace``."""
        phase = phase or self.phase
        key = (phase, self.sample)
        if key not in self._traces:
            x = self.data.X_valid[self.sample : self.sample + 1]  # (1, n_E, n_X)
            module = self.model_of(phase).recurrent
            self._traces[key] = (trace_lstm(module, x) if self.cell == "lstm"
                                 else cells.trace_cell(module, x))
        return self._traces[key]

    def weights(self, phase: str | None = None) -> dict[str, np.ndarray]:
        """The recurrent layer's parameters under ``phase``, by PyTorch's names, float32."""
        model = self.model_of(phase or self.phase)
        return {name: p.detach().numpy().copy()
                for name, p in model.recurrent.named_parameters()}

    def survival(self, phase: str | None = None) -> np.ndarray | None:
        """(H, n_E): how much of each unit's state at step e reaches the last step through
        the gates alone: the LSTM's forget gates f, the GRU's update gates z. None for the
        plain RNN, which has no gate."""
        trace = self.trace(phase)
        if self.cell == "lstm":
            return forget_survival(trace.gates[0, :, 1])
        return update_survival(trace.gates["z"][0]) if self.cell == "gru" else None

    def dependence(self, phase: str | None = None) -> np.ndarray:
        """(n_E,): |dŷ/dx_e[0]| of the shown sequence, by autograd on the real model: the
        first value of each step (the temperature, the adding problem's number), apart from
        a marker, whose gradient says where the markers are rather than what is kept."""
        x = self.data.X_valid[self.sample]  # (n_E, n_X)
        return input_dependence(self.model_of(phase or self.phase), x, channel=0)

    def prediction(self, phase: str | None = None) -> float:
        """ŷ of the shown validation sequence, in the task's units."""
        with torch.no_grad():
            out = self.model_of(phase or self.phase)(self.data.X_valid[self.sample][None])
        return float(self.data.to_task(out[0, 0]))
