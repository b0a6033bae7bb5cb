"""Colour maps and a small indexed-PNG encoder, so a matrix travels to the browser as one image.

A (rows, cols) matrix becomes one byte per cell (an index into a 256-colour palette) and one
PNG; the browser decodes it natively, which stays fast at 1024 x 256 where drawing one SVG or
canvas rectangle per cell does not. Nothing here knows of widgets.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

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


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(pixels: np.ndarray, color_type: int, extra: list[bytes], level: int) -> bytes:
    rows, cols = pixels.shape[:2]
    header = struct.pack(">IIBBBBB", cols, rows, 8, color_type, 0, 0, 0)
    flat = pixels.reshape(rows, -1)
    # PNG's "Sub" filter (1): each byte minus the one a pixel to its left, so a column repeated
    # to fill a wide cell costs zeros, which zlib all but removes
    bpp = flat.shape[1] // cols
    scanlines = np.empty((rows, flat.shape[1] + 1), dtype=np.uint8)
    scanlines[:, 0] = 1
    scanlines[:, 1 : 1 + bpp] = flat[:, :bpp]
    scanlines[:, 1 + bpp :] = flat[:, bpp:] - flat[:, :-bpp]  # uint8 wraps: modulo 256
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            *extra,
            _chunk(b"IDAT", zlib.compress(scanlines.tobytes(), level)),
            _chunk(b"IEND", b""),
        ]
    )


def encode_png(indices: np.ndarray, palette: np.ndarray, level: int = 1) -> bytes:
    """Encode a (rows, cols) uint8 index array with a (256, 3) palette as an 8-bit indexed PNG.

    ``level`` is zlib's: 1 is several times faster than the default and barely larger here.
    """
    plte = _chunk(b"PLTE", palette.astype(np.uint8).tobytes())
    return _png(np.asarray(indices, dtype=np.uint8), 3, [plte], level)


def encode_png_rgba(rgba: np.ndarray, level: int = 1) -> bytes:
    """Encode a (rows, cols, 4) uint8 array as an 8-bit RGBA PNG (alpha 0 is transparent)."""
    return _png(np.asarray(rgba, dtype=np.uint8), 6, [], level)


def decode_png(data: bytes) -> tuple[np.ndarray, np.ndarray | None]:
    """Read back a PNG written here: (indices, palette), or (rgba, None) for RGBA. For tests."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        chunks[kind] = chunks.get(kind, b"") + data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    cols, rows = struct.unpack(">II", chunks[b"IHDR"][:8])
    channels = 4 if chunks[b"IHDR"][9] == 6 else 1
    raw = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), dtype=np.uint8)
    lines = raw.reshape(rows, cols * channels + 1)
    assert (lines[:, 0] == 1).all(), "only the Sub filter is written here"
    # undo Sub: a running sum along each row, per channel, modulo 256
    pixels = np.cumsum(lines[:, 1:].reshape(rows, cols, channels), axis=1,
                       dtype=np.uint64).astype(np.uint8).reshape(rows, -1)
    if channels == 4:
        return pixels.reshape(rows, cols, 4).copy(), None
    palette = np.frombuffer(chunks[b"PLTE"], dtype=np.uint8).reshape(-1, 3)
    return pixels.copy(), palette
