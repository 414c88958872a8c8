"""course_utils.image_stats.laplacian_variance: known values, shapes, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import CourseTypeError, CourseValueError
from course_utils.image_stats import laplacian_variance


def _by_convolution(images: np.ndarray) -> np.ndarray:
    """The same measure written as an explicit 3x3 convolution over the interior pixels."""
    kernel = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=float)
    n, h, w = images.shape
    out = np.zeros((n, h - 2, w - 2))
    for di in range(3):
        for dj in range(3):
            out += kernel[di, dj] * images[:, di:di + h - 2, dj:dj + w - 2]
    return out.var(axis=(1, 2))


def test_constant_and_linear_images_have_no_laplacian():
    ramp = np.tile(np.linspace(0.0, 1.0, 28), (28, 1))
    result = laplacian_variance(np.stack([np.full((28, 28), 0.4), ramp]))
    assert result.shape == (2,) and result.dtype == np.float64
    assert np.allclose(result, 0.0)


def test_checkerboard_known_value():
    # Interior Laplacian of a 0/1 checkerboard is +4 on the 0s and -4 on the 1s: variance 16.
    board = (np.indices((28, 28)).sum(axis=0) % 2).astype("float32")
    assert np.allclose(laplacian_variance(board[None]), [16.0])


def test_matches_an_explicit_convolution_and_accepts_a_channel_axis():
    images = np.random.default_rng(0).random((5, 28, 28)).astype("float32")
    expected = _by_convolution(images.astype(float))
    assert np.allclose(laplacian_variance(images), expected)
    assert np.allclose(laplacian_variance(images[..., None]), expected)
    assert np.allclose(laplacian_variance(images.tolist()), expected)
    assert np.allclose(laplacian_variance((255 * images).astype(np.uint8))[0],
                       _by_convolution((255 * images).astype(np.uint8).astype(float))[0])


def test_blur_lowers_it():
    images = (np.random.default_rng(1).random((4, 28, 28)) > 0.7).astype(float)
    blurred = (images + np.roll(images, 1, axis=1) + np.roll(images, 1, axis=2)
               + np.roll(images, -1, axis=1) + np.roll(images, -1, axis=2)) / 5
    assert np.all(laplacian_variance(blurred) < laplacian_variance(images) / 3)


def test_does_not_modify_its_input():
    images = np.random.default_rng(2).random((2, 8, 8))
    copy = images.copy()
    laplacian_variance(images)
    assert np.array_equal(images, copy)


@pytest.mark.parametrize(("bad", "match"), [
    (np.zeros((28, 28)), "one image"),
    (np.zeros((2, 28, 28, 3)), "3 channels"),
    (np.zeros(10), "shape"),
    (np.zeros((2, 1, 28, 28, 1)), "shape"),
    (np.zeros((0, 28, 28)), "empty batch"),
    (np.zeros((3, 2, 28)), "at least 3x3"),
    (np.full((1, 5, 5), np.nan), "NaN"),
])
def test_wrong_shapes_and_values_raise_course_value_error(bad, match):
    with pytest.raises(CourseValueError, match=match):
        laplacian_variance(bad)


@pytest.mark.parametrize("bad", [None, "images", np.zeros((2, 5, 5), dtype=bool),
                                 np.array([["a"] * 5] * 5, dtype=object)[None],
                                 np.zeros((2, 5, 5), dtype=complex), [[1, 2], [3]]])
def test_wrong_types_raise_course_type_error(bad):
    with pytest.raises(CourseTypeError):
        laplacian_variance(bad)


def test_errors_are_also_builtin_errors():
    with pytest.raises(ValueError):
        laplacian_variance(np.zeros((28, 28)))
    with pytest.raises(TypeError):
        laplacian_variance("x")
