"""Presets from the URL: the nearest valid state, and a sentence for every bad parameter."""

from typing import ClassVar

import numpy as np
import pytest
import torch
from traitlets import Int, validate

from widgets import LSTMExplorer, MLPExplorer, SequenceExplorer, SequenceModel
from widgets.maths.limits import parse_preset
from widgets.maths.lstm import LIMITS, SYMBOLS
from widgets.maths.mlp import build_mlp
from widgets.maths.sequence import load_min_temperatures
from widgets.state.presets import preset_model, state_query, to_query
from widgets.state.settings_model import SettingsModel


def test_good_values_are_read():
    p = parse_preset("?n_x=5&hidden_size=8&seq_len=12&batch_size=2&seed=3", LIMITS, SYMBOLS)
    assert p.values == {"n_x": 5, "hidden_size": 8, "seq_len": 12, "batch_size": 2, "seed": 3}
    assert p.problems == []


def test_the_login_token_is_not_a_setting():
    """A classroom link is /voila/render/3_lstm_explorer.ipynb?token=...&hidden_size=12."""
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
    assert e.weights.titles()[0].endswith("= (48 × 7)")
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


# --- the parser's other kinds of parameter: words from a list, ranges that depend on others ---
CHOICES = {"dataset": ("signals", "temperatures", "reviews")}


@pytest.mark.parametrize(("query", "values", "problems"), [
    ("dataset=reviews", {"dataset": "reviews"}, []),
    ("dataset=weather", {},
     ["dataset='weather' is not one of signals, temperatures, reviews; it was ignored."]),
    ("dataset=Reviews", {},
     ["dataset='Reviews' is not one of signals, temperatures, reviews; it was ignored."]),
    ("dataset", {}, ["dataset='' is not one of signals, temperatures, reviews; it was ignored."]),
    ("dataset=" + "x" * 3000, {},
     [f"dataset='{'x' * 24}…' is not one of signals, temperatures, reviews; it was ignored."]),
])
def test_choices_are_words_from_a_list(query, values, problems):
    p = parse_preset(query, {}, choices=CHOICES)
    assert p.values == values
    assert p.problems == problems


def test_unbounded_whole_numbers_are_left_for_the_state_to_bound():
    p = parse_preset("step=-7&unit=" + "9" * 400 + "&sample=x", {"step": None, "unit": None,
                                                                 "sample": None})
    assert p.values == {"step": -7, "unit": 10**13}
    assert p.raw["unit"] == "9" * 400
    assert p.problems == ["sample='x' is not a whole number; it was ignored."]


# --- the MLP dashboard ---------------------------------------------------------------------------
def test_mlp_starts_from_the_preset():
    e = MLPExplorer(preset="?n_d=20&n_x=3&n1=4&n2=2&seed=7")
    m = e.model
    assert (m.n_d, m.n_x, m.n1, m.n2, m.seed) == (20, 3, 4, 2, 7)
    assert e.banner.text == ""
    assert e.heatmaps["A1"].title == "<b>A[1]</b> layer1.weight (n[1] × n_X) = (4 × 3)"
    assert e.heatmaps["y"].values.shape == (20, 2)
    assert [c.value for c in e.controls.values()] == [20, 3, 4, 2, 7]
    assert torch.equal(m.net[0].weight, build_mlp(3, 4, 2, 7)[0].weight)  # the seed applied
    assert e.query == "?n_d=20&n_x=3&n1=4&n2=2&seed=7"
    assert "Link to this view" in e.link.value and "n1=4" in e.link.value


