"""Checkers of notebook 05: right answers pass, typical wrong answers fail with their hint,
untouched stubs hear "not done yet"."""

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from course_utils import checks
from course_utils.exercises import lesson05 as ex
from tests.checker_asserts import stub as _stub


def _verdict(result, capsys):
    return result, capsys.readouterr().out


def _passes(result, capsys):
    ok, out = _verdict(result, capsys)
    assert ok and out.startswith("[PASS]"), out


def _fails(result, capsys, hint=""):
    ok, out = _verdict(result, capsys)
    assert not ok and out.startswith("[FAIL]"), out
    assert hint in out, out
    return out


def _todo(result, capsys):
    ok, out = _verdict(result, capsys)
    assert not ok and out.startswith("[TODO]") and "not done yet" in out, out


# --------------------------------------------------------------------------- max_pool2d


def _pool(x, size, stride):
    return sliding_window_view(np.asarray(x), (size, size))[::stride, ::stride].max(axis=(2, 3))


def _pool_loops(x, size, stride):
    x = np.asarray(x)
    rows, cols = (x.shape[0] - size) // stride + 1, (x.shape[1] - size) // stride + 1
    return [[x[i * stride:i * stride + size, j * stride:j * stride + size].max()
             for j in range(cols)] for i in range(rows)]


def test_max_pool2d_accepts_right_answers(capsys):
    _passes(ex.check_max_pool2d(_pool), capsys)
    _passes(ex.check_max_pool2d(_pool_loops), capsys)  # nested lists are fine


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda x, s, t: sliding_window_view(x, (s, s))[::t, ::t].mean(axis=(2, 3)), "average pooling"),
        (lambda x, s, t: _pool(x, s, 1), "every `stride` pixels"),
        (lambda x, s, t: _pool(x, s, s), "moved by `size`"),
        (lambda x, s, t: sliding_window_view(x, (s, s))[::t, ::t].min(axis=(2, 3)), "largest"),
        (lambda x, s, t: _pool(x, s, t).T, ""),
        (lambda x, s, t: x.reshape(2, 2, 2, 2).max(axis=(1, 3)), ""),  # only the 4x4 case
    ],
)
def test_max_pool2d_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_max_pool2d(wrong), capsys, hint)


def test_max_pool2d_stub_is_not_done(capsys):
    _todo(ex.check_max_pool2d(_stub), capsys)
    _todo(ex.check_max_pool2d(None), capsys)


# --------------------------------------------------------------------------- receptive_field


def _rf(specs):
    size, jump = 1, 1
    for k, s in specs:
        size += (k - 1) * jump
        jump *= s
    return size


def _rf_backwards(specs):  # from the output back to the input
    size = 1
    for k, s in reversed(specs):
        size = (size - 1) * s + k
    return size


def test_receptive_field_accepts_right_answers(capsys):
    _passes(ex.check_receptive_field(_rf), capsys)
    _passes(ex.check_receptive_field(_rf_backwards), capsys)
    _passes(ex.check_receptive_field(lambda specs: np.int64(_rf(specs))), capsys)


def test_receptive_field_of_the_deck_convnet_is_12():
    assert ex._receptive([(5, 1), (2, 2), (3, 1), (2, 2)]) == 12 == _rf_backwards(
        [(5, 1), (2, 2), (3, 1), (2, 2)])


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda specs: 1 + sum(k - 1 for k, _ in specs), "Strides matter"),
        (lambda specs: sum(k for k, _ in specs), "5x5, not 6x6"),
        (lambda specs: int(np.prod([k for k, _ in specs])), "addition"),
        (lambda specs: ex._receptive_stride_first(specs), "*after*"),
        (lambda specs: str(_rf(specs)), ""),
        (lambda specs: _rf(specs) - 1, ""),
    ],
)
def test_receptive_field_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_receptive_field(wrong), capsys, hint)


# --------------------------------------------------------------------------- shift kernel

RIGHT = np.array([[0, 0, 0], [1, 0, 0], [0, 0, 0]])


