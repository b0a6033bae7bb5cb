"""Padded or packed: reviews of different lengths through one nn.LSTM. No widgets here.

A batch of reviews is padded with ``<pad>`` (id 0) at the end to n_E tokens. Fed as it is, the
LSTM reads the pads too: ``output[:, -1]`` is the state after them, not after each review's last
word, and a bidirectional LSTM's backward direction reads the pads before the words. Packed with
``pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)`` each review stops at
its own length. Every claim here is measured on the live tensors, against the ground truth: the
same LSTM run on each review alone, unbatched, without its pads.

On CPU the packed run and the review alone agree with the padded run to float32 rounding
(a few 1e-8), not always bit for bit: packing feeds fewer sequences at the later steps, and
batched and unbatched matrix products round differently. So a match is ``torch.allclose`` with
``rtol=0, atol=PAD_ATOL``, and the page says "bit for bit" only where ``torch.equal`` holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

__all__ = ["PAD_ATOL", "Comparison", "PaddingRun", "build_lstm", "compare", "review_lengths",
           "run_padding"]

# max |Δ| under which two states of one review count as the same (float32 rounding)
PAD_ATOL = 1e-6


def review_lengths(ids: np.ndarray) -> np.ndarray:
    """(b_S,) int64: each review's tokens that are not ``<pad>`` (id 0), at least 1.

    A review truncated to n_E tokens has length n_E. ``pack_padded_sequence`` refuses 0.
    """
    return np.maximum((np.asarray(ids) != 0).sum(axis=1), 1).astype(np.int64)


def build_lstm(n_x: int, hidden_size: int, seed: int, bidirectional: bool) -> nn.LSTM:
    """``nn.LSTM(n_X, H, batch_first=True, bidirectional=...)`` seeded with ``seed``.

    PyTorch draws the forward direction's weights first, so they are those of the
    one-direction LSTM of the same seed; the ``_reverse`` ones come after.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        lstm = nn.LSTM(n_x, hidden_size, batch_first=True, bidirectional=bidirectional)
    lstm.requires_grad_(False)
    return lstm


@dataclass(frozen=True)
class Comparison:
    """One claimed equality, per review, measured on live tensors."""

    equal: np.ndarray  # (b_S,) bool: torch.equal, bit for bit
    close: np.ndarray  # (b_S,) bool: torch.allclose(rtol=0, atol=PAD_ATOL)
    diff: np.ndarray  # (b_S,) max |Δ|

    @property
    def max_diff(self) -> float:
        return float(self.diff.max()) if self.diff.size else 0.0

    def holds(self, where: np.ndarray | None = None) -> bool:
        """Whether the two agree (allclose) for the reviews ``where`` (all by default)."""
        close = self.close if where is None else self.close[where]
        return bool(close.all())

    def how(self, where: np.ndarray | None = None) -> str:
        """How they agree where they do: "torch.equal" or "torch.allclose"."""
        equal = self.equal if where is None else self.equal[where]
        return "torch.equal" if equal.all() else "torch.allclose"


def compare(claimed, truth) -> Comparison:
    """Compare two lists of tensors, one pair per review (shapes may differ between reviews)."""
    pairs = list(zip(claimed, truth, strict=True))
    return Comparison(
        equal=np.array([torch.equal(a, b) for a, b in pairs], dtype=bool),
        close=np.array([torch.allclose(a, b, rtol=0, atol=PAD_ATOL) for a, b in pairs],
                       dtype=bool),
        diff=np.array([float((a - b).abs().max()) if a.numel() else 0.0 for a, b in pairs]))


