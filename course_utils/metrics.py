"""Metric checks that end every training section: a value must lie in its profile's band."""

from __future__ import annotations

import math

from .profile import current_config

Band = tuple[float, float]


class MetricOutOfBand(AssertionError):
    """A trained model's metric fell outside the band expected for the run profile."""


def check_metric(
    name: str,
    value: float,
    *,
    smoke: Band,
    full: Band,
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
    """
    profile = profile or current_config().profile
    bands = {"smoke": smoke, "full": full}
    if profile not in bands:
        raise ValueError(f"profile must be 'smoke' or 'full', not {profile!r}")
    for label, (low, high) in bands.items():
        if not low <= high:
            raise ValueError(f"{label} band {bands[label]} for {name!r} has low > high")
    low, high = bands[profile]
    value = float(value)
    text = f"{name} = {value:.4f}, expected in [{low:g}, {high:g}] ({profile} profile)"
    if math.isnan(value) or not low <= value <= high:
        raise MetricOutOfBand(
            f"[FAIL] {text}. The model did not reach the result this lesson expects: "
            "look for a changed hyper-parameter, data that did not load as expected, "
            "or a training run cut short."
        )
    print(f"[OK] {text}")
