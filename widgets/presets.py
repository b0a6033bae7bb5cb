"""Presets from a URL's query string, and the query string of a state: shareable views.

Nothing here knows of widgets. A bad value is not dropped silently: the nearest valid value is
used and a plain sentence says what was wrong.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode

__all__ = ["Preset", "parse_preset", "query_string", "to_query"]

# the server's own parameters, not settings: a classroom link carries ?token=... to log in
SERVER_PARAMETERS = frozenset({"token"})


@dataclass
class Preset:
    values: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def parse_preset(query: str | None, limits: dict[str, tuple[int, int]],
                 symbols: dict[str, str] | None = None) -> Preset:
    """Read whole-number settings named in ``limits`` from ``query`` (with or without '?').

    Out of range: the nearest bound, with a note. Not a whole number or unknown: ignored, with
    a note. The last of repeated parameters wins.
    """
    preset = Preset()
    symbols = symbols or {}
    try:
        pairs = parse_qs((query or "").lstrip("?"), keep_blank_values=True, max_num_fields=50)
    except ValueError:
        preset.problems.append("The link has too many parameters; it was ignored.")
        return preset
    for name, raw_values in pairs.items():
        if not name or name in SERVER_PARAMETERS:
            continue  # '&&' or a bare '=' asks nothing; the token is Jupyter's login
        raw = raw_values[-1].strip()
        label = symbols.get(name, name)
        if name not in limits:
            preset.problems.append(f"'{_short(name)}' is not a setting here; it was ignored.")
            continue
        lo, hi = limits[name]
        if not re.fullmatch(r"[+-]?\d+", raw):
            preset.problems.append(f"{label}={_short(raw)!r} is not a whole number; "
                                   "it was ignored.")
            continue
        digits = raw.lstrip("+-")
        # past a dozen digits only the sign matters, and int() refuses thousands of them
        value = int(raw) if len(digits) <= 12 else (-1 if raw.startswith("-") else 1) * 10**13
        if value < lo or value > hi:
            nearest = min(max(value, lo), hi)
            preset.problems.append(f"{label}={_short(raw)} is outside {lo} to {hi}; "
                                   f"using {nearest}.")
            value = nearest
        preset.values[name] = value
    return preset


def _short(text: str, most: int = 24) -> str:
    return text if len(text) <= most else text[:most] + "…"


def to_query(values: dict[str, int]) -> str:
    """'?n_x=5&hidden_size=8...' for a state, in the given order."""
    return "?" + urlencode(values)


def query_string() -> str:
    """The page's query string under Voila ('' elsewhere, e.g. in JupyterLab).

    With Voila's preheated kernels this waits for the student's request, which is what lets a
    preset apply to a kernel that was started before anyone asked for it.
    """
    try:
        from voila.utils import get_query_string
    except ImportError:
        return os.environ.get("QUERY_STRING", "")
    return get_query_string() or ""