@pytest.mark.parametrize(("query", "state", "sentences"), [
    ("n2=9&n_d=0", (1, 5, 8, 8, 0),
     ["n[2]=9 is outside 1 to 8; using 8.", "n_D=0 is outside 1 to 64; using 1."]),
    ("n1=two&n_x=4.0", (15, 5, 8, 1, 0),
     ["n[1]='two' is not a whole number; it was ignored.",
      "n_X='4.0' is not a whole number; it was ignored."]),
    ("step=3&hidden_size=4&n1=6", (15, 5, 6, 1, 0),
     ["'step' is not a setting here; it was ignored.",
      "'hidden_size' is not a setting here; it was ignored."]),
    ("seed=" + "7" * 5000, (15, 5, 8, 1, 2**31 - 1),
     [f"seed={'7' * 24}… is outside 0 to 2147483647; using 2147483647."]),
    ("n_x=-" + "9" * 40, (15, 1, 8, 1, 0), [f"n_X=-{'9' * 23}… is outside 1 to 32; using 1."]),
    ("%zz=1&&=&n1=%32", (15, 5, 2, 1, 0), ["'%zz' is not a setting here; it was ignored."]),
])
def test_mlp_reports_a_bad_preset_and_uses_the_nearest_state(query, state, sentences):
    e = MLPExplorer(preset=query)
    m = e.model
    assert (m.n_d, m.n_x, m.n1, m.n2, m.seed) == state
    assert e.banner.text == "This link asked for something out of reach: " + " ".join(sentences)
    assert e.heatmaps["A2"].values.shape == (state[3], state[2])  # built at the nearest state


def test_mlp_link_follows_the_controls_and_reopens_the_view():
    e = MLPExplorer()
    assert e.query == "?n_d=15&n_x=5&n1=8&n2=1&seed=0"
    e.controls["n1"].value = 12
    e.controls["seed"].value = 4
    assert e.query == "?n_d=15&n_x=5&n1=12&n2=1&seed=4"
    assert "n1=12&amp;n2=1&amp;seed=4" in e.link.value
    again = MLPExplorer(preset=e.query)
    assert again.query == e.query and again.banner.text == ""
    np.testing.assert_array_equal(again.heatmaps["A1"].values, e.heatmaps["A1"].values)
    e.controls["n2"].set_state({"value": 99})  # refused: the link keeps the state on screen
    assert e.query.endswith("n2=1&seed=4")


# --- the sequence-data dashboard -----------------------------------------------------------------
def _seq_state(m):
    return (m.dataset, m.n_s, m.seq_len, m.n_x, m.batch_size, m.hidden_size, m.seed, m.batch,
            m.position, m.element)


def test_sequence_starts_from_the_preset():
    query = ("?dataset=temperatures&n_s=10&seq_len=30&n_x=3&batch_size=5&hidden_size=6&seed=2"
             "&batch=40&position=3&element=7&bidirectional=off")
    e = SequenceExplorer(preset=query)
    m = e.model
    assert _seq_state(m) == ("temperatures", 10, 30, 3, 5, 6, 2, 40, 3, 7)
    assert e.banner.text == ""
    assert m.sample == 203 and m.data.X.shape == (1431, 30, 1)
    assert "batch 40: sequences 200 to 204" in e.notation.value
    assert e.controls["dataset"].value == "temperatures"
    assert e.controls["batch"].value == 40 and e.controls["batch"].max == 286
    assert e.controls["element"].value == 7 and e.controls["element"].max == 30
    _, temps = load_min_temperatures()
    np.testing.assert_array_equal(e.windows.window_line.y, temps[203:233])
    # off is left out of the link, and so are n_S and n_X, which the temperatures fix: the
    # learner's link named sizes the view did not have
    assert e.query == ("?dataset=temperatures&seq_len=30&batch_size=5&hidden_size=6&seed=2"
                       "&batch=40&position=3&element=7")
    assert "dataset=temperatures" in e.link.value and "n_s=" not in e.link.value
    again = SequenceExplorer(preset=e.query)  # the short link opens the same view
    assert again.query == e.query and again.model.sample == 203
    e.controls["dataset"].value = "signals"  # back to data that uses them: in the link again
    assert "&n_s=10&" in e.query and "&n_x=3&" in e.query


