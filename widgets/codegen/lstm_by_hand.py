"""The explorer's recurrence by hand, as code: a function ``cell`` that runs one layer in one
direction from the module's own weights, the layers below the chosen one run with it, and unit
j's equations printed with the page's numbers.

Shared with ``lstm``, which writes the settings, the module and its forward pass.
"""

from __future__ import annotations

import textwrap

from ..maths.lstm import MATCH_ATOL, LSTMConfig
from .recipe import Section, fill, splice

__all__ = ["is_stacked", "recurrence", "unit_equations"]

# the layers below the chosen one, every direction, by hand: the chosen layer's input
LAYERS_BELOW = """\
layer_input = x  # layer 0 reads the features, a later layer the output of the one below
for lower in range(layer):  # the layers below, every direction, all the way
    outs = []
    for d in range(D):
        row = lower * D + d  # its row of h_0, h_n and c_n
        out, h, c, *_ = cell(layer_input, lower, d, h_0[row], c_0[row], seq_len)
        print(f"layer {lower}, direction {d} by hand: h allclose to h_n[{row}]",
              torch.allclose(h, h_n[row], atol=$atol),
              f"and c to c_n[{row}]", torch.allclose(c, c_n[row], atol=$atol))
        outs.append(out)
    layer_input = torch.cat(outs, dim=-1)  # (b_S, n_E, D·H_out): the directions side by side"""


def is_stacked(c: LSTMConfig) -> bool:
    """Whether the module is more than the tutorial's one layer in one direction."""
    return c.num_layers > 1 or c.bidirectional == 1 or c.proj_size > 0


def _cell_function(c: LSTMConfig) -> str:
    """The code of ``cell``: one layer in one direction, by hand, from the module's weights."""
    P = c.proj_size > 0
    walk = ("    positions = range(1, seq_len + 1) if direction == 0 else range(seq_len, 0, -1)\n"
            "    for e in positions[:steps]:  # the elements read, in the order read"
            if c.bidirectional else "    for e in range(1, steps + 1):")
    new_h = ("        m = o * torch.tanh(c)  # (b_S, H)\n"
             "        h = m @ W_hr.T  # (b_S, H_out): h_e, projected"
             if P else "        h = o * torch.tanh(c)  # h_e")
    return splice('''
        w = lstm.state_dict()  # every parameter by its name, without gradients


        def cell(x, layer, direction, h, c, steps):
            """Run a layer in one direction (0 forward, 1 backward) by hand for `steps` steps
            from the state (h, c). x is (b_S, n_E, inputs) in time order. Returns h_e at each
            position reached, then what the last step computed."""
            end = f"_l{layer}" + ("_reverse" if direction else "")  # its parameters' names
            W_ih, W_hh = w["weight_ih" + end], w["weight_hh" + end]  # $shapes
            b_ih, b_hh = w["bias_ih" + end], w["bias_hh" + end]  # (4H,) each, rows i, f, g, o
        $w_hr    x_proj = x @ W_ih.T  # (b_S, n_E, 4H): x_e W_ih^T for every element at once
            out = torch.zeros(batch_size, seq_len, $h_out)  # h_e at each position reached
        $walk
                h_proj = h @ W_hh.T  # (b_S, 4H): the previous h times W_hh^T
                z = x_proj[:, e - 1] + b_ih + h_proj + b_hh  # (b_S, 4H), rows i, f, g, o
                z_i, z_f, z_g, z_o = z.chunk(4, dim=1)  # 4 x (b_S, H)
                i, f, o = torch.sigmoid(z_i), torch.sigmoid(z_f), torch.sigmoid(z_o)
                g = torch.tanh(z_g)
                c_prev = c
                c = f * c + i * g  # c_e
        $new_h
                out[:, e - 1] = h
            gates = {"i": i, "f": f, "g": g, "o": o}
            return $names
        ''', shapes=("(4H, inputs), (4H, H_out)" if is_stacked(c) else "(4H, n_X), (4H, H)"),
        w_hr='    W_hr = w["weight_hr" + end]  # (H_out, H): the projection\n' if P else "",
        h_out="H_out" if is_stacked(c) else "H", walk=walk, new_h=new_h, names=_names(c))


def _names(c: LSTMConfig) -> str:
    """What ``cell`` returns, as the chosen cell's call unpacks it."""
    return "out, h, c, c_prev, gates, z, x_proj, h_proj" + (", m" if c.proj_size else "")


