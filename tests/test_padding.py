"""Padded against packed: reviews of different lengths through one nn.LSTM, and the page's section.

The ground truth is built here, not taken from the module: the lengths from the tokens, and a
freshly seeded nn.LSTM run on each review alone, unbatched, without its pads.
"""

import dataclasses
import re

import numpy as np
import pytest
import torch
from torch import nn

from tests.test_untrusted_input import _update
from tests.widget_state import by_class, classes
from widgets import SequenceExplorer
from widgets.dashboards.padding_text import padding_html
from widgets.maths.corpus import REVIEWS
from widgets.maths.padding import PAD_ATOL, build_lstm, compare, review_lengths, run_padding
from widgets.maths.sequence import PAD, make_dataset, tokenize

WORDS = [len(tokenize(text)) for text, _ in REVIEWS]  # 7 to 12 words


def _truth(n_x, H, seed, bidirectional, x, lengths):
    """Each review alone, unbatched and without pads, through a freshly seeded LSTM."""
    torch.manual_seed(seed)
    lstm = nn.LSTM(n_x, H, batch_first=True, bidirectional=bidirectional)
    with torch.no_grad():
        padded = lstm(x)
        alone = [lstm(x[s, :n]) for s, n in enumerate(lengths)]
    return padded, [out for out, _ in alone], [h for _, (h, _) in alone]


def _close(a, b) -> bool:
    return torch.allclose(torch.as_tensor(a), torch.as_tensor(b), rtol=0, atol=PAD_ATOL)


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("seq_len", [4, 9, 11, 12, 30])
@pytest.mark.parametrize(("hidden_size", "first", "batch_size"), [(1, 0, 16), (6, 4, 5),
                                                                  (17, 12, 4)])
def test_every_claim_holds_against_each_review_alone(bidirectional, seq_len, hidden_size,
                                                      first, batch_size):
    n_x, seed = 3, seq_len + hidden_size
    data = make_dataset("reviews", 16, seq_len, n_x, seed)
    x = data.X[first : first + batch_size]
    tokens = data.reviews.tokens[first : first + batch_size]
    lengths = [sum(t != PAD for t in row) for row in tokens]
    # a review truncated to n_E has length n_E; the others their own number of words
    assert lengths == [min(w, seq_len) for w in WORDS[first : first + batch_size]]
    run = run_padding(build_lstm(n_x, hidden_size, seed, bidirectional), x,
                      review_lengths(data.reviews.ids[first : first + batch_size]))
    assert run.lengths.tolist() == lengths
    (out, (h_n, _)), alone_out, alone_h = _truth(n_x, hidden_size, seed, bidirectional, x,
                                                 lengths)
    H, D = hidden_size, 2 if bidirectional else 1
    assert run.padded_output.shape == (len(x), seq_len, D * H)
    assert run.packed_h_n.shape == run.padded_h_n.shape == (D, len(x), H)
    np.testing.assert_array_equal(run.padded_output, out.numpy())  # the same LSTM, padded
    np.testing.assert_array_equal(run.padded_h_n, h_n.numpy())
    padded = np.array(lengths) < seq_len
    assert run.padded.tolist() == padded.tolist()
    assert padded.any() == (seq_len > min(WORDS[first : first + batch_size]))
    for s, n in enumerate(lengths):
        # packed: each review's own states, to its last word, zeros after; h_n at that word
        assert _close(run.packed_output[s, :n], alone_out[s])
        assert not run.packed_output[s, n:].any()
        assert _close(run.packed_h_n[:, s], alone_h[s])
        # padded, forward: the pads come after the last word, so up to it nothing changes
        assert _close(run.padded_output[s, :n, :H], alone_out[s][:, :H])
        # the page's first check: packed h_n (forward) is the padded output at length - 1
        assert _close(run.packed_h_n[0, s], run.padded_output[s, n - 1, :H])
        # the pitfall: output[:, -1] is the review's last state only if no pad was read
        assert _close(run.padded_output[s, -1, :H], alone_h[s][0]) == (not padded[s])
        if bidirectional:
            # padded, backward: the pads were read first, so even at the last word it is off
            assert _close(run.padded_output[s, n - 1, H:], alone_out[s][n - 1, H:]) == (
                not padded[s])
    # the run's own verdicts say the same
    assert run.forward_at_length.holds() and run.packed_vs_alone.holds()
    assert run.padded_forward_vs_alone.holds()
    assert run.last_vs_h_n.close.tolist() == (~padded).tolist() and run.pitfall_shown
    if bidirectional:
        assert run.backward_at_length.close.tolist() == (~padded).tolist()
        assert run.padded_backward_vs_alone.close.tolist() == (~padded).tolist()
        assert run.backward_shown
    else:
        assert run.backward_at_length is None and run.padded_backward_vs_alone is None
    # "bit for bit" is claimed only where torch.equal holds on these very tensors
    equal = all(torch.equal(torch.from_numpy(run.packed_h_n[0, s]),
                            torch.from_numpy(run.padded_output[s, n - 1, :H]))
                for s, n in enumerate(lengths))
    assert (run.forward_at_length.how() == "torch.equal") == equal


