"""Presets from a URL's query string, and the query string of a state: shareable views.

Nothing here knows of widgets. A bad value is not dropped silently: the nearest valid value is
used and a plain sentence says what was wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode

__all__ = ["Preset", "parse_preset", "preset_message", "preset_model", "state_query",
           "to_query"]

# how the banner introduces what a link asked for and could not have
PRESET_INTRO = "This link asked for something out of reach: "

# the server's own parameters, not settings: a classroom link carries ?token=... to log in
SERVER_PARAMETERS = frozenset({"token"})


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
        raw = raw_values[-1].strip()
        label = symbols.get(name, name)
        if name in choices:
            if raw not in choices[name]:
                preset.problems.append(f"{label}={_short(raw)!r} is not one of "
                                       f"{', '.join(choices[name])}; it was ignored.")
                continue
            preset.values[name] = preset.raw[name] = raw
            continue
        if name not in limits:
            preset.problems.append(f"'{_short(name)}' is not a setting here; it was ignored.")
            continue
        if limits[name] is not None and isinstance(limits[name][0], float):
            if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?", raw):
                preset.problems.append(f"{label}={_short(raw)!r} is not a number; "
                                       "it was ignored.")
                continue
            lo, hi = limits[name]
            number = float(raw)
            if not lo <= number <= hi:
                nearest = min(max(number, lo), hi)
                preset.problems.append(f"{label}={_short(raw)} is outside {lo:g} to {hi:g}; "
                                       f"using {nearest:g}.")
                number = nearest
            preset.values[name], preset.raw[name] = number, raw
            continue
        if not re.fullmatch(r"[+-]?\d+", raw):
            preset.problems.append(f"{label}={_short(raw)!r} is not a whole number; "
                                   "it was ignored.")
            continue
        digits = raw.lstrip("+-")
        # past a dozen digits only the sign matters, and int() refuses thousands of them
        value = int(raw) if len(digits) <= 12 else (-1 if raw.startswith("-") else 1) * 10**13
        if limits[name] is not None:
            lo, hi = limits[name]
            if value < lo or value > hi:
                nearest = min(max(value, lo), hi)
                preset.problems.append(f"{label}={_short(raw)} is outside {lo} to {hi}; "
                                       f"using {nearest}.")
                value = nearest
        preset.values[name] = value
        preset.raw[name] = raw
    return preset


def _short(text: str, most: int = 24) -> str:
    return text if len(text) <= most else text[:most] + "…"


def preset_model(model_cls, query: str | None, limits: dict[str, tuple[int, int]],
                 symbols: dict[str, str] | None = None,
                 choices: dict[str, tuple[str, ...]] | None = None, model=None):
    """A ``SettingsModel`` in the state ``query`` asks for, or the nearest valid one.

    The settings (``model_cls.SETTINGS``) are read against ``limits`` and ``choices`` and set
    together, one rebuild; the view traits (``model_cls.INDEX_LABELS``), whose ranges depend
    on the settings, are then clamped to the built state in their declared order. A state that
    cannot be built falls back to the defaults (or leaves ``model`` as it was). Returns
    ``(model, problems)``: one sentence for each parameter that could not be had as written.
    """
    indices = tuple(model_cls.INDEX_LABELS)
    found = parse_preset(query, {**limits, **dict.fromkeys(indices)}, symbols, choices)
    settings = {k: v for k, v in found.values.items() if k in model_cls.SETTINGS}
    try:
        if model is None:
            model = model_cls(**settings)
        elif settings:
            model.configure(**settings)  # rolls back by itself if the rebuild fails
    except Exception as err:  # e.g. data that is not installed: a state that works, and why
        kept = "showing the defaults" if model is None else "keeping the settings as they were"
        found.problems.append(f"Could not build that view ({type(err).__name__}: {err}); "
                              f"{kept}.")
        if model is None:
            model = model_cls()
    for name in indices:
        if name not in found.values:
            continue
        lo, hi = model.index_range(name)
        value = min(max(found.values[name], lo), hi)
        if value != found.values[name]:
            found.problems.append(f"{name}={_short(found.raw[name])} is outside {lo} to {hi} "
                                  f"for these sizes; using {value}.")
        setattr(model, name, value)
    for name in getattr(model_cls, "VIEW_CHOICES", {}):  # e.g. the weights before or after
        if name in found.values:
            setattr(model, name, found.values[name])
    return model, found.problems


def preset_message(problems: list[str]) -> str:
    """The banner's text for a link's problems, '' when there were none."""
    return PRESET_INTRO + " ".join(problems) if problems else ""


def state_query(model) -> str:
    """The query string that reopens ``model``'s state: its settings, then its view traits."""
    names = (*model.SETTINGS, *model.INDEX_LABELS, *getattr(model, "VIEW_CHOICES", {}))
    return to_query({name: getattr(model, name) for name in names})


def to_query(values: dict[str, int | str]) -> str:
    """'?n_x=5&hidden_size=8...' for a state, in the given order."""
    return "?" + urlencode(values)

