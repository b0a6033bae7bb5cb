"""The LSTM cell's equations in TeX, and the same equations with one unit's live numbers (HTML).

Pure text from numbers: nothing here knows of widgets. Weights follow PyTorch's names, so
W_if[j,:] is row H + j of ``weight_ih_l0`` (gate f of unit j), and gates come in order i, f, g, o.
"""

from __future__ import annotations

import numpy as np

from ..maths.lstm import GATES, LSTMTrace

__all__ = ["CELL_EQUATIONS", "unit_equations"]

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


def _n(v: float) -> str:
    """A number for an equation: 3 decimals, in parentheses when negative."""
    text = f"{v:.3f}"
    return f"({text})" if v < 0 else text


def unit_equations(trace: LSTMTrace, b_ih: np.ndarray, b_hh: np.ndarray,
                   sample: int, step: int, unit: int) -> str:
    """HTML for unit j = ``unit`` of sequence ``sample`` at step e = ``step`` (1-based).

    Each gate reads pre-activation terms W_i?[j,:]·x_e, b_i?[j], W_h?[j,:]·h_{e-1}, b_h?[j] from
    the trace, their sum, and the activation our recurrence computed. Plain HTML, not TeX:
    it changes at every step, and typesetting TeX that often is what would make Play stutter.
    """
    H = trace.h.shape[-1]
    e, j = step, unit
    t = e - 1  # per-step arrays are 0-based
    rows = []
    for k, gate in enumerate(GATES):
        row = k * H + j
        terms = (trace.x_proj[sample, t, row], b_ih[row], trace.h_proj[sample, t, row], b_hh[row])
        z = float(sum(float(v) for v in terms))
        fn = "tanh" if gate == "g" else "σ"
        value = float(trace.gates[sample, t, k, j])
        rows.append((
            f"<i>{gate}</i><sub>{e}</sub>[{j}]",
            f"{fn}(W<sub>i{gate}</sub>[{j},:]·x<sub>{e}</sub> + b<sub>i{gate}</sub>[{j}] + "
            f"W<sub>h{gate}</sub>[{j},:]·h<sub>{e - 1}</sub> + b<sub>h{gate}</sub>[{j}])",
            f"{fn}({' + '.join(_n(float(v)) for v in terms)}) = {fn}({z:.3f})",
            f"{value:.3f}",
        ))
    i, f, g, o = (float(trace.gates[sample, t, k, j]) for k in range(4))
    c_prev, c = float(trace.c[sample, t, j]), float(trace.c[sample, e, j])
    h = float(trace.h[sample, e, j])
    rows.append((f"<i>c</i><sub>{e}</sub>[{j}]", f"f·c<sub>{e - 1}</sub> + i·g",
                 f"{f:.3f} × {_n(c_prev)} + {i:.3f} × {_n(g)}", f"{c:.3f}"))
    rows.append((f"<i>h</i><sub>{e}</sub>[{j}]", f"o·tanh(c<sub>{e}</sub>)",
                 f"{o:.3f} × tanh({c:.3f})", f"{h:.3f}"))
    body = "".join(f"<tr><td>{a}</td><td>= {b}</td><td>= {c}</td><td>= <b>{d}</b></td></tr>"
                   for a, b, c, d in rows)
    return f"<table class='unit-eq'>{body}</table>"
