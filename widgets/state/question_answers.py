"""A learner's typed answer read as a shape, a number or one of a choice's options.

Every reader returns ``(value, problem)``: the value and "" when it reads, or None and a
sentence that says how to type it. No reader raises, whatever it is given: an answer comes
from a text box in a browser, so it may be empty, huge, another type, or not text at all.
Nothing here knows of the questions or of the models.
"""

from __future__ import annotations

import math
import re

__all__ = ["MAX_CHARS", "format_number", "format_shape", "read_choice", "read_number",
           "read_shape"]

MAX_CHARS = 200  # a longer answer is refused before it is looked at
MAX_DIMS = 8  # nn.LSTM's tensors have at most 3; a shape of more is a typing slip
MAX_DIM = 10**9  # a size no tensor on these pages comes near
SHAPE_HINT = "not a shape I can read: type it like (8, 5)"
NUMBER_HINT = "not a number I can read: type it like 0.25"

_DIM = re.compile(r"\d{1,10}")
# an optional "torch.Size(" or "Size(" around it, then brackets or none
_WRAPPER = re.compile(r"^(?:torch\s*\.\s*)?size\s*\((.*)\)$", re.IGNORECASE | re.DOTALL)
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d{1,3})?", re.IGNORECASE)


def _text(answer) -> str | None:
    """The answer as a stripped string of at most ``MAX_CHARS``, or None."""
    if isinstance(answer, bytes):
        try:
            answer = answer.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if isinstance(answer, bool) or not isinstance(answer, (str, int, float)):
        return None
    text = str(answer)
    if len(text) > MAX_CHARS:
        return None
    return text.strip()


def read_shape(answer) -> tuple[tuple[int, ...] | None, str]:
    """A shape from "(8, 5)", "8 x 5", "8×5", "[8, 5]", "8,5", "torch.Size([8, 5])", "(8,)",
    "8" or "()"; else None and how to type one."""
    try:
        text = _text(answer)
        if not text:  # nothing typed is not the empty shape: that is "()"
            return None, SHAPE_HINT
        wrapped = _WRAPPER.match(text)
        if wrapped:
            text = wrapped.group(1).strip()
        if len(text) >= 2 and (text[0], text[-1]) in (("(", ")"), ("[", "]")):
            text = text[1:-1].strip()
        if not text:
            return (), ""
        parts = re.split(r"\s*(?:,|[x×*])\s*|\s+", text, flags=re.IGNORECASE)
        if parts and parts[-1] == "" and "," in text:
            parts = parts[:-1]  # "(8,)": a one-dimensional shape's trailing comma
        if not parts or len(parts) > MAX_DIMS or not all(_DIM.fullmatch(p) for p in parts):
            return None, SHAPE_HINT
        shape = tuple(int(p) for p in parts)
        if any(d > MAX_DIM for d in shape):
            return None, SHAPE_HINT
        return shape, ""
    except Exception:  # a reader of learners' typing never raises
        return None, SHAPE_HINT


def read_number(answer) -> tuple[float | None, str]:
    """A finite number from "0.25", "-2", "1e-3", ".5", "1/4", "≈ 1" or "~1"; else None and
    how to type one (a comma is not taken for a decimal point: "1,5" is refused, not guessed)."""
    try:
        text = _text(answer)
        if text is None:
            return None, NUMBER_HINT
        text = re.sub(r"^(?:≈|~|about\s)\s*", "", text, flags=re.IGNORECASE).replace("−", "-")
        if "," in text:
            return None, NUMBER_HINT + " (with a point, not a comma)"
        if "/" in text:
            top, _, bottom = text.partition("/")
            (a, pa), (b, pb) = read_number(top), read_number(bottom)
            if pa or pb or b == 0:
                return None, NUMBER_HINT
            value = a / b
        elif _NUMBER.fullmatch(text):
            value = float(text)
        else:
            return None, NUMBER_HINT
        if not math.isfinite(value):
            return None, NUMBER_HINT
        return value, ""
    except Exception:
        return None, NUMBER_HINT


def _words(text: str) -> str:
    return " ".join(text.lower().strip("'\"`“”‘’ .!?").split())


def read_choice(answer, options: tuple[str, ...]) -> tuple[str | None, str]:
    """The option ``answer`` names: the option itself in any case and spacing, or the start
    of exactly one option (three letters at least, or the whole of a short one). Options that
    are all row numbers 0..R-1 also take Python's negative index: -1 is row R-1."""
    hint = "not one of the choices: " + ", ".join(options)
    try:
        text = _text(answer)
        if text is None or not options:
            return None, hint
        said = _words(text)
        if not said:
            return None, hint
        by_words = {_words(o): o for o in options}
        if said in by_words:
            return by_words[said], ""
        if [int(o) for o in options if re.fullmatch(r"\d+", o)] == list(range(len(options))):
            rows = len(options)
            index = said.removeprefix("h_n[").removesuffix("]")  # "h_n[-2]" as one writes it
            if re.fullmatch(r"-?\d{1,4}", index) and -rows <= int(index) < rows:
                return options[int(index) % rows], ""
            return None, hint
        starts = [o for w, o in by_words.items() if len(said) >= min(3, len(w))
                  and w.startswith(said)]
        if len(starts) == 1:
            return starts[0], ""
        return None, hint
    except Exception:
        return None, hint


def format_shape(shape) -> str:
    """A shape as Python prints a tuple: "(8, 5)", "(8,)", "()"."""
    dims = tuple(int(d) for d in shape)
    return "(" + ", ".join(map(str, dims)) + ("," if len(dims) == 1 else "") + ")"


def format_number(value: float, digits: int = 4) -> str:
    """A number as a learner types it: whole numbers without a point, others to ``digits``
    significant figures."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.{digits}g}"
