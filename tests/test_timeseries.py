"""course_utils.timeseries: the TMY3 hourly weather file that pvlib ships, found offline,
checksummed, and clear errors when the package or file is missing or damaged."""

from __future__ import annotations

import importlib.util
import sys
from types import SimpleNamespace

import numpy as np
import pytest

from course_utils import timeseries
from course_utils.errors import CourseDataError


def _installed():
    if importlib.util.find_spec("pvlib") is None:
        pytest.skip("pvlib is not installed")


def test_loads_the_installed_file():
    _installed()
    times, weather = timeseries.load_tmy3_weather()
    assert list(weather) == list(timeseries.VARIABLES)
    assert len(times) == timeseries.TMY3_ROWS and times.dtype == np.dtype("datetime64[h]")
    for values in weather.values():
        assert values.shape == (timeseries.TMY3_ROWS,) and values.dtype == np.float64
        assert np.all(np.isfinite(values))
    assert str(times[0]) == "1988-01-01T01" and str(times[-1]) == "1981-01-01T00"  # Dec. 1980
    hours = times.astype(int) % 24
    assert np.array_equal(hours, (np.arange(timeseries.TMY3_ROWS) + 1) % 24)  # hourly, no gaps
    t = weather["temperature"]
    assert t[0] == 10.0 and -20 < t.min() < t.max() < 40  # degrees Celsius
    assert 0 <= weather["humidity"].min() and weather["humidity"].max() <= 100
    assert 0 <= weather["cloud_cover"].min() and weather["cloud_cover"].max() <= 10


def test_loader_does_not_import_pvlib():
    _installed()
    sys.modules.pop("pvlib", None)
    timeseries.load_tmy3_weather()
    assert "pvlib" not in sys.modules


def test_missing_package_says_how_to_install(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(CourseDataError, match=r"not installed.*pip install \"pvlib"):
        timeseries.load_tmy3_weather()


def test_missing_file_says_reinstall(monkeypatch, tmp_path):
    (tmp_path / "data").mkdir()
    spec = SimpleNamespace(submodule_search_locations=[str(tmp_path)])
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: spec)
    with pytest.raises(CourseDataError, match=r"723170TYA.CSV is missing.*--force-reinstall"):
        timeseries.load_tmy3_weather()


def test_damaged_file_fails_its_checksum(tmp_path):
    _installed()
    good = timeseries.tmy3_path().read_bytes()
    for damaged in (good[: len(good) // 2], good.replace(b"01/01/1988,01:00", b"01/01/1988,02:00", 1), b""):
        path = tmp_path / "723170TYA.CSV"
        path.write_bytes(damaged)
        with pytest.raises(CourseDataError, match=r"damaged or not the version.*Reinstall"):
            timeseries.load_tmy3_weather(path)


def test_unreadable_path(tmp_path):
    with pytest.raises(CourseDataError, match="Cannot read"):
        timeseries.load_tmy3_weather(tmp_path / "nothing-here.csv")
    with pytest.raises(CourseDataError, match="Cannot read"):
        timeseries.load_tmy3_weather(tmp_path)  # a folder


def test_parser_rejects_another_csv():
    with pytest.raises(CourseDataError, match="not a TMY3 file"):
        timeseries._parse(b"temp,date\n47.8,2010/01/01 00:00:00\n", "sf-temps.csv")
