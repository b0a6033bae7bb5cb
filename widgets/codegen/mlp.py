"""The MLP dashboard's code: the tutorial's 2-layer network, its shapes and its two checks."""

from __future__ import annotations

from ..maths.mlp import CLOSE_ATOL, MLPConfig
from .recipe import Recipe, Section, fill

__all__ = ["mlp_recipe"]


def mlp_recipe(config: MLPConfig, link: str = "") -> Recipe:
    """The code that rebuilds the MLP dashboard for ``config``: the same weights, X and checks.

    Names the code leaves behind: ``layer1``, ``layer2``, ``net``, ``X``, ``a1``, ``y``,
    ``y_loop`` and ``checks`` (name -> (torch.equal, torch.allclose, max |Δ|)).
    """
    c = config
    settings = Section(
        "The settings",
        "The dashboard's sliders: n_D instances of n_X values go through a layer of n[1] "
        "units, then a layer of n[2]. One seed draws the weights; X has a stream of its own.",
        fill("""
            import torch
            from torch import nn

            n_d = $n_d  # n_D: instances in the dataset X
            n_x = $n_x  # n_X: values in each instance
            n1 = $n1  # units in layer 1
            n2 = $n2  # units in layer 2: the output size
            seed = $seed
            """, **vars(c)),
    )
    network = Section(
        "The network",
        "Two linear layers with linear activations, `net = nn.Sequential(layer1, layer2)`. "
        "`nn.Linear` stores its weight as (out_features, in_features): A[1] is (n[1], n_X). "
        "Seeding torch first gives the dashboard's weights.",
        fill("""
            torch.manual_seed(seed)
            layer1 = nn.Linear(n_x, n1)
            layer2 = nn.Linear(n1, n2)
            net = nn.Sequential(layer1, layer2)
            print("layer1.weight", tuple(layer1.weight.size()), "bias", tuple(layer1.bias.size()))
            print("layer2.weight", tuple(layer2.weight.size()), "bias", tuple(layer2.bias.size()))
            """),
    )
    data = Section(
        "The data",
        "X holds n_D instances in its rows, each of n_X values drawn uniformly from [0, 1), "
        "as the tutorial's `torch.rand(n_D, n_X)`; its own generator keeps it apart from "
        "the weights.",
        fill("""
            X = torch.rand(n_d, n_x, generator=torch.Generator().manual_seed(seed + 1))
            print("X", tuple(X.shape))  # (n_D, n_X)
            """),
    )
    by_hand = Section(
        "The equation by hand: y = x A^T + b",
        "Each layer computes y = x A<sup>T</sup> + b on every row of its input at once. The "
        "same product written out with `torch.matmul` gives the same numbers: bit for bit "
        "when `torch.equal` says True, else to float32 rounding (`torch.allclose`).",
        fill("""
            def check(name, a, b):
                equal, close = torch.equal(a, b), torch.allclose(a, b, atol=$atol)
                diff = (a - b).abs().max().item() if a.numel() else 0.0
                print(f"{name}: torch.equal {equal}, torch.allclose {close}, max |Δ| = {diff:.1e}")
                return equal, close, diff


            with torch.no_grad():  # we only look at the network: no gradients
                a1 = layer1(X)  # (n_D, n1)
                a1_by_hand = torch.matmul(X, layer1.weight.T) + layer1.bias
                a2 = layer2(a1)  # (n_D, n2)
                a2_by_hand = torch.matmul(a1, layer2.weight.T) + layer2.bias
            print("a1", tuple(a1.shape), "a2", tuple(a2.shape))
            checks = {
                "layer1": check("layer1(X) equals X A1^T + b1", a1, a1_by_hand),
                "layer2": check("layer2(a1) equals a1 A2^T + b2", a2, a2_by_hand),
            }

            # one cell of a1 as a dot product, as the page's hover shows it
            i, j = 0, 0
            terms = " + ".join(f"{x:.3f}×{w:.3f}" for x, w in zip(X[i].tolist(),
                                                             layer1.weight[j].tolist()))
            print(f"a1[{i}, {j}] = {terms} + {layer1.bias[j].item():.3f} = {a1[i, j].item():.4f}")
            """, atol=CLOSE_ATOL),
    )
    batch = Section(
        "A batch equals a loop over the instances",
        "Feeding X as one batch of n_D rows gives what feeding its instances one at a time "
        "gives: `net(X[i])` takes one instance of shape (n_X,) to (n[2],).",
        fill("""
            with torch.no_grad():
                y = net(X)  # (n_D, n2)
                y_loop = torch.stack([net(X[i]) for i in range(n_d)])  # one instance at a time
            print("y", tuple(y.shape))
            checks["batch"] = check("net(X) on the batch equals a loop over the instances",
                                    y, y_loop)
            """),
    )
    return Recipe(
        title=(f"The feed-forward network: nn.Linear({c.n_x}, {c.n1}), then "
               f"nn.Linear({c.n1}, {c.n2}), on {c.n_d} instances"),
        intro=("The first dashboard of *Disentangling the LSTM* as code: the tutorial's "
               "2-layer network with these sizes and seed, its weights as PyTorch stores them, "
               "and the two checks the page shows."),
        sections=(settings, network, data, by_hand, batch),
        filename="1_mlp.ipynb",
        link=link,
    )