def test_a_wrong_mapping_is_caught():
    data = make_dataset("reviews", 16, 12, 4, 0)
    x, ids = data.X[:8], data.reviews.ids[:8]
    lengths = review_lengths(ids)
    run = run_padding(build_lstm(4, 5, 0, True), x, lengths)
    _, _, alone_h = _truth(4, 5, 0, True, x, lengths.tolist())
    padded = lengths < 12
    assert padded.any() and not padded.all()
    # output[:, -1] taken for h_n: wrong exactly where a review was padded
    as_h_n = compare([torch.from_numpy(run.padded_output[s, -1, :5]) for s in range(8)],
                     [h[0] for h in alone_h])
    assert not as_h_n.holds() and as_h_n.close.tolist() == (~padded).tolist()
    # the backward half of output[:, -1] taken for the backward h_n: wrong for every review
    backward = compare([torch.from_numpy(run.packed_output[s, -1, 5:]) for s in range(8)],
                       [h[1] for h in alone_h])
    assert not backward.close.any()
    # the state one word past the last (index length, not length - 1): wrong where padded
    off_by_one = compare([torch.from_numpy(run.padded_output[s, min(n, 11), :5])
                          for s, n in enumerate(lengths)],
                         [torch.from_numpy(run.packed_h_n[0, s]) for s in range(8)])
    assert off_by_one.close.tolist() == (~padded).tolist()
    # lengths that ignore the pads: the packed run stops being each review's own
    blind = run_padding(build_lstm(4, 5, 0, True), x, np.full(8, 12))
    wrong = compare([torch.from_numpy(blind.packed_h_n[:, s]) for s in range(8)], alone_h)
    assert wrong.close.tolist() == (~padded).tolist()
    # and a run whose pitfall check were not borne out says so, in words and in the badge
    broken = dataclasses.replace(run, last_vs_h_n=compare(
        [torch.zeros(5)] * 8, [torch.zeros(5)] * 8))
    assert not broken.pitfall_shown
    html = padding_html(broken, data.reviews, 0, 0)
    assert "does NOT differ" in html and "badge-bad" in html


def test_compare_says_equal_only_when_bit_for_bit():
    a = torch.linspace(-1, 1, 6)
    assert compare([a], [a.clone()]).how() == "torch.equal"
    nudged = compare([a], [a + 1e-7 * torch.tensor([0, 0, 1.0, 0, 0, 0])])  # a[2] = -0.2
    assert nudged.how() == "torch.allclose" and nudged.holds()
    assert not compare([a], [a + 1e-3]).holds()


def test_the_forward_weights_are_the_pages_one_direction_lstm():
    one, both = build_lstm(3, 4, 7, False), build_lstm(3, 4, 7, True)
    for name, weight in one.state_dict().items():
        assert torch.equal(both.state_dict()[name], weight)
    assert "weight_ih_l0_reverse" in both.state_dict()


# --- the page -------------------------------------------------------------------------------------
@pytest.fixture
def page():
    return SequenceExplorer()


