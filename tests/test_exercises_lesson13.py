"""Checkers of notebook 13: a right answer passes, each typical wrong answer fails with its
specific hint, an untouched stub hears "not done yet"."""

import numpy as np
import pytest

from course_utils.exercises import lesson13 as ex
from tests.checker_asserts import stub as _stub, passes as _passes, fails as _fails


@pytest.mark.parametrize("checker", [ex.check_multi_horizon_windows, ex.check_mae_by_hour])
def test_function_stub_is_not_done(checker, capsys):
    assert not checker(_stub)
    out = capsys.readouterr().out
    assert out.startswith("[TODO]") and "not done yet" in out
    assert not checker(None)
    assert capsys.readouterr().out.startswith("[TODO]")


# --------------------------------------------------------------------------- 1. windows


def test_windows_accepts_right_answers(capsys):
    def with_strides(values, lookback, horizons):
        values = np.asarray(values)
        n = len(values) - lookback - max(horizons) + 1
        x = np.lib.stride_tricks.sliding_window_view(values, lookback)[:n]
        idx = np.arange(n)[:, None] + lookback - 1 + np.asarray(horizons)[None, :]
        return x, values[idx]

    _passes(ex.check_multi_horizon_windows, ex.multi_horizon_windows_reference, capsys=capsys)
    _passes(ex.check_multi_horizon_windows, with_strides, capsys=capsys)


def _with_channel(values, lookback, horizons):
    x, y = ex.multi_horizon_windows_reference(values, lookback, horizons)
    return x[..., None], y


def _transposed(values, lookback, horizons):
    x, y = ex.multi_horizon_windows_reference(values, lookback, horizons)
    return x, y.T


def _smallest_horizon(values, lookback, horizons):
    values = np.asarray(values)
    n = len(values) - lookback - min(horizons) + 1
    x = np.stack([values[i:i + lookback] for i in range(n)])
    y = np.stack([np.concatenate([values[lookback + h - 1:], np.zeros(h)])[:n]
                  for h in horizons], axis=1)
    return x, y


def _sorted_horizons(values, lookback, horizons):
    return ex.multi_horizon_windows_reference(values, lookback, sorted(horizons))


@pytest.mark.parametrize(("wrong", "hint"), [
    (ex._windows_off_by_one, "i + lookback + h - 1"),
    (_with_channel, "without the trailing channel axis"),
    (_transposed, "one column per horizon"),
    (_smallest_horizon, "The largest horizon decides"),
    (_sorted_horizons, "in the order the horizons are given"),
    (lambda v, l, h: ex.multi_horizon_windows_reference(v, l, h)[0], "pair (x, y)"),
    (lambda v, l, h: None, "forget `return x, y`"),
    (lambda v, l, h: ("x", "y"), "numeric arrays"),
])
def test_windows_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_multi_horizon_windows, wrong, capsys=capsys, hint=hint)


# --------------------------------------------------------------------------- 2. MAE by hour


def test_mae_by_hour_accepts_right_answers(capsys):
    def with_bincount(errors, hours):
        counts = np.bincount(hours, minlength=24).astype(float)
        sums = np.bincount(hours, weights=np.abs(errors), minlength=24)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(counts > 0, sums / np.where(counts > 0, counts, 1), np.nan)

    _passes(ex.check_mae_by_hour, ex.mae_by_hour_reference, capsys=capsys)
    _passes(ex.check_mae_by_hour, with_bincount, capsys=capsys)


def _signed(errors, hours):
    return np.array([errors[hours == h].mean() if np.any(hours == h) else np.nan
                     for h in range(24)])


def _summed(errors, hours):
    return np.array([np.abs(errors[hours == h]).sum() if np.any(hours == h) else np.nan
                     for h in range(24)])


def _zero_for_missing(errors, hours):
    return np.nan_to_num(ex.mae_by_hour_reference(errors, hours), nan=0.0)


def _only_present_hours(errors, hours):
    return np.array([np.abs(errors[hours == h]).mean() for h in np.unique(hours)])


@pytest.mark.parametrize(("wrong", "hint"), [
    (_signed, "ABSOLUTE errors"),
    (_summed, "do not sum them"),
    (_zero_for_missing, "give it np.nan"),
    (_only_present_hours, "Return one number for every hour"),
    (lambda e, h: np.full(24, np.abs(e).mean()), "For each h in range(24)"),
    (lambda e, h: None, "forget `return`"),
])
def test_mae_by_hour_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_mae_by_hour, wrong, capsys=capsys, hint=hint)


