"""The words of the "output and (h_n, c_n)" view: what a cell is, where its twin is, the checks.

Everything here is a pure function of a ``StackTrace`` and a sequence s of its batch, so the
read-out, the text alternative and the "Show the numbers" tables say the same thing. The three
tensors are drawn for one sequence: ``output[s]`` (n_E, D·H_out), ``h_n[:, s]`` (D·L, H_out)
and ``c_n[:, s]`` (D·L, H); a cell is (tensor, row, col) of those grids.
"""

from __future__ import annotations

import html

import numpy as np

from ..maths.lstm import LSTMConfig
from ..maths.lstm_stack import Equality, StackTrace, output_twin, state_twin
from .style import badge
from .text_alternative import Markup, html_table, plural, value_range

__all__ = [
    "TENSORS",
    "check_list",
    "describe_cell",
    "grid_title",
    "grid_values",
    "outputs_tables",
    "pitfall",
    "row_name",
    "twin_boxes",
    "twin_of",
    "twins_summary",
]

TENSORS = ("output", "h_n", "c_n")
_ANY_BLOCK = "any block of output"  # how lstm_stack names "nowhere in output"


def _direction(d: int) -> str:
    return "backward" if d else "forward"


def row_name(config: LSTMConfig, row: int) -> str:
    """'layer 1 backward': what row l·D + d of h_n and c_n holds."""
    layer, d = divmod(row, config.D)
    return f"layer {layer} {_direction(d)}"


def grid_values(trace: StackTrace, sample: int, tensor: str) -> np.ndarray:
    """The grid drawn for sequence ``sample``: output[s], h_n[:, s] or c_n[:, s]."""
    if tensor == "output":
        return trace.output[sample]  # (n_E, D·H_out)
    return (trace.h_n if tensor == "h_n" else trace.c_n)[:, sample]  # (D·L, H_out or H)


def grid_title(trace: StackTrace, sample: int, tensor: str) -> Markup:
    """The live shape of the whole tensor and what is drawn of it, e.g. for output:
    'output (b_S, n_E, D·H_out) = (2, 12, 16); drawn for sequence s = 0: output[0] (12 × 16)'."""
    symbols = {"output": "b_S, n_E, D·H_out", "h_n": "D·L, b_S, H_out", "c_n": "D·L, b_S, H"}
    whole = getattr(trace, tensor).shape
    drawn = "output[{s}]" if tensor == "output" else tensor + "[:, {s}]"
    rows, cols = grid_values(trace, sample, tensor).shape
    return Markup(f"<b>{tensor}</b> ({symbols[tensor]}) = {tuple(whole)}; drawn for sequence "
                  f"s = {sample}: <code>{drawn.format(s=sample)}</code> ({rows} × {cols})")


def twin_of(config: LSTMConfig, tensor: str, row: int, col: int) -> tuple[str, int, int] | None:
    """The cell of the other grid that holds the same number, as (tensor, row, col), or None."""
    if tensor == "output":
        found = output_twin(config, row, col)
        return None if found is None else ("h_n", *found)
    if tensor == "h_n":
        found = state_twin(config, row, col)
        return None if found is None else ("output", *found)
    return None  # c_n: output holds h, never c


def twin_boxes(config: LSTMConfig) -> dict[str, list[tuple[int, int, int, int]]]:
    """Per grid, the boxes (row0, row1, col0, col1) of the cells that have a twin: the last
    layer's final h, the forward one at output's last position, the backward one at its first."""
    D, L, H_out, n_e = config.D, config.num_layers, config.H_out, config.seq_len
    boxes: dict[str, list[tuple[int, int, int, int]]] = {"output": [], "h_n": [], "c_n": []}
    for d in range(D):
        position = n_e - 1 if d == 0 else 0
        boxes["output"].append((position, position, d * H_out, (d + 1) * H_out - 1))
        row = (L - 1) * D + d
        boxes["h_n"].append((row, row, 0, H_out - 1))
    return boxes


