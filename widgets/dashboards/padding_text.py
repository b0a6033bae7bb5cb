"""The padding section's words and tables: the reviews of a batch fed padded and packed."""

from __future__ import annotations

import html

import numpy as np

from ..maths.padding import PAD_ATOL, Comparison, PaddingRun
from ..maths.sequence import PAD, ReviewBatch
from ..views.style import badge
from ..views.text_alternative import Markup, html_table

# the tokens as chips, pads grey and named <pad>: the word says it, the grey only echoes it
PAD_STYLE = ("<style>.padding-section .tok{display:inline-block;border:1px solid #ccc;"
             "border-radius:3px;padding:0 3px;margin:1px;font-size:90%}"
             ".padding-section .pad{color:#666;border-style:dashed}</style>")
SHOWN_UNITS = 3  # the first units of a state written in the table; the numbers panel has all

PITFALL = ("Padded, <code>output[:, -1]</code> is the state after reading the pads, not after "
           "the last word. Packed, <code>h_n</code> holds each review's state at its own last "
           "word.")
BACKWARD = ("With <code>bidirectional=True</code> the backward direction walks e = n_E down to "
            "1. Padded, it starts on the pads and reads them all before the last word, so even "
            "there its state is not the review's; packed, it starts at each review's last "
            "word, as it would on the review alone.")


def _pads(n: int) -> str:
    return f"{n} pad{'' if n == 1 else 's'}"


def _state(values: np.ndarray) -> str:
    shown = ", ".join(f"{v:+.3f}" for v in values[:SHOWN_UNITS])
    return f"[{shown}{', …' if len(values) > SHOWN_UNITS else ''}]"


def _agreement(c: Comparison, where: np.ndarray | None = None) -> str:
    """How two sets of states agree, as the live tensors say: bit for bit, or to rounding."""
    diff = c.diff if where is None else c.diff[where]
    if c.how(where) == "torch.equal":
        return "bit for bit (<code>torch.equal</code>)"
    return (f"to float32 rounding (<code>torch.allclose</code>, atol {PAD_ATOL:g}; max |Δ| = "
            f"{float(diff.max()):.1e})")


def _list(mask: np.ndarray, first: int) -> str:
    """'s = 0, 2' for the sequences ``mask`` marks, or 'none in this batch'."""
    found = ", ".join(str(first + i) for i in np.flatnonzero(mask))
    return f"s = {found}" if found else "none in this batch"


def _chips(tokens: list[str], ids) -> str:
    return "".join(f"<span class='tok{' pad' if t == PAD else ''}'>{html.escape(t)}"
                   f"<sub>{int(i)}</sub></span>" for t, i in zip(tokens, ids, strict=True))


def _verdict(close: bool, padded: bool) -> Markup:
    # the word carries it: "same" where they agree, "differs" where the pads came in between
    if close:
        return Markup(badge("ok", "same"))
    return Markup(badge("warn", "differs: read the pads" if padded else "differs"))


def padding_html(run: PaddingRun, reviews: ReviewBatch, batch: int, first: int) -> str:
    """The batch's reviews padded and packed, side by side, with the checks as badges."""
    H, n_e = run.hidden_size, run.n_e
    rows = []
    for i, length in enumerate(run.lengths.tolist()):
        s, pads = first + i, n_e - length
        rows.append((s, f"{length}" + (f" ({_pads(pads)})" if pads else " (no pad)"),
                     Markup(_chips(reviews.tokens[s], reviews.ids[s])),
                     _state(run.padded_output[i, -1, :H]), _state(run.packed_h_n[0, i]),
                     f"{run.last_vs_h_n.diff[i]:.1e}",
                     _verdict(run.last_vs_h_n.close[i], pads > 0)))
    parts = [PAD_STYLE, f"<p>{PITFALL}</p>", html_table(
        f"Batch {batch}, padded against packed: what output[:, -1, :H] reads and what "
        "h_n[0] holds (the forward direction), first units of each",
        ["s", "length", "tokens (vocabulary id), pads dashed",
         Markup("padded: <code>output[s, -1, :H]</code>"),
         Markup("packed: <code>h_n[0][s]</code>"), "max |Δ|", "the two"],
        rows, css="text-table")]
    if run.bidirectional:
        back = [(first + i, length, _state(run.padded_output[i, length - 1, H:]),
                 _state(run.packed_output[i, length - 1, H:]),
                 f"{run.backward_at_length.diff[i]:.1e}",
                 _verdict(run.backward_at_length.close[i], length < n_e))
                for i, length in enumerate(run.lengths.tolist())]
        parts += [f"<p>{BACKWARD}</p>", html_table(
            f"Batch {batch}, the backward direction at each review's last word, e = length: "
            "padded against packed, first units of each",
            ["s", "length", Markup("padded: <code>output[s, length − 1, H:]</code>"),
             Markup("packed: <code>output[s, length − 1, H:]</code>"), "max |Δ|", "the two"],
            back, css="text-table")]
    return "".join(parts) + "".join(badge(*b) for b in badges(run, first))


