"""The training page's words: its status line, what is announced, the results table, the note
under its code and its numbers as tables, each written from the model's published values.

Everything is read from the run (its progress, data, answers and trace), never from the
settings: a new task sets its settings one by one before the rebuild, and the text in between
is the old run's, whole, not a mix.
"""

from __future__ import annotations

import html

import numpy as np

from ..maths.cells import CELL_LABELS
from ..maths.lstm import init_bound
from ..maths.tasks import TaskData
from ..state.training_model import PHASES, Progress, TrainingModel
from ..views.colors import nice_bound
from ..views.markup import Markup
from ..views.step_panel import step_tables
from ..views.text_alternative import html_table

__all__ = ["PHASE_LABELS", "SCALES", "announcement", "code_note", "numbers_html",
           "results_table", "status_line", "weight_range"]

PHASE_LABELS = {"initial": "before training (initial weights)", "trained": "after training"}
# the weights' colour range: one for both phases (to compare them), or the phase's own
SCALES = {"both": "one range for both", "own": "each its own range"}
WORDS = {"untrained": "Untrained: press Train.", "training": "Training…", "waiting": "Waiting…",
         "trained": "Trained.", "stopped": "Stopped.", "diverged": "Diverged."}


def _facts(p: Progress, data: TaskData) -> tuple[str, str]:
    """The last validation error and the message, as the status line ends."""
    unit = f" {data.unit}" if data.unit else ""
    last = f" · validation {data.metric} {p.valid[-1]:.3g}{unit}" if p.valid else ""
    last = html.escape(last)  # the task's words, which a learner's own data will name
    return last, (f" · {html.escape(p.message)}" if p.message else "")


def status_line(p: Progress, data: TaskData) -> str:
    """Where the run is (or, replaying a cached run, where the replay is), with its pace."""
    last, note = _facts(p, data)
    pace = (f" · about {p.seconds_left:.0f} s left"
            if p.seconds_left is not None and p.status == "training" else "")
    return f"<div><b>{WORDS[p.status]}</b> epoch {p.epoch} of {p.epochs}{last}{pace}{note}</div>"


def announcement(p: Progress, data: TaskData) -> str:
    """What is said when the run changes (started, stopped, trained): the line without pace."""
    last, note = _facts(p, data)
    return f"<p>{WORDS[p.status]} epoch {p.epoch} of {p.epochs}{last}{note}</p>"


def results_table(data: TaskData, answers, trained: bool, cell: str = "lstm") -> str:
    """The model (its ``cell``'s) against the yardsticks, on the same validation sequences."""
    unit = f" ({data.unit})" if data.unit else ""
    name = CELL_LABELS[cell]
    rows = [(f"this {name}" + ("" if trained else " (untrained)"), answers),
            *data.yardsticks.items()]
    return html_table(f"The {name} against the yardsticks",
                      [f"on the {len(data.truth)} validation sequences", f"{data.metric}{unit}",
                       data.score_name],
                      [(name, data.error(values), data.score(values)) for name, values in rows],
                      number=".3g", css="text-table")


def code_note(p: Progress) -> str:
    """Where the code, which always trains every epoch, and the page's run part ways."""
    left = {"untrained": "The page has not trained yet",
            "training": f"The page is training (epoch {p.epoch} of {p.epochs})",
            "waiting": "The page waits for another kernel training these settings",
            "stopped": f"The page's run was stopped after {p.epoch} of {p.epochs} epochs",
            "diverged": "The page's run diverged"}.get(p.status)
    if left is None:
        return ""
    return (f"{left}; this code trains all {p.epochs} epochs, so its curves and trained "
            "weights are those of a full run.")


