"""Many polylines as one picture: how many of them cross each pixel."""

from __future__ import annotations

import numpy as np

__all__ = ["line_coverage"]


def line_coverage(series: np.ndarray, top: float, width: int, height: int) -> np.ndarray:
    """How many of the polylines ``series`` (lines, points) cross each pixel of a raster.

    The raster is (height, width): columns span x = 0 .. points - 1, rows span values +top
    (row 0) .. -top. In each pixel column a line covers the rows between its lowest and
    highest value in that column (its ends on the column's edges and any vertex inside), so
    steep segments stay connected. Values beyond ±top are clipped to the edge rows.
    """
    points = series.shape[1]
    xs = np.linspace(0.0, points - 1, width + 1)  # the column edges, in x units
    left = np.minimum(xs.astype(int), max(points - 2, 0))
    frac = (xs - left).astype(np.float32)
    right = np.minimum(left + 1, points - 1)
    at_edges = series[:, left] * (1 - frac) + series[:, right] * frac  # (lines, width + 1)
    lo = np.minimum(at_edges[:, :-1], at_edges[:, 1:])
    hi = np.maximum(at_edges[:, :-1], at_edges[:, 1:])
    # a vertex inside a column can reach beyond both of the column's edges
    vertex_col = np.minimum((np.arange(points) * width / max(points - 1, 1)).astype(int),
                            width - 1)
    if len(np.unique(vertex_col)) == points:  # at most one vertex a column: plain indexing
        lo[:, vertex_col] = np.minimum(lo[:, vertex_col], series)
        hi[:, vertex_col] = np.maximum(hi[:, vertex_col], series)
    else:
        np.minimum.at(lo.T, vertex_col, series.T)
        np.maximum.at(hi.T, vertex_col, series.T)
    to_row = (height - 1) / (2 * top)
    first = np.clip(np.floor((top - hi) * to_row + 0.5), 0, height - 1).astype(np.int64)
    last = np.clip(np.floor((top - lo) * to_row + 0.5), 0, height - 1).astype(np.int64)
    # a span [first, last] per line and column: +1 at its first row, -1 after its last
    cols = np.broadcast_to(np.arange(width), first.shape)
    starts = np.bincount((first * width + cols).ravel(), minlength=(height + 1) * width)
    ends = np.bincount(((last + 1) * width + cols).ravel(), minlength=(height + 1) * width)
    return np.cumsum((starts - ends).reshape(height + 1, width), axis=0)[:height]
