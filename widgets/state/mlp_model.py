"""The MLP dashboard's state: sizes and seed define the network; its checks are traced once."""

from __future__ import annotations

import torch
from traitlets import Instance, Int, validate

from ..maths.mlp import MLPConfig, MLPTrace, build_mlp, check_setting, make_X, trace_mlp
from .settings_model import SettingsModel

__all__ = ["SETTINGS", "MLPModel"]

SETTINGS = ("n_d", "n_x", "n1", "n2", "seed")


class MLPModel(SettingsModel):
    """State of the MLP dashboard: sizes and seed, the live network and its traced checks.

    Traits
    ------
    n_d : int, default 15 -- instances n_D in X (1-64)
    n_x : int, default 5 -- input size n_X (1-32)
    n1 : int, default 8 -- units in layer 1 (1-32)
    n2 : int, default 1 -- units in layer 2, the output size (1-8)
    seed : int, default 0
    net, X, trace -- the live ``nn.Sequential``, its input (n_D, n_X) and the checks' results
    """

    n_d = Int(MLPConfig.n_d, help="n_D: instances in X")
    n_x = Int(MLPConfig.n_x, help="n_X: values in each instance")
    n1 = Int(MLPConfig.n1, help="n[1]: units in layer 1")
    n2 = Int(MLPConfig.n2, help="n[2]: units in layer 2, the output size")
    seed = Int(MLPConfig.seed, help="seeds the weights and X")
    net = Instance(torch.nn.Sequential, allow_none=True, help="the live network")
    X = Instance(torch.Tensor, allow_none=True, help="the input (n_D, n_X)")
    trace = Instance(MLPTrace, allow_none=True, help="the tutorial's computations and checks")

    SETTINGS = SETTINGS

    check = staticmethod(check_setting)

    @validate(*SETTINGS)
    def _valid_setting(self, proposal):
        return self._validate_setting(proposal)

    @property
    def config(self) -> MLPConfig:
        """The settings as the maths layer takes them."""
        return MLPConfig(**self.settings)

    def _rebuild(self) -> None:
        net = build_mlp(self.n_x, self.n1, self.n2, self.seed)
        X = make_X(self.n_d, self.n_x, self.seed)
        trace = trace_mlp(net, X)
        with self.hold_trait_notifications():
            self.net, self.X, self.trace = net, X, trace
