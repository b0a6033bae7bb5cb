"""A cell's equations in TeX, and the same equations with one unit's live numbers (HTML): the
LSTM's, the GRU's and the plain RNN's.

Pure text from numbers: nothing here knows of widgets. Weights follow PyTorch's names, so
W_if[j,:] is row H + j of ``weight_ih_l0`` (gate f of unit j): the LSTM's gates come in the
order i, f, g, o, the GRU's r, z, n.
"""

from __future__ import annotations

import numpy as np

from ..maths import cells
from ..maths.lstm import GATES, CellTrace

__all__ = ["CELL_EQUATIONS", "EQUATIONS", "PROJECTION_EQUATION", "neighbours", "unit_equations"]

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

# PyTorch's nn.GRU: z is the share of h_(e-1) kept; r scales the recurrent part of n, bias and all
GRU_EQUATIONS = r"""$$
\begin{aligned}
r_e &= \sigma(W_{ir}\,x_e + b_{ir} + W_{hr}\,h_{e-1} + b_{hr}) \\
z_e &= \sigma(W_{iz}\,x_e + b_{iz} + W_{hz}\,h_{e-1} + b_{hz}) \\
n_e &= \tanh(W_{in}\,x_e + b_{in} + r_e \odot (W_{hn}\,h_{e-1} + b_{hn})) \\
h_e &= (1 - z_e) \odot n_e + z_e \odot h_{e-1}
\end{aligned}
$$"""

# nn.RNN with its default nonlinearity
RNN_EQUATIONS = r"""$$
h_e = \tanh(W_{ih}\,x_e + b_{ih} + W_{hh}\,h_{e-1} + b_{hh})
$$"""

EQUATIONS = {"lstm": CELL_EQUATIONS, "gru": GRU_EQUATIONS, "rnn": RNN_EQUATIONS}

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
    A GRU's or a plain RNN's trace (``cells.CellTrace``) gets its own equations.
    """
    if isinstance(cell, cells.CellTrace):
        return _table(_gru_rows(cell, b_ih, b_hh, sample, step, unit) if cell.cell == "gru"
                      else _rnn_rows(cell, b_ih, b_hh, sample, step, unit))
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
    note = ("" if w_hr is None or j < w_hr.shape[0] else
            f"<p class='hint'>h<sub>{e}</sub> has H_out = {w_hr.shape[0]} units: unit j = {j} "
            f"reaches every one of them through column {j} of W<sub>hr</sub>.</p>")
    return _table(rows) + note


def _table(rows) -> str:
    """Rows of (quantity, formula, numbers, value) as the equations' table."""
    body = "".join(f"<tr><td>{a}</td><td>= {b}</td><td>= {c}</td><td>= <b>{d}</b></td></tr>"
                   for a, b, c, d in rows)
    return f"<table class='unit-eq'>{body}</table>"


def _terms(cell: cells.CellTrace, b_ih, b_hh, s: int, t: int, row: int) -> tuple[float, ...]:
    """W_i·[row,:]·x_e, b_i·[row], W_h·[row,:]·h_(e-1), b_h·[row] at step index t."""
    return tuple(float(v) for v in (cell.x_proj[s, t, row], b_ih[row], cell.h_proj[s, t, row],
                                    b_hh[row]))


def _gru_rows(cell: cells.CellTrace, b_ih, b_hh, s: int, step: int, j: int) -> list[tuple]:
    """The GRU's r, z (sums of four terms), n (r scales its recurrent half), h."""
    H, t, e = cell.h.shape[-1], step - 1, step
    rows = []
    for k, gate in enumerate(("r", "z")):
        terms = _terms(cell, b_ih, b_hh, s, t, k * H + j)
        rows.append((f"<i>{gate}</i><sub>{e}</sub>[{j}]",
                     f"σ(W<sub>i{gate}</sub>[{j},:]·x<sub>{e}</sub> + b<sub>i{gate}</sub>[{j}] + "
                     f"W<sub>h{gate}</sub>[{j},:]·h<sub>{e - 1}</sub> + b<sub>h{gate}</sub>[{j}])",
                     f"σ({' + '.join(map(_n, terms))}) = σ({sum(terms):.3f})",
                     f"{float(cell.gates[gate][s, t, j]):.3f}"))
    r, z, n = (float(cell.gates[g][s, t, j]) for g in ("r", "z", "n"))
    wx, bx, wh, bh = _terms(cell, b_ih, b_hh, s, t, 2 * H + j)
    rows.append((f"<i>n</i><sub>{e}</sub>[{j}]",
                 f"tanh(W<sub>in</sub>[{j},:]·x<sub>{e}</sub> + b<sub>in</sub>[{j}] + r · "
                 f"(W<sub>hn</sub>[{j},:]·h<sub>{e - 1}</sub> + b<sub>hn</sub>[{j}]))",
                 f"tanh({_n(wx)} + {_n(bx)} + {r:.3f} × ({_n(wh)} + {_n(bh)})) = "
                 f"tanh({wx + bx + r * (wh + bh):.3f})", f"{n:.3f}"))
    h_prev, h = float(cell.h[s, t, j]), float(cell.h[s, step, j])
    rows.append((f"<i>h</i><sub>{e}</sub>[{j}]", f"(1 − z)·n + z·h<sub>{e - 1}</sub>",
                 f"{1 - z:.3f} × {_n(n)} + {z:.3f} × {_n(h_prev)}", f"{h:.3f}"))
    return rows


def _rnn_rows(cell: cells.CellTrace, b_ih, b_hh, s: int, step: int, j: int) -> list[tuple]:
    """The plain RNN's one line: h = tanh of four terms."""
    e, terms = step, _terms(cell, b_ih, b_hh, s, step - 1, j)
    return [(f"<i>h</i><sub>{e}</sub>[{j}]",
             f"tanh(W<sub>ih</sub>[{j},:]·x<sub>{e}</sub> + b<sub>ih</sub>[{j}] + "
             f"W<sub>hh</sub>[{j},:]·h<sub>{e - 1}</sub> + b<sub>hh</sub>[{j}])",
             f"tanh({' + '.join(map(_n, terms))}) = tanh({sum(terms):.3f})",
             f"{float(cell.h[s, step, j]):.3f}")]
