"""Checkers for notebook 13 (time-series forecasting): windows with several horizons, the
error by hour of the day, and the GRU experiment (re-measured on the test windows: the
model predicts the change from the last temperature)."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..checks import (
    CheckResult,
    Failure,
    NotDone,
    as_floats,
    call_safely,
    check_band,
    checker,
    is_stub,
    report,
    run_limited,
    short,
)

# ---------------------------------------------------------------------------
# Exercise 1: windows with several horizons


def multi_horizon_windows_reference(values: Any, lookback: int, horizons: Any):
    """x[i] = values[i:i + lookback]; y[i, k] = values[i + lookback + horizons[k] - 1]."""
    values = np.asarray(values, dtype=float)
    num = len(values) - lookback - max(horizons) + 1
    x = np.stack([values[i:i + lookback] for i in range(num)])
    y = np.stack([values[lookback + h - 1:lookback + h - 1 + num] for h in horizons], axis=1)
    return x, y


def _windows_off_by_one(values: Any, lookback: int, horizons: Any):
    """Targets one step too late: values[i + lookback + h]."""
    values = np.asarray(values, dtype=float)
    num = len(values) - lookback - max(horizons)
    x = np.stack([values[i:i + lookback] for i in range(num)])
    y = np.stack([values[lookback + h:lookback + h + num] for h in horizons], axis=1)
    return x, y


def _window_cases() -> list[tuple[np.ndarray, int, list[int]]]:
    rng = np.random.default_rng(13)
    return [(np.arange(20.0), 4, [1, 3]),
            (rng.normal(size=60), 7, [6, 1, 12]),
            (rng.normal(size=30), 24, [1])]


def _window_verdict(x: np.ndarray | None, y: np.ndarray | None, values: np.ndarray,
                    lookback: int, horizons: list[int]) -> tuple[str, str] | None:
    """None when right, else (what is wrong, hint)."""
    ex, ey = multi_horizon_windows_reference(values, lookback, horizons)
    n = len(ex)
    if x is None or y is None:
        return "x and y must be numeric arrays", "Return (x, y), two NumPy arrays."
    if x.ndim == 3 and x.shape[-1] == 1:
        return (f"x has shape {x.shape}, with a channel axis",
                "Return x of shape (n, lookback), without the trailing channel axis.")
    if y.ndim == 2 and y.shape == (len(horizons), n) and len(horizons) != n:
        return (f"y has shape {y.shape}", "Stack the targets with one column per horizon: "
                "shape (n, len(horizons)), e.g. np.stack([...], axis=1).")
    if x.ndim == 2 and y.ndim == 2 and len(x) == len(y) and x.shape[1] == lookback:
        off = _windows_off_by_one(values, lookback, horizons)
        if len(x) == len(off[0]) and np.allclose(y, off[1]):
            return ("the targets come one step too late",
                    "Window i ends at index i + lookback - 1, so horizon h is index "
                    "i + lookback + h - 1.")
        if len(x) > n:
            return (f"{len(x)} windows, expected {n}", "The largest horizon decides how "
                    "many windows fit: n = len(values) - lookback - max(horizons) + 1.")
    if x.shape != ex.shape or y.shape != ey.shape:
        return (f"shapes x {x.shape}, y {y.shape}; expected x {ex.shape}, y {ey.shape}",
                "n = len(values) - lookback - max(horizons) + 1 windows; x has shape "
                "(n, lookback), y has shape (n, len(horizons)).")
    if not np.allclose(x, ex):
        return ("the windows x are not values[i:i + lookback]",
                "Window i is values[i:i + lookback], for i = 0, 1, ..., n - 1.")
    if not np.allclose(y, ey):
        return ("the targets y are not right",
                "y[i, k] = values[i + lookback + horizons[k] - 1], one column per horizon, "
                "in the order the horizons are given.")
    return None


@checker
def check_multi_horizon_windows(multi_horizon_windows: Callable[..., Any]) -> CheckResult:
    """`multi_horizon_windows(values, lookback, horizons)`: windows and one target column
    per horizon."""
    what = "multi_horizon_windows(values, lookback, horizons)"
    for values, lookback, horizons in _window_cases():
        result, error = call_safely(multi_horizon_windows, values.copy(), lookback,
                                    list(horizons))
        if error:
            return report(False, f"{what}: {error}.",
                          "Return (x, y) with x[i] = values[i:i + lookback] and y[i, k] = "
                          "values[i + lookback + horizons[k] - 1].")
        if result is None:
            return report(False, f"{what}: it returned None.", "Did you forget `return x, y`?")
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            return report(False, f"{what}: it returned {short(result)}, not a pair (x, y).",
                          "Return both arrays: `return x, y`.")
        wrong = _window_verdict(as_floats(result[0]), as_floats(result[1]), values, lookback,
                                list(horizons))
        if wrong:
            return report(False, f"{what}: for {len(values)} values, lookback {lookback}, "
                                 f"horizons {horizons}: {wrong[0]}.", wrong[1],
                          "Try it on np.arange(20.0), lookback 4, horizons [1, 3]: the first "
                          "window is [0, 1, 2, 3], its targets [4, 6].")
    return report(True, what)


# ---------------------------------------------------------------------------
# Exercise 2: mean absolute error by hour of the day


def mae_by_hour_reference(errors: Any, hours: Any) -> np.ndarray:
    errors, hours = np.abs(np.asarray(errors, dtype=float)), np.asarray(hours)
    return np.array([errors[hours == h].mean() if np.any(hours == h) else np.nan
                     for h in range(24)])


def _hour_cases() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(13)
    hours = np.arange(24 * 5) % 24
    partial = rng.integers(0, 24, size=200)
    partial[partial == 7] = 8  # no forecast for 07:00
    return [(rng.normal(size=24 * 5), hours),
            (rng.normal(size=200), partial),
            (np.array([1.0, -3.0, 2.0]), np.array([0, 0, 23]))]


def _hour_mistakes(errors: np.ndarray, hours: np.ndarray) -> list[tuple[np.ndarray, str]]:
    signed = np.array([errors[hours == h].mean() if np.any(hours == h) else np.nan
                       for h in range(24)])
    summed = np.array([np.abs(errors[hours == h]).sum() if np.any(hours == h) else np.nan
                       for h in range(24)])
    zero = np.nan_to_num(mae_by_hour_reference(errors, hours), nan=0.0)
    return [(signed, "Average the ABSOLUTE errors: positive and negative errors must not "
                     "cancel (np.abs)."),
            (summed, "Average the errors of each hour (mean), do not sum them: hours with "
                     "more forecasts would look worse."),
            (zero, "An hour with no forecast has no error to average: give it np.nan, not 0.")]


@checker
def check_mae_by_hour(mae_by_hour: Callable[..., Any]) -> CheckResult:
    """`mae_by_hour(errors, hours)`: 24 mean absolute errors, one per hour of the day."""
    what = "mae_by_hour(errors, hours): the MAE of each hour of the day"
    hint = ("For each h in range(24): np.abs(errors[hours == h]).mean(), or np.nan when no "
            "forecast has hour h; return the 24 numbers as an array.")
    for errors, hours in _hour_cases():
        result, error = call_safely(mae_by_hour, errors.copy(), hours.copy())
        if error:
            return report(False, f"{what}: {error}.", hint)
        if result is None:
            return report(False, f"{what}: it returned None.", "Did you forget `return`?")
        got = as_floats(result)
        expected = mae_by_hour_reference(errors, hours)
        if got is None or got.shape != (24,):
            shape = "a non-numeric answer" if got is None else f"shape {got.shape}"
            return report(False, f"{what}: it returned {shape}, expected 24 numbers.",
                          "Return one number for every hour 0-23, also for hours with no "
                          "forecast (np.nan), in hour order.")
        if np.allclose(got, expected, equal_nan=True):
            continue
        specific = hint
        for wrong, wrong_hint in _hour_mistakes(errors, hours):
            if np.allclose(got, wrong, equal_nan=True):
                specific = wrong_hint
                break
        return report(False, f"{what}: for {len(errors)} errors it returned {short(got)}.",
                      specific, "With errors [1, -3, 2] at hours [0, 0, 23] the answer is 2.0 "
                                "at hour 0, 2.0 at hour 23 and nan elsewhere.")
    return report(True, what)


# ---------------------------------------------------------------------------
# Exercise 3 (experiment): a GRU forecaster, re-measured on the test windows

# Bands: 5 smoke seeds (0-4) gave 2.36-2.52 °C; 4 full seeds (0, 1, 2, 42) 1.96-2.06 °C.
# A model that predicts no change is at the last-value error (about 4.4 °C), far above both.
GRU_SMOKE = (1.7, 3.0)
GRU_FULL = (1.6, 2.4)


class _Wrong(Exception):
    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def _layer_names(model: Any) -> list[str]:
    try:
        return [type(layer).__name__ for layer in model.layers]
    except Exception:  # noqa: BLE001 - not a Keras model
        return []


def forecaster_mae(model: Any, x_test: Any, y_test: Any, scale: Any) -> float:
    """Test MAE in degrees of a model that predicts the change from the last temperature:
    mean |x_test[:, -1, 0] + model(x_test) - y_test| * scale. Raises `_Wrong` / `Failure`."""
    import course_utils

    x, y = as_floats(x_test), as_floats(y_test)
    number = as_floats(scale)
    if x is None or x.ndim != 3 or len(x) < 24:
        raise _Wrong(f"x_test must be the test windows (n, lookback, columns); got "
                     f"{short(x_test)}.", "Pass x_test, y_test and temp_std as made in "
                     "sections 2-3.")
    if y is None or y.shape != (len(x),):
        raise _Wrong(f"y_test must hold one target per window ({len(x)}); got {short(y_test)}.",
                     "Pass x_test, y_test and temp_std as made in sections 2-3.")
    if number is None or number.size != 1 or not 0 < float(number.reshape(-1)[0]) < 100:
        raise _Wrong(f"the last argument must be temp_std, the training standard deviation "
                     f"of the temperature in °C; got {short(scale)}.",
                     "Pass temp_std (section 2) to turn errors into °C.")
    predicted = run_limited(lambda: model.predict(
        course_utils.to_dataset(x.astype("float32"), batch_size=512), verbose=0))
    p = as_floats(predicted)
    if p is None or p.size != len(x):
        raise _Wrong(f"the model returned {short(predicted)} for {len(x)} windows.",
                     "End the model with layers.Dense(1): one forecast per window.")
    if not np.all(np.isfinite(p)):
        raise _Wrong("the model's forecasts contain nan or inf.",
                     "Train again from a fresh model (the learning rate of `model`: 1e-3).")
    unit = float(number.reshape(-1)[0])
    change_mae = float(np.mean(np.abs(x[:, -1, 0] + p.reshape(-1) - y)) * unit)
    level_mae = float(np.mean(np.abs(p.reshape(-1) - y)) * unit)
    if level_mae < 0.5 * change_mae:
        raise _Wrong(f"the model predicts the temperature itself (MAE {level_mae:.2f} °C that "
                     f"way), not the change from the last reading ({change_mae:.2f} °C).",
                     "Train on train_ds and val_ds, whose targets are the changes "
                     "(change_train, change_val), not on y_train.")
    return change_mae


@checker
def check_gru_forecaster(gru_model: Any, x_test: Any, y_test: Any,
                         temp_std: Any) -> CheckResult:
    """Experiment: a GRU forecaster of the change from the last temperature; the checker
    measures its test MAE in °C (last temperature + predicted change)."""
    what = "test MAE of the GRU forecaster (°C, 6 h ahead)"
    if is_stub(gru_model) or is_stub(x_test) or is_stub(y_test) or is_stub(temp_std):
        raise NotDone(what)
    if not callable(getattr(gru_model, "predict", None)):
        return report(False, f"{what}: expected the trained Keras model, got "
                             f"{type(gru_model).__name__}.",
                      "Pass gru_model (after fit), x_test, y_test and temp_std.")
    names = _layer_names(gru_model)
    if "GRU" not in names:
        return report(False, f"{what}: the model has no GRU layer ({', '.join(names) or '?'}).",
                      "Use layers.GRU(32) where build_lstm has layers.LSTM(32).")
    try:
        mae = forecaster_mae(gru_model, x_test, y_test, temp_std)
    except _Wrong as wrong:
        return report(False, f"{what}: {wrong.message}", wrong.hint)
    except Failure as exc:
        return report(False, f"{what}: forecasting the test windows failed: {exc}.",
                      "Pass the trained model itself, then x_test, y_test and temp_std.")
    return check_band(
        what, mae, smoke=GRU_SMOKE, full=GRU_FULL,
        hint="Train gru_model like model: Adam with learning rate 1e-3, loss 'mae', train_ds, "
             "val_ds, num_epochs and an EarlyStopping(patience=5, restore_best_weights=True). "
             "Did fit run to the end?",
        more="An untrained model is far off: compile and fit gru_model before checking it.")
