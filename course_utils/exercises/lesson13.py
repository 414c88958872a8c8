"""Checkers for notebook 13 (time-series forecasting): the errors of the two simple rules
against the horizon, the error by hour of the day, and the experiment that trains the LSTM on
the temperature itself instead of its change (re-measured on the test windows)."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..checks import (
    CheckResult,
    Failure,
    NotDone,
    as_floats,
    as_number,
    call_safely,
    check_band,
    checker,
    is_stub,
    report,
    run_limited,
    short,
)

# ---------------------------------------------------------------------------
# Exercise 1: the two simple rules against the horizon


def naive_maes_reference(temps: Any, horizon: int) -> tuple[float, float]:
    """(last-value MAE, seasonal-naive MAE) over the targets temps[24:]."""
    temps = np.asarray(temps, dtype=float)
    targets = temps[24:]
    last = temps[24 - horizon:len(temps) - horizon]
    return (float(np.mean(np.abs(targets - last))),
            float(np.mean(np.abs(targets - temps[:-24]))))


def reference_crossover(temps: Any) -> int | None:
    """The shortest horizon (1-24) at which the seasonal naive error is the smaller one."""
    for h in range(1, 25):
        last, seasonal = naive_maes_reference(temps, h)
        if seasonal < last:
            return h
    return None


def _naive_mistakes(temps: np.ndarray, h: int) -> list[tuple[tuple[float, float], str]]:
    t = temps
    own_targets = float(np.mean(np.abs(t[h:] - t[:-h])))
    one_late = float(np.mean(np.abs(t[24:] - t[25 - h:len(t) - h + 1])))
    signed = (float(np.mean(t[24:] - t[24 - h:len(t) - h])), float(np.mean(t[24:] - t[:-24])))
    last, seasonal = naive_maes_reference(t, h)
    return [
        ((own_targets, seasonal), "Both rules must be judged on the same targets (every hour "
                                  "from 24 on): the last value's error was averaged over other "
                                  "hours."),
        ((one_late, seasonal), "The last value is off by one hour: it is the reading `horizon` "
                               "hours before the target, not horizon - 1."),
        ((seasonal, last), "The two errors are swapped: return (last value, seasonal naive)."),
        (signed, "Average the ABSOLUTE errors: positive and negative errors must not cancel."),
    ]


def _naive_cases() -> list[tuple[np.ndarray, int]]:
    rng = np.random.default_rng(13)
    hours = np.arange(24 * 6)
    daily = 10 + 5 * np.sin(2 * np.pi * hours / 24) + rng.normal(scale=1.0, size=hours.size)
    return [(daily, 6), (daily, 1), (rng.normal(size=80), 24), (np.arange(30.0), 3)]


@checker
def check_naive_maes(naive_maes: Callable[..., Any], crossover: Any,
                     temps: Any) -> CheckResult:
    """naive_maes(temps, horizon) and the horizon at which the seasonal naive rule wins."""
    what = "naive_maes(temps, horizon) and crossover"
    hint = ("Line up each target hour j (from 24 on) with the reading each rule uses, then "
            "average the size of the differences over those same hours, one average per rule.")
    for values, h in _naive_cases():
        result, error = call_safely(naive_maes, values.copy(), h)
        if error:
            return report(False, f"{what}: for horizon {h}: {error}.", hint)
        got = as_floats(result)
        if got is None or got.shape != (2,):
            return report(False, f"{what}: it returned {short(result)}, not two numbers.",
                          "Return a pair (last_value_mae, seasonal_mae).")
        expected = naive_maes_reference(values, h)
        if np.allclose(got, expected, rtol=1e-6, atol=1e-9):
            continue
        specific = next((wrong_hint for wrong, wrong_hint in _naive_mistakes(values, h)
                         if np.allclose(got, wrong, rtol=1e-6, atol=1e-9)), hint)
        return report(False, f"{what}: for {len(values)} hours and horizon {h} it returned "
                             f"{short(got)}, expected {short(np.array(expected))}.", specific,
                      "On np.arange(30.0) with horizon 3, every target is 3 above its last "
                      "value and 24 above the seasonal one: (3.0, 24.0).")
    if is_stub(crossover):
        raise NotDone(what)
    series = as_floats(temps)
    if series is None or series.ndim != 1 or len(series) < 48:
        return report(False, f"{what}: pass the training temperatures (train_temps) as the "
                             "last argument.", "Call the checker as in the cell.")
    expected_h = reference_crossover(series)
    number = as_number(crossover)
    if number is None or number != int(number):
        return report(False, f"{what}: crossover should be a whole number of hours, got "
                             f"{short(crossover)}.", "Give the horizon as an int.")
    if int(number) != expected_h:
        if expected_h is not None and int(number) == expected_h - 1:
            specific = ("That is the last horizon at which the last value still wins; the "
                        "question asks for the first one at which the seasonal naive wins.")
        elif int(number) == 24:
            specific = ("At 24 hours the two rules make the same forecast (yesterday's reading "
                        "is the last one): look for the first horizon where they part ways.")
        else:
            specific = ("Compute both errors on train_temps for every horizon from 1 up and "
                        "take the first at which the seasonal naive error is the smaller.")
        return report(False, f"{what}: crossover = {int(number)} is not the shortest horizon "
                             "at which the seasonal naive forecast wins on this period.", specific)
    return report(True, f"{what}: the seasonal naive rule wins from {expected_h} hours ahead")


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
    present = [np.any(hours == h) for h in range(24)]
    signed = np.array([errors[hours == h].mean() if p else np.nan
                       for h, p in zip(range(24), present)])
    summed = np.array([np.abs(errors[hours == h]).sum() if p else np.nan
                       for h, p in zip(range(24), present)])
    rmse = np.array([np.sqrt(np.mean(errors[hours == h] ** 2)) if p else np.nan
                     for h, p in zip(range(24), present)])
    zero = np.nan_to_num(mae_by_hour_reference(errors, hours), nan=0.0)
    return [(signed, "Average the ABSOLUTE errors: positive and negative errors must not "
                     "cancel."),
            (summed, "Average the errors of each hour, do not add them up: hours with more "
                     "forecasts would look worse."),
            (rmse, "That is the root mean square error of each hour; the question asks for the "
                   "mean absolute error."),
            (zero, "An hour with no forecast has no error to average: give it nan, not 0.")]


@checker
def check_mae_by_hour(mae_by_hour: Callable[..., Any]) -> CheckResult:
    """`mae_by_hour(errors, hours)`: 24 mean absolute errors, one per hour of the day."""
    what = "mae_by_hour(errors, hours): the MAE of each hour of the day"
    hint = ("Group the forecasts by the hour of their target and average the size of the "
            "errors within each group, for every hour from 0 to 23.")
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
                          "forecast (nan), in hour order.")
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
# Exercise 3 (experiment): the LSTM trained on the temperature itself

#: Bands of the re-measured test MAE (°C, 6 h ahead), by profile (tests/benchmarks/bands/).
LEVEL_SMOKE = (1.8, 2.8)
LEVEL_FULL = (1.8, 2.6)


class _Wrong(Exception):
    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def _layer_names(model: Any) -> list[str]:
    try:
        return [type(layer).__name__ for layer in model.layers]
    except Exception:  # noqa: BLE001 - not a Keras model
        return []


def forecast_maes(model: Any, x_test: Any, y_test: Any, scale: Any) -> tuple[float, float, float]:
    """(MAE of the output read as the temperature, MAE of the output read as the change from
    the last temperature, MAE of the last value), in °C. Raises `_Wrong` / `Failure`."""
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
    p = p.reshape(-1)
    level = float(np.mean(np.abs(p - y)) * unit)
    change = float(np.mean(np.abs(x[:, -1, 0] + p - y)) * unit)
    last = float(np.mean(np.abs(x[:, -1, 0] - y)) * unit)
    return level, change, last


@checker
def check_level_forecaster(level_model: Any, x_test: Any, y_test: Any,
                           temp_std: Any) -> CheckResult:
    """Experiment: the LSTM forecaster trained on the temperature itself; the checker
    measures its test MAE in °C (its output is the forecast)."""
    what = "test MAE of the LSTM trained on the temperature itself (°C, 6 h ahead)"
    if is_stub(level_model) or is_stub(x_test) or is_stub(y_test) or is_stub(temp_std):
        raise NotDone(what)
    if not callable(getattr(level_model, "predict", None)):
        return report(False, f"{what}: expected the trained Keras model, got "
                             f"{type(level_model).__name__}.",
                      "Pass level_model (after fit), x_test, y_test and temp_std.")
    names = _layer_names(level_model)
    if "LSTM" not in names:
        return report(False, f"{what}: the model has no LSTM layer ({', '.join(names) or '?'}).",
                      "The comparison is with section 5's network: build it with build_lstm.")
    try:
        level, change, last = forecast_maes(level_model, x_test, y_test, temp_std)
    except _Wrong as wrong:
        return report(False, f"{what}: {wrong.message}", wrong.hint)
    except Failure as exc:
        return report(False, f"{what}: forecasting the test windows failed: {exc}.",
                      "Pass the trained model itself, then x_test, y_test and temp_std.")
    if change < level and change < 0.8 * last:
        return report(False, f"{what}: the model predicts the change from the last reading "
                             f"(MAE {change:.2f} °C that way, {level:.2f} °C read as the "
                             "temperature), like section 5's model.",
                      "The experiment changes the target: train on windows whose targets are "
                      "y_train and y_val, not the changes of train_ds and val_ds.")
    if min(level, change) >= 0.8 * last:
        return report(False, f"{what}: measured {level:.4f}, no better than repeating the last "
                             f"reading ({last:.2f} °C): the model has not learned to forecast.",
                      "Compile and fit level_model before checking it, on windows whose "
                      "targets are the temperatures y_train (validation: y_val).")
    low = LEVEL_SMOKE[0] if _profile() == "smoke" else LEVEL_FULL[0]
    below = ("An error this far below every model of section 5 is suspicious: is the last "
             "argument temp_std, and are x_test and y_test the test windows?"
             if level < low else
             "Train level_model like model: the same optimiser, learning rate, loss, batch "
             "size, num_epochs and early stopping; only the targets change.")
    return check_band(what, level, smoke=LEVEL_SMOKE, full=LEVEL_FULL, hint=below,
                      more="Validate on the temperatures too (y_val): early stopping must "
                           "watch the error of the forecast it keeps.")


def _profile() -> str:
    from ..profile import current_config

    return current_config().profile
