"""Sequence data: notation, sliding windows, tokens, batches and the LSTM's three layouts."""

import bqplot as bq
import ipywidgets as ipw
import numpy as np
import pytest
import torch

from tests.widget_state import by_class
from widgets import SequenceExplorer
from widgets.dashboards.sequence_text import BATCH_COLOR, ELEMENT_COLOR, SEQUENCE_COLOR
from widgets.maths.corpus import REVIEWS
from widgets.maths.sequence import (
    PAD,
    BatchRun,
    build_head,
    build_lstm_pair,
    build_vocab,
    encode_reviews,
    load_min_temperatures,
    make_dataset,
    pad_or_truncate,
    sliding_windows,
    tokenize,
)
from widgets.views.window_chart import WindowChart


def test_temperatures_are_the_real_series():
    dates, temps = load_min_temperatures()
    assert len(dates) == len(temps) == 1461  # 2012-2015, one leap year
    assert dates[0] == "2012-01-01" and dates[-1] == "2015-12-31"
    assert temps[0] == pytest.approx(5.0) and temps[-1] == pytest.approx(-2.1)
    assert -10 < temps.min() < 0 < temps.max() < 25


@pytest.mark.parametrize("seq_len", [1, 7, 30, 200])
def test_sliding_windows_count_and_content(seq_len):
    series = np.arange(50, dtype=np.float32) if seq_len < 50 else np.arange(300, dtype=np.float32)
    X, y = sliding_windows(series, seq_len)
    n = len(series)
    assert X.shape == (n - seq_len, seq_len, 1)  # n_S = N - n_E
    for s in (0, n - seq_len - 1):
        np.testing.assert_array_equal(X[s, :, 0], series[s : s + seq_len])
        assert y[s] == series[s + seq_len]


def test_sliding_windows_refuse_a_window_longer_than_the_series():
    with pytest.raises(ValueError, match="n_E must be from 1 to 9"):
        sliding_windows(np.zeros(10), 10)


def test_temperature_dataset_n_s_follows_n_e():
    for n_e in (5, 30):
        data = make_dataset("temperatures", n_s=3, seq_len=n_e, n_x=9, seed=0)
        assert data.X.shape == (1461 - n_e, n_e, 1)  # n_X is 1 and n_S derived, whatever asked


def test_tokens_padding_and_truncation():
    assert tokenize("Avoid it. The trailer's better!") == ["avoid", "it", "the", "trailer's",
                                                           "better"]
    assert pad_or_truncate(["a", "b"], 4) == (["a", "b", PAD, PAD], [])
    assert pad_or_truncate(["a", "b", "c"], 2) == (["a", "b"], ["c"])
    vocab = build_vocab(["b a a", "c"])
    assert vocab == {PAD: 0, "<unk>": 1, "a": 2, "b": 3, "c": 4}


def test_reviews_become_a_tensor_with_zero_padding():
    batch = encode_reviews(seq_len=14)
    assert batch.ids.shape == (len(REVIEWS), 14)
    data = make_dataset("reviews", n_s=1, seq_len=14, n_x=6, seed=2)
    assert data.X.shape == (len(REVIEWS), 14, 6)
    pad = batch.ids == 0
    assert pad.any()
    assert torch.all(data.X[torch.from_numpy(pad)] == 0)  # <pad> embeds to zeros
    assert not torch.all(data.X[torch.from_numpy(~pad)] == 0)
    short = encode_reviews(seq_len=3)
    assert all(len(t) == 3 for t in short.tokens) and all(short.cut)


def test_batches_cover_the_dataset_last_one_shorter():
    data = make_dataset("signals", n_s=10, seq_len=5, n_x=2, seed=0)
    assert data.n_batches(4) == 3
    assert [len(data.batch(b, 4)) for b in range(3)] == [4, 4, 2]
    assert torch.equal(torch.cat([data.batch(b, 4) for b in range(3)]), data.X)


