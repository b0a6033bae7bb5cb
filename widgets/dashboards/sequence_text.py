"""The sequence page's words and tables, written from its model: what the figures cannot say."""

from __future__ import annotations

import html
import re

from ..maths.sequence import LAYOUT_ATOL, PAD, SYMBOLS, Layouts, ReviewBatch
from ..state.sequence_model import SequenceModel
from ..views.style import badge, swatch
from ..views.text_alternative import Markup, html_table
from ..views.window_chart import TARGET_COLOR, WINDOW_COLOR

# highlight colours: the batch, the sequence X^<s> (black, as its window in the chart), the
# element x_e^<s>; each at least 3:1 on white, each named in words by the legend beside them
BATCH_COLOR, SEQUENCE_COLOR, ELEMENT_COLOR = "#d97706", WINDOW_COLOR, "#16a34a"
READOUT_COLOR = TARGET_COLOR  # the read-out row output[:, -1, :], red as the window's target

# how the layouts table names each way of feeding the batch
FED_AS = {"batched": Markup("batched, <code>batch_first=True</code>"),
          "unbatched": Markup("unbatched X<sup>&lt;s&gt;</sup>"),
          "time_major": Markup("batched, <code>batch_first=False</code>")}
TOKEN_STYLE = ("<style>.review-tokens .tok{display:inline-block;border:1px solid #ccc;"
               "border-radius:3px;padding:0 3px;margin:1px;font-size:90%}"
               ".review-tokens .pad{color:#666}.review-tokens .cut{color:#b91c1c;"
               "text-decoration:line-through}</style>")
_CODE = re.compile(r"`([^`]+)`")

# one convention for every index on the page, said once where the notation starts
INDEX_CONVENTION = (
    "<p class='hint'><b>Counting</b>: the element e counts from 1, as the equations do "
    "(x<sub>1</sub> is the first element, and page 3's h<sub>0</sub> is the state before "
    "it). Everything a tensor indexes counts from 0, as Python does: the sequence s, the "
    "batch, the position in it, the value k and the unit j. So element e is row e − 1: "
    "x<sub>e</sub><sup>&lt;s&gt;</sup> is <code>X[s, e - 1]</code>. The figures label "
    "their element rows by e.</p>")
# nn.LSTM before page 3 opens it: what goes in, what comes out, and what H is
LSTM_AS_A_BOX = (
    "<p class='hint'>Page 3 opens the LSTM; here it is a box. "
    "<code>nn.LSTM(input_size=n_X, hidden_size=H)</code> reads a sequence one element at a "
    "time, x<sub>1</sub> to x<sub>n_E</sub>. After element e it holds two vectors of H "
    "numbers each: the <b>hidden state</b> h<sub>e</sub>, what it passes on, and the "
    "<b>cell state</b> c<sub>e</sub>, its memory. <b>H</b>, the hidden size, is the model's "
    "choice, not the data's (the H slider above). It returns <code>output</code>, every "
    "h<sub>e</sub> in order (one row per element), and the pair <code>(h_n, c_n)</code>: "
    "the hidden and the cell state after the last element, h<sub>n_E</sub> and "
    "c<sub>n_E</sub>, with a first dimension of 1 for its one layer (page 3 stacks more, "
    "and runs both directions).</p>")
MANY_TO_ONE = (
    "<p class='hint'><b>Many-to-one</b>: many elements in, one prediction out. The "
    "sequence is read to its end and one number is made from what the LSTM holds there: "
    "the next value of a signal, tomorrow's minimum temperature, a review's sentiment.</p>")


def with_code(text: str) -> str:
    """A sentence as HTML: escaped, and its `code spans` (between backticks) as <code>."""
    return _CODE.sub(r"<code>\1</code>", html.escape(text))


