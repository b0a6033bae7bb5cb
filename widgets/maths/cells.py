"""The three recurrent cells the training page compares: the LSTM, the GRU and the plain RNN.

Each is PyTorch's own module, ``batch_first=True``, one layer, one direction. The GRU and the
plain RNN are traced here by hand from the module's weights and checked against its forward
pass, as ``lstm.trace_lstm`` does for the LSTM. PyTorch's conventions, which the recurrences
follow (its ``nn.GRU`` and ``nn.RNN`` documentation):

- ``nn.GRU`` stacks its gates in the order r, z, n (``weight_ih_l0`` is (3H, n_X)):
  r_e = σ(W_ir x_e + b_ir + W_hr h_(e-1) + b_hr), z_e = σ(W_iz x_e + b_iz + W_hz h_(e-1) + b_hz),
  n_e = tanh(W_in x_e + b_in + r_e ⊙ (W_hn h_(e-1) + b_hn)),
  h_e = (1 - z_e) ⊙ n_e + z_e ⊙ h_(e-1): z is how much of the old state is *kept*.
- ``nn.RNN`` with its default tanh: h_e = tanh(W_ih x_e + b_ih + W_hh h_(e-1) + b_hh).

Nothing here knows of widgets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .limits import check_choice
from .lstm import MATCH_ATOL

__all__ = ["CELLS", "CELL_GATES", "CELL_LABELS", "CellTrace", "build_cell", "cell_recurrence",
           "trace_cell"]

CELLS = ("lstm", "gru", "rnn")
CELL_LABELS = {"lstm": "LSTM", "gru": "GRU", "rnn": "plain RNN"}
# the row bands of each module's stacked weights, in PyTorch's order
CELL_GATES = {"lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n"), "rnn": ()}
MODULES = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


def build_cell(cell: str, n_x: int, hidden_size: int) -> nn.Module:
    """PyTorch's module for ``cell``: ``nn.LSTM``, ``nn.GRU`` or ``nn.RNN`` (tanh), one layer,
    ``batch_first=True``; its weights are drawn from torch's current random state."""
    check_choice("cell", cell, CELLS)
    return MODULES[cell](n_x, hidden_size, batch_first=True)


def cell_of(module: nn.Module) -> str:
    """"lstm", "gru" or "rnn": which of the three ``module`` is."""
    for cell, kind in MODULES.items():
        if type(module) is kind:
            return cell
    raise TypeError(f"not one of nn.LSTM, nn.GRU, nn.RNN: {type(module).__name__}")


def cell_recurrence(module: nn.Module, x: torch.Tensor
                    ) -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor, torch.Tensor]:
    """A GRU's or a plain RNN's recurrence by hand, from zeros: its gates, each (b, n_E, H)
    ({} for the RNN); h, (b, n_E + 1, H) with h[:, 0] = h_0 = 0; and the two products the
    gates' sums are made of, before their biases: x_e W_ih^T and h_(e-1) W_hh^T, each
    (b, n_E, 3H or H), rows in the module's order."""
    cell = cell_of(module)
    if cell == "lstm":
        raise ValueError("the LSTM has its own trace: maths.lstm.trace_lstm")
    W_ih, W_hh = module.weight_ih_l0, module.weight_hh_l0
    b_ih, b_hh = module.bias_ih_l0, module.bias_hh_l0
    b, n_e, _ = x.shape
    H = module.hidden_size
    x_proj = x @ W_ih.T  # (b, n_E, 3H or H): every step's input part at once
    h, h_projs = [torch.zeros(b, H, dtype=x.dtype)], []
    gates: dict[str, list[torch.Tensor]] = {g: [] for g in CELL_GATES[cell]}
    for e in range(n_e):
        h_projs.append(h[-1] @ W_hh.T)  # (b, 3H or H)
        x_part, h_part = x_proj[:, e] + b_ih, h_projs[-1] + b_hh
        if cell == "rnn":
            h.append(torch.tanh(x_part + h_part))
            continue
        xr, xz, xn = x_part.chunk(3, dim=-1)
        hr, hz, hn = h_part.chunk(3, dim=-1)
        r = torch.sigmoid(xr + hr)
        z = torch.sigmoid(xz + hz)
        n = torch.tanh(xn + r * hn)  # r scales the recurrent part only, bias b_hn included
        h.append((1 - z) * n + z * h[-1])
        for name, value in zip(("r", "z", "n"), (r, z, n), strict=True):
            gates[name].append(value)
    return ({g: torch.stack(v, dim=1) for g, v in gates.items()}, torch.stack(h, dim=1),
            x_proj, torch.stack(h_projs, dim=1))


@dataclass(frozen=True)
class CellTrace:
    """A GRU or a plain RNN over a batch, by hand, checked against the module's own pass.

    gates : name -> (b, n_E, H): r, z, n for the GRU, none for the RNN
    h : (b, n_E + 1, H), h[:, 0] the initial zeros
    x_proj, h_proj : (b, n_E, 3H or H), x_e W_ih^T and h_(e-1) W_hh^T before their biases
    output : (b, n_E, H), the module's; max_abs_diff : max |our h_e - its output|

    One layer, forward: step k reads element e = k (``positions``), as the LSTM's trace says.
    """

    cell: str
    x: np.ndarray
    gates: dict[str, np.ndarray]
    h: np.ndarray
    x_proj: np.ndarray
    h_proj: np.ndarray
    output: np.ndarray
    max_abs_diff: float
    layer: int = 0
    direction: int = 0
    m: None = None  # no projection

    @property
    def positions(self) -> np.ndarray:
        """(n_E,) the element e (1-based) read at each step: 1..n_E."""
        return np.arange(1, self.x.shape[1] + 1)

    @property
    def matches(self) -> bool:
        """Our h_e equals the module's output to float32 rounding (``lstm.MATCH_ATOL``)."""
        return self.max_abs_diff <= MATCH_ATOL

    def pre_activation(self, b_ih: np.ndarray, b_hh: np.ndarray) -> np.ndarray:
        """(b, n_E, H): the plain RNN's sum under its tanh, x W_ih^T + b_ih + h W_hh^T + b_hh
        (for the GRU, each gate's sum but n's, which scales its recurrent half by r)."""
        return self.x_proj + b_ih + self.h_proj + b_hh


def trace_cell(module: nn.Module, x: torch.Tensor) -> CellTrace:
    """Trace a one-layer GRU or plain RNN by hand and check it against its forward pass."""
    with torch.no_grad():
        output, _h_n = module(x)
        gates, h, x_proj, h_proj = cell_recurrence(module, x)
    return CellTrace(cell=cell_of(module), x=x.numpy(),
                     gates={g: v.numpy() for g, v in gates.items()}, h=h.numpy(),
                     x_proj=x_proj.numpy(), h_proj=h_proj.numpy(), output=output.numpy(),
                     max_abs_diff=float((h[:, 1:] - output).abs().max()))
