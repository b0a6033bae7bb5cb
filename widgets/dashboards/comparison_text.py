"""The comparison section's words: its introduction, status, results table and memory titles,
each written from the published comparison."""

from __future__ import annotations

import html

from ..maths.cells import CELL_LABELS, CELLS
from ..maths.comparison import CellResult
from ..maths.tasks import TaskData
from ..maths.training import TrainConfig
from ..state.comparison_model import ComparisonProgress
from ..views.markup import Markup
from ..views.text_alternative import html_table

__all__ = ["MODULE_CODE", "NO_MEMORY", "announcement", "intro", "memory_title", "numbers_html",
           "results_table", "status_line", "survival_title"]

# the module each cell is, as one writes it
MODULE_CODE = {"lstm": "nn.LSTM(n_X, H, batch_first=True)",
               "gru": "nn.GRU(n_X, H, batch_first=True)",
               "rnn": "nn.RNN(n_X, H, batch_first=True)"}


NO_MEMORY = ("<span class='hint'>Press <i>Compare the three cells</i>: each cell's memory is "
             "drawn here once it has trained.</span>")


def intro(config: TrainConfig, data: TaskData) -> str:
    return (
        "<p class='hint'>Why not a plain RNN? The same data, settings and seed train three "
        "recurrent modules one after another, each read out by the same "
        "<code>nn.Linear(H, 1)</code> on its last step: <code>nn.RNN</code> (h<sub>e</sub> = "
        "tanh(W<sub>ih</sub> x<sub>e</sub> + W<sub>hh</sub> h<sub>e−1</sub> + b)), "
        "<code>nn.GRU</code> (gates r, z, n; h<sub>e</sub> = (1 − z<sub>e</sub>) ⊙ "
        "n<sub>e</sub> + z<sub>e</sub> ⊙ h<sub>e−1</sub>, so z is how much of the old state it "
        "keeps) and <code>nn.LSTM</code>. Each trains until it solves the task "
        f"({html.escape(data.solved_words)}) or its {config.epochs} epochs run out, at "
        f"H = {config.hidden_size}, n_E = {config.seq_len}.</p>")


def status_line(p: ComparisonProgress) -> str:
    now = f" · training the {CELL_LABELS[p.current]}" if p.current else ""
    return f"<div><b>{html.escape(p.message or 'Not compared yet.')}</b>{now}</div>"


def announcement(p: ComparisonProgress) -> str:
    """What a screen reader hears: the status and the cell training now, not every slice."""
    now = f", the {CELL_LABELS[p.current]} now" if p.current else ""
    return f"<p>{html.escape(p.message or 'Not compared yet.')}{now}</p>"


def _solved(r: CellResult) -> str:
    if r.solved:
        return f"epoch {r.solved_epoch} ({r.solved_seconds:.1f} s)"
    return "not solved" if r.epochs else "–"


def results_table(p: ComparisonProgress, data: TaskData) -> str:
    unit = f" ({data.unit})" if data.unit else ""
    rows = [(CELL_LABELS[r.cell], Markup(f"<code>{MODULE_CODE[r.cell]}</code>"), r.epochs,
             "–" if r.valid is None else f"{r.valid:.3g}", _solved(r), f"{r.seconds:.1f} s")
            for r in p.results]
    if not rows:
        return ""
    return html_table(
        "Each cell on the same validation sequences: the epochs it trained, its last "
        "validation error, and when it solved the task",
        ["cell", "module", "epochs", f"validation {data.metric}{unit}", "solved at",
         "training time"], rows, css="text-table")


def memory_title(what: Markup, sample: int, label: str) -> Markup:
    return Markup(f"{what}, validation sequence {sample} ({html.escape(label)}): solid, the "
                  "trained cells; dashed, before training")


def survival_title(cell: str, sample: int | None, label: str | None) -> Markup:
    """The survival heatmap's title: whose gates, for which sequence (None: not trained)."""
    gates = {"lstm": "f<sub>e+1</sub> ⋯ f<sub>n_E</sub>", "gru": "z<sub>e+1</sub> ⋯ "
             "z<sub>n_E</sub>"}[cell]
    if sample is None:
        return Markup(f"<b>{gates}</b>, the {CELL_LABELS[cell]}'s: after a comparison")
    return Markup(f"<b>{gates}</b>, the trained {CELL_LABELS[cell]}'s, per unit j and step e, "
                  f"validation sequence {sample} ({html.escape(label)})")


def numbers_html(p: ComparisonProgress, data: TaskData,
                 memories: dict, sample: int) -> str:
    """The comparison's numbers as tables: each cell's validation curve per epoch, the
    results, and each cell's state and input gradients per step for the sequence shown."""
    if not p.results:
        return ("<h4>Why the LSTM</h4><p>Not compared yet: the three cells' tables appear "
                "once the comparison has run.</p>")
    unit = f" ({data.unit})" if data.unit else ""
    cells = [c for c in CELLS if p.valid.get(c)]
    longest = max((len(p.valid[c]) for c in cells), default=0)
    curves = [(k, *(p.valid[c][k - 1] if k <= len(p.valid[c]) else "" for c in cells))
              for k in range(1, longest + 1)]
    parts = ["<h4>Why the LSTM: the three cells</h4>", results_table(p, data)]
    if curves:
        parts.append(html_table(
            f"Validation {data.metric}{unit} per epoch of each cell (a cell stops once it "
            "solves)", ["epoch", *(CELL_LABELS[c] for c in cells)], curves))
    names = [f"{CELL_LABELS[c]}{' before training' if ph == 'initial' else ''}"
             for c, ph in memories]
    for key, title in (("state", "‖dŷ/ds_e‖, the state's gradient"),
                       ("inputs", "|dŷ/dx_e[0]|, the input's gradient")):
        if not memories:
            break
        columns = [getattr(m, key) for m in memories.values()]
        rows = [(e, *(float(v[e - 1]) for v in columns))
                for e in range(1, len(columns[0]) + 1)]
        parts.append(html_table(f"{title} per step e, validation sequence {sample}",
                                ["step e", *names], rows, number=".3e"))
    return "".join(parts)
