"""The LSTM cell's equations in TeX, and the same equations with one unit's live numbers.

Pure text from numbers: nothing here knows of widgets. Weights follow PyTorch's names, so
W_if[j,:] is row H + j of ``weight_ih_l0`` (gate f of unit j), and gates come in order i, f, g, o.
"""

from __future__ import annotations

import numpy as np

from .lstm_math import GATES, LSTMTrace

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
    """TeX for unit j = ``unit`` of sequence ``sample`` at step e = ``step`` (1-based).

    Each gate reads pre-activation terms W_i?[j,:]·x_e, b_i?[j], W_h?[j,:]·h_{e-1}, b_h?[j] from
    the trace, their sum, and the activation our recurrence computed.
    """
    H = trace.h.shape[-1]
    e, j = step, unit
    t = e - 1  # per-step arrays are 0-based
    lines = []
    for k, gate in enumerate(GATES):
        row = k * H + j
        terms = (trace.x_proj[sample, t, row], b_ih[row], trace.h_proj[sample, t, row], b_hh[row])
        z = float(sum(float(v) for v in terms))
        fn = r"\tanh" if gate == "g" else r"\sigma"
        value = float(trace.gates[sample, t, k, j])
        lines.append(
            rf"{gate}_{{{e}}}[{j}] &= {fn}(W_{{i{gate}}}[{j},:]\cdot x_{{{e}}} + b_{{i{gate}}}[{j}]"
            rf" + W_{{h{gate}}}[{j},:]\cdot h_{{{e - 1}}} + b_{{h{gate}}}[{j}])"
            rf" = {fn}({' + '.join(_n(float(v)) for v in terms)}) = {fn}({z:.3f}) = {value:.3f}"
        )
    i, f, g, o = (float(trace.gates[sample, t, k, j]) for k in range(4))
    c_prev, c = float(trace.c[sample, t, j]), float(trace.c[sample, e, j])
    h = float(trace.h[sample, e, j])
    lines.append(
        rf"c_{{{e}}}[{j}] &= f\,c_{{{e - 1}}} + i\,g = {f:.3f}\times{_n(c_prev)}"
        rf" + {i:.3f}\times{_n(g)} = {c:.3f}"
    )
    lines.append(rf"h_{{{e}}}[{j}] &= o\,\tanh(c_{{{e}}}) = {o:.3f}\times\tanh({_n(c)}) = {h:.3f}")
    return "$$\n\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}\n$$"
