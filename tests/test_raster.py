"""The line rasteriser: many polylines as one picture of how many cross each pixel."""

import numpy as np

from widgets.views.raster import line_coverage


def test_line_coverage_counts_lines_through_each_pixel():
    # one line 0 -> 1 -> -1 over x = 0..2 on a 5-row, 8-column raster (row 0 is +1)
    cover = line_coverage(np.float32([[0.0, 1.0, -1.0]]), top=1.0, width=8, height=5)
    assert cover.shape == (5, 8)
    assert list(cover[:, 0]) == [0, 0, 1, 0, 0]  # starts at 0: the middle row
    assert cover[0, 3] == 1 and cover[0, 4] == 1  # the peak at x = 1 reaches the top row
    assert list(cover[:, 7]) == [0, 0, 0, 1, 1]  # ends at -1: the bottom row
    assert (cover.max(axis=0) == 1).all()  # connected: every column has the line, once
    # two identical lines count twice; a line beyond the range is clipped to the edge
    cover = line_coverage(np.float32([[0.5, 0.5], [0.5, 0.5], [9.0, 9.0]]), 1.0, 4, 5)
    assert cover[1].tolist() == [2, 2, 2, 2] and cover[0].tolist() == [1, 1, 1, 1]
    # more points than columns: every vertex still lands in some column
    many = np.zeros((1, 101), np.float32)
    many[0, 37] = 1.0
    assert line_coverage(many, 1.0, 10, 5)[0].sum() == 1
