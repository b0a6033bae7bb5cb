"""Sequence data, live: the (n_S, n_E, n_X) tensor, its batches, and how nn.LSTM reads them."""

from __future__ import annotations

import html
from typing import ClassVar

import bqplot as bq
import ipywidgets as ipw
import numpy as np

from ..codegen.sequence import sequence_recipe
from ..maths.sequence import (
    DATASETS,
    LAYOUT_ATOL,
    LIMITS,
    PAD,
    SYMBOLS,
    TEMPERATURE_SOURCE,
    load_min_temperatures,
)
from ..state.sequence_model import INDICES, SETTINGS, SequenceModel
from ..views.colors import nice_bound
from ..views.controls import GuardedToggleButtons, bind_controls, int_slider, seed_box, set_bounded
from ..views.heatmap import MatrixHeatmap
from ..views.nav import NavBar
from ..views.style import STYLE, badge
from ..views.text_alternative import FigureText, html_table, value_range
from .dashboard import Dashboard

__all__ = ["SequenceExplorer"]

LABELS = {"signals": "synthetic signals", "temperatures": "daily min. temperatures",
          "reviews": "movie reviews"}
# highlight colours: the batch, the sequence X^<s>, the element x_e^<s>; each at least 3:1
# on white (WCAG's non-text contrast), and each named in words by the legend beside them
BATCH_COLOR, SEQUENCE_COLOR, ELEMENT_COLOR = "#d97706", "#111111", "#16a34a"
READOUT_COLOR = "#dc2626"  # the read-out row output[:, -1, :], and the window's target
SERIES_COLOR = "#6b8cb5"  # the whole temperature series, behind the window
TARGET_NAMES = {"temperatures": "next day (°C)", "reviews": "label", "signals": "next value"}


