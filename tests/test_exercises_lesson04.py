"""Checkers of notebook 04: a right answer passes, each typical wrong answer fails with its
specific hint, an untouched stub hears "not done yet". (The full answers live in the solution
notebook; the compact ones here only prove that the checkers accept right answers.)"""

import time

import numpy as np
import pytest

from course_utils import checks
from course_utils.exercises import lesson04 as ex
from tests.checker_asserts import stub as _stub, passes as _passes, fails as _fails


FUNCTION_CHECKERS = [ex.check_hidden_width, ex.check_log_softmax, ex.check_top_k_accuracy,
                     ex.check_unpermute_pixels]


@pytest.mark.parametrize("checker", FUNCTION_CHECKERS)
def test_untouched_function_stub_is_not_done_yet(checker, capsys):
    result = checker(_stub)
    out = capsys.readouterr().out
    assert not result and out.startswith("[TODO]") and "not done yet" in out
    assert "hint" not in out.lower()


def test_second_wrong_attempt_gets_another_hint(capsys):
    for _ in range(2):
        ex.check_hidden_width(lambda b, i, c: 0)
    assert "Another hint:" in capsys.readouterr().out.splitlines()[-1]


# --------------------------------------------------------------------------- 1. hidden_width


def test_hidden_width_accepts_right_answers(capsys):
    _passes(ex.check_hidden_width, lambda b, i, c: (b - c) // (i + 1 + c), capsys=capsys)
    _passes(ex.check_hidden_width, lambda b, i, c: int(np.floor((b - c) / (i + c + 1))),
            capsys=capsys)
    _passes(ex.check_hidden_width,
            lambda b, i, c: max(h for h in range(b + 1) if (i + 1) * h + (h + 1) * c <= b),
            capsys=capsys)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda b, i, c: b // (i + 1), "output layer's parameters count too"),
        (lambda b, i, c: (b - c) // (i + c), "also has a bias"),
        (lambda b, i, c: b // (i + 1 + c), "subtract them from the budget"),
        (lambda b, i, c: (b - c) / (i + 1 + c), "whole number of units"),
        (lambda b, i, c: round((b - c) / (i + 1 + c)), "Round down"),
        (lambda b, i, c: -(-(b - c) // (i + 1 + c)), "Round down"),
        (lambda b, i, c: 128, "(n_inputs + 1) * h + (h + 1) * n_classes"),
        (lambda b, i, c: "128", ""),
    ],
)
def test_hidden_width_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_hidden_width, wrong, capsys=capsys, hint=hint)


# --------------------------------------------------------------------------- 2. log_softmax


def test_log_softmax_accepts_right_answers(capsys):
    def two_steps(z):
        shifted = z - z.max(axis=1, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))

    _passes(ex.check_log_softmax, two_steps, capsys=capsys)
    _passes(ex.check_log_softmax, lambda z: z - np.logaddexp.reduce(z, axis=1, keepdims=True),
            capsys=capsys)
    _passes(ex.check_log_softmax, lambda z: two_steps(z).astype(np.float32).tolist(),
            capsys=capsys)


def _softmax_shift(z, shift):
    e = np.exp(z - shift)
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        # subtracts the minimum: exp(1000 - 0) overflows on [[1000, 0]]
        (lambda z: (z - z.min(axis=1, keepdims=True))
         - np.log(np.exp(z - z.min(axis=1, keepdims=True)).sum(axis=1, keepdims=True)),
         "*largest* logit"),
        (lambda z: np.log(_softmax_shift(z, z.min(axis=1, keepdims=True))), "*largest* logit"),
        (lambda z: z - np.log(np.exp(z).sum(axis=1, keepdims=True)), "overflowed"),
        # the log of a stable softmax: log(0) for e^-1000
        (lambda z: np.log(_softmax_shift(z, z.max(axis=1, keepdims=True))), "np.log received 0"),
        (lambda z: _softmax_shift(z, z.max(axis=1, keepdims=True)), "Those are the probabilities"),
        (lambda z: z - z.max(axis=1, keepdims=True), "only the first step"),
        (lambda z: z.max(axis=1, keepdims=True) - z
         + np.log(np.exp(z - z.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True)), "sign"),
        (lambda z: z - z.max(axis=0, keepdims=True)
         - np.log(np.exp(z - z.max(axis=0, keepdims=True)).sum(axis=0, keepdims=True)), "axis=1"),
        # one maximum for the whole array: rows far below it underflow to log(0)
        (lambda z: z - z.max() - np.log(np.exp(z - z.max()).sum(axis=1, keepdims=True)),
         "np.log received 0"),
        (lambda z: z - z.max(axis=1) - np.log(np.exp(z - z.max(axis=1)).sum(axis=1)), ""),
        (lambda z: np.zeros(z.shape[1]), ""),
    ],
)
def test_log_softmax_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_log_softmax, wrong, capsys=capsys, hint=hint)


