"""Metric checks that end every training section: a value must lie in its profile's band."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from .errors import CourseTypeError, CourseValueError
from .profile import current_config

Band = tuple[float, float]
_MISSING: Any = object()


class MetricOutOfBand(AssertionError):
    """A trained model's metric fell outside the band expected for the run profile."""


def _number(value: Any, what: str) -> float:
    """A real number (not a bool, a string or an array of several values) as float."""
    if not isinstance(value, (numbers.Real, str, bytes)) and hasattr(value, "__array__"):
        array = np.asarray(value)  # NumPy or TensorFlow scalars, one-element arrays
        if array.size == 1 and np.issubdtype(array.dtype, np.number):
            value = array.reshape(-1)[0].item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise CourseTypeError(
            f"{what} must be a number (e.g. the accuracy returned by model.evaluate), "
            f"not {type(value).__name__} {value!r}."
        )
    return float(value)


def _band(band: Any, label: str, name: str) -> Band:
    if band is _MISSING or band is None:
        raise CourseTypeError(
            f"check_metric({name!r}, value, smoke=(low, high), full=(low, high)): "
            f"the {label} band is missing."
        )
    if not isinstance(band, (tuple, list)) or len(band) != 2:
        raise CourseTypeError(f"the {label} band for {name!r} must be a pair (low, high), not {band!r}")
    low, high = (_number(v, f"the {label} band's bounds") for v in band)
    if math.isnan(low) or math.isnan(high) or not low <= high:
        raise CourseValueError(f"{label} band {tuple(band)} for {name!r} has low > high")
    return low, high


def check_metric(
    name: str,
    value: float = _MISSING,
    *,
    smoke: Band = _MISSING,
    full: Band = _MISSING,
    profile: str | None = None,
) -> None:
    """Assert `low <= value <= high` for the current profile's band; print the result.

    Args:
        name: what is measured, e.g. "test accuracy".
        value: the measured number (computed in the notebook).
        smoke: `(low, high)` band in the smoke profile.
        full: `(low, high)` band in the full profile.
        profile: override the profile of the last `setup()` call.

    Raises:
        MetricOutOfBand: with the metric, value, band and profile.
        CourseTypeError, CourseValueError: a misuse (no name, a value that is not a
            number, e.g. `True`, a missing or inverted band).
    """
    if not isinstance(name, str) or not name.strip():
        raise CourseTypeError(
            f"check_metric needs a name first, e.g. check_metric('test accuracy', test_acc, "
            f"smoke=(0.8, 1.0), full=(0.95, 1.0)); got {name!r}."
        )
    if value is _MISSING:
        raise CourseTypeError(f"check_metric({name!r}, value, smoke=..., full=...): the value is missing.")
    value = _number(value, f"the value of {name!r}")
    bands = {"smoke": _band(smoke, "smoke", name), "full": _band(full, "full", name)}
    profile = profile if profile is not None else current_config().profile
    if profile not in bands:
        raise CourseValueError(f"profile must be 'smoke' or 'full', not {profile!r}")
    low, high = bands[profile]
    text = f"{name} = {value:.4f}, expected in [{low:g}, {high:g}] ({profile} profile)"
    if math.isnan(value) or not low <= value <= high:
        raise MetricOutOfBand(
            f"[FAIL] {text}. The model did not reach the result this lesson expects: "
            "look for a changed hyper-parameter, data that did not load as expected, "
            "or a training run cut short."
        )
    print(f"[OK] {text}")
