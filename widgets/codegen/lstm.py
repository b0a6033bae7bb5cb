"""The LSTM explorer's code: the seeded nn.LSTM, its input batch, and the recurrence by hand.

At the defaults (one layer, one direction, no projection, zero initial state) the code is the
tutorial's cell and nothing more; each setting in use adds its own lines: the stack's sizes,
the layers below run by hand, the backward direction's walk from the end, the projection
h = W_hr m, a seeded (h_0, c_0). The recurrence by hand and unit j's equations are written
in ``lstm_by_hand``.
"""

from __future__ import annotations

from ..maths.lstm import LSTMConfig
from .lstm_by_hand import is_stacked, recurrence, unit_equations
from .recipe import Recipe, Section, fill, splice
from .snippets import noisy_sines

__all__ = ["lstm_recipe"]


# the forward pass of the tutorial's one cell
ONE_CELL_FORWARD = """\
with torch.no_grad():  # we only look: no gradients
    output, (h_n, c_n) = $call  # (b_S, n_E, H), (1, b_S, H), (1, b_S, H)
print("output", tuple(output.shape), "h_n", tuple(h_n.shape), "c_n", tuple(c_n.shape))
print("output[:, -1, :] equals h_n[-1]:", torch.equal(output[:, -1, :], h_n[-1]))"""

# where the backward direction's final state is in output, and where it is not
BACKWARD_EQUALITIES = """\
# the backward direction ends at the first element; at the last it has read one
print("output[:, 0, H_out:] equals h_n[-1]:", torch.equal(output[:, 0, H_out:], h_n[-1]))
print("output[:, -1, H_out:] equals h_n[-1]:", torch.equal(output[:, -1, H_out:], h_n[-1]))"""

# the lower layers' final h is nowhere in output
LOWER_STATES = """\
for row in range(D * (L - 1)):  # the layers below: their final h fed the layer above
    print(f"h_n[{row}] equals any block of output:", in_output(h_n[row]))
"""

def _settings(c: LSTMConfig, sample: int, layer: int, direction: int, step: int,
              unit: int) -> Section:
    stack = fill("""
        num_layers = $L  # layers stacked: layer l > 0 reads the output of layer l - 1
        bidirectional = $bi  # True: a second direction reads each sequence from its end
        proj_size = $P  # H_out: h = W_hr (o ⊙ tanh(c)) has this many units; 0 for none
        """, L=c.num_layers, bi=bool(c.bidirectional), P=c.proj_size) + "\n"
    view = fill("""
        s, layer, direction = $s, $l, $d  # the sequence shown; the cell taken step by step
        k, j = $k, $j  # the step k (from 1) and the unit j
        e = k if direction == 0 else seq_len + 1 - k  # the element read: backward starts at the end
        """, s=sample, l=layer, d=direction, k=step, j=unit)
    return Section(
        "The settings",
        "The explorer's sliders in the tutorial's notation: sequences of n_E elements of n_X "
        "values, fed b_S at a time to an LSTM of hidden size H. One seed makes the weights "
        "and the inputs, so the numbers below are the page's. "
        + ("`s`, `layer`, `direction`, `k` and `j` are the sequence, the cell, the step and "
           "the unit the page shows; step k of the backward direction reads element "
           "e = n_E + 1 − k." if is_stacked(c) else
           "`s`, `e` and `j` are the sequence, the step and the unit the page shows."),
        fill("""
            import numpy as np
            import torch
            from torch import nn

            n_x = $n_x  # n_X: values in each sequence element
            hidden_size = $hidden_size  # H: units in the hidden state h and the cell state c
            seq_len = $seq_len  # n_E: elements in each sequence
            batch_size = $batch_size  # b_S: sequences fed at once
            """, n_x=c.n_x, hidden_size=c.hidden_size, seq_len=c.seq_len,
             batch_size=c.batch_size) + "\n"
        + (stack if is_stacked(c) else "") + f"seed = {c.seed!r}\n"
        + (view if is_stacked(c) else
           f"s, e, j = {sample!r}, {step!r}, {unit!r}  # the sequence shown, the step e (from "
           "1), the unit j"),
    )