@pytest.mark.parametrize(("b_s", "n_e", "n_x", "h"), [(4, 12, 3, 8), (1, 1, 1, 1), (3, 30, 5, 17)])
def test_layouts_agree_and_have_pytorch_shapes(b_s, n_e, n_x, h):
    lstm, lstm_tf = build_lstm_pair(n_x, h, seed=1)
    assert torch.equal(lstm.weight_hh_l0, lstm_tf.weight_hh_l0)
    batch = torch.randn(b_s, n_e, n_x)
    head = build_head(h, seed=1)
    run = BatchRun(lstm, lstm_tf, head, batch)
    lay = run.layouts(position=b_s - 1)
    assert lay.shapes["batched"] == {"input": (b_s, n_e, n_x), "output": (b_s, n_e, h),
                                     "h_n": (1, b_s, h), "c_n": (1, b_s, h)}
    assert lay.shapes["unbatched"] == {"input": (n_e, n_x), "output": (n_e, h),
                                       "h_n": (1, h), "c_n": (1, h)}
    assert lay.shapes["time_major"] == {"input": (n_e, b_s, n_x), "output": (n_e, b_s, h),
                                        "h_n": (1, b_s, h), "c_n": (1, b_s, h)}
    assert lay.unbatched_diff < 1e-5 and lay.time_major_diff < 1e-5
    assert lay.last_is_h_n
    # what the dashboard shows is the modules' own: output, and the head on its last step
    with torch.no_grad():
        out, _ = lstm(batch)
        assert torch.equal(run.output, out)
        assert torch.equal(run.prediction, head(out[:, -1, :])[:, 0])


def test_the_unbatched_check_can_fail():
    lstm, lstm_tf = build_lstm_pair(2, 3, seed=1)
    batch = torch.randn(3, 5, 2)
    run = BatchRun(lstm, lstm_tf, build_head(3, seed=1), batch)
    with torch.no_grad():
        lstm.weight_hh_l0[0, 0] += 1.0  # the unbatched run, made later, sees another module
    assert run.layouts(1).unbatched_diff > 1e-3


@pytest.fixture
def lstm_calls(monkeypatch):
    """How many times nn.LSTM has run a forward pass."""
    calls = []
    forward = torch.nn.LSTM.forward

    def counted(self, *args, **kwargs):
        calls.append(tuple(args[0].shape))
        return forward(self, *args, **kwargs)

    monkeypatch.setattr(torch.nn.LSTM, "forward", counted)
    return calls


def test_a_batch_is_fed_once_and_then_only_indexed(lstm_calls):
    seq = SequenceExplorer()
    m = seq.model
    lstm_calls.clear()
    seq.controls["element"].value = 5
    seq.controls["element"].value = 9
    assert lstm_calls == [], "moving along the elements ran the LSTM"
    seq.controls["position"].value = 2
    assert lstm_calls == [(m.seq_len, m.n_x)], "a new sequence: only its unbatched run"
    seq.controls["position"].value = 0
    assert len(lstm_calls) == 1, "back to a sequence seen: nothing to run"
    lstm_calls.clear()
    seq.controls["batch"].value = 1
    batch = (m.batch_size, m.seq_len, m.n_x)
    assert sorted(lstm_calls) == sorted([batch, (m.seq_len, m.batch_size, m.n_x),
                                         (m.seq_len, m.n_x)])
    assert "output[0]" in seq.output.title


def test_each_dataset_says_how_the_page_presents_it():
    signals = make_dataset("signals", n_s=10, seq_len=5, n_x=2, seed=0)
    temps = make_dataset("temperatures", n_s=10, seq_len=30, n_x=2, seed=0)
    reviews = make_dataset("reviews", n_s=10, seq_len=6, n_x=2, seed=0)
    assert [d.card.label for d in (signals, temps, reviews)] == [
        "synthetic signals", "daily min. temperatures", "movie reviews"]
    assert [d.card.target for d in (signals, temps, reviews)] == [
        "next value", "next day (°C)", "label"]
    assert [d.card.example for d in (signals, temps, reviews)] == ["", "windows", "tokens"]
    assert signals.card.fixes == {} and set(temps.card.fixes) == {"n_s", "n_x"}
    assert set(reviews.card.fixes) == {"n_s"}
    # the source sentence, with the sizes the data has and its code between backticks
    assert signals.source.startswith("Data: smooth seeded signals")
    assert temps.source.endswith("n_S = N − n_E = 1461 − 30 = 1431 windows.")
    vocab = len(reviews.reviews.vocab)
    assert "padded with `<pad>` to n_E = 6 tokens" in reviews.source
    assert f"`nn.Embedding({vocab}, 2, padding_idx=0)`" in reviews.source
    # what names an element besides e: window s starts on day s; a review's element is a token
    assert signals.element_names(3) == [] and signals.card.element == ""
    assert temps.element_names(40) == list(range(40, 70)) and temps.card.element == "day"
    assert temps.dates[40] == "2012-02-10"
    assert reviews.element_names(2) == reviews.reviews.tokens[2]
    assert reviews.card.element == "token"


