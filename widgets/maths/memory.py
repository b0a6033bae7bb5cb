"""Two views of an LSTM's memory, computed from the live model.

- Forget-gate survival: how much of the cell state c_e is still in c_{n_E} through the
  forget gates alone. c_e = f_e c_{e-1} + i_e g_e, so what c_e holds reaches the last step
  multiplied by f_{e+1} f_{e+2} ... f_{n_E}: that product, per unit and step.
- Dependence through time: |dŷ/dx_e| for every step e, by autograd through the real
  ``nn.LSTM`` and its read-out: which past inputs the prediction still depends on.

Nothing here knows of widgets.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

__all__ = ["forget_survival", "input_dependence"]


def forget_survival(forget: np.ndarray) -> np.ndarray:
    """(H, n_E): for unit j and step e (column e - 1), the product of f over steps e+1..n_E.

    ``forget`` is (n_E, H), the forget gate f_e of one sequence (``LSTMTrace.gates[s, :, 1]``).
    The last step's column is 1: c_{n_E} is the last cell state itself.
    """
    f = np.asarray(forget, dtype=np.float64)  # (n_E, H)
    later = np.ones_like(f)
    # later[e - 1] = f[e] * f[e + 1] * ... * f[n_E - 1]: a reversed running product, shifted
    later[:-1] = np.cumprod(f[::-1], axis=0)[::-1][1:]
    return later.T  # (H, n_E)


def input_dependence(model: nn.Module, x: torch.Tensor, channel: int | None = None) -> np.ndarray:
    """(n_E,): |dŷ/dx_e|, the norm over x_e's n_X values, for one sequence x of (n_E, n_X);
    with ``channel`` k, |dŷ/dx_e[k]| of that value alone (the adding problem's number, apart
    from its marker).

    ``model`` maps (B, n_E, n_X) to (B, 1). Gradients are taken with respect to the input
    only; the model's parameters and their gradients are left as they were.
    """
    x = x.detach().clone()[None].requires_grad_(True)  # (1, n_E, n_X)
    wanted = [p.requires_grad for p in model.parameters()]
    try:
        for p in model.parameters():
            p.requires_grad_(False)
        with torch.enable_grad():
            (grad,) = torch.autograd.grad(model(x).sum(), x)  # (1, n_E, n_X)
    finally:
        for p, flag in zip(model.parameters(), wanted, strict=True):
            p.requires_grad_(flag)
    if channel is not None:
        return grad[0, :, channel].abs().double().numpy()
    return grad[0].norm(dim=-1).double().numpy()
