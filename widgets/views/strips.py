"""One time step of a recurrent cell as labelled strips, one row a vector (``strip_sets`` says
which rows each cell has, and their colours)."""

from __future__ import annotations

import bqplot as bq
import ipywidgets as ipw
import numpy as np

from .colors import encode_png
from .heatmap_geometry import tick_values
from .hover import HoverReadout, Pointed, cell_outline
from .png_mark import set_png
from .strip_sets import (
    CELL_STRIPS,
    STRIP_PALETTE,
    STRIPS,
    Strip,
    sequence_values,
    strip_colors,
    strip_scales,
    strips_picture,
    strips_text,
)
from .text_alternative import FigureText

__all__ = [
    "CELL_STRIPS",
    "STRIPS",
    "STRIP_PALETTE",
    "Strip",
    "StripStack",
    "sequence_values",
    "strip_colors",
    "strip_scales",
    "strips_picture",
    "strips_text",
]


def strips_height(n: int) -> str:
    """The figure's height for ``n`` strips: about 32 px a strip, the axis below."""
    return f"{42 + 32 * n}px"


class StripStack(ipw.VBox):
    """The vectors of one step as stacked strips, each on its own pinned colour range.

    Precompute, then index: every step of the sequence is one indexed picture, drawn once per
    rebuild; a step only moves that picture (two numbers) so its rows for step e fill the plot.
    The figure, scales, labels and the white gaps between strips are built once. The x scale
    is a fraction of the widest strip, fixed at [0, 1]: a change of n_X or H changes the picture
    and the tick labels, never a scale. Hovering a cell names it and its value.

    Attributes
    ----------
    figure : bq.Figure -- the strips, hidden from screen readers by the page script
    alt : FigureText -- the strips in words (``strips_text``): each row's size and its range
        over all steps, so a step leaves it alone
    hover_readout : HoverReadout -- the read-out line (``strips-readout``) and the cursor
    """

    GAP_PX = 6  # white between strips

    def __init__(self, *, width: str = "100%", **kwargs):
        super().__init__(**kwargs)
        self.add_class("lstm-strips")
        self._sequence: dict[str, np.ndarray] = {}
        self._step = 1
        self._strips: tuple[Strip, ...] = ()  # the rows drawn: ``_lay_out`` sets them
        self._x_scale = bq.LinearScale(min=0.0, max=1.0, allow_padding=False)
        self._y_scale = bq.LinearScale(min=-0.5, max=0.5, reverse=True, allow_padding=False)
        scales = {"x": self._x_scale, "y": self._y_scale}
        self._image = bq.Image(image=ipw.Image(format="png", value=encode_png(
            np.zeros((1, 1), np.uint8), STRIP_PALETTE)), scales=scales, x=[0.0, 1.0],
            y=[0.5, -0.5], pixelated=True)
        # white between strips, and at both edges
        self._gaps = bq.Lines(x=[0.0], y=[0.0], scales=scales, colors=["white"],
                              stroke_width=self.GAP_PX)
        text = dict(scales=scales, colors=["#222"], apply_clip=False)
        self._labels = bq.Label(x=[0.0], y=[0.0], text=[""], default_size=13, align="end",
                                x_offset=-8, y_offset=4, **text)
        self._ticks = bq.Label(x=[0.0], y=[0.0], text=[""], default_size=11, align="middle",
                               y_offset=16, **text)
        self._x_label = bq.Label(x=[0.5], y=[0.0], text=["unit j (element k for xₑ)"],
                                 default_size=12, font_weight="bold", align="middle",
                                 y_offset=34, **text)
        # unit j's column through the state and gate strips (not x_e, whose columns are
        # features): the unit the equations write out
        self._unit_column = bq.Lines(x=[0.0], y=[0.0], scales=scales, colors=["#6a1b9a"],
                                     stroke_width=2, visible=False)
        self._unit: int | None = None
        self._hover = HoverReadout(self._x_scale, self._y_scale, locate=self._locate,
                                   css_class="strips-readout", relocate=self._point)
        self.figure = bq.Figure(display_toolbar=False,
            marks=[self._image, self._gaps, self._unit_column, self._labels, self._ticks,
                   self._x_label, self._hover.cursor],
            fig_margin=dict(top=6, bottom=40, left=110, right=10), padding_x=0, padding_y=0,
            interaction=self._hover.interaction, layout=ipw.Layout(width=width),
        )
        self._lay_out(STRIPS)  # an LSTM's rows until ``show`` is given another cell's
        self.alt = FigureText()  # what a screen reader reads in the figure's place
        self.children = [self.alt, self.figure, self._hover.readout]

    @property
    def hover_readout(self) -> HoverReadout:
        """The mouse, the read-out line and the cursor (``hover`` points it from Python)."""
        return self._hover

    @property
    def values(self) -> dict[str, np.ndarray]:
        """The vectors on screen: the current step's, one per strip."""
        return {k: v[self._step - 1] for k, v in self._sequence.items()}

    @property
    def png(self) -> bytes:
        """The picture of every step (indices into ``STRIP_PALETTE``)."""
        return self._image.image.value

    @property
    def step(self) -> int:
        return self._step

    @property
    def widest(self) -> int:
        return max((v.shape[1] for v in self._sequence.values()), default=1)

    def _extent(self, step: int) -> list[float]:
        """The picture's y extent [bottom, top] that puts step e's rows on the plot."""
        n = len(self._strips)
        n_e = len(self._sequence.get("x", ())) or 1
        top = -0.5 - n * (step - 1)
        return [top + n * n_e, top]

    def show(self, sequence: dict[str, np.ndarray], step: int, x_size: str = "n_X",
             strips: tuple[Strip, ...] = STRIPS) -> None:
        """Draw every step of a sequence (``sequence_values``) in the rows ``strips`` (an
        LSTM's by default, else ``CELL_STRIPS[cell]``) and show step e = ``step``.

        A new width changes the picture and the tick labels only; another cell's rows also
        relay the labels, the gaps and the height (a cell changes rarely).
        """
        old_widest, new_rows = self.widest, strips != self._strips
        self._sequence, self._step = sequence, step
        if new_rows:
            self._lay_out(strips)
        self.alt.text = strips_text(sequence, x_size)
        with self._image.hold_sync():
            set_png(self._image, encode_png(strips_picture(sequence, strips), STRIP_PALETTE))
            self._image.y = self._extent(step)
        widest = self.widest
        if widest != old_widest or new_rows or len(self._ticks.text) <= 1:
            ticks = tick_values(widest, most=16)
            with self._ticks.hold_sync():
                self._ticks.x = ((ticks + 0.5) / widest).astype(np.float32)
                self._ticks.y = np.full(len(ticks), len(self._strips) - 0.5, np.float32)
                self._ticks.text = [str(int(t)) for t in ticks]
            self._hover.leave()
            self.mark_unit(self._unit)  # the column's place moves with the width
        self._hover.refresh()  # a read-out naming a cell reads it again, or shows the hint

    @property
    def strips(self) -> tuple[Strip, ...]:
        """The rows drawn, top to bottom."""
        return self._strips

    def _lay_out(self, strips: tuple[Strip, ...]) -> None:
        """Rows for ``strips``: the y scale, the gaps, the labels, the axis title, the height."""
        self._strips, n = strips, len(strips)
        gaps = np.arange(n + 1, dtype=np.float32) - 0.5
        with self._y_scale.hold_sync():
            self._y_scale.max = n - 0.5
        with self._gaps.hold_sync():
            self._gaps.x = np.tile(np.float32([0.0, 1.0]), (n + 1, 1))
            self._gaps.y = np.repeat(gaps[:, None], 2, axis=1)
        with self._labels.hold_sync():
            self._labels.x = np.zeros(n, dtype=np.float32)
            self._labels.y = np.arange(n, dtype=np.float32)
            self._labels.text = [s.label for s in strips]
        self._x_label.y = np.float32([n - 0.5])
        self.figure.layout.height = strips_height(n)

    def mark_unit(self, unit: int | None) -> None:
        """Outline unit j's column through every strip but x_e's, or none."""
        self._unit = unit
        if unit is None:
            self._unit_column.visible = False
            return
        widest = self.widest
        x = np.float32([unit, unit + 1, unit + 1, unit, unit]) / widest
        n = len(self._strips)
        y = np.float32([0.5, 0.5, n - 0.5, n - 0.5, 0.5])
        with self._unit_column.hold_sync():
            self._unit_column.x, self._unit_column.y = x, y
            self._unit_column.visible = True

    @property
    def marked_unit(self) -> int | None:
        return self._unit if self._unit_column.visible else None

    def show_step(self, step: int) -> None:
        """Show step e of the sequence on screen: the picture moves, nothing is redrawn.

        The text alternative stays: it covers every step (Play calls this ~25 times a second).
        """
        self._step = step
        self._image.y = self._extent(step)

    def describe(self, row: int, col: int) -> str | None:
        strip = self._strips[row]
        v = self.values.get(strip.key)
        if v is None or not 0 <= col < len(v):
            return None
        e = self._step
        name = strip.key[0] + (f"<sub>{e - 1}</sub>" if strip.key.endswith("_prev")
                               else f"<sub>{e}</sub>")
        return (f"{name}[{col}] = <b>{float(v[col]):+.4f}</b> "
                f"<span class='hint'>(colour range {strip.vmin:g} to {strip.vmax:g})</span>")

    def hover(self, x: float, y: float) -> None:
        """Point at (x, y): x a fraction of the widest strip, y a strip's index."""
        self._hover.hover(x, y)

    def _locate(self, x: float, y: float) -> Pointed | None:
        widest = self.widest
        # before any int(): x may be 1e308
        if not (0 <= x < 1 and -0.5 <= y < len(self._strips) - 0.5):
            return None
        return self._point((int(np.floor(y + 0.5)), int(np.floor(x * widest))))

    def _point(self, cell: tuple[int, int]) -> Pointed | None:
        """Cell (strip, col) at the step shown, or None past the strip's end."""
        row, col = cell
        text = self.describe(row, col)
        if text is None:
            return None
        cx, cy = cell_outline(row, col, half_height=0.4)
        return Pointed(text, ((cx + 0.5) / self.widest).astype(np.float32), cy, cell=cell)
