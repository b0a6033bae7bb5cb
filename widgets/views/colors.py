"""Colour maps, and matrices as indexed PNG pictures that travel to the browser as one image.

A (rows, cols) matrix becomes one byte per cell (an index into a 256-colour palette) and one
PNG (written by Pillow); the browser decodes it natively, which stays fast at 1024 x 256 where
drawing one SVG or canvas rectangle per cell does not. Nothing here knows of widgets.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

N_COLORS = 256


def _ramp(anchors: list[tuple[float, str]]) -> np.ndarray:
    """A (256, 3) uint8 palette interpolated linearly between ``(position, '#rrggbb')`` anchors."""
    positions = np.array([p for p, _ in anchors])
    rgb = np.array([[int(c[k : k + 2], 16) for k in (1, 3, 5)] for _, c in anchors], dtype=float)
    t = np.linspace(0.0, 1.0, N_COLORS)
    channels = [np.interp(t, positions, rgb[:, k]) for k in range(3)]
    return np.round(np.stack(channels, axis=1)).astype(np.uint8)


# blue for negative, white at zero, red for positive (a ColorBrewer-like RdBu, reversed)
DIVERGING = _ramp(
    [
        (0.0, "#053061"),
        (0.15, "#2166ac"),
        (0.3, "#67a9cf"),
        (0.45, "#d1e5f0"),
        (0.5, "#f7f7f7"),
        (0.55, "#fddbc7"),
        (0.7, "#ef8a62"),
        (0.85, "#b2182b"),
        (1.0, "#67001f"),
    ]
)

# white at 0 to deep green at 1, for the sigmoid gates' 0..1
SEQUENTIAL = _ramp([(0.0, "#f7fcf5"), (0.35, "#a1d99b"), (0.7, "#31a354"), (1.0, "#00441b")])


def nice_bound(values: np.ndarray) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that covers max |values| (at least 0.01).

    For a symmetric colour range that reads well on a colour bar and does not flicker with
    every small change in the data.
    """
    top = float(np.max(np.abs(values))) if np.size(values) else 0.0
    top = max(top, 0.01)
    exponent = np.floor(np.log10(top))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        bound = m * 10**exponent
        if bound >= top * (1 - 1e-9):
            return float(bound)
    return float(10 ** (exponent + 1))


def color_indices(values: np.ndarray, vmin: float, vmax: float, levels: int = N_COLORS,
                  offset: int = 0) -> np.ndarray:
    """Map values to palette indices on the fixed range [vmin, vmax], clipping outside it.

    By default the indices are 0..255 of a whole palette; a palette that shares its 256 entries
    (``ramp_levels``) takes ``levels`` colours from ``offset`` on.
    """
    scaled = (np.asarray(values, dtype=np.float32) - vmin) * ((levels - 1) / (vmax - vmin))
    return (offset + np.clip(np.rint(scaled), 0, levels - 1)).astype(np.uint8)


def ramp_levels(palette: np.ndarray, levels: int) -> np.ndarray:
    """(levels, 3): ``palette``'s colours at ``levels`` evenly spaced positions, ends included.

    An odd count keeps the middle of a diverging ramp (zero) a colour of its own.
    """
    return palette[np.rint(np.linspace(0, len(palette) - 1, levels)).astype(int)]


def indexed_palette(*ramps: tuple[np.ndarray, int]) -> np.ndarray:
    """(256, 3): index 0 white, the background, then each ``(palette, levels)`` ramp in turn."""
    out = np.concatenate([np.full((1, 3), 255, np.uint8),
                          *(ramp_levels(palette, levels) for palette, levels in ramps)])
    if len(out) != N_COLORS:
        raise ValueError(f"the ramps fill {len(out) - 1} of the {N_COLORS - 1} entries")
    return out


def encode_png(indices: np.ndarray, palette: np.ndarray, *, alpha: np.ndarray | None = None,
               level: int = 1) -> bytes:
    """Encode a (rows, cols) uint8 index array with a (256, 3) palette as an 8-bit indexed PNG.

    ``alpha``, optional, gives each palette entry an opacity (0 transparent, 255 opaque), as
    PNG's tRNS chunk: one colour at 256 opacities is a translucent picture at a byte a pixel.
    ``level`` is zlib's: 1 is several times faster than the default and barely larger here.
    """
    image = Image.fromarray(np.ascontiguousarray(indices, dtype=np.uint8), mode="P")
    image.putpalette(np.asarray(palette, dtype=np.uint8).tobytes())
    options = {} if alpha is None else {"transparency": np.asarray(alpha, np.uint8).tobytes()}
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=level, **options)
    return out.getvalue()
