"""A question as data: the JSON Schema it must meet, and what is wrong with one, said with
the line of the question file it is on.

The schema is the fields of a question; each check's own arguments are checked by the
schema the check makes from the page's names (``Check.arguments``), so a tensor, a quantity
or a rule the page does not have is refused with the names it does have. The templates'
``{placeholders}`` must be the page's quantities with at most a number's format, never an
attribute or an index (``{n_x.__class__}``), and a fixed wrong answer must read as an answer
of the question's kind.

jsonschema is imported when the first question is checked, not with this module: importing it
takes about a second (its format checkers build a grammar), which a page that shows only how
many questions it has (``question_bank.count_questions``) need not pay.
"""

from __future__ import annotations

import functools
import math
import re
import string

import yaml

from .question_answers import read_choice, read_number, read_shape
from .question_checks import CHECKS
from .question_facts import Vocabulary

__all__ = ["SCHEMA", "label", "schema_problem", "templates_problem"]

# a number's format in a placeholder: "{c:.3f}", "{n:d}", "{x:>6.2f}"
_SPEC = re.compile(r"[<>^]?[+\- ]?\d{0,2}(?:\.\d{1,2})?[dfgeE%]?")

_ID = {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"}
_TEXT = {"type": "string", "minLength": 1, "maxLength": 600}
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["id", "prompt", "check", "args"],
    "additionalProperties": False,
    "properties": {
        "id": _ID,
        "prompt": _TEXT,
        "check": {"type": "string", "enum": list(CHECKS)},
        "args": {"type": "object"},
        "why": _TEXT,
        "wrong": {"type": "array", "maxItems": 12, "items": {
            "type": "object", "required": ["answer", "says"], "additionalProperties": False,
            "properties": {"answer": {"type": ["string", "number"], "maxLength": 100},
                           "says": _TEXT}}},
    },
}


@functools.cache
def _validator():
    import jsonschema

    return jsonschema.Draft202012Validator(SCHEMA)


def schema_problem(entry, node, vocab: Vocabulary) -> tuple[int, str] | None:
    """(line, sentence) of the first thing ``entry`` gets wrong against the schema and its
    check's arguments on ``vocab``'s page, or None; ``node`` is its YAML node, for lines."""
    import jsonschema

    error = jsonschema.exceptions.best_match(_validator().iter_errors(entry))
    if error is None:
        arguments = jsonschema.Draft202012Validator(CHECKS[entry["check"]].arguments(vocab))
        error = jsonschema.exceptions.best_match(arguments.iter_errors(entry["args"]))
        if error is not None:
            error.path.extendleft(["args"])
    if error is None:
        for name, value in entry["args"].items():  # NaN passes every bound a schema can set
            if isinstance(value, float) and not math.isfinite(value):
                line = _node_at(node, ("args", name))[0].start_mark.line + 1
                return line, f"args.{name} must be a finite number, not {value}"
        return None
    return _line_of(node, error), _sentence(error)


_TYPES = {"object": "a mapping of fields", "string": "text", "array": "a list",
          "number": "a number", "integer": "a whole number"}


def label(entry) -> str:
    """How a problem names the question: "question 'id': ", or '' before it has one."""
    if isinstance(entry, dict) and isinstance(entry.get("id"), str):
        return f"question {entry['id'][:64]!r}: "
    return ""


def _node_at(node, path) -> tuple:
    """The deepest (node, key node) along ``path`` (keys and indices) from ``node``."""
    key_node = None
    for step in path:
        if isinstance(node, yaml.MappingNode):
            found = [(k, v) for k, v in node.value if k.value == step]
            if not found:
                break
            key_node, node = found[0]
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            if step >= len(node.value):
                break
            key_node, node = None, node.value[step]
        else:
            break
    return node, key_node


def _line_of(node, error) -> int:
    at, _ = _node_at(node, error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(at, yaml.MappingNode):
        known = error.schema.get("properties", {})
        extra = [k for k, _ in at.value if k.value not in known]
        if extra:
            return extra[0].start_mark.line + 1
    return at.start_mark.line + 1


def _field(error) -> str:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return path.lstrip(".") or "the question"


def _sentence(error) -> str:
    """What a jsonschema error means, as a teacher would want it said."""
    where, value = _field(error), error.instance
    if error.validator == "required":
        missing = [k for k in error.validator_value if k not in error.instance]
        return f"{where} has no {missing[0]!r}" if missing else error.message
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return (f"unknown field {extra[0]!r} in {where} (the fields are "
                f"{', '.join(error.schema.get('properties', {}))})")
    if error.validator == "enum":
        what = "check" if where == "check" else where
        return (f"{what} {str(value)[:64]!r} is not one the project provides here; it must be "
                f"one of {', '.join(map(str, error.validator_value))}")
    if error.validator == "pattern":  # the id's
        return (f"{where} {str(value)[:64]!r} must be letters, digits, '-', '_' or '.', "
                "at most 64")
    if error.validator == "type":
        wanted = error.validator_value
        wanted = [wanted] if isinstance(wanted, str) else wanted
        return (f"{where} must be {' or '.join(_TYPES.get(w, w) for w in wanted)}, not "
                f"{str(value)[:40]!r}")
    return f"{where}: {error.message[:200]}"


def templates_problem(q, vocab: Vocabulary, node) -> tuple[int, str] | None:
    """Where a template names what the page does not have, or a fixed wrong answer is not
    an answer of the question's kind: (line, sentence), or None."""
    texts = [("prompt", q.prompt), ("why", q.why)]
    for k, w in enumerate(q.wrong):
        texts += [(("wrong", k, "answer"), w.answer), (("wrong", k, "says"), w.says)]
    for path, text in texts:
        line = _node_at(node, path if isinstance(path, tuple) else (path,))[0].start_mark.line
        try:
            fields = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(text)
                      if f is not None]
        except ValueError as err:
            return line + 1, f"{'.'.join(map(str, path)) if isinstance(path, tuple) else path}"\
                f" is not a template ({err}); write a brace as {{{{ or }}}}"
        for f, spec, conv in fields:
            if f not in vocab.quantities or conv or not _SPEC.fullmatch(spec or ""):
                known = ", ".join(vocab.quantities)
                return line + 1, (f"the placeholder {{{f}}} is not one of this page's: "
                                  f"{known} (with an optional format like :.3f)")
        if isinstance(path, tuple) and path[2] == "answer" and not fields:
            if not _reads_as(q, text):
                return line + 1, f"the wrong answer {text!r} is not a {q.kind} answer"
    return None


def _reads_as(q, text: str) -> bool:
    if q.kind == "shape":
        return read_shape(text)[0] is not None
    if q.kind == "number":
        return read_number(text)[0] is not None
    return q.options is None or read_choice(text, q.options)[0] is not None
