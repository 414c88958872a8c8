"""Checkers of notebook 02 accept right answers and reject typical wrong ones with their
specific hint; an untouched stub hears "not done yet". (The worked answers live in
notebooks/solutions/02_artificial_neuron_perceptron.ipynb; here only compact references.)"""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_utils.exercises import lesson02 as ex
from tests.checker_asserts import stub as _stub


def _out(capsys) -> str:
    return capsys.readouterr().out


# --------------------------------------------------------------------------- threshold gate


@pytest.mark.parametrize(
    ("gate", "weights", "threshold"),
    [
        ("AND", [1, 1], 2),
        ("OR", np.array([1.0, 1.0]), 1),
        ("nand", [-1, -1], -1.5),
        ("NAND", (-2, -2), -3),
        ("NAND", np.array([-1.0, -1.0], np.float32), np.float32(-1.5)),
        ("NOR", [-1, -1], 0),
    ],
)
def test_threshold_gate_accepts_right_answers(gate, weights, threshold, capsys):
    assert ex.check_threshold_gate(gate, weights, threshold)
    assert _out(capsys).startswith("[PASS]")


@pytest.mark.parametrize(
    ("weights", "threshold", "says"),
    [
        ([1, 1], 2, "That is AND"),
        ([-1, -1], -2, "EQUALS the threshold"),
        ([-1, -1], -0.5, "That is NOR"),
        ([-1, -1], 5, "never fires"),
        ([1, 0], 1, "NAND must fire"),
        ([1, 1, 1], 2, "two weights"),
        ([-1, -1], [1, 2], "one number as the threshold"),
        ([np.nan, -1], -1.5, "finite"),
        (["a", "b"], -1.5, "two numbers"),
        ([-1, -1], "-1.5", "one number"),
    ],
)
def test_threshold_gate_rejects_typical_mistakes(weights, threshold, says, capsys):
    assert not ex.check_threshold_gate("NAND", weights, threshold)
    out = _out(capsys)
    assert out.startswith("[FAIL]") and says in out, out


def test_threshold_gate_stub_and_unknown_gate(capsys):
    assert not ex.check_threshold_gate("NAND", None, None)
    out = _out(capsys)
    assert out.startswith("[TODO]") and "hint" not in out.lower()
    assert not ex.check_threshold_gate("XOR", [1, 1], 1)
    assert "unknown gate" in _out(capsys)


# --------------------------------------------------------------------------- sigmoid


def sigmoid_stable(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_float32(z):
    return sigmoid_stable(np.asarray(z, np.float32))


@pytest.mark.parametrize("fn", [sigmoid_stable, sigmoid_float32,
                                lambda z: np.exp(-np.logaddexp(0, -z))])
def test_sigmoid_accepts_right_answers(fn, capsys):
    assert ex.check_sigmoid(fn)
    assert _out(capsys).startswith("[PASS]")


@pytest.mark.parametrize(
    ("fn", "says"),
    [
        (lambda z: 1 / (1 + np.exp(-z)), "overflow"),  # naive
        (lambda z: np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z))), "overflow"),
        (lambda z: 1 - sigmoid_stable(z), "sign inside exp"),
        # not elementwise: NumPy >= 2.2 raises TypeError, 2.1 (Colab) returns a scalar
        (lambda z: 1 / (1 + math.exp(-z)), ("raised TypeError", "elementwise")),
        (lambda z: float(np.mean(sigmoid_stable(z))), "shape"),
        (np.tanh, "returned"),
        (lambda z: None, "forget `return`"),
        (lambda z: "0.5", "not numbers"),
    ],
)
def test_sigmoid_rejects_typical_mistakes(fn, says, capsys):
    assert not ex.check_sigmoid(fn)
    out = _out(capsys)
    words = says if isinstance(says, tuple) else (says,)
    assert out.startswith("[FAIL]") and any(w in out for w in words), out


@pytest.mark.parametrize("stub", [None, ..., _stub])
def test_sigmoid_stub_is_not_done_yet(stub, capsys):
    assert not ex.check_sigmoid(stub)
    out = _out(capsys)
    assert out.startswith("[TODO]") and "hint" not in out.lower()


# --------------------------------------------------------------------------- margin


def margin_right(w0, W, x, y):
    return float(np.min((2 * np.asarray(y) - 1) * (w0 + x @ W)) / np.linalg.norm(W))


def test_margin_accepts_the_right_answer(capsys):
    assert ex.check_margin(margin_right)
    assert ex.check_margin(lambda w0, W, x, y: np.float32(margin_right(w0, W, x, y)))
    assert _out(capsys).count("[PASS]") == 2


