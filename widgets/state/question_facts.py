"""What a page's questions may name, each read from the page's live state model.

A question file names its answer through a check (``questions.CHECKS``) and the check's
arguments name things here, never code: a **tensor** of the live model (its shape, or one of
its sizes, is the answer), a **quantity** (a number the model holds, also the prompt's
``{placeholders}``) or a **rule** (a choice whose right option the model decides, with a
sentence that says why). Every reader takes the page's model and reads its live tensors and
traces; none redoes the maths. A reader that cannot answer yet (no next step, not trained)
raises ``NotReadyError`` with what to do first.

The MLP, the sequence data and the explorer are here; the training page is in
``question_training``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from ..maths.lstm import GATES
from ..maths.lstm_stack import output_twin

__all__ = ["EXPLORER", "MLP", "SEQUENCE", "NotReadyError", "Quantity", "Rule", "Vocabulary"]


class NotReadyError(Exception):
    """The live model cannot answer this yet; the message says what to do first."""


@dataclass(frozen=True)
class Quantity:
    """A number read from the live model, and how a reason names it."""

    label: str  # e.g. "n_S (sequences in the dataset)"
    read: Callable[[Any], Any]
    numeric: bool = True  # False: a word for a prompt (the cell's name), never an answer


@dataclass(frozen=True)
class Rule:
    """A choice whose right option the live model decides.

    ``options`` is fixed, or a function of the model (the rows of h_n); ``decide`` returns the
    right option and one sentence, with the live numbers, that says why.
    """

    options: tuple[str, ...] | Callable[[Any], tuple[str, ...]]
    decide: Callable[[Any], tuple[str, str]]

    def live_options(self, model) -> tuple[str, ...]:
        return self.options(model) if callable(self.options) else self.options


@dataclass(frozen=True)
class Vocabulary:
    """The names one page's questions may use, and how to read each from its model."""

    page: str
    tensors: dict[str, Callable[[Any], Any]]  # name -> the live tensor (or its shape)
    quantities: dict[str, Quantity]
    rules: dict[str, Rule] = field(default_factory=dict)
    # what the readers are given, from the page's model and its comparison (the training
    # page's); the model itself elsewhere
    live: Callable[[Any, Any], Any] = lambda model, _comparison: model


def _shape(t) -> tuple[int, ...]:
    return tuple(int(d) for d in (t if isinstance(t, tuple) else t.shape))


# --- 1: the MLP ----------------------------------------------------------------------------
def _net_of_one(m) -> torch.Tensor:
    with torch.no_grad():
        return m.net(m.X[0])  # one instance, no batch dimension: (n_X,) -> (n2,)


def _by_hand(check_of: Callable, claim: str) -> Callable:
    def decide(m) -> tuple[str, str]:
        check = check_of(m.trace)
        option = "bit for bit" if check.equal else "only close"
        return option, (f"torch.equal({claim}) is {check.equal} on the live network, and the "
                        f"largest difference is {check.max_abs_diff:.2g}: they agree {option}.")
    return decide


MLP = Vocabulary(
    page="1_mlp",
    tensors={
        "X": lambda m: m.X,
        "layer1.weight": lambda m: m.net[0].weight,
        "layer1.bias": lambda m: m.net[0].bias,
        "layer2.weight": lambda m: m.net[1].weight,
        "layer2.bias": lambda m: m.net[1].bias,
        "a1": lambda m: m.trace.a1,
        "y": lambda m: m.trace.y,
        "X[0]": lambda m: m.X[0],
        "net(X[0])": _net_of_one,
    },
    quantities={
        "n_d": Quantity("n_D (instances in X)", lambda m: m.n_d),
        "n_x": Quantity("n_X (values in each instance)", lambda m: m.n_x),
        "n1": Quantity("n[1] (units in layer 1)", lambda m: m.n1),
        "n2": Quantity("n[2] (units in layer 2)", lambda m: m.n2),
        "params": Quantity("the parameter count (weights and biases)",
                           lambda m: sum(p.numel() for p in m.net.parameters())),
        "weights": Quantity("the count of weights alone",
                            lambda m: m.net[0].weight.numel() + m.net[1].weight.numel()),
    },
    rules={
        "layer_by_hand": Rule(("bit for bit", "only close"), _by_hand(
            lambda t: t.layer1_by_hand, "layer1(X), X @ layer1.weight.T + layer1.bias")),
        "batch_vs_loop": Rule(("bit for bit", "only close"), _by_hand(
            lambda t: t.batch_vs_loop, "net(X), net(X[i]) row by row")),
    },
)