def test_the_section_is_for_the_reviews_only(page):
    section = by_class(page, "padding-section")
    assert not page.padding.shown and page.padding.layout.get_state()["display"] == "none"
    for dataset, shown in (("temperatures", False), ("reviews", True), ("signals", False)):
        page.controls["dataset"].value = dataset
        assert page.padding.shown == shown
        assert ("Padding, batch" in page.numbers_html()) == shown
        assert bool(section.value) == bool(page.padding.status.value) == shown
    page.controls["dataset"].value = "reviews"
    assert page.padding.layout.get_state()["display"] is None
    assert "output[:, -1]</code> is the state after reading the pads" in section.value


def _rows(html: str, caption: str) -> list[list[str]]:
    table = html.split(caption, 1)[1].split("</table>", 1)[0]
    return [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
            for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1])]


def test_the_section_follows_the_switch_and_the_batch(page):
    m = page.model
    page.controls["dataset"].value = "reviews"
    control = by_class(page, "ctl-bidirectional")
    body, status = page.padding.body, by_class(page, "padding-status")
    assert {"live-status", "sr-only"} <= set(classes(status))
    assert "backward" not in body.value and "backward" not in status.value
    control.value = "on"
    assert m.bidirectional == "on" and "bidirectional=on" in page.query
    assert "the backward direction at each review" in body.value
    assert "read the pads first" in status.value
    assert "packed output[s, length − 1, H:]" in page.numbers_html()
    page.controls["batch"].value = 2
    # each row: the review, its length and pads, and |Δ| measured here again
    H = m.hidden_size
    torch.manual_seed(m.seed)
    lstm = nn.LSTM(m.n_x, H, batch_first=True, bidirectional=True)
    rows = _rows(body.value, "Batch 2, padded against packed")
    assert [int(r[0]) for r in rows] == [8, 9, 10, 11]
    for row, s in zip(rows, range(8, 12), strict=True):
        n = sum(t != PAD for t in m.data.reviews.tokens[s])
        with torch.no_grad():
            out, _ = lstm(m.data.X[s:s + 1])
            _, (h, _) = lstm(m.data.X[s, :n])
        pads = m.seq_len - n
        assert row[1] == f"{n} ({pads} pad{'s' if pads > 1 else ''})" if pads else f"{n} (no pad)"
        assert row[2].count("&lt;pad&gt;") == pads
        diff = float((out[0, -1, :H] - h[0]).abs().max())
        assert float(row[5]) == pytest.approx(diff, rel=0.06, abs=1e-7)
        assert ("differs: read the pads" in row[6]) == (pads > 0)
        assert ("same" in row[6]) == (pads == 0)
    control.value = "off"
    assert "backward" not in body.value and m.bidirectional == "off"
    # every check holds at the defaults: words and an ok badge each
    assert body.value.count("badge-ok") == 3 and "NOT" not in body.value


@pytest.mark.parametrize(("state", "said"), [
    ({"index": 2}, "bidirectional: choose one of the 2 options; 2 was refused."),
    ({"index": "1"}, "bidirectional: choose one of the 2 options; '1' was refused."),
    ({"index": True}, "bidirectional: choose one of the 2 options; True was refused."),
    ({"value": "maybe"}, "bidirectional: the page may only move the value, not value."),
    ({"options": ["on", "off", "both"]},
     "bidirectional: the page may only move the value, not options."),
    ("on", "bidirectional: the page sent an update that is not a set of values; it was refused."),
])
def test_bad_values_over_the_websocket_get_a_sentence(page, state, said):
    page.controls["dataset"].value = "reviews"
    before = page.padding.body.value
    _update(page.padding.control, state)
    assert page.message == said
    assert page.model.bidirectional == "off" and page.padding.body.value == before
    _update(page.padding.control, {"index": 1})  # and the kernel still answers
    assert page.model.bidirectional == "on" and "backward" in page.padding.body.value


def test_a_link_with_a_bad_bidirectional_gets_a_sentence():
    page = SequenceExplorer(preset="dataset=reviews&bidirectional=True")
    assert page.model.bidirectional == "off"
    assert page.message.endswith("bidirectional='True' is not one of off, on; it was ignored.")
    with pytest.raises(Exception, match="bidirectional must be one of off, on; got 'yes'"):
        page.model.bidirectional = "yes"
    assert SequenceExplorer(preset="dataset=reviews&bidirectional=on").padding.control.value \
        == "on"
