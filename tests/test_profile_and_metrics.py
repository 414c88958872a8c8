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


# --- misuse gets a course exception (issue 8) ---------------------------------------

from course_utils.errors import CourseDataError, CourseTypeError, CourseValueError  # noqa: E402


@pytest.mark.parametrize("args, kwargs", [
    ((True,), {}),
    (("acc", True), dict(smoke=(0, 1), full=(0, 1), profile="smoke")),
    (("acc", "0.9"), dict(smoke=(0, 1), full=(0, 1), profile="smoke")),
    (("acc", None), dict(smoke=(0, 1), full=(0, 1), profile="smoke")),
    (("acc", [0.5, 0.6]), dict(smoke=(0, 1), full=(0, 1), profile="smoke")),
    (("acc", 0.5), dict(full=(0, 1), profile="smoke")),
    (("acc", 0.5), dict(smoke=0.5, full=(0, 1), profile="smoke")),
    (("acc", 0.5), dict(smoke=("low", 1), full=(0, 1), profile="smoke")),
    ((None, 0.5), dict(smoke=(0, 1), full=(0, 1), profile="smoke")),
])
def test_check_metric_misuse_never_passes(args, kwargs, capsys):
    with pytest.raises(CourseTypeError) as err:
        check_metric(*args, **kwargs)
    assert isinstance(err.value, TypeError) and isinstance(err.value, CourseDataError)
    assert "[OK]" not in capsys.readouterr().out


def test_check_metric_bad_profile_and_band_are_course_value_errors():
    with pytest.raises(CourseValueError, match="profile must be"):
        check_metric("acc", 0.5, smoke=(0, 1), full=(0, 1), profile="fast")
    with pytest.raises(CourseValueError, match="low > high"):
        check_metric("acc", 0.5, smoke=(0, 1), full=(1, 0), profile="smoke")


def test_check_metric_accepts_numpy_and_tensor_scalars(capsys):
    import numpy as np

    check_metric("acc", np.float32(0.5), smoke=(0, 1), full=(0, 1), profile="smoke")
    check_metric("acc", np.array([0.5]), smoke=(0, 1), full=(0, 1), profile="smoke")
    assert capsys.readouterr().out.count("[OK]") == 2


@pytest.mark.parametrize("kwargs, error", [
    ({"seed": "42"}, CourseTypeError), ({"seed": True}, CourseTypeError),
    ({"seed": -1}, CourseTypeError), ({"profile": 3}, CourseTypeError),
    ({"profile": "fast"}, CourseValueError), ({"full_cpu_minutes": "2"}, CourseValueError),
])
def test_setup_misuse_raises_a_course_error_before_importing_tensorflow(kwargs, error):
    import course_utils

    with pytest.raises(error):
        course_utils.setup(**kwargs)
