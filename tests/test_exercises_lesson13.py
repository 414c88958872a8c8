"""Checkers of notebook 13: a right answer passes, each typical wrong answer fails with its
specific hint, an untouched stub hears "not done yet"."""

import numpy as np
import pytest

from course_utils.exercises import lesson13 as ex
from tests.checker_asserts import stub as _stub, passes as _passes, fails as _fails


def test_function_stub_is_not_done(capsys):
    assert not ex.check_mae_by_hour(_stub)
    out = capsys.readouterr().out
    assert out.startswith("[TODO]") and "not done yet" in out
    assert not ex.check_mae_by_hour(None)
    assert capsys.readouterr().out.startswith("[TODO]")
    temps = _temps()
    for answer in ((_stub, None), (None, None), (ex.naive_maes_reference, None), (_stub, 5)):
        assert not ex.check_naive_maes(*answer, temps)
        out = capsys.readouterr().out
        assert out.startswith("[TODO]") and "Hint" not in out, out


# --------------------------------------------------------------------------- 1. simple rules


def _temps(days=60):
    rng = np.random.default_rng(1)
    hours = np.arange(24 * days)
    return 15 + 6 * np.sin(2 * np.pi * hours / 24) + np.cumsum(rng.normal(scale=0.3, size=hours.size))


def test_naive_maes_accepts_right_answers(capsys):
    def with_loops(temps, horizon):
        last = [abs(temps[j] - temps[j - horizon]) for j in range(24, len(temps))]
        seasonal = [abs(temps[j] - temps[j - 24]) for j in range(24, len(temps))]
        return sum(last) / len(last), sum(seasonal) / len(seasonal)

    temps = _temps()
    crossover = ex.reference_crossover(temps)
    assert 1 < crossover < 24
    out = _passes(ex.check_naive_maes, ex.naive_maes_reference, crossover, temps, capsys=capsys)
    assert f"from {crossover} hours" in out
    _passes(ex.check_naive_maes, with_loops, np.int64(crossover), temps, capsys=capsys)
    _passes(ex.check_naive_maes, with_loops, float(crossover), temps, capsys=capsys)


def _own_targets(temps, horizon):
    t = np.asarray(temps, dtype=float)
    return np.mean(np.abs(t[horizon:] - t[:-horizon])), np.mean(np.abs(t[24:] - t[:-24]))


def _one_late(temps, horizon):
    t = np.asarray(temps, dtype=float)
    return (np.mean(np.abs(t[24:] - t[25 - horizon:len(t) - horizon + 1])),
            np.mean(np.abs(t[24:] - t[:-24])))


@pytest.mark.parametrize(("wrong", "hint"), [
    (_own_targets, "same targets"),
    (_one_late, "off by one hour"),
    (lambda t, h: ex.naive_maes_reference(t, h)[::-1], "swapped"),
    (lambda t, h: (np.mean(t[24:] - t[24 - h:len(t) - h]), np.mean(t[24:] - t[:-24])),
     "ABSOLUTE"),
    (lambda t, h: (1.0, 2.0), "Line up each target hour"),
    (lambda t, h: 1.0, "not two numbers"),
    (lambda t, h: 1 / 0, "ZeroDivisionError"),
])
def test_naive_maes_rejects_wrong_functions(wrong, hint, capsys):
    temps = _temps()
    _fails(ex.check_naive_maes, wrong, ex.reference_crossover(temps), temps, capsys=capsys,
           hint=hint)


def test_naive_maes_rejects_wrong_crossovers(capsys):
    temps = _temps()
    h = ex.reference_crossover(temps)
    _fails(ex.check_naive_maes, ex.naive_maes_reference, h - 1, temps, capsys=capsys,
           hint="still wins")
    _fails(ex.check_naive_maes, ex.naive_maes_reference, 24, temps, capsys=capsys,
           hint="same forecast")
    _fails(ex.check_naive_maes, ex.naive_maes_reference, h + 3, temps, capsys=capsys,
           hint="take the first")
    _fails(ex.check_naive_maes, ex.naive_maes_reference, h + 0.5, temps, capsys=capsys,
           hint="an int")
    _fails(ex.check_naive_maes, ex.naive_maes_reference, h, temps[:10], capsys=capsys,
           hint="train_temps")


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
    (_summed, "do not add them up"),
    (_zero_for_missing, "give it nan"),
    (_only_present_hours, "Return one number for every hour"),
    (lambda e, h: np.full(24, np.abs(e).mean()), "Group the forecasts by the hour"),
    (lambda e, h: np.array([np.sqrt(np.mean(e[h == k] ** 2)) if np.any(h == k) else np.nan
                            for k in range(24)]), "root mean square"),
    (lambda e, h: None, "forget `return`"),
])
def test_mae_by_hour_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_mae_by_hour, wrong, capsys=capsys, hint=hint)


