"""A learner's typed answer: read as a shape, a number or a choice, and never an exception.

The readers are fuzzed with Hypothesis (any text, any Python value a page could hand over),
and what they print reads back as what it was.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from widgets.state.mlp_model import MLPModel
from widgets.state.question_answers import (
    MAX_CHARS,
    NUMBER_HINT,
    SHAPE_HINT,
    format_number,
    format_shape,
    read_choice,
    read_number,
    read_shape,
)
from widgets.state.questions import judge, load_bank

# what a learner's box, or a page's bug, could hand over
ANYTHING = st.one_of(st.text(max_size=300), st.binary(max_size=300), st.none(), st.booleans(),
                     st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                     st.lists(st.integers(), max_size=4), st.dictionaries(st.text(), st.text()))
# text made mostly of what shapes and numbers are made of, so the readers' inner paths run
PIECES = [*"0123456789 ,.()[]xX×*-+e/≈~−_hnH", "torch.Size(", "Size(", "h_n[", "about ", "1e999"]
TYPED = st.lists(st.sampled_from(PIECES), max_size=25).map("".join)


@pytest.mark.parametrize("typed", ["(8, 5)", "(8,5)", "8 x 5", "8x5", "8 × 5", "8*5", "[8, 5]",
                                   "8, 5", "8 5", " ( 8 , 5 ) ", "torch.Size([8, 5])",
                                   "Size([8, 5])", "(8, 5,)"])
def test_a_shape_reads_however_it_is_typed(typed):
    assert read_shape(typed) == ((8, 5), "")


@pytest.mark.parametrize(("typed", "shape"), [("(8,)", (8,)), ("8", (8,)), ("[8]", (8,)),
                                              ("()", ()), ("torch.Size([])", ()),
                                              ("(1, 4, 16)", (1, 4, 16))])
def test_one_dimension_and_none(typed, shape):
    assert read_shape(typed) == (shape, "")


@pytest.mark.parametrize("typed", ["", "   ", "garbage", "(8, 5", "8,,5", "(-8, 5)", "(8.5, 2)",
                                   "(4H, n_X)", "((8, 5))", "8 x", "x 5", "(1,2,3,4,5,6,7,8,9)",
                                   "(99999999999, 1)", "8" * (MAX_CHARS + 1), None, 8.5,
                                   b"\xff\xfe", ["8", "5"], True])
def test_anything_else_is_not_a_shape_and_says_how_to_type_one(typed):
    assert read_shape(typed) == (None, SHAPE_HINT)
    assert SHAPE_HINT == "not a shape I can read: type it like (8, 5)"


@pytest.mark.parametrize(("typed", "value"), [("0.25", 0.25), ("-2", -2.0), ("1e-3", 0.001),
                                              (".5", 0.5), ("1/4", 0.25), ("≈ 1", 1.0),
                                              ("~0.99", 0.99), ("about 1", 1.0), ("−3", -3.0),
                                              (" 32 ", 32.0), (7, 7.0), (b"12", 12.0)])
def test_a_number_reads(typed, value):
    assert read_number(typed) == (pytest.approx(value), "")


@pytest.mark.parametrize("typed", ["", "one", "1,5", "1/0", "nan", "inf", "1e999", "0x10",
                                   "1 2", "--1", "1e", None, float("nan"), float("inf")])
def test_anything_else_is_not_a_number(typed):
    value, problem = read_number(typed)
    assert value is None and problem.startswith(NUMBER_HINT)


def test_a_comma_is_refused_rather_than_guessed():
    assert read_number("1,5")[1] == NUMBER_HINT + " (with a point, not a comma)"


def test_a_choice_reads_in_any_case_or_by_its_start():
    options = ("grows", "shrinks")
    assert read_choice("Grows", options) == ("grows", "")
    assert read_choice("  SHRINKS. ", options) == ("shrinks", "")
    assert read_choice("grow", options) == ("grows", "")
    assert read_choice("g", options)[0] is None  # too short to be sure of
    assert read_choice("stays", options) == (None, "not one of the choices: grows, shrinks")
    assert read_choice("bit", ("bit for bit", "only close")) == ("bit for bit", "")
    assert read_choice("no", ("yes", "no")) == ("no", "")


def test_rows_take_python_s_negative_index():
    rows = ("0", "1", "2", "3")
    assert read_choice("-2", rows) == ("2", "")
    assert read_choice("h_n[-1]", rows) == ("3", "")
    assert read_choice("4", rows)[0] is None and read_choice("-5", rows)[0] is None


@settings(max_examples=400, deadline=None)
@given(st.one_of(ANYTHING, TYPED))
def test_the_readers_never_raise(typed):
    for reader in (read_shape, read_number):
        value, problem = reader(typed)
        assert (value is None) != (problem == "")
    value, problem = read_choice(typed, ("grows", "shrinks"))
    assert value in (None, "grows", "shrinks") and (value is None) != (problem == "")
    value, _ = read_choice(typed, ("0", "1", "2"))
    assert value in (None, "0", "1", "2")


@given(st.lists(st.integers(0, 10**6), max_size=6))
def test_a_printed_shape_reads_back(dims):
    assert read_shape(format_shape(dims)) == (tuple(dims), "")


@given(st.floats(-1e6, 1e6, allow_nan=False))
def test_a_printed_number_reads_back_to_its_figures(value):
    read, problem = read_number(format_number(value, 6))
    assert problem == "" and read == pytest.approx(value, rel=1e-5, abs=1e-12)


MODEL = MLPModel()
QUESTIONS = load_bank().questions("1_mlp")


@settings(max_examples=150, deadline=None)
@given(st.one_of(ANYTHING, TYPED))
def test_judging_whatever_is_typed_never_raises(typed):
    for q in QUESTIONS:
        verdict = judge(q, MODEL, typed)
        assert verdict.right in (True, False, None)
        assert (verdict.right is None) == bool(verdict.problem)
        assert verdict.expected == verdict.expected and verdict.reason