def recurrence(c: LSTMConfig) -> Section:
    """The section that defines ``cell``, runs the layers below the chosen cell (every
    direction, to the end), then the chosen cell up to step k, and holds its h against
    nn.LSTM's ``output`` (the last layer) or ``h_n`` (a lower layer's final step)."""
    L, atol = c.num_layers, repr(MATCH_ATOL)
    compare = splice("""
        diff = (h - theirs).abs().max().item()
        print(f"h_{e} by hand against nn.LSTM's {where}: max |Δ| = {diff:.1e}, "
              f"allclose: {torch.allclose(h, theirs, atol=$atol)}")
        """, atol=atol)
    if not is_stacked(c):
        zeros = ("h_0 = torch.zeros(1, batch_size, H)  # nn.LSTM's default initial state: zeros\n"
                 "c_0 = torch.zeros(1, batch_size, H)\n")
        code = _cell_function(c) + "\n\n\n" + (zeros if c.h0 == "zeros" else "") + splice("""
            $names = cell(x, 0, 0, h_0[0], c_0[0], e)
            theirs, where = output[:, e - 1], f"output[:, {e - 1}]"
            """, names=_names(c)) + "\n" + compare
        return Section(
            "The recurrence by hand, up to step e",
            "The same cell, written out from the module's own weights: at each step the four "
            "gates read x_e and h_(e-1); the cell state keeps what the forget gate lets "
            "through and adds what the input gate lets in: c_e = f_e ⊙ c_(e-1) + i_e ⊙ g_e, "
            "and h_e = o_e ⊙ tanh(c_e). The input term x_e W_ih<sup>T</sup> does not depend "
            "on h, so it is one product for every step at once.", code)
    zeros = ("h_0 = torch.zeros(D * L, batch_size, H_out)  # nn.LSTM's default initial state\n"
             "c_0 = torch.zeros(D * L, batch_size, H)\n")
    code = _cell_function(c) + "\n\n\n" + (zeros if c.h0 == "zeros" else "")
    if L > 1:
        code += splice(LAYERS_BELOW, atol=atol) + "\n"
    code += splice("""
        row = layer * D + direction  # the cell's row of h_0, h_n and c_n
        $names = cell(
            $inputs, layer, direction, h_0[row], c_0[row], k)
        cols = slice(direction * H_out, (direction + 1) * H_out)  # its columns of output
        """, names=_names(c), inputs="layer_input" if L > 1 else "x") + "\n"
    where = ('theirs, where = output[:, e - 1, cols], f"output[:, {e - 1}, '
             '{cols.start}:{cols.stop}]"')
    if L == 1:
        code += where + "\n" + compare
    else:
        code += splice("""
            if layer == L - 1:  # the last layer's h_e is in output
                $where
            else:  # a lower layer's h_e fed the layer above: only its final h is kept, in h_n
                theirs, where = h_n[row], f"h_n[{row}]"
            if layer < L - 1 and k < seq_len:
                print(f"layer {layer}'s h_{e} fed layer {layer + 1}: nn.LSTM keeps it nowhere "
                      f"(k = {seq_len} compares its final h with {where})")
            else:
            """, where=where) + "\n" + textwrap.indent(compare, "    ")
    return Section(
        "The recurrence by hand, up to step k",
        "The same cells, written out from the module's own weights: at each step the four "
        "gates read an element and the previous h; c_e = f_e ⊙ c_prev + i_e ⊙ g_e and "
        + ("m_e = o_e ⊙ tanh(c_e), projected to h_e = W_hr m_e. " if c.proj_size else
           "h_e = o_e ⊙ tanh(c_e). ")
        + ("The backward direction reads e = n_E, n_E − 1, ..., 1, so its previous state is "
           "h_(e+1). " if c.bidirectional else "")
        + ("A later layer reads the output of the layer below, so the layers below run first, "
           "by hand too, every direction to the end. " if L > 1 else "")
        + "The input term x_e W_ih<sup>T</sup> does not depend on h: one product for every "
          "element at once.", code)


def unit_equations(c: LSTMConfig) -> Section:
    """The section that prints unit j's equations at step k as the page's ``unit_equations``
    writes them: i, f, g, o, c, then h, or m and (when j < H_out) h."""
    stacked, P = is_stacked(c), c.proj_size > 0
    head = ('end = f"_l{layer}" + ("_reverse" if direction else "")\n'
            'b_ih, b_hh = w["bias_ih" + end], w["bias_hh" + end]  # the cell\'s, (4H,) each\n'
            "prev = e - 1 if direction == 0 else e + 1  # the state it read\n"
            if stacked else
            'b_ih, b_hh = w["bias_ih_l0"], w["bias_hh_l0"]  # (4H,) each\nprev = e - 1\n')
    last = (fill("""
        print(f"m_{e}[{j}] = o·tanh(c_{e}) = {o:.3f} × tanh({c[s, j].item():.3f}) "
              f"= {m[s, j].item():.3f}")
        if j < H_out:  # h_e[j] weighs the H units of m_e by row j of W_hr
            print(f"h_{e}[{j}] = W_hr[{j},:]·m_{e} = {h[s, j].item():.3f}")
        else:
            print(f"(h_{e} has H_out = {H_out} units: unit j = {j} reaches each through "
                  f"column {j} of W_hr)")
        """) if P else fill("""
        print(f"h_{e}[{j}] = o·tanh(c_{e}) = {o:.3f} × tanh({c[s, j].item():.3f}) "
              f"= {h[s, j].item():.3f}")
        """))
    return Section(
        "Unit j at step " + ("k" if stacked else "e") + ", with its numbers",
        "The page's equations for one unit: each gate's four terms (W_i?[j,:]·x_e, b_i?[j], "
        "W_h?[j,:]·h_prev, b_h?[j]), their sum, and the activation; then c_e[j] and "
        + ("m_e[j], and h_e[j] when j < H_out. " if P else "h_e[j]. ")
        + "Negative numbers are in parentheses, as on the page.",
        fill("""
            def num(v):
                return f"({v:.3f})" if v < 0 else f"{v:.3f}"


            """) + "\n\n\n" + head + fill("""
            i, f, g, o = (gates[gate][s, j].item() for gate in "ifgo")
            for n, gate in enumerate("ifgo"):
                r = n * H + j  # gate n of unit j: a row of W_ih and W_hh
                terms = [x_proj[s, e - 1, r], b_ih[r], h_proj[s, r], b_hh[r]]
                fn = "tanh" if gate == "g" else "σ"
                print(f"{gate}_{e}[{j}] = {fn}({' + '.join(num(t.item()) for t in terms)}) "
                      f"= {fn}({z[s, r].item():.3f}) = {gates[gate][s, j].item():.3f}")
            print(f"c_{e}[{j}] = f·c_{prev} + i·g = {f:.3f} × {num(c_prev[s, j].item())} "
                  f"+ {i:.3f} × {num(g)} = {c[s, j].item():.3f}")
            """) + "\n" + last)
