"""One time step of the LSTM as labelled strips, and every unit's state over all steps."""

from __future__ import annotations

from dataclasses import dataclass

import bqplot as bq
import ipywidgets as ipw
import numpy as np
from bqplot_image_gl.interacts import MouseInteraction

from ..maths.lstm import LSTMTrace
from .colors import (
    DIVERGING,
    SEQUENTIAL,
    color_indices,
    encode_png,
    indexed_palette,
    nice_bound,
)
from .heatmap import cell_outline, mouse_event, set_png, tick_values
from .text_alternative import FigureText, value_range

__all__ = [
    "STRIPS",
    "STRIP_PALETTE",
    "StateChart",
    "StepCursor",
    "StripStack",
    "line_coverage",
    "sequence_values",
    "states_text",
    "strip_colors",
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
    Strip("x", "xₑ", -1.2, 1.2, DIVERGING),
    Strip("h_prev", "hₑ₋₁", -1.0, 1.0, DIVERGING),
    Strip("c_prev", "cₑ₋₁", -2.0, 2.0, DIVERGING),
    Strip("i", "iₑ = σ(·)", 0.0, 1.0, SEQUENTIAL),
    Strip("f", "fₑ = σ(·)", 0.0, 1.0, SEQUENTIAL),
    Strip("g", "gₑ = tanh(·)", -1.0, 1.0, DIVERGING),
    Strip("o", "oₑ = σ(·)", 0.0, 1.0, SEQUENTIAL),
    Strip("c", "cₑ", -2.0, 2.0, DIVERGING),
    Strip("h", "hₑ", -1.0, 1.0, DIVERGING),
)

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


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def strips_text(values: dict[str, np.ndarray]) -> str:
    """The strips in two sentences: what each row is, its size, and its range over all steps.

    ``values`` is ``sequence_values``: the arrays the picture draws. The ranges cover every
    step, so the text stays put while the step moves (the step is said elsewhere).
    """
    n_e, n_x = values["x"].shape
    hidden = values["h"].shape[1]
    # h_{e-1} and h_e together are h_0..h_n_E: one range for both rows (c likewise)
    h = np.concatenate([values["h_prev"], values["h"]])
    c = np.concatenate([values["c_prev"], values["c"]])
    ranges = [("x", values["x"]), ("h", h), ("c", c),
              *((gate, values[gate]) for gate in ("i", "f", "g", "o"))]
    return (f"Strips of one step e of the LSTM cell, one row a vector, top to bottom: "
            f"x_e (n_X = {_plural(n_x, 'value')}), then h_(e-1), c_(e-1), the gates i, f, g, "
            f"o, c_e and h_e (H = {_plural(hidden, 'unit')} each), each coloured on its own "
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
        self._cursor = bq.Lines(x=[0.0], y=[0.0], scales=scales, colors=["#111"], stroke_width=2,
                                visible=False)
        below = n - 0.5
        self._ticks = bq.Label(x=[0.0], y=[below], text=[""], scales=scales, colors=["#222"],
                               default_size=11, align="middle", y_offset=16, apply_clip=False)
        self._x_label = bq.Label(x=[0.5], y=[below], text=["unit j (element k for xₑ)"],
                                 scales=scales, colors=["#222"], default_size=12,
                                 font_weight="bold", align="middle", y_offset=34,
                                 apply_clip=False)
        self._hover = MouseInteraction(x_scale=self._x_scale, y_scale=self._y_scale,
                                       move_throttle=40, events=["mousemove", "mouseleave"])
        self._hover.on_msg(self._on_mouse)
        self.figure = bq.Figure(
            marks=[self._image, self._gaps, self._labels, self._ticks, self._x_label,
                   self._cursor],
            fig_margin=dict(top=6, bottom=40, left=110, right=10), padding_x=0, padding_y=0,
            interaction=self._hover, layout=ipw.Layout(width=width, height=height),
        )
        self._readout = ipw.HTML("<span class='hint'>hover a cell to read it</span>",
                                 layout=ipw.Layout(margin="0 0 0 8px", min_height="1.4em"))
        self._readout.add_class("strips-readout")
        self.alt = FigureText()  # what a screen reader reads in the figure's place
        self.children = [self.alt, self.figure, self._readout]

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

    def show(self, sequence: dict[str, np.ndarray], step: int) -> None:
        """Draw every step of a sequence (``sequence_values``) and show step e = ``step``.

        A new width changes the picture and the tick labels only.
        """
        old_widest = self.widest
        self._sequence, self._step = sequence, step
        self.alt.text = strips_text(sequence)
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
            self._cursor.visible = False

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
        widest = self.widest
        inside = 0 <= x < 1 and -0.5 <= y < len(STRIPS) - 0.5  # before any int(): x may be 1e308
        row, col = (int(np.floor(y + 0.5)), int(np.floor(x * widest))) if inside else (0, 0)
        text = self.describe(row, col) if inside else None
        if text is None:
            self._cursor.visible = False
            return
        self._readout.value = text
        cx, cy = cell_outline(row, col, half_height=0.4)
        with self._cursor.hold_sync():
            self._cursor.x, self._cursor.y = ((cx + 0.5) / widest).astype(np.float32), cy
            self._cursor.visible = True

    def _on_mouse(self, _widget, content, _buffers) -> None:
        event, x, y = mouse_event(content)
        if event == "mousemove" and x is not None:
            self.hover(float(x), float(y))
        elif event == "mouseleave":
            self._cursor.visible = False


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


class StepCursor:
    """The dashed line at step e, in every chart that shares it, moved by one message.

    The line sits at x = 0 on a scale of its own, whose domain [-e, n_E - e] puts 0 at step
    e; the charts share that scale, so a step is one scale update however many charts show it.
    """

    def __init__(self):
        self.scale = bq.LinearScale(min=-1.0, max=0.0, allow_padding=False)

    @property
    def step(self) -> int:
        return round(-self.scale.min)

    def move(self, step: int, last: float) -> None:
        """Put the line at step e on a chart whose x axis runs 0..``last``."""
        if (self.scale.min, self.scale.max) != (-step, last - step):
            with self.scale.hold_sync():
                self.scale.min, self.scale.max = float(-step), float(last - step)


def states_text(name: str, series: np.ndarray, unit: int) -> str:
    """The chart in one sentence: how many units over which steps, their range and unit j's.

    ``series`` is (H, n_E + 1), the lines drawn. No step: the text stays put while it moves.
    """
    hidden, points = series.shape
    return (f"Line chart of {name} over the steps e = 0 to n_E = {points - 1}: H = "
            f"{_plural(hidden, 'line')}, one a unit, values {value_range(series)}; unit "
            f"j = {unit} is the bold line, {value_range(series[unit])}; a dashed line marks "
            "the step e.")


class StateChart(ipw.VBox):
    """Every unit's h (or c) over all steps e = 0..n_E, unit j in bold, a cursor at step e.

    Parameters
    ----------
    name : str
        The state's symbol, e.g. "h_e".
    bound : float, optional
        A fixed symmetric y range ±bound (h = o·tanh(c) lies in (-1, 1)); without it, the
        range is a round number over the data (``nice_bound``), so it rarely moves.
    cursor : StepCursor, optional
        The step's dashed line; charts given the same one move together in one message.

    The x scale moves only when n_E does: a new H or seed redraws the lines alone. Past
    ``RASTER_ABOVE`` units the thin lines are drawn as one picture (how many lines cross each
    pixel), which the browser draws in a few milliseconds where hundreds of SVG paths of
    hundreds of points take most of a second; unit j stays a line.

    Attributes
    ----------
    figure : bq.Figure -- the chart, hidden from screen readers by the page script
    alt : FigureText -- the chart in words (``states_text``), changed with the data or unit j
    """

    RASTER_ABOVE = 32
    RASTER_SIZE = (180, 640)  # rows, columns: about the plot area's pixels
    LINE_RGB = (0x9B, 0xB7, 0xD4)
    # the raster is the lines' one colour at 256 opacities: index k is opacity k / 255
    RASTER_PALETTE = np.tile(np.uint8(LINE_RGB), (256, 1))
    RASTER_ALPHA = np.arange(256, dtype=np.uint8)

    def __init__(self, *, name: str, bound: float | None = None,
                 cursor: StepCursor | None = None, width: str = "100%", height: str = "220px",
                 **kwargs):
        super().__init__(**kwargs)
        self.add_class("lstm-chart")
        self.name = name
        self._bound = bound
        self.cursor = cursor or StepCursor()
        self._x_scale = bq.LinearScale(min=0.0, max=1.0, allow_padding=False)
        top = 1.05 * (bound or 1.0)
        self._y_scale = bq.LinearScale(min=-top, max=top, allow_padding=False)
        scales = {"x": self._x_scale, "y": self._y_scale}
        self._all = bq.Lines(scales=scales, colors=["#9bb7d4"], opacities=[0.6], stroke_width=1)
        self._raster = bq.Image(image=ipw.Image(format="png", value=encode_png(
            np.zeros((1, 1), np.uint8), self.RASTER_PALETTE, alpha=self.RASTER_ALPHA)),
            scales=scales, x=[0.0, 1.0], y=[-1.0, 1.0],
            visible=False)
        self._unit = bq.Lines(scales=scales, colors=["#c0392b"], stroke_width=2.5)
        self._cursor = bq.Lines(x=np.zeros(2, np.float32), y=np.float32([-top, top]),
                                scales={"x": self.cursor.scale, "y": self._y_scale},
                                colors=["#111"], stroke_width=1.5, line_style="dashed")
        axes = [bq.Axis(scale=self._x_scale, label="step e", tick_format="d"),
                bq.Axis(scale=self._y_scale, label=name, side="left",
                        tick_format=".2f")]
        self.figure = bq.Figure(marks=[self._raster, self._all, self._unit, self._cursor],
                                axes=axes,
                                fig_margin=dict(top=10, bottom=40, left=55, right=10),
                                layout=ipw.Layout(width=width, height=height))
        self._title = ipw.HTML()
        self._title.add_class("chart-title")
        self.alt = FigureText()  # what a screen reader reads in the figure's place
        self.children = [self._title, self.alt, self.figure]
        self._series = np.zeros((1, 1), np.float32)
        self._shown_unit: int | None = None

    @property
    def series(self) -> np.ndarray:
        """(H, n_E + 1) values on screen: one row a unit."""
        return self._series

    @property
    def rastered(self) -> bool:
        """Whether the thin lines are one picture (many units) rather than SVG paths."""
        return bool(self._raster.visible)

    @property
    def cursor_step(self) -> int:
        return self.cursor.step

    def show(self, series: np.ndarray, unit: int, step: int) -> None:
        """``series`` is (n_E + 1, H): the state at e = 0..n_E, for one sequence."""
        self._series = np.ascontiguousarray(series.T, dtype=np.float32)  # (H, n_E + 1)
        self._shown_unit = None  # new data: the bold line must be resent
        steps = np.arange(self._series.shape[1], dtype=np.float32)
        last = float(max(1, len(steps) - 1))
        if self._x_scale.max != last:
            with self._x_scale.hold_sync():
                self._x_scale.min, self._x_scale.max = 0.0, last
        top = 1.05 * (self._bound or nice_bound(self._series))
        if self._y_scale.max != top:
            with self._y_scale.hold_sync():
                self._y_scale.min, self._y_scale.max = -top, top
            self._cursor.y = np.float32([-top, top])
        if len(self._series) > self.RASTER_ABOVE:
            cover = line_coverage(self._series, top, self.RASTER_SIZE[1], self.RASTER_SIZE[0])
            # each line at 45% opacity, as stacked translucent strokes would be
            opacity = np.rint(255 * (1 - 0.55 ** cover.astype(np.float32))).astype(np.uint8)
            with self._raster.hold_sync():
                set_png(self._raster, encode_png(opacity, self.RASTER_PALETTE,
                                                 alpha=self.RASTER_ALPHA))
                self._raster.x, self._raster.y = [0.0, last], [-top, top]
                self._raster.visible = True
            if self._all.visible:
                with self._all.hold_sync():  # no hidden paths left in the page
                    self._all.x, self._all.y = steps[:2], self._series[:1, :2]
                    self._all.visible = False
        else:
            with self._all.hold_sync():
                self._all.x, self._all.y = steps, self._series
                self._all.visible = True
            self._raster.visible = False
        self.point(unit, step)

    def point(self, unit: int, step: int) -> None:
        """Move the cursor to step e and put unit j in bold, without resending the other lines.

        The bold line and the text alternative are resent only when the unit changes: a step
        moves the cursor alone (one message for all the charts sharing it).
        """
        if unit != self._shown_unit:
            steps = np.arange(self._series.shape[1], dtype=np.float32)
            with self._unit.hold_sync():
                self._unit.x, self._unit.y = steps, self._series[unit]
            self._shown_unit = unit
            self.alt.text = states_text(self.name, self._series, unit)
        self.cursor.move(step, self._x_scale.max)
        # the step is the dashed line: the title changes with the unit only
        self._title.value = (f"<b>{self.name}</b> of every unit over the steps "
                             f"(unit {unit} in red; dashed line: the step e)")
