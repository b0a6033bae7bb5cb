"""Sequence data, live: the (n_S, n_E, n_X) tensor, its batches, and how nn.LSTM reads them."""

from __future__ import annotations

from typing import ClassVar

import ipywidgets as ipw
import numpy as np

from ..codegen.sequence import sequence_recipe
from ..maths.sequence import CARDS, DATASETS, LIMITS, SYMBOLS
from ..state.csv_source import EXAMPLES
from ..state.sequence_model import DIRECTIONS, INDICES, SETTINGS, SequenceModel
from ..views.colors import nice_bound
from ..views.controls import GuardedToggleButtons, bind_controls, int_slider, seed_box, set_bounded
from ..views.heatmap import MatrixHeatmap
from ..views.markup import Markup
from ..views.style import STYLE
from ..views.window_chart import WindowChart
from . import sequence_text as text
from .dashboard import Dashboard
from .own_data import OwnDataPanel
from .padding_section import PaddingSection
from .padding_text import padding_numbers
from .questions_section import QuestionsSection

__all__ = ["SequenceExplorer"]


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
        ``position`` and ``element`` are kept within the data the other settings make;
        ``bidirectional=on`` turns the reviews' padding section's LSTM both ways.

    Controls carry ``ctl-dataset``, ``ctl-n_s``, ``ctl-seq_len``, ``ctl-n_x``,
    ``ctl-batch_size``, ``ctl-hidden_size``, ``ctl-seed``, ``ctl-batch``, ``ctl-position``,
    ``ctl-element``, and in the padding section (reviews only) ``ctl-bidirectional``.
    """

    MODEL = SequenceModel
    CSS_CLASS = "sequence-explorer"
    PAGE = "2_sequence_data.ipynb"
    PRESET: ClassVar[dict] = {"limits": LIMITS, "symbols": SYMBOLS,
                              "choices": {"dataset": DATASETS, "bidirectional": DIRECTIONS,
                                          "series": EXAMPLES}}

    def __init__(self, model: SequenceModel | None = None, preset: str | None = None,
                 **kwargs):
        super().__init__(model, preset, **kwargs)
        m = self.model
        dataset = GuardedToggleButtons(options=[(CARDS[d].label, d) for d in DATASETS],
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
            "position": int_slider("position", "position", 0, 1, 0,
                                   name="position in the batch of the sequence shown, "
                                        "counted from 0"),
            "element": int_slider("element", "element e", 1, 2, 1,
                                  name="element e of the sequence shown, counted from 1"),
        }
        for name in INDICES:
            self.controls[name].style.description_width = "80px"
        bind_controls(m, self.controls, self.banner, what="the dataset")
        # the position sets s: said beside it, as the table and the outlines name it
        self.sample_label = ipw.HTML()
        self.sample_label.add_class("sample-label")
        # says which sizes the chosen data fixes, and why their sliders are off
        self.fixed_note = ipw.HTML()
        self.fixed_note.add_class("fixed-by-data")

        self.source = ipw.HTML()
        self.source.add_class("data-source")
        # "your own CSV": an example series or the learner's file, and its columns
        self.own_data = OwnDataPanel(m, self.banner)
        self.notation = ipw.HTML()
        self.notation.add_class("notation-table")
        self.tensor = MatrixHeatmap(x_label="column (e − 1)·n_X + k", y_label="sequence s",
                                    width="560px", height="340px", colorbar=True)
        # elements counted from 1, as the equations count them: row e − 1 is element e
        self.sequence = MatrixHeatmap(x_label="k (value)", y_label="element e",
                                      width="260px", height="340px", colorbar=True, row_base=1)
        self.highlight_legend = ipw.HTML()  # what each outline marks, in words
        self.highlight_legend.add_class("highlight-legend")
        self.windows = WindowChart(quantity="daily minimum temperature", unit="°C",
                                   y_label="min. temperature (°C)")
        self.tokens = ipw.HTML()
        self.tokens.add_class("review-tokens")
        # each data's worked example, by the example its card names; the signals have none
        self._examples = {
            "windows": [ipw.HTML("<h3>Sliding windows over the series</h3>"), self.windows],
            "tokens": [ipw.HTML("<h3>From words to a tensor</h3>"), self.tokens],
            "": []}
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
        self.output = MatrixHeatmap(x_label="unit (H)", y_label="element e", width="300px",
                                    height="300px", colorbar=True, row_base=1)
        # the reviews only: padded against packed, its own bidirectional switch
        self.padding = PaddingSection(m, self.banner)

        c = self.controls
        self.questions = QuestionsSection("2_sequence_data", m, self.banner)
        intro = ipw.HTML(STYLE + "<p class='hint'>A dataset of sequences is a tensor of shape "
                         "(n_S, n_E, n_X): n_S sequences, each of n_E elements, each of n_X "
                         "values. Pick the data, move the sizes, and follow one batch, one "
                         "sequence and one element through it.</p>")
        notation = [ipw.HTML("<h3>The notation, with these numbers</h3>"
                             + text.INDEX_CONVENTION), self.notation]
        # the batch, sequence and element followed: the notation, tensor, feeds and read-out's
        where = ipw.HBox([c["batch"], c["position"], self.sample_label, c["element"]],
                         layout=ipw.Layout(flex_flow="row wrap", align_items="center"))
        tensor = [
            ipw.HTML("<h3>The dataset tensor</h3><p class='hint'>Each row is a sequence "
                     "X<sup>&lt;s&gt;</sup>, its n_E elements laid side by side, n_X columns "
                     "each. Three nested outlines mark the batch, the sequence and the "
                     "element; the legend below says where each one is.</p>"),
            where,
            self.highlight_legend,
            ipw.HBox([self.tensor, self.sequence],
                     layout=ipw.Layout(flex_flow="row wrap", align_items="flex-start")),
            self.example]
        layouts = [ipw.HTML("<h3>Batched or not, batch first or not: one nn.LSTM</h3>"
                            + text.LSTM_AS_A_BOX), self.layouts, self.feed_status]
        # the reviews' padding and packing (hidden for the other data) reads the same output
        many_to_one = [
            ipw.HTML("<h3>Many-to-one</h3>" + text.MANY_TO_ONE),
            ipw.HBox([self.output, self.many_to_one],
                     layout=ipw.Layout(flex_flow="row wrap", align_items="flex-start")),
            self.padding]
        self.children = [
            self.nav,
            self.presenter,
            intro,
            c["dataset"],
            self.own_data,
            ipw.HBox([c["n_s"], c["seq_len"], c["n_x"]], layout=ipw.Layout(flex_flow="row wrap")),
            ipw.HBox([c["batch_size"], c["hidden_size"], c["seed"]],
                     layout=ipw.Layout(flex_flow="row wrap")),
            self.fixed_note,
            self.banner,
            self.link,
            self.panels,
            self.questions,
            self.source,
            *notation,
            *tensor,
            *layouts,
            *many_to_one,
        ]
        # the presenter mode's sections, in the tutorial's order; the data and sizes stay
        self.present_sections([
            ("The data", [intro, self.source]),
            ("The notation, with these numbers", [*notation, where]),
            ("The dataset tensor", tensor),
            ("Batched or not, batch first or not", [where, *layouts]),
            ("Many-to-one", [where, *many_to_one]),
            ("Questions", [self.questions]),
            ("The code, the numbers and the link", [self.panels, self.link]),
        ])
        m.observe(self._on_data, names="data")
        m.observe(self._on_index, names=list(INDICES))
        self._on_data()

    def recipe(self):
        return sequence_recipe(self.model, link=self.query)

    # --- model -> views -----------------------------------------------------------------------
    def _sync_controls(self) -> None:
        m = self.model
        for name in SETTINGS:
            self.controls[name].value = getattr(m, name)
        for name in INDICES:
            set_bounded(self.controls[name], *m.index_range(name), getattr(m, name))
        for name in ("n_s", "n_x"):
            control, used = self.controls[name], m.used(name)
            # an unused slider keeps the value it will have again, so it shows no number
            with control.hold_sync():
                control.disabled, control.readout = not used, used
        self.fixed_note.value = text.fixed_note(m)

    def _on_data(self, _change=None) -> None:
        data = self.model.data
        self._sync_controls()
        n_s, n_e, n_x = data.X.shape
        self._range = self._colour_range(data.X.numpy())
        unfolded = data.X.reshape(n_s, n_e * n_x).numpy()  # row s: x_1 .. x_{n_E} side by side
        self.tensor.show(unfolded, vmin=self._range[0], vmax=self._range[1],
                         title=Markup(f"<b>X</b> (n_S, n_E, n_X) = ({n_s}, {n_e}, {n_x}), "
                                      f"unfolded to ({n_s} × {n_e * n_x})"))
        self.source.value = f"<p class='hint'>{text.with_code(data.source)}</p>"
        if data.card.example == "windows":
            self.windows.describe(**self._window_words())
            self.windows.show_series(data.series, data.dates)
        self.example.children = self._examples[data.card.example]
        self.own_data.refresh()
        self._on_index()

    def _colour_range(self, values: np.ndarray) -> tuple[float, float]:
        """±a round bound around 0; a series of the learner's own that keeps to one side of 0
        (prices, counts) is coloured over its own values, or every cell would be one colour."""
        lo, hi = float(values.min()), float(values.max())
        if self.model.uses_own_series and (lo > 0 or hi < 0) and hi > lo:
            return lo, hi
        bound = nice_bound(values)
        return -bound, bound

    def _window_words(self) -> dict[str, str]:
        """What the windows' series is: the temperatures, or the own series' target."""
        m = self.model
        if not m.uses_own_series:
            return {"quantity": "daily minimum temperature", "unit": "°C",
                    "y_label": "min. temperature (°C)", "step": "day"}
        target = m.csv.series.target
        return {"quantity": target, "unit": "", "y_label": target, "step": "row"}

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
            [text.BATCH_COLOR, text.SEQUENCE_COLOR, text.ELEMENT_COLOR])
        self.sequence.set_highlights([(e - 1, e - 1, 0, n_x - 1)], [text.ELEMENT_COLOR])
        self.sample_label.value = text.sample_label(m.batch, b_s, m.position, s)
        self.highlight_legend.value = text.highlight_legend(m.batch, first, last, s, e, n_x)
        self.notation.value = text.notation_table(m, first, last - first + 1)
        if change is not None and change["name"] == "element":
            return  # the sequence and what the LSTM made of it stay as they are
        self.sequence.show(data.X[s].numpy(), vmin=self._range[0], vmax=self._range[1],
                           title=Markup(f"<b>X<sup>&lt;{s}&gt;</sup></b> (n_E × n_X) = "
                                        f"({n_e} × {n_x})"))
        if data.card.example == "windows":
            self.windows.show_window(s, n_e)
        elif data.card.example == "tokens":
            self.tokens.value = text.tokens_table(data.reviews, m.batch, first, last, s)
        self._show_feed(first, s)

    def numbers_html(self) -> str:
        """The batch, sequence and element highlighted, what the LSTM made of them, and for
        the reviews the padded and packed states."""
        m = self.model
        run = m.padding()
        tables = text.numbers_tables(m)
        return tables if run is None else tables + padding_numbers(
            run, m.batch, m.batch * m.batch_size)

    def _show_feed(self, first: int, s: int) -> None:
        """The batch as nn.LSTM read it (run once per batch): layouts and the read-out."""
        m = self.model
        run = m.feed()
        lay = run.layouts(m.position)
        verdicts = text.checks(lay)
        self.layouts.value = text.layouts_html(lay, m.position, s)
        seq_out = run.output[m.position].numpy()  # (n_E, H)
        self.output.show(seq_out, vmin=-1.0, vmax=1.0,
                         title=Markup(f"<b>output[{m.position}]</b> (n_E × H) = "
                                      f"({seq_out.shape[0]} × {seq_out.shape[1]})"))
        n_e = seq_out.shape[0]
        self.output.set_highlights([(n_e - 1, n_e - 1, 0, seq_out.shape[1] - 1)],
                                   [text.READOUT_COLOR])
        self.many_to_one.value = text.many_to_one_html(m, first, n_e, verdicts[2])
        # no index in it, so it changes, and is announced, only when a verdict does
        self.feed_status.value = text.feed_status(*verdicts)
