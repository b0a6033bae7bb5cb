"""Where a heatmap's ticks go: arithmetic."""

from __future__ import annotations

import numpy as np

__all__ = ["based_labels", "tick_values"]


def tick_values(n: int, most: int = 8, base: int = 0) -> np.ndarray:
    """Integer ticks 0..n-1, at most about ``most`` of them, on a round stride of the
    numbers they show (the index plus ``base``), and always the first."""
    stride = 1
    for step in (1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64, 100, 128, 256):
        stride = step
        if n / step <= most:
            break
    rows = np.arange(n)
    return rows[(rows == 0) | ((rows + base) % stride == 0)].astype(np.float32)


def based_labels(ticks: np.ndarray, base: int) -> dict[str, str]:
    """bqplot tick labels {index: the number shown}, for indices counted from ``base``."""
    return {str(int(t)): str(int(t) + base) for t in ticks}