@pytest.mark.parametrize(("query", "changed", "sentences"), [
    # the dataset is a word from a list
    ("dataset=weather&seq_len=9", {"seq_len": 9},
     ["dataset='weather' is not one of signals, temperatures, reviews, csv; it was ignored."]),
    # out of range, wrong type, unknown, huge, malformed
    ("hidden_size=65&batch_size=0", {"hidden_size": 64, "batch_size": 1},
     ["H=65 is outside 1 to 64; using 64.", "b_S=0 is outside 1 to 16; using 1."]),
    ("n_x=three&element=2.5", {},
     ["n_X='three' is not a whole number; it was ignored.",
      "element='2.5' is not a whole number; it was ignored."]),
    ("sample=3&step=2", {},
     ["'sample' is not a setting here; it was ignored.",
      "'step' is not a setting here; it was ignored."]),
    ("seq_len=" + "5" * 900, {"seq_len": 200},
     [f"n_E={'5' * 24}… is outside 1 to 200; using 200."]),
    ("=&&%&n_s=%36", {"n_s": 6}, ["'%' is not a setting here; it was ignored."]),
    # ranges that depend on the other settings: 16 reviews make 4 batches of 4
    ("dataset=reviews&batch=10", {"dataset": "reviews", "batch": 3},
     ["batch=10 is outside 0 to 3 for these sizes; using 3."]),
    # 10 signals in batches of 4: the last batch holds 2
    ("batch=2&position=3", {"batch": 2, "position": 1},
     ["position=3 is outside 0 to 1 for these sizes; using 1."]),
    ("seq_len=5&element=6", {"seq_len": 5, "element": 5},
     ["element=6 is outside 1 to 5 for these sizes; using 5."]),
    ("element=-4&batch=" + "9" * 300, {"element": 1, "batch": 2},
     [f"batch={'9' * 24}… is outside 0 to 2 for these sizes; using 2.",
      "element=-4 is outside 1 to 12 for these sizes; using 1."]),
])
def test_sequence_reports_a_bad_preset_and_uses_the_nearest_state(query, changed, sentences):
    e = SequenceExplorer(preset=query)
    m = e.model
    expected = SequenceModel()
    for name, value in changed.items():
        setattr(expected, name, value)
    assert _seq_state(m) == _seq_state(expected)
    assert e.banner.text == "This link asked for something out of reach: " + " ".join(sentences)
    assert e.controls["batch"].value == m.batch and e.controls["position"].value == m.position


def test_sequence_keeps_settings_the_dataset_does_not_use():
    # a link this page made: n_X set on signals, then the temperatures chosen (one value a day)
    e = SequenceExplorer(preset="dataset=temperatures&n_x=5&n_s=30")
    assert e.banner.text == ""
    assert e.model.n_x == 5 and e.model.data.X.shape[-1] == 1
    assert e.controls["n_x"].value == 5 and e.controls["n_x"].disabled
    e.controls["dataset"].value = "signals"
    assert e.model.data.X.shape == (30, 12, 5)


def test_sequence_link_follows_the_controls_and_reopens_the_view():
    e = SequenceExplorer()
    e.controls["dataset"].value = "reviews"
    e.controls["batch"].value = 2
    e.controls["position"].value = 1
    e.controls["element"].value = 4
    e.padding.control.value = "on"
    # the reviews fix n_S (the corpus has its size): not in the link
    assert e.query == ("?dataset=reviews&seq_len=12&n_x=3&batch_size=4&hidden_size=8"
                       "&seed=0&batch=2&position=1&element=4&bidirectional=on")
    assert "batch=2&amp;position=1&amp;element=4&amp;bidirectional=on" in e.link.value
    e.controls["seq_len"].value = 3  # the element follows the shorter sequences, and the link
    assert "element=3" in e.query and "element=3" in e.link.value
    again = SequenceExplorer(preset=e.query)
    assert _seq_state(again.model) == _seq_state(e.model) and again.banner.text == ""
    assert again.tokens.value == e.tokens.value
    assert again.model.bidirectional == "on" and again.padding.body.value == e.padding.body.value


def test_a_given_model_is_configured_by_the_preset():
    model = SequenceModel(seq_len=20)
    e = SequenceExplorer(model=model, preset="dataset=reviews&element=18&batch=9")
    assert e.model is model and model.dataset == "reviews" and model.element == 18
    assert model.batch == 3
    assert e.banner.text.endswith("batch=9 is outside 0 to 3 for these sizes; using 3.")