# --------------------------------------------------------------------------- 3. experiment


class _FakeModel:
    """Stands in for a trained model: predicts the target itself plus a fixed error, or
    (change=True) the change from the last temperature (x[:, -1, 0]) to the target."""

    def __init__(self, x, y, error, layer="LSTM", change=False):
        self.x, self.y, self.error, self.change = x, y, error, change
        self.layers = [type(layer, (), {})(), type("Dense", (), {})()]

    def predict(self, ds, verbose=0):
        base = self.x[:, -1, 0] if self.change else 0.0
        return (self.y - base + self.error)[:, None].astype("float32")


def _test_windows(n=300, lookback=48, columns=9):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, lookback, columns)).astype("float32"), rng.normal(size=n)


def test_level_accepts_a_good_model(capsys):
    pytest.importorskip("tensorflow")
    x, y = _test_windows()
    low = max(ex.LEVEL_SMOKE[0], ex.LEVEL_FULL[0])
    high = min(ex.LEVEL_SMOKE[1], ex.LEVEL_FULL[1])
    mae = 0.5 * (low + high)  # inside both profiles' bands
    out = _passes(ex.check_level_forecaster, _FakeModel(x, y, mae / 3.4), x, y, 3.4,
                  capsys=capsys)
    assert f"{mae:.4f}" in out


def test_level_rejects_a_bad_model_and_a_gru(capsys):
    pytest.importorskip("tensorflow")
    x, y = _test_windows()
    x[:, -1, 0] = y + 3.0  # the last value is far off: a bad model is still better than it
    _fails(ex.check_level_forecaster, _FakeModel(x, y, 1.0), x, y, 3.4, capsys=capsys,
           hint="Train level_model like model")
    _fails(ex.check_level_forecaster, _FakeModel(x, y, 0.6, layer="GRU"), x, y, 3.4,
           capsys=capsys, hint="build_lstm")


def test_level_rejects_a_model_of_the_change(capsys):
    pytest.importorskip("tensorflow")
    x, y = _test_windows()
    _fails(ex.check_level_forecaster, _FakeModel(x, y, 0.6, change=True), x, y, 3.4,
           capsys=capsys, hint="y_train and y_val")


def test_level_flags_an_error_too_small_to_be_true(capsys):
    pytest.importorskip("tensorflow")
    x, y = _test_windows()
    _fails(ex.check_level_forecaster, _FakeModel(x, y, 0.6), x, y, 0.5, capsys=capsys,
           hint="is the last argument temp_std")


def test_level_rejects_a_real_untrained_model(capsys):
    pytest.importorskip("tensorflow")
    import keras

    x, y = _test_windows()
    y = y + 5.0
    x[:, -1, 0] = y + 0.1  # the last reading is a good forecast, an untrained model is not
    model = keras.Sequential([keras.Input((48, 9)), keras.layers.LSTM(4),
                              keras.layers.Dense(1, bias_initializer="ones")])
    _fails(ex.check_level_forecaster, model, x, y, 3.4, capsys=capsys,
           hint="Compile and fit level_model")


@pytest.mark.parametrize(("args", "hint"), [
    (lambda x, y: (x[..., 0], y, 3.4), "test windows (n, lookback, columns)"),
    (lambda x, y: (x, y[:-1], 3.4), "one target per window"),
    (lambda x, y: (x, y, "3.4"), "Pass temp_std"),
    (lambda x, y: (x, y, np.array([3.4, 1.0])), "Pass temp_std"),
])
def test_level_rejects_wrong_arguments(args, hint, capsys):
    x, y = _test_windows()
    _fails(ex.check_level_forecaster, _FakeModel(x, y, 0.6), *args(x, y), capsys=capsys,
           hint=hint)


def test_level_rejects_a_model_with_the_wrong_output(capsys):
    pytest.importorskip("tensorflow")
    x, y = _test_windows()
    model = _FakeModel(x, y, 0.6)
    model.predict = lambda ds, verbose=0: np.zeros((len(y), 6))
    _fails(ex.check_level_forecaster, model, x, y, 3.4, capsys=capsys, hint="Dense(1)")


def test_level_rejects_a_non_model(capsys):
    x, y = _test_windows()
    _fails(ex.check_level_forecaster, object(), x, y, 3.4, capsys=capsys, hint="Pass level_model")


def test_level_stub_is_not_done(capsys):
    x, y = _test_windows()
    assert not ex.check_level_forecaster(None, x, y, 3.4)
    assert capsys.readouterr().out.startswith("[TODO]")