def _digits():
    rng = np.random.default_rng(0)
    return rng.random((3, 28, 28, 1)).astype("float32")


def test_shift_kernel_accepts_right_answers(capsys):
    _passes(ex.check_shift_kernel(RIGHT, _digits()), capsys)
    _passes(ex.check_shift_kernel(RIGHT.astype("float32").tolist(), _digits()[..., 0]), capsys)
    _passes(ex.check_shift_kernel(RIGHT[:, :, None, None], None), capsys)  # Conv2D's kernel shape


def test_shift_kernel_matches_tensorflow():
    tf = pytest.importorskip("tensorflow")
    x = _digits()
    out = tf.nn.conv2d(x, RIGHT[:, :, None, None].astype("float32"), strides=1, padding="SAME")
    assert np.allclose(out.numpy()[..., 0], ex._conv_same(x[..., 0], RIGHT.astype(float)), atol=1e-6)
    assert np.allclose(out.numpy()[..., 0], ex._shift_right(x[..., 0]))


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (np.array([[0, 0, 0], [0, 0, 1], [0, 0, 0]]), "moves the image to the left"),
        (np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]]), "identity"),
        (np.array([[0, 1, 0], [0, 0, 0], [0, 0, 0]]), "moves the image down"),
        (np.array([[0, 0, 0], [0, 0, 0], [0, 1, 0]]), "moves the image up"),
        (np.array([[0, 0, 0], [2, 0, 0], [0, 0, 0]]), "One weight of 1"),
        (np.ones((2, 2)), "3x3"),
        (np.array([[0, 0, 0], [np.nan, 0, 0], [0, 0, 0]]), "NaN"),
    ],
)
def test_shift_kernel_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_shift_kernel(wrong, _digits()), capsys, hint)


def test_shift_kernel_stub_is_not_done(capsys):
    _todo(ex.check_shift_kernel(None, _digits()), capsys)


# --------------------------------------------------------------------------- budget conv net


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def _test_set(n=300):
    rng = np.random.default_rng(1)
    return rng.random((n, 28, 28, 1)).astype("float32"), rng.integers(0, 10, n)


def _small_convnet(keras, filters=8):
    layers = keras.layers
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(filters, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Conv2D(16, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Flatten(), layers.Dense(10, activation="softmax"),
    ])


def _predicting(accuracy, y):
    """A stand-in for the checker's prediction: right on the first `accuracy` share of y."""
    def predict(model, images):
        n = len(images)
        labels = np.array(y[:n])
        wrong = int(round((1 - accuracy) * n))
        labels[:wrong] = (labels[:wrong] + 1) % 10
        return np.eye(10)[labels]
    return predict


def test_budget_convnet_passes_a_model_that_beats_the_dense_net(keras, monkeypatch, capsys):
    x, y = _test_set()
    monkeypatch.setattr(ex, "_predict", _predicting(0.95, y))
    ok, out = _verdict(ex.check_budget_convnet(_small_convnet(keras), x, y, 0.85), capsys)
    assert ok and out.startswith("[PASS]") and "5,258 parameters" in out, out
    assert "0.9500 in [" in out and "+0.1000" in out, out


def test_budget_convnet_passes_other_designs(keras, monkeypatch, capsys):
    x, y = _test_set()
    monkeypatch.setattr(ex, "_predict", _predicting(0.95, y))
    layers = keras.layers
    gap = keras.Sequential([keras.Input(shape=(28, 28, 1)),
                            layers.Conv2D(16, 3, activation="relu"), layers.MaxPooling2D(2),
                            layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
                            layers.GlobalAveragePooling2D(), layers.Dense(10, activation="softmax")])
    _passes(ex.check_budget_convnet(gap, x, y, 0.85), capsys)
    inputs = keras.Input(shape=(28, 28, 1))  # functional, strided convolutions, no pooling
    h = layers.Conv2D(8, 3, strides=2, activation="relu")(inputs)
    h = layers.Conv2D(16, 3, strides=2, activation="relu")(h)
    outputs = layers.Dense(10, activation="softmax")(layers.Flatten()(h))
    _passes(ex.check_budget_convnet(keras.Model(inputs, outputs), x, y, np.float32(0.85)), capsys)


