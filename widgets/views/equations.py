"""The LSTM cell's equations in TeX, and the same equations with one unit's live numbers (HTML).

Pure text from numbers: nothing here knows of widgets. Weights follow PyTorch's names, so
W_if[j,:] is row H + j of ``weight_ih_l0`` (gate f of unit j), and gates come in order i, f, g, o.
"""

from __future__ import annotations

import numpy as np

from ..maths.lstm import GATES, CellTrace

__all__ = ["CELL_EQUATIONS", "PROJECTION_EQUATION", "neighbours", "unit_equations"]

CELL_EQUATIONS = r"""$$
\begin{aligned}
i_e &= \sigma(W_{ii}\,x_e + b_{ii} + W_{hi}\,h_{e-1} + b_{hi}) \\
f_e &= \sigma(W_{if}\,x_e + b_{if} + W_{hf}\,h_{e-1} + b_{hf}) \\
g_e &= \tanh(W_{ig}\,x_e + b_{ig} + W_{hg}\,h_{e-1} + b_{hg}) \\
o_e &= \sigma(W_{io}\,x_e + b_{io} + W_{ho}\,h_{e-1} + b_{ho}) \\
c_e &= f_e \odot c_{e-1} + i_e \odot g_e \\
h_e &= o_e \odot \tanh(c_e)
\end{aligned}
$$"""

# with proj_size > 0, the last line becomes two: the cell's H units are projected to H_out
PROJECTION_EQUATION = r"""$$
h_e = W_{hr}\,(o_e \odot \tanh(c_e))
$$"""


def _n(v: float) -> str:
    """A number for an equation: 3 decimals, in parentheses when negative."""
    text = f"{v:.3f}"
    return f"({text})" if v < 0 else text


def neighbours(cell: CellTrace, step: int) -> tuple[int, int]:
    """(e, the position of the state it reads) at step k = ``step`` of ``cell``: forward
    (e, e - 1), backward (e, e + 1), the initial state being position 0 or n_E + 1."""
    e = int(cell.positions[step - 1])
    return e, (e + 1 if cell.direction else e - 1)


def unit_equations(cell: CellTrace, b_ih: np.ndarray, b_hh: np.ndarray, sample: int,
                   step: int, unit: int, w_hr: np.ndarray | None = None) -> str:
    """HTML for unit j = ``unit`` of sequence ``sample`` at step k = ``step`` (1-based) of
    ``cell``, which reads the element at e = ``cell.positions[k - 1]``.

    Each gate reads pre-activation terms W_i?[j,:]·x_e, b_i?[j], W_h?[j,:]·h_prev, b_h?[j]
    from the trace, their sum, and the activation our recurrence computed; h_prev is h_(e-1)
    forward and h_(e+1) backward. With a projection (``w_hr``, (H_out, H)), the last lines
    are m_e[j] = o·tanh(c_e) and, when j < H_out, h_e[j] = W_hr[j,:]·m_e. Plain HTML, not TeX:
    it changes at every step, and typesetting TeX that often is what would make Play stutter.
    """
    H = cell.gates.shape[-1]
    e, prev = neighbours(cell, step)
    j = unit
    t = step - 1  # per-step arrays are 0-based, in the order the cell ran
    rows = []
    for k, gate in enumerate(GATES):
        row = k * H + j
        terms = (cell.x_proj[sample, t, row], b_ih[row], cell.h_proj[sample, t, row], b_hh[row])
        z = float(sum(float(v) for v in terms))
        fn = "tanh" if gate == "g" else "σ"
        value = float(cell.gates[sample, t, k, j])
        rows.append((
            f"<i>{gate}</i><sub>{e}</sub>[{j}]",
            f"{fn}(W<sub>i{gate}</sub>[{j},:]·x<sub>{e}</sub> + b<sub>i{gate}</sub>[{j}] + "
            f"W<sub>h{gate}</sub>[{j},:]·h<sub>{prev}</sub> + b<sub>h{gate}</sub>[{j}])",
            f"{fn}({' + '.join(_n(float(v)) for v in terms)}) = {fn}({z:.3f})",
            f"{value:.3f}",
        ))
    i, f, g, o = (float(cell.gates[sample, t, k, j]) for k in range(4))
    c_prev, c = float(cell.c[sample, t, j]), float(cell.c[sample, step, j])
    rows.append((f"<i>c</i><sub>{e}</sub>[{j}]", f"f·c<sub>{prev}</sub> + i·g",
                 f"{f:.3f} × {_n(c_prev)} + {i:.3f} × {_n(g)}", f"{c:.3f}"))
    if w_hr is None:
        h = float(cell.h[sample, step, j])
        rows.append((f"<i>h</i><sub>{e}</sub>[{j}]", f"o·tanh(c<sub>{e}</sub>)",
                     f"{o:.3f} × tanh({c:.3f})", f"{h:.3f}"))
    else:
        m = float(cell.m[sample, t, j])
        rows.append((f"<i>m</i><sub>{e}</sub>[{j}]", f"o·tanh(c<sub>{e}</sub>)",
                     f"{o:.3f} × tanh({c:.3f})", f"{m:.3f}"))
        h_out = w_hr.shape[0]
        if j < h_out:
            h = float(cell.h[sample, step, j])
            rows.append((f"<i>h</i><sub>{e}</sub>[{j}]",
                         f"W<sub>hr</sub>[{j},:]·m<sub>{e}</sub>",
                         f"the {H} units of m<sub>{e}</sub>, weighted by row {j} of W<sub>hr</sub>",
                         f"{h:.3f}"))
    body = "".join(f"<tr><td>{a}</td><td>= {b}</td><td>= {c}</td><td>= <b>{d}</b></td></tr>"
                   for a, b, c, d in rows)
    note = ("" if w_hr is None or j < w_hr.shape[0] else
            f"<p class='hint'>h<sub>{e}</sub> has H_out = {w_hr.shape[0]} units: unit j = {j} "
            f"reaches every one of them through column {j} of W<sub>hr</sub>.</p>")
    return f"<table class='unit-eq'>{body}</table>{note}"
