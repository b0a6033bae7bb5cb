"""Whole-number settings checked the same way everywhere, with a plain sentence when refused."""

from __future__ import annotations

import numpy as np

__all__ = ["check_int"]


def check_int(symbol: str, value, lo: int, hi: int) -> int:
    """Return ``value`` as an int if it is a whole number in [lo, hi], else raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{symbol} must be a whole number from {lo} to {hi}; got {value!r}.")
    if not lo <= value <= hi:
        raise ValueError(f"{symbol} must be from {lo} to {hi}; got {value}.")
    return int(value)
