"""Reading back the PNG pictures the views send, with Pillow: what a browser would decode."""

import io

import numpy as np
from PIL import Image


def decode_png(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(indices, palette) of an indexed PNG: (rows, cols) uint8 and (entries, 3) uint8."""
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.mode == "P", (image.format, image.mode)
    palette = np.frombuffer(bytes(image.getpalette()), np.uint8).reshape(-1, 3)
    return np.asarray(image).copy(), palette


def decode_rgba(data: bytes) -> np.ndarray:
    """(rows, cols, 4) uint8: the picture as the page shows it, transparency applied."""
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGBA")).copy()
