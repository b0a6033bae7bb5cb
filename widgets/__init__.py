"""Reusable components of the "Disentangling the LSTM" dashboards.

The maths lives in modules that import no widgets (``lstm_math``, ``colors``, ``equations``);
each view is one module. Importing the package limits torch to one thread unless
``TORCH_NUM_THREADS`` says otherwise: a classroom runs one kernel per student on a few cores,
and 30 kernels each spinning a thread per core only fight over them.
"""

import os

import torch

torch.set_num_threads(int(os.environ.get("TORCH_NUM_THREADS", "1")))

from .colors import DIVERGING, SEQUENTIAL  # noqa: E402
from .controls import GuardedIntSlider, GuardedIntText, MessageBanner  # noqa: E402
from .explorer_model import LSTMExplorerModel  # noqa: E402
from .heatmap import ColorBar, MatrixHeatmap  # noqa: E402
from .kernel_notice import KERNEL_STOPPED, kernel_notice  # noqa: E402
from .lstm_explorer import LSTMExplorer  # noqa: E402
from .lstm_math import (  # noqa: E402
    GATES,
    LIMITS,
    LSTMConfig,
    build_lstm,
    make_inputs,
    parameter_count,
    trace_lstm,
)
from .mlp_explorer import MLPExplorer, MLPModel  # noqa: E402
from .nav import NavBar  # noqa: E402
from .presets import query_string  # noqa: E402
from .sequence_explorer import SequenceExplorer, SequenceModel  # noqa: E402
from .step_view import StateChart, StepCursor, StripStack  # noqa: E402
from .view_link import ViewLink  # noqa: E402

__all__ = [
    "DIVERGING",
    "GATES",
    "KERNEL_STOPPED",
    "LIMITS",
    "SEQUENTIAL",
    "ColorBar",
    "GuardedIntSlider",
    "GuardedIntText",
    "LSTMConfig",
    "LSTMExplorer",
    "LSTMExplorerModel",
    "MLPExplorer",
    "MLPModel",
    "MatrixHeatmap",
    "MessageBanner",
    "NavBar",
    "SequenceExplorer",
    "SequenceModel",
    "StateChart",
    "StepCursor",
    "StripStack",
    "ViewLink",
    "build_lstm",
    "kernel_notice",
    "make_inputs",
    "parameter_count",
    "query_string",
    "trace_lstm",
]
