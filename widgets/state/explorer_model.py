"""The explorer's state: sizes, stack and seed define the model; sample, layer, direction, step and
unit index its trace."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import torch
from traitlets import Instance, Int, TraitError, Unicode, validate

from ..maths.lstm import LIMITS, CellTrace, LSTMConfig, cell_weights, check_proj_size, check_setting
from ..maths.lstm_stack import StackTrace, run
from .settings_model import SettingsModel

__all__ = ["SIZE_TRAITS", "STACK_TRAITS", "LSTMExplorerModel"]

# the settings whose change rebuilds nn.LSTM and its trace: sizes and seed, then the stack's shape
SIZE_TRAITS = ("n_x", "hidden_size", "seq_len", "batch_size", "seed")
STACK_TRAITS = ("num_layers", "bidirectional", "proj_size", "h0")


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
    num_layers : int, default 1 -- layers stacked (1-3)
    bidirectional : int, default 0 -- 1 adds the backward direction (D = 2)
    proj_size : int, default 0 -- H_out, the projection's size (0: none; below H)
    h0 : {"zeros", "seeded"}, default "zeros" -- the initial states (h_0, c_0) fed
    sample : int, default 0 -- which sequence of the batch is shown (0..b_S-1)
    layer : int, default 0 -- the layer taken step by step (0..num_layers-1)
    direction : int, default 0 -- its direction: 0 forward, 1 backward (0..D-1)
    step : int, default 1 -- the step k shown (1..n_E): forward it reads e = k, backward
        e = n_E + 1 - k
    unit : int, default 0 -- the cell unit j whose equations are written out (0..H-1)
    lstm, x, trace -- the live module, its input batch (b_S, n_E, n_X) and its trace

    Lowering H below ``proj_size`` lowers the projection with it (to H - 1); asking for a
    ``proj_size`` of H or more is refused with a sentence.
    """

    n_x = Int(LSTMConfig.n_x, help="n_X: values in each sequence element")
    hidden_size = Int(LSTMConfig.hidden_size, help="H: units in the hidden and cell states")
    seq_len = Int(LSTMConfig.seq_len, help="n_E: elements in each sequence")
    batch_size = Int(LSTMConfig.batch_size, help="b_S: sequences fed at once")
    seed = Int(LSTMConfig.seed, help="seeds the weights and the inputs")
    num_layers = Int(LSTMConfig.num_layers, help="layers stacked")
    bidirectional = Int(LSTMConfig.bidirectional, help="1: both directions (D = 2)")
    proj_size = Int(LSTMConfig.proj_size, help="H_out: the projection's size, 0 for none")
    h0 = Unicode(LSTMConfig.h0, help="the initial states: zeros or seeded")
    sample = Int(0, help="which sequence of the batch is shown")
    layer = Int(0, help="the layer taken step by step")
    direction = Int(0, help="the direction taken step by step: 0 forward, 1 backward")
    step = Int(1, help="the step k shown, 1-based as in the tutorial")
    unit = Int(0, help="the cell unit j written out in the equations")

    lstm = Instance(torch.nn.LSTM, allow_none=True, help="the live module")
    x = Instance(torch.Tensor, allow_none=True, help="the input batch (b_S, n_E, n_X)")
    trace = Instance(StackTrace, allow_none=True, help="the stack traced once per rebuild")

    SETTINGS = SIZE_TRAITS + STACK_TRAITS
    # one layer, one direction, no projection, zeros: left out of a link, which stays as short
    # as it was before the stack had settings
    QUIET_DEFAULTS: ClassVar[dict] = {"num_layers": 1, "bidirectional": 0, "proj_size": 0,
                                      "h0": "zeros", "layer": 0, "direction": 0}

    check = staticmethod(check_setting)

    @validate(*SIZE_TRAITS, *STACK_TRAITS)
    def _valid_setting(self, proposal):
        value = self._validate_setting(proposal)
        if proposal["trait"].name == "proj_size" and not self._holding:
            try:  # set alone: against the H it would project
                check_proj_size(value, self.hidden_size)
            except ValueError as err:
                raise TraitError(str(err)) from None
        return value

    @classmethod
    def settle(cls, settings: dict, model=None) -> list[str]:
        """Make a link's settings buildable together: a ``proj_size`` not below H becomes
        H - 1. Returns a sentence for each change (``preset_model`` calls this)."""
        H = settings.get("hidden_size", model.hidden_size if model is not None
                         else LSTMConfig.hidden_size)
        asked = settings.get("proj_size", 0)
        if asked and asked >= H:
            settings["proj_size"] = H - 1
            return [f"proj_size={asked} is not below H = {H}; using {H - 1}."]
        return []

    INDEX_LABELS: ClassVar[dict[str, str]] = {
        "sample": "The sequence shown", "layer": "The layer", "direction": "The direction",
        "step": "The step e", "unit": "The unit j"}

    @validate(*INDEX_LABELS)
    def _valid_index(self, proposal):
        return self._validate_index(proposal)

    def index_range(self, name: str) -> tuple[int, int]:
        """Inclusive range of a view trait under the current sizes."""
        return {"sample": (0, self.batch_size - 1), "layer": (0, self.num_layers - 1),
                "direction": (0, 1 if self.bidirectional else 0), "step": (1, self.seq_len),
                "unit": (0, self.hidden_size - 1)}[name]

    def configure(self, **settings) -> None:
        """As ``SettingsModel.configure``; ``proj_size`` is checked against the H it will have."""
        if "proj_size" in settings:
            try:
                check_proj_size(check_setting("proj_size", settings["proj_size"]),
                                check_setting("hidden_size",
                                              settings.get("hidden_size", self.hidden_size)))
            except ValueError as err:
                raise TraitError(str(err)) from None
        super().configure(**settings)

    def _rebuild(self) -> None:
        if self.proj_size >= self.hidden_size:  # H came down under the projection: follow it
            self._set_quietly({"proj_size": self.hidden_size - 1})
        lstm, x, trace = run(self.config)
        # keep the view where it still exists, else the nearest place that does
        # notifications leave in the order set: the new trace first, then the clamped indices
        with self.hold_trait_notifications():
            self.lstm, self.x, self.trace = lstm, x, trace
            self.sample = min(self.sample, self.batch_size - 1)
            self.layer = min(self.layer, self.num_layers - 1)
            self.direction = min(self.direction, self.bidirectional)
            self.step = min(self.step, self.seq_len)
            self.unit = min(self.unit, self.hidden_size - 1)

    @property
    def config(self) -> LSTMConfig:
        """The settings as the maths layer takes them."""
        return LSTMConfig(**self.settings)

    @property
    def D(self) -> int:
        """Directions of the stack on screen (``LSTMConfig.D``)."""
        return self.trace.config.D

    @property
    def H_out(self) -> int:
        """Units of its h (``LSTMConfig.H_out``)."""
        return self.trace.config.H_out

    @property
    def cell(self) -> CellTrace:
        """The trace of the layer and direction taken step by step."""
        return self.trace.cell(self.layer, self.direction)

    def weights(self) -> dict[str, np.ndarray]:
        """The module's parameters as float32 numpy arrays, by their ``state_dict`` names."""
        return {name: p.detach().numpy() for name, p in self.lstm.named_parameters()}

    def cell_weights(self) -> dict[str, np.ndarray]:
        """The chosen cell's parameters without the name's suffix: ``weight_ih``, ``bias_hh``..."""
        return {name: p.numpy() for name, p in
                cell_weights(self.lstm, self.layer, self.direction).items()}


# kept in step with the maths, which owns the bounds
assert set(SIZE_TRAITS + STACK_TRAITS) == {*LIMITS, "h0"}
