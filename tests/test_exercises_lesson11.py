"""Checkers of notebook 11: right answers pass, typical wrong answers fail with their hint,
stubs hear "not done yet"."""

import numpy as np
import pytest

from course_utils.exercises import lesson11 as ex


def _stub(*args):
    raise NotImplementedError


def _verdict(checker, *args, capsys):
    result = checker(*args)
    return bool(result), capsys.readouterr().out


@pytest.mark.parametrize("checker", [ex.check_lstm_params, ex.check_gru_params,
                                     ex.check_cell_state_gradient])
def test_stub_is_not_done_yet(checker, capsys):
    ok, out = _verdict(checker, _stub, capsys=capsys)
    assert not ok and out.startswith("[TODO]") and "not done yet" in out


def test_param_counts_accept_right_answers_and_match_keras(capsys):
    def lstm(d, u):
        return 4 * (u * (d + u) + u)

    def gru(d, u, reset_after=True):
        return 3 * u * (d + u) + (6 if reset_after else 3) * u

    assert _verdict(ex.check_lstm_params, lstm, capsys=capsys)[0]
    assert _verdict(ex.check_gru_params, gru, capsys=capsys)[0]
    keras = pytest.importorskip("keras")
    for layer, expected in ((keras.layers.LSTM(7), lstm(3, 7)),
                            (keras.layers.GRU(7), gru(3, 7, True)),
                            (keras.layers.GRU(7, reset_after=False), gru(3, 7, False))):
        layer.build((None, 5, 3))
        assert layer.count_params() == expected


@pytest.mark.parametrize(("wrong", "hint"), [
    (lambda d, u: 4 * u * (d + u), "bias"),
    (lambda d, u: u * (d + u) + u, "four"),
    (lambda d, u: 4 * (u * d + u), "recurrent matrix"),
    (lambda d, u: 3 * (u * (d + u) + u), "GRU"),
    (lambda d, u: str(4 * (u * (d + u) + u)), "Hint"),
])
def test_lstm_params_rejects_wrong_answers(wrong, hint, capsys):
    ok, out = _verdict(ex.check_lstm_params, wrong, capsys=capsys)
    assert not ok and hint in out, out


@pytest.mark.parametrize(("wrong", "hint"), [
    (lambda d, u, ra=True: 3 * u * (d + u) + 3 * u, "count both"),
    (lambda d, u, ra=True: 3 * u * (d + u) + 6 * u, "single bias vector"),
    (lambda d, u, ra=True: 4 * (u * (d + u) + u), "LSTM"),
])
def test_gru_params_rejects_wrong_answers(wrong, hint, capsys):
    ok, out = _verdict(ex.check_gru_params, wrong, capsys=capsys)
    assert not ok and hint in out, out


def _cell_gradient(f):
    f = np.asarray(f, dtype=float)
    out = np.ones_like(f)
    for k in range(len(f) - 2, -1, -1):
        out[k] = out[k + 1] * f[k + 1]
    return out


def test_cell_gradient_accepts_a_right_answer(capsys):
    ok, out = _verdict(ex.check_cell_state_gradient, _cell_gradient, capsys=capsys)
    assert ok, out


@pytest.mark.parametrize(("wrong", "hint"), [
    (lambda f: np.cumprod(f, axis=0), "from the start"),
    (lambda f: np.flip(np.cumprod(np.flip(f, 0), axis=0), 0), "Off by one"),
    (lambda f: np.ones_like(f), "Hint"),
])
def test_cell_gradient_rejects_wrong_answers(wrong, hint, capsys):
    ok, out = _verdict(ex.check_cell_state_gradient, wrong, capsys=capsys)
    assert not ok and hint in out, out


# --------------------------------------------------------------------------- 3. experiment


def _layer(name):
    return type(name, (), {})()


class _FakeModel:
    """Stands in for a trained model: predicts the sum of the marked values plus noise of a
    given standard deviation; `baseline=True` answers 1.0 everywhere."""

    def __init__(self, noise=0.0, baseline=False, recurrent="GRU"):
        self.noise, self.baseline = noise, baseline
        self.layers = [_layer(recurrent), _layer("Dense")]
        self.seen_shape = None

    def __call__(self, x, training=False):
        x = np.asarray(x)
        seen = 0 if self.seen_shape is None else self.seen_shape[0]
        self.seen_shape = (seen + len(x),) + x.shape[1:]
        y = np.ones(len(x)) if self.baseline else np.sum(x[..., 0] * x[..., 1], axis=1)
        return (y + np.random.default_rng(0).normal(scale=self.noise, size=y.shape))[:, None]


def _profile():
    from course_utils.profile import current_config

    return current_config().profile


def _steps():
    return ex.EXPERIMENT_LENGTH[_profile()]


