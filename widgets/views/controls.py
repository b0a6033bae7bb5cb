"""Integer controls that do not trust the browser, and the banner that reports what they refused."""

from __future__ import annotations

import html
import math

import ipywidgets as ipw
from traitlets import CFloat, CInt, TraitError

__all__ = [
    "CONTROL_NAMES",
    "GuardedDropdown",
    "GuardedFloatLogSlider",
    "GuardedIntSlider",
    "GuardedIntText",
    "GuardedPlay",
    "GuardedToggleButton",
    "GuardedToggleButtons",
    "MessageBanner",
    "bind_controls",
    "int_slider",
    "log_slider",
    "seed_box",
    "set_bounded",
]


class _Guarded:
    """Mixin for bounded integer widgets: the browser may change ``value`` only, within bounds.

    ipywidgets clamps an out-of-range value silently and lets the browser move ``min`` and
    ``max`` too; a forced message (``H = 10**9`` over the websocket) would then rebuild a huge
    model. Here such a request is refused, the browser is sent the current value back, and the
    callbacks registered with ``on_reject`` get a plain sentence to show.
    """

    def _guard_init(self):
        self._reject_callbacks = ipw.CallbackDispatcher()

    def on_reject(self, callback, remove: bool = False) -> None:
        """Register ``callback(widget, message)`` for refused requests from the browser."""
        self._reject_callbacks.register_callback(callback, remove=remove)

    _unnamed = "this control"  # in messages, when the control has no description
    _synced_key = "value"  # the one thing the browser may change
    _flags: tuple[str, ...] = ()  # and switches it may flip (True or False only)

    def _refusal(self, sync_data: dict) -> str | None:
        """A plain sentence if the browser's request must be refused, else None."""
        name = self.description or self._unnamed
        if not isinstance(sync_data, dict):
            return f"{name}: the page sent an update that is not a set of values; it was refused."
        extra = sorted(set(sync_data) - {self._synced_key, *self._flags})
        if extra:
            return f"{name}: the page may only move the value, not {', '.join(extra)}."
        for flag in set(sync_data) & set(self._flags):
            if not isinstance(sync_data[flag], bool):
                return f"{name}: {flag} must be true or false; {sync_data[flag]!r} was refused."
        if self._synced_key not in sync_data:
            return None
        if getattr(self, "disabled", False):
            return f"{name} is switched off here; {sync_data[self._synced_key]!r} was refused."
        return self._check_synced(name, sync_data[self._synced_key])

    def _check_synced(self, name: str, value) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return (f"{name} must be a whole number from {self.min} to {self.max}; "
                    f"{value!r} was refused.")
        if not self.min <= value <= self.max:
            return f"{name} must be from {self.min} to {self.max}; {value} was refused."
        return None

    def set_state(self, sync_data):
        message = self._refusal(sync_data)
        if message is None:
            return super().set_state(sync_data)
        # snap the page back to the kernel's state, for everything it tried to change
        asked = [k for k in sync_data if k in self.keys] if isinstance(sync_data, dict) else []
        self.send_state(asked or self._synced_key)
        self._reject_callbacks(self, message)
        return None


class _GuardedChoice(_Guarded):
    """Mixin for a one-of-its-options widget: the browser may only pick an option by index."""

    _synced_key = "index"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._guard_init()

    def _check_synced(self, name: str, value) -> str | None:
        n = len(self.options)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < n:
            return f"{name}: choose one of the {n} options; {value!r} was refused."
        return None


class GuardedToggleButtons(_GuardedChoice, ipw.ToggleButtons):
    """``ToggleButtons`` whose browser side may only pick one of the options by index."""


class GuardedDropdown(_GuardedChoice, ipw.Dropdown):
    """A ``Dropdown`` whose browser side may only pick one of the options by index."""


