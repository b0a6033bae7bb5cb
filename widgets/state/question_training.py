"""What the training page's questions may name, read from its ``TrainingModel`` and, for the
comparison of the three cells, its ``ComparisonModel``.

The readers take a ``TrainingPage``: the page's model and its comparison (None where the
page has none). Most answers need a trained model; a reader asked too early raises
``NotReadyError`` with what to press first.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..maths.cells import CELL_LABELS, CELLS
from ..maths.lstm import trace_lstm
from .question_facts import NotReadyError, Quantity, Vocabulary

__all__ = ["TRAINING", "TrainingPage", "sum_unit"]


@dataclass(frozen=True)
class TrainingPage:
    """What the training page's questions read: its model, and its comparison or None."""

    model: Any  # TrainingModel
    comparison: Any = None  # ComparisonModel


def _trained(p: TrainingPage):
    m = p.model
    if not m.trained:
        raise NotReadyError("Train the model first: press Train and let it finish, then check.")
    if m.status == "training":
        raise NotReadyError("The model is still training: let it finish, then check.")
    return m


def _phase_module(p: TrainingPage, name: str):
    m = p.model
    module = m.model_of(m.phase)
    owner = module.head if name.startswith("head.") else module.recurrent
    return getattr(owner, name.removeprefix("head."))


def _output(p: TrainingPage) -> torch.Tensor:
    m = p.model
    with torch.no_grad():  # the shown validation sequence, as a batch of one
        output, _ = m.model_of(m.phase).recurrent(m.data.X_valid[m.sample : m.sample + 1])
    return output  # (1, n_E, H)


# model -> (its revision, sum_unit's answer): the trace of every validation sequence is read
# once per change of the weights, however many questions and answers read it
_SUM_UNITS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def sum_unit(p: TrainingPage) -> tuple[int, float, float]:
    """(j, |r|, mean f): the unit whose last cell state follows the adding problem's sum most
    closely over the validation sequences (|correlation| r), and its forget gate's mean over
    those sequences' steps, both read from the trained LSTM's trace."""
    m = _trained(p)
    if m.task != "adding" or m.cell != "lstm":
        raise NotReadyError("This question is about the LSTM on the adding problem: choose the "
                       "task adding and the cell LSTM, and train it.")
    known = _SUM_UNITS.get(m)
    if known is None or known[0] != m.revision:
        known = _SUM_UNITS[m] = (m.revision, _sum_unit_of(m))
    return known[1]


def _sum_unit_of(m) -> tuple[int, float, float]:
    trace = trace_lstm(m.model_of("trained").lstm, m.data.X_valid)
    final_c = trace.c[:, -1, :].astype(np.float64)  # (n_valid, H)
    truth = m.data.truth
    with np.errstate(invalid="ignore", divide="ignore"):  # a constant unit: no correlation
        r = np.nan_to_num([abs(np.corrcoef(final_c[:, j], truth)[0, 1])
                           for j in range(final_c.shape[1])])
    j = int(np.argmax(r))
    return j, float(r[j]), float(trace.gates[:, :, 1, j].mean())


def _comparison(p: TrainingPage):
    c = p.comparison
    if c is None:
        raise NotReadyError("This page has no comparison of the three cells.")
    if c.comparison is None or c.status != "trained":
        raise NotReadyError("Compare the three cells first (\"Compare the three cells\"), and let "
                       "all three finish; then check.")
    return c


def _cell_valid(cell: str):
    def read(p: TrainingPage) -> float:
        c = _comparison(p)
        return next(r.valid for r in c.comparison.results() if r.cell == cell)
    return read


def _compare_yardstick(p: TrainingPage) -> float:
    data = _comparison(p).comparison.data
    return min(data.error(v) for v in data.yardsticks.values())


def _best_yardstick(p: TrainingPage) -> float:
    data = p.model.data
    return min(data.error(v) for v in data.yardsticks.values())


def _memoryless(p: TrainingPage) -> float:
    data = p.model.data
    if data.name != "adding":
        raise NotReadyError("Only the adding problem has a memoryless yardstick: choose the task "
                       "adding.")
    return data.error(data.yardsticks["memoryless (sees only the last step)"])


def _n_e_compared(p: TrainingPage) -> int:
    if p.comparison is None:
        raise NotReadyError("This page has no comparison of the three cells.")
    return p.comparison.config.seq_len


TRAINING = Vocabulary(
    page="4_training",
    live=TrainingPage,
    tensors={
        "X_train": lambda p: p.model.data.X_train,
        "y_train": lambda p: p.model.data.y_train,
        "X_valid": lambda p: p.model.data.X_valid,
        "y_valid": lambda p: p.model.data.y_valid,
        "x": lambda p: p.model.data.X_valid[p.model.sample],
        "output": _output,
        **{name: (lambda p, name=name: _phase_module(p, name))
           for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                        "head.weight", "head.bias")},
    },
    quantities={
        "H": Quantity("H (the hidden size)", lambda p: p.model.hidden_size),
        "n_e": Quantity("n_E (steps read per prediction)", lambda p: p.model.data.seq_len),
        "n_x": Quantity("n_X (values in each step)", lambda p: p.model.data.n_x),
        "b_s": Quantity("b_S (sequences per gradient step)", lambda p: p.model.batch_size),
        "epochs": Quantity("the number of epochs", lambda p: p.model.epochs),
        "n_train": Quantity("the number of training sequences",
                            lambda p: len(p.model.data.X_train)),
        "n_valid": Quantity("the number of validation sequences",
                            lambda p: len(p.model.data.X_valid)),
        "batches_per_epoch": Quantity("the number of batches in an epoch",
                                      lambda p: p.model.trainer.batches_per_epoch),
        "params": Quantity("the parameter count (the read-out's included)",
                           lambda p: sum(t.numel() for t in
                                         p.model.model_of("initial").parameters())),
        "cell": Quantity("the cell trained", lambda p: CELL_LABELS[p.model.cell], numeric=False),
        "valid_error": Quantity("the validation error after the last epoch",
                                lambda p: _trained(p).trainer.history.valid[-1]),
        "best_yardstick": Quantity("the best yardstick's validation error", _best_yardstick),
        "memoryless": Quantity("the memoryless yardstick's validation MSE", _memoryless),
        "sum_unit": Quantity("the unit whose last c carries the sum", lambda p: sum_unit(p)[0]),
        "sum_unit_forget": Quantity("that unit's mean forget gate",
                                    lambda p: sum_unit(p)[2]),
        **{f"{cell}_valid": Quantity(f"the {CELL_LABELS[cell]}'s last validation error in "
                                     "the comparison", _cell_valid(cell)) for cell in CELLS},
        "compare_yardstick": Quantity("the best yardstick's validation error in the comparison",
                                      _compare_yardstick),
        "compare_n_e": Quantity("n_E of the comparison", _n_e_compared),
    },
)