def _module(c: LSTMConfig) -> Section:
    if not is_stacked(c):
        return Section(
            "The module and its parameters",
            "`nn.LSTM` stacks the four gates in the rows of its weights, in the order i, f, g, "
            "o: `weight_ih_l0` is (4H, n_X) and `weight_hh_l0` is (4H, H), so row k·H + j "
            "belongs to gate k of unit j. It has 4H(n_X + H) + 8H parameters.",
            fill("""
                torch.manual_seed(seed)  # the explorer's seed: the same initial weights
                lstm = nn.LSTM(n_x, hidden_size, batch_first=True)
                for name, p in lstm.named_parameters():
                    print(name, tuple(p.shape))
                n_params = sum(p.numel() for p in lstm.parameters())
                H = hidden_size
                formula = 4 * H * (n_x + H) + 8 * H
                print(f"4H(n_X + H) + 8H = {formula}; the module counts {n_params}")
                """))
    return Section(
        "The module and its parameters",
        "Each layer and direction is a cell of its own, with parameters named `_l{layer}` and, "
        "for the backward direction, `_reverse`. The four gates sit in the rows of its "
        "weights, in the order i, f, g, o: `weight_ih` is (4H, inputs) and `weight_hh` is "
        "(4H, H_out); with a projection, `weight_hr` (H_out, H) maps o ⊙ tanh(c) to h. Layer "
        "0's inputs are the n_X features, a later layer's the D·H_out values of the layer "
        "below's output.",
        fill("""
            torch.manual_seed(seed)  # the explorer's seed: the same initial weights
            lstm = nn.LSTM(n_x, hidden_size, num_layers=num_layers, bidirectional=bidirectional,
                           proj_size=proj_size, batch_first=True)
            lstm.requires_grad_(False)  # as the page's: with a projection, the kernel depends on it
            for name, p in lstm.named_parameters():
                print(name, tuple(p.shape))
            n_params = sum(p.numel() for p in lstm.parameters())
            H, L = hidden_size, num_layers
            D = 2 if bidirectional else 1  # directions
            H_out = proj_size or H  # units of h: the projection's, else H
            P = H_out * H if proj_size else 0  # W_hr's weights, in each cell


            def per_layer(inputs):  # D cells: W_ih, W_hh, two biases of 4H, and W_hr
                return D * (4 * H * (inputs + H_out) + 8 * H + P)


            formula = per_layer(n_x) + (L - 1) * per_layer(D * H_out)  # later layers read D·H_out
            print(f"D·[4H(n_X + H_out) + 8H + P] + (L − 1)·D·[4H(D·H_out + H_out) + 8H + P] = "
                  f"{formula}; the module counts {n_params}")
            """))


def _initial_state(c: LSTMConfig) -> Section:
    rows, h_out = ("D * L", "H_out") if is_stacked(c) else ("1", "H")
    return Section(
        "The initial state",
        "Seeded (h<sub>0</sub>, c<sub>0</sub>) instead of PyTorch's zeros, drawn from "
        "U(−0.5, 0.5) by a generator of their own, so the inputs' stream is untouched. Row "
        "l·D + d is layer l in direction d, as in `h_n`.",
        splice("""
            rng = np.random.default_rng([seed, 0x40])  # a stream of its own
            h_0 = rng.uniform(-0.5, 0.5, size=($rows, batch_size, $h_out))
            c_0 = rng.uniform(-0.5, 0.5, size=($rows, batch_size, H))
            h_0 = torch.from_numpy(h_0.astype(np.float32))  # ($shape, b_S, $h_out)
            c_0 = torch.from_numpy(c_0.astype(np.float32))  # ($shape, b_S, H)
            print("h_0", tuple(h_0.shape), "c_0", tuple(c_0.shape))
            """, rows=rows, h_out=h_out, shape=rows.replace(" * ", "·")),
    )


