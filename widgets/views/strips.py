"""One time step of the LSTM as labelled strips: x_e, h_(e-1), c_(e-1), the gates, c_e, h_e."""

from __future__ import annotations

from dataclasses import dataclass

import bqplot as bq
import ipywidgets as ipw
import numpy as np

from ..maths.lstm import LSTMTrace
from .colors import DIVERGING, SEQUENTIAL, color_indices, encode_png, indexed_palette
from .heatmap_geometry import tick_values
from .hover import HoverReadout, Pointed, cell_outline
from .png_mark import set_png
from .text_alternative import FigureText, plural, value_range

__all__ = [
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


@dataclass(frozen=True)
class Strip:
    key: str  # name in sequence_values()
    label: str  # what the learner reads
    vmin: float  # pinned colour range
    vmax: float
    palette: np.ndarray  # the full ramp; the picture uses STRIP_LEVELS of its colours


# in the order the cell computes them; ranges are each quantity's own (sigmoid 0..1, tanh -1..1)
STRIPS = (
    Strip("x", "xₑ", -1.0, 1.0, DIVERGING),
    Strip("h_prev", "hₑ₋₁", -1.0, 1.0, DIVERGING),
    Strip("c_prev", "cₑ₋₁", -2.0, 2.0, DIVERGING),
    Strip("i", "iₑ = σ(·)", 0.0, 1.0, SEQUENTIAL),
    Strip("f", "fₑ = σ(·)", 0.0, 1.0, SEQUENTIAL),
    Strip("g", "gₑ = tanh(·)", -1.0, 1.0, DIVERGING),
    Strip("o", "oₑ = σ(·)", 0.0, 1.0, SEQUENTIAL),
    Strip("c", "cₑ", -2.0, 2.0, DIVERGING),
    Strip("h", "hₑ", -1.0, 1.0, DIVERGING),
)



def strip_scales() -> list[tuple[float, float, np.ndarray, str]]:
    """One colour bar for each range the strips use, read from ``STRIPS`` so a bar can never
    say another range than its strips': (vmin, vmax, palette, caption naming its strips)."""
    groups: dict[tuple, tuple[Strip, list[str]]] = {}
    for strip in STRIPS:
        _, names = groups.setdefault((strip.vmin, strip.vmax, id(strip.palette)), (strip, []))
        name = strip.key.removesuffix("_prev")  # c_{e-1} and c_e: one quantity, c
        if name not in names:
            names.append(name)
    return [(s.vmin, s.vmax, s.palette,
             ("σ: " if s.palette is SEQUENTIAL else "") + ", ".join(names))
            for s, names in groups.values()]


# One indexed palette for every strip: 0 is the background (cells past a short strip's end),
# 1..127 the diverging ramp (odd, so 0 has a colour of its own), 128..255 the sequential one.
STRIP_LEVELS = 127
# (offset, levels) of each ramp in STRIP_PALETTE
_SLOTS = ((DIVERGING, 1, STRIP_LEVELS), (SEQUENTIAL, 1 + STRIP_LEVELS, 255 - STRIP_LEVELS))

STRIP_PALETTE = indexed_palette(*((ramp, levels) for ramp, _, levels in _SLOTS))


def strip_indices(strip: Strip, values: np.ndarray) -> np.ndarray:
    """Indices into ``STRIP_PALETTE`` of ``values`` on the strip's pinned range (clipped)."""
    offset, levels = next((o, n) for ramp, o, n in _SLOTS if ramp is strip.palette)
    return color_indices(values, strip.vmin, strip.vmax, levels=levels, offset=offset)


def strip_colors(strip: Strip, values: np.ndarray) -> np.ndarray:
    """The RGB colours the picture gives ``values`` in ``strip``: (..., 3) uint8."""
    return STRIP_PALETTE[strip_indices(strip, values)]


def sequence_values(trace: LSTMTrace, sample: int) -> dict[str, np.ndarray]:
    """Every strip's vector at every step of sequence ``sample``: (n_E, n) each, row e - 1."""
    gates = trace.gates[sample]  # (n_E, 4, H)
    return {
        "x": trace.x[sample],  # (n_E, n_X)
        "h_prev": trace.h[sample, :-1],  # (n_E, H): h_{e-1} for e = 1..n_E
        "c_prev": trace.c[sample, :-1],
        "i": gates[:, 0],
        "f": gates[:, 1],
        "g": gates[:, 2],
        "o": gates[:, 3],
        "c": trace.c[sample, 1:],  # (n_E, H): c_e
        "h": trace.h[sample, 1:],
    }


def strips_picture(values: dict[str, np.ndarray]) -> np.ndarray:
    """Every step's strips as one (n_E * 9, widest) index picture: step e is rows 9(e-1)...

    One row a strip; the gaps between strips are drawn over it. Cells past a short strip's
    end (x has n_X cells, the rest H) are index 0, the background.
    """
    n_e = len(values["x"])
    widest = max(v.shape[1] for v in values.values())
    picture = np.zeros((n_e, len(STRIPS), widest), dtype=np.uint8)
    for r, s in enumerate(STRIPS):
        v = values[s.key]  # (n_E, n)
        picture[:, r, : v.shape[1]] = strip_indices(s, v)
    return picture.reshape(n_e * len(STRIPS), widest)


def strips_text(values: dict[str, np.ndarray], x_size: str = "n_X") -> str:
    """The strips in two sentences: what each row is, its size, and its range over all steps.

    ``values`` is ``sequence_values``: the arrays the picture draws. The ranges cover every
    step, so the text stays put while the step moves (the step is said elsewhere). ``x_size``
    names x_e's size: n_X, or for a later layer the layer below's output (D·H_out).
    """
    n_e, n_x = values["x"].shape
    hidden, h_out = values["c"].shape[1], values["h"].shape[1]
    projected = f"; h has H_out = {plural(h_out, 'unit')}" if h_out != hidden else ""
    # h_{e-1} and h_e together are h_0..h_n_E: one range for both rows (c likewise)
    h = np.concatenate([values["h_prev"], values["h"]])
    c = np.concatenate([values["c_prev"], values["c"]])
    ranges = [("x", values["x"]), ("h", h), ("c", c),
              *((gate, values[gate]) for gate in ("i", "f", "g", "o"))]
    return (f"Strips of one step e of the LSTM cell, one row a vector, top to bottom: "
            f"x_e ({x_size} = {plural(n_x, 'value')}), then h_(e-1), c_(e-1), the gates i, f, "
            f"g, o, c_e and h_e (H = {plural(hidden, 'unit')} each{projected}), each coloured "
            "on its own "
            f"fixed range. Over the n_E = {n_e} steps of this sequence: "
            + "; ".join(f"{name} {value_range(v)}" for name, v in ranges) + ".")


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

    def __init__(self, *, width: str = "100%", height: str = "330px", **kwargs):
        super().__init__(**kwargs)
        self.add_class("lstm-strips")
        self._sequence: dict[str, np.ndarray] = {}
        self._step = 1
        n = len(STRIPS)
        self._x_scale = bq.LinearScale(min=0.0, max=1.0, allow_padding=False)
        self._y_scale = bq.LinearScale(min=-0.5, max=n - 0.5, reverse=True, allow_padding=False)
        scales = {"x": self._x_scale, "y": self._y_scale}
        self._image = bq.Image(image=ipw.Image(format="png", value=encode_png(
            np.zeros((1, 1), np.uint8), STRIP_PALETTE)), scales=scales, x=[0.0, 1.0],
            y=[n - 0.5, -0.5], pixelated=True)
        gaps = np.arange(n + 1, dtype=np.float32) - 0.5  # between strips, and at both edges
        self._gaps = bq.Lines(x=np.tile(np.float32([0.0, 1.0]), (n + 1, 1)),
                              y=np.repeat(gaps[:, None], 2, axis=1), scales=scales,
                              colors=["white"], stroke_width=self.GAP_PX)
        self._labels = bq.Label(
            x=np.zeros(n, dtype=np.float32), y=np.arange(n, dtype=np.float32),
            text=[s.label for s in STRIPS], scales=scales, colors=["#222"], default_size=13,
            align="end", x_offset=-8, y_offset=4, apply_clip=False,
        )
        below = n - 0.5
        self._ticks = bq.Label(x=[0.0], y=[below], text=[""], scales=scales, colors=["#222"],
                               default_size=11, align="middle", y_offset=16, apply_clip=False)
        self._x_label = bq.Label(x=[0.5], y=[below], text=["unit j (element k for xₑ)"],
                                 scales=scales, colors=["#222"], default_size=12,
                                 font_weight="bold", align="middle", y_offset=34,
                                 apply_clip=False)
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
            interaction=self._hover.interaction, layout=ipw.Layout(width=width, height=height),
        )
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
        n = len(STRIPS)
        n_e = len(self._sequence.get("x", ())) or 1
        top = -0.5 - n * (step - 1)
        return [top + n * n_e, top]

    def show(self, sequence: dict[str, np.ndarray], step: int, x_size: str = "n_X") -> None:
        """Draw every step of a sequence (``sequence_values``) and show step e = ``step``.

        A new width changes the picture and the tick labels only.
        """
        old_widest = self.widest
        self._sequence, self._step = sequence, step
        self.alt.text = strips_text(sequence, x_size)
        with self._image.hold_sync():
            set_png(self._image, encode_png(strips_picture(sequence), STRIP_PALETTE))
            self._image.y = self._extent(step)
        widest = self.widest
        if widest != old_widest or len(self._ticks.text) <= 1:
            ticks = tick_values(widest, most=16)
            with self._ticks.hold_sync():
                self._ticks.x = ((ticks + 0.5) / widest).astype(np.float32)
                self._ticks.y = np.full(len(ticks), len(STRIPS) - 0.5, np.float32)
                self._ticks.text = [str(int(t)) for t in ticks]
            self._hover.leave()
            self.mark_unit(self._unit)  # the column's place moves with the width
        self._hover.refresh()  # a read-out naming a cell reads it again, or shows the hint

    def mark_unit(self, unit: int | None) -> None:
        """Outline unit j's column through every strip but x_e's, or none."""
        self._unit = unit
        if unit is None:
            self._unit_column.visible = False
            return
        widest = self.widest
        x = np.float32([unit, unit + 1, unit + 1, unit, unit]) / widest
        y = np.float32([0.5, 0.5, len(STRIPS) - 0.5, len(STRIPS) - 0.5, 0.5])
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
        strip = STRIPS[row]
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
        if not (0 <= x < 1 and -0.5 <= y < len(STRIPS) - 0.5):  # before any int(): x may be 1e308
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
