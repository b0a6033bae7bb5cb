"""A state model from a link, and the link of a state: shareable views.

The query is read by ``widgets.maths.limits.parse_preset``; here its settings are set on a
``SettingsModel`` together (one rebuild) and its view traits clamped to what that model built.
Nothing here knows of widgets. A bad value is not dropped silently: the nearest valid value is
used and a plain sentence says what was wrong.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode

from ..maths.limits import parse_preset, short

__all__ = [
    "presenter_section",
    "preset_message",
    "preset_model",
    "state_query",
    "to_query",
    "view_traits",
]

# how the banner introduces what a link asked for and could not have
PRESET_INTRO = "This link asked for something out of reach: "


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
    if hasattr(model_cls, "settle"):  # settings that must agree with each other
        found.problems.extend(model_cls.settle(settings, model))
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
            found.problems.append(f"{name}={short(found.raw[name])} is outside {lo} to {hi} "
                                  f"for these sizes; using {value}.")
        setattr(model, name, value)
    for name in getattr(model_cls, "VIEW_CHOICES", {}):  # e.g. the weights before or after
        if name in found.values:
            try:
                setattr(model, name, found.values[name])
            except Exception as err:  # e.g. an example too short for the link's n_E
                found.problems.append(f"{name}={short(found.raw[name])} could not be used "
                                      f"({err}); keeping {getattr(model, name)}.")
    return model, found.problems


def presenter_section(query: str | None, sections: int) -> tuple[int, list[str]]:
    """The section a link's ``present=k`` opens the presenter mode at, from 1 to ``sections``;
    0 for the whole page (no ``present``, ``present=0``, or a value that is not a section).

    Read as ``parse_preset`` reads a whole number, with its sentence for one that is not; a
    number past the last section opens the last one. Returns ``(section, problems)``.
    """
    try:
        pairs = parse_qs((query or "").lstrip("?"), keep_blank_values=True, max_num_fields=50)
    except ValueError:  # too many parameters: ``preset_model`` already said so
        return 0, []
    if "present" not in pairs:
        return 0, []
    found = parse_preset(urlencode({"present": pairs["present"][-1]}), {"present": None})
    if "present" not in found.values:
        return 0, found.problems
    asked, raw = int(found.values["present"]), short(found.raw["present"])
    if asked > sections:
        return sections, [f"present={raw} is past the last of this page's {sections} "
                          f"sections; showing section {sections}."]
    if asked < 0:
        return 0, [f"present={raw} is not a section (1 to {sections}, or 0 for the whole "
                   "page); showing the whole page."]
    return asked, []


def preset_message(problems: list[str]) -> str:
    """The banner's text for a link's problems, '' when there were none."""
    return PRESET_INTRO + " ".join(problems) if problems else ""


def view_traits(model) -> list[str]:
    """The traits that make ``model``'s view: its settings, then where in them it looks."""
    return [*model.SETTINGS, *model.INDEX_LABELS, *getattr(model, "VIEW_CHOICES", {})]


def state_query(model) -> str:
    """The query string that reopens ``model``'s state: its settings, then its view traits.

    Traits named in the model's ``QUIET_DEFAULTS`` are left out while at those values (a link
    opens at the defaults anyway), so a plain state keeps its short link; so are settings the
    model says it does not use now (``model.used(name)``, e.g. n_S for the temperatures),
    which would name sizes the view does not have.
    """
    quiet = getattr(model, "QUIET_DEFAULTS", {})
    used = getattr(model, "used", lambda _name: True)
    return to_query({name: getattr(model, name) for name in view_traits(model)
                     if (name not in quiet or getattr(model, name) != quiet[name])
                     and used(name)})


def to_query(values: dict[str, int | str]) -> str:
    """'?n_x=5&hidden_size=8...' for a state, in the given order."""
    return "?" + urlencode(values)

