"""The LSTM's maths: a seeded ``nn.LSTM``, a smooth input batch, and a step-by-step trace.

Nothing here knows of widgets. Gate order is PyTorch's: i, f, g, o. The tutorial's symbols map
to code names as n_X -> ``n_x``, H -> ``hidden_size``, n_E -> ``seq_len``, b_S -> ``batch_size``;
PyTorch's own ``num_layers``, ``bidirectional`` (D = 2 when on) and ``proj_size`` (H_out = the
projection's size, or H without one) keep their names. A whole stack of layers and directions
is traced in ``lstm_stack``; one cell (a layer in one direction) is traced here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .limits import check_choice, check_int

GATES = ("i", "f", "g", "o")

# inclusive bounds of every setting; the kernel enforces them, whatever the browser sends
LIMITS = {
    "n_x": (1, 64),
    "hidden_size": (1, 256),
    "seq_len": (1, 200),
    "batch_size": (1, 16),
    "seed": (0, 2**31 - 1),
    "num_layers": (1, 3),
    "bidirectional": (0, 1),
    "proj_size": (0, 255),  # and below H: a projection is smaller than the state it projects
}

# the initial states (h_0, c_0) the explorer can feed: PyTorch's default zeros, or seeded values
INITIAL_STATES = ("zeros", "seeded")

# the tutorial's symbol for each setting, for labels and messages
SYMBOLS = {
    "n_x": "n_X",
    "hidden_size": "H",
    "seq_len": "n_E",
    "batch_size": "b_S",
    "seed": "seed",
    "num_layers": "num_layers",
    "bidirectional": "bidirectional",
    "proj_size": "proj_size",
    "h0": "h0",
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
    num_layers: int = 1  # layers stacked: layer l > 0 reads the output of layer l - 1
    bidirectional: int = 0  # 1: a second direction reads each sequence from its end (D = 2)
    proj_size: int = 0  # H_out: h = W_hr (o * tanh(c)) has this many units; 0 for none
    h0: str = "zeros"  # the initial states (h_0, c_0): "zeros" or "seeded"

    def __post_init__(self):
        for name in (*LIMITS, "h0"):
            check_setting(name, getattr(self, name))
        check_proj_size(self.proj_size, self.hidden_size)

    @property
    def D(self) -> int:
        """Directions: 2 when bidirectional, else 1."""
        return 2 if self.bidirectional else 1

    @property
    def H_out(self) -> int:
        """Units of h (and of each direction's part of ``output``): proj_size, else H."""
        return self.proj_size or self.hidden_size


def check_setting(name: str, value) -> int | str:
    """Return ``value`` cleaned if it is a valid ``name``, else raise ``ValueError``.

    The message is a plain sentence for the learner, naming the tutorial's symbol. Whether
    ``proj_size`` is below H needs both: ``check_proj_size``.
    """
    if name == "h0":
        return check_choice("h0", value, INITIAL_STATES)
    return check_int(SYMBOLS[name], value, *LIMITS[name])


def check_proj_size(proj_size: int, hidden_size: int) -> int:
    """``proj_size`` if it is 0 (none) or below H, else ``ValueError`` with a sentence."""
    if proj_size and proj_size >= hidden_size:
        raise ValueError(f"proj_size must be below H = {hidden_size} (0 for no projection); "
                         f"got {proj_size}.")
    return proj_size


def parameter_count(n_x: int, hidden_size: int, num_layers: int = 1, bidirectional: int = 0,
                    proj_size: int = 0) -> int:
    """D·[4H(n_X + H_out) + 8H + P] + (L − 1)·D·[4H(D·H_out + H_out) + 8H + P].

    One layer in one direction has W_ih (4H, inputs), W_hh (4H, H_out), two biases of 4H and,
    with a projection, W_hr (H_out, H): P = H_out·H (0 without). Layer 0's inputs are the n_X
    features; a later layer's are the layer below's output, D·H_out wide. With the defaults
    this is the tutorial's 4H(n_X + H) + 8H.
    """
    H, D = hidden_size, 2 if bidirectional else 1
    H_out = proj_size or H
    P = H_out * H if proj_size else 0

    def layer(inputs: int) -> int:
        return D * (4 * H * (inputs + H_out) + 8 * H + P)

    return layer(n_x) + (num_layers - 1) * layer(D * H_out)


def init_bound(hidden_size: int) -> float:
    """PyTorch draws every LSTM weight and bias from U(-1/sqrt(H), 1/sqrt(H))."""
    return 1.0 / math.sqrt(hidden_size)


def build_lstm(n_x: int, hidden_size: int, seed: int, num_layers: int = 1,
               bidirectional: int = 0, proj_size: int = 0) -> nn.LSTM:
    """A real ``nn.LSTM(n_x, hidden_size, ..., batch_first=True)`` with seeded weights.

    The global RNG is forked, so building a model never disturbs the caller's random state.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        lstm = nn.LSTM(n_x, hidden_size, num_layers=num_layers,
                       bidirectional=bool(bidirectional), proj_size=proj_size, batch_first=True)
    lstm.requires_grad_(False)
    return lstm


def make_initial_state(config: LSTMConfig) -> tuple[torch.Tensor, torch.Tensor] | None:
    """(h_0, c_0) of shapes (D·num_layers, b_S, H_out) and (D·num_layers, b_S, H), or None.

    None is PyTorch's default, zeros. Seeded values are drawn from U(-0.5, 0.5) by a numpy
    generator of the config's seed, so they never disturb the weights' stream. Row l·D + d
    is layer l in direction d (0 forward, 1 backward), as in ``h_n``.
    """
    if config.h0 == "zeros":
        return None
    rng = np.random.default_rng([config.seed, 0x40])
    rows = config.D * config.num_layers
    h_0 = rng.uniform(-0.5, 0.5, size=(rows, config.batch_size, config.H_out))
    c_0 = rng.uniform(-0.5, 0.5, size=(rows, config.batch_size, config.hidden_size))
    return (torch.from_numpy(h_0.astype(np.float32)), torch.from_numpy(c_0.astype(np.float32)))


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
class CellTrace:
    """One cell (a layer in one direction) over every sequence and step, as float32 arrays.

    The arrays are in the order the cell runs: step k = 1..n_E reads the element at position
    e = ``positions[k - 1]`` (k itself forward; n_E + 1 - k for the backward direction) and
    sits at index k - 1 of the per-step arrays. ``h`` and ``c`` carry the initial state at
    index 0, so ``h[:, k]`` is the state after k steps and ``h[:, k - 1]`` the one it read.
    Forward, k is e: ``h[:, e]`` is h_e.
    """

    x: np.ndarray  # (b_S, n_E, inputs) the elements in the order read: x_e, or the layer below's
    x_proj: np.ndarray  # (b_S, n_E, 4H) x_e W_ih^T, before bias
    h_proj: np.ndarray  # (b_S, n_E, 4H) h_prev W_hh^T, before bias
    gates: np.ndarray  # (b_S, n_E, 4, H) activations i, f, g, o
    h: np.ndarray  # (b_S, n_E + 1, H_out) the initial h, then h after each step
    c: np.ndarray  # (b_S, n_E + 1, H) the initial c, then c after each step
    layer: int = 0
    direction: int = 0  # 0 forward, 1 backward (PyTorch's ``_reverse`` parameters)
    m: np.ndarray | None = None  # (b_S, n_E, H) o * tanh(c) before W_hr; None without projection

    @property
    def positions(self) -> np.ndarray:
        """(n_E,) the position e (1-based) read at each step: 1..n_E, or n_E..1 backward."""
        e = np.arange(1, self.x.shape[1] + 1)
        return e[::-1] if self.direction else e

    def pre_activation(self, b_ih: np.ndarray, b_hh: np.ndarray) -> np.ndarray:
        """(b_S, n_E, 4H) gate inputs z = x W_ih^T + b_ih + h W_hh^T + b_hh."""
        return self.x_proj + b_ih + self.h_proj + b_hh


@dataclass(frozen=True, kw_only=True)
class LSTMTrace(CellTrace):
    """A one-layer, one-direction LSTM traced, with its own output and the checks against it."""

    output: np.ndarray  # (b_S, n_E, H) nn.LSTM's own output
    max_abs_diff: float  # max |our h - nn.LSTM output| over all sequences and steps
    last_equals_h_n: bool  # output[:, -1, :] == h_n[-1] exactly (the many-to-one read-out)

    @property
    def matches(self) -> bool:
        return self.max_abs_diff <= MATCH_ATOL


def cell_weights(lstm: nn.LSTM, layer: int = 0, direction: int = 0) -> dict[str, torch.Tensor]:
    """The cell's parameters by their ``state_dict`` names without the suffix: ``weight_ih``,
    ``weight_hh``, ``bias_ih``, ``bias_hh`` and, with a projection, ``weight_hr``."""
    suffix = f"_l{layer}" + ("_reverse" if direction else "")
    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh",
             *(("weight_hr",) if lstm.proj_size else ()))
    return {name: getattr(lstm, name + suffix).detach() for name in names}


def cell_recurrence(x: torch.Tensor, weights: dict[str, torch.Tensor], h: torch.Tensor,
                    c: torch.Tensor, reverse: bool = False):
    """Run one cell by hand, one step at a time, from its weights (``cell_weights``).

    ``x`` is (b_S, n_E, inputs) in time order; the backward direction reads it from its end.
    ``h`` (b_S, H_out) and ``c`` (b_S, H) are the initial state. Returns per-step tensors
    (x, x_proj, h_proj, gates, h, c, m) in the order the cell ran, shaped as in ``CellTrace``
    (m is None without a projection). The input term x_e W_ih^T does not depend on h, so it
    is one product for every step at once; only h_prev W_hh^T waits for the step before.
    """
    W_ih, W_hh = weights["weight_ih"], weights["weight_hh"]  # (4H, inputs), (4H, H_out)
    b_ih, b_hh = weights["bias_ih"], weights["bias_hh"]  # (4H,)
    W_hr = weights.get("weight_hr")  # (H_out, H) or None
    xs = x.flip(1) if reverse else x  # the order read
    batch_size, seq_len, _ = xs.shape
    H = W_ih.shape[0] // 4
    x_proj = xs @ W_ih.T  # (b_S, n_E, 4H)
    hs, gs, ms, h_all, c_all = [], [], [], [h], [c]
    for k in range(seq_len):
        h_proj = h @ W_hh.T  # (b_S, 4H)
        z = (x_proj[:, k] + b_ih + h_proj + b_hh).view(batch_size, 4, H)  # rows i, f, g, o
        act = torch.sigmoid(z)  # (b_S, 4, H); g's row is replaced by its tanh
        act[:, 2] = torch.tanh(z[:, 2])
        i, f, g, o = act.unbind(1)  # 4 x (b_S, H)
        c = f * c + i * g
        m = o * torch.tanh(c)  # (b_S, H)
        h = m if W_hr is None else m @ W_hr.T  # (b_S, H_out): projected when asked
        hs.append(h_proj)
        gs.append(act)
        ms.append(m)
        h_all.append(h)
        c_all.append(c)
    return (
        xs,
        x_proj,
        torch.stack(hs, dim=1),  # (b_S, n_E, 4H)
        torch.stack(gs, dim=1),  # (b_S, n_E, 4, H)
        torch.stack(h_all, dim=1),  # (b_S, n_E + 1, H_out)
        torch.stack(c_all, dim=1),  # (b_S, n_E + 1, H)
        None if W_hr is None else torch.stack(ms, dim=1),  # (b_S, n_E, H)
    )


def recurrence(lstm: nn.LSTM, x: torch.Tensor):
    """Layer 0's forward cell from zeros: (x_proj, h_proj, gates, h, c) as in ``LSTMTrace``."""
    batch_size, H = x.shape[0], lstm.hidden_size
    h_0 = x.new_zeros(batch_size, lstm.proj_size or H)
    _xs, x_proj, h_proj, gates, h, c, _m = cell_recurrence(x, cell_weights(lstm), h_0,
                                                           x.new_zeros(batch_size, H))
    return x_proj, h_proj, gates, h, c


def trace_lstm(lstm: nn.LSTM, x: torch.Tensor) -> LSTMTrace:
    """Trace a one-layer, one-direction LSTM by hand and check it against its forward pass."""
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