def numbers_html(m: TrainingModel) -> str:
    """The run's numbers as tables: its curves per epoch and the yardsticks, its answers
    against the truth, and the step the step view shows, under the weights it shows."""
    p, data, name = m.progress, m.data, CELL_LABELS[m.cell]
    unit = f" ({data.unit})" if data.unit else ""
    n_valid = len(data.truth)
    parts = [f"<p>The run: {p.status}, epoch {p.epoch} of {p.epochs}.</p>"]
    if p.valid:
        epochs = zip(p.train, p.valid, strict=True)
        parts.append(html_table(
            f"{data.metric}{unit} per epoch on the training and validation sequences",
            ["epoch", f"training {data.metric}", f"validation {data.metric}"],
            [(k, float(a), float(b)) for k, (a, b) in enumerate(epochs, start=1)]))
    else:
        parts.append("<p>No epoch trained yet: the learning curves start with Train.</p>")
    parts.append(html_table(
        f"The yardsticks: {data.metric}{unit} on the same {n_valid} validation sequences",
        ["yardstick", data.metric],
        [(name, data.error(values)) for name, values in data.yardsticks.items()]))
    # the answers the predictions chart draws, in the validation set's order
    answers = zip(data.valid_labels, data.truth, m.answers, strict=True)
    parts.append(html_table(
        f"The {name}'s answers{'' if m.trained else ' (untrained)'} and the truth on the "
        f"{n_valid} validation sequences{unit}",
        ["sequence", "what it is", "truth", f"{name}'s answer", "answer − truth"],
        [(k, label, float(y), float(a), float(a - y))
         for k, (label, y, a) in enumerate(answers)]))
    # the trace holds only the sequence shown (b_S = 1): index 0 there, m.sample here
    trace = m.trace()
    if m.step < trace.h.shape[1]:  # h: (1, n_E + 1, H); a new task's n_E comes first
        parts.append(f"<h4>Validation sequence {m.sample} "
                     f"({html.escape(data.valid_labels[m.sample])}), "
                     f"{PHASE_LABELS[m.phase]}</h4>")
        parts.append(step_tables(trace, 0, m.step, label=f"validation sequence {m.sample}"))
    return "".join(parts)


def memory_summary(m: TrainingModel, survival) -> str:
    """What the survival heatmap says of step 1, and the prediction for the sequence shown.

    When no unit keeps a thousandth of step 1's state to the end, it says so rather than
    naming a 'best' unit that keeps 0.000. ``survival`` None (the plain RNN, no gate): the
    prediction alone.
    """
    unit = " " + m.data.unit if m.data.unit else ""
    # plain text: the view escapes it (the task's unit is data)
    prediction = (f"The prediction for this sequence: {m.prediction():.3g}{unit} (truth "
                  f"{m.data.truth[m.sample]:.3g}).")
    if survival is None:  # the plain RNN: no gate keeps anything
        return prediction
    kept = survival[:, 0]  # the first step's share that reaches the end
    if kept.max() < 0.0005:
        first = ("Of what the units write at step 1, no unit keeps even a thousandth to the "
                 f"end (the most is {kept.max():.1e}).")
    else:
        first = (f"Of what the units write at step 1, unit {int(kept.argmax())} keeps the most "
                 f"to the end: {kept.max():.3f}.")
    return f"{first} {prediction}"


def weight_range(m: TrainingModel, scale: str) -> tuple[float, Markup, str]:
    """The weights' colour bound ±k, its caption, and why it is what it is.

    Untrained, the weights lie within PyTorch's initial bound ±1/√H. Trained, they grow: one
    range for both phases makes the initial weights pale (the finding), and "own" shows each
    phase on its own range (its pattern)."""
    initial = init_bound(m.hidden_size)
    if not m.trained:
        return initial, Markup(f"±{initial:.3g}<br>(±1/√H)"), (
            f"<p class='hint'>Colours run over ±1/√H = ±{initial:.3g}: PyTorch draws every "
            "initial weight from U(−1/√H, 1/√H). Training will grow some far beyond it.</p>")
    largest = {p: nice_bound(np.concatenate([w.ravel() for w in m.weights(p).values()]))
               for p in PHASES}
    k = largest[m.phase] if scale == "own" else max(largest.values())
    caption = Markup(f"±{k:.3g}<br>({'its own' if scale == 'own' else 'fixed for both'})")
    return k, caption, (
        f"<p class='hint'>Before training every weight lies within ±1/√H = ±{initial:.3g}; "
        f"training has grown the largest to about ±{largest['trained']:.3g}. On one range "
        "for both, the initial weights look pale: that is the finding, they start small. "
        "On each its own range, either phase shows its pattern, and the same colour no "
        "longer means the same number.</p>")
