"""Where a heatmap's ticks go and how big its cells are drawn: arithmetic."""

from __future__ import annotations

import re

import numpy as np

__all__ = ["CELL_PX", "LABEL_CHAR_PX", "MIN_PLOT_PX", "based_labels", "css_px", "fit_px",
           "plot_px", "slot_css", "tick_values"]

CELL_PX = 36  # the most a cell is drawn, per row and per column: a 1 x 1 matrix is no block
MIN_PLOT_PX = 60  # the least a plot is drawn, so its ticks still read
LABEL_CHAR_PX = 7  # an axis label's width a character (about 6 at bqplot's size), to fit it


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


def css_px(size: str | None) -> int | None:
    """The pixels of a CSS size such as "320px", or None for any other unit."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)px\s*", size or "")
    return round(float(found.group(1))) if found else None


def plot_px(cells: int, full: int, label: str = "") -> int:
    """The pixels a plot spans across ``cells`` rows (or columns), when it may span ``full``:
    at most CELL_PX a cell, at least MIN_PLOT_PX and its axis ``label``, at most ``full``."""
    return min(full, max(MIN_PLOT_PX, LABEL_CHAR_PX * len(label), cells * CELL_PX))


def fit_px(cells: int, full: str, margins: int, label: str = "") -> tuple[str, int | None]:
    """The CSS size of a figure across ``cells`` rows (or columns) in a slot ``full`` wide,
    with ``margins`` pixels beside its plot, and the plot's pixels (None: not a px size)."""
    px = css_px(full)
    if px is None or not cells:
        return full, None
    plot = plot_px(cells, px - margins, label)
    return f"{plot + margins}px", plot


def slot_css(px: int | None, figures: int) -> str | None:
    """A CSS size of ``px`` and the widget margins round ``figures`` figures side by side:
    what a slot needs to hold them at full size (None for None)."""
    return None if px is None else f"calc({px}px + {2 * figures} * var(--jp-widgets-margin))"

