"""A vertical colour bar: a palette on a fixed range, its numbers and a caption."""

from __future__ import annotations

import bqplot as bq
import ipywidgets as ipw
import numpy as np

from .colors import DIVERGING, encode_png
from .markup import as_html
from .text_alternative import FigureText, plain

__all__ = ["ColorBar"]


class ColorBar(ipw.VBox):
    """A vertical colour bar for a palette on a fixed range, with a caption.

    Parameters
    ----------
    palette : (256, 3) uint8 array
    caption : str
        Shown above the bar, e.g. "weights" or "gate value".
    height : str, default "300px"

    The bar is ``WIDTH`` wide, its numbers included.
    """

    WIDTH = "80px"

    def __init__(self, *, palette: np.ndarray = DIVERGING, caption: str = "",
                 height: str = "300px", **kwargs):
        super().__init__(**kwargs)
        self.add_class("lstm-colorbar")
        self._scale = bq.LinearScale(min=-1.0, max=1.0, allow_padding=False)
        gradient = np.arange(255, -1, -1, dtype=np.uint8)[:, None]  # top is the maximum
        self._image = bq.Image(
            image=ipw.Image(format="png", value=encode_png(gradient, palette)),
            scales={"x": bq.LinearScale(min=0.0, max=1.0), "y": self._scale},
            x=[0.0, 1.0],
            y=[-1.0, 1.0],
        )
        # a short bar (a plain RNN's three strips) keeps its numbers apart: fewer of them
        short = height.endswith("px") and float(height[:-2]) < 200
        axis = bq.Axis(scale=self._scale, side="right", tick_format=".2f", grid_lines="none",
                       num_ticks=3 if short else None)
        self._figure = bq.Figure(display_toolbar=False,
            marks=[self._image], axes=[axis], padding_x=0, padding_y=0,
            fig_margin=dict(top=6, bottom=40, left=4, right=44),
            layout=ipw.Layout(width=self.WIDTH, height=height),
        )
        self._caption = ipw.HTML(as_html(caption), layout=ipw.Layout(margin="0 0 0 12px"))
        self._caption.add_class("colorbar-caption")
        self.alt = FigureText()
        self.children = [self._caption, self.alt, self._figure]
        self._describe()

    def _describe(self) -> None:
        lo, hi = self.range
        what = plain(self._caption.value)
        self.alt.text = (f"Colour scale{f' for {what}' if what else ''}: {lo:.2f} at the "
                         f"bottom to {hi:.2f} at the top.")

    @property
    def range(self) -> tuple[float, float]:
        return self._scale.min, self._scale.max

    def set_range(self, vmin: float, vmax: float, caption: str | None = None) -> None:
        # numbers in the thousands and more fit the bar's width as 135k, not 135450.00
        tick_format = ".3~s" if max(abs(vmin), abs(vmax)) >= 1000 else ".2f"
        axis = self._figure.axes[0]
        if axis.tick_format != tick_format:
            axis.tick_format = tick_format
        with self._scale.hold_sync():
            self._scale.min, self._scale.max = float(vmin), float(vmax)
        with self._image.hold_sync():
            self._image.y = [float(vmin), float(vmax)]
        if caption is not None:
            self._caption.value = as_html(caption)
        self._describe()
