"""A matrix heatmap that stays fast at 1024 x 256, and the small helpers every picture shares."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import bqplot as bq
import ipywidgets as ipw
import numpy as np

from .colorbar import ColorBar
from .colors import DIVERGING, color_indices, encode_png
from .heatmap_geometry import (
    based_labels,
    css_px,
    fit_px,
    outline_extents,
    slot_css,
    tick_values,
)
from .hover import HoverReadout, Pointed, box_outline, cell_outline
from .markup import as_html
from .png_mark import set_png
from .text_alternative import FigureText, plain, plural, value_range

__all__ = ["MatrixHeatmap", "plural"]


class MatrixHeatmap(ipw.VBox):
    """A matrix drawn as one indexed PNG in a bqplot ``Image`` mark, with a hover readout.

    Cells are centred on integer coordinates, row 0 at the top, so axis ticks are indices.
    The colour range is fixed by the caller (never stretched to the data), so the same colour
    means the same number from one rebuild to the next.

    Parameters
    ----------
    palette : (256, 3) uint8 array, default ``DIVERGING``
    x_label, y_label : str
        Axis labels, e.g. "input feature" and "row (4H)".
    width, height : str
        CSS size of the figure's slot, default "320px" by "300px". A big matrix fills it; a
        small one is drawn smaller, its cells at most ``CELL_PX`` a side (``heatmap_geometry``),
        and the slot keeps its size, so nothing around it moves (``resize`` changes it).
    bands : sequence of str, optional
        Labels of equal row bands, e.g. ``("i", "f", "g", "o")`` for PyTorch's stacked gates;
        band boundaries are drawn, the row ticks mark each band's first row and the hover
        names the band and the row within it. A matrix whose rows do not split into equal
        bands is drawn plainly, without them.
    compact : bool, default False
        A thin strip: no y axis, small margins.
    colorbar : bool or ColorBar, default False
        Draw this heatmap's own colour bar beside it (for ranges not shared with others), or
        place a shared one there (``show`` sets its range).
    describe : callable(row, col) -> str, optional
        The hover text of a cell; by default its row, band, column and value.
    readout : ipw.HTML, optional
        A read-out line shared with other heatmaps, which the owner places; by default one of
        its own, under the figure.
    on_point : callable(row, col), optional
        Told of the cell a hover lands on (the mouse or ``hover``), and (None, None) when the
        cursor hides.
    margin : dict, optional
        The figure's margins (top, bottom, left, right in pixels), for an owner's annotations.
    row_base, col_base : int, default 0
        The number the first row's (column's) tick and read-out carry: 1 for elements or steps
        e = 1..n_E, which the equations count from 1 while the tensor's index counts from 0.

    Attributes
    ----------
    figure : bq.Figure -- the matrix, hidden from screen readers by the page script
    alt : FigureText -- the figure in words (``summary``)
    colorbar : ColorBar or None -- the colour bar beside it, when asked for
    hover_readout : HoverReadout -- the read-out line (``heatmap-readout``) and the cursor
    unit_scales : dict -- x and y scales over [0, 1] across the cells, row 0 at the top, for
        annotations that must not move with the shape (``add_marks``)
    """

    def __init__(
        self,
        *,
        palette: np.ndarray = DIVERGING,
        x_label: str = "column",
        y_label: str = "row",
        width: str = "320px",
        height: str = "300px",
        bands: Sequence[str] | None = None,
        compact: bool = False,
        colorbar: bool | ColorBar = False,
        describe: Callable[[int, int], str] | None = None,
        readout: ipw.HTML | None = None,
        on_point: Callable[[int | None, int | None], None] | None = None,
        margin: dict | None = None,
        row_base: int = 0,
        col_base: int = 0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self._row_base, self._col_base = row_base, col_base
        self._describe = describe
        self._on_point = on_point
        self.add_class("lstm-heatmap")
        self._palette = palette
        self._bands = tuple(bands) if bands else None
        self._values = np.zeros((0, 0), dtype=np.float32)  # so the first show() lays out axes
        self._vmin, self._vmax = -1.0, 1.0

        self._title = ipw.HTML(layout=ipw.Layout(margin="0 0 0 8px"))
        self._title.add_class("heatmap-title")
        self._labels = (x_label, y_label)
        self.alt = FigureText()  # what a screen reader reads in the figure's place
        self._x_scale = bq.LinearScale(min=-0.5, max=0.5, allow_padding=False)
        self._y_scale = bq.LinearScale(min=-0.5, max=0.5, reverse=True, allow_padding=False)
        scales = {"x": self._x_scale, "y": self._y_scale}
        self._image = bq.Image(
            image=ipw.Image(format="png", value=encode_png(np.zeros((1, 1), np.uint8), palette)),
            scales=scales,
            x=[-0.5, 0.5],
            y=[0.5, -0.5],
            pixelated=True,
        )
        # bands sit at fixed fractions of the rows (PyTorch stacks equal gate blocks), so they
        # live on unit scales of their own and never move when the matrix changes shape
        self.unit_scales = unit = {
            "x": bq.LinearScale(min=0.0, max=1.0, allow_padding=False),
            "y": bq.LinearScale(min=0.0, max=1.0, reverse=True, allow_padding=False)}
        n = len(self._bands or ())
        edges = (np.arange(1, n) / n).astype(np.float32) if n > 1 else np.zeros(1, np.float32)
        rules = dict(x=np.tile(np.float32([0.0, 1.0]), (len(edges), 1)),
                     y=np.repeat(edges[:, None], 2, axis=1), scales=unit, visible=n > 1)
        # a band edge is a white rule with a black core: visible on dark and light cells alike
        self._band_gaps = bq.Lines(colors=["#fff"], stroke_width=5, **rules)
        self._band_lines = bq.Lines(colors=["#000"], stroke_width=1.5, **rules)
        self._band_labels = bq.Label(
            x=np.ones(max(n, 1), np.float32), y=((np.arange(max(n, 1)) + 0.5) / max(n, 1)
                                                ).astype(np.float32),
            text=list(self._bands or ("",)), scales=unit, colors=["#222"], font_weight="bolder",
            default_size=14, align="start", x_offset=6, y_offset=5, apply_clip=False,
            visible=n > 0,
        )
        self._highlights = bq.Lines(x=[0.0], y=[0.0], scales=scales, stroke_width=3,
                                    visible=False)
        self._x_axis = bq.Axis(scale=self._x_scale, label=x_label, tick_format="d",
                               grid_lines="none")
        self._y_axis = bq.Axis(scale=self._y_scale, label=y_label, side="left",
                               tick_format="d", grid_lines="none", visible=not compact)
        self._hover = HoverReadout(
            self._x_scale, self._y_scale, locate=self._locate, css_class="heatmap-readout",
            readout=readout, on_leave=on_point and (lambda: on_point(None, None)),
            relocate=self._point)
        margin = margin or (dict(top=4, bottom=30, left=12, right=12) if compact
                            else dict(top=6, bottom=40, left=50,
                                      right=26 if self._bands else 10))
        self.figure = bq.Figure(display_toolbar=False,
            marks=[self._image, self._band_gaps, self._band_lines, self._band_labels,
                   self._highlights, self._hover.cursor],
            axes=[self._x_axis, self._y_axis],
            fig_margin=margin,
            padding_x=0,
            padding_y=0,
            interaction=self._hover.interaction,
            layout=ipw.Layout(width=width, height=height),
        )
        self.figure.add_class("heatmap-figure")
        self.colorbar = (colorbar if isinstance(colorbar, ColorBar) else
                         ColorBar(palette=palette, height=height) if colorbar else None)
        self._slot = ipw.HBox([w for w in (self.figure, self.colorbar) if w is not None])
        self._boxes: tuple[list, list] = ([], [])  # the outlines asked for, and their colours
        self.resize(width, height)
        own_readout = [] if readout is not None else [self._hover.readout]
        self.children = [self._title, self.alt, self._slot, *own_readout]

    @property
    def hover_readout(self) -> HoverReadout:
        """The mouse, the read-out line and the cursor (``hover`` points it from Python)."""
        return self._hover

    @property
    def title(self) -> str:
        return self._title.value

    @property
    def values(self) -> np.ndarray:
        """The float32 matrix on screen (read-only copy semantics: do not mutate)."""
        return self._values

    @property
    def png(self) -> bytes:
        return self._image.image.value

    def show(self, values: np.ndarray, *, title: str, vmin: float, vmax: float) -> None:
        """Draw ``values`` (rows, cols) on the fixed range [vmin, vmax]; one message a widget.
        ``title`` is plain text (escaped) or ``Markup``."""
        values = np.asarray(values, dtype=np.float32)
        if values.ndim == 1:
            values = values[None, :]
        rows, cols = values.shape
        reshaped = values.shape != self._values.shape
        self._values, self._vmin, self._vmax = values, vmin, vmax
        png = encode_png(color_indices(values, vmin, vmax), self._palette)
        with self._image.hold_sync():
            set_png(self._image, png)
            if reshaped:
                self._image.x = [-0.5, cols - 0.5]
                self._image.y = [rows - 0.5, -0.5]
        if reshaped:
            self._reshape(rows, cols)
        if self.colorbar is not None:
            self.colorbar.set_range(vmin, vmax)
        self._title.value = as_html(title)
        self.alt.text = self.summary()
        self._hover.refresh()  # a read-out naming a cell reads it again, or shows the hint

    def summary(self) -> str:
        """The figure in words: its title, shape, range and bands (its text alternative)."""
        rows, cols = self._values.shape
        x_label, y_label = self._labels
        text = (f"Heatmap {plain(self.title)}: {plural(rows, 'row')}"
                f"{f' ({y_label})' if y_label else ''} by {plural(cols, 'column')}"
                f"{f' ({x_label})' if x_label else ''}, values "
                f"{value_range(self._values)}, coloured on a scale from {self._vmin:g} "
                f"to {self._vmax:g}.")
        per = self.band_rows
        if per and len(self._bands) > 1:
            text += (f" Rows in {len(self._bands)} bands of {per}, top to bottom: "
                     f"{', '.join(self._bands)}.")
        return text

    def resize(self, width: str | None = None, height: str | None = None) -> None:
        """Give the figure a slot of a new CSS ``width`` and ``height`` (None keeps one)."""
        self._full = (width or self._full[0], height or self._full[1])
        (w, h), bar = (css_px(size) for size in self._full), self.colorbar is not None
        with self._slot.layout.hold_sync():  # the slot keeps its place whatever the shape
            self._slot.layout.min_width = slot_css(
                None if w is None else w + bar * css_px(ColorBar.WIDTH), figures=1 + bar)
            self._slot.layout.min_height = slot_css(h, figures=1)
        self._fit(*self._values.shape)

    def _fit(self, rows: int, cols: int) -> None:
        """The figure's size for (rows, cols) in its slot: cells of at most CELL_PX."""
        m, (x_label, y_label) = self.figure.fig_margin, self._labels
        width, across = fit_px(cols, self._full[0], m["left"] + m["right"], x_label)
        height, down = fit_px(rows, self._full[1], m["top"] + m["bottom"],
                              y_label if self._y_axis.visible else "")  # compact: no y axis
        self._plot = None if None in (across, down) else (across, down)  # pixels, or unknown
        with self.figure.layout.hold_sync():
            self.figure.layout.width, self.figure.layout.height = width, height
        self._outline()

    def _reshape(self, rows: int, cols: int) -> None:
        """Axes, scales, band marks and size follow a change of shape, each as one message."""
        self._fit(rows, cols)
        with self._x_scale.hold_sync():
            self._x_scale.min, self._x_scale.max = -0.5, cols - 0.5
        with self._y_scale.hold_sync():
            self._y_scale.min, self._y_scale.max = -0.5, rows - 0.5
        self._x_axis.tick_values = x_ticks = tick_values(cols, base=self._col_base)
        if self._col_base:  # columns counted from col_base: each tick says its own number
            self._x_axis.tick_labels = based_labels(x_ticks, self._col_base)
        per = self.band_rows
        # ticks at each band's first row (0, H, 2H, 3H): gate boundaries read off the axis
        ticks = (np.arange(0, rows, per, dtype=np.float32) if per
                 else tick_values(rows, base=self._row_base))
        self._y_axis.tick_values = ticks
        if self._row_base:  # rows counted from row_base: each tick says its own number
            self._y_axis.tick_labels = based_labels(ticks, self._row_base)
        if self._bands:
            n = len(self._bands)
            for mark, shown in ((self._band_gaps, n > 1), (self._band_lines, n > 1),
                                (self._band_labels, True)):
                mark.visible = shown and per is not None
        self._hover.leave()

    @property
    def band_rows(self) -> int | None:
        """Rows in each band, or None without bands or when the rows do not split evenly."""
        rows, n = self._values.shape[0], len(self._bands or ())
        return rows // n if n and rows >= n and rows % n == 0 else None

    def set_highlights(self, boxes: Sequence[tuple[int, int, int, int]],
                       colors: Sequence[str]) -> None:
        """Outline cell ranges ``(row0, row1, col0, col1)`` (inclusive), one colour each.

        An outline spans at least ``OUTLINE_PX`` on screen, and one round another at least
        ``OUTLINE_GAP_PX`` more each side, about its cells (``heatmap_geometry``): a box
        round one row of thousands is no hairline, and nested boxes stay apart."""
        self._boxes = (list(boxes), list(colors))
        self._outline()

    def _outline(self) -> None:
        """Draw the outlines asked for, sized for the shape and plot on screen now."""
        boxes, colors = self._boxes
        if not boxes:
            self._highlights.visible = False
            return
        outlines = [box_outline(*x, *y) for x, y in
                    outline_extents(boxes, self._values.shape, self._plot)]
        with self._highlights.hold_sync():
            self._highlights.x = np.array([x for x, _ in outlines])
            self._highlights.y = np.array([y for _, y in outlines])
            self._highlights.colors = list(colors)
            self._highlights.visible = True

    def describe(self, row: int, col: int) -> str:
        """The hover text for one cell: its row, column, band (gate) and value."""
        if self._describe is not None:
            return self._describe(row, col)
        value = self._values[row, col]
        where = (f"{self._labels[1]} {row + self._row_base} (row {row})" if self._row_base
                 else f"row {row}")
        per = self.band_rows
        if per:
            where += f" (gate {as_html(self._bands[row // per])}, unit {row % per})"
        across = (f"{self._labels[0]} {col + self._col_base} (column {col})" if self._col_base
                  else f"column {col}")
        return f"{where}, {across}: <b>{value:+.4f}</b>"

    def add_marks(self, marks: Sequence[bq.Mark]) -> None:
        """Draw an owner's annotations (on ``unit_scales``, [0, 1] across the cells, or on
        the data scales) above the picture, under the highlights and the cursor."""
        *under, highlights, cursor = self.figure.marks
        self.figure.marks = [*under, *marks, highlights, cursor]

    def outline(self, row: int | None, col: int | None = None) -> None:
        """Outline cell (row, col) with the cursor, or hide it for None, leaving the read-out
        alone: how an owner shows the twin of a cell pointed at in another figure."""
        self._hover.outline(*(cell_outline(row, col) if row is not None else (None,)))

    def hover(self, x: float, y: float) -> None:
        """Point at data coordinates (x, y): show that cell's readout and outline it."""
        self._hover.hover(x, y)

    def unhover(self) -> None:
        """Hide the cursor, as the mouse leaving the figure does."""
        self._hover.leave()

    def _locate(self, x: float, y: float) -> Pointed | None:
        row, col = int(np.floor(y + 0.5)), int(np.floor(x + 0.5))
        pointed = self._point((row, col))
        if pointed is not None and self._on_point is not None:
            self._on_point(row, col)
        return pointed

    def _point(self, cell: tuple[int, int]) -> Pointed | None:
        """Cell (row, col) read from the matrix on screen, or None if it has no such cell."""
        (row, col), (rows, cols) = cell, self._values.shape
        if not (0 <= row < rows and 0 <= col < cols):
            return None
        return Pointed(self.describe(row, col), *cell_outline(row, col), cell=cell)
