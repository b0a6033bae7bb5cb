"""A bqplot ``Image`` mark shown as PNG bytes that change: one double buffer per mark."""

from __future__ import annotations

import bqplot as bq
import ipywidgets as ipw

__all__ = ["set_png"]


def set_png(mark: bq.Image, png: bytes) -> None:
    """Show new PNG bytes on a bqplot ``Image`` mark: two messages, no widget opened.

    The mark's view redraws when its ``image`` widget is replaced, not when that widget's
    ``value`` changes. So each mark has two ``ipywidgets.Image`` widgets, as a double buffer:
    the new bytes go to the one not on screen, then the mark points at it. The bytes travel
    first, so the page has them when the mark switches; the widget shown before becomes the
    spare. (A new widget a picture would cost three messages, an open, an update and a close,
    and a model built and torn down in the page.) The spare shares the shown one's ``Layout``.
    Call inside ``mark.hold_sync()`` to batch the mark's other changes with the switch.
    """
    shown = mark.image
    spare = getattr(mark, "_spare_image", None)
    if spare is None or spare.comm is None:
        spare = ipw.Image(value=png, format="png", layout=shown.layout)
    else:
        spare.value = png
    mark.image = spare
    mark._spare_image = shown
