"""Checkers of notebook 02: right answers pass, typical wrong answers and stubs fail, nothing raises."""

import math

import numpy as np
import pytest

from course_utils.exercises import lesson02 as ex


def _stub(*args):
    raise NotImplementedError  # your code here


# --------------------------------------------------------------------------- threshold gate


@pytest.mark.parametrize(
    ("gate", "weights", "threshold"),
    [
        ("AND", [1, 1], 2),
        ("AND", (0.5, 0.5), 0.75),
        ("OR", np.array([1.0, 1.0]), 1),
        ("or", [2, 2], 1.5),
        ("NAND", [-1, -1], -1.5),
        ("NAND", [-2, -2], -3),
        ("NOR", [-1, -1], -0.5),
        ("NOR", [-1, -1], 0),
    ],
)
def test_threshold_gate_accepts_right_answers(gate, weights, threshold, capsys):
    assert ex.check_threshold_gate(gate, weights, threshold)
    assert "[PASS]" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("gate", "weights", "threshold"),
    [
        ("OR", [1, 1], 2),       # the AND weights given for OR
        ("AND", [1, 1], 1),      # the OR weights given for AND
        ("AND", [1, 1], 0),      # fires for (0, 0)
        ("NAND", [1, 1], 2),     # AND, not NAND
        ("NAND", [-1, -1], 0),   # fires only for (0, 0): that is NOR
        ("NOR", [-1, -1], -1.5), # NAND given for NOR
        ("OR", [1, 0], 1),       # ignores the second input
        ("AND", [1, 1, 1], 2),   # three weights for two inputs
        ("AND", [1, 1], [1, 2]), # two thresholds
        ("AND", [np.nan, 1], 1), # not a number
        ("AND", ["a", "b"], 1),  # not numbers
    ],
)
def test_threshold_gate_rejects_wrong_answers(gate, weights, threshold, capsys):
    assert not ex.check_threshold_gate(gate, weights, threshold)
    assert "[FAIL]" in capsys.readouterr().out


@pytest.mark.parametrize(("weights", "threshold"), [(None, None), (None, 1), ([1, 1], None)])
def test_threshold_gate_stub_fails_gracefully(weights, threshold, capsys):
    assert not ex.check_threshold_gate("OR", weights, threshold)
    out = capsys.readouterr().out
    assert "[FAIL]" in out and "not implemented yet" in out


@pytest.mark.parametrize("gate", ["XOR", None, 3])
def test_threshold_gate_unknown_gate_does_not_raise(gate, capsys):
    assert not ex.check_threshold_gate(gate, [1, 1], 1)
    assert "[FAIL]" in capsys.readouterr().out


# --------------------------------------------------------------------------- sigmoid


def sigmoid_stable(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_logaddexp(z):
    return np.exp(-np.logaddexp(0, -z))


def sigmoid_clipped(z):
    z = np.clip(z, -500, 500)
    return 1 / (1 + np.exp(-z))


def sigmoid_float32(z):
    z = np.asarray(z, dtype=np.float32)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


@pytest.mark.parametrize("fn", [sigmoid_stable, sigmoid_logaddexp, sigmoid_clipped, sigmoid_float32])
def test_sigmoid_accepts_right_answers(fn, capsys):
    assert ex.check_sigmoid(fn)
    assert "[PASS]" in capsys.readouterr().out


def sigmoid_wrong_sign(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, e / (1 + e), 1 / (1 + e))  # = 1 / (1 + exp(z))


def sigmoid_naive(z):
    return 1 / (1 + np.exp(-z))  # overflows for z = -1000


def sigmoid_where_both_branches(z):
    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))  # both overflow


def sigmoid_math_exp(z):
    return 1 / (1 + math.exp(-z))  # not elementwise


def sigmoid_no_minus(z):
    z = np.clip(z, -500, 500)
    return 1 / (1 - np.exp(-z))


def sigmoid_tanh(z):
    return np.tanh(z)


def sigmoid_scalar_mean(z):
    return float(np.mean(sigmoid_stable(z)))


@pytest.mark.parametrize(
    "fn",
    [sigmoid_wrong_sign, sigmoid_naive, sigmoid_where_both_branches, sigmoid_math_exp,
     sigmoid_no_minus, sigmoid_tanh, sigmoid_scalar_mean, lambda z: None, lambda z: "0.5"],
)
def test_sigmoid_rejects_wrong_answers(fn, capsys):
    assert not ex.check_sigmoid(fn)
    assert "[FAIL]" in capsys.readouterr().out