class _Picky(SettingsModel):
    """A model that cannot be built at some sizes, as a model too large for memory."""

    size = Int(2)
    where = Int(0)
    SETTINGS = ("size",)
    INDEX_LABELS: ClassVar[dict[str, str]] = {"where": "The place"}

    @staticmethod
    def check(name, value):
        return value

    @validate("size")
    def _valid_setting(self, proposal):
        return self._validate_setting(proposal)

    @validate("where")
    def _valid_index(self, proposal):
        return self._validate_index(proposal)

    def index_range(self, name):
        return 0, self.size - 1

    def _rebuild(self):
        if self.size > 5:
            raise MemoryError("not enough memory for that size")


def test_a_state_that_cannot_be_built_falls_back_to_the_defaults():
    model, problems = preset_model(_Picky, "size=9&where=7", {"size": (1, 10)})
    assert (model.size, model.where) == (2, 1)
    assert problems == ["Could not build that view (MemoryError: not enough memory for that "
                        "size); showing the defaults.",
                        "where=7 is outside 0 to 1 for these sizes; using 1."]
    assert state_query(model) == "?size=2&where=1"
    given = _Picky(size=4)
    same, problems = preset_model(_Picky, "size=8", {"size": (1, 10)}, model=given)
    assert same is given and given.size == 4
    assert problems == ["Could not build that view (MemoryError: not enough memory for that "
                        "size); keeping the settings as they were."]


def test_a_built_explorer_moves_to_a_query_later():
    """Voila's preheated kernel builds the dashboard first; the student's query comes after."""
    e = LSTMExplorer()
    before = e.weights.png
    e.apply_preset("hidden_size=12&step=40&seed=4")
    m = e.model
    assert (m.hidden_size, m.seed, m.step) == (12, 4, 12)  # step clamped to n_E = 12
    assert e.weights.titles()[1].endswith("= (48 × 12)")
    assert e.weights.png != before
    assert "step=40 is outside 1 to 12" in e.message
    assert "hidden_size=12" in e.link.value and "step=12" in e.link.value
    e.apply_preset("")  # nothing asked: nothing changes
    assert m.hidden_size == 12


def test_the_other_dashboards_move_to_a_query_later():
    mlp = MLPExplorer()
    mlp.apply_preset("n_x=3&n1=99")
    assert mlp.model.n_x == 3 and "outside" in mlp.banner.text
    seq = SequenceExplorer()
    seq.apply_preset("dataset=reviews")
    assert seq.model.dataset == "reviews" and seq.banner.text == ""
    seq.apply_preset("dataset=stocks")
    assert seq.model.dataset == "reviews" and "stocks" in seq.banner.text


def _query_in_a_fresh_kernel(**env: str) -> list:
    """``widgets.query_string()`` in a new interpreter with ``env``: (the query, voila imported)."""
    import json
    import os
    import subprocess
    import sys

    code = ("import json, sys\nfrom widgets import query_string\n"
            "print(json.dumps([query_string(), 'voila' in sys.modules]))")
    clean = {k: v for k, v in os.environ.items() if k not in ("QUERY_STRING", "VOILA_PREHEAT")}
    done = subprocess.run([sys.executable, "-c", code], env={**clean, **env}, text=True,
                          capture_output=True, timeout=120, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def test_a_page_s_kernel_reads_its_query_without_importing_the_jupyter_server():
    """Voila gives a page's kernel its query in the environment; importing voila (the whole
    Jupyter server, 1.5 core-seconds) is left to a preheated kernel, which must wait for it."""
    assert _query_in_a_fresh_kernel(QUERY_STRING="hidden_size=8") == ["hidden_size=8", False]
    assert _query_in_a_fresh_kernel(QUERY_STRING="n_x=3", VOILA_PREHEAT="False") == ["n_x=3",
                                                                                      False]
    assert _query_in_a_fresh_kernel() == ["", False]  # JupyterLab
