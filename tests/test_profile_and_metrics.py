"""Run profiles, setup() and the metric check."""

from __future__ import annotations

import math

import pytest

import course_utils
from course_utils import MetricOutOfBand, check_metric
from course_utils.profile import resolve_profile


def test_profile_default_env_and_argument(monkeypatch):
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    assert resolve_profile() == "full"
    monkeypatch.setenv("COURSE_PROFILE", "Smoke")
    assert resolve_profile() == "smoke"
    assert resolve_profile("full") == "full"


def test_unknown_profile_says_what_to_do(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "fast")
    with pytest.raises(ValueError, match="smoke, full"):
        resolve_profile()


def test_setup_reports_and_returns_config(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    cfg = course_utils.setup(seed=7, profile="smoke")
    out = capsys.readouterr().out
    assert cfg.profile == "smoke" and cfg.seed == 7 and cfg.is_smoke
    for word in ("Python", "TensorFlow", "Keras", "Device", "Colab", "Profile", "smoke", str(tmp_path)):
        assert word in out
    assert cfg.pick(smoke=1, full=2) == 1
    assert course_utils.current_config() is cfg


def test_setup_seeds_numpy(monkeypatch):
    import numpy as np

    course_utils.setup(seed=3, profile="smoke", verbose=False)
    a = np.random.rand(3)
    course_utils.setup(seed=3, profile="smoke", verbose=False)
    assert np.array_equal(a, np.random.rand(3))


def test_full_profile_on_cpu_warns_about_time(monkeypatch, capsys):
    cfg = course_utils.setup(profile="full", full_cpu_minutes=12)
    out = capsys.readouterr().out
    if not cfg.gpus:
        assert "about 12 min" in out and "COURSE_PROFILE=smoke" in out


def test_metric_in_band_passes(capsys):
    check_metric("test accuracy", 0.91, smoke=(0.85, 1.0), full=(0.97, 1.0), profile="smoke")
    assert "[OK] test accuracy = 0.9100" in capsys.readouterr().out


def test_metric_out_of_band_names_everything():
    with pytest.raises(MetricOutOfBand) as err:
        check_metric("test accuracy", 0.10, smoke=(0.85, 1.0), full=(0.97, 1.0), profile="full")
    message = str(err.value)
    for part in ("test accuracy", "0.1000", "[0.97, 1]", "full profile"):
        assert part in message


def test_metric_nan_fails():
    with pytest.raises(MetricOutOfBand):
        check_metric("loss", math.nan, smoke=(0, 10), full=(0, 10), profile="smoke")


def test_metric_uses_current_profile():
    course_utils.setup(profile="smoke", verbose=False)
    check_metric("acc", 0.5, smoke=(0.4, 0.6), full=(0.9, 1.0))
    course_utils.setup(profile="full", verbose=False)
    with pytest.raises(MetricOutOfBand):
        check_metric("acc", 0.5, smoke=(0.4, 0.6), full=(0.9, 1.0))


def test_metric_rejects_inverted_band():
    with pytest.raises(ValueError):
        check_metric("acc", 0.5, smoke=(0.9, 0.1), full=(0, 1), profile="smoke")