def test_budget_convnet_needs_the_margin_and_the_floor(keras, monkeypatch, capsys):
    x, y = _test_set()
    monkeypatch.setattr(ex, "_optimizer_steps", lambda model: 300)  # trained
    low, margin = ex.FLOOR["smoke"], ex.MARGIN["smoke"]
    monkeypatch.setattr(ex, "_predict", _predicting(0.96, y))
    out = _fails(ex.check_budget_convnet(_small_convnet(keras), x, y, 0.96 - margin / 2),
                 capsys, "It trained, but does not beat")
    assert "never trained" not in out, out
    monkeypatch.setattr(ex, "_predict", _predicting(low - 0.04, y))
    _fails(ex.check_budget_convnet(_small_convnet(keras), x, y, 0.5), capsys, "It trained")


def test_budget_convnet_untrained_model_fails_with_a_training_hint(keras, capsys):
    x, y = _test_set()
    model = _small_convnet(keras)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    assert ex._optimizer_steps(model) == 0
    _fails(ex.check_budget_convnet(model, x, y, 0.85), capsys, "never trained")
    _fails(ex.check_budget_convnet(_small_convnet(keras), x, y, 0.85), capsys, "never trained")


def test_budget_convnet_counts_the_optimiser_steps(keras):
    x, y = _test_set(64)
    model = _small_convnet(keras)
    assert ex._optimizer_steps(model) is None  # not compiled
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    assert ex._optimizer_steps(model) == 2


def test_budget_convnet_needs_the_dense_accuracy(keras, monkeypatch, capsys):
    x, y = _test_set()
    monkeypatch.setattr(ex, "_predict", _predicting(0.95, y))
    for dense in (None, "0.85", 85.0, float("nan"), [0.8, 0.9]):
        _fails(ex.check_budget_convnet(_small_convnet(keras), x, y, dense), capsys, "dense_acc")


def test_budget_convnet_rejects_a_dense_model(keras, capsys):
    x, y = _test_set()
    dense = keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    _fails(ex.check_budget_convnet(dense, x, y), capsys, "no Conv2D")


def test_budget_convnet_rejects_a_model_over_budget(keras, capsys):
    x, y = _test_set()
    big = keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Conv2D(8, 3),
                            keras.layers.Flatten(), keras.layers.Dense(10)])
    out = _fails(ex.check_budget_convnet(big, x, y), capsys, "more than the budget")
    assert "Dense layer" in out and "GlobalAveragePooling2D" not in out, out


def test_budget_convnet_rejects_wrong_test_data_and_outputs(keras, capsys):
    x, y = _test_set()
    _fails(ex.check_budget_convnet(_small_convnet(keras), x[:, :20, :20], y, 0.85), capsys,
           "test digits")
    _fails(ex.check_budget_convnet(_small_convnet(keras), x, y[:-1], 0.85), capsys, "test digits")
    layers = keras.layers
    five = keras.Sequential([keras.Input(shape=(28, 28, 1)), layers.Conv2D(4, 3),
                             layers.GlobalAveragePooling2D(), layers.Dense(5)])
    _fails(ex.check_budget_convnet(five, x, y, 0.85), capsys, "Dense(10")


def test_budget_convnet_stub_and_non_models(capsys):
    x, y = _test_set()
    _todo(ex.check_budget_convnet(None, x, y, 0.85), capsys)
    _fails(ex.check_budget_convnet("model", x, y), capsys, "Keras model")


def test_budget_convnet_predicting_too_slowly_fails(keras, monkeypatch, capsys):
    monkeypatch.setattr(checks, "TIME_LIMIT_S", 0.2)
    x, y = _test_set()

    def slow(model, images):
        import time
        time.sleep(2)

    monkeypatch.setattr(ex, "_predict", slow)
    _fails(ex.check_budget_convnet(_small_convnet(keras), x, y, 0.85), capsys, "did not finish")