# --------------------------------------------------------------------------- 3. top_k_accuracy


def test_top_k_accuracy_accepts_right_answers(capsys):
    _passes(ex.check_top_k_accuracy,
            lambda p, y, k: np.mean([label in row[-k:] for row, label in zip(np.argsort(p, axis=1), y)]),
            capsys=capsys)
    _passes(ex.check_top_k_accuracy,
            lambda p, y, k: float(((p > p[np.arange(len(y)), y][:, None]).sum(axis=1) < k).mean()),
            capsys=capsys)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda p, y, k: np.mean(p.argmax(axis=1) == y), "top-1 accuracy whatever k is"),
        (lambda p, y, k: np.mean([label in row[:k] for row, label in zip(np.argsort(p, axis=1), y)]),
         "increasing order"),
        (lambda p, y, k: np.sum([label in row[-k:] for row, label in zip(np.argsort(p, axis=1), y)]),
         "not a count"),
        (lambda p, y, k: 100 * np.mean([label in row[-k:] for row, label in zip(np.argsort(p, axis=1), y)]),
         "percentage"),
        (lambda p, y, k: np.mean([label in row[-k - 1:] for row, label in zip(np.argsort(p, axis=1), y)]),
         "exactly k classes"),
        (lambda p, y, k: np.mean([label in row[-k:] for row, label in zip(np.argsort(p, axis=0), y)]), ""),
    ],
)
def test_top_k_accuracy_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_top_k_accuracy, wrong, capsys=capsys, hint=hint)


# --------------------------------------------------------------------------- 4. unpermute_pixels


def test_unpermute_pixels_accepts_right_answers(capsys):
    _passes(ex.check_unpermute_pixels,
            lambda x, perm: x.reshape(len(x), -1)[:, np.argsort(perm)].reshape(x.shape), capsys=capsys)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda x, perm: x.reshape(len(x), -1)[:, perm].reshape(x.shape), "a second time"),
        (lambda x, perm: x.reshape(len(x), -1)[:, np.argsort(perm)], "reshape the result back"),
        (lambda x, perm: x, "unchanged"),
        (lambda x, perm: x[perm % len(x)], ""),                     # permutes the examples
        (lambda x, perm: x.reshape(-1)[np.argsort(perm)], ""),      # mixes images
    ],
)
def test_unpermute_pixels_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_unpermute_pixels, wrong, capsys=capsys, hint=hint)


def test_unpermute_pixels_rejects_a_function_that_overwrites_its_input(capsys):
    def mutating(x, perm):
        x[...] = 0
        return x

    _fails(ex.check_unpermute_pixels, mutating, capsys=capsys)


# --------------------------------------------------------------------------- 5. the experiment


def _activation(name):
    def fn(x):
        return x

    fn.__name__ = name
    return fn


class Dense:
    """Stands in for keras.layers.Dense (the checker reads its class name and activation)."""

    def __init__(self, units, activation="linear"):
        self.units, self.activation = units, _activation(activation)


class Activation(Dense):
    def __init__(self, activation):
        super().__init__(0, activation)


class FakeModel:
    """Stands in for a trained Keras model: `count_params`, `layers` and a call (no
    TensorFlow)."""

    def __init__(self, n_params=ex.NARROW_PARAMS, accuracy=0.97, hang=False, fails=False,
                 hidden=("relu",)):
        self.n_params, self.accuracy, self.hang, self.fails = n_params, accuracy, hang, fails
        # Dense(32, hidden[0]), then any Activation layers, then Dense(10, softmax)
        self.layers = ([Dense(32, hidden[0])] + [Activation(a) for a in hidden[1:]]
                       + [Dense(10, "softmax")])

    def count_params(self):
        return self.n_params

    def __call__(self, x, training=False):
        while self.hang:
            time.sleep(0.01)
        if self.fails:  # e.g. a model built for flat (784,) inputs
            raise ValueError("Input 0 is incompatible with the layer: expected shape (None, 784)")
        labels = _test_set()[1]  # the checker passes all 500 images in one batch
        n_right = int(round(self.accuracy * len(labels)))
        guesses = np.where(np.arange(len(labels)) < n_right, labels, (labels + 1) % 10)
        return np.eye(10)[guesses] * 0.9 + 0.01


