"""The whole ``nn.LSTM``: every layer and direction traced by hand, and what ``output`` and
``(h_n, c_n)`` hold, each correspondence checked by ``torch.equal`` on the module's own tensors.

Shapes, with D = 2 when bidirectional (else 1), L = num_layers and H_out = proj_size or H:
``output`` (b_S, n_E, D·H_out) is the last layer's h at every position, the forward direction
in its first H_out columns and the backward one in the next; ``h_n`` (D·L, b_S, H_out) and
``c_n`` (D·L, b_S, H) hold each layer and direction's final state, row l·D + d. The backward
direction ends at the first position, so its final h is ``output[:, 0, H_out:]``, while
``output[:, -1, H_out:]`` is its state after reading the last element alone.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .lstm import (
    MATCH_ATOL,
    CellTrace,
    LSTMConfig,
    build_lstm,
    cell_recurrence,
    cell_weights,
    make_initial_state,
    make_inputs,
)

__all__ = ["Equality", "StackTrace", "output_twin", "run", "state_twin", "trace_stack"]


@dataclass(frozen=True)
class Equality:
    """A claim about nn.LSTM's tensors, as the page writes it, and whether ``torch.equal`` holds."""

    left: str  # e.g. "output[:, -1, :H_out]"
    right: str  # e.g. "h_n[-2]"
    holds: bool  # torch.equal(left, right) on the live tensors
    expected: bool  # what PyTorch's layout says: True for a twin, False for "nowhere"
    meaning: str  # the sentence that says what it shows

    @property
    def as_claimed(self) -> bool:
        return self.holds == self.expected


@dataclass(frozen=True)
class StackTrace:
    """Every cell of the stack traced by hand, nn.LSTM's own results, and the checks between.

    ``cells[(l, d)]`` is layer l in direction d. ``output``, ``h_n`` and ``c_n`` are the
    module's own, as float32 arrays; ``h_0`` and ``c_0`` what it was fed (zeros by default).
    """

    config: LSTMConfig
    cells: dict[tuple[int, int], CellTrace]
    output: np.ndarray  # (b_S, n_E, D·H_out)
    h_n: np.ndarray  # (D·L, b_S, H_out)
    c_n: np.ndarray  # (D·L, b_S, H)
    h_0: np.ndarray  # (D·L, b_S, H_out)
    c_0: np.ndarray  # (D·L, b_S, H)
    max_abs_diff: float  # max |ours - nn.LSTM's| over output, h_n and c_n
    equalities: tuple[Equality, ...]

    @property
    def matches(self) -> bool:
        return self.max_abs_diff <= MATCH_ATOL

    @property
    def x(self) -> np.ndarray:
        """(b_S, n_E, n_X) the input batch, in time order."""
        return self.cells[(0, 0)].x

    def cell(self, layer: int, direction: int) -> CellTrace:
        return self.cells[(layer, direction)]


def _row(layer: int, direction: int, D: int) -> int:
    """Row of ``h_n``/``c_n``/``h_0`` that holds layer ``layer`` in direction ``direction``."""
    return layer * D + direction


def output_twin(config: LSTMConfig, position: int, column: int) -> tuple[int, int] | None:
    """The (row, unit) of ``h_n`` holding the same number as ``output[s, position, column]``.

    ``position`` is 0-based. Only the last layer's output exists, and only its final states
    are in ``h_n``: the forward one at the last position, the backward one at the first.
    """
    D, L, H_out, n_e = config.D, config.num_layers, config.H_out, config.seq_len
    direction, unit = divmod(column, H_out)
    final = n_e - 1 if direction == 0 else 0
    return (_row(L - 1, direction, D), unit) if position == final else None


def state_twin(config: LSTMConfig, row: int, unit: int) -> tuple[int, int] | None:
    """The (position, column) of ``output`` holding ``h_n[row, s, unit]``, or None.

    A lower layer's final state fed the layer above only through that layer's steps: it is
    nowhere in ``output``. (``c_n`` has no twin at all: ``output`` holds h, never c.)
    """
    D, L, H_out, n_e = config.D, config.num_layers, config.H_out, config.seq_len
    layer, direction = divmod(row, D)
    if layer != L - 1:
        return None
    return (n_e - 1 if direction == 0 else 0), direction * H_out + unit


def _appears_in(output: torch.Tensor, state: torch.Tensor) -> bool:
    """Whether ``state`` (b_S, w) equals, bit for bit, any w-wide direction block of ``output``
    at any position."""
    width = state.shape[-1]
    if output.shape[-1] % width:
        return False
    blocks = output.unflatten(-1, (-1, width))  # (b_S, n_E, blocks, w)
    return any(torch.equal(blocks[:, e, b], state) for e in range(blocks.shape[1])
               for b in range(blocks.shape[2]))


