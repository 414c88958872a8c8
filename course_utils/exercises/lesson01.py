"""Checkers for notebook 01 (setup and environment)."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..checks import CheckResult, call_safely, close, no_answer, report


def check_normalize(normalize: Callable[[np.ndarray], np.ndarray]) -> CheckResult:
    """`normalize(images)` turns uint8 pixels 0..255 into float32 values in [0, 1]."""
    what = "normalize(images) scales uint8 pixels to float32 in [0, 1]"
    images = np.array([[[0, 128], [255, 51]]], dtype=np.uint8)
    original = images.copy()
    result, error = call_safely(normalize, images)
    if error:
        return report(False, f"{what}: {error}.", "Convert to float32, then divide by 255.")
    result = np.asarray(result)
    if not np.array_equal(images, original):
        return report(False, f"{what}: it changed its input array.",
                      "Return a new array; leave the uint8 images as they are.")
    if result.dtype != np.float32:
        return report(False, f"{what}: the result has dtype {result.dtype}, not float32.",
                      "Keras trains in float32: use images.astype('float32') / 255.")
    if not close(result, original.astype(np.float32) / 255.0):
        return report(False, f"{what}: values are off (255 became {float(result.max()):.4f}).",
                      "The largest pixel value, 255, must become exactly 1.0.")
    return report(True, what)


def check_class_counts(counts: Any, y_train: np.ndarray) -> CheckResult:
    """`counts[c]` = number of training labels equal to c, for every class 0..9."""
    what = "class counts of y_train"
    if counts is None:
        return no_answer(what, counts)
    expected = np.bincount(np.asarray(y_train).reshape(-1), minlength=10)
    counts = np.asarray(counts)
    if counts.shape != expected.shape:
        return report(False, f"{what}: expected {expected.size} counts, got shape {counts.shape}.",
                      "One count per class: np.bincount(y_train, minlength=10).")
    if close(counts, expected / expected.sum()):
        return report(False, f"{what}: these are fractions, not counts.",
                      "Count examples; do not divide by the total.")
    if not close(counts, expected):
        return report(False, f"{what}: they do not match y_train (they sum to {counts.sum()}, "
                             f"y_train has {expected.sum()} labels).",
                      "Count the training labels, not the test labels.")
    return report(True, what)


def check_float32_megabytes(megabytes: float, x_train: np.ndarray) -> CheckResult:
    """Memory of `x_train` once converted to float32, in megabytes (10**6 bytes)."""
    what = "memory of x_train as float32"
    if megabytes is None:
        return no_answer(what, megabytes)
    try:
        megabytes = float(megabytes)
    except (TypeError, ValueError):
        return report(False, f"{what}: give one number, not {type(megabytes).__name__}.", "")
    expected = x_train.size * 4 / 1e6
    if close(megabytes, x_train.size / 1e6, atol=1e-3 * expected):
        return report(False, f"{what}: {megabytes:.2f} MB is the uint8 size.",
                      "float32 takes 4 bytes per value, uint8 takes 1.")
    if close(megabytes, x_train.size * 4 / 2**20, atol=1e-3 * expected) and not close(megabytes, expected, atol=1e-3 * expected):
        return report(False, f"{what}: {megabytes:.2f} is in MiB (2**20 bytes).",
                      "A megabyte here is 10**6 bytes.")
    if not close(megabytes, expected, atol=1e-3 * expected):
        return report(False, f"{what}: {megabytes} MB is not right.",
                      "Number of values (x_train.size) x 4 bytes / 1e6.")
    return report(True, f"{what}: {expected:.1f} MB")