def test_experiment_accepts_a_model_inside_the_band(capsys):
    pytest.importorskip("tensorflow")
    low, high = ex.EXPERIMENT_BANDS[_profile()]
    model = _FakeModel(noise=np.sqrt((low + high) / 2))  # an MSE in the middle of the band
    ok, out = _verdict(ex.check_long_range_experiment, model, _steps(), capsys=capsys)
    assert ok and out.startswith("[PASS]"), out
    assert model.seen_shape == (ex.EXPERIMENT_TEST, _steps(), 2)
    lstm = _FakeModel(noise=np.sqrt((low + high) / 2), recurrent="LSTM")  # the other gated cell
    ok, out = _verdict(ex.check_long_range_experiment, lstm, _steps(), capsys=capsys)
    assert ok and out.startswith("[PASS]"), out


def test_experiment_rejects_a_model_that_learned_nothing(capsys):
    pytest.importorskip("tensorflow")
    ok, out = _verdict(ex.check_long_range_experiment, _FakeModel(baseline=True), _steps(),
                       capsys=capsys)
    assert not ok and "learned nothing" in out, out


@pytest.mark.parametrize(("cell", "hint"), [
    ("SimpleRNN", "how far a SimpleRNN carries"),
    ("LSTM", "lowest error at section 4's longest length"),  # the cell that does not reach
])
def test_experiment_names_a_cell_that_does_not_reach(cell, hint, capsys):
    pytest.importorskip("tensorflow")
    model = _FakeModel(baseline=True, recurrent=cell)
    ok, out = _verdict(ex.check_long_range_experiment, model, _steps(), capsys=capsys)
    assert not ok and hint in out, out
    assert "GRU(32)" not in out  # the hint names the evidence, not the answer


def test_experiment_rejects_a_real_untrained_model(capsys):
    pytest.importorskip("tensorflow")
    import keras

    model = keras.Sequential([keras.Input((None, 2)), keras.layers.GRU(4),
                              keras.layers.Dense(1)])
    ok, out = _verdict(ex.check_long_range_experiment, model, _steps(), capsys=capsys)
    assert not ok and out.startswith("[FAIL]") and "Hint" in out, out


@pytest.mark.parametrize("steps", [7, "60", 60.5, -1])
def test_experiment_rejects_other_lengths(steps, capsys):
    ok, out = _verdict(ex.check_long_range_experiment, _FakeModel(), steps, capsys=capsys)
    assert not ok and "steps=long_length" in out, out


def test_experiment_rejects_a_non_model(capsys):
    ok, out = _verdict(ex.check_long_range_experiment, "model", _steps(), capsys=capsys)
    assert not ok and "Keras model" in out, out


def test_experiment_rejects_a_wrong_output_size(capsys):
    pytest.importorskip("tensorflow")

    class TwoOutputs(_FakeModel):
        def __call__(self, x, training=False):
            return np.zeros((len(x), 2))

    ok, out = _verdict(ex.check_long_range_experiment, TwoOutputs(), _steps(), capsys=capsys)
    assert not ok and "Dense(1)" in out, out


@pytest.mark.parametrize("args", [(None, 60), (_FakeModel(), None), (..., ...)])
def test_experiment_stub_is_not_done(args, capsys):
    ok, out = _verdict(ex.check_long_range_experiment, *args, capsys=capsys)
    assert not ok and out.startswith("[TODO]") and "not done yet" in out, out


def test_checker_data_is_the_notebooks_adding_problem():
    x, y = ex.make_adding_problem(500, 20, seed=1)
    assert x.shape == (500, 20, 2) and y.shape == (500, 1)
    assert np.all(x[..., 1].sum(axis=1) == 2)
    assert np.all(x[:, :10, 1].sum(axis=1) == 1)  # one marker in each half
    assert np.allclose(y[:, 0], np.sum(x[..., 0] * x[..., 1], axis=1))
    assert abs(np.mean((y - 1.0) ** 2) - 1 / 6) < 0.02


def test_checker_measures_far_first_values():
    x, y = ex.far_sequences(300, 60, seed=3)
    assert x.shape == (300, 60, 2) and y.shape == (300, 1)
    assert np.all(np.argmax(x[:, :, 1], axis=1) < 15)  # first marker in the first quarter
    assert np.allclose(y[:, 0], np.sum(x[..., 0] * x[..., 1], axis=1))


def test_experiment_names_a_model_trained_on_shorter_sequences(capsys):
    pytest.importorskip("tensorflow")
    model = _FakeModel(noise=np.sqrt(0.05))  # an MSE of about 0.05: part of the way
    ok, out = _verdict(ex.check_long_range_experiment, model, _steps(), capsys=capsys)
    assert not ok and "part of the way" in out, out
