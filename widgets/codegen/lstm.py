"""The LSTM explorer's code: the seeded nn.LSTM, its input batch, and the recurrence by hand."""

from __future__ import annotations

from ..maths.lstm import MATCH_ATOL, LSTMConfig
from .recipe import Recipe, Section, fill
from .snippets import noisy_sines

__all__ = ["lstm_recipe"]


def lstm_recipe(config: LSTMConfig, *, sample: int = 0, step: int = 1, unit: int = 0,
                link: str = "") -> Recipe:
    """The code that rebuilds the explorer for ``config`` at sequence ``sample``, step e =
    ``step`` and unit j = ``unit``: the module, the batch, the recurrence up to step e, and the
    lines that print unit j's equations with the numbers the page shows.

    Names the code leaves behind: ``lstm``, ``x``, ``output``, ``h_n``, ``c_n``, and after the
    recurrence ``h``, ``c`` (h_e, c_e), ``c_prev``, ``z``, ``gates`` (i, f, g, o at step e, each
    (b_S, H)), ``x_proj``, ``h_proj``, ``n_params``.
    """
    c = config
    settings = Section(
        "The settings",
        "The explorer's sliders in the tutorial's notation: sequences of n_E elements of n_X "
        "values, fed b_S at a time to an LSTM of hidden size H. One seed makes the weights "
        "and the inputs, so the numbers below are the page's. `s`, `e` and `j` are the "
        "sequence, the step and the unit the page shows.",
        fill("""
            import numpy as np
            import torch
            from torch import nn

            n_x = $n_x  # n_X: values in each sequence element
            hidden_size = $hidden_size  # H: units in the hidden state h and the cell state c
            seq_len = $seq_len  # n_E: elements in each sequence
            batch_size = $batch_size  # b_S: sequences fed at once
            seed = $seed
            s, e, j = $s, $e, $j  # the sequence shown, the step e (from 1), the unit j
            """, **vars(c), s=sample, e=step, j=unit),
    )
    inputs = Section(
        "The input batch",
        "A batch of shape (b_S, n_E, n_X), as `batch_first=True` wants it: one noisy sine "
        "per sequence and value, with periods of 6 to 40 steps, so the states have something "
        "to follow.",
        noisy_sines("batch_size", "seq_len", ("b_S", "n_E")) + "\n" + fill("""
            x = torch.from_numpy(signals.astype(np.float32))  # (b_S, n_E, n_X)
            print("x", tuple(x.shape))
            """),
    )
    module = Section(
        "The module and its parameters",
        "`nn.LSTM` stacks the four gates in the rows of its weights, in the order i, f, g, o: "
        "`weight_ih_l0` is (4H, n_X) and `weight_hh_l0` is (4H, H), so row k·H + j belongs "
        "to gate k of unit j. It has 4H(n_X + H) + 8H parameters.",
        fill("""
            torch.manual_seed(seed)  # the explorer's seed: the same initial weights
            lstm = nn.LSTM(n_x, hidden_size, batch_first=True)
            for name, p in lstm.named_parameters():
                print(name, tuple(p.shape))
            n_params = sum(p.numel() for p in lstm.parameters())
            H = hidden_size
            formula = 4 * H * (n_x + H) + 8 * H
            print(f"4H(n_X + H) + 8H = {formula}; the module counts {n_params}")
            """),
    )
    forward = Section(
        "PyTorch's forward pass",
        "The module reads the whole batch: `output` holds h_e for every step e, and `h_n` the "
        "last one. The many-to-one architecture reads `output[:, -1, :]`, which is `h_n[-1]`.",
        fill("""
            with torch.no_grad():  # we only look: no gradients
                output, (h_n, c_n) = lstm(x)  # (b_S, n_E, H), (1, b_S, H), (1, b_S, H)
            print("output", tuple(output.shape), "h_n", tuple(h_n.shape), "c_n", tuple(c_n.shape))
            print("output[:, -1, :] equals h_n[-1]:", torch.equal(output[:, -1, :], h_n[-1]))
            """),
    )
    recurrence = Section(
        "The recurrence by hand, up to step e",
        "The same cell, written out from the module's own weights: at each step the four "
        "gates read x_e and h_(e-1); the cell state keeps what the forget gate lets through "
        "and adds what the input gate lets in: c_e = f_e ⊙ c_(e-1) + i_e ⊙ g_e, and "
        "h_e = o_e ⊙ tanh(c_e). The input term x_e W_ih<sup>T</sup> does not depend on h, "
        "so it is one product for every step at once.",
        fill("""
            W_ih = lstm.weight_ih_l0.detach()  # (4H, n_X), rows i, f, g, o
            W_hh = lstm.weight_hh_l0.detach()  # (4H, H)
            b_ih, b_hh = lstm.bias_ih_l0.detach(), lstm.bias_hh_l0.detach()  # (4H,) each
            x_proj = x @ W_ih.T  # (b_S, n_E, 4H): x_e W_ih^T for every step
            h = torch.zeros(batch_size, H)  # h_0
            c = torch.zeros(batch_size, H)  # c_0
            for step in range(1, e + 1):
                h_proj = h @ W_hh.T  # (b_S, 4H): h_(e-1) W_hh^T
                z = x_proj[:, step - 1] + b_ih + h_proj + b_hh  # (b_S, 4H), rows i, f, g, o
                z_i, z_f, z_g, z_o = z.chunk(4, dim=1)  # 4 x (b_S, H)
                i, f, o = torch.sigmoid(z_i), torch.sigmoid(z_f), torch.sigmoid(z_o)
                g = torch.tanh(z_g)
                c_prev = c
                c = f * c + i * g  # c_e
                h = o * torch.tanh(c)  # h_e
            gates = {"i": i, "f": f, "g": g, "o": o}
            diff = (h - output[:, e - 1]).abs().max().item()
            print(f"h_{e} by hand against nn.LSTM's output[:, {e - 1}]: max |Δ| = {diff:.1e}, "
                  f"allclose: {torch.allclose(h, output[:, e - 1], atol=$atol)}")
            """, atol=MATCH_ATOL),
    )
    unit_eqs = Section(
        "Unit j at step e, with its numbers",
        "The page's equations for one unit: each gate's four terms (W_i?[j,:]·x_e, b_i?[j], "
        "W_h?[j,:]·h_(e-1), b_h?[j]), their sum, and the activation; then c_e[j] and h_e[j]. "
        "Negative numbers are in parentheses, as on the page.",
        fill("""
            def num(v):
                return f"({v:.3f})" if v < 0 else f"{v:.3f}"


            for k, gate in enumerate("ifgo"):
                row = k * H + j  # gate k of unit j: a row of W_ih and W_hh
                terms = [x_proj[s, e - 1, row], b_ih[row], h_proj[s, row], b_hh[row]]
                fn = "tanh" if gate == "g" else "σ"
                print(f"{gate}_{e}[{j}] = {fn}({' + '.join(num(t.item()) for t in terms)}) "
                      f"= {fn}({z[s, row].item():.3f}) = {gates[gate][s, j].item():.3f}")
            print(f"c_{e}[{j}] = f·c_{e - 1} + i·g = {f[s, j].item():.3f} × "
                  f"{num(c_prev[s, j].item())} + {i[s, j].item():.3f} × {num(g[s, j].item())} "
                  f"= {c[s, j].item():.3f}")
            print(f"h_{e}[{j}] = o·tanh(c_{e}) = {o[s, j].item():.3f} × "
                  f"tanh({c[s, j].item():.3f}) = {h[s, j].item():.3f}")
            """),
    )
    return Recipe(
        title=(f"The LSTM explorer: nn.LSTM({c.n_x}, {c.hidden_size}) on a batch of "
               f"{c.batch_size} × {c.seq_len} steps, unit {unit} at step {step} of sequence "
               f"{sample}"),
        intro=("The third dashboard of *Disentangling the LSTM* as code: a real `nn.LSTM` "
               "with these sizes and seed, its weights as PyTorch stores them, its forward "
               "pass, and the recurrence done by hand up to the step the page shows, with "
               "the numbers of its equations."),
        sections=(settings, inputs, module, forward, recurrence, unit_eqs),
        filename="lstm_explorer.ipynb",
        link=link,
    )
