"""Reusable components of the "Disentangling the LSTM" dashboards, one floor a folder.

From the bottom up; a floor imports only the floors below it (``tests/test_layers.py`` holds
each rule in a fresh interpreter):

- ``widgets.maths``: the computations (the LSTM, the MLP, sequence data, the training tasks and
  loop, memory through time) and the settings they take. Torch and numpy only.
- ``widgets.store``: what lasts on disk, the model cache shared by a server's kernels and
  ``python -m widgets.store.pretrain``. No widget library.
- ``widgets.codegen``: the PyTorch code behind each view ("Show the code"). No widget library.
- ``widgets.state``: each dashboard's state as a traitlets model over the maths, presets from
  a link, and the training run (a controller that talks only to its model). No widget library.
- ``widgets.views``: components that draw the arrays they are given (ipywidgets, bqplot); they
  know no state model.
- ``widgets.dashboards``: the four dashboards, each a state model and the views bound to it.

Importing this package imports nothing else: a name is loaded from its module on first use,
so ``from widgets import LSTMExplorer`` builds the views while ``import widgets.maths.lstm``
stays free of ipywidgets, bqplot and IPython. Building a dashboard runs torch on one thread
(``dashboards.dashboard.use_torch_threads``); importing never changes it.
"""

from __future__ import annotations

import importlib

# public name -> the module (relative to this package) that defines it
_EXPORTS = {
    "DIVERGING": ".views.colors",
    "SEQUENTIAL": ".views.colors",
    "GATES": ".maths.lstm",
    "LIMITS": ".maths.lstm",
    "LSTMConfig": ".maths.lstm",
    "build_lstm": ".maths.lstm",
    "make_inputs": ".maths.lstm",
    "parameter_count": ".maths.lstm",
    "trace_lstm": ".maths.lstm",
    "LSTMExplorerModel": ".state.explorer_model",
    "MLPModel": ".state.mlp_model",
    "SequenceModel": ".state.sequence_model",
    "ColorBar": ".views.colorbar",
    "MatrixHeatmap": ".views.heatmap",
    "GuardedIntSlider": ".views.controls",
    "GuardedIntText": ".views.controls",
    "MessageBanner": ".views.controls",
    "Dashboard": ".dashboards.dashboard",
    "KERNEL_STOPPED": ".dashboards.kernel_notice",
    "kernel_notice": ".dashboards.kernel_notice",
    "LSTMExplorer": ".dashboards.lstm_explorer",
    "MLPExplorer": ".dashboards.mlp_explorer",
    "SequenceExplorer": ".dashboards.sequence_explorer",
    "TrainingExplorer": ".dashboards.training_dashboard",
    "TrainingModel": ".state.training_model",
    "StepPanel": ".views.step_panel",
    "NavBar": ".views.nav",
    "StateChart": ".views.state_chart",
    "StepCursor": ".views.state_chart",
    "StripStack": ".views.strips",
    "ViewLink": ".views.view_link",
    "query_string": ".dashboards.dashboard",
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