# --- 2: sequence data ----------------------------------------------------------------------
def _layout(layout: str, tensor: str) -> Callable:
    return lambda m: m.feed().layouts(m.position).shapes[layout][tensor]


def _last_is_h_n(m) -> tuple[str, str]:
    same = m.feed().last_is_h_n
    option = "the same" if same else "different"
    return option, (f"torch.equal(output[:, -1, :], h_n[-1]) is {same} for this batch: the "
                    "last step's h is the final hidden state of a one-layer, one-way LSTM.")


SEQUENCE = Vocabulary(
    page="2_sequence_data",
    tensors={
        "X": lambda m: m.data.X,
        "X_batch": lambda m: m.current_batch(),
        "X[s]": lambda m: m.data.X[m.sample],
        "x_e": lambda m: m.data.X[m.sample, m.element - 1],
        "output": lambda m: m.feed().output,
        "h_n": lambda m: m.feed().h_n,
        "c_n": lambda m: m.feed().c_n,
        "prediction": lambda m: m.feed().prediction,
        "output_unbatched": _layout("unbatched", "output"),
        "h_n_unbatched": _layout("unbatched", "h_n"),
        "X_batch_time_major": _layout("time_major", "input"),
        "output_time_major": _layout("time_major", "output"),
        "weight_ih_l0": lambda m: m.lstm.weight_ih_l0,
        "weight_hh_l0": lambda m: m.lstm.weight_hh_l0,
        "head.weight": lambda m: m.head.weight,
    },
    quantities={
        "n_s": Quantity("n_S (sequences in the dataset)", lambda m: m.data.n_s),
        "n_e": Quantity("n_E (elements in each sequence)", lambda m: m.data.X.shape[1]),
        "n_x": Quantity("n_X (values in each element)", lambda m: m.data.X.shape[2]),
        "b_s": Quantity("b_S (the batch size)", lambda m: m.batch_size),
        "H": Quantity("H (the hidden size)", lambda m: m.lstm.hidden_size),
        "batches": Quantity("the number of batches in one pass",
                            lambda m: m.data.n_batches(m.batch_size)),
        "full_batches": Quantity("the number of full batches of b_S",
                                 lambda m: m.data.n_s // m.batch_size),
        "batch": Quantity("the index of the batch shown", lambda m: m.batch),
        "this_batch": Quantity("the size of the batch shown",
                               lambda m: len(m.current_batch())),
        "s": Quantity("s (the sequence shown)", lambda m: m.sample),
        "e": Quantity("e (the element shown)", lambda m: m.element),
    },
    rules={"last_is_h_n": Rule(("the same", "different"), _last_is_h_n)},
)


# --- 3: the LSTM explorer -------------------------------------------------------------------
def _parameter(name: str) -> Callable:
    def read(m):
        if not hasattr(m.lstm, name):
            raise NotReadyError(f"This LSTM has no {name}: it has {m.num_layers} layer(s), "
                           f"{'both directions' if m.bidirectional else 'one direction'} and "
                           f"{'a projection' if m.proj_size else 'no projection'}.")
        return getattr(m.lstm, name)
    return read


PARAMETERS = [f"{kind}_l{layer}{suffix}" for layer in range(3) for suffix in ("", "_reverse")
              for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")]


def _step(m, offset: int) -> int:
    """The step ``offset`` after the one shown (1: the next), if there is one."""
    k = m.step + offset
    if k > m.seq_len:
        raise NotReadyError(f"Step {m.step} is the last: there is no next step. Step back "
                            "first.")
    return k


def _unit(m, array: str, offset: int):
    """Unit j of the shown cell's c or h after step k + offset (offset -1: the one it read)."""
    k = _step(m, offset)
    values = getattr(m.cell, array)[m.sample, k]
    if m.unit >= values.shape[0]:
        raise NotReadyError(f"h has H_out = {values.shape[0]} units with this projection: choose "
                       f"a unit below {values.shape[0]}.")
    return float(values[m.unit])


def _gate(gate: str, offset: int = 0) -> Callable:
    def read(m):
        k = _step(m, offset)
        return float(m.cell.gates[m.sample, k - 1, GATES.index(gate), m.unit])
    return read


def _c_next(m) -> tuple[str, str]:
    c, c_next = _unit(m, "c", 0), _unit(m, "c", 1)
    f, i, g = (_gate(name, 1)(m) for name in "fig")
    if c_next == c:
        raise NotReadyError(f"Unit {m.unit}'s c stays {c:.4g} exactly at the next step here: "
                       "choose another step or unit.")
    option = "grows" if c_next > c else "shrinks"
    return option, (f"At step {m.step + 1}, c = f·c + i·g = {f:.3f} × {c:.3f} + {i:.3f} × "
                    f"{g:.3f} = {c_next:.3f}, {'above' if c_next > c else 'below'} "
                    f"{c:.3f}: unit {m.unit}'s c {option}.")


def _h_n_rows(m) -> tuple[str, ...]:
    return tuple(str(r) for r in range(m.trace.h_n.shape[0]))


def _forward_row(m) -> tuple[str, str]:
    config = m.trace.config
    row, _unit_of = output_twin(config, config.seq_len - 1, 0)  # the last position, forward
    L, D = config.num_layers, config.D
    return str(row), (f"h_n has D·num_layers = {D}·{L} = {D * L} rows, layer l's direction d "
                      f"in row l·D + d: the last layer's forward direction is row {row}"
                      f"{', h_n[-2]' if D == 2 else ', h_n[-1]'}, the same numbers as "
                      "output[:, -1, :H_out].")


def _output_last_backward(m) -> tuple[str, str]:
    found = [q for q in m.trace.equalities if q.left == "output[:, -1, H_out:]"]
    if not found:
        raise NotReadyError("Only a bidirectional LSTM has a backward half of output: turn "
                       "bidirectional on first.")
    holds = found[0].holds
    return ("yes" if holds else "no"), (
        f"torch.equal(output[:, -1, H_out:], h_n[-1]) is {holds} here: {found[0].meaning}, "
        "while h_n[-1] is where it ends, after reading the whole sequence back to the first.")


EXPLORER = Vocabulary(
    page="3_lstm_explorer",
    tensors={
        **{name: _parameter(name) for name in PARAMETERS},
        "x": lambda m: m.x,
        "output": lambda m: m.trace.output,
        "h_n": lambda m: m.trace.h_n,
        "c_n": lambda m: m.trace.c_n,
        "h_0": lambda m: m.trace.h_0,
        "c_0": lambda m: m.trace.c_0,
    },
    quantities={
        "n_x": Quantity("n_X (values in each element)", lambda m: m.lstm.input_size),
        "H": Quantity("H (the hidden size)", lambda m: m.lstm.hidden_size),
        "n_e": Quantity("n_E (the sequence length)", lambda m: m.x.shape[1]),
        "b_s": Quantity("b_S (the batch size)", lambda m: m.x.shape[0]),
        "num_layers": Quantity("num_layers", lambda m: m.lstm.num_layers),
        "D": Quantity("D (directions)", lambda m: 2 if m.lstm.bidirectional else 1),
        "H_out": Quantity("H_out (units of h)", lambda m: m.lstm.proj_size or
                          m.lstm.hidden_size),
        "params": Quantity("the parameter count",
                           lambda m: sum(p.numel() for p in m.lstm.parameters())),
        "h_n_rows": Quantity("the number of rows of h_n", lambda m: m.trace.h_n.shape[0]),
        "last_row": Quantity("the last row of h_n", lambda m: m.trace.h_n.shape[0] - 1),
        "step": Quantity("k (the step shown)", lambda m: m.step),
        "e": Quantity("e (the position read at the step shown)",
                      lambda m: int(m.cell.positions[m.step - 1])),
        "j": Quantity("j (the unit shown)", lambda m: m.unit),
        "s": Quantity("the index of the sequence shown", lambda m: m.sample),
        "layer": Quantity("the layer shown", lambda m: m.layer),
        "direction": Quantity("the direction shown", lambda m: m.direction),
        **{gate: Quantity(f"unit j's gate {gate} at the step shown", _gate(gate))
           for gate in GATES},
        "c": Quantity("unit j's c after the step shown", lambda m: _unit(m, "c", 0)),
        "c_prev": Quantity("unit j's c before the step shown", lambda m: _unit(m, "c", -1)),
        "h": Quantity("unit j's h after the step shown", lambda m: _unit(m, "h", 0)),
    },
    rules={
        "c_next": Rule(("grows", "shrinks"), _c_next),
        "h_n_forward_last": Rule(_h_n_rows, _forward_row),
        "output_last_backward": Rule(("yes", "no"), _output_last_backward),
    },
)
