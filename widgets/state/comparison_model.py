"""The comparison's state: the plain RNN, the GRU and the LSTM on the training page's settings.

The model holds one ``maths.comparison.Comparison`` for the settings it was given, runs it a
slice at a time (``advance``, which sets no trait, so a worker thread may call it) and tells
the page where it is through one published value, ``progress`` (``publish``, from the
kernel's thread). What the trained cells remember is read from them on demand: the state's
gradient and the input's, per cell, before and after training, for one validation sequence.
Nothing here knows of widgets.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch
from traitlets import HasTraits, Instance, Int, Unicode

from ..maths.cells import CELL_LABELS, CELLS, trace_cell
from ..maths.comparison import CellResult, Comparison, verdict
from ..maths.lstm import trace_lstm
from ..maths.memory import forget_survival, input_dependence, state_dependence, update_survival
from ..maths.training import ManyToOne, TrainConfig, one_torch_thread
from ..store.model_cache import Claim, ModelCache, TrainedModel

__all__ = ["CellMemory", "ComparisonModel", "ComparisonProgress"]


@dataclass(frozen=True)
class ComparisonProgress:
    """The comparison as the page tells it, published whole.

    status : "untrained", "training", "trained" or "stopped"; message : a sentence on it
    valid : cell -> its validation curve so far, one value an epoch
    results : each cell's part; verdict : one sentence once every cell is done ('' before)
    done, total : batches, for the bar; current : the cell training now ('' if none)
    """

    status: str
    message: str
    valid: dict[str, tuple[float, ...]]
    results: tuple[CellResult, ...]
    verdict: str
    done: int
    total: int
    current: str
    epochs: int
    revision: int = 0

    @property
    def running(self) -> bool:
        return self.status == "training"


@dataclass(frozen=True)
class CellMemory:
    """What one cell's prediction depends on, for one sequence, as its weights stand.

    state : (n_E,) ||dŷ/ds_e||, the state after step e (h_e; the LSTM's (h_e, c_e))
    inputs : (n_E,) |dŷ/dx_e[0]|, the first input channel (the adding problem's number)
    survival : (H, n_E) what reaches the end through the gates alone: the LSTM's forget
        gates f_(e+1) ... f_(n_E), the GRU's update gates z_(e+1) ... z_(n_E); None for the
        plain RNN, which has no gate
    """

    cell: str
    phase: str
    state: np.ndarray
    inputs: np.ndarray
    survival: np.ndarray | None = None


class ComparisonModel(HasTraits):
    """State of the comparison section.

    Traits
    ------
    status : where the run is; progress : ComparisonProgress -- published once per change
    revision : int -- bumped when the cells' weights change (a rebuild, a cell's end)
    """

    status = Unicode("untrained", help="where the comparison is")
    progress = Instance(ComparisonProgress, allow_none=True)
    revision = Int(0, help="bumped when the cells' weights change")

    def __init__(self, config: TrainConfig, cache: ModelCache | None = None,
                 data_for=None, **kwargs):
        super().__init__(**kwargs)
        self.cache = cache  # each cell's race is cached as a run of its own (until_solved)
        # data_for(config): the data of a config the maths cannot make alone (the learner's
        # own series), or None
        self.data_for = data_for or (lambda _config: None)
        self.comparison: Comparison | None = None
        self._waiting = ""
        self.configure(config)

    # --- building -----------------------------------------------------------------------------
    def configure(self, config: TrainConfig) -> None:
        """The settings to compare on, untrained. Nothing is built until the run starts: a
        page whose sliders move builds no three models at each move."""
        self.config = config
        self.comparison = None
        self._memory: dict[tuple[str, str, int], CellMemory] = {}
        self._finished: set[str] = set()
        with self.hold_trait_notifications():
            self.status = "untrained"
            self.revision += 1
            self.publish()

    def _build(self) -> Comparison:
        if self.comparison is None:
            with one_torch_thread():
                self.comparison = Comparison(self.config, data=self.data_for(self.config))
            self._initial = {cell: self._copy(cell, t.initial)
                             for cell, t in self.comparison.trainers.items()}
        return self.comparison

    def _copy(self, cell: str, state: dict[str, torch.Tensor]) -> ManyToOne:
        trainer = self.comparison.trainers[cell]
        model = ManyToOne(trainer.data.n_x, self.config.hidden_size, cell)
        model.load_state_dict(state)
        model.requires_grad_(False)
        return model

    # --- the run (advance may run in a worker thread: it sets no trait) ----------------------
    def advance(self, seconds: float | None, should_stop=lambda: False,
                batches: int | None = None) -> None:
        self.comparison.run(seconds, should_stop, batches)

    def start(self) -> None:
        """The run begins (or goes on after a stop)."""
        for t in self._build().trainers.values():
            t.resume()
        with self.hold_trait_notifications():
            self.status = "training"
            self.publish()

    def publish(self) -> None:
        """Tell the page where the comparison is (from the kernel's thread)."""
        c = self.comparison
        if c is None:  # nothing built, nothing trained
            self.progress = ComparisonProgress(
                status=self.status, message="", valid={cell: () for cell in CELLS},
                results=(), verdict="", done=0, total=1, current="",
                epochs=self.config.epochs, revision=self.revision)
            return
        if self.status == "training" and c.done:
            self.status = "trained"
        elif self.status == "training" and c.stopped:
            self.status = "stopped"
        finished = {r.cell for r in c.results() if r.status in ("finished", "diverged")}
        if finished != self._finished:
            self._finished = finished
            self._memory.clear()  # a cell's weights moved since they were read
            self.revision += 1
        results = tuple(c.results())
        data = c.data
        current = c.current
        self.progress = ComparisonProgress(
            status=self.status,
            message=self._waiting if self.status == "training" and self._waiting else
            {"untrained": "", "training": "Training the three cells, one after another…",
             "trained": "Compared.", "stopped": "Stopped."}[self.status],
            valid={cell: tuple(t.history.valid) for cell, t in c.trainers.items()},
            results=results,
            verdict=verdict(list(results), min(data.error(v) for v in data.yardsticks.values()),
                            self.config.seq_len, data.metric) if c.done else "",
            done=c.batches_done, total=max(c.batches_total, 1),
            current=current.config.cell if current is not None and
            self.status == "training" else "",
            epochs=self.config.epochs, revision=self.revision)

    # --- the model cache: a class that compares the same settings trains each cell once ------
    def cached(self, cell: str) -> TrainedModel | None:
        """Cell ``cell``'s finished race from the cache, or None (no cache, or not in it)."""
        if self.cache is None:
            return None
        return self.cache.get(self.comparison.trainers[cell].config)

    def claim(self, cell: str) -> Claim | None:
        """The right to train cell ``cell`` (a no-op without a cache), or None while another
        kernel trains it."""
        if self.cache is None:
            return Claim(None)
        return self.cache.claim(self.comparison.trainers[cell].config)

    def adopt(self, cell: str, trained: TrainedModel) -> None:
        """Take cell ``cell``'s race from the cache: its weights, curve and time."""
        self._waiting = ""
        self.comparison.trainers[cell].adopt(
            trained.trained, trained.history.train, trained.history.valid, trained.seconds,
            f"Taken from the model cache (it took {trained.seconds:.1f} s when it was made).")

    def store(self, cell: str) -> None:
        """Cache cell ``cell``'s race once it has finished (not when stopped or diverged)."""
        trainer = self.comparison.trainers[cell]
        if self.cache is not None and trainer.status == "finished":
            self.cache.put(TrainedModel.of(trainer))

    def wait_for(self, cell: str) -> None:
        """Say that another kernel is training cell ``cell`` on these settings."""
        self._waiting = (f"Another dashboard on this server is training the "
                         f"{CELL_LABELS[cell]} on these settings; its result will be used here.")
        self.publish()

    def stop(self) -> None:
        self._waiting = ""
        if self.comparison is not None:
            self.comparison.stop()
        if self.status == "training":
            self.publish()

    def fail(self, alert: str) -> None:
        """The run broke: stop it where it is and say so (``progress.message``)."""
        if self.comparison is not None:
            self.comparison.stop()
        with self.hold_trait_notifications():
            self.status = "stopped"
            self.publish()
            self.progress = replace(self.progress, message=alert)

    # --- what the cells remember --------------------------------------------------------------
    def model_of(self, cell: str, phase: str) -> ManyToOne:
        """Cell ``cell``'s model under ``phase``: "initial", or as training left it."""
        if phase == "initial":
            return self._initial[cell]
        return self.comparison.trainers[cell].model

    def memory(self, cell: str, phase: str, sample: int) -> CellMemory:
        """Cell ``cell``'s dependence on its state and its input, for validation sequence
        ``sample``, by autograd through its real module (cached until its weights change)."""
        key = (cell, phase, sample)
        if key not in self._memory:
            x = self.comparison.data.X_valid[sample]
            model = self.model_of(cell, phase)
            with one_torch_thread():
                state, _ = state_dependence(model, x)
                inputs = input_dependence(model, x, channel=0)
                survival = None
                if cell == "lstm":
                    survival = forget_survival(trace_lstm(model.lstm, x[None]).gates[0, :, 1])
                elif cell == "gru":
                    survival = update_survival(trace_cell(model.gru, x[None]).gates["z"][0])
            self._memory[key] = CellMemory(cell, phase, state, inputs, survival)
        return self._memory[key]

    def memories(self, sample: int) -> dict[tuple[str, str], CellMemory]:
        """Every cell's memory, before training and, for the cells trained, after; none
        before the run has started."""
        if self.comparison is None:
            return {}
        # trained and not training now: a worker thread may be moving the current cell
        done = {r.cell for r in self.comparison.results()
                if r.epochs > 0 and r.status in ("finished", "stopped", "diverged")}
        return {(cell, phase): self.memory(cell, phase, sample)
                for cell in CELLS for phase in ("initial", "trained")
                if phase == "initial" or cell in done}
