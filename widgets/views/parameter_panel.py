"""The LSTM's parameter tensors side by side in one figure whose scales never move.

Every tensor of a PyTorch LSTM layer has 4H rows (the gates i, f, g, o stacked), so the four
of them share one vertical axis: a fraction of the rows, fixed at [0, 1]. Each tensor owns a
fixed band of the figure's width, measured in screen pixels. All the bands are one picture,
4H rows by one column a screen pixel, each tensor's cells repeated across its band, so a change
of n_X or H sends one picture and one set of tick labels; no scale, axis or layout moves, which
is what keeps a size change cheap in the browser.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import ClassVar

import bqplot as bq
import ipywidgets as ipw
import numpy as np

from .colors import DIVERGING, color_indices, encode_png, indexed_palette
from .hover import HoverReadout, Pointed, box_outline
from .markup import as_html
from .panel_layout import PanelLayout, Region, panel_ticks, title_row
from .png_mark import set_png
from .text_alternative import FigureText, plain, value_range

__all__ = ["WEIGHT_REGIONS", "ParameterPanel", "panel_indices", "panel_palette"]

LEVELS = 255  # colour levels of the range; index 0 is the background between the bands


def panel_palette(palette: np.ndarray) -> np.ndarray:
    """(256, 3): white for the background, then ``palette`` at ``LEVELS`` levels."""
    return indexed_palette((palette, LEVELS))


def panel_indices(values: np.ndarray, vmin: float, vmax: float) -> np.ndarray:
    """Picture indices of ``values`` on the fixed range [vmin, vmax], clipped: 1..LEVELS."""
    return color_indices(values, vmin, vmax, levels=LEVELS, offset=1)


# an LSTM layer's parameters left to right, each over a fixed width of screen pixels
WEIGHT_REGIONS = (Region("weight_ih_l0", "4H × n_X", "input feature k", 250),
                  Region("weight_hh_l0", "4H × H", "hidden unit", 360),
                  Region("bias_ih_l0", "4H", "", 56),
                  Region("bias_hh_l0", "4H", "", 56))


class ParameterPanel(ipw.VBox):
    """The tensors named by ``regions`` (all with the same rows) drawn side by side.

    Parameters
    ----------
    regions : sequence of Region
        Left to right; e.g. weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0.
    bands : sequence of str
        Equal row bands, e.g. PyTorch's gate order ("i", "f", "g", "o").
    height : int
        Height of the plot area in pixels.

    Attributes
    ----------
    figure : bq.Figure -- every tensor, hidden from screen readers by the page script
    alt : FigureText -- the figure in words (``summary``): each tensor's name, shape and
        range, and the row bands
    hover_readout : HoverReadout -- the read-out line (``heatmap-readout``) and the cursor
    """

    MARGIN: ClassVar[dict[str, int]] = dict(top=8, bottom=46, left=58, right=56)

    def __init__(self, regions: Sequence[Region], *, bands: Sequence[str],
                 palette: np.ndarray = DIVERGING, height: int = 330, **kwargs):
        super().__init__(**kwargs)
        self.add_class("lstm-heatmap")
        self.add_class("parameter-panel")
        self.layout_px = PanelLayout(tuple(regions))
        self._regions = tuple(regions)  # what is on screen: names, symbols, column labels
        self.bands = tuple(bands)
        self._palette = palette
        self._height = height
        self._matrices: dict[str, np.ndarray] = {}
        self._shapes: dict[str, tuple[int, ...]] = {}
        self._title_text = [f"{r.key} ({r.symbols})" for r in regions]  # until the first show
        self._rows = 0
        self._vmin, self._vmax = -1.0, 1.0
        L = self.layout_px

        self._x_scale = bq.LinearScale(min=0.0, max=float(L.width), allow_padding=False)
        self._y_scale = bq.LinearScale(min=0.0, max=1.0, reverse=True, allow_padding=False)
        scales = {"x": self._x_scale, "y": self._y_scale}
        self._palette = panel_palette(palette)
        self._indices = np.zeros((1, L.matrices_end), np.uint8)
        # every band in one picture: one column a screen pixel, from 0 to the last band's end
        self._picture = bq.Image(image=ipw.Image(format="png", value=encode_png(
            self._indices, self._palette)), scales=scales, x=[0.0, float(L.matrices_end)],
            y=[1.0, 0.0], pixelated=True)
        gradient = np.arange(255, -1, -1, dtype=np.uint8)[:, None]  # top is vmax
        self._colorbar = bq.Image(image=ipw.Image(format="png", value=encode_png(gradient,
                                                                                palette)),
                                  scales=scales, x=[float(L.colorbar_start), float(L.width)],
                                  y=[1.0, 0.0])
        # a band edge is a white rule with a black core: visible on dark and light cells alike
        self._band_gaps = bq.Lines(x=[0.0], y=[0.0], scales=scales, colors=["#fff"],
                                   stroke_width=5)
        self._band_lines = bq.Lines(x=[0.0], y=[0.0], scales=scales, colors=["#000"],
                                    stroke_width=1.5)
        fixed_text = dict(scales=scales, colors=["#222"], apply_clip=False, align="middle")
        # the bands' letters right of the tensors, and each region's columns' label below
        self._static = bq.Label(x=[0.0], y=[0.0], text=[""], default_size=13,
                                font_weight="bold", **fixed_text)
        self._y_label = bq.Label(x=[0.0], y=[0.5], text=[""], x_offset=-44,
                                 rotate_angle=-90, default_size=12, **fixed_text)
        self._lay_bands(self.bands)
        # every number on the axes, in one mark: the only text a size change touches
        self._ticks = bq.Label(x=[0.0], y=[0.0], text=[""], default_size=11, **fixed_text)
        # the rows of one unit (row k·H + j of every gate band), outlined across every tensor:
        # where unit j's equations read their weights; hidden until ``mark_unit``
        self._unit_rows = bq.Lines(x=[0.0], y=[0.0], scales=scales, colors=["#6a1b9a"],
                                   stroke_width=2, visible=False)
        self._marked_unit: int | None = None
        self._hover = HoverReadout(self._x_scale, self._y_scale, locate=self._locate,
                                   css_class="heatmap-readout", relocate=self._point)
        m = self.MARGIN
        self.figure = bq.Figure(display_toolbar=False,
            marks=[self._picture, self._colorbar, self._band_gaps, self._band_lines,
                   self._unit_rows, self._static, self._y_label, self._ticks,
                   self._hover.cursor],
            fig_margin=m, padding_x=0, padding_y=0, interaction=self._hover.interaction,
            layout=ipw.Layout(width=f"{L.width + m['left'] + m['right']}px",
                              height=f"{height + m['top'] + m['bottom']}px"),
        )
        self.figure.add_class("heatmap-figure")
        self.figure.add_class("weights-figure")
        # the titles sit over their regions: one HTML line, absolutely placed spans
        self._titles = ipw.HTML(layout=ipw.Layout(width=self.figure.layout.width))
        self._titles.add_class("panel-titles")
        self.alt = FigureText()  # what a screen reader reads in the figure's place
        self.children = [self._titles, self.alt, self.figure, self._hover.readout]

    # --- reading back (tests, hover) -------------------------------------------------------
    @property
    def hover_readout(self) -> HoverReadout:
        """The mouse, the read-out line and the cursor (``hover`` points it from Python)."""
        return self._hover

    @property
    def png(self) -> bytes:
        """The PNG on screen: every band, (rows, plot pixels), indices into ``palette``."""
        return self._picture.image.value

    @property
    def palette(self) -> np.ndarray:
        return self._palette

    def indices(self, key: str) -> np.ndarray:
        """The (rows, cols) picture indices drawn for ``key``: one pixel from each cell."""
        k = [r.key for r in self._regions].index(key)
        cols = self._matrices[key].shape[1]
        centres = ((np.arange(cols) + 0.5) * self._regions[k].width / cols).astype(int)
        return self._indices[:, self.layout_px.starts[k] + centres]

    @property
    def regions(self) -> tuple[Region, ...]:
        """What is on screen, left to right: each tensor's name, symbols and columns' label."""
        return self._regions

    @property
    def range(self) -> tuple[float, float]:
        return self._vmin, self._vmax

    def values(self, key: str) -> np.ndarray:
        """The (rows, cols) float32 matrix on screen for ``key``."""
        return self._matrices[key]

    def titles(self) -> list[str]:
        """The titles' text, left to right."""
        return list(self._title_text)

    # --- drawing ---------------------------------------------------------------------------
    def show(self, matrices: dict[str, np.ndarray], *, vmin: float, vmax: float,
             caption: str = "", regions: Sequence[Region] | None = None,
             bands: Sequence[str] | None = None) -> None:
        """Draw each region's tensor on the fixed colour range [vmin, vmax].

        ``caption`` goes over the colour bar, e.g. "±1/√H = ±0.354". ``regions`` renames what
        is drawn (another layer's ``weight_ih_l1_reverse``, its columns' label), each in the
        place and width of the region it replaces; ``matrices`` are keyed by their names.
        ``bands`` changes the row bands (a GRU's r, z, n; a plain RNN's one band of units).

        One picture, one tick-label message and one title line, whatever changed.
        """
        L = self.layout_px
        if regions is not None:
            regions = tuple(regions)
            if [r.width for r in regions] != [r.width for r in L.regions]:
                raise ValueError("the regions must keep the panel's widths")
            relabel = [r.x_label for r in regions] != [r.x_label for r in self._regions]
            self._regions = regions
            if relabel and bands is None:
                self._lay_bands(self.bands)
        if bands is not None and tuple(bands) != self.bands:
            self._lay_bands(bands)
        mats = [np.asarray(matrices[r.key], dtype=np.float32) for r in self._regions]
        mats = [m if m.ndim == 2 else m[:, None] for m in mats]
        rows, n = mats[0].shape[0], len(self.bands)
        if rows < n or rows % n or any(m.shape[0] != rows for m in mats):
            raise ValueError(f"every tensor must have the same rows, in {n} equal bands; got "
                             f"{[m.shape[0] for m in mats]} rows")
        self._matrices = {r.key: m for r, m in zip(self._regions, mats, strict=True)}
        self._shapes = {r.key: tuple(np.shape(matrices[r.key])) for r in self._regions}
        self._rows, self._vmin, self._vmax = mats[0].shape[0], vmin, vmax
        picture = np.zeros((self._rows, L.matrices_end), np.uint8)  # 0: the background
        for k, (start, region, m) in enumerate(zip(L.starts, self._regions, mats, strict=True)):
            cells = panel_indices(m, vmin, vmax)  # (rows, cols)
            picture[:, start : start + region.width] = cells[:, L.columns(k, m.shape[1])]
        self._indices = picture
        set_png(self._picture, encode_png(picture, self._palette))
        self._hover.leave()
        x, y, text = panel_ticks(L, self._regions, mats, len(self.bands), vmin, vmax,
                                 self._height)
        with self._ticks.hold_sync():
            self._ticks.x, self._ticks.y, self._ticks.text = x, y, text
        self._title_text = [f"{r.key} ({r.symbols}) = ({self._dims(r.key)})"
                            for r in self._regions]
        self._titles.value = title_row(L, self._regions, self._shapes, self.MARGIN["left"],
                                       as_html(caption))
        self.alt.text = self.summary(caption)
        self._hover.refresh()  # a read-out naming a cell reads it again, or shows the hint

    def summary(self, caption: str = "") -> str:
        """The figure in words: each tensor's name, shape and range, the colour scale, the bands.

        E.g. "weight_hh_l0 (4H by H), 32 by 8, values from -0.35 to 0.35"; a bias is
        "bias_ih_l0 (4H), 32 values from -0.35 to 0.35". The ranges are of the arrays drawn.
        """
        if not self._rows:
            return ""

        def tensor(r: Region) -> str:
            dims = self._shapes[r.key]
            size = (f"{dims[0]} values" if len(dims) == 1
                    else f"{' by '.join(map(str, dims))}, values")
            return (f"{r.key} ({r.symbols.replace(' × ', ' by ')}), {size} "
                    f"{value_range(self._matrices[r.key])}")

        what = plain(caption)
        per = self._rows // len(self.bands)
        return (f"Parameter heatmaps side by side, coloured on one scale from {self._vmin:.2f} to "
                f"{self._vmax:.2f}{f' ({what})' if what else ''}: "
                + "; ".join(tensor(r) for r in self._regions)
                + (f". Rows in {len(self.bands)} gate bands of {per}, top to bottom: "
                   f"{', '.join(self.bands)}." if len(self.bands) > 1 else ". One row a unit."))

    def _dims(self, key: str) -> str:
        """The tensor's own shape as PyTorch gives it (a bias is 1-D): '32 × 5' or '32'."""
        return " × ".join(str(d) for d in self._shapes[key])

    def _lay_bands(self, bands: Sequence[str]) -> None:
        """Rules between ``bands`` equal row bands, their letters, and the axes' labels; one
        band (a plain RNN's rows) has no rule and its rows are units."""
        L, n, self.bands = self.layout_px, len(bands), tuple(bands)
        edges = (np.arange(1, n) / n).astype(np.float32) if n > 1 else np.float32([0.0])
        for rules in (self._band_gaps, self._band_lines):
            with rules.hold_sync():
                rules.x = np.tile(np.float32([0.0, L.matrices_end]), (len(edges), 1))
                rules.y = np.repeat(edges[:, None], 2, axis=1)
                rules.visible = n > 1
        letters_x = L.matrices_end + (L.colorbar_start - L.matrices_end) / 2
        below = 1.0 + 34 / self._height
        with self._static.hold_sync():
            self._static.x = np.float32([*[letters_x] * n, *[s + r.width / 2 for s, r in
                                                             zip(L.starts, self._regions,
                                                                 strict=True)]])
            self._static.y = np.float32([*((np.arange(n) + 0.5) / n),
                                         *[below] * len(self._regions)])
            self._static.text = [*(self.bands if n > 1 else [""]),
                                 *[r.x_label for r in self._regions]]
        self._y_label.text = ["row (gate band)" if n > 1 else "row = unit j"]

    def mark_unit(self, unit: int | None) -> None:
        """Outline unit j's row in every gate band of every tensor (rows k·H + j), or none.

        One mark, resent only when the unit or the sizes change.
        """
        if unit is None or not self._rows:
            self._unit_rows.visible, self._marked_unit = False, None
            return
        unit = min(unit, self._rows // len(self.bands) - 1)
        if (unit, self._rows) == self._marked_unit and self._unit_rows.visible:
            return
        self._marked_unit = (unit, self._rows)
        xs, ys = self.layout_px.row_outlines(self.marked_rows, self._rows)
        with self._unit_rows.hold_sync():
            self._unit_rows.x, self._unit_rows.y = xs, ys
            self._unit_rows.visible = True

    @property
    def marked_rows(self) -> list[int]:
        """The rows outlined for a unit (one per gate band), [] when none."""
        if self._marked_unit is None:
            return []
        unit, rows = self._marked_unit
        return [k * (rows // len(self.bands)) + unit for k in range(len(self.bands))]

    # --- hover -----------------------------------------------------------------------------
    def cell_at(self, x: float, y: float) -> tuple[str, int, int] | None:
        """(key, row, col) under plot coordinates (x pixels, y fraction of the rows)."""
        where = self.layout_px.locate(x)
        if where is None or not 0 <= y < 1 or not self._rows:
            return None
        k, frac = where
        key = self._regions[k].key
        cols = self._matrices[key].shape[1]
        return key, int(y * self._rows), min(int(frac * cols), cols - 1)

    def describe(self, key: str, row: int, col: int) -> str:
        value = self._matrices[key][row, col]
        per = self._rows // len(self.bands)
        where = (f"row {row} (gate {html.escape(self.bands[row // per])}, unit {row % per})"
                 if len(self.bands) > 1 else f"row {row} (unit {row})")
        column = "" if self._matrices[key].shape[1] == 1 else f", column {col}"
        return f"<b>{html.escape(key)}</b> {where}{column}: <b>{value:+.4f}</b>"

    def hover(self, x: float, y: float) -> None:
        """Point at plot coordinates (x pixels, y fraction of the rows): read the cell there."""
        self._hover.hover(x, y)

    def _locate(self, x: float, y: float) -> Pointed | None:
        cell = self.cell_at(x, y)
        return None if cell is None else self._point(cell)

    def _point(self, cell: tuple[str, int, int]) -> Pointed | None:
        """Cell (key, row, col) read from the tensors on screen; None if there is no such cell
        (another layer's tensors are other names)."""
        key, row, col = cell
        if key not in self._matrices or not (0 <= row < self._rows
                                              and 0 <= col < self._matrices[key].shape[1]):
            return None
        k = [r.key for r in self._regions].index(key)
        start, width = self.layout_px.starts[k], self._regions[k].width
        cols = self._matrices[key].shape[1]
        return Pointed(self.describe(key, row, col),
                       *box_outline(start + col * width / cols, start + (col + 1) * width / cols,
                                    row / self._rows, (row + 1) / self._rows), cell=cell)
