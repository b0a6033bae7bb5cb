"""Reusable components of the "Disentangling the LSTM" dashboards, in three floors.

- ``widgets.maths``: the computations (LSTM, MLP and sequence maths, limits, presets, the
  corpus, colours and pictures). Torch and numpy only: no widget library, no side effects.
- ``*_model.py`` and ``settings_model.py``: each dashboard's state, as traitlets models over
  the maths. No widget library either.
- the rest: the views (ipywidgets and bqplot), one component a module, and the dashboards.

Importing this package imports nothing else: a name is loaded from its module on first use,
so ``from widgets import LSTMExplorer`` builds the views while ``import widgets.maths.lstm``
stays free of ipywidgets, bqplot and IPython. Building a dashboard runs torch on one thread
(``dashboard.use_torch_threads``); importing never changes it.
"""

from __future__ import annotations

import importlib

# public name -> the module (relative to this package) that defines it
_EXPORTS = {
    "DIVERGING": ".maths.colors",
    "SEQUENTIAL": ".maths.colors",
    "GATES": ".maths.lstm",
    "LIMITS": ".maths.lstm",
    "LSTMConfig": ".maths.lstm",
    "build_lstm": ".maths.lstm",
    "make_inputs": ".maths.lstm",
    "parameter_count": ".maths.lstm",
    "trace_lstm": ".maths.lstm",
    "LSTMExplorerModel": ".explorer_model",
    "MLPModel": ".mlp_model",
    "SequenceModel": ".sequence_model",
    "ColorBar": ".heatmap",
    "MatrixHeatmap": ".heatmap",
    "GuardedIntSlider": ".controls",
    "GuardedIntText": ".controls",
    "MessageBanner": ".controls",
    "Dashboard": ".dashboard",
    "KERNEL_STOPPED": ".kernel_notice",
    "kernel_notice": ".kernel_notice",
    "LSTMExplorer": ".lstm_explorer",
    "MLPExplorer": ".mlp_explorer",
    "SequenceExplorer": ".sequence_explorer",
    "TrainingExplorer": ".training_dashboard",
    "TrainingModel": ".training_model",
    "StepPanel": ".step_panel",
    "NavBar": ".nav",
    "StateChart": ".step_view",
    "StepCursor": ".step_view",
    "StripStack": ".step_view",
    "ViewLink": ".view_link",
    "query_string": ".view_link",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    globals()[name] = value  # loaded once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