@dataclass(frozen=True)
class PaddingRun:
    """One batch of reviews fed padded and packed, the ground truth, and the checks.

    Arrays: ``lengths`` (b_S,); ``padded_output``, ``packed_output`` (b_S, n_E, D*H) with
    ``batch_first=True`` (the packed one is zeros past each length, as ``pad_packed_sequence``
    gives it); ``padded_h_n``, ``packed_h_n``, ``alone_h_n`` (D, b_S, H), D = 2 if
    bidirectional else 1, the forward direction first; ``alone_output`` (b_S, n_E, D*H), each
    review run alone, zeros past its length.

    Checks, each a ``Comparison`` per review: ``forward_at_length``: packed ``h_n`` (forward)
    against padded ``output[s, length-1, :H]``; ``last_vs_h_n``: padded ``output[s, -1, :H]``
    against packed ``h_n`` (forward); ``backward_at_length`` (bidirectional, else None): padded
    ``output[s, length-1, H:]`` against packed ``output[s, length-1, H:]``. Against the ground
    truth: ``packed_vs_alone`` (output up to the length, and h_n, both directions),
    ``padded_forward_vs_alone`` (the forward direction up to the length),
    ``padded_backward_vs_alone`` (bidirectional: the backward state at the last word).
    """

    bidirectional: bool
    hidden_size: int
    lengths: np.ndarray
    padded_output: np.ndarray
    padded_h_n: np.ndarray
    packed_output: np.ndarray
    packed_h_n: np.ndarray
    alone_output: np.ndarray
    alone_h_n: np.ndarray
    forward_at_length: Comparison
    last_vs_h_n: Comparison
    backward_at_length: Comparison | None
    packed_vs_alone: Comparison
    padded_forward_vs_alone: Comparison
    padded_backward_vs_alone: Comparison | None

    @property
    def n_e(self) -> int:
        return self.padded_output.shape[1]

    @property
    def padded(self) -> np.ndarray:
        """(b_S,) bool: the reviews shorter than n_E, which carry pads."""
        return self.lengths < self.n_e

    @property
    def pitfall_shown(self) -> bool:
        """Padded ``output[:, -1]`` matches the packed ``h_n`` exactly where no pad was read."""
        return bool(np.array_equal(self.last_vs_h_n.close, ~self.padded))

    @property
    def backward_shown(self) -> bool:
        """Bidirectional: the padded backward state at the last word is off exactly where pads
        were read first (always True with one direction)."""
        if self.backward_at_length is None:
            return True
        return bool(np.array_equal(self.backward_at_length.close, ~self.padded))


def run_padding(lstm: nn.LSTM, x: torch.Tensor, lengths: np.ndarray) -> PaddingRun:
    """Feed ``x`` (b_S, n_E, n_X), padded at the end, to ``lstm`` (``batch_first=True``) padded
    and packed, each review alone too, and measure the checks."""
    H, n_e = lstm.hidden_size, x.shape[1]
    length = torch.as_tensor(lengths, dtype=torch.int64)  # (b_S,), on the CPU
    last = [int(n) - 1 for n in lengths]  # index of each review's last word
    rows = range(len(x))
    with torch.no_grad():
        padded_out, (padded_h, _) = lstm(x)  # (b_S, n_E, D*H), (D, b_S, H)
        packed = pack_padded_sequence(x, length, batch_first=True, enforce_sorted=False)
        packed_out, (packed_h, _) = lstm(packed)  # h_n back in the batch's order
        packed_out, _ = pad_packed_sequence(packed_out, batch_first=True,
                                            total_length=n_e)  # (b_S, n_E, D*H)
        alone = [lstm(x[s, : last[s] + 1]) for s in rows]  # unbatched: (length, D*H), (D, H)
    alone_out = torch.zeros_like(padded_out)
    for s, (out, _) in enumerate(alone):
        alone_out[s, : last[s] + 1] = out
    alone_h = torch.stack([h for _, (h, _) in alone], dim=1)  # (D, b_S, H)
    D = 2 if lstm.bidirectional else 1
    forward_h = packed_h[0]  # (b_S, H): the forward direction's last state
    backward = None
    backward_alone = None
    if D == 2:
        backward = compare([padded_out[s, last[s], H:] for s in rows],
                           [packed_out[s, last[s], H:] for s in rows])
        backward_alone = compare([padded_out[s, last[s], H:] for s in rows],
                                 [alone_out[s, last[s], H:] for s in rows])
    return PaddingRun(
        bidirectional=D == 2, hidden_size=H, lengths=np.asarray(lengths, dtype=np.int64),
        padded_output=padded_out.numpy(), padded_h_n=padded_h.numpy(),
        packed_output=packed_out.numpy(), packed_h_n=packed_h.numpy(),
        alone_output=alone_out.numpy(), alone_h_n=alone_h.numpy(),
        forward_at_length=compare(list(forward_h),
                                  [padded_out[s, last[s], :H] for s in rows]),
        last_vs_h_n=compare([padded_out[s, -1, :H] for s in rows], list(forward_h)),
        backward_at_length=backward,
        packed_vs_alone=compare(
            [torch.cat([packed_out[s, : last[s] + 1].flatten(), packed_h[:, s].flatten()])
             for s in rows],
            [torch.cat([alone_out[s, : last[s] + 1].flatten(), alone_h[:, s].flatten()])
             for s in rows]),
        padded_forward_vs_alone=compare([padded_out[s, : last[s] + 1, :H] for s in rows],
                                        [alone_out[s, : last[s] + 1, :H] for s in rows]),
        padded_backward_vs_alone=backward_alone,
    )