def equalities(config: LSTMConfig, output: torch.Tensor, h_n: torch.Tensor,
               c_n: torch.Tensor) -> tuple[Equality, ...]:
    """What the page claims about ``output`` and ``(h_n, c_n)``, each checked on the tensors."""
    D, L, H_out = config.D, config.num_layers, config.H_out
    fwd = "h_n[-2]" if D == 2 else "h_n[-1]"
    found = [Equality("output[:, -1, :H_out]", fwd,
                      torch.equal(output[:, -1, :H_out], h_n[-D]), True,
                      "the forward direction of the last layer ends at the last element")]
    if D == 2:
        found.append(Equality("output[:, 0, H_out:]", "h_n[-1]",
                              torch.equal(output[:, 0, H_out:], h_n[-1]), True,
                              "the backward direction ends at the first element"))
        found.append(Equality("output[:, -1, H_out:]", "h_n[-1]",
                              torch.equal(output[:, -1, H_out:], h_n[-1]),
                              config.seq_len == 1,  # one element: the last is the first
                              "output[:, -1] holds the backward direction after it has read "
                              "only the last element"))
    for row in range(D * (L - 1)):
        layer, direction = divmod(row, D)
        found.append(Equality(f"h_n[{row}]", "any block of output",
                              _appears_in(output, h_n[row]), False,
                              f"layer {layer}'s {'backward' if direction else 'forward'} final "
                              "state feeds the layer above through its steps, not output"))
    for row in range(D * L):
        found.append(Equality(f"c_n[{row}]", "any block of output",
                              _appears_in(output, c_n[row]), False,
                              "output holds h, never the cell state c"))
    return tuple(found)


def trace_stack(lstm: nn.LSTM, x: torch.Tensor,
                initial: tuple[torch.Tensor, torch.Tensor] | None = None,
                config: LSTMConfig | None = None) -> StackTrace:
    """Trace every layer and direction of ``lstm`` by hand on ``x`` (b_S, n_E, n_X) and check
    the whole against the module's own forward pass."""
    L, D = lstm.num_layers, 2 if lstm.bidirectional else 1
    H, H_out = lstm.hidden_size, lstm.proj_size or lstm.hidden_size
    b_s = x.shape[0]
    if initial is None:
        initial = (x.new_zeros(D * L, b_s, H_out), x.new_zeros(D * L, b_s, H))
    h_0, c_0 = initial
    with torch.no_grad(), warnings.catch_warnings():
        # PyTorch says once that oneDNN has no projection and it uses its own kernel: true,
        # and nothing a learner can act on
        warnings.filterwarnings("ignore", message="LSTM with projections is not supported")
        output, (h_n, c_n) = lstm(x, (h_0, c_0))
        cells, ours_h, ours_c = {}, [], []
        layer_input = x  # (b_S, n_E, inputs): the features, then the layer below's output
        for layer in range(L):
            halves = []
            for direction in range(D):
                row = _row(layer, direction, D)
                xs, x_proj, h_proj, gates, h, c, m = cell_recurrence(
                    layer_input, cell_weights(lstm, layer, direction), h_0[row], c_0[row],
                    reverse=bool(direction))
                cells[(layer, direction)] = CellTrace(
                    x=xs.numpy(), x_proj=x_proj.numpy(), h_proj=h_proj.numpy(),
                    gates=gates.numpy(), h=h.numpy(), c=c.numpy(), layer=layer,
                    direction=direction, m=None if m is None else m.numpy())
                steps = h[:, 1:]  # (b_S, n_E, H_out) in the order run
                halves.append(steps.flip(1) if direction else steps)  # back in time order
                ours_h.append(h[:, -1])
                ours_c.append(c[:, -1])
            layer_input = torch.cat(halves, dim=-1)  # (b_S, n_E, D·H_out)
        diffs = [(layer_input - output).abs().max(), (torch.stack(ours_h) - h_n).abs().max(),
                 (torch.stack(ours_c) - c_n).abs().max()]
    if config is None:
        config = LSTMConfig(lstm.input_size, H, x.shape[1], b_s, num_layers=L,
                            bidirectional=int(D == 2), proj_size=lstm.proj_size)
    return StackTrace(
        config=config, cells=cells, output=output.numpy(), h_n=h_n.numpy(), c_n=c_n.numpy(),
        h_0=h_0.numpy(), c_0=c_0.numpy(), max_abs_diff=float(max(diffs)),
        equalities=equalities(config, output, h_n, c_n))


def run(config: LSTMConfig) -> tuple[nn.LSTM, torch.Tensor, StackTrace]:
    """One rebuild: the module and the input batch ``config`` names, traced once."""
    lstm = build_lstm(config.n_x, config.hidden_size, config.seed, config.num_layers,
                      config.bidirectional, config.proj_size)
    x = make_inputs(config.batch_size, config.seq_len, config.n_x, config.seed)  # (b_S, n_E, n_X)
    return lstm, x, trace_stack(lstm, x, make_initial_state(config), config)