def _same(a: float, b: float, other: str) -> str:
    """'the same number as h_n[1, 0, 2]' when the two are equal, bit for bit; else the truth."""
    if a == b:
        return f"the same number as <code>{other}</code>"
    return f"should be the same number as <code>{other}</code>, but that is {b:+.4f}"


def describe_cell(trace: StackTrace, sample: int, tensor: str, row: int, col: int) -> str:
    """The read-out of one cell (HTML): its value, what it is, and its twin or why it has none."""
    config, s = trace.config, sample
    D, H_out, n_e = config.D, config.H_out, config.seq_len
    value = float(grid_values(trace, s, tensor)[row, col])
    if tensor == "output":
        d, unit = divmod(col, H_out)
        head = (f"<b>output[{s}, {row}, {col}]</b> = {value:+.4f} (position {row}, "
                f"{_direction(d)} unit {unit}): ")
        twin = output_twin(config, row, col)
        if twin is not None:
            other = float(trace.h_n[twin[0], s, twin[1]])
            return head + (f"{_same(value, other, f'h_n[{twin[0]}, {s}, {twin[1]}]')}, the "
                           f"{_direction(d)} direction of the last layer at its last step"
                           + (" (it reads the sequence from the end)" if d else ""))
        start = 0 if d == 0 else n_e - 1  # where this direction begins reading
        read = (f"position {row}" if row == start
                else f"positions {start} {'to' if d == 0 else 'down to'} {row}")
        text = (f"the last layer's {_direction(d)} h after reading {read}; h_n holds only its "
                f"final state, at position {n_e - 1 if d == 0 else 0}")
        if d == 1 and row == n_e - 1:
            text += (". This is what output[:, -1] holds of the backward direction: it has "
                     "read only the last element")
        return head + text
    layer, d = divmod(row, D)
    name = f"<b>{tensor}[{row}, {s}, {col}]</b> = {value:+.4f} (layer {layer}, {_direction(d)})"
    if tensor == "c_n":
        size = (f" (c has H = {config.hidden_size} units, h has H_out = {H_out})"
                if config.proj_size else "")
        return (f"{name}: the final cell state; output holds h, never the cell state c, so "
                f"it appears nowhere in output{size}")
    twin = state_twin(config, row, col)
    if twin is None:
        return (f"{name}: appears nowhere in output, which is the last layer's h; layer "
                f"{layer}'s h at every step, this final one included, went to the layer "
                "above as its input")
    other = float(trace.output[s, twin[0], twin[1]])
    return (f"{name}: {_same(value, other, f'output[{s}, {twin[0]}, {twin[1]}]')}, the "
            f"{_direction(d)} direction of the last layer at its last step"
            + (" (position 0: it reads the sequence from the end)" if d else ""))


def _check(eq: Equality) -> str:
    """One check as a badge: the torch.equal call, its result, and in words equals / differs."""
    left = html.escape(eq.left)
    if eq.right == _ANY_BLOCK:
        code = f"torch.equal({left}, any block of output[:, e]) → {eq.holds}"
        words = (f"{left} equals a block of output" if eq.holds
                 else f"{left} appears nowhere in output")
    else:
        right = html.escape(eq.right)
        code = f"torch.equal({left}, {right}) → {eq.holds}"
        words = f"{left} {'equals' if eq.holds else 'differs from'} {right}"
    if not eq.as_claimed:
        words += ", not what PyTorch's layout says"
    verdict = badge("ok" if eq.as_claimed else "bad", Markup(f"<code>{code}</code>: {words}"))
    return (f"<div class='twin-check'>{verdict} <span class='hint'>{html.escape(eq.meaning)}"
            "</span></div>")


def check_list(trace: StackTrace) -> str:
    """The trace's equalities, one badge a line: 'ok' when as claimed, else 'bad' in words."""
    return "".join(_check(eq) for eq in trace.equalities)


