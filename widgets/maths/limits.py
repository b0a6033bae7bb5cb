"""Settings checked the same way everywhere, with a plain sentence when refused: one value at
a time (``check_int``, ``check_float``), or a link's query string of them (``parse_preset``).

Nothing here knows of widgets or of the state models: a query is read against plain dicts of
limits and choices, and the state floor (``widgets.state.presets``) applies what it found.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs

import numpy as np

__all__ = ["PAGE_PARAMETERS", "Preset", "check_choice", "check_float", "check_int", "parse_preset",
           "short"]


def check_int(symbol: str, value, lo: int, hi: int) -> int:
    """Return ``value`` as an int if it is a whole number in [lo, hi], else raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{symbol} must be a whole number from {lo} to {hi}; got {value!r}.")
    if not lo <= value <= hi:
        raise ValueError(f"{symbol} must be from {lo} to {hi}; got {value}.")
    return int(value)


def check_choice(symbol: str, value, choices) -> str:
    """Return ``value`` if it is one of ``choices``, else raise ``ValueError`` with a sentence
    (the value echoed at most 24 characters long)."""
    if value not in choices:
        raise ValueError(f"{symbol} must be one of {', '.join(choices)}; got "
                         f"{short(str(value))!r}.")
    return value


def check_float(symbol: str, value, lo: float, hi: float) -> float:
    """Return ``value`` as a float if it is a finite number in [lo, hi], else raise ``ValueError``.

    Whole numbers are numbers too; NaN, infinities, booleans and strings are refused.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{symbol} must be a number from {lo:g} to {hi:g}; got {value!r}.")
    try:
        number = float(value)
    except OverflowError:  # an int of hundreds of digits
        raise ValueError(f"{symbol} must be from {lo:g} to {hi:g}; got a number of "
                         f"{len(str(abs(value)))} digits.") from None
    if not math.isfinite(number) or not lo <= number <= hi:
        raise ValueError(f"{symbol} must be from {lo:g} to {hi:g}; got {number!r}.")
    return number


# the server's own parameters, not settings: a classroom link carries ?token=... to log in
SERVER_PARAMETERS = frozenset({"token"})
# the page's own parameters, read by the page and not by its model: ?present=1 opens the
# presenter mode (``widgets.state.presets.presenter_section``)
PAGE_PARAMETERS = frozenset({"present"})


@dataclass
class Preset:
    values: dict[str, int | str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    raw: dict[str, str] = field(default_factory=dict)  # as written, for later sentences


def parse_preset(query: str | None, limits: dict[str, tuple[int, int] | None],
                 symbols: dict[str, str] | None = None,
                 choices: dict[str, tuple[str, ...]] | None = None) -> Preset:
    """Read the settings named in ``limits`` or ``choices`` from ``query`` (with or without '?').

    ``limits`` maps a whole-number setting to its inclusive (lo, hi), or to None when its range
    depends on other settings and is checked against the state later (``preset_model``); a
    setting whose bounds are floats (the learning rate) is read as a finite decimal number.
    ``choices`` maps a setting to the words it may be. Out of range: the nearest bound, with a
    note. Not a whole number, not one of the choices, or unknown: ignored, with a note. The
    last of repeated parameters wins.
    """
    preset = Preset()
    symbols = symbols or {}
    choices = choices or {}
    try:
        pairs = parse_qs((query or "").lstrip("?"), keep_blank_values=True, max_num_fields=50)
    except ValueError:
        preset.problems.append("The link has too many parameters; it was ignored.")
        return preset
    for name, raw_values in pairs.items():
        if not name or name in SERVER_PARAMETERS:
            continue  # '&&' or a bare '=' asks nothing; the token is Jupyter's login
        if name in PAGE_PARAMETERS and name not in limits and name not in choices:
            continue  # the page reads it itself
        raw = raw_values[-1].strip()
        label = symbols.get(name, name)
        if name in choices:
            if raw not in choices[name]:
                preset.problems.append(f"{label}={short(raw)!r} is not one of "
                                       f"{', '.join(choices[name])}; it was ignored.")
                continue
            preset.values[name] = preset.raw[name] = raw
            continue
        if name not in limits:
            preset.problems.append(f"'{short(name)}' is not a setting here; it was ignored.")
            continue
        if limits[name] is not None and isinstance(limits[name][0], float):
            if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?", raw):
                preset.problems.append(f"{label}={short(raw)!r} is not a number; "
                                       "it was ignored.")
                continue
            lo, hi = limits[name]
            number = float(raw)
            if not lo <= number <= hi:
                nearest = min(max(number, lo), hi)
                preset.problems.append(f"{label}={short(raw)} is outside {lo:g} to {hi:g}; "
                                       f"using {nearest:g}.")
                number = nearest
            preset.values[name], preset.raw[name] = number, raw
            continue
        if not re.fullmatch(r"[+-]?\d+", raw):
            preset.problems.append(f"{label}={short(raw)!r} is not a whole number; "
                                   "it was ignored.")
            continue
        digits = raw.lstrip("+-")
        # past a dozen digits only the sign matters, and int() refuses thousands of them
        value = int(raw) if len(digits) <= 12 else (-1 if raw.startswith("-") else 1) * 10**13
        if limits[name] is not None:
            lo, hi = limits[name]
            if value < lo or value > hi:
                nearest = min(max(value, lo), hi)
                preset.problems.append(f"{label}={short(raw)} is outside {lo} to {hi}; "
                                       f"using {nearest}.")
                value = nearest
        preset.values[name] = value
        preset.raw[name] = raw
    return preset


def short(text: str, most: int = 24) -> str:
    return text if len(text) <= most else text[:most] + "…"