def test_window_chart_draws_the_series_the_window_and_its_target():
    chart = WindowChart(quantity="daily level", unit="m", y_label="level (m)")
    series = np.array([1.0, 2.5, -0.5, 4.0, 3.0], dtype=np.float32)
    dates = ("2020-01-01", "2020-01-02", "2020-01-03", "2020-01-04", "2020-01-05")
    chart.show_series(series, dates)
    chart.show_window(1, 2)  # days 1 and 2; the target is day 3
    np.testing.assert_array_equal(chart.series_line.y, series)
    np.testing.assert_array_equal(chart.window_line.x, [1, 2])
    np.testing.assert_array_equal(chart.window_line.y, [2.5, -0.5])
    assert list(chart.target_dot.x) == [3] and list(chart.target_dot.y) == [4.0]
    assert chart.figure.axes[0].label == "day (0 = 2020-01-01)"
    assert chart.alt.text == (
        "Line chart of the daily level, day 0 (2020-01-01) to day 4 (2020-01-05), from -0.5 "
        "to 4.0 m. The window X<1> (sequence s = 1) covers days 1 to 2 (2020-01-02 to "
        "2020-01-03), n_E = 2, from -0.5 to 2.5 m. Its target, day 3 (2020-01-04), is 4.0 m.")
    assert "Red diamond: its target, day 3, 4.0 m." in chart.legend.value
    chart.show_window(3, 1)  # a window of one day
    assert "covers day 3 (2020-01-04), n_E = 1" in chart.alt.text
    assert "the window X<sup>&lt;3&gt;</sup>, day 3 (2020-01-04)." in chart.legend.value


def outlines(heatmap) -> tuple[np.ndarray, np.ndarray]:
    """The x and y of the page's three outlines (batch, sequence, element) on ``heatmap``, as
    the browser receives them: the figure's line mark in the three highlight colours."""
    (mark,) = [mark for mark in heatmap.figure.marks if isinstance(mark, bq.Lines)
               and mark.visible and mark.colors == [BATCH_COLOR, SEQUENCE_COLOR, ELEMENT_COLOR]]
    return mark.x, mark.y


@pytest.fixture
def seq():
    return SequenceExplorer()


def test_notation_table_has_the_live_numbers(seq):
    seq.controls["n_s"].value = 9
    seq.controls["seq_len"].value = 7
    seq.controls["batch_size"].value = 4
    seq.controls["batch"].value = 2  # the last, shorter batch: sequence 8 only
    text = seq.notation.value
    assert "<th scope='row'>X</th><td>(n_S, n_E, n_X) = (9, 7, 3)</td><td>the dataset</td>" in text
    assert "<th scope='row'>n_S</th><td></td><td>sequences in the dataset = 9</td>" in text
    assert "(b_S, n_E, n_X) = (1, 7, 3)" in text and "this batch holds 1; 3 batches" in text
    assert seq.model.sample == 8
    assert seq.tensor.title.startswith("<b>X</b> (n_S, n_E, n_X) = (9, 7, 3)")


def test_highlights_follow_batch_sequence_and_element(seq):
    seq.controls["batch"].value = 1
    seq.controls["position"].value = 2
    seq.controls["element"].value = 5
    xs, ys = outlines(seq.tensor)
    n_x = seq.model.n_x
    assert ys[0].min() == 3.5 and ys[0].max() == 7.5  # batch 1 of b_S = 4: rows 4..7
    assert ys[1].min() == 5.5 and ys[1].max() == 6.5  # X^<6>
    assert xs[2].min() == 4 * n_x - 0.5 and xs[2].max() == 5 * n_x - 0.5  # x_5 columns
    np.testing.assert_array_equal(seq.sequence.values, seq.model.data.X[6].numpy())


