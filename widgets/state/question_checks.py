"""The fixed set of checks a question file may name, each a function of the live model.

A question names one check and its arguments; the check reads the answer from the page's
live model (``question_facts``) and says why in a sentence. The set is closed: a file cannot
add one, and its arguments are names the page's vocabulary knows, so a question file is data
and never code.

- ``shape_of``: the shape of a named tensor, e.g. ``layer1.weight`` -> (8, 5)
- ``size_of``: one size of a named tensor, e.g. the rows of ``weight_ih_l0`` -> 4H
- ``number``: a named quantity, e.g. ``n_s`` or gate f of unit j at the step shown
- ``choice``: the option a named rule decides, e.g. "grows" or "shrinks" for unit j's c
- ``compare``: whether one quantity is below (or above) another, e.g. the plain RNN's
  validation error against the memoryless yardstick's
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .question_answers import format_number, format_shape
from .question_facts import NotReadyError, Vocabulary

__all__ = ["CHECKS", "KINDS", "Check"]

KINDS = ("shape", "number", "choice")
OPERATORS = {"<": (operator.lt, "below"), "<=": (operator.le, "at most"),
             ">": (operator.gt, "above"), ">=": (operator.ge, "at least")}
YES_NO = ("yes", "no")


@dataclass(frozen=True)
class Check:
    """One check: the kind of answer it gives, the JSON Schema of its arguments on a page,
    the answer and its reason read from the live model, and a choice's options."""

    kind: str
    arguments: Callable[[Vocabulary], dict]
    answer: Callable[[Vocabulary, Mapping, Any], tuple[Any, str]]
    options: Callable[[Vocabulary, Mapping, Any], tuple[str, ...]] | None = None
    static_options: Callable[[Vocabulary, Mapping], tuple[str, ...] | None] | None = None


def _object(properties: dict, required: tuple[str, ...]) -> dict:
    return {"type": "object", "properties": properties, "required": list(required),
            "additionalProperties": False}


def _names(names) -> dict:
    return {"type": "string", "enum": sorted(names)}


def _numeric(vocab: Vocabulary) -> list[str]:
    return [name for name, q in vocab.quantities.items() if q.numeric]


def _shape_of_live(vocab: Vocabulary, name: str, live) -> tuple[int, ...]:
    t = vocab.tensors[name](live)
    return tuple(int(d) for d in (t if isinstance(t, tuple) else t.shape))


# --- shape_of, size_of --------------------------------------------------------------------
def _shape_of(vocab: Vocabulary, args: Mapping, live) -> tuple[tuple[int, ...], str]:
    shape = _shape_of_live(vocab, args["tensor"], live)
    return shape, f"On the live model, {args['tensor']} has the shape {format_shape(shape)}."


def _size_of(vocab: Vocabulary, args: Mapping, live) -> tuple[int, str]:
    name, dim = args["tensor"], args.get("dim", 0)
    shape = _shape_of_live(vocab, name, live)
    if not -len(shape) <= dim < len(shape):
        raise NotReadyError(f"{name} has {len(shape)} dimension(s) here, so no dimension {dim}.")
    size = shape[dim]
    what = "rows" if dim in (0, -len(shape)) else f"entries along dimension {dim}"
    return size, (f"On the live model, {name} has the shape {format_shape(shape)}: "
                  f"{size} {what}.")


def _tensor_arguments(vocab: Vocabulary) -> dict:
    return _object({"tensor": _names(vocab.tensors)}, ("tensor",))


def _size_arguments(vocab: Vocabulary) -> dict:
    return _object({"tensor": _names(vocab.tensors),
                    "dim": {"type": "integer", "minimum": -8, "maximum": 7}}, ("tensor",))


# --- number -------------------------------------------------------------------------------
def _number(vocab: Vocabulary, args: Mapping, live) -> tuple[float, str]:
    quantity = vocab.quantities[args["quantity"]]
    value = float(quantity.read(live))
    return value, f"On the live model, {quantity.label} is {format_number(value)}."


def _number_arguments(vocab: Vocabulary) -> dict:
    return _object({"quantity": _names(_numeric(vocab)),
                    "tolerance": {"type": "number", "minimum": 0, "maximum": 1e6}},
                   ("quantity",))


# --- choice -------------------------------------------------------------------------------
def _choice(vocab: Vocabulary, args: Mapping, live) -> tuple[str, str]:
    return vocab.rules[args["rule"]].decide(live)


def _choice_options(vocab: Vocabulary, args: Mapping, live) -> tuple[str, ...]:
    return vocab.rules[args["rule"]].live_options(live)


def _choice_static(vocab: Vocabulary, args: Mapping) -> tuple[str, ...] | None:
    options = vocab.rules[args["rule"]].options
    return None if callable(options) else options


def _choice_arguments(vocab: Vocabulary) -> dict:
    return _object({"rule": _names(vocab.rules)}, ("rule",))


# --- compare ------------------------------------------------------------------------------
def _compare(vocab: Vocabulary, args: Mapping, live) -> tuple[str, str]:
    left, right = vocab.quantities[args["left"]], vocab.quantities[args["right"]]
    test, words = OPERATORS[args.get("op", "<")]
    scale = args.get("scale", 1)
    a, b = float(left.read(live)), float(right.read(live))
    holds = bool(test(a, scale * b))
    yes, no = args.get("options", YES_NO)
    against = (f"{right.label}, {b:.3g}" if scale == 1 else
               f"{format_number(scale)} × {right.label} = {format_number(scale)} × {b:.3g} "
               f"= {scale * b:.3g}")
    return (yes if holds else no), (f"On the live model, {left.label} is {a:.3g}: "
                                    f"{'' if holds else 'not '}{words} {against}.")


def _compare_options(_vocab: Vocabulary, args: Mapping, _live=None) -> tuple[str, ...]:
    return tuple(args.get("options", YES_NO))


def _compare_arguments(vocab: Vocabulary) -> dict:
    numeric = _names(_numeric(vocab))
    word = {"type": "string", "minLength": 1, "maxLength": 40}
    return _object({"left": numeric, "right": numeric, "op": {"enum": list(OPERATORS)},
                    "scale": {"type": "number", "exclusiveMinimum": 0, "maximum": 1e6},
                    "options": {"type": "array", "items": word, "minItems": 2,
                                "maxItems": 2}},
                   ("left", "right"))


CHECKS = {
    "shape_of": Check("shape", _tensor_arguments, _shape_of),
    "size_of": Check("number", _size_arguments, _size_of),
    "number": Check("number", _number_arguments, _number),
    "choice": Check("choice", _choice_arguments, _choice, _choice_options, _choice_static),
    "compare": Check("choice", _compare_arguments, _compare, _compare_options,
                     _compare_options),
}

