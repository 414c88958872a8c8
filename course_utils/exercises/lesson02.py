"""Checkers for notebook 02 (the artificial neuron and the perceptron)."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..checks import call_safely, check_cases, close, report

_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
_GATES = {"AND": np.array([0, 0, 0, 1]), "OR": np.array([0, 1, 1, 1])}


def check_threshold_gate(gate: str, weights: Any, threshold: float) -> bool:
    """A McCulloch-Pitts unit `y = 1 if w . x >= threshold` must compute `gate` (AND or OR)."""
    gate = gate.upper()
    if gate not in _GATES:
        raise ValueError(f"gate must be 'AND' or 'OR', not {gate!r}")
    what = f"threshold unit computes {gate}"
    w = np.asarray(weights, dtype=float).reshape(-1)
    if w.size != 2:
        return report(False, f"{what}: give two weights, one per input (got {w.size}).", "")
    out = (_INPUTS @ w >= threshold).astype(int)
    if not np.array_equal(out, _GATES[gate]):
        rows = ", ".join(f"{tuple(map(int, x))}->{o}" for x, o in zip(_INPUTS, out))
        return report(False, f"{what}: it gives {rows}.",
                      "AND fires only when both inputs are on; OR when at least one is.")
    return report(True, what)


def check_sigmoid(sigmoid: Callable[[np.ndarray], np.ndarray]) -> bool:
    """`sigmoid(z) = 1 / (1 + exp(-z))`, elementwise, without overflow for large |z|."""
    z = np.array([-1000.0, -2.0, 0.0, 2.0, 1000.0])
    expected = np.array([0.0, 0.11920292, 0.5, 0.88079708, 1.0])
    return check_cases(
        "sigmoid(z) = 1 / (1 + exp(-z))",
        sigmoid,
        [((np.array([0.0]),), np.array([0.5])), ((z,), expected)],
        hint="Mind the sign inside exp, and avoid overflow: np.exp(-z) overflows for "
             "z = -1000; use np.where to pick exp(z) / (1 + exp(z)) for negative z.",
        atol=1e-6,
    )


def check_perceptron_update(update: Callable[..., Any]) -> bool:
    """`update(w, b, x, y, lr)` applies Rosenblatt's rule once and returns `(w, b)`.

    Prediction y_hat = 1 if w . x + b > 0 else 0; then w += lr (y - y_hat) x and
    b += lr (y - y_hat)."""
    what = "perceptron_update applies Rosenblatt's learning rule"
    hint = ("Predict y_hat = 1 if w . x + b > 0 else 0, then w + lr * (y - y_hat) * x "
            "and b + lr * (y - y_hat): no change when the prediction is right.")
    cases = [
        # (w, b, x, y, lr) -> (w_new, b_new)
        ((np.array([0.0, 0.0]), 0.0, np.array([1.0, 2.0]), 1, 0.1), (np.array([0.1, 0.2]), 0.1)),
        ((np.array([1.0, 1.0]), 0.5, np.array([2.0, 1.0]), 0, 0.5), (np.array([0.0, 0.5]), 0.0)),
        ((np.array([1.0, -1.0]), 0.0, np.array([3.0, 1.0]), 1, 0.1), (np.array([1.0, -1.0]), 0.0)),
        ((np.array([0.5, 0.5]), -2.0, np.array([1.0, 1.0]), 0, 1.0), (np.array([0.5, 0.5]), -2.0)),
    ]
    for args, (w_exp, b_exp) in cases:
        inputs = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)
        result, error = call_safely(update, *inputs)
        if error:
            return report(False, f"{what}: {error}.", hint)
        try:
            w_new, b_new = result
        except (TypeError, ValueError):
            return report(False, f"{what}: return the pair (w, b), got {type(result).__name__}.", hint)
        if not (close(w_new, w_exp) and close(b_new, b_exp)):
            w, b, x, y, lr = args
            return report(
                False,
                f"{what}: with w={w.tolist()}, b={b}, x={x.tolist()}, y={y}, lr={lr} it returned "
                f"w={np.round(np.asarray(w_new, dtype=float), 4).tolist()}, b={float(b_new):.4g}; "
                f"expected w={w_exp.tolist()}, b={b_exp}.",
                hint,
            )
    return report(True, what)
