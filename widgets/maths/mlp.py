"""The tutorial's 2-layer MLP: nn.Linear stores A as (out, in) and computes y = x A^T + b.

Nothing here knows of widgets. Names follow the tutorial: n_D instances of n_X values, n1 units
in layer 1 and n2 in layer 2, linear activations, ``net = nn.Sequential(layer1, layer2)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .limits import check_int

LIMITS = {"n_d": (1, 64), "n_x": (1, 32), "n1": (1, 32), "n2": (1, 8), "seed": (0, 2**31 - 1)}
SYMBOLS = {"n_d": "n_D", "n_x": "n_X", "n1": "n[1]", "n2": "n[2]", "seed": "seed"}


def check_setting(name: str, value) -> int:
    return check_int(SYMBOLS[name], value, *LIMITS[name])


@dataclass(frozen=True)
class MLPConfig:
    n_d: int = 15  # n_D: instances in the dataset X (the tutorial's nd)
    n_x: int = 5  # n_X: values in each instance
    n1: int = 8  # units in layer 1
    n2: int = 1  # units in layer 2, the output size n_y
    seed: int = 0  # seeds the weights and X

    def __post_init__(self):
        for name in LIMITS:
            check_setting(name, getattr(self, name))


def build_mlp(n_x: int, n1: int, n2: int, seed: int) -> nn.Sequential:
    """``nn.Sequential(nn.Linear(n_x, n1), nn.Linear(n1, n2))`` with seeded weights."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = nn.Sequential(nn.Linear(n_x, n1), nn.Linear(n1, n2))
    net.requires_grad_(False)
    return net


def make_X(n_d: int, n_x: int, seed: int) -> torch.Tensor:
    """Uniform random inputs in [0, 1), shape (n_D, n_X), as the tutorial's ``torch.rand``."""
    gen = torch.Generator().manual_seed(seed + 1)  # not the weights' stream
    return torch.rand(n_d, n_x, generator=gen)


@dataclass(frozen=True)
class Check:
    """One of the tutorial's checks: bit-for-bit equal, or only close (and by how much)."""

    equal: bool  # torch.equal
    close: bool  # torch.allclose(atol=CLOSE_ATOL): float32 rounding, even for values near 0
    max_abs_diff: float


# allclose's default atol (1e-8) is below float32 rounding for outputs near zero
CLOSE_ATOL = 1e-6


def compare(a: torch.Tensor, b: torch.Tensor) -> Check:
    return Check(equal=bool(torch.equal(a, b)),
                 close=bool(torch.allclose(a, b, atol=CLOSE_ATOL)),
                 max_abs_diff=float((a - b).abs().max()) if a.numel() else 0.0)


@dataclass(frozen=True)
class MLPTrace:
    X: np.ndarray  # (n_D, n_X)
    A1: np.ndarray  # (n1, n_X) layer1.weight: (out_features, in_features)
    b1: np.ndarray  # (n1,)
    a1: np.ndarray  # (n_D, n1) layer1(X)
    A2: np.ndarray  # (n2, n1)
    b2: np.ndarray  # (n2,)
    y: np.ndarray  # (n_D, n2) net(X)
    layer1_by_hand: Check  # layer1(X) vs X A1^T + b1
    layer2_by_hand: Check  # layer2(a1) vs a1 A2^T + b2
    batch_vs_loop: Check  # net(X) vs net(X[i]) for each i


def trace_mlp(net: nn.Sequential, X: torch.Tensor) -> MLPTrace:
    """Run the tutorial's computations and its two checks on the live network."""
    layer1, layer2 = net[0], net[1]
    with torch.no_grad():
        a1 = layer1(X)  # (n_D, n1)
        a1_eq = torch.matmul(X, layer1.weight.T) + layer1.bias  # the same, by the equation
        a2 = layer2(a1)  # (n_D, n2)
        a2_eq = torch.matmul(a1, layer2.weight.T) + layer2.bias
        y = net(X)
        loop_y = torch.zeros_like(y)
        for i in range(X.shape[0]):
            loop_y[i] = net(X[i])  # one instance: (n_X,) -> (n2,)
    return MLPTrace(
        X=X.numpy(), A1=layer1.weight.numpy(), b1=layer1.bias.numpy(), a1=a1.numpy(),
        A2=layer2.weight.numpy(), b2=layer2.bias.numpy(), y=y.numpy(),
        layer1_by_hand=compare(a1, a1_eq), layer2_by_hand=compare(a2, a2_eq),
        batch_vs_loop=compare(y, loop_y),
    )


def dot_product(inputs: np.ndarray, weights: np.ndarray, bias: float) -> tuple[list, float]:
    """Terms (x_k, w_k) and the total sum_k x_k w_k + b, in float32 like the layer."""
    terms = list(zip(inputs.tolist(), weights.tolist(), strict=True))
    total = float(np.float32(inputs.astype(np.float32) @ weights.astype(np.float32)) + bias)
    return terms, total
