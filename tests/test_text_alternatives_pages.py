"""The MLP and sequence pages without their charts: numbers as tables, figures in words.

Every number a table holds is checked against the live modules (``net``, ``lstm``, ``head``)
run here again, not against the arrays the page computed, so a table that drifted from the model
would fail.
"""

import re
from html.parser import HTMLParser

import ipywidgets as ipw
import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from tests.test_accessibility import walk
from tests.test_sequence import outlines
from widgets import MLPExplorer, SequenceExplorer
from widgets.maths.sequence import load_min_temperatures


class _Tables(HTMLParser):
    """Every table of an HTML snippet, in order: its classes, its caption and its rows, each
    row a list of cells (tag, scope, text)."""

    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self._caption, self._cell = None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append({"classes": attrs.get("class", "").split(), "caption": "",
                                "rows": []})
        elif tag == "caption":
            self._caption = ""
        elif tag == "tr":
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th"):
            self._cell = (tag, attrs.get("scope"), "")

    def handle_endtag(self, tag):
        if tag == "caption":
            self.tables[-1]["caption"], self._caption = self._caption, None
        elif tag in ("td", "th"):
            self.tables[-1]["rows"][-1].append(self._cell)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell = (*self._cell[:2], self._cell[2] + data)
        elif self._caption is not None:
            self._caption += data


def read_tables(value: str) -> list[dict]:
    parser = _Tables()
    parser.feed(value)
    return parser.tables


def tables(page) -> dict[str, list[list[str]]]:
    """The page's numbers panel, opened, read as tables: caption -> rows of cell texts (the
    header row first)."""
    page.numbers.toggle.value = True
    return {t["caption"]: [[text for _, _, text in row] for row in t["rows"]]
            for t in read_tables(page.numbers.view.value)}


def table(page, starts: str) -> list[list[str]]:
    found = [rows for caption, rows in tables(page).items() if caption.startswith(starts)]
    assert len(found) == 1, f"no single table whose caption starts {starts!r}"
    return found[0]


def caption(page, starts: str) -> str:
    return next(c for c in tables(page) if c.startswith(starts))


def fmt(value) -> str:
    return f"{float(value):+.4f}"  # as html_table writes a number


def body(rows: list[list[str]]) -> list[list[str]]:
    """The numbers of a table: its header row and each row's header cell dropped."""
    return [row[1:] for row in rows[1:]]


def formatted(matrix: torch.Tensor) -> list[list[str]]:
    return [[fmt(v) for v in row] for row in matrix.tolist()]