def _forward(c: LSTMConfig) -> Section:
    call = "lstm(x, (h_0, c_0))" if c.h0 == "seeded" else "lstm(x)"
    if not is_stacked(c):
        return Section(
            "PyTorch's forward pass",
            "The module reads the whole batch: `output` holds h_e for every step e, and `h_n` "
            "the last one. The many-to-one architecture reads `output[:, -1, :]`, which is "
            "`h_n[-1]`.",
            splice(ONE_CELL_FORWARD, call=call))
    last = "h_n[-2]" if c.bidirectional else "h_n[-1]"
    code = splice("""
        with torch.no_grad():  # we only look: no gradients
            output, (h_n, c_n) = $call
        # output (b_S, n_E, D·H_out); h_n (D·L, b_S, H_out) and c_n (D·L, b_S, H), row l·D + d
        print("output", tuple(output.shape), "h_n", tuple(h_n.shape), "c_n", tuple(c_n.shape))
        # the forward direction of the last layer ends at the last element
        print("output[:, -1, :H_out] equals $last:", torch.equal(output[:, -1, :H_out], $last))
        """, call=call, last=last)
    if c.bidirectional:
        code += "\n" + BACKWARD_EQUALITIES
    code += "\n" + splice("""
        def in_output(state):  # is this (b_S, w) state any w-wide block of output, anywhere?
            w = state.shape[-1]
            return output.shape[-1] % w == 0 and any(
                torch.equal(b, state) for b in output.reshape(batch_size, -1, w).unbind(1))


        ${lower}for row in range(D * L):  # output holds h, never the cell state c
            print(f"c_n[{row}] equals any block of output:", in_output(c_n[row]))
        """, lower=LOWER_STATES if c.num_layers > 1 else "")
    return Section(
        "PyTorch's forward pass",
        "`output` is the last layer's h at every position: the forward direction in its first "
        "H_out columns" + (", the backward one in the next" if c.bidirectional else "")
        + ". `h_n` and `c_n` hold each cell's final state, row l·D + d"
        + (". The backward direction ends at the first element, so its final h is "
           "`output[:, 0, H_out:]`; `output[:, -1, H_out:]` is its state after reading the "
           "last element alone" if c.bidirectional else "")
        + (". A lower layer's final h fed the layer above through its steps: it is nowhere in "
           "`output`" if c.num_layers > 1 else "")
        + "." + (" PyTorch may warn that oneDNN has no projection and that it uses its own "
                 "kernel: nothing to act on." if c.proj_size else ""),
        code)


def lstm_recipe(config: LSTMConfig, *, sample: int = 0, layer: int = 0, direction: int = 0,
                step: int = 1, unit: int = 0, link: str = "") -> Recipe:
    """The code that rebuilds the explorer for ``config`` at sequence ``sample``, in cell
    (``layer``, ``direction``), at step k = ``step`` and unit j = ``unit``: the module, the
    batch, the forward pass and its equalities, the recurrence up to step k, and the lines
    that print unit j's equations with the numbers the page shows.

    Names the code leaves behind: ``lstm``, ``x``, ``output``, ``h_n``, ``c_n``, ``h_0``,
    ``c_0``, ``n_params``, and after the recurrence ``h``, ``c`` (after step k), ``c_prev``,
    ``z``, ``gates`` (i, f, g, o at step k, each (b_S, H)), ``x_proj`` (b_S, n_E, 4H) in time
    order, ``h_proj`` and, with a projection, ``m`` (b_S, H).
    """
    c = config
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
    sections = (_settings(c, sample, layer, direction, step, unit), inputs, _module(c),
                *((_initial_state(c),) if c.h0 == "seeded" else ()), _forward(c),
                recurrence(c), unit_equations(c))
    options = "".join(f", {name}={value!r}" for name, value in (
        ("num_layers", c.num_layers), ("bidirectional", bool(c.bidirectional)),
        ("proj_size", c.proj_size)) if value != getattr(LSTMConfig, name))
    where = (f"layer {layer} {'backward' if direction else 'forward'}, unit {unit} at step "
             f"{step}" if is_stacked(c) else f"unit {unit} at step {step}")
    return Recipe(
        title=(f"The LSTM explorer: nn.LSTM({c.n_x}, {c.hidden_size}{options}) on a batch of "
               f"{c.batch_size} × {c.seq_len} steps, {where} of sequence {sample}"),
        intro=("The third dashboard of *Disentangling the LSTM* as code: a real `nn.LSTM` "
               "with these sizes and seed, its weights as PyTorch stores them, its forward "
               "pass, and the recurrence done by hand up to the step the page shows, with "
               "the numbers of its equations."),
        sections=sections,
        filename="3_lstm_explorer.ipynb",
        link=link,
    )