def test_sigmoid_names_the_wrong_sign_and_the_overflow(capsys):
    ex.check_sigmoid(sigmoid_wrong_sign)
    assert "sign" in capsys.readouterr().out
    ex.check_sigmoid(sigmoid_naive)
    assert "overflow" in capsys.readouterr().out


@pytest.mark.parametrize("fn", [_stub, None, 0.5])
def test_sigmoid_stub_fails_gracefully(fn, capsys):
    assert not ex.check_sigmoid(fn)
    out = capsys.readouterr().out
    assert "[FAIL]" in out
    if not isinstance(fn, float):
        assert "not implemented yet" in out


# --------------------------------------------------------------------------- perceptron update


def update_right(w, b, x, y, lr):
    y_hat = 1 if w @ x + b >= 0 else 0
    return w + lr * (y - y_hat) * x, b + lr * (y - y_hat)


def update_strict_step(w, b, x, y, lr):
    y_hat = int(np.dot(w, x) + b > 0)  # z > 0 instead of z >= 0: both conventions are fine
    return w + lr * (y - y_hat) * x, b + lr * (y - y_hat)


def update_in_place(w, b, x, y, lr):
    error = y - (1 if w @ x + b >= 0 else 0)
    w += lr * error * x
    b += lr * error
    return w, b


def update_list_and_array_bias(w, b, x, y, lr):
    w_new, b_new = update_right(w, b, x, y, lr)
    return [float(v) for v in w_new], np.array([b_new])


@pytest.mark.parametrize("fn", [update_right, update_strict_step, update_in_place, update_list_and_array_bias])
def test_perceptron_update_accepts_right_answers(fn, capsys):
    assert ex.check_perceptron_update(fn)
    assert "[PASS]" in capsys.readouterr().out


def update_always(w, b, x, y, lr):
    sign = 1 if y == 1 else -1  # updates even when the prediction is right
    return w + lr * sign * x, b + lr * sign


def update_always_y(w, b, x, y, lr):
    return w + lr * y * x, b + lr * y


def update_no_bias(w, b, x, y, lr):
    y_hat = 1 if w @ x + b >= 0 else 0
    return w + lr * (y - y_hat) * x, b


def update_sign_flipped(w, b, x, y, lr):
    y_hat = 1 if w @ x + b >= 0 else 0
    return w - lr * (y - y_hat) * x, b - lr * (y - y_hat)


def update_delta_rule(w, b, x, y, lr):
    y_hat = w @ x + b  # Adaline: no step
    return w + lr * (y - y_hat) * x, b + lr * (y - y_hat)


def update_ignores_negatives(w, b, x, y, lr):
    y_hat = 1 if w @ x + b >= 0 else 0
    if y_hat != y:
        return w + lr * y * x, b + lr * y  # y = 0 never moves anything
    return w, b


def update_swapped(w, b, x, y, lr):
    w_new, b_new = update_right(w, b, x, y, lr)
    return b_new, w_new


def update_only_w(w, b, x, y, lr):
    return update_right(w, b, x, y, lr)[0]


def update_no_lr(w, b, x, y, lr):
    y_hat = 1 if w @ x + b >= 0 else 0
    return w + (y - y_hat) * x, b + (y - y_hat)


def update_two_inputs_only(w, b, x, y, lr):
    y_hat = 1 if w[0] * x[0] + w[1] * x[1] + b >= 0 else 0
    return w[:2] + lr * (y - y_hat) * x[:2], b + lr * (y - y_hat)


@pytest.mark.parametrize(
    "fn",
    [update_always, update_always_y, update_no_bias, update_sign_flipped, update_delta_rule,
     update_ignores_negatives, update_swapped, update_only_w, update_no_lr, update_two_inputs_only,
     lambda w, b, x, y, lr: None, lambda w, b, x, y, lr: ("w", "b"), lambda w, b: (w, b)],
)
def test_perceptron_update_rejects_wrong_answers(fn, capsys):
    assert not ex.check_perceptron_update(fn)
    assert "[FAIL]" in capsys.readouterr().out


def test_perceptron_update_names_the_forgotten_bias(capsys):
    ex.check_perceptron_update(update_no_bias)
    assert "bias did not change" in capsys.readouterr().out


@pytest.mark.parametrize("fn", [_stub, None])
def test_perceptron_update_stub_fails_gracefully(fn, capsys):
    assert not ex.check_perceptron_update(fn)
    out = capsys.readouterr().out
    assert "[FAIL]" in out and "not implemented yet" in out