# --------------------------------------------------------------------------- 3. experiment


class _FakeModel:
    """Stands in for a trained model: predicts the change from the last temperature
    (x[:, -1, 0]) to the target plus a fixed error, or (level=True) the target itself."""

    def __init__(self, x, y, error, layer="GRU", level=False):
        self.x, self.y, self.error, self.level = x, y, error, level
        self.layers = [type(layer, (), {})(), type("Dense", (), {})()]

    def predict(self, ds, verbose=0):
        base = 0.0 if self.level else self.x[:, -1, 0]
        return (self.y - base + self.error)[:, None].astype("float32")


def _test_windows(n=300, lookback=48, columns=9):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, lookback, columns)).astype("float32"), rng.normal(size=n)


def test_gru_accepts_a_good_model(capsys):
    pytest.importorskip("tensorflow")
    x, y = _test_windows()
    low = max(ex.GRU_SMOKE[0], ex.GRU_FULL[0])
    high = min(ex.GRU_SMOKE[1], ex.GRU_FULL[1])
    mae = 0.5 * (low + high)  # inside both profiles' bands
    out = _passes(ex.check_gru_forecaster, _FakeModel(x, y, mae / 3.4), x, y, 3.4, capsys=capsys)
    assert f"{mae:.4f}" in out


def test_gru_rejects_a_bad_model_and_an_lstm(capsys):
    pytest.importorskip("tensorflow")
    x, y = _test_windows()
    _fails(ex.check_gru_forecaster, _FakeModel(x, y, 2.0), x, y, 3.4, capsys=capsys,
           hint="Train gru_model like model")
    _fails(ex.check_gru_forecaster, _FakeModel(x, y, 0.03, layer="LSTM"), x, y, 3.4,
           capsys=capsys, hint="layers.GRU(32)")


def test_gru_rejects_a_model_of_the_temperature_itself(capsys):
    pytest.importorskip("tensorflow")
    x, y = _test_windows()
    _fails(ex.check_gru_forecaster, _FakeModel(x, y, 0.05, level=True), x, y, 3.4,
           capsys=capsys, hint="whose targets are the changes")


def test_gru_rejects_a_real_untrained_model(capsys):
    pytest.importorskip("tensorflow")
    import keras

    x, y = _test_windows()
    model = keras.Sequential([keras.Input((48, 9)), keras.layers.GRU(4),
                              keras.layers.Dense(1, bias_initializer="ones")])
    _fails(ex.check_gru_forecaster, model, x, y + 5.0, 3.4, capsys=capsys, hint="Train gru_model")


@pytest.mark.parametrize(("args", "hint"), [
    (lambda x, y: (x[..., 0], y, 3.4), "test windows (n, lookback, columns)"),
    (lambda x, y: (x, y[:-1], 3.4), "one target per window"),
    (lambda x, y: (x, y, "3.4"), "Pass temp_std"),
    (lambda x, y: (x, y, np.array([3.4, 1.0])), "Pass temp_std"),
])
def test_gru_rejects_wrong_arguments(args, hint, capsys):
    x, y = _test_windows()
    _fails(ex.check_gru_forecaster, _FakeModel(x, y, 0.01), *args(x, y), capsys=capsys, hint=hint)


def test_gru_rejects_a_model_with_the_wrong_output(capsys):
    pytest.importorskip("tensorflow")
    x, y = _test_windows()
    model = _FakeModel(x, y, 0.01)
    model.predict = lambda ds, verbose=0: np.zeros((len(y), 6))
    _fails(ex.check_gru_forecaster, model, x, y, 3.4, capsys=capsys, hint="Dense(1)")


def test_gru_rejects_a_non_model(capsys):
    x, y = _test_windows()
    _fails(ex.check_gru_forecaster, object(), x, y, 3.4, capsys=capsys, hint="Pass gru_model")


def test_gru_stub_is_not_done(capsys):
    x, y = _test_windows()
    assert not ex.check_gru_forecaster(None, x, y, 3.4)
    assert capsys.readouterr().out.startswith("[TODO]")