@pytest.mark.parametrize(
    ("fn", "says"),
    [
        (lambda w0, W, x, y: float(np.min((2 * y - 1) * (w0 + x @ W))), "did not divide"),
        (lambda w0, W, x, y: float(np.min((2 * y - 1) * (w0 + x @ W)) / np.linalg.norm(np.r_[w0, W])),
         "Novikoff"),
        (lambda w0, W, x, y: float(np.min(np.abs(w0 + x @ W)) / np.linalg.norm(W)), "signed"),
        (lambda w0, W, x, y: float(np.mean((2 * y - 1) * (w0 + x @ W)) / np.linalg.norm(W)), "SMALLEST"),
        (lambda w0, W, x, y: float(np.min(y * (w0 + x @ W)) / np.linalg.norm(W)), "2y - 1"),
        (lambda w0, W, x, y: (2 * y - 1) * (w0 + x @ W) / np.linalg.norm(W), "expected"),
        (lambda w0, W, x, y: float(np.min((2 * y - 1) * (w0 + x[:, 0] * W[0] + x[:, 1] * W[1]))
                                   / np.linalg.norm(W)), "expected"),  # two features only
    ],
)
def test_margin_rejects_typical_mistakes(fn, says, capsys):
    assert not ex.check_margin(fn)
    out = _out(capsys)
    assert out.startswith("[FAIL]") and says in out, out


@pytest.mark.parametrize("stub", [None, ..., _stub])
def test_margin_stub_is_not_done_yet(stub, capsys):
    assert not ex.check_margin(stub)
    assert _out(capsys).startswith("[TODO]")


# --------------------------------------------------------------------------- experiment


class _Optimizer:
    def __init__(self, steps):
        self.iterations = np.int64(steps)


class FixedNeuron:
    """A stand-in for the Keras neuron: fixed probabilities, 3 parameters, an optimiser
    that made `steps` steps."""

    def __init__(self, probs, params=3, steps=120):
        self.probs, self.params = np.asarray(probs, float), params
        self.optimizer = _Optimizer(steps)

    def count_params(self):
        return self.params

    def predict(self, ds, verbose=0):
        return self.probs.reshape(-1, 1)


def test_pair_neuron(capsys, monkeypatch):
    pytest.importorskip("tensorflow")
    from course_utils import profile
    from course_utils.pipeline import to_dataset

    to_dataset(np.zeros((2, 2), np.float32))  # load TensorFlow before the timed checks

    monkeypatch.setattr(profile, "_current", None)
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    x = np.c_[np.linspace(3, 7, 30), np.linspace(1, 2.5, 30)].astype("float32")
    y = (np.arange(30) >= 15).astype(int)
    good = np.where(y == 1, 0.9, 0.1)
    good[:2] = 0.8  # two flowers wrong: 28/30
    assert ex.check_pair_neuron(FixedNeuron(good), x, y)
    assert _out(capsys).startswith("[PASS]")
    for model, xs, ys, says in [
        (FixedNeuron(np.full(30, 0.9)), x, y, "close to guessing"),
        (FixedNeuron(np.where(y == 1, 0.9, 0.1)[::-1]), x, y, "close to guessing"),
        (FixedNeuron(good, params=9), x, y, "parameters"),
        (FixedNeuron(good, steps=0), x, y, "not been trained"),
        (FixedNeuron(good), x[:, :1], y, "shape (n, 2)"),
        (FixedNeuron(good), x, y + 1, "0/1 test labels"),
        ("model", x, y, "expected a trained Keras model"),
    ]:
        assert not ex.check_pair_neuron(model, xs, ys)
        out = _out(capsys)
        assert out.startswith("[FAIL]") and says in out, out
    assert not ex.check_pair_neuron(None, x, y)
    assert "not done yet" in _out(capsys)


def test_pair_neuron_rejects_a_real_untrained_neuron_whatever_its_line(capsys, monkeypatch):
    keras = pytest.importorskip("keras")
    from course_utils import profile

    monkeypatch.setattr(profile, "_current", None)
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    x = np.c_[np.linspace(3, 7, 30), np.linspace(1, 2.5, 30)].astype("float32")
    y = (np.arange(30) >= 15).astype(int)
    neuron = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1, activation="sigmoid")])
    neuron.set_weights([np.array([[1.0], [0.0]], "float32"), np.array([-5.0], "float32")])
    assert not ex.check_pair_neuron(neuron, x, y)  # a perfect line, but never trained
    assert "not been trained" in _out(capsys)
    neuron.compile(optimizer=keras.optimizers.Adam(learning_rate=0.1), loss="binary_crossentropy")
    neuron.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert ex.check_pair_neuron(neuron, x, y)
    assert _out(capsys).startswith("[PASS]")
