"""Where a heatmap's ticks go and how big its cells and outlines are drawn: arithmetic."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

__all__ = ["CELL_PX", "LABEL_CHAR_PX", "MIN_PLOT_PX", "OUTLINE_GAP_PX", "OUTLINE_PX",
           "based_labels", "css_px", "fit_px", "outline_extents", "plot_px", "slot_css",
           "tick_values"]

CELL_PX = 36  # the most a cell is drawn, per row and per column: a 1 x 1 matrix is no block
MIN_PLOT_PX = 60  # the least a plot is drawn, so its ticks still read
LABEL_CHAR_PX = 7  # an axis label's width a character (about 6 at bqplot's size), to fit it
OUTLINE_PX = 8  # the least an outline spans on screen: a box round a hairline row still shows
OUTLINE_GAP_PX = 4  # a widened outline's 3-px stroke clear of the one round it, and a gap

Extent = tuple[float, float]  # (low, high) in data units along x or y


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


def outline_extents(boxes: Sequence[tuple[int, int, int, int]], shape: tuple[int, int],
                    plot: tuple[int, int] | None) -> list[tuple[Extent, Extent]]:
    """The x and y extents, in data units, of the outline round each box of cells.

    ``boxes`` are ``(row0, row1, col0, col1)``, inclusive, on a grid of ``shape`` (rows, cols)
    with cells centred on integers, drawn in a plot of ``plot`` (width, height) pixels. A box
    narrower than OUTLINE_PX on screen (a row among thousands) widens to it about its centre;
    a box holding a widened one widens to hold it with OUTLINE_GAP_PX to spare, so nested
    boxes stay apart (of two equal boxes, the later is the inner); a widened box moves, never
    shrinks, to stay inside the plot. With ``plot`` None, the boxes' own extents.
    """
    cells = [((c0 - 0.5, c1 + 0.5), (r0 - 0.5, r1 + 0.5)) for r0, r1, c0, c1 in boxes]
    rows, cols = shape
    if plot is None or not rows or not cols:
        return cells
    per_cell = (plot[0] / cols, plot[1] / rows)  # screen pixels per cell, across and down

    def holds(outer: int, inner: int) -> bool:
        return all(cells[outer][d][0] <= cells[inner][d][0]
                   and cells[inner][d][1] <= cells[outer][d][1] for d in (0, 1))

    def size(k: int) -> float:
        (x0, x1), (y0, y1) = cells[k]
        return (x1 - x0) * (y1 - y0)

    drawn = list(cells)
    widened = [[False, False] for _ in cells]  # along x, along y
    done: list[int] = []
    for k in sorted(range(len(cells)), key=lambda k: (size(k), -k)):  # inner boxes first
        extent = []
        for d, n in enumerate((cols, rows)):
            lo, hi = cells[k][d]
            least = OUTLINE_PX / per_cell[d]
            if hi - lo < least:
                mid = (lo + hi) / 2
                lo, hi = mid - least / 2, mid + least / 2
                widened[k][d] = True
            gap = OUTLINE_GAP_PX / per_cell[d]
            for j in done:
                if widened[j][d] and holds(k, j):  # a widened box inside this one
                    lo, hi = min(lo, drawn[j][d][0] - gap), max(hi, drawn[j][d][1] + gap)
                    widened[k][d] = True
            if widened[k][d]:
                span = min(hi - lo, n)
                lo = min(max(lo, -0.5), n - 0.5 - span)  # moved back inside the plot
                hi = lo + span
            extent.append((lo, hi))
        drawn[k] = (extent[0], extent[1])
        done.append(k)
    return drawn
