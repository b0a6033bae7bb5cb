"""Presets from the URL: the nearest valid state, and a sentence for every bad parameter."""

import pytest

from widgets import LSTMExplorer
from widgets.lstm_math import LIMITS, SYMBOLS
from widgets.presets import parse_preset, to_query


def test_good_values_are_read():
    p = parse_preset("?n_x=5&hidden_size=8&seq_len=12&batch_size=2&seed=3", LIMITS, SYMBOLS)
    assert p.values == {"n_x": 5, "hidden_size": 8, "seq_len": 12, "batch_size": 2, "seed": 3}
    assert p.problems == []


def test_the_login_token_is_not_a_setting():
    """A classroom link is /voila/render/lstm_explorer.ipynb?token=...&hidden_size=12."""
    p = parse_preset("token=abc123&hidden_size=12", LIMITS, SYMBOLS)
    assert p.values == {"hidden_size": 12}
    assert p.problems == []


@pytest.mark.parametrize(("query", "values", "problem"), [
    ("hidden_size=1000", {"hidden_size": 256}, "H=1000 is outside 1 to 256; using 256."),
    ("seq_len=-3", {"seq_len": 1}, "n_E=-3 is outside 1 to 200; using 1."),
    ("n_x=abc", {}, "n_X='abc' is not a whole number; it was ignored."),
    ("n_x=2.5", {}, "n_X='2.5' is not a whole number; it was ignored."),
    ("colour=red", {}, "'colour' is not a setting here; it was ignored."),
    ("n_x=", {}, "n_X='' is not a whole number; it was ignored."),
    ("%%%&&&=", {}, "'%%%' is not a setting here; it was ignored."),
])
def test_bad_values_are_named_not_dropped(query, values, problem):
    p = parse_preset(query, LIMITS, SYMBOLS)
    assert p.values == values
    assert p.problems == [problem]


def test_huge_and_many_parameters_do_not_hurt():
    p = parse_preset("hidden_size=" + "9" * 5000, LIMITS, SYMBOLS)
    assert p.values == {"hidden_size": 256}
    assert len(p.problems[0]) < 100  # the message quotes it short
    many = parse_preset("&".join(f"x{k}=1" for k in range(500)), LIMITS, SYMBOLS)
    assert many.values == {} and "too many parameters" in many.problems[0]


def test_round_trip():
    values = {"n_x": 7, "hidden_size": 12, "seq_len": 30, "batch_size": 3, "seed": 9}
    assert parse_preset(to_query(values), LIMITS, SYMBOLS).values == values


def test_explorer_starts_from_the_preset():
    e = LSTMExplorer(preset="n_x=7&hidden_size=12&seq_len=20&batch_size=3&seed=3&step=4&unit=5"
                            "&sample=2")
    m = e.model
    assert (m.n_x, m.hidden_size, m.seq_len, m.batch_size, m.seed) == (7, 12, 20, 3, 3)
    assert (m.step, m.unit, m.sample) == (4, 5, 2)
    assert e.heatmaps["weight_ih_l0"].title.endswith("= (48 × 7)")
    assert e.message == ""
    assert e.query == ("?n_x=7&hidden_size=12&seq_len=20&batch_size=3&seed=3&sample=2&step=4"
                       "&unit=5")
    assert "Link to this view" in e.link.value and "step=4" in e.link.value


def test_explorer_reports_a_bad_preset_and_uses_the_nearest_state():
    e = LSTMExplorer(preset="hidden_size=999&seq_len=5&step=9&n_x=abc")
    m = e.model
    assert m.hidden_size == 256 and m.seq_len == 5 and m.step == 5 and m.n_x == 5
    assert "H=999 is outside 1 to 256; using 256." in e.message
    assert "n_X='abc' is not a whole number" in e.message
    assert "step=9 is outside 1 to 5 for these sizes; using 5." in e.message


def test_the_link_follows_the_view():
    e = LSTMExplorer()
    e.controls["step"].value = 6
    assert "step=6" in e.query and "step=6" in e.link.value
