"""The explorer's state: sizes and seed define the model; sample, step and unit index its trace."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import torch
from traitlets import Instance, Int, validate

from ..maths.lstm import LIMITS, LSTMConfig, LSTMTrace, check_setting, run
from .settings_model import SettingsModel

__all__ = ["SIZE_TRAITS", "LSTMExplorerModel"]

# the settings whose change rebuilds nn.LSTM and its trace
SIZE_TRAITS = ("n_x", "hidden_size", "seq_len", "batch_size", "seed")


class LSTMExplorerModel(SettingsModel):
    """State of the LSTM explorer, and the live ``nn.LSTM`` with its precomputed trace.

    Changing any size or the seed rebuilds the module and traces the whole batch once; the
    view traits (``sample``, ``step``, ``unit``) only index that trace. Every value is
    validated here, so a bad request from anywhere raises ``TraitError`` with a plain sentence
    and leaves the state as it was.

    Traits
    ------
    n_x : int, default 5 -- input size n_X (1-64)
    hidden_size : int, default 8 -- hidden size H (1-256)
    seq_len : int, default 12 -- sequence length n_E (1-200)
    batch_size : int, default 2 -- batch size b_S (1-16)
    seed : int, default 0 -- seeds both the weights and the inputs
    sample : int, default 0 -- which sequence of the batch is shown (0..b_S-1)
    step : int, default 1 -- the time step e shown (1..n_E)
    unit : int, default 0 -- the hidden unit j whose equations are written out (0..H-1)
    lstm, x, trace -- the live module, its input batch (b_S, n_E, n_X) and its trace
    """

    n_x = Int(LSTMConfig.n_x, help="n_X: values in each sequence element")
    hidden_size = Int(LSTMConfig.hidden_size, help="H: units in the hidden and cell states")
    seq_len = Int(LSTMConfig.seq_len, help="n_E: elements in each sequence")
    batch_size = Int(LSTMConfig.batch_size, help="b_S: sequences fed at once")
    seed = Int(LSTMConfig.seed, help="seeds the weights and the inputs")
    sample = Int(0, help="which sequence of the batch is shown")
    step = Int(1, help="the time step e shown, 1-based as in the tutorial")
    unit = Int(0, help="the hidden unit j written out in the equations")

    lstm = Instance(torch.nn.LSTM, allow_none=True, help="the live module")
    x = Instance(torch.Tensor, allow_none=True, help="the input batch (b_S, n_E, n_X)")
    trace = Instance(LSTMTrace, allow_none=True, help="the recurrence traced once per rebuild")

    SETTINGS = SIZE_TRAITS

    check = staticmethod(check_setting)

    @validate(*SIZE_TRAITS)
    def _valid_setting(self, proposal):
        return self._validate_setting(proposal)

    INDEX_LABELS: ClassVar[dict[str, str]] = {
        "sample": "The sequence shown", "step": "The step e", "unit": "The unit j"}

    @validate(*INDEX_LABELS)
    def _valid_index(self, proposal):
        return self._validate_index(proposal)

    def index_range(self, name: str) -> tuple[int, int]:
        """Inclusive range of a view trait under the current sizes."""
        return {"sample": (0, self.batch_size - 1), "step": (1, self.seq_len),
                "unit": (0, self.hidden_size - 1)}[name]

    def _rebuild(self) -> None:
        lstm, x, trace = run(self.config)
        # keep the view where it still exists, else the nearest place that does
        # notifications leave in the order set: the new trace first, then the clamped indices
        with self.hold_trait_notifications():
            self.lstm, self.x, self.trace = lstm, x, trace
            self.sample = min(self.sample, self.batch_size - 1)
            self.step = min(self.step, self.seq_len)
            self.unit = min(self.unit, self.hidden_size - 1)

    @property
    def config(self) -> LSTMConfig:
        """The settings as the maths layer takes them."""
        return LSTMConfig(**self.settings)

    def weights(self) -> dict[str, np.ndarray]:
        """The module's parameters as float32 numpy arrays, by PyTorch's names."""
        return {name: p.detach().numpy() for name, p in self.lstm.named_parameters()}


# kept in step with lstm_math, which owns the bounds
assert set(SIZE_TRAITS) == set(LIMITS)
