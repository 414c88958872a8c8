"""Checkers for notebook 02 (the artificial neuron and the perceptron).

Conventions of the notebook, used by every checker here:
- the step function is `step(z) = 1 if z >= 0 else 0`;
- a McCulloch-Pitts (threshold) unit fires when `w . x >= threshold`,
  i.e. it is `step(w . x + b)` with bias `b = -threshold`;
- labels are 0 and 1.

Every checker prints `[PASS] ...` or `[FAIL] ... Hint: ...`, returns True/False and
never raises, whatever the student passes (None, a stub, a function that fails).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..checks import CheckResult, as_floats, call_safely, report, short

__all__ = ["check_perceptron_update", "check_sigmoid", "check_threshold_gate"]

_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
_GATES = {
    "AND": np.array([0, 0, 0, 1]),
    "OR": np.array([0, 1, 1, 1]),
    "NAND": np.array([1, 1, 1, 0]),
    "NOR": np.array([1, 0, 0, 0]),
}
_NOT_YET = "not implemented yet"


# --------------------------------------------------------------------------- 1. threshold unit


def check_threshold_gate(gate: str, weights: Any, threshold: Any) -> CheckResult:
    """A McCulloch-Pitts unit `y = 1 if w . x >= threshold else 0` must compute `gate`.

    Args:
        gate: "AND", "OR", "NAND" or "NOR" (two binary inputs).
        weights: the unit's two weights (w1, w2).
        threshold: the firing threshold (the bias is -threshold).
    """
    name = str(gate).strip().upper() if isinstance(gate, str) else repr(gate)
    what = f"threshold unit computes {name}"
    if name not in _GATES:
        return report(False, f"{what}: unknown gate; choose one of {', '.join(_GATES)}.")
    hint = {
        "AND": "AND fires only when both inputs are 1: with weights (1, 1), what must the sum reach?",
        "OR": "OR fires when at least one input is 1: with weights (1, 1), a sum of 1 is enough.",
        "NAND": "NAND is NOT(AND): negative weights make the sum fall as inputs turn on; "
                "the unit must still fire for (0, 0), so the threshold is at most 0.",
        "NOR": "NOR fires only for (0, 0): negative weights, and a threshold between -1 and 0.",
    }[name]
    if weights is None or threshold is None:
        return report(False, f"{what}: {_NOT_YET} (weights or threshold is None).", hint)
    w = as_floats(weights)
    t = as_floats(threshold)
    if w is None or t is None:
        return report(False, f"{what}: weights and threshold must be numbers.", hint)
    w = w.reshape(-1)
    if w.size != 2:
        return report(False, f"{what}: give two weights, one per input (got {w.size}).", hint)
    if t.size != 1:
        return report(False, f"{what}: the threshold is one number (got {t.size}).", hint)
    if not (np.all(np.isfinite(w)) and np.isfinite(t).all()):
        return report(False, f"{what}: weights and threshold must be finite numbers.", hint)
    out = (_INPUTS @ w >= float(t.reshape(-1)[0])).astype(int)
    if not np.array_equal(out, _GATES[name]):
        rows = ", ".join(f"{tuple(map(int, x))}->{o}" for x, o in zip(_INPUTS, out))
        want = ", ".join(f"{tuple(map(int, x))}->{o}" for x, o in zip(_INPUTS, _GATES[name]))
        return report(False, f"{what}: it gives {rows}; {name} is {want}.", hint)
    return report(True, what)


# --------------------------------------------------------------------------- 2. sigmoid


def _sigmoid_reference(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def check_sigmoid(sigmoid: Callable[[np.ndarray], Any]) -> CheckResult:
    """`sigmoid(z) = 1 / (1 + exp(-z))`, elementwise on any array shape, with no
    overflow warning for large |z| (e.g. z = -1000 or +1000)."""
    what = "sigmoid(z) = 1 / (1 + exp(-z))"
    hint = ("Use np.exp (elementwise) with the minus sign: sigmoid(0) = 0.5, sigmoid(2) is about 0.88, "
            "sigmoid(-2) about 0.12.")
    overflow_hint = ("np.exp(-z) overflows for z = -1000, np.exp(z) for z = +1000, and np.where "
                     "evaluates both of its branches. e = np.exp(-np.abs(z)) never overflows: write "
                     "sigmoid(z) with e for z >= 0 and for z < 0, and pick with np.where.")
    cases = [
        np.array([0.0]),
        np.array([-2.0, -0.5, 0.0, 0.5, 2.0, 5.0]),
        np.array([[-3.0, 1.0], [0.25, 4.0]]),
        np.array([-1000.0, -40.0, 40.0, 1000.0]),
    ]
    for z in cases:
        expected = _sigmoid_reference(z)
        result, error = call_safely(sigmoid, z.copy())
        if error:
            if "overflow" in error:
                return report(False, f"{what}: for z = {short(z)} {error}.", overflow_hint)
            return report(False, f"{what}: {error}.", hint)
        r = as_floats(result)
        if r is None:
            return report(False, f"{what}: it returned {type(result).__name__}, not numbers.", hint)
        if r.shape != z.shape:
            return report(False, f"{what}: for an input of shape {z.shape} it returned shape {r.shape}.",
                          "Apply the function elementwise and return an array of the input's shape.")
        if not np.all(np.isfinite(r)):
            return report(False, f"{what}: for z = {short(z)} it returned {short(r)} (not finite).",
                          overflow_hint)
        if np.allclose(r, 1.0 - expected, atol=1e-6) and not np.allclose(r, expected, atol=1e-6):
            return report(False, f"{what}: it returns 1 - sigmoid(z), i.e. sigmoid(-z) "
                                 f"(for z = 2 it should be about 0.88).",
                          "The sign inside exp is flipped: sigmoid(z) = 1 / (1 + exp(-z)).")
        if not np.allclose(r, expected, atol=1e-6, rtol=0):
            return report(False, f"{what}: for z = {short(z)} it returned {short(r)}, "
                                 f"expected {short(expected)}.", hint)
    return report(True, what)


# --------------------------------------------------------------------------- 3. perceptron rule


def check_perceptron_update(update: Callable[..., Any]) -> CheckResult:
    """`update(w, b, x, y, lr)` applies Rosenblatt's rule once and returns `(w, b)`.

    y_hat = step(w . x + b); then w + lr * (y - y_hat) * x and b + lr * (y - y_hat):
    no change when the prediction is right. (No case here has w . x + b == 0, so
    `z > 0` and `z >= 0` in the step both pass.)"""
    what = "perceptron_update applies Rosenblatt's learning rule"
    hint = ("Predict y_hat = step(w . x + b) (1 if w . x + b >= 0 else 0), then return "
            "(w + lr * (y - y_hat) * x, b + lr * (y - y_hat)): no change when the prediction "
            "is right, the bias moves like a weight whose input is always 1.")
    cases = [
        # (w, b, x, y, lr) -> (w_new, b_new), with the situation it tests
        ((np.array([0.0, 0.0]), -0.5, np.array([1.0, 2.0]), 1, 0.1),
         (np.array([0.1, 0.2]), -0.4), "a missed positive (y=1, y_hat=0)"),
        ((np.array([1.0, 1.0]), 0.5, np.array([2.0, 1.0]), 0, 0.5),
         (np.array([0.0, 0.5]), 0.0), "a false positive (y=0, y_hat=1)"),
        ((np.array([1.0, -1.0]), 0.0, np.array([3.0, 1.0]), 1, 0.1),
         (np.array([1.0, -1.0]), 0.0), "a correct positive (no update)"),
        ((np.array([0.5, 0.5]), -2.0, np.array([1.0, 1.0]), 0, 1.0),
         (np.array([0.5, 0.5]), -2.0), "a correct negative (no update)"),
        ((np.array([0.1, 0.2, 0.3]), 0.0, np.array([-1.0, -1.0, -1.0]), 1, 0.25),
         (np.array([-0.15, -0.05, 0.05]), 0.25), "three inputs, a missed positive"),
    ]
    for args, (w_exp, b_exp), situation in cases:
        inputs = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)
        result, error = call_safely(update, *inputs)
        if error:
            return report(False, f"{what}: {error}.", hint)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            return report(False, f"{what}: return the pair (w, b), got {short(result)}.", hint)
        w_new, b_new = (as_floats(v) for v in result)
        if w_new is None or b_new is None:
            return report(False, f"{what}: (w, b) must be numbers, got {short(result)}.", hint)
        if b_new.size != 1:
            return report(False, f"{what}: b must be one number, got shape {b_new.shape} "
                                 "(did you return (b, w) instead of (w, b)?).", hint)
        b_value = float(b_new.reshape(-1)[0])
        ok_w = w_new.shape == w_exp.shape and np.allclose(w_new, w_exp, atol=1e-6, rtol=0)
        ok_b = np.isclose(b_value, b_exp, atol=1e-6, rtol=0)
        if not (ok_w and ok_b):
            w, b, x, y, lr = args
            if ok_w and not ok_b and np.isclose(b_value, b):
                detail = "The weights are right but the bias did not change."
            elif ok_b and not ok_w:
                detail = "The bias is right but the weights are not."
            elif np.allclose(w_new, w) and np.isclose(b_value, b):
                detail = "Nothing changed, but the prediction was wrong."
            else:
                detail = ""
            return report(
                False,
                f"{what}: for {situation}, w={w.tolist()}, b={b}, x={x.tolist()}, y={y}, lr={lr}, "
                f"it returned w={short(w_new)}, b={b_value:.4g}; expected w={w_exp.tolist()}, "
                f"b={b_exp}. {detail}".rstrip(),
                hint,
            )
    return report(True, what)
