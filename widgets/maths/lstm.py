"""The LSTM's maths: a seeded ``nn.LSTM``, a smooth input batch, and a step-by-step trace.

Nothing here knows of widgets. Gate order is PyTorch's: i, f, g, o. The tutorial's symbols map
to code names as n_X -> ``n_x``, H -> ``hidden_size``, n_E -> ``seq_len``, b_S -> ``batch_size``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .limits import check_int

GATES = ("i", "f", "g", "o")

# inclusive bounds of every setting; the kernel enforces them, whatever the browser sends
LIMITS = {
    "n_x": (1, 64),
    "hidden_size": (1, 256),
    "seq_len": (1, 200),
    "batch_size": (1, 16),
    "seed": (0, 2**31 - 1),
}

# the tutorial's symbol for each setting, for labels and messages
SYMBOLS = {
    "n_x": "n_X",
    "hidden_size": "H",
    "seq_len": "n_E",
    "batch_size": "b_S",
    "seed": "seed",
}

# |difference| under which our float32 recurrence counts as matching nn.LSTM
MATCH_ATOL = 1e-5


@dataclass(frozen=True)
class LSTMConfig:
    """The settings that define one explorer state."""

    n_x: int = 5  # n_X: values in each sequence element
    hidden_size: int = 8  # H: units in the hidden and cell states
    seq_len: int = 12  # n_E: elements in each sequence
    batch_size: int = 2  # b_S: sequences fed at once
    seed: int = 0  # one seed drives weights and inputs, so a view is reproducible

    def __post_init__(self):
        for name in LIMITS:
            check_setting(name, getattr(self, name))


def check_setting(name: str, value) -> int:
    """Return ``value`` as an int if it is a valid ``name``, else raise ``ValueError``.

    The message is a plain sentence for the learner, naming the tutorial's symbol.
    """
    return check_int(SYMBOLS[name], value, *LIMITS[name])


def parameter_count(n_x: int, hidden_size: int) -> int:
    """4H(n_X + H) + 8H: two weight matrices of 4H rows and two bias vectors of 4H."""
    return 4 * hidden_size * (n_x + hidden_size) + 8 * hidden_size


def init_bound(hidden_size: int) -> float:
    """PyTorch draws every LSTM weight and bias from U(-1/sqrt(H), 1/sqrt(H))."""
    return 1.0 / math.sqrt(hidden_size)


def build_lstm(n_x: int, hidden_size: int, seed: int) -> nn.LSTM:
    """A real single-layer ``nn.LSTM(n_x, hidden_size, batch_first=True)`` with seeded weights.

    The global RNG is forked, so building a model never disturbs the caller's random state.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        lstm = nn.LSTM(n_x, hidden_size, batch_first=True)
    lstm.requires_grad_(False)
    return lstm


def make_inputs(batch_size: int, seq_len: int, n_x: int, seed: int) -> torch.Tensor:
    """A smooth seeded batch of shape (b_S, n_E, n_X): noisy sines, one per sequence and feature.

    Periods of 6 to 40 steps give the states visible structure at any sequence length.
    """
    rng = np.random.default_rng(seed)
    e = np.arange(seq_len, dtype=np.float64)[None, :, None]  # (1, n_E, 1)
    period = rng.uniform(6.0, 40.0, size=(batch_size, 1, n_x))
    phase = rng.uniform(0.0, 2 * np.pi, size=(batch_size, 1, n_x))
    amplitude = rng.uniform(0.5, 1.0, size=(batch_size, 1, n_x))
    noise = 0.05 * rng.standard_normal((batch_size, seq_len, n_x))
    x = amplitude * np.sin(2 * np.pi * e / period + phase) + noise  # (b_S, n_E, n_X)
    return torch.from_numpy(x.astype(np.float32))


