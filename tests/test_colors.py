import numpy as np
import pytest

from widgets.maths.colors import (
    DIVERGING,
    SEQUENTIAL,
    color_indices,
    decode_png,
    encode_png,
    encode_png_rgba,
)


def test_png_round_trip():
    rng = np.random.default_rng(0)
    indices = rng.integers(0, 256, size=(1024, 256), dtype=np.uint8)
    data = encode_png(indices, DIVERGING)
    back, palette = decode_png(data)
    assert np.array_equal(back, indices)
    assert np.array_equal(palette, DIVERGING)


def test_png_is_valid_for_pillow_if_present():
    pil = pytest.importorskip("PIL.Image")
    import io

    indices = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    img = pil.open(io.BytesIO(encode_png(indices, SEQUENTIAL)))
    assert img.size == (4, 3) and img.mode == "P"
    assert np.array_equal(np.asarray(img), indices)


def test_fixed_range_centres_zero_on_white():
    idx = color_indices(np.array([-1.0, 0.0, 1.0, -5.0, 5.0]), -1.0, 1.0)
    assert list(idx) == [0, 128, 255, 0, 255]
    white = DIVERGING[128]
    assert white.min() >= 240
    # negative is blue-ish, positive red-ish
    assert DIVERGING[0][2] > DIVERGING[0][0] and DIVERGING[255][0] > DIVERGING[255][2]


def test_rgba_round_trip_and_pillow_agrees():
    rng = np.random.default_rng(3)
    rgba = rng.integers(0, 256, size=(9, 13, 4), dtype=np.uint8)
    back, palette = decode_png(encode_png_rgba(rgba))
    assert palette is None and np.array_equal(back, rgba)
    pil = pytest.importorskip("PIL.Image")
    import io

    img = pil.open(io.BytesIO(encode_png_rgba(rgba)))
    assert img.mode == "RGBA" and np.array_equal(np.asarray(img), rgba)