def pitfall(config: LSTMConfig) -> str:
    """The bidirectional pitfall in one plain sentence (empty when unidirectional)."""
    if config.D == 1:
        return ""
    text = ("With bidirectional=True, output[:, -1] holds the forward direction's final state "
            "but the backward direction's state after it has read only the last element; a "
            "many-to-one read-out takes h_n[-2] and h_n[-1] together, "
            "torch.cat((h_n[-2], h_n[-1]), dim=1), not output[:, -1].")
    if config.seq_len == 1:
        text += (" Here n_E = 1, so the last element is also the first and output[:, -1, "
                 "H_out:] does equal h_n[-1]; with a longer sequence it would not.")
    return text


def twins_summary(trace: StackTrace, sample: int) -> str:
    """Where the twins are, in words: the view's text alternative."""
    config = trace.config
    D, L, H_out, n_e = config.D, config.num_layers, config.H_out, config.seq_len
    parts = [f"Sequence s = {sample}: output[{sample}] has {plural(n_e, 'position')} by "
             f"{plural(D * H_out, 'column')}, values "
             f"{value_range(trace.output[sample])}; h_n[:, {sample}] has "
             f"{plural(D * L, 'row')} (layer and direction) by {plural(H_out, 'unit')}, "
             f"values {value_range(trace.h_n[:, sample])}; "
             f"c_n[:, {sample}] has {plural(D * L, 'row')} by "
             f"{plural(config.hidden_size, 'unit')}, values {value_range(trace.c_n[:, sample])}."]
    parts.append(f"Boxed in both: output[{sample}, {n_e - 1}, 0:{H_out}] is h_n[{(L - 1) * D}, "
                 f"{sample}], the last layer's forward final state.")
    if D == 2:
        parts.append(f"output[{sample}, 0, {H_out}:{2 * H_out}] is h_n[{(L - 1) * D + 1}, "
                     f"{sample}], the last layer's backward final state.")
    if L > 1:
        parts.append(f"Rows 0 to {D * (L - 1) - 1} of h_n (the lower layers) appear nowhere in "
                     "output.")
    parts.append("No row of c_n appears in output: output holds h, never c.")
    return " ".join(parts)


def outputs_tables(trace: StackTrace, sample: int) -> str:
    """The numbers as tables: h_n[:, s] and c_n[:, s] unit by unit, and output[s] at the
    positions whose cells are in h_n (the first and last only, so it stays short at n_E = 200)."""
    config, s = trace.config, sample
    D, L, H_out, n_e = config.D, config.num_layers, config.H_out, config.seq_len
    rows = [Markup(f"{r}: {row_name(config, r)}") for r in range(D * L)]
    tables = [
        html_table(f"h_n[:, {s}]: the final h of every layer and direction, sequence {s} "
                   "(a column a row of h_n)", ["unit", *rows],
                   [(u, *(float(v) for v in trace.h_n[:, s, u])) for u in range(H_out)]),
        html_table(f"c_n[:, {s}]: the final cell state of every layer and direction, sequence "
                   f"{s}; none of it is in output", ["unit", *rows],
                   [(j, *(float(v) for v in trace.c_n[:, s, j]))
                    for j in range(config.hidden_size)])]
    positions = sorted({0, n_e - 1} if D == 2 else {n_e - 1})
    twin_rows = []
    for c in range(D * H_out):
        d, unit = divmod(c, H_out)
        final = n_e - 1 if d == 0 else 0
        row = (L - 1) * D + d
        twin_rows.append((f"{c} ({_direction(d)} unit {unit})",
                          *(float(trace.output[s, e, c]) for e in positions),
                          f"h_n[{row}, {s}, {unit}] at position {final}"))
    shown = " and ".join(str(e) for e in positions)
    tables.append(html_table(
        f"output[{s}] at position{'s' if len(positions) > 1 else ''} {shown} only, the ones "
        f"whose cells are in h_n; the other {plural(n_e - len(positions), 'position')} are "
        "in the figure", ["column", *(f"position {e}" for e in positions), "its twin"],
        twin_rows))
    return "".join(tables)