def test_the_position_control_says_what_it_sets_and_shows_s_beside_it(seq):
    position, label = by_class(seq, "ctl-position"), by_class(seq, "sample-label")
    assert position.description == "position"  # not "sequence": it does not count from s
    assert position.tooltip.startswith("position in the batch")
    (row,) = [box for box in seq.children if position in getattr(box, "children", ())]
    assert row.children.index(label) == row.children.index(position) + 1
    assert "s = 0</b>" in label.value
    # the learner's case: batch 1, position 0 of b_S = 4 is sequence s = 4, as the table says
    seq.controls["batch"].value = 1
    seq.controls["element"].value = 5
    assert (position.value, seq.model.sample) == (0, 4)
    assert "<b>s = 4</b> = batch · b_S + position = 1 · 4 + 0" in label.value
    assert "sequence s = 4" in seq.highlight_legend.value
    position.value = 3
    assert "<b>s = 7</b>" in label.value and "1 · 4 + 3" in label.value
    seq.controls["batch_size"].value = 3  # a new b_S: the same batch and position, a new s
    m = seq.model
    assert m.sample == m.batch * 3 + m.position
    assert f"<b>s = {m.sample}</b> = batch · b_S + position = {m.batch} · 3 + {m.position}" \
        in label.value
    seq.controls["n_s"].value = 9
    seq.controls["batch_size"].value = 4
    seq.controls["batch"].value = 2  # the shorter last batch: one sequence, s = 8
    assert position.max == 0 and "<b>s = 8</b>" in label.value


def test_temperature_preset(seq):
    seq.controls["dataset"].value = "temperatures"
    seq.controls["seq_len"].value = 30
    assert "n_S = N − n_E = 1461 − 30 = 1431" in seq.source.value
    assert "vega_datasets" in seq.source.value
    assert seq.controls["n_s"].disabled and seq.controls["n_x"].disabled
    seq.controls["batch"].value = 10
    s = seq.model.sample
    _, temps = load_min_temperatures()
    chart = seq.windows
    assert chart in seq.example.children
    np.testing.assert_array_equal(chart.window_line.x, np.arange(s, s + 30))
    np.testing.assert_array_equal(chart.window_line.y, temps[s : s + 30])
    assert chart.target_dot.x[0] == s + 30 and chart.target_dot.y[0] == temps[s + 30]
    np.testing.assert_array_equal(chart.series_line.y, temps)  # all 1461 days behind it


def test_sizes_the_data_fixes_are_off_and_say_why(seq):
    n_s, n_x = seq.controls["n_s"], seq.controls["n_x"]
    assert not n_s.disabled and n_s.readout and seq.fixed_note.value == ""
    seq.controls["dataset"].value = "reviews"
    assert n_s.disabled and not n_s.readout  # no stale 10 beside the 16 reviews
    assert not n_x.disabled and n_x.readout  # the embedding's width: still the learner's
    assert "n_S = 16 (the reviews)" in seq.fixed_note.value
    assert "that slider is off" in seq.fixed_note.value
    seq.controls["dataset"].value = "temperatures"
    assert n_s.disabled and n_x.disabled
    note = seq.fixed_note.value
    assert "n_S = 1449 (the windows) and n_X = 1 (one temperature a day)" in note
    assert "those sliders are off" in note
    # a forced move of a switched-off slider is refused, and the kept value stays
    n_s.set_state({"value": 30})
    assert seq.banner.text == "n_S is switched off here; 30 was refused."
    assert seq.model.n_s == 10 and n_s.value == 10
    seq.controls["dataset"].value = "signals"
    assert not n_s.disabled and n_s.readout and seq.fixed_note.value == ""
    assert seq.model.data.X.shape[0] == 10  # switching back restores the learner's n_S


def test_review_preset_shows_tokens(seq):
    seq.controls["dataset"].value = "reviews"
    seq.controls["seq_len"].value = 5
    assert "class='cut'" in seq.tokens.value  # truncation shown
    assert "padded with <code>&lt;pad&gt;</code> to n_E = 5 tokens" in seq.source.value
    seq.controls["seq_len"].value = 14
    assert "&lt;pad&gt;<sub>0</sub>" in seq.tokens.value  # padding shown
    # one row a review of the batch, headed by its s; the sequence shown in bold
    seq.controls["position"].value = 2
    r = seq.model.data.reviews
    assert seq.tokens.value.count("<th scope='row'>") == 4
    assert "<th scope='row'><strong>2</strong></th>" in seq.tokens.value
    assert f"<th scope='row'>1</th><td>{int(r.labels[1])}</td>" in seq.tokens.value