def contrast(foreground: str, background: str = "#ffffff") -> float:
    """WCAG 2.1's contrast ratio of two #rrggbb colours."""

    def luminance(color: str) -> float:
        channels = [int(color[k : k + 2], 16) / 255 for k in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    hi, lo = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def page_tables(page) -> list[tuple[str, dict]]:
    """Every table the page shows, numbers panel open: ("page" or "numbers", the table)."""
    page.numbers.toggle.value = True
    found = []
    for widget, _ in walk(page):
        if isinstance(widget, ipw.HTML) and "<table" in widget.value:
            where = "numbers" if widget is page.numbers.view else "page"
            found += [(where, t) for t in read_tables(widget.value)]
    return found


def assert_tables_are_read_as_tables(page, on_page: int, in_numbers: int) -> None:
    """Each table has a caption that says what it is, a header row of column headers and a
    row header first in every other row; the page's own tables have the page's look."""
    shown = page_tables(page)
    assert sum(where == "page" for where, _ in shown) == on_page
    assert sum(where == "numbers" for where, _ in shown) == in_numbers
    for where, t in shown:
        assert len(t["caption"].split()) >= 3, t["caption"]  # a sentence, not a stray word
        header, *rows = t["rows"]
        assert rows, t["caption"]
        assert all(cell[:2] == ("th", "col") for cell in header), t["caption"]
        for row in rows:
            assert row[0][:2] == ("th", "row") and len(row) == len(header), t["caption"]
            assert all(cell[:2] == ("td", None) for cell in row[1:]), t["caption"]
        look = "text-table" if where == "page" else "numbers-table"
        assert {"lstm-table", look} <= set(t["classes"]), (t["caption"], t["classes"])


def test_every_table_of_the_mlp_page_has_a_caption_and_header_scopes():
    # the shapes; X, a[1], y, A[1], b[1], A[2], b[2]
    assert_tables_are_read_as_tables(MLPExplorer(), on_page=1, in_numbers=7)


@pytest.mark.parametrize(("dataset", "bidirectional", "on_page", "in_numbers"), [
    ("signals", "off", 3, 4),  # the notation, the layouts, the read-out
    ("temperatures", "on", 3, 4),  # bidirectional is the reviews' padding section's only
    ("reviews", "off", 5, 6),  # and the tokens, padded against packed
    ("reviews", "on", 6, 8),  # and the backward direction at the last word
])
def test_every_table_of_the_sequence_page_has_a_caption_and_header_scopes(
        dataset, bidirectional, on_page, in_numbers):
    page = SequenceExplorer()
    page.controls["dataset"].value = "reviews"
    page.padding.control.value = bidirectional
    page.controls["dataset"].value = dataset  # a hidden section keeps no table behind
    # x_e^<s>, X^<s>, output[p], the read-out; for the reviews the padded and packed states
    assert_tables_are_read_as_tables(page, on_page=on_page, in_numbers=in_numbers)


# --- the MLP page -----------------------------------------------------------------------------
@pytest.fixture
def mlp():
    return MLPExplorer()


def test_mlp_shows_the_panels_in_place_of_the_code(mlp):
    assert mlp.panels in mlp.children and mlp.code not in mlp.children
    assert mlp.numbers.toggle in mlp.panels.children[0].children


def test_mlp_tables_hold_the_live_forward_pass_and_weights(mlp):
    net, X = mlp.model.net, mlp.model.X
    with torch.no_grad():
        a1 = net[0](X)  # (n_D, n[1])
        y = net(X)  # (n_D, n[2])
    weight, bias = net[0].weight.detach(), net[0].bias.detach()
    assert body(table(mlp, "X = torch.rand")) == formatted(X)
    assert body(table(mlp, "a[1] = layer1(X)")) == formatted(a1)
    assert body(table(mlp, "y = net(X)")) == formatted(y)
    assert body(table(mlp, "A[1] = layer1.weight")) == formatted(weight)
    assert body(table(mlp, "A[2] = layer2.weight")) == formatted(net[1].weight.detach())
    assert body(table(mlp, "b[1] = layer1.bias")) == formatted(bias[:, None])
    assert body(table(mlp, "b[2] = layer2.bias")) == formatted(net[1].bias.detach()[:, None])
    # one cell by its headers: row j = 3, column k = 2 of PyTorch's (out_features, in_features)
    rows = table(mlp, "A[1] = layer1.weight")
    assert rows[0][0] == "j (out_features)" and rows[0][3] == "k = 2" and rows[4][0] == "3"
    assert rows[4][3] == fmt(weight[3, 2])
    assert caption(mlp, "A[1]").endswith("(out_features, in_features) = (n[1], n_X) = (8, 5)")
    assert caption(mlp, "A[2]").endswith("(out_features, in_features) = (n[2], n[1]) = (1, 8)")
    assert len(body(table(mlp, "y = net(X)"))) == mlp.model.n_d  # one row an instance i


def test_mlp_tables_follow_a_size_and_a_seed_change(mlp):
    before = table(mlp, "A[1] = layer1.weight")
    mlp.controls["n_x"].value = 7
    mlp.controls["n1"].value = 3
    mlp.controls["n_d"].value = 20
    after = table(mlp, "A[1] = layer1.weight")
    assert after != before
    assert body(after) == formatted(mlp.model.net[0].weight.detach())
    assert len(body(after)) == 3 and len(body(after)[0]) == 7
    assert caption(mlp, "A[1]").endswith("= (3, 7)")
    assert len(body(table(mlp, "X = torch.rand"))) == 20
    shown = mlp.numbers.view.value
    mlp.controls["seed"].value = 5
    assert mlp.numbers.view.value != shown  # open, the panel follows without a click
    with torch.no_grad():
        y = mlp.model.net(mlp.model.X)
    assert body(table(mlp, "y = net(X)")) == formatted(y)


def test_mlp_tables_follow_a_configure_too(mlp):
    mlp.numbers.toggle.value = True
    mlp.model.configure(n_x=2, n1=4)  # the sizes are set quietly, then the net rebuilt
    assert body(table(mlp, "A[1] = layer1.weight")) == formatted(mlp.model.net[0].weight.detach())
    assert caption(mlp, "A[1]").endswith("= (4, 2)")


def test_mlp_verdicts_are_words_and_a_mark_and_are_announced(mlp):
    assert "live-status" in mlp.checks._dom_classes
    badges = re.findall(r"<span class='badge badge-(\w+)'><span aria-hidden='true'>(.) </span>",
                        mlp.checks.value)
    assert len(badges) == 3
    marks = {"ok": "✓", "note": "≈", "bad": "✗"}  # rounding alone is a note, never a warning
    assert all(marks[level] == mark for level, mark in badges)
    # each verdict in words too: which of torch.equal or torch.allclose holds
    for text in mlp.checks.value.split("<span class='badge")[1:]:
        assert "<code>torch.equal</code> is True" in text or "torch.allclose" in text


# --- the sequence page ------------------------------------------------------------------------
@pytest.fixture
def seq():
    return SequenceExplorer()


def test_sequence_shows_the_panels_in_place_of_the_code(seq):
    assert seq.panels in seq.children and seq.code not in seq.children


def test_sequence_tables_hold_the_element_the_sequence_and_the_read_out(seq):
    seq.controls["batch"].value = 1
    seq.controls["position"].value = 2
    seq.controls["element"].value = 5
    m = seq.model
    X = m.data.X  # (n_S, n_E, n_X)
    assert caption(seq, "x_e^<s>").startswith("x_e^<s>: element e = 5 of sequence s = 6")
    assert body(table(seq, "x_e^<s>")) == [[fmt(v)] for v in X[6, 4].tolist()]
    rows = table(seq, "X^<s>")
    assert "sequence s = 6, position 2 of batch 1 (sequences 4 to 7)" in caption(seq, "X^<s>")
    assert rows[5][0] == "5" and body(rows)[4] == [fmt(v) for v in X[6, 4].tolist()]
    assert body(rows) == formatted(X[6])
    # the read-out, by the modules themselves: output[:, -1, :] into nn.Linear(H, 1)
    with torch.no_grad():
        out, _ = m.lstm(X[4:8])  # (b_S, n_E, H)
        prediction = m.head(out[:, -1, :])[:, 0]  # (b_S,)
    assert body(table(seq, "output[2]")) == formatted(out[2])
    many = table(seq, "Many-to-one")
    assert [row[0] for row in many[1:]] == ["4", "5", "6", "7"]
    assert [row[1] for row in many[1:]] == [fmt(p) for p in prediction.tolist()]
    assert [row[2] for row in many[1:]] == [fmt(t) for t in m.data.targets[4:8].tolist()]


def test_sequence_tables_follow_the_indices_and_the_sizes(seq):
    first = table(seq, "x_e^<s>")
    seq.controls["element"].value = 3
    assert table(seq, "x_e^<s>") != first
    assert body(table(seq, "x_e^<s>")) == [[fmt(v)] for v in seq.model.data.X[0, 2].tolist()]
    sequence = table(seq, "X^<s>")
    seq.controls["position"].value = 1
    assert table(seq, "X^<s>") != sequence
    assert body(table(seq, "X^<s>")) == formatted(seq.model.data.X[1])
    seq.controls["n_x"].value = 5
    seq.controls["seq_len"].value = 7
    assert body(table(seq, "X^<s>")) == formatted(seq.model.data.X[1])
    assert caption(seq, "X^<s>").endswith("shape (n_E, n_X) = (7, 5), one row an element")
    assert len(body(table(seq, "output[1]"))) == 7


def test_sequence_tables_name_the_days_and_the_words(seq):
    seq.controls["dataset"].value = "temperatures"
    seq.controls["seq_len"].value = 5
    seq.controls["batch"].value = 10  # s = 40
    rows = table(seq, "X^<s>")
    _, temps = load_min_temperatures()
    assert [row[1] for row in rows[1:]] == ["40", "41", "42", "43", "44"]  # the day
    assert [row[2] for row in rows[1:]] == [fmt(t) for t in temps[40:45]]
    seq.controls["dataset"].value = "reviews"
    seq.controls["seq_len"].value = 14  # long enough for padding
    tokens = seq.model.data.reviews.tokens[seq.model.sample]
    assert "<pad>" in tokens  # read back unescaped: the word the learner sees
    assert [row[1] for row in table(seq, "X^<s>")[1:]] == list(tokens)


def test_window_chart_alt_text_follows_the_window(seq):
    seq.controls["dataset"].value = "temperatures"
    seq.controls["seq_len"].value = 30
    seq.controls["batch"].value = 10  # b_S = 4: sequence s = 40
    dates, temps = load_min_temperatures()
    chart = seq.windows
    alt = chart.alt
    assert chart in seq.example.children and "sr-only" in alt._dom_classes
    assert chart.children.index(alt) == chart.children.index(chart.figure) - 1  # read first
    assert "covers days 40 to 69" in alt.text and "n_E = 30" in alt.text
    assert f"({dates[40]} to {dates[69]})" in alt.text
    assert f"Its target, day 70 ({dates[70]}), is {temps[70]:.1f} °C." in alt.text
    window = temps[40:70]
    assert f"from {window.min():.1f} to {window.max():.1f} °C" in alt.text
    seq.controls["position"].value = 3
    assert "covers days 43 to 72" in alt.text and f"is {temps[73]:.1f} °C" in alt.text
    seq.controls["seq_len"].value = 10
    s = seq.model.sample
    assert f"covers days {s} to {s + 9}" in alt.text and "n_E = 10" in alt.text
    # the legend says in words what each mark is; the target is a diamond, not just red
    legend = chart.legend.value
    assert "Thin blue line: all 1461 days" in legend
    assert f"Thick black line: the window X<sup>&lt;{s}&gt;</sup>, days {s} to {s + 9}" in legend
    assert f"Red diamond: its target, day {s + 10}" in legend
    assert chart.target_dot.marker == "diamond"
    assert chart.window_line.stroke_width > chart.series_line.stroke_width
    assert chart.figure.axes[0].label == f"day (0 = {dates[0]})"


def test_highlight_legend_names_the_batch_sequence_and_element(seq):
    seq.controls["batch"].value = 1
    seq.controls["position"].value = 2
    seq.controls["element"].value = 5
    legend = seq.highlight_legend.value
    assert "batch 1, rows 4 to 7" in legend
    assert "sequence s = 6, row 6" in legend
    assert "element e = 5, columns 12 to 14 of row 6" in legend  # n_X = 3: (5 − 1)·3 ..
    assert "element e = 5, row e − 1 = 4" in legend
    # the words name the very boxes drawn
    xs, ys = outlines(seq.tensor)
    assert (ys[0].min(), ys[0].max()) == (3.5, 7.5) and (xs[2].min(), xs[2].max()) == (11.5, 14.5)
    # n_S = 10, b_S = 4: the last batch holds 8 and 9, so position 2 becomes its last, 1
    seq.controls["batch"].value = 2
    assert (seq.model.position, seq.controls["position"].value) == (1, 1)
    legend = seq.highlight_legend.value
    assert "batch 2, rows 8 to 9" in legend and "sequence s = 9, row 9" in legend
    seq.controls["batch_size"].value = 1
    assert "batch 2, row 2;" in seq.highlight_legend.value
    # colour swatches are a key for the eye; a screen reader hears only the words
    swatches = re.findall(r"<span([^>]*)>■</span>", seq.highlight_legend.value)
    assert swatches and all("aria-hidden='true'" in s for s in swatches)


def test_sequence_verdicts_are_words_and_announced(seq):
    checks = seq.layouts.value
    assert checks.count("✓ </span>") == 2
    assert "✓ </span>unbatched output of X<sup>&lt;0&gt;</sup> matches batched output[0]" in checks
    assert "✓ </span>batch_first=False output, transposed, matches batched output" in checks
    assert "✓ </span>output[:, -1, :] equals h_n[-1]" in seq.many_to_one.value
    # the verdicts alone are announced: a polite status, hidden from the eye, with no index in
    # it, so moving along the data says nothing while every check still holds
    status = seq.feed_status
    assert {"live-status", "sr-only"} <= set(status._dom_classes)
    assert status in seq.children
    assert status.value == ("<p>Checks: unbatched output matches batched output; "
                            "batch_first=False output, transposed, matches batched output; "
                            "output[:, -1, :] equals h_n[-1].</p>")
    said = status.value
    seq.controls["batch"].value = 1
    seq.controls["position"].value = 3
    assert status.value == said
    # the read-out row is named by place and by outline, not as "the red row"
    assert "red row" not in seq.many_to_one.value
    assert ("the last row of output[3] on the left (element e = n_E = 12, row 11"
            in seq.many_to_one.value)


def test_sequence_text_colours_are_readable(seq):
    seq.controls["dataset"].value = "reviews"
    seq.controls["seq_len"].value = 14
    # every colour a text is written in, on the page's white: at least 4.5:1
    colours = re.findall(r"[{;\s]color:\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b",
                         seq.tokens.value)
    assert colours
    for colour in colours:
        full = colour if len(colour) == 7 else "#" + "".join(c * 2 for c in colour[1:])
        assert contrast(full) >= 4.5, colour


def test_sequence_tables_follow_a_move_to_the_shorter_last_batch(seq):
    seq.controls["batch"].value = 1
    seq.controls["position"].value = 2
    seq.numbers.toggle.value = True
    sent = []
    seq.numbers.view.observe(lambda change: sent.append(change["new"]), names="value")
    seq.controls["batch"].value = 2  # holds sequences 8 and 9 only: position 2 becomes 1
    assert len(sent) == 1 and "could not be written" not in sent[0]  # one message, no error
    assert "sequence s = 9, position 1 of batch 2 (sequences 8 to 9)" in caption(seq, "X^<s>")
    assert body(table(seq, "X^<s>")) == formatted(seq.model.data.X[9])


def test_sequence_padding_tables_hold_the_live_states(seq):
    seq.controls["dataset"].value = "reviews"
    seq.controls["seq_len"].value = 10  # some reviews truncated, some padded
    seq.padding.control.value = "on"
    seq.controls["batch"].value = 1
    m = seq.model
    H, X = m.hidden_size, m.data.X[4:8]
    lengths = torch.tensor([sum(t != "<pad>" for t in m.data.reviews.tokens[s])
                            for s in range(4, 8)])
    torch.manual_seed(m.seed)
    lstm = torch.nn.LSTM(m.n_x, H, batch_first=True, bidirectional=True)
    with torch.no_grad():
        padded, _ = lstm(X)  # (b_S, n_E, 2H)
        packed = pack_padded_sequence(X, lengths, batch_first=True, enforce_sorted=False)
        packed_out, (h_n, _) = lstm(packed)
        packed_out, _ = pad_packed_sequence(packed_out, batch_first=True, total_length=10)
    rows, last = torch.arange(4), lengths - 1
    for starts, values in (("Padding, batch 1: padded output[s, -1, :H]", padded[:, -1, :H]),
                           ("Padding, batch 1: packed h_n[0][s]", h_n[0]),
                           ("Padding, batch 1: padded output[s, length − 1, H:]",
                            padded[rows, last, H:]),
                           ("Padding, batch 1: packed output[s, length − 1, H:]",
                            packed_out[rows, last, H:])):
        found = table(seq, starts)
        assert [row[:2] for row in found[1:]] == [[str(4 + i), str(int(n))]
                                                  for i, n in enumerate(lengths)]
        assert [row[1:] for row in body(found)] == formatted(values), starts
    assert lengths.tolist() == [9, 10, 10, 9]  # two padded; two fill n_E = 10, one truncated
    seq.padding.control.value = "off"
    assert not [c for c in tables(seq) if "length − 1, H:" in c]
