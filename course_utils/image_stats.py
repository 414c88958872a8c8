"""Image statistics shared by the generative-model lessons (notebooks 16 and 17).

`laplacian_variance` measures how sharp images are: the variance, over the pixels, of each
image's 4-neighbour Laplacian. Blur lowers it; notebook 16 measures VAE samples with it and
notebook 17 measures GAN samples against the same real digits.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import CourseTypeError, CourseValueError

__all__ = ["laplacian_variance"]


def laplacian_variance(images: Any) -> np.ndarray:
    """Per-image variance of the 4-neighbour Laplacian over the interior pixels.

    The Laplacian of pixel (i, j) is `x[i-1, j] + x[i+1, j] + x[i, j-1] + x[i, j+1]
    - 4 x[i, j]` (the 3x3 kernel [[0, 1, 0], [1, -4, 1], [0, 1, 0]]), computed where all four
    neighbours exist; its variance over those pixels is large for sharp strokes and small
    for blurred ones.

    Args:
        images: a batch of grey-level images, shape `(n, height, width)` or
            `(n, height, width, 1)`, values in [0, 1] for results comparable across the
            course (any real numbers are accepted); height and width at least 3.

    Returns:
        A float64 array of shape `(n,)`, one variance per image.

    Raises:
        CourseTypeError: `images` is not an array of real numbers (strings, booleans,
            objects, ragged lists).
        CourseValueError: a wrong shape (one image without a batch axis, colour channels,
            images smaller than 3x3, an empty batch) or values that are not finite.
    """
    if images is None or isinstance(images, (str, bytes)):
        raise CourseTypeError(
            f"laplacian_variance needs a batch of images as an array of shape (n, 28, 28), "
            f"not {type(images).__name__}.")
    try:
        array = np.asarray(images)
    except Exception as exc:  # noqa: BLE001 - ragged lists, objects whose __array__ fails
        raise CourseTypeError(
            f"laplacian_variance needs an array of shape (n, height, width): "
            f"{type(exc).__name__}: {exc}") from None
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number) \
            or np.issubdtype(array.dtype, np.complexfloating):
        raise CourseTypeError(
            f"laplacian_variance needs real pixel values (e.g. float32 in [0, 1]), got "
            f"dtype {array.dtype}.")
    if array.ndim == 4:
        if array.shape[-1] != 1:
            raise CourseValueError(
                f"laplacian_variance takes grey-level images: got shape {array.shape} with "
                f"{array.shape[-1]} channels; pass (n, height, width) or (n, height, width, 1).")
        array = array[..., 0]
    if array.ndim == 2:
        raise CourseValueError(
            f"laplacian_variance needs a batch of images, got one image of shape "
            f"{array.shape}: pass images[None] for a single image.")
    if array.ndim != 3:
        raise CourseValueError(
            f"laplacian_variance needs images of shape (n, height, width) or "
            f"(n, height, width, 1), got shape {array.shape}.")
    if array.shape[0] == 0:
        raise CourseValueError("laplacian_variance got an empty batch: pass at least one image.")
    if array.shape[1] < 3 or array.shape[2] < 3:
        raise CourseValueError(
            f"laplacian_variance needs images of at least 3x3 pixels, got "
            f"{array.shape[1]}x{array.shape[2]}.")
    x = array.astype(np.float64)
    if not np.all(np.isfinite(x)):
        raise CourseValueError("laplacian_variance got NaN or infinite pixel values.")
    lap = (x[:, :-2, 1:-1] + x[:, 2:, 1:-1] + x[:, 1:-1, :-2] + x[:, 1:-1, 2:]
           - 4.0 * x[:, 1:-1, 1:-1])
    return lap.var(axis=(1, 2))