def test_many_to_one_reads_the_last_hidden_state(seq):
    assert "output[:, -1, :] equals h_n[-1]" in seq.many_to_one.value
    assert f"nn.Linear({seq.model.hidden_size}, 1)" in seq.many_to_one.value
    assert seq.output.values.shape == (seq.model.seq_len, seq.model.hidden_size)
    # each sequence of the batch: its prediction to 3 decimals, its target to 2, as on screen
    prediction, targets = seq.model.feed().prediction, seq.model.data.targets
    for s in range(4):
        assert (f"<th scope='row'>{s}</th><td>{float(prediction[s]):+.3f}</td>"
                f"<td>{float(targets[s]):+.2f}</td>") in seq.many_to_one.value
    assert "<th scope='col'>target: next value</th>" in seq.many_to_one.value
    seq.controls["dataset"].value = "temperatures"
    assert "<th scope='col'>target: next day (°C)</th>" in seq.many_to_one.value


def test_layouts_table_has_the_shapes_of_the_three_ways(seq):
    value = seq.layouts.value  # b_S = 4, n_E = 12, n_X = 3, H = 8
    assert ("<th scope='row'>batched, <code>batch_first=True</code></th><td>(4, 12, 3)</td>"
            "<td>(4, 12, 8)</td><td>(1, 4, 8)</td><td>(1, 4, 8)</td>") in value
    assert ("<th scope='row'>unbatched X<sup>&lt;s&gt;</sup></th><td>(12, 3)</td>"
            "<td>(12, 8)</td><td>(1, 8)</td><td>(1, 8)</td>") in value
    assert ("<th scope='row'>batched, <code>batch_first=False</code></th><td>(12, 4, 3)</td>"
            "<td>(12, 4, 8)</td><td>(1, 4, 8)</td><td>(1, 4, 8)</td>") in value


def test_forced_values_are_refused(seq):
    seq.controls["seq_len"].set_state({"value": 10**9})
    assert seq.banner.text == "n_E must be from 1 to 200; 1000000000 was refused."
    seq.controls["dataset"].set_state({"index": -1})
    assert seq.banner.text == "data: choose one of the 4 options; -1 was refused."
    assert seq.model.dataset == "signals" and seq.model.seq_len == 12


def test_page_two_defines_the_lstm_words_it_uses_before_page_three(seq):
    """H, nn.LSTM, output, h_n, c_n and many-to-one are each defined on the page that uses
    them: H and the LSTM's tensors in the notation table with live sizes, the rest in words."""
    seq.controls["hidden_size"].value = 6
    seq.controls["batch_size"].value = 3
    table = seq.notation.value
    assert "<th scope='row'>H</th><td></td><td>the hidden size: units of the LSTM = 6" in table
    assert "<th scope='row'>output</th><td>(b_S, n_E, H) = (3, 12, 6)</td>" in table
    assert "<th scope='row'>h_n, c_n</th><td>(1, b_S, H) = (1, 3, 6) each</td>" in table
    # the shapes the table promises are the live module's
    run = seq.model.feed()
    assert tuple(run.output.shape) == (3, 12, 6)
    page = "".join(getattr(w, "value", "") for w in seq.children if isinstance(w, ipw.HTML))
    for words in ("<b>hidden state</b>", "<b>cell state</b>", "<b>Many-to-one</b>",
                  "<code>nn.LSTM(input_size=n_X, hidden_size=H)</code>",
                  "<code>(h_n, c_n)</code>"):
        assert words in page, words


def test_elements_count_from_one_wherever_they_are_drawn(seq):
    """One convention: e from 1 on every axis, read-out and table; tensor indices from 0,
    with the row e − 1 said beside e."""
    seq.controls["element"].value = 5
    for heatmap in (seq.sequence, seq.output):
        labels = heatmap._y_axis.tick_labels
        assert labels and all(int(v) == int(k) + 1 for k, v in labels.items())
        assert heatmap._y_axis.label == "element e"
    seq.sequence.hover(0.0, 4.0)  # row 4: element 5
    assert seq.sequence.hover_readout.readout.value.startswith(
        "element e 5 (row 4), column 0:")
    s = seq.model.sample
    assert f"element e = 5 of sequence {s}: [" in seq.notation.value
    assert f"X[{s}, 4]" in seq.notation.value
    assert "element e = 5, row e − 1 = 4" in seq.highlight_legend.value
    # the x-axis of the unfolded tensor keeps the tensor's column, and says how e maps to it
    assert seq.tensor._x_axis.label == "column (e − 1)·n_X + k"
