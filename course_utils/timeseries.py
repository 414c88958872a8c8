"""A real multivariate time series that works offline: one year of hourly weather at
Greensboro, North Carolina, from the NREL TMY3 file that the `pvlib` package ships (notebook 13).

The file is `pvlib/data/723170TYA.CSV` (checked with pvlib 0.16.1): a station header row, a row
of column names, then 8,760 hourly rows. It is a "typical meteorological year" (TMY3) of the
National Renewable Energy Laboratory (NREL): each calendar month is a real month of hourly
observations at the station (WBAN 723170, Piedmont Triad airport), chosen among the years
1976-2005 as typical, so the twelve months come from different years (the file's dates say
which). Times are local standard time and mark the end of each hour ("24:00" = midnight).
NREL's data are a work of the US government (public domain); pvlib itself is BSD-3-Clause.
The file is found without importing pvlib (which would import pandas and scipy) and without any
network access, and its SHA-256 is checked before it is read.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import io
from pathlib import Path
from typing import Any

import numpy as np

from .errors import CourseDataError

PACKAGE = "pvlib"
DISTRIBUTION = "pvlib"
FILE = "723170TYA.CSV"
#: SHA-256 of `pvlib/data/723170TYA.CSV` (pvlib 0.16.1).
TMY3_SHA256 = "1e96f84638ce98e6b29002bc45a27aa69bb29b0ed0368d3b52b7b1f81610c6c9"
TMY3_ROWS = 8760
#: The variables returned, in this order: short name -> (column of the file, unit).
VARIABLES = {
    "temperature": ("Dry-bulb (C)", "°C"),
    "dew_point": ("Dew-point (C)", "°C"),
    "humidity": ("RHum (%)", "%"),
    "pressure": ("Pressure (mbar)", "mbar"),
    "wind_speed": ("Wspd (m/s)", "m/s"),
    "solar": ("GHI (W/m^2)", "W/m²"),
    "cloud_cover": ("TotCld (tenths)", "tenths"),
}
SOURCE = ("NREL TMY3 hourly weather, Greensboro NC (station 723170; months chosen from "
          "1976-2005; US government, public domain), as shipped by pvlib (BSD-3-Clause)")

_INSTALL = f'pip install "{DISTRIBUTION}>=0.16"'
_REINSTALL = f'pip install --force-reinstall --no-deps "{DISTRIBUTION}>=0.16"'


def tmy3_path() -> Path:
    """Where the installed pvlib keeps `data/723170TYA.CSV` (nothing is imported or
    downloaded). Raises `CourseDataError` when the package or the file is missing."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        spec = None
    locations = list(getattr(spec, "submodule_search_locations", None) or [])
    if spec is None or not locations:
        raise CourseDataError(
            f"The package {DISTRIBUTION} is not installed, and notebook 13 reads the hourly "
            f"weather file it ships. Install it ({_INSTALL}; `pip install -e .` in the course "
            "folder does it) and run the cell again."
        )
    for location in locations:
        path = Path(location) / "data" / FILE
        if path.is_file():
            return path
    raise CourseDataError(
        f"{DISTRIBUTION} is installed ({locations[0]}) but its data file data/{FILE} is "
        f"missing: this installation is incomplete. Reinstall it ({_REINSTALL}) and run the "
        "cell again."
    )


def load_tmy3_weather(path: str | Path | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """One typical year of hourly weather at Greensboro, NC, checked against its SHA-256.

    Args:
        path: the CSV file to read; default: the one pvlib installed.

    Returns:
        `(times, weather)`: `times` are the ends of the 8,760 hours as `datetime64[h]`
        (local standard time, each month in the year it was taken from), `weather` maps each
        name of `VARIABLES` (temperature, dew_point, humidity, pressure, wind_speed, solar,
        cloud_cover) to 8,760 float64 values in file order (January to December).

    Raises:
        CourseDataError: the package or file is missing, or the file is damaged or not
            the expected version (what is wrong and what to do).
    """
    path = tmy3_path() if path is None else Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CourseDataError(f"Cannot read {path} ({exc.strerror or exc}). Reinstall "
                              f"{DISTRIBUTION} ({_REINSTALL}).") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != TMY3_SHA256:
        raise CourseDataError(
            f"{path} is damaged or not the version the course expects (SHA-256 {digest[:12]}..., "
            f"expected {TMY3_SHA256[:12]}...; {len(data):,} bytes). Reinstall "
            f"{DISTRIBUTION} ({_REINSTALL}) and run the cell again."
        )
    return _parse(data, path)


def _parse(data: bytes, path: Any) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    header = rows[1] if len(rows) > 1 else []
    missing = [col for col, _ in VARIABLES.values() if col not in header]
    if header[:2] != ["Date (MM/DD/YYYY)", "Time (HH:MM)"] or missing:
        raise CourseDataError(f"{path}: not a TMY3 file (columns {header[:2]}, missing {missing}).")
    body = rows[2:]
    days = np.array([f"{r[0][6:10]}-{r[0][:2]}-{r[0][3:5]}" for r in body], dtype="datetime64[D]")
    hours = np.array([int(r[1][:2]) for r in body])
    times = days.astype("datetime64[h]") + hours.astype("timedelta64[h]")
    weather = {name: np.array([float(r[header.index(col)]) for r in body])
               for name, (col, _) in VARIABLES.items()}
    return times, weather