class GuardedToggleButton(_Guarded, ipw.ToggleButton):
    """A ``ToggleButton`` whose browser side may only send true or false."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._guard_init()

    def _check_synced(self, name: str, value) -> str | None:
        if not isinstance(value, bool):
            return f"{name}: the page may only send true or false; {value!r} was refused."
        return None


def _unechoed(help_text: str):
    return CInt(0, help=help_text).tag(sync=True, echo_update=False)


class GuardedIntSlider(_Guarded, ipw.IntSlider):
    """An ``IntSlider`` that refuses out-of-range or non-integer values from the browser."""

    value = _unechoed("Int value")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._guard_init()


class GuardedFloatLogSlider(_Guarded, ipw.FloatLogSlider):
    """A ``FloatLogSlider`` that refuses values that are not finite numbers within its range.

    Its ``min`` and ``max`` are exponents of ``base``; the value itself must lie between
    ``base ** min`` and ``base ** max``.
    """

    value = CFloat(1.0, help="Float value").tag(sync=True, echo_update=False)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._guard_init()

    def _check_synced(self, name: str, value) -> str | None:
        lo, hi = self.base**self.min, self.base**self.max
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{name} must be a number from {lo:g} to {hi:g}; {value!r} was refused."
        if not math.isfinite(value) or not lo * (1 - 1e-9) <= value <= hi * (1 + 1e-9):
            return f"{name} must be from {lo:g} to {hi:g}; {value!r} was refused."
        return None


class GuardedPlay(_Guarded, ipw.Play):
    """A ``Play`` whose browser side may move the value within bounds, play, pause and repeat."""

    _flags = ("playing", "repeat")
    _unnamed = "Play"  # its buttons are icons: no description, a tooltip for their names
    value = _unechoed("Int value")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._guard_init()


class GuardedIntText(_Guarded, ipw.BoundedIntText):
    """A ``BoundedIntText`` that refuses out-of-range or non-integer values from the browser."""

    value = _unechoed("Int value")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._guard_init()


class MessageBanner(ipw.HTML):
    """A one-line notice for the learner: refused input, or an error with what to do next.

    ``show(text, level)`` with level "warning" or "error"; ``clear()`` hides it.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add_class("lstm-banner")
        self.add_class("live-alert")  # a screen reader says it as it appears
        self._text = ""
        self.layout.display = "none"

    @property
    def text(self) -> str:
        return self._text

    def show(self, text: str, level: str = "warning") -> None:
        self._text = text
        colors = {"warning": ("#fff4e5", "#8a4b00"), "error": ("#fdecea", "#8b1a10")}
        bg, fg = colors.get(level, colors["warning"])
        self.value = (f"<div class='banner-{level}' style='background:{bg};color:{fg};"
                      f"padding:6px 10px;border-radius:4px'>{html.escape(text)}</div>")
        self.layout.display = None

    def clear(self) -> None:
        self._text = ""
        self.layout.display = "none"


# what the tutorial's shared symbols set, in words: a slider's name for screen readers (and its
# tooltip) wherever it appears; a dashboard whose symbol means something else passes its own
CONTROL_NAMES = {
    "n_x": "n_X, input size: values per element",
    "hidden_size": "H, hidden size: units of the LSTM",
    "seq_len": "n_E, sequence length: elements per sequence",
    "batch_size": "b_S, batch size: sequences in a batch",
}


def set_bounded(control, lo: int, hi: int, value: int) -> None:
    """Give a bounded control new bounds and value in one message, never out of its range."""
    with control.hold_sync():
        control.max = max(hi, control.value)  # widen first so the value never sits outside
        control.min, control.value, control.max = lo, value, hi


def int_slider(ctl: str, description: str, lo: int, hi: int, value: int,
               width: str = "300px", continuous_update: bool = False,
               name: str | None = None) -> GuardedIntSlider:
    """A guarded slider with the tutorial's symbol and the automation class ``ctl-<ctl>``.

    ``name`` says what it sets ("H, hidden size"): the tooltip, and the name a screen reader
    gives the slider (``accessibility.js``); if omitted, ``CONTROL_NAMES[ctl]`` or else the
    description.
    """
    slider = GuardedIntSlider(description=description, min=lo, max=hi, value=value,
                              continuous_update=continuous_update,
                              tooltip=name or CONTROL_NAMES.get(ctl, description),
                              style={"description_width": "64px"},
                              layout=ipw.Layout(width=width))
    slider.add_class(f"ctl-{ctl}")
    return slider


def log_slider(ctl: str, description: str, lo: float, hi: float, value: float,
               width: str = "300px", name: str | None = None) -> GuardedFloatLogSlider:
    """A guarded slider over [lo, hi] in steps of a tenth of a decade, ``ctl-<ctl>``."""
    slider = GuardedFloatLogSlider(description=description, base=10, min=math.log10(lo),
                                   tooltip=name or CONTROL_NAMES.get(ctl, description),
                                   max=math.log10(hi), step=0.1, value=value,
                                   continuous_update=False, readout_format=".2g",
                                   style={"description_width": "64px"},
                                   layout=ipw.Layout(width=width))
    slider.add_class(f"ctl-{ctl}")
    return slider


def seed_box(value: int, lo: int = 0, hi: int = 2**31 - 1) -> GuardedIntText:
    box = GuardedIntText(description="seed", value=value, min=lo, max=hi,
                         tooltip="seed of the random numbers: the same seed, the same numbers",
                         style={"description_width": "64px"}, layout=ipw.Layout(width="220px"))
    box.add_class("ctl-seed")
    return box


def bind_controls(model, controls: dict, banner: MessageBanner, what: str) -> None:
    """Glue controls to the model's traits of the same names, reporting on ``banner``.

    A value the model refuses (``TraitError``) or a rebuild that fails puts a plain sentence on
    the banner and the control back on the model's value; the kernel carries on either way.
    ``what`` names the thing rebuilt, e.g. "the LSTM", for the error message.
    """

    def handler(name: str):
        def on_change(change):
            if getattr(model, name) == change["new"]:
                return
            try:
                setattr(model, name, change["new"])
            except TraitError as err:
                banner.show(str(err))
            except Exception as err:  # the kernel must survive any rebuild error
                banner.show(f"Could not rebuild {what} ({type(err).__name__}: {err}). "
                            "Try smaller sizes, or reload the page.", level="error")
            else:
                banner.clear()
                return
            controls[name].value = getattr(model, name)

        return on_change

    for name, control in controls.items():
        control.on_reject(lambda _control, message: banner.show(message))
        control.observe(handler(name), names="value")