def _test_set(n=500):
    rng = np.random.default_rng(0)
    return rng.random((n, 28, 28), dtype=np.float32), np.arange(n) % 10


def test_narrow_network_stub_is_not_done_yet(capsys):
    result = ex.check_narrow_network(None, *_test_set())
    out = capsys.readouterr().out
    assert not result and out.startswith("[TODO]") and "hint" not in out.lower()


def test_narrow_network_accepts_a_trained_32_unit_model(capsys):
    out = _passes(ex.check_narrow_network, FakeModel(), *_test_set(), capsys=capsys)
    assert "0.9700 in [" in out  # the measured accuracy, for tests/benchmarks/metric_bands.py


@pytest.mark.parametrize(
    ("model", "data", "hint"),
    [
        (FakeModel(n_params=101_770), None, "still the deck's network"),
        (FakeModel(n_params=50_890), None, "change only the hidden width"),
        (FakeModel(accuracy=0.11), None, "looks untrained"),
        (FakeModel(accuracy=0.5), None, "Train it as in section 5"),
        (0.97, None, "Pass the model you built"),
        (FakeModel(), (np.zeros((5, 28, 28)), np.zeros(5)), "Call the checker as in the cell"),
        (FakeModel(), (255 * _test_set()[0], _test_set()[1]), "Call the checker as in the cell"),
        (FakeModel(), (_test_set()[0].reshape(500, 784), _test_set()[1]), ""),
        (FakeModel(fails=True), None, "keras.Input(shape=(28, 28))"),
        (FakeModel(hidden=("linear",)), None, "single linear map"),
        (FakeModel(hidden=("sigmoid",)), None, "deck's network uses ReLU"),
        (FakeModel(hidden=("linear", "tanh")), None, "uses tanh"),
    ],
)
def test_narrow_network_rejects_wrong_answers(model, data, hint, capsys):
    _fails(ex.check_narrow_network, model, *(data or _test_set()), capsys=capsys, hint=hint)


def test_narrow_network_accepts_relu_as_a_layer_of_its_own(capsys):
    _passes(ex.check_narrow_network, FakeModel(hidden=("linear", "relu")), *_test_set(),
            capsys=capsys)


def test_narrow_network_reads_the_activations_of_a_real_keras_model(capsys):
    keras = pytest.importorskip("keras")
    layers = keras.layers
    for hidden, expected in [([layers.Dense(32, activation="relu")], ["relu"]),
                             ([layers.Dense(32)], []),
                             ([layers.Dense(32), layers.ReLU()], ["relu"]),
                             ([layers.Dense(32), layers.Activation("sigmoid")], ["sigmoid"])]:
        model = keras.Sequential([keras.Input(shape=(28, 28)), layers.Flatten(), *hidden,
                                  layers.Dense(10, activation="softmax")])
        assert ex._hidden_activations(model) == expected
    linear = keras.Sequential([keras.Input(shape=(28, 28)), layers.Flatten(), layers.Dense(32),
                               layers.Dense(10, activation="softmax")])
    _fails(ex.check_narrow_network, linear, *_test_set(), capsys=capsys, hint="no activation")


def test_narrow_network_gives_up_on_a_model_that_hangs(monkeypatch, capsys):
    monkeypatch.setattr(checks, "TIME_LIMIT_S", 0.5)
    out = _fails(ex.check_narrow_network, FakeModel(hang=True), *_test_set(), capsys=capsys)
    assert "did not finish" in out


def test_narrow_network_band_follows_the_profile(monkeypatch, capsys):
    from course_utils import profile

    low = min(ex.NARROW_SMOKE[0], ex.NARROW_FULL[0])
    high = max(ex.NARROW_SMOKE[0], ex.NARROW_FULL[0])
    between = FakeModel(accuracy=(low + high) / 2)
    for name, passes in (("smoke", True), ("full", False)):
        monkeypatch.setattr(profile, "_current", None)
        monkeypatch.setenv("COURSE_PROFILE", name)
        assert bool(ex.check_narrow_network(between, *_test_set())) == passes, name
        assert f"({name} profile)" in capsys.readouterr().out
