"""Where each tensor of the parameter panel sits: fixed bands of screen pixels, side by side.

The arithmetic alone (no widget): the panel draws with it, the hover reads back with it, and
the browser tests aim the mouse with it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np

from .heatmap_geometry import tick_values

__all__ = ["PanelLayout", "Region", "panel_ticks", "title_row"]


@dataclass(frozen=True)
class Region:
    """One tensor of the panel: its name, its shape in symbols, its columns' label, its width."""

    key: str  # the parameter's name in ``named_parameters()``, e.g. "weight_ih_l0"
    symbols: str  # its shape in the tutorial's notation, e.g. "4H × n_X"
    x_label: str  # what its columns are
    width: int  # screen pixels


@dataclass(frozen=True)
class PanelLayout:
    """Where each region sits, in screen pixels from the plot area's left edge."""

    regions: tuple[Region, ...]
    gap: int = 34
    colorbar_width: int = 22

    @property
    def starts(self) -> tuple[int, ...]:
        out, x = [], 0
        for r in self.regions:
            out.append(x)
            x += r.width + self.gap
        return tuple(out)

    @property
    def matrices_end(self) -> int:
        return self.starts[-1] + self.regions[-1].width

    @property
    def colorbar_start(self) -> int:
        return self.matrices_end + self.gap + 12  # room for the gate letters

    @property
    def width(self) -> int:
        return self.colorbar_start + self.colorbar_width

    def columns(self, k: int, cols: int) -> np.ndarray:
        """For each screen pixel of region ``k``, the tensor column it shows (of ``cols``).

        Pixel p covers x in [p, p + 1); its centre decides, as ``locate`` does for the mouse.
        """
        width = self.regions[k].width
        return np.minimum(((np.arange(width) + 0.5) * cols / width).astype(int), cols - 1)

    def row_outlines(self, rows: list[int], n_rows: int) -> tuple[np.ndarray, np.ndarray]:
        """Closed (x, y) paths around each of ``rows`` (of ``n_rows``) in every region, with
        x in pixels and y a fraction of the rows: one line a box, as a ``bq.Lines`` takes."""
        boxes = [(np.float32([s, s + r.width, s + r.width, s, s]),
                  np.float32([row, row, row + 1, row + 1, row]) / n_rows)
                 for row in rows for s, r in zip(self.starts, self.regions, strict=True)]
        return np.stack([x for x, _ in boxes]), np.stack([y for _, y in boxes])

    def locate(self, x: float) -> tuple[int, float] | None:
        """(region index, fraction across it) of plot x in pixels; None between regions."""
        for k, (start, r) in enumerate(zip(self.starts, self.regions, strict=True)):
            if start <= x < start + r.width:
                return k, (x - start) / r.width
        return None


def title_row(layout: PanelLayout, regions, shapes: dict, left: int, caption: str) -> str:
    """The titles over the regions and the colour bar's caption: one HTML line of spans.

    A wide region's title starts at its left edge; a narrow one's is centred on two lines.
    A long name (another layer's, a backward one's) breaks before its "_l1_reverse" and the
    row grows a line, so neighbours never overlap. ``shapes`` are the tensors' own, by name;
    ``left`` is the figure's left margin.
    """
    long = any(len(r.key) > 13 for r in regions)

    def name(r: Region, narrow: bool) -> str:
        base, cut, rest = r.key.partition("_l")
        if not long or not cut:
            return f"<b>{html.escape(r.key)}</b>"
        joint = "<br>" if narrow else ""
        return f"<b>{html.escape(base)}</b>{joint}<b>_l{html.escape(rest)}</b>"

    def dims(r: Region) -> str:
        return " × ".join(str(d) for d in shapes[r.key])

    spans = "".join(
        f"<span class='heatmap-title' style='left:{left + s}px'>"
        f"{name(r, False)}{'<br>' if long else ' '}({html.escape(r.symbols)}) = ({dims(r)})"
        "</span>" if r.width > 150 else
        f"<span class='heatmap-title narrow' style='left:{left + s + r.width / 2:.0f}px'>"
        f"{name(r, True)}<br>({html.escape(r.symbols)}) = ({dims(r)})</span>"
        for s, r in zip(layout.starts, regions, strict=True)
    )
    bar = (f"<span class='colorbar-caption narrow' style='left:{left + layout.width + 8:.0f}px'>"
           f"{caption}</span>")
    tall = " style='height:4.4em'" if long else ""
    return f"<div class='panel-title-row'{tall}>{spans}{bar}</div>"


def panel_ticks(L: PanelLayout, regions, mats, bands: int, vmin: float, vmax: float,
                height: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(x, y, text) of every number on a parameter panel's axes, in its fixed coordinates:
    column indices under each region (``mats``, the (rows, cols) tensors drawn, ``height``
    the plot's pixels), the first row of each of the ``bands`` on the left, the colour bar's
    values on the right."""
    xs, ys, texts = [], [], []
    below = 1.0 + 16 / height
    for start, region, m in zip(L.starts, regions, mats, strict=True):
        cols = m.shape[1]
        if cols == 1:
            continue
        for t in tick_values(cols, most=max(2, region.width // 40)):
            xs.append(start + (t + 0.5) * region.width / cols)
            ys.append(below)
            texts.append(str(int(t)))
    rows = mats[0].shape[0]
    per = rows // bands
    for k in range(bands):
        xs.append(-18.0)
        ys.append((k * per + 0.5) / rows)
        texts.append(str(k * per))
    for v in np.linspace(vmax, vmin, 5):
        xs.append(L.width + 26.0)
        ys.append((vmax - v) / (vmax - vmin))
        texts.append(f"{v:+.3f}" if v else "0")
    return np.float32(xs), np.float32(ys), texts
