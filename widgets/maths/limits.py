"""Settings checked the same way everywhere, with a plain sentence when refused."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["check_float", "check_int"]


def check_int(symbol: str, value, lo: int, hi: int) -> int:
    """Return ``value`` as an int if it is a whole number in [lo, hi], else raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{symbol} must be a whole number from {lo} to {hi}; got {value!r}.")
    if not lo <= value <= hi:
        raise ValueError(f"{symbol} must be from {lo} to {hi}; got {value}.")
    return int(value)


def check_float(symbol: str, value, lo: float, hi: float) -> float:
    """Return ``value`` as a float if it is a finite number in [lo, hi], else raise ``ValueError``.

    Whole numbers are numbers too; NaN, infinities, booleans and strings are refused.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{symbol} must be a number from {lo:g} to {hi:g}; got {value!r}.")
    try:
        number = float(value)
    except OverflowError:  # an int of hundreds of digits
        raise ValueError(f"{symbol} must be from {lo:g} to {hi:g}; got a number of "
                         f"{len(str(abs(value)))} digits.") from None
    if not math.isfinite(number) or not lo <= number <= hi:
        raise ValueError(f"{symbol} must be from {lo:g} to {hi:g}; got {number!r}.")
    return number
