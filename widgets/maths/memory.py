"""Two views of an LSTM's memory, computed from the live model.

- Forget-gate survival: how much of the cell state c_e is still in c_{n_E} through the
  forget gates alone. c_e = f_e c_{e-1} + i_e g_e, so what c_e holds reaches the last step
  multiplied by f_{e+1} f_{e+2} ... f_{n_E}: that product, per unit and step.
- Dependence through time: |dŷ/dx_e| for every step e, by autograd through the real
  ``nn.LSTM`` and its read-out: which past inputs the prediction still depends on.
- The state's gradient: ||dŷ/ds_e||, how much the prediction moves with the state s_e the
  cell holds after step e (h_e for the GRU and the plain RNN, (h_e, c_e) for the LSTM), by
  autograd through the real module run one step at a time. Its fall with the distance to
  the end is what vanishing gradients look like (RNNbow's view).
- The GRU's counterpart of survival: h_e = (1 - z_e) n_e + z_e h_(e-1), so what h_e holds
  reaches the last step multiplied by z_(e+1) ... z_(n_E) (through the gates alone): the
  same product as the forget gates', of its update gate.

Nothing here knows of widgets.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

__all__ = ["forget_survival", "input_dependence", "state_dependence", "update_survival"]


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


def update_survival(update: np.ndarray) -> np.ndarray:
    """(H, n_E): the GRU's z over the later steps, z_(e+1) ... z_(n_E), per unit and step.

    ``update`` is (n_E, H), the update gate z_e of one sequence (``CellTrace.gates["z"][s]``);
    PyTorch's GRU keeps z_e of the old state, so this is the forget gates' product for it.
    """
    return forget_survival(update)


def _stepwise(recurrent: nn.Module, x: torch.Tensor) -> list[tuple[torch.Tensor, ...]]:
    """The module run one step at a time on x (1, n_E, n_X), each step fed the state the
    step before returned: the state after every step (h, or the LSTM's (h, c)), each a node
    of the autograd graph, (1, 1, H) each."""
    state, states = None, []
    for e in range(x.shape[1]):
        _, state = recurrent(x[:, e : e + 1], state)
        states.append(state if isinstance(state, tuple) else (state,))
    return states


def state_dependence(model: nn.Module, x: torch.Tensor) -> tuple[np.ndarray, float]:
    """(n_E,) ||dŷ/ds_e|| for one sequence x of (n_E, n_X), by autograd, and the largest
    |difference| between the stepwise run's ŷ and the whole module's (the check that one
    step at a time is the same model).

    ``model`` has ``recurrent`` (``nn.LSTM``, ``nn.GRU`` or ``nn.RNN``, batch_first) and
    ``head`` (the read-out on the last step), as ``training.ManyToOne``. Parameters and their
    gradients are left as they were.
    """
    x = x.detach()[None]  # (1, n_E, n_X)
    wanted = [p.requires_grad for p in model.parameters()]
    try:
        for p in model.parameters():
            p.requires_grad_(False)
        with torch.enable_grad():
            x = x.clone().requires_grad_(True)  # a graph to take the states' gradients in
            states = _stepwise(model.recurrent, x)
            # the read-out of the last h, which is output[:, -1] of one layer, one direction
            y_hat = model.head(states[-1][0][-1])  # (1, 1)
            flat = [part for parts in states for part in parts]
            grads = torch.autograd.grad(y_hat.sum(), flat, allow_unused=True)
            with torch.no_grad():
                whole = model(x)
    finally:
        for p, flag in zip(model.parameters(), wanted, strict=True):
            p.requires_grad_(flag)
    per_step = len(states[0])
    norms = [sum(float(g.double().pow(2).sum()) for g in grads[k : k + per_step]
                 if g is not None) ** 0.5
             for k in range(0, len(grads), per_step)]
    return np.array(norms), float((whole - y_hat.detach()).abs().max())