def _shape(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ")"


def fixed_note(m: SequenceModel) -> str:
    """Which sizes the chosen data fixes, and why their sliders are off; "" when none."""
    n_s, _, n_x = m.data.X.shape
    card = m.data.card
    fixed = [f"{SYMBOLS[name]} = {value} ({html.escape(card.fixes[name])})"
             for name, value in (("n_s", n_s), ("n_x", n_x)) if not m.used(name)]
    if not fixed:
        return ""
    one = len(fixed) == 1
    by = card.label if card.label.startswith("your ") else f"the {card.label}"
    return (f"<p class='hint'>Set by {html.escape(by)}: {' and '.join(fixed)}, so "
            f"{'that slider is' if one else 'those sliders are'} off; "
            f"{'it keeps its value' if one else 'they keep their values'} for the "
            "data that uses them.</p>")


def sample_label(batch: int, b_s: int, position: int, s: int) -> str:
    """Beside the position slider: the sequence s it picks, s = batch · b_S + position."""
    return (f"<span class='hint'>→ sequence <b>s = {s}</b> = batch · b_S + position = "
            f"{batch} · {b_s} + {position}</span>")


def highlight_legend(batch: int, first: int, last: int, s: int, e: int, n_x: int) -> str:
    """What each outline marks, in words: the same meaning as the colours, and more."""
    rows = f"rows {first} to {last}" if last > first else f"row {first}"
    c0, c1 = (e - 1) * n_x, e * n_x - 1
    cols = f"columns {c0} to {c1}" if c1 > c0 else f"column {c0}"
    return (
        "<p class='hint'><b>Outlined in X</b>: "
        f"{swatch(BATCH_COLOR)} amber, the outer box: batch {batch}, {rows}; "
        f"{swatch(SEQUENCE_COLOR)} black: sequence s = {s}, row {s}; "
        f"{swatch(ELEMENT_COLOR)} green, the inner box: element e = {e}, {cols} of "
        f"row {s}. <b>Outlined in X<sup>&lt;{s}&gt;</sup></b>: {swatch(ELEMENT_COLOR)} "
        f"green: element e = {e}, row e − 1 = {e - 1}.</p>")


def notation_table(m: SequenceModel, first: int, this_batch: int) -> str:
    """The tutorial's symbols with the live sizes: n_S, n_E, n_X, b_S and the four tensors."""
    n_s, n_e, n_x = m.data.X.shape
    b_s, s, e, h = m.batch_size, m.sample, m.element, m.hidden_size
    x_e = ", ".join(f"{v:.2f}" for v in m.data.X[s, e - 1, :8].tolist())
    x_e += ", …" if n_x > 8 else ""
    rows = [
        ("n_S", "", f"sequences in the dataset = {n_s}"),
        ("n_E", "", f"elements in each sequence (the sequence length) = {n_e}"),
        ("n_X", "", f"values in each element (the input size) = {n_x}"),
        ("b_S", "", f"sequences in a batch = {b_s} (this batch holds {this_batch}; "
                    f"{m.data.n_batches(b_s)} batches in all)"),
        ("X", f"(n_S, n_E, n_X) = ({n_s}, {n_e}, {n_x})", "the dataset"),
        ("batch", f"(b_S, n_E, n_X) = ({this_batch}, {n_e}, {n_x})",
         f"batch {m.batch}: sequences {first} to {first + this_batch - 1}"),
        (Markup("X<sup>&lt;s&gt;</sup>"), f"(n_E, n_X) = ({n_e}, {n_x})",
         f"sequence s = {s}: an unbatched input"),
        (Markup("x<sub>e</sub><sup>&lt;s&gt;</sup>"), f"(n_X,) = ({n_x},)",
         f"element e = {e} of sequence {s}: [{x_e}], X[{s}, {e - 1}]"),
        ("H", "", f"the hidden size: units of the LSTM = {h} (the model's choice, not the "
                  "data's)"),
        (Markup("h<sub>e</sub>, c<sub>e</sub>"), f"(H,) = ({h},) each",
         "the LSTM's hidden state and cell state after element e, for one sequence"),
        ("output", f"(b_S, n_E, H) = ({this_batch}, {n_e}, {h})",
         "every h_e of every sequence in the batch"),
        ("h_n, c_n", f"(1, b_S, H) = (1, {this_batch}, {h}) each",
         "h_e and c_e after the last element, e = n_E, for each sequence"),
    ]
    return html_table("The notation: each symbol, its dimension, and what it is here; the "
                      "last four are the LSTM's, the box under the tensor says more",
                      ["symbol", "dimension", "definition"], rows, css="text-table")


def tokens_table(r: ReviewBatch, batch: int, first: int, last: int, s: int) -> str:
    """The batch's reviews as tokens with their vocabulary ids; review s in bold."""
    rows = []
    for i in range(first, last + 1):
        chips = "".join(
            f"<span class='tok{' pad' if t == PAD else ''}'>{html.escape(t)}"
            f"<sub>{r.ids[i, k]}</sub></span>" for k, t in enumerate(r.tokens[i]))
        cut = (f" <span class='cut' title='cut off by truncation'>"
               f"{html.escape(' '.join(r.cut[i]))}</span>") if r.cut[i] else ""
        cells = (str(i), str(int(r.labels[i])), chips + cut)
        # the sequence shown, as the tensor's black outline marks it
        rows.append([Markup(f"<strong>{c}</strong>" if i == s else c) for c in cells])
    caption = (f"The reviews of batch {batch} as tokens, each with its vocabulary id: "
               f"sequences {first} to {last}, s = {s} in bold")
    return (TOKEN_STYLE
            + html_table(caption, ["s", "label", "tokens (vocabulary id)"], rows,
                         css="text-table")
            + "<p class='hint'>Struck through: words cut off by truncation. Grey: "
              "<code>&lt;pad&gt;</code>, id 0, which the embedding maps to zeros.</p>")


def checks(lay: Layouts) -> tuple[bool, bool, bool]:
    """The three verdicts: unbatched = batched, batch_first=False = batched, last = h_n."""
    return (lay.unbatched_diff <= LAYOUT_ATOL, lay.time_major_diff <= LAYOUT_ATOL,
            lay.last_is_h_n)


def layouts_html(lay: Layouts, position: int, s: int) -> str:
    """The shapes nn.LSTM takes and gives fed three ways, and whether their numbers agree."""
    unbatched_ok, time_major_ok, _ = checks(lay)
    rows = [(FED_AS[k], *(_shape(v[p]) for p in ("input", "output", "h_n", "c_n")))
            for k, v in lay.shapes.items()]
    # each check said in words (matches / does NOT match), its badge's colour only echoes it
    return (html_table("nn.LSTM fed one batch three ways: the shapes",
                       ["fed as", "input", "output", "h_n", "c_n"], rows, css="text-table")
            + badge("ok" if unbatched_ok else "bad",
                    Markup(f"unbatched output of X<sup>&lt;{s}&gt;</sup> "
                           f"{'matches' if unbatched_ok else 'does NOT match'} batched "
                           f"output[{position}]: max |Δ| = {lay.unbatched_diff:.1e}"))
            + badge("ok" if time_major_ok else "bad",
                    f"batch_first=False output, transposed, "
                    f"{'matches' if time_major_ok else 'does NOT match'} batched output: "
                    f"max |Δ| = {lay.time_major_diff:.1e}"))


def readout(m: SequenceModel, first: int) -> tuple[list[float], list[float]]:
    """The batch's predictions (the head on output[:, -1, :]) and their targets."""
    prediction = m.feed().prediction  # (b_S,)
    targets = m.data.targets[first : first + len(prediction)]
    return prediction.tolist(), targets.tolist()


def many_to_one_html(m: SequenceModel, first: int, n_e: int, equal: bool) -> str:
    """The read-out in words, its check, and the batch's predictions beside their targets."""
    prediction, targets = readout(m, first)
    rows = [(first + i, p, f"{t:+.2f}")
            for i, (p, t) in enumerate(zip(prediction, targets, strict=True))]
    return (
        f"<p>The LSTM reads all n_E = {n_e} elements; only the last hidden state goes on: "
        f"<code>output[:, -1, :]</code>, shape ({len(targets)}, {m.hidden_size}), the last "
        f"row of output[{m.position}] on the left (element e = n_E = {n_e}, row "
        f"{n_e - 1}, outlined in red), into <code>nn.Linear({m.hidden_size}, 1)</code>.</p>"
        + badge("ok" if equal else "bad",
                f"output[:, -1, :] {'equals' if equal else 'differs from'} h_n[-1]")
        + html_table(f"Batch {m.batch}: predictions and targets",
                     ["s", "prediction", f"target: {m.data.card.target}"], rows,
                     number="+.3f", css="text-table")
        + "<p class='hint'>The model is untrained: its predictions are random until it "
          "learns. What matters here is which numbers flow where.</p>")


def feed_status(unbatched_ok: bool, time_major_ok: bool, equal: bool) -> str:
    """The three verdicts in one sentence, with no index in it: it changes only with one."""
    return (f"<p>Checks: unbatched output {'matches' if unbatched_ok else 'does NOT match'} "
            f"batched output; batch_first=False output, transposed, "
            f"{'matches' if time_major_ok else 'does NOT match'} batched output; "
            f"output[:, -1, :] {'equals' if equal else 'differs from'} h_n[-1].</p>")


def numbers_tables(m: SequenceModel) -> str:
    """The batch, sequence and element highlighted, and what the LSTM made of them."""
    data = m.data
    n_s, n_e, n_x = data.X.shape
    # on a move to a shorter last batch this runs before the page clamps the position:
    # write the tables of the sequence that clamp will show
    p = min(m.position, m.index_range("position")[1])
    first = m.batch * m.batch_size
    s, e = first + p, m.element
    last = min(first + m.batch_size, n_s) - 1
    x_s = data.X[s].numpy()  # (n_E, n_X): what the X^<s> heatmap draws
    names = data.element_names(s)  # what names an element besides e: its day, its token
    named = [data.card.element] if names else []
    k_cols = [f"k = {k}" for k in range(n_x)]
    out = m.feed().output[p].numpy()  # (n_E, H): what the output heatmap draws
    prediction, targets = readout(m, first)
    return "".join([
        html_table(f"x_e^<s>: element e = {e} of sequence s = {s}, shape (n_X,) = "
                   f"({n_x},)", ["k (value)", f"x_{e}^<{s}>[k]"],
                   list(enumerate(x_s[e - 1].tolist()))),
        html_table(f"X^<s>: sequence s = {s}, position {p} of batch {m.batch} (sequences "
                   f"{first} to {last}), shape (n_E, n_X) = ({n_e}, {n_x}), one row an "
                   "element", ["e (element)", *named, *k_cols],
                   [(k + 1, *names[k : k + 1], *x_s[k].tolist())
                    for k in range(n_e)]),
        html_table(f"output[{p}]: the LSTM's hidden state after each element of sequence "
                   f"s = {s}, shape (n_E, H) = ({n_e}, {m.hidden_size}); the last row is "
                   f"output[{p}, -1, :], the read-out",
                   ["e (element)", *(f"unit {j}" for j in range(out.shape[1]))],
                   [(k + 1, *out[k].tolist()) for k in range(n_e)]),
        html_table(f"Many-to-one: nn.Linear({m.hidden_size}, 1) on output[:, -1, :] for "
                   f"each sequence of batch {m.batch}, untrained",
                   ["s (sequence)", "prediction", f"target: {data.card.target}"],
                   [(first + i, pr, t) for i, (pr, t) in enumerate(zip(
                       prediction, targets, strict=True))]),
    ])