def badges(run: PaddingRun, first: int) -> list[tuple[str, str]]:
    """The checks as (level, sentence): "ok" where the claim holds on the live tensors; a
    sentence with ``<code>`` in it is ``Markup``."""
    padded = run.padded
    fwd = run.forward_at_length
    out = [(
        "ok" if fwd.holds() else "bad",
        Markup(f"packed <code>h_n[0]</code> {'equals' if fwd.holds() else 'does NOT equal'} "
               f"the padded <code>output[s, length − 1, :H]</code> for every review, "
               f"{_agreement(fwd)}"))]
    shown = run.pitfall_shown
    out.append((
        "ok" if shown else "bad",
        Markup(f"padded <code>output[:, -1, :H]</code> differs from packed <code>h_n[0]</code> "
               f"for the padded reviews ({_list(padded, first)}) and equals it for those that "
               f"fill n_E ({_list(~padded, first)})" if shown else
               "padded <code>output[:, -1, :H]</code> does NOT differ from packed "
               "<code>h_n[0]</code> exactly where pads were read")))
    if run.bidirectional:
        out.append((
            "ok" if run.backward_shown else "bad",
            "backward: the padded state at the last word "
            + ("differs from the packed one where pads were read first" if run.backward_shown
               else "does NOT differ from the packed one exactly where pads were read")
            + f" ({_list(padded, first)})"))
    truth = run.packed_vs_alone
    out.append((
        "ok" if truth.holds() else "bad",
        Markup(f"packed run {'equals' if truth.holds() else 'does NOT equal'} each review run "
               f"alone, unbatched, without pads (<code>output</code> up to its length and "
               f"<code>h_n</code>{', both directions' if run.bidirectional else ''}), "
               f"{_agreement(truth)}")))
    return out


def padding_status(run: PaddingRun) -> str:
    """The checks in one sentence, for the polite live region: it changes only with a verdict."""
    said = [("packed h_n[0] equals padded output at length − 1"
             if run.forward_at_length.holds() else
             "packed h_n[0] does NOT equal padded output at length − 1"),
            ("padded output[:, -1] differs from packed h_n where a review was padded"
             if run.pitfall_shown else "padded output[:, -1] does NOT show the pads")]
    if run.bidirectional:
        said.append("the padded backward direction read the pads first"
                    if run.backward_shown else "the backward check does NOT hold")
    said.append("packed equals each review alone" if run.packed_vs_alone.holds()
                else "packed does NOT equal each review alone")
    return f"<p>Padding checks: {'; '.join(said)}.</p>"


def padding_numbers(run: PaddingRun, batch: int, first: int) -> str:
    """The states the section compares, every unit, as numbers-panel tables."""
    H = run.hidden_size
    units = [f"unit {j}" for j in range(H)]
    last = run.lengths - 1
    idx = np.arange(len(last))
    tables = [
        (f"Padding, batch {batch}: padded output[s, -1, :H], the forward state after the pads",
         run.padded_output[:, -1, :H]),
        (f"Padding, batch {batch}: packed h_n[0][s], the forward state at each review's last "
         "word", run.packed_h_n[0]),
    ]
    if run.bidirectional:
        tables += [
            (f"Padding, batch {batch}: padded output[s, length − 1, H:], the backward state at "
             "the last word after reading the pads", run.padded_output[idx, last, H:]),
            (f"Padding, batch {batch}: packed output[s, length − 1, H:], the backward state at "
             "the last word", run.packed_output[idx, last, H:]),
        ]
    return "".join(
        html_table(caption, ["s (review)", "length", *units],
                   [(first + i, int(run.lengths[i]), *row.tolist())
                    for i, row in enumerate(values)])
        for caption, values in tables)
