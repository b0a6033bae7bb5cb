"""What the LSTM explorer says in words: the module's tensors, its parameter count, its checks.

Plain text and HTML from the live module and its trace, for ``lstm_explorer``.
"""

from __future__ import annotations

from torch import nn

from ..maths.lstm import MATCH_ATOL, LSTMConfig, parameter_count
from ..maths.lstm_stack import StackTrace
from ..views.on_demand import OnDemandPanel
from ..views.panel_layout import Region
from ..views.parameter_panel import WEIGHT_REGIONS
from ..views.style import badge
from ..views.text_alternative import html_table

__all__ = ["ParametersPanel", "bands_html", "cell_regions", "checks_html", "direction_name",
           "parameters_table", "suffix"]

# each gate's name in words, in PyTorch's order
GATE_WORDS = {"i": "input gate", "f": "forget gate", "g": "cell candidate", "o": "output gate"}


def suffix(layer: int, direction: int) -> str:
    """PyTorch's ending of a cell's parameter names: ``_l1``, ``_l0_reverse``."""
    return f"_l{layer}" + ("_reverse" if direction else "")


def direction_name(direction: int) -> str:
    return "backward" if direction else "forward"


def _inputs(config: LSTMConfig, layer: int) -> tuple[str, str]:
    """(symbols, words) for the columns of layer ``layer``'s W_ih."""
    if layer == 0:
        return "n_X", "input feature k"
    if config.D == 2:
        return "2·H_out", f"layer {layer - 1}'s output: forward | backward"
    return "H_out", f"layer {layer - 1}'s output h"


def cell_regions(config: LSTMConfig, layer: int, direction: int) -> tuple[Region, ...]:
    """The parameter panel's regions for one cell: its tensors' names, shapes and columns."""
    end = suffix(layer, direction)
    symbols, words = _inputs(config, layer)
    hh = "H_out" if config.proj_size else "H"
    ih, whh, bih, bhh = WEIGHT_REGIONS
    return (Region(f"weight_ih{end}", f"4H × {symbols}", words, ih.width),
            Region(f"weight_hh{end}", f"4H × {hh}",
                   "unit of h_out (projected h)" if config.proj_size else whh.x_label,
                   whh.width),
            Region(f"bias_ih{end}", "4H", "", bih.width),
            Region(f"bias_hh{end}", "4H", "", bhh.width))


def parameters_table(lstm: nn.LSTM, config: LSTMConfig) -> str:
    """Every tensor of the module under its ``state_dict`` name: shape, rows and columns."""
    rows = []
    for name, p in lstm.named_parameters():
        kind, _, where = name.partition("_l")
        layer = int(where.split("_")[0])
        cell = f"layer {layer} {direction_name(int(where.endswith('reverse')))}"
        if kind == "weight_ih":
            _symbols, words = _inputs(config, layer)
            what = f"rows: gates i, f, g, o of H units; columns: {words}"
        elif kind == "weight_hh":
            what = ("rows: gates i, f, g, o; columns: the units of h_(e-1)"
                    + (", projected to H_out" if config.proj_size else ""))
        elif kind == "weight_hr":
            what = "rows: the H_out units of h; columns: the H units of o·tanh(c)"
        else:
            what = "one per row of the gates i, f, g, o"
        rows.append((name, cell, " × ".join(map(str, p.shape)), what))
    return html_table(f"Every parameter of the module ({len(rows)} tensors), by its state_dict "
                      "name",
                      ["name", "cell", "shape", "what it holds"], rows, css="text-table")