def _shape(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ")"


def _swatch(color: str) -> str:
    # the colour as a key for eyes that use it; the words beside it carry the meaning
    return f"<span aria-hidden='true' style='color:{color}'>■</span>"


class SequenceExplorer(Dashboard):
    """The sequence-data dashboard: notation, batches, sliding windows, tokens, LSTM layouts.

    Parameters
    ----------
    model : SequenceModel, optional
        The state to show; a default one (synthetic signals, n_S=10, n_E=12, n_X=3, b_S=4,
        H=8, seed 0) if omitted.
    preset : str, optional
        A URL query string such as ``"dataset=temperatures&seq_len=30&batch=40"``
        (``widgets.query_string()`` reads the page's under Voila). Bad values become the
        nearest valid state, and the banner says which parameter was wrong; ``batch``,
        ``position`` and ``element`` are kept within the data the other settings make.

    Controls carry ``ctl-dataset``, ``ctl-n_s``, ``ctl-seq_len``, ``ctl-n_x``,
    ``ctl-batch_size``, ``ctl-hidden_size``, ``ctl-seed``, ``ctl-batch``, ``ctl-position``,
    ``ctl-element``.
    """

    MODEL = SequenceModel
    CSS_CLASS = "sequence-explorer"
    PRESET: ClassVar[dict] = {"limits": LIMITS, "symbols": SYMBOLS,
                              "choices": {"dataset": DATASETS}}

    def __init__(self, model: SequenceModel | None = None, preset: str | None = None,
                 **kwargs):
        super().__init__(model, preset, **kwargs)
        m = self.model
        dataset = GuardedToggleButtons(options=[(LABELS[d], d) for d in DATASETS],
                                       value=m.dataset, description="data",
                                       style={"description_width": "64px", "button_width": "170px"})
        dataset.add_class("ctl-dataset")
        self.controls = {
            "dataset": dataset,
            "n_s": int_slider("n_s", "n_S", *LIMITS["n_s"], m.n_s,
                              name="n_S, number of sequences"),
            "seq_len": int_slider("seq_len", "n_E", *LIMITS["seq_len"], m.seq_len),
            "n_x": int_slider("n_x", "n_X", *LIMITS["n_x"], m.n_x),
            "batch_size": int_slider("batch_size", "b_S", *LIMITS["batch_size"], m.batch_size),
            "hidden_size": int_slider("hidden_size", "H", *LIMITS["hidden_size"],
                                      m.hidden_size),
            "seed": seed_box(m.seed, *LIMITS["seed"]),
            "batch": int_slider("batch", "batch", 0, 1, 0,
                                name="batch shown, counted from 0"),
            "position": int_slider("position", "sequence", 0, 1, 0,
                                   name="sequence shown within the batch, counted from 0"),
            "element": int_slider("element", "element e", 1, 2, 1,
                                  name="element e of the sequence shown"),
        }
        self.controls["position"].tooltip = "which sequence of the batch is X^<s>"
        for name in INDICES:
            self.controls[name].style.description_width = "80px"
        bind_controls(m, self.controls, self.banner, what="the dataset")
        # says which sizes the chosen data fixes, and why their sliders are off
        self.fixed_note = ipw.HTML()
        self.fixed_note.add_class("fixed-by-data")

        self.source = ipw.HTML()
        self.source.add_class("data-source")
        self.notation = ipw.HTML()
        self.notation.add_class("notation-table")
        self.tensor = MatrixHeatmap(x_label="column (e − 1)·n_X + k", y_label="sequence s",
                                    width="560px", height="340px", colorbar=True)
        self.sequence = MatrixHeatmap(x_label="k (value)", y_label="e − 1 (element)",
                                      width="260px", height="340px", colorbar=True)
        self.windows = self._window_chart()
        self.window_alt = FigureText()  # the window chart in words, for screen readers
        self.window_legend = ipw.HTML()  # what each line and mark is, in words
        self.window_legend.add_class("window-legend")
        self.highlight_legend = ipw.HTML()  # what each outline marks, in words
        self.highlight_legend.add_class("highlight-legend")
        self.tokens = ipw.HTML()
        self.tokens.add_class("review-tokens")
        self.example = ipw.VBox()
        self.layouts = ipw.HTML()
        self.layouts.add_class("layouts-table")
        self.many_to_one = ipw.HTML()
        self.many_to_one.add_class("many-to-one")
        # the three verdicts, announced when one changes: the badges sit among tables, and a
        # live region round those would read the tables out at every move of a slider
        self.feed_status = ipw.HTML()
        self.feed_status.add_class("feed-status")
        self.feed_status.add_class("live-status")  # the page script makes it a polite status
        self.feed_status.add_class("sr-only")
        # configure() sets the sizes quietly and then rebuilds: the tables follow the rebuild
        self.numbers.follow(self.model, ["data"])
        self.output = MatrixHeatmap(x_label="unit (H)", y_label="e − 1", width="300px",
                                    height="300px", colorbar=True)

        c = self.controls
        self.children = [
            NavBar(current="sequence_data.ipynb"),
            ipw.HTML(STYLE + "<p class='hint'>A dataset of sequences is a tensor of shape "
                     "(n_S, n_E, n_X): n_S sequences, each of n_E elements, each of n_X "
                     "values. Pick the data, move the sizes, and follow one batch, one "
                     "sequence and one element through it.</p>"),
            c["dataset"],
            ipw.HBox([c["n_s"], c["seq_len"], c["n_x"]], layout=ipw.Layout(flex_flow="row wrap")),
            ipw.HBox([c["batch_size"], c["hidden_size"], c["seed"]],
                     layout=ipw.Layout(flex_flow="row wrap")),
            self.fixed_note,
            self.banner,
            self.link,
            self.panels,
            self.source,
            ipw.HTML("<h3>The notation, with these numbers</h3>"),
            self.notation,
            ipw.HTML("<h3>The dataset tensor</h3><p class='hint'>Each row is a sequence "
                     "X<sup>&lt;s&gt;</sup>, its n_E elements laid side by side, n_X columns "
                     "each. Three nested outlines mark the batch, the sequence and the "
                     "element; the legend below says where each one is.</p>"),
            ipw.HBox([c["batch"], c["position"], c["element"]],
                     layout=ipw.Layout(flex_flow="row wrap")),
            self.highlight_legend,
            ipw.HBox([self.tensor, self.sequence],
                     layout=ipw.Layout(flex_flow="row wrap", align_items="flex-start")),
            self.example,
            ipw.HTML("<h3>Batched or not, batch first or not: one nn.LSTM</h3>"),
            self.layouts,
            self.feed_status,
            ipw.HTML("<h3>Many-to-one</h3>"),
            ipw.HBox([self.output, self.many_to_one],
                     layout=ipw.Layout(flex_flow="row wrap", align_items="flex-start")),
        ]
        m.observe(self._on_data, names="data")
        m.observe(self._on_index, names=list(INDICES))
        self._on_data()

    # --- parts built once ---------------------------------------------------------------------
    def recipe(self):
        return sequence_recipe(self.model, link=self.query)

    def _window_chart(self) -> bq.Figure:
        x_scale, y_scale = bq.LinearScale(), bq.LinearScale()
        scales = {"x": x_scale, "y": y_scale}
        # told apart by more than colour: a thin line, a thick line, a diamond
        self._series_line = bq.Lines(scales=scales, colors=[SERIES_COLOR], stroke_width=1)
        self._window_line = bq.Lines(scales=scales, colors=[SEQUENCE_COLOR], stroke_width=3)
        self._target_dot = bq.Scatter(scales=scales, colors=[READOUT_COLOR], marker="diamond",
                                      default_size=80)
        axes = [bq.Axis(scale=x_scale, label="day (0 = 2012-01-01)", tick_format="d"),
                bq.Axis(scale=y_scale, label="min. temperature (°C)", side="left")]
        figure = bq.Figure(marks=[self._series_line, self._window_line, self._target_dot],
                           axes=axes, fig_margin=dict(top=10, bottom=40, left=55, right=10),
                           layout=ipw.Layout(width="100%", height="240px"))
        figure.add_class("window-chart")
        return figure

    # --- model -> views -----------------------------------------------------------------------
    def _sync_controls(self) -> None:
        m = self.model
        for name in SETTINGS:
            self.controls[name].value = getattr(m, name)
        for name in INDICES:
            set_bounded(self.controls[name], *m.index_range(name), getattr(m, name))
        n_s, _, n_x = m.data.X.shape
        fixed = []
        for name, value in (("n_s", n_s), ("n_x", n_x)):
            control, used = self.controls[name], m.used(name)
            # an unused slider keeps the value it will have again, so it shows no number
            with control.hold_sync():
                control.disabled, control.readout = not used, used
            if not used:
                fixed.append(f"{SYMBOLS[name]} = {value} ({m.FIXED_BY_DATA[name][m.dataset]})")
        self.fixed_note.value = (
            f"<p class='hint'>Set by the {LABELS[m.dataset]}: {' and '.join(fixed)}, so "
            f"{'that slider is' if len(fixed) == 1 else 'those sliders are'} off; "
            f"{'it keeps its value' if len(fixed) == 1 else 'they keep their values'} for the "
            "data that uses them.</p>" if fixed else "")

    def _on_data(self, _change=None) -> None:
        m, data = self.model, self.model.data
        self._sync_controls()
        n_s, n_e, n_x = data.X.shape
        self._bound = nice_bound(data.X.numpy())
        unfolded = data.X.reshape(n_s, n_e * n_x).numpy()  # row s: x_1 .. x_{n_E} side by side
        self.tensor.show(unfolded, vmin=-self._bound, vmax=self._bound,
                         title=f"<b>X</b> (n_S, n_E, n_X) = ({n_s}, {n_e}, {n_x}), "
                               f"unfolded to ({n_s} × {n_e * n_x})")
        if m.dataset == "temperatures":
            self.source.value = (f"<p class='hint'>Data: {TEMPERATURE_SOURCE}. A window of "
                                 f"n_E days predicts the next day: n_S = N − n_E = "
                                 f"{len(data.series)} − {n_e} = {n_s} windows.</p>")
            days = np.arange(len(data.series), dtype=np.float32)
            with self._series_line.hold_sync():
                self._series_line.x, self._series_line.y = days, data.series
            self.example.children = [ipw.HTML("<h3>Sliding windows over the series</h3>"),
                                     self.window_alt, self.windows, self.window_legend]
        elif m.dataset == "reviews":
            self.source.value = (f"<p class='hint'>Data: {n_s} short reviews written for this "
                                 f"project, tokenised, truncated or padded with "
                                 f"<code>{PAD}</code> to n_E = {n_e} tokens, and embedded by "
                                 f"<code>nn.Embedding({len(data.reviews.vocab)}, {n_x}, "
                                 f"padding_idx=0)</code>: words become a (n_S, n_E, n_X) "
                                 f"tensor.</p>")
            self.example.children = [ipw.HTML("<h3>From words to a tensor</h3>"), self.tokens]
        else:
            self.source.value = ("<p class='hint'>Data: smooth seeded signals, one noisy sine "
                                 "per sequence and value; the target of each sequence is its "
                                 "next value.</p>")
            self.example.children = []
        self._on_index()

    def _on_index(self, change=None) -> None:
        m, data = self.model, self.model.data
        if m.element > m.seq_len:
            return  # mid-rebuild: the data's own notification follows
        last_position = m.index_range("position")[1]
        if m.position > last_position:
            # a move to the shorter last batch: show its last sequence (that change comes here)
            m.position = last_position
            return
        self._sync_controls()
        n_s, n_e, n_x = data.X.shape
        b_s, s, e = m.batch_size, m.sample, m.element
        first = m.batch * b_s
        last = min(first + b_s, n_s) - 1
        self.tensor.set_highlights(
            [(first, last, 0, n_e * n_x - 1), (s, s, 0, n_e * n_x - 1),
             (s, s, (e - 1) * n_x, e * n_x - 1)],
            [BATCH_COLOR, SEQUENCE_COLOR, ELEMENT_COLOR])
        self.sequence.set_highlights([(e - 1, e - 1, 0, n_x - 1)], [ELEMENT_COLOR])
        self.highlight_legend.value = self._highlight_legend(first, last, s, e, n_x)
        self.notation.value = self._notation(n_s, n_e, n_x, b_s, s, e, last - first + 1)
        if change is not None and change["name"] == "element":
            return  # the sequence and what the LSTM made of it stay as they are
        self.sequence.show(data.X[s].numpy(), vmin=-self._bound, vmax=self._bound,
                           title=f"<b>X<sup>&lt;{s}&gt;</sup></b> (n_E × n_X) = ({n_e} × {n_x})")
        if m.dataset == "temperatures":
            days = np.arange(s, s + n_e + 1, dtype=np.float32)
            with self._window_line.hold_sync():
                self._window_line.x, self._window_line.y = days[:-1], data.series[s : s + n_e]
            with self._target_dot.hold_sync():
                self._target_dot.x, self._target_dot.y = days[-1:], data.series[s + n_e :][:1]
            self._describe_window(s, n_e)
        elif m.dataset == "reviews":
            self.tokens.value = self._tokens_table(first, last, s)
        self._show_feed(first, s)

    def _highlight_legend(self, first: int, last: int, s: int, e: int, n_x: int) -> str:
        """What each outline marks, in words: the same meaning as the colours, and more."""
        rows = f"rows {first} to {last}" if last > first else f"row {first}"
        c0, c1 = (e - 1) * n_x, e * n_x - 1
        cols = f"columns {c0} to {c1}" if c1 > c0 else f"column {c0}"
        return (
            "<p class='hint'><b>Outlined in X</b>: "
            f"{_swatch(BATCH_COLOR)} amber, the outer box: batch {self.model.batch}, {rows}; "
            f"{_swatch(SEQUENCE_COLOR)} black: sequence s = {s}, row {s}; "
            f"{_swatch(ELEMENT_COLOR)} green, the inner box: element e = {e}, {cols} of "
            f"row {s}. <b>Outlined in X<sup>&lt;{s}&gt;</sup></b>: {_swatch(ELEMENT_COLOR)} "
            f"green: element e = {e}, row e − 1 = {e - 1}.</p>")

    def _describe_window(self, s: int, n_e: int) -> None:
        """The window chart in words: the series, the window X^<s>, and its target."""
        series = self.model.data.series
        dates, _ = load_min_temperatures()
        last, target = s + n_e - 1, float(series[s + n_e])
        days = f"days {s} to {last} ({dates[s]} to {dates[last]})" if n_e > 1 else (
            f"day {s} ({dates[s]})")
        self.window_alt.text = (
            f"Line chart of the daily minimum temperature, day 0 ({dates[0]}) to day "
            f"{len(series) - 1} ({dates[len(series) - 1]}), {value_range(series, 1)} °C. "
            f"The window X<{s}> (sequence s = {s}) covers {days}, n_E = {n_e}, "
            f"{value_range(series[s : s + n_e], 1)} °C. Its target, day {s + n_e} "
            f"({dates[s + n_e]}), is {target:.1f} °C.")
        self.window_legend.value = (
            f"<p class='hint'>{_swatch(SERIES_COLOR)} Thin blue line: all {len(series)} days "
            f"of the series. {_swatch(SEQUENCE_COLOR)} Thick black line: the window "
            f"X<sup>&lt;{s}&gt;</sup>, {html.escape(days)}. {_swatch(READOUT_COLOR)} Red "
            f"diamond: its target, day {s + n_e}, {target:.1f} °C.</p>")

    def numbers_html(self) -> str:
        """The batch, sequence and element highlighted, and what the LSTM made of them."""
        m, data = self.model, self.model.data
        n_s, n_e, n_x = data.X.shape
        # on a move to a shorter last batch this runs before _on_index clamps the position:
        # write the tables of the sequence that clamp will show
        p = min(m.position, m.index_range("position")[1])
        first = m.batch * m.batch_size
        s, e = first + p, m.element
        last = min(first + m.batch_size, n_s) - 1
        x_s = data.X[s].numpy()  # (n_E, n_X): what the X^<s> heatmap draws
        # what names an element besides e: its day, or its word
        if m.dataset == "temperatures":
            named, names = ["day"], [(s + k,) for k in range(n_e)]
        elif m.dataset == "reviews":
            named, names = ["token"], [(t,) for t in data.reviews.tokens[s]]
        else:
            named, names = [], [() for _ in range(n_e)]
        k_cols = [f"k = {k}" for k in range(n_x)]
        run = m.feed()
        out = run.output[p].numpy()  # (n_E, H): what the output heatmap draws
        prediction, targets = self._readout(first)
        return "".join([
            html_table(f"x_e^<s>: element e = {e} of sequence s = {s}, shape (n_X,) = "
                       f"({n_x},)", ["k (value)", f"x_{e}^<{s}>[k]"],
                       list(enumerate(x_s[e - 1].tolist()))),
            html_table(f"X^<s>: sequence s = {s}, position {p} of batch {m.batch} (sequences "
                       f"{first} to {last}), shape (n_E, n_X) = ({n_e}, {n_x}), one row an "
                       "element", ["e (element)", *named, *k_cols],
                       [(k + 1, *names[k], *x_s[k].tolist()) for k in range(n_e)]),
            html_table(f"output[{p}]: the LSTM's hidden state after each element of sequence "
                       f"s = {s}, shape (n_E, H) = ({n_e}, {m.hidden_size}); the last row is "
                       f"output[{p}, -1, :], the read-out",
                       ["e (element)", *(f"unit {j}" for j in range(out.shape[1]))],
                       [(k + 1, *out[k].tolist()) for k in range(n_e)]),
            html_table(f"Many-to-one: nn.Linear({m.hidden_size}, 1) on output[:, -1, :] for "
                       f"each sequence of batch {m.batch}, untrained",
                       ["s (sequence)", "prediction", f"target: {TARGET_NAMES[m.dataset]}"],
                       [(first + i, pr, t) for i, (pr, t) in enumerate(zip(
                           prediction, targets, strict=True))]),
        ])

    def _readout(self, first: int) -> tuple[list[float], list[float]]:
        """The batch's predictions (the head on output[:, -1, :]) and their targets."""
        prediction = self.model.feed().prediction  # (b_S,)
        targets = self.model.data.targets[first : first + len(prediction)]
        return prediction.tolist(), targets.tolist()

    def _notation(self, n_s, n_e, n_x, b_s, s, e, this_batch) -> str:
        m = self.model
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
             f"batch {m.batch}: sequences {m.batch * b_s} to {m.batch * b_s + this_batch - 1}"),
            ("X<sup>&lt;s&gt;</sup>", f"(n_E, n_X) = ({n_e}, {n_x})",
             f"sequence s = {s}: an unbatched input"),
            ("x<sub>e</sub><sup>&lt;s&gt;</sup>", f"(n_X,) = ({n_x},)",
             f"element e = {e} of sequence {s}: [{x_e}]"),
        ]
        body = "".join(f"<tr><td>{a}</td><td>{b}</td><td>{html.escape(c) if '<' not in c else c}"
                       f"</td></tr>" for a, b, c in rows)
        return ("<table class='lstm-table'><tr><th>symbol</th><th>dimension</th>"
                f"<th>definition</th></tr>{body}</table>")

    def _tokens_table(self, first: int, last: int, s: int) -> str:
        r = self.model.data.reviews
        rows = []
        for i in range(first, last + 1):
            chips = "".join(
                f"<span class='tok{' pad' if t == PAD else ''}'>{html.escape(t)}"
                f"<sub>{r.ids[i, k]}</sub></span>" for k, t in enumerate(r.tokens[i]))
            cut = (f" <span class='cut' title='cut off by truncation'>"
                   f"{html.escape(' '.join(r.cut[i]))}</span>") if r.cut[i] else ""
            mark = " style='font-weight:bold'" if i == s else ""
            rows.append(f"<tr{mark}><td>{i}</td><td>{int(r.labels[i])}</td>"
                        f"<td>{chips}{cut}</td></tr>")
        return ("<style>.review-tokens .tok{display:inline-block;border:1px solid #ccc;"
                "border-radius:3px;padding:0 3px;margin:1px;font-size:90%}"
                ".review-tokens .pad{color:#666}.review-tokens .cut{color:#b91c1c;"
                "text-decoration:line-through}</style>"
                "<table class='lstm-table'><tr><th>s</th><th>label</th>"
                "<th>tokens (vocabulary id)</th></tr>" + "".join(rows) + "</table>"
                "<p class='hint'>Struck through: words cut off by truncation. Grey: "
                "<code>&lt;pad&gt;</code>, id 0, which the embedding maps to zeros.</p>")

    def _show_feed(self, first: int, s: int) -> None:
        """The batch as nn.LSTM read it (run once per batch): layouts and the read-out."""
        m = self.model
        run = m.feed()
        lay = run.layouts(m.position)
        names = {"batched": "batched, <code>batch_first=True</code>",
                 "unbatched": "unbatched X<sup>&lt;s&gt;</sup>",
                 "time_major": "batched, <code>batch_first=False</code>"}
        body = "".join(
            f"<tr><td>{names[k]}</td>" + "".join(f"<td>{_shape(v[p])}</td>" for p in
                                                  ("input", "output", "h_n", "c_n")) + "</tr>"
            for k, v in lay.shapes.items())
        # each check said in words (matches / does NOT match), its badge's colour only echoes it
        unbatched_ok = lay.unbatched_diff <= LAYOUT_ATOL
        time_major_ok = lay.time_major_diff <= LAYOUT_ATOL
        self.layouts.value = (
            "<table class='lstm-table'><tr><th>fed as</th><th>input</th><th>output</th>"
            f"<th>h_n</th><th>c_n</th></tr>{body}</table>"
            + badge("ok" if unbatched_ok else "bad",
                    f"unbatched output of X<sup>&lt;{s}&gt;</sup> "
                    f"{'matches' if unbatched_ok else 'does NOT match'} batched "
                    f"output[{m.position}]: max |Δ| = {lay.unbatched_diff:.1e}")
            + badge("ok" if time_major_ok else "bad",
                    f"batch_first=False output, transposed, "
                    f"{'matches' if time_major_ok else 'does NOT match'} batched output: "
                    f"max |Δ| = {lay.time_major_diff:.1e}"))
        seq_out = run.output[m.position].numpy()  # (n_E, H)
        self.output.show(seq_out, vmin=-1.0, vmax=1.0,
                         title=f"<b>output[{m.position}]</b> (n_E × H) = "
                               f"({seq_out.shape[0]} × {seq_out.shape[1]})")
        n_e = seq_out.shape[0]
        self.output.set_highlights([(n_e - 1, n_e - 1, 0, seq_out.shape[1] - 1)],
                                   [READOUT_COLOR])
        equal = run.last_is_h_n
        prediction, targets = self._readout(first)
        rows = "".join(f"<tr><td>{first + i}</td><td>{p:+.3f}</td><td>{t:+.2f}</td></tr>"
                       for i, (p, t) in enumerate(zip(prediction, targets, strict=True)))
        self.many_to_one.value = (
            f"<p>The LSTM reads all n_E = {n_e} elements; only the last hidden state goes on: "
            f"<code>output[:, -1, :]</code>, shape ({len(targets)}, {m.hidden_size}), the last "
            f"row of output[{m.position}] on the left (row e − 1 = {n_e - 1}, outlined in red), "
            f"into <code>nn.Linear({m.hidden_size}, 1)</code>.</p>"
            + badge("ok" if equal else "bad",
                    f"output[:, -1, :] {'equals' if equal else 'differs from'} h_n[-1]")
            + "<table class='lstm-table'><tr><th>s</th><th>prediction</th>"
            f"<th>target: {TARGET_NAMES[m.dataset]}</th></tr>{rows}</table>"
            "<p class='hint'>The model is untrained: its predictions are random until it "
            "learns. What matters here is which numbers flow where.</p>")
        # no index in it, so it changes, and is announced, only when a verdict does
        self.feed_status.value = (
            f"<p>Checks: unbatched output {'matches' if unbatched_ok else 'does NOT match'} "
            f"batched output; batch_first=False output, transposed, "
            f"{'matches' if time_major_ok else 'does NOT match'} batched output; "
            f"output[:, -1, :] {'equals' if equal else 'differs from'} h_n[-1].</p>")