@dataclass(frozen=True)
class LSTMTrace:
    """Every quantity of the recurrence, for every sequence and step, as float32 arrays.

    Step e = 1..n_E sits at index e - 1 of the per-step arrays; ``h`` and ``c`` carry the
    initial zeros at index 0, so ``h[:, e]`` is h_e and ``h[:, e - 1]`` is h_{e-1}.
    """

    x: np.ndarray  # (b_S, n_E, n_X) inputs x_e
    x_proj: np.ndarray  # (b_S, n_E, 4H) x_e W_ih^T, before bias
    h_proj: np.ndarray  # (b_S, n_E, 4H) h_{e-1} W_hh^T, before bias
    gates: np.ndarray  # (b_S, n_E, 4, H) activations i, f, g, o
    h: np.ndarray  # (b_S, n_E + 1, H) h_0 .. h_{n_E}
    c: np.ndarray  # (b_S, n_E + 1, H) c_0 .. c_{n_E}
    output: np.ndarray  # (b_S, n_E, H) nn.LSTM's own output
    max_abs_diff: float  # max |our h - nn.LSTM output| over all sequences and steps
    last_equals_h_n: bool  # output[:, -1, :] == h_n[-1] exactly (the many-to-one read-out)

    @property
    def matches(self) -> bool:
        return self.max_abs_diff <= MATCH_ATOL

    def pre_activation(self, b_ih: np.ndarray, b_hh: np.ndarray) -> np.ndarray:
        """(b_S, n_E, 4H) gate inputs z = x W_ih^T + b_ih + h W_hh^T + b_hh."""
        return self.x_proj + b_ih + self.h_proj + b_hh


def recurrence(lstm: nn.LSTM, x: torch.Tensor):
    """Run the LSTM cell by hand, one step at a time, from the module's own weights.

    Returns per-step tensors (x_proj, h_proj, gates, h, c) shaped as in ``LSTMTrace``. The
    input term x_e W_ih^T does not depend on h, so it is one product for every step at once;
    only h_{e-1} W_hh^T waits for the step before.
    """
    W_ih, W_hh = lstm.weight_ih_l0, lstm.weight_hh_l0  # (4H, n_X), (4H, H)
    b_ih, b_hh = lstm.bias_ih_l0, lstm.bias_hh_l0  # (4H,)
    batch_size, seq_len, _ = x.shape
    H = lstm.hidden_size
    x_proj = x @ W_ih.T  # (b_S, n_E, 4H)
    h = x.new_zeros(batch_size, H)  # h_0
    c = x.new_zeros(batch_size, H)  # c_0
    hs, gs, h_all, c_all = [], [], [h], [c]
    for e in range(seq_len):
        h_proj = h @ W_hh.T  # (b_S, 4H)
        z = (x_proj[:, e] + b_ih + h_proj + b_hh).view(batch_size, 4, H)  # rows i, f, g, o
        act = torch.sigmoid(z)  # (b_S, 4, H); g's row is replaced by its tanh
        act[:, 2] = torch.tanh(z[:, 2])
        i, f, g, o = act.unbind(1)  # 4 x (b_S, H)
        c = f * c + i * g
        h = o * torch.tanh(c)
        hs.append(h_proj)
        gs.append(act)
        h_all.append(h)
        c_all.append(c)
    return (
        x_proj,
        torch.stack(hs, dim=1),  # (b_S, n_E, 4H)
        torch.stack(gs, dim=1),  # (b_S, n_E, 4, H)
        torch.stack(h_all, dim=1),  # (b_S, n_E + 1, H)
        torch.stack(c_all, dim=1),  # (b_S, n_E + 1, H)
    )


def trace_lstm(lstm: nn.LSTM, x: torch.Tensor) -> LSTMTrace:
    """Trace the recurrence by hand and check it against the module's own forward pass."""
    with torch.no_grad():
        output, (h_n, _c_n) = lstm(x)  # (b_S, n_E, H), (1, b_S, H)
        x_proj, h_proj, gates, h, c = recurrence(lstm, x)
    max_abs_diff = float((h[:, 1:] - output).abs().max())
    return LSTMTrace(
        x=x.numpy(),
        x_proj=x_proj.numpy(),
        h_proj=h_proj.numpy(),
        gates=gates.numpy(),
        h=h.numpy(),
        c=c.numpy(),
        output=output.numpy(),
        max_abs_diff=max_abs_diff,
        last_equals_h_n=bool(torch.equal(output[:, -1, :], h_n[-1])),
    )


def run(config: LSTMConfig) -> tuple[nn.LSTM, torch.Tensor, LSTMTrace]:
    """One rebuild: the module and the input batch ``config`` names, traced once."""
    lstm = build_lstm(config.n_x, config.hidden_size, config.seed)
    x = make_inputs(config.batch_size, config.seq_len, config.n_x, config.seed)  # (b_S, n_E, n_X)
    return lstm, x, trace_lstm(lstm, x)
