"""What the strips draw, apart from the figure: each cell's rows (``CELL_STRIPS``), their pinned
colour ranges, one sequence's values per row, the indexed picture of every step, and the strips
in words. An LSTM's rows are x_e, h_(e-1), c_(e-1), the gates i, f, g, o, c_e, h_e; a GRU's x_e,
h_(e-1), r_e, z_e, n_e, h_e; a plain RNN's x_e, h_(e-1), h_e."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..maths import cells
from ..maths.cells import CELL_LABELS
from ..maths.lstm import LSTMTrace
from .colors import DIVERGING, SEQUENTIAL, color_indices, indexed_palette
from .text_alternative import plural, value_range

__all__ = [
    "CELL_STRIPS",
    "STRIPS",
    "STRIP_PALETTE",
    "Strip",
    "sequence_values",
    "strip_colors",
    "strip_indices",
    "strip_scales",
    "strips_picture",
    "strips_text",
]


@dataclass(frozen=True)
class Strip:
    key: str  # name in sequence_values()
    label: str  # what the learner reads
    vmin: float  # pinned colour range
    vmax: float
    palette: np.ndarray  # the full ramp; the picture uses STRIP_LEVELS of its colours


# in the order the cell computes them; ranges are each quantity's own (sigmoid 0..1, tanh -1..1)
STRIPS = (
    Strip("x", "xₑ", -1.0, 1.0, DIVERGING),
    Strip("h_prev", "hₑ₋₁", -1.0, 1.0, DIVERGING),
    Strip("c_prev", "cₑ₋₁", -2.0, 2.0, DIVERGING),
    Strip("i", "iₑ = σ(·)", 0.0, 1.0, SEQUENTIAL),
    Strip("f", "fₑ = σ(·)", 0.0, 1.0, SEQUENTIAL),
    Strip("g", "gₑ = tanh(·)", -1.0, 1.0, DIVERGING),
    Strip("o", "oₑ = σ(·)", 0.0, 1.0, SEQUENTIAL),
    Strip("c", "cₑ", -2.0, 2.0, DIVERGING),
    Strip("h", "hₑ", -1.0, 1.0, DIVERGING),
)
# PyTorch's GRU: the reset gate r, the update gate z (the share of h_(e-1) kept), the candidate n
GRU_STRIPS = (
    *STRIPS[:2],
    Strip("r", "rₑ = σ(·)", 0.0, 1.0, SEQUENTIAL),
    Strip("z", "zₑ = σ(·)", 0.0, 1.0, SEQUENTIAL),
    Strip("n", "nₑ = tanh(·)", -1.0, 1.0, DIVERGING),
    STRIPS[-1],
)
CELL_STRIPS = {"lstm": STRIPS, "gru": GRU_STRIPS, "rnn": (*STRIPS[:2], STRIPS[-1])}


def strip_scales(strips: tuple[Strip, ...] = STRIPS) -> list[tuple[float, float, np.ndarray, str]]:
    """One colour bar for each range ``strips`` use, read from them so a bar can never say
    another range than its strips': (vmin, vmax, palette, caption naming its strips)."""
    groups: dict[tuple, tuple[Strip, list[str]]] = {}
    for strip in strips:
        _, names = groups.setdefault((strip.vmin, strip.vmax, id(strip.palette)), (strip, []))
        name = strip.key.removesuffix("_prev")  # c_{e-1} and c_e: one quantity, c
        if name not in names:
            names.append(name)
    return [(s.vmin, s.vmax, s.palette,
             ("σ: " if s.palette is SEQUENTIAL else "") + ", ".join(names))
            for s, names in groups.values()]


# One indexed palette for every strip: 0 is the background (cells past a short strip's end),
# 1..127 the diverging ramp (odd, so 0 has a colour of its own), 128..255 the sequential one.
STRIP_LEVELS = 127
# (offset, levels) of each ramp in STRIP_PALETTE
_SLOTS = ((DIVERGING, 1, STRIP_LEVELS), (SEQUENTIAL, 1 + STRIP_LEVELS, 255 - STRIP_LEVELS))

STRIP_PALETTE = indexed_palette(*((ramp, levels) for ramp, _, levels in _SLOTS))


def strip_indices(strip: Strip, values: np.ndarray) -> np.ndarray:
    """Indices into ``STRIP_PALETTE`` of ``values`` on the strip's pinned range (clipped)."""
    offset, levels = next((o, n) for ramp, o, n in _SLOTS if ramp is strip.palette)
    return color_indices(values, strip.vmin, strip.vmax, levels=levels, offset=offset)


