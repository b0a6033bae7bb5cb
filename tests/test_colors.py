"""Palettes and pictures: the indices a matrix becomes, and the PNG Pillow writes of them."""

import numpy as np

from tests.pictures import decode_png, decode_rgba
from widgets.views.colors import (
    DIVERGING,
    SEQUENTIAL,
    color_indices,
    encode_png,
    indexed_palette,
    nice_bound,
    ramp_levels,
)


def test_png_keeps_every_index_and_the_whole_palette():
    """No quantising or palette 'optimisation' on the way: index k is palette entry k."""
    rng = np.random.default_rng(0)
    indices = rng.integers(0, 256, size=(1024, 256), dtype=np.uint8)
    back, palette = decode_png(encode_png(indices, DIVERGING))
    assert np.array_equal(back, indices)
    assert np.array_equal(palette, DIVERGING)
    few = np.zeros((3, 4), np.uint8)  # a picture that uses one colour keeps all 256
    assert np.array_equal(decode_png(encode_png(few, SEQUENTIAL))[1], SEQUENTIAL)


def test_png_with_opacities_is_one_colour_at_256_levels():
    rng = np.random.default_rng(3)
    levels = rng.integers(0, 256, size=(9, 13), dtype=np.uint8)
    palette = np.tile(np.uint8([155, 183, 212]), (256, 1))
    rgba = decode_rgba(encode_png(levels, palette, alpha=np.arange(256, dtype=np.uint8)))
    assert np.array_equal(rgba[..., 3], levels)
    assert np.all(rgba[..., :3] == [155, 183, 212])


def test_fixed_range_centres_zero_on_white():
    idx = color_indices(np.array([-1.0, 0.0, 1.0, -5.0, 5.0]), -1.0, 1.0)
    assert list(idx) == [0, 128, 255, 0, 255]
    white = DIVERGING[128]
    assert white.min() >= 240
    # negative is blue-ish, positive red-ish
    assert DIVERGING[0][2] > DIVERGING[0][0] and DIVERGING[255][0] > DIVERGING[255][2]


def test_shared_palette_starts_white_then_each_ramp():
    palette = indexed_palette((DIVERGING, 127), (SEQUENTIAL, 128))
    assert palette.shape == (256, 3) and list(palette[0]) == [255, 255, 255]
    assert np.array_equal(palette[1:128], ramp_levels(DIVERGING, 127))
    assert np.array_equal(palette[128:], ramp_levels(SEQUENTIAL, 128))
    assert np.array_equal(palette[1 + 63], DIVERGING[128])  # an odd ramp keeps zero's white
    idx = color_indices(np.float32([0.0, 1.0]), 0.0, 1.0, levels=128, offset=128)
    assert list(idx) == [128, 255]


def test_nice_bound_is_a_round_number_over_the_data():
    assert nice_bound(np.float32([0.3, -1.3])) == 2.0
    assert nice_bound(np.float32([0.07])) == 0.1
    assert nice_bound(np.float32([2.6])) == 5.0
    assert nice_bound(np.zeros(0)) == 0.01