def count_html(lstm: nn.LSTM, config: LSTMConfig) -> str:
    """The parameter count's formula with the live sizes, held against the module's own."""
    c = config
    n_x, H, L, D, H_out = c.n_x, c.hidden_size, c.num_layers, c.D, c.H_out
    count = sum(t.numel() for t in lstm.parameters())
    formula = parameter_count(n_x, H, L, c.bidirectional, c.proj_size)
    if (L, D, c.proj_size) == (1, 1, 0):
        words = (f"4H(n_X + H) + 8H = 4·{H}·({n_x} + {H}) + 8·{H}")
    else:
        P = "H_out·H" if c.proj_size else "0"
        first = f"D·[4H(n_X + H_out) + 8H + {P}]"
        later = f" + (L − 1)·D·[4H(D·H_out + H_out) + 8H + {P}]" if L > 1 else ""
        sizes = f"D = {D}, L = {L}, H = {H}, H_out = {H_out}, n_X = {n_x}"
        words = f"{first}{later} with {sizes}"
    return (f"<div class='param-count'><b>Parameters</b>: {words} = <b>{formula:,}</b>; "
            f"the module counts <b>{count:,}</b></div>")


def checks_html(lstm: nn.LSTM, trace: StackTrace) -> str:
    """The parameter count, and whether our recurrence matches nn.LSTM for every cell."""
    t, c = trace, trace.config
    cells = c.num_layers * c.D
    verdict = "matches" if t.matches else "does NOT match"
    what = "nn.LSTM" if cells == 1 else f"nn.LSTM in all {cells} cells (layers × directions)"
    read_out = next(eq for eq in t.equalities if eq.left == "output[:, -1, :H_out]")
    name = "output[:, -1, :]" if c.D == 1 else "output[:, -1, :H_out]"
    return count_html(lstm, c) + (
        "<div class='recurrence-badge'>"
        + badge("ok" if t.matches else "bad",
                f"manual recurrence {verdict} {what}: max |Δ| = {t.max_abs_diff:.1e} "
                f"(tolerance {MATCH_ATOL:.0e})")
        + badge("ok" if read_out.as_claimed else "bad",
                f"{name} {'equals' if read_out.holds else 'differs from'} {read_out.right} "
                "(many-to-one read-out)")
        + "</div>")


class ParametersPanel(OnDemandPanel):
    """"Show every parameter": the module's tensors by ``state_dict`` name, on demand.

    Closed, a size change sends nothing for it (the list changes with every size).
    ``source`` returns the live (lstm, config).
    """

    SHOW, HIDE, ICON, CTL = "Show every parameter", "Hide every parameter", "list", "parameters"
    TOOLTIP = "Every tensor of the module under its state_dict name, with its shape"
    WHAT = "The list of parameters"

    def __init__(self, source, follows=(), **kwargs):
        self._source = source
        super().__init__(follows, **kwargs)

    def render(self) -> str:
        return parameters_table(*self._source())


def bands_html(config: LSTMConfig, layer: int, direction: int, unit: int) -> str:
    """The gate bands as slices of the cell's tensors, with the live H, and what the names say."""
    H, end = config.hidden_size, suffix(layer, direction)
    rows = []
    for k, (gate, words) in enumerate(GATE_WORDS.items()):
        lo, hi = k * H, (k + 1) * H
        cut = f"[{lo}:{hi}]" if k else f"[:{hi}]"
        rows.append((f"{gate}, {words}", f"W_i{gate} = weight_ih{end}{cut}",
                     f"W_h{gate} = weight_hh{end}{cut}", f"b_i{gate}, b_h{gate} = bias_ih{end}"
                     f"{cut}, bias_hh{end}{cut}", k * H + unit))
    where = (f"layer {layer}" + (", the backward direction" if direction else "")
             if (config.num_layers > 1 or config.D > 1) else "layer 0, the only one")
    suffixes = ("<code>_l0</code> means layer 0" if end == "_l0" else
                f"<code>{end}</code> means {where}")
    return (html_table(f"The gate bands as PyTorch's slices (H = {H}); unit j = {unit}'s row "
                       "in each, outlined in purple",
                       ["gate", "in weight_ih", "in weight_hh", "in the biases", "unit j's row"],
                       rows, css="text-table")
            + f"<p class='hint'>In the names, {suffixes}"
            + ("" if end != "_l0" else " (a second layer's are <code>_l1</code>, the backward "
               "direction's end in <code>_reverse</code>)") + ".</p>")