def strip_colors(strip: Strip, values: np.ndarray) -> np.ndarray:
    """The RGB colours the picture gives ``values`` in ``strip``: (..., 3) uint8."""
    return STRIP_PALETTE[strip_indices(strip, values)]


def sequence_values(trace: LSTMTrace | cells.CellTrace, sample: int) -> dict[str, np.ndarray]:
    """Every strip's vector at every step of sequence ``sample``: (n_E, n) each, row e - 1.
    An LSTM's keys are ``STRIPS``'; a GRU's or a plain RNN's ``CELL_STRIPS[trace.cell]``'."""
    if isinstance(trace, cells.CellTrace):
        return {"x": trace.x[sample], "h_prev": trace.h[sample, :-1],
                **{g: v[sample] for g, v in trace.gates.items()}, "h": trace.h[sample, 1:]}
    gates = trace.gates[sample]  # (n_E, 4, H)
    return {
        "x": trace.x[sample],  # (n_E, n_X)
        "h_prev": trace.h[sample, :-1],  # (n_E, H): h_{e-1} for e = 1..n_E
        "c_prev": trace.c[sample, :-1],
        "i": gates[:, 0],
        "f": gates[:, 1],
        "g": gates[:, 2],
        "o": gates[:, 3],
        "c": trace.c[sample, 1:],  # (n_E, H): c_e
        "h": trace.h[sample, 1:],
    }


def strips_picture(values: dict[str, np.ndarray], strips: tuple[Strip, ...] = STRIPS
                   ) -> np.ndarray:
    """Every step's strips as one (n_E * n, widest) index picture, n = len(strips): step e is
    rows n(e-1)...

    One row a strip; the gaps between strips are drawn over it. Cells past a short strip's
    end (x has n_X cells, the rest H) are index 0, the background.
    """
    n_e = len(values["x"])
    widest = max(v.shape[1] for v in values.values())
    picture = np.zeros((n_e, len(strips), widest), dtype=np.uint8)
    for r, s in enumerate(strips):
        v = values[s.key]  # (n_E, n)
        picture[:, r, : v.shape[1]] = strip_indices(s, v)
    return picture.reshape(n_e * len(strips), widest)


def strips_text(values: dict[str, np.ndarray], x_size: str = "n_X") -> str:
    """The strips in two sentences: what each row is, its size, and its range over all steps.

    ``values`` is ``sequence_values``: the arrays the picture draws (an LSTM's, a GRU's or a
    plain RNN's, told by their keys). The ranges cover every step, so the text stays put while
    the step moves (the step is said elsewhere). ``x_size`` names x_e's size: n_X, or for a
    later layer the layer below's output (D·H_out).
    """
    n_e, n_x = values["x"].shape
    cell = "lstm" if "c" in values else "gru" if "z" in values else "rnn"
    hidden, h_out = values["h_prev"].shape[1], values["h"].shape[1]
    if cell == "lstm":
        hidden = values["c"].shape[1]
    projected = f"; h has H_out = {plural(h_out, 'unit')}" if h_out != hidden else ""
    # h_{e-1} and h_e together are h_0..h_n_E: one range for both rows (c likewise)
    ranges = [("x", values["x"]), ("h", np.concatenate([values["h_prev"], values["h"]]))]
    if cell == "lstm":
        ranges.append(("c", np.concatenate([values["c_prev"], values["c"]])))
    gates = [k for k in ("i", "f", "g", "o", "r", "z", "n") if k in values]
    ranges += [(gate, values[gate]) for gate in gates]
    rows = {"lstm": "h_(e-1), c_(e-1), the gates i, f, g, o, c_e and h_e",
            "gru": "h_(e-1), the reset gate r, the update gate z, the candidate n and h_e",
            "rnn": "h_(e-1) and h_e"}[cell]
    return (f"Strips of one step e of the {CELL_LABELS[cell]} cell, one row a vector, top to "
            f"bottom: x_e ({x_size} = {plural(n_x, 'value')}), then {rows} (H = "
            f"{plural(hidden, 'unit')} each{projected}), each coloured on its own fixed range. "
            f"Over the n_E = {n_e} steps of this sequence: "
            + "; ".join(f"{name} {value_range(v)}" for name, v in ranges) + ".")
