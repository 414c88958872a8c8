"""Checkers of notebook 02 (the artificial neuron and the perceptron).

Conventions of the notebook, used by every checker here:
- the step function is `step(z) = 1 if z >= 0 else 0`;
- a McCulloch-Pitts (threshold) unit fires when `w . x >= threshold`,
  i.e. it is `step(w . x + b)` with bias `b = -threshold`;
- labels are 0 and 1 (the perceptron's -1/+1 form is `2 * y - 1`).

1. `check_threshold_gate`: weights and a threshold for a logic gate (NAND in the notebook).
2. `check_sigmoid`: a sigmoid that never overflows.
3. `check_margin`: the geometric margin of a line on labelled points.
4. `check_pair_neuron` (the experiment): a Keras neuron trained on versicolor vs virginica,
   re-measured on the test flowers against a band per profile. An untrained neuron is
   rejected by its optimiser's step count, not by the band: its line goes through the origin
   (the initial bias is 0) and puts at least 25 of the 30 test flowers on the right side for
   up to 0.5% of Keras' initial weights (the test splits of seeds 0-4).

Importing this module does no TensorFlow work.
"""

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
    check_cases,
    checker,
    is_stub,
    report,
    run_limited,
    short,
)

__all__ = ["check_margin", "check_pair_neuron", "check_sigmoid", "check_threshold_gate"]

_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
_GATES = {
    "AND": (0, 0, 0, 1),
    "OR": (0, 1, 1, 1),
    "NAND": (1, 1, 1, 0),
    "NOR": (1, 0, 0, 0),
}
_TABLE_NAMES = {table: name for name, table in _GATES.items()}
_TABLE_NAMES.update({(1, 1, 1, 1): "always 1", (0, 0, 0, 0): "always 0"})

#: Bands of the experiment's test accuracy (one sigmoid neuron, versicolor vs virginica,
#: 30 test flowers; the split changes with the seed), from tests/benchmarks/metric_bands.py:
#: smoke 0.933-1.0 (5 seeds), full 0.967-1.0 (3 seeds). The bands allow 5 flowers of 30 on
#: the wrong side (the worst run had 2).
PAIR_BANDS = {"smoke": (0.83, 1.0), "full": (0.83, 1.0)}


# --------------------------------------------------------------------------- 1. threshold unit


_GATE_HINTS = {
    "AND": "AND fires only when both inputs are 1: with weights (1, 1), what must the sum reach?",
    "OR": "OR fires when at least one input is 1: with weights (1, 1), a sum of 1 is enough.",
    "NAND": "NAND must fire for (0, 0), (0, 1), (1, 0) and not for (1, 1): with negative "
            "weights the sum falls as inputs turn on; put the threshold between the sum at "
            "one active input and the sum at two.",
    "NOR": "NOR fires only for (0, 0): negative weights, and a threshold between the sum "
           "at no active input and the sum at one.",
}


@checker
def check_threshold_gate(gate: Any, weights: Any, threshold: Any) -> CheckResult:
    """Threshold unit (w . x >= threshold) for a logic gate"""
    if is_stub(weights) or is_stub(threshold) or is_stub(gate):
        raise NotDone("threshold unit for a logic gate")
    name = gate.strip().upper() if isinstance(gate, str) else None
    if name not in _GATES:
        return report(False, f"threshold unit: unknown gate {short(gate)}; choose one of "
                             f"{', '.join(_GATES)}.")
    what = f"threshold unit computes {name}"
    hint = _GATE_HINTS[name]
    w, t = as_floats(weights), as_number(threshold)
    if w is None or t is None:
        return report(False, f"{what}: give two numbers as weights and one number as the "
                             f"threshold, got {short(weights)} and {short(threshold)}.", hint)
    w = w.reshape(-1)
    if w.size != 2:
        return report(False, f"{what}: give two weights, one per input (got {w.size}).", hint)
    if not (np.all(np.isfinite(w)) and np.isfinite(t)):
        return report(False, f"{what}: weights and threshold must be finite numbers.", hint)
    table = tuple(int(v) for v in (_INPUTS @ w >= t))
    if table == _GATES[name]:
        return report(True, f"{what} (w = {short(w)}, threshold = {t:g})")
    rows = ", ".join(f"{tuple(map(int, x))}->{o}" for x, o in zip(_INPUTS, table))
    computed = _TABLE_NAMES.get(table)
    specific = hint
    if computed == "AND" and name == "NAND":
        specific = "That is AND. NAND is its opposite: flip the signs of the weights and of the threshold."
    elif computed == "always 1" and name == "NAND" and np.all(w < 0) and np.isclose(t, w.sum()):
        specific = ("Almost: with threshold = w1 + w2 the unit still fires for (1, 1), because "
                    "the step fires when the sum EQUALS the threshold (>=). Move the threshold "
                    "between w1 + w2 and the smaller weight, e.g. halfway.")
    elif computed == "NOR" and name == "NAND":
        specific = ("That is NOR: it stops firing as soon as one input is on. Lower the "
                    "threshold so that one active input still fires, two do not.")
    elif computed == "always 1":
        specific = f"It fires for every input. {hint}"
    elif computed == "always 0":
        specific = f"It never fires. {hint}"
    label = f" (that is {computed})" if computed else ""
    return report(False, f"{what}: it gives {rows}{label}.", specific, hint)


# --------------------------------------------------------------------------- 2. sigmoid


def _sigmoid_reference(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


@checker
def check_sigmoid(sigmoid: Callable[[np.ndarray], Any]) -> CheckResult:
    """sigmoid(z) = 1 / (1 + exp(-z)), elementwise, with no overflow"""
    what = "sigmoid_stable(z) = 1 / (1 + exp(-z)) with no overflow"
    hint = ("Use np.exp (elementwise) with the minus sign: sigmoid(0) = 0.5, sigmoid(2) is "
            "about 0.88, sigmoid(-2) about 0.12.")
    overflow_hint = ("np.exp(-z) overflows for z = -1000, np.exp(z) for z = +1000, and np.where "
                     "evaluates both of its branches. Exponentiate only numbers that are never "
                     "positive (minus the absolute value of z): write sigmoid(z) with that "
                     "exponential for z >= 0 and for z < 0, and pick with np.where.")
    if is_stub(sigmoid):
        raise NotDone(what)
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
        if result is None:
            return report(False, f"{what}: it returned None.", "Did you forget `return`?", hint)
        r = as_floats(result)
        if r is None:
            return report(False, f"{what}: it returned {short(result)}, not numbers.", hint)
        if r.shape != z.shape:
            return report(False, f"{what}: for an input of shape {z.shape} it returned shape "
                                 f"{r.shape}.",
                          "Apply the function elementwise (np.exp, not math.exp) and return an "
                          "array of the input's shape.")
        if not np.all(np.isfinite(r)):
            return report(False, f"{what}: for z = {short(z)} it returned {short(r)} (not "
                                 "finite).", overflow_hint)
        if np.allclose(r, 1.0 - expected, atol=1e-6) and not np.allclose(r, expected, atol=1e-6):
            return report(False, f"{what}: it returns 1 - sigmoid(z) = sigmoid(-z) (for z = 2 "
                                 "it should be about 0.88).",
                          "The sign inside exp is flipped: sigmoid(z) = 1 / (1 + exp(-z)).")
        if not np.allclose(r, expected, atol=1e-6, rtol=0):
            return report(False, f"{what}: for z = {short(z)} it returned {short(r)}, "
                                 f"expected {short(expected)}.", hint)
    return report(True, what)


# --------------------------------------------------------------------------- 3. margin


def _margin(w0: float, W: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    s = 2 * np.asarray(y) - 1
    return float(np.min(s * (w0 + x @ W)) / np.linalg.norm(W))


_MARGIN_CASES = [
    # (w0, W, x, y): a line on labelled points
    (-2.0, np.array([1.0, 1.0]),
     np.array([[0.0, 0.0], [1.0, 0.5], [2.0, 2.0], [3.0, 1.0]]), np.array([0, 0, 1, 1])),
    (-7.5, np.array([5.0, 5.0]),
     np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), np.array([0, 0, 0, 1])),
    (1.0, np.array([-2.0, 0.0]),  # a vertical line x1 = 0.5; one point on the wrong side
     np.array([[0.0, 3.0], [0.25, -1.0], [2.0, 0.0], [0.4, 5.0]]), np.array([1, 1, 0, 0])),
    (0.5, np.array([1.0, -2.0, 2.0]),  # three features
     np.array([[1.0, 0.0, 1.0], [0.0, 2.0, 0.0], [2.0, 1.0, 1.0]]), np.array([1, 0, 1])),
]

_MARGIN_MISTAKES = [
    (lambda w0, W, x, y: float(np.min((2 * y - 1) * (w0 + x @ W))),
     "You did not divide by the length of W: w0 + x . W is not a distance (scale the weights "
     "by 5 and it grows 5 times while the line stays put). Divide by np.linalg.norm(W)."),
    (lambda w0, W, x, y: float(np.min((2 * y - 1) * (w0 + x @ W)) / np.linalg.norm(np.r_[w0, W])),
     "You divided by the length of (w0, W), Novikoff's margin in the space with a constant "
     "input 1. The distance to the line in the plane of the features divides by |W| only."),
    (lambda w0, W, x, y: float(np.min(np.abs(w0 + x @ W)) / np.linalg.norm(W)),
     "That is the distance of the closest point whatever its side. The margin is signed: "
     "multiply by s = 2y - 1 so that a point on the wrong side counts as negative."),
    (lambda w0, W, x, y: float(np.mean((2 * y - 1) * (w0 + x @ W)) / np.linalg.norm(W)),
     "That is the mean signed distance; the margin is the SMALLEST one (the closest point)."),
    (lambda w0, W, x, y: float(np.min(y * (w0 + x @ W)) / np.linalg.norm(W)),
     "Labels are 0 and 1: multiplying by y makes every class-0 point count 0. Use the "
     "sign s = 2y - 1 (-1 or +1)."),
]


@checker
def check_margin(margin: Callable[..., Any]) -> CheckResult:
    """margin(w0, W, x, y): signed distance of the closest point to the line"""
    if is_stub(margin):
        raise NotDone("margin(w0, W, x, y)")
    return check_cases(
        "margin(w0, W, x, y) is the smallest signed distance of a point to the line",
        margin,
        [((w0, W, x, y), _margin(w0, W, x, y)) for w0, W, x, y in _MARGIN_CASES],
        hint="The signed distance of x to the line w0 + x . W = 0 is s (w0 + x . W) / |W|, with "
             "s = 2y - 1; return the smallest over all points (np.linalg.norm gives |W|).",
        more="Check one case by hand: the line x1 + x2 = 2 and the point (3, 1) of class 1 "
             "are sqrt(2) = 1.41 apart.",
        mistakes=_MARGIN_MISTAKES,
        atol=1e-6,
    )


# --------------------------------------------------------------------------- 4. experiment


def _looks_like_model(model: Any) -> bool:
    return (not isinstance(model, (str, bytes, type)) and callable(getattr(model, "predict", None))
            and callable(getattr(model, "count_params", None)))


def _optimizer_steps(model: Any) -> int:
    """Steps its optimiser made (0 for a model never compiled or never fit)."""
    optimizer = getattr(model, "optimizer", None)
    return int(np.asarray(optimizer.iterations)) if optimizer is not None else 0


@checker
def check_pair_neuron(pair_model: Any, x_test: Any, y_test: Any) -> CheckResult:
    """Experiment: one neuron on versicolor vs virginica, test accuracy"""
    what = "experiment: test accuracy of one sigmoid neuron on versicolor vs virginica"
    if is_stub(pair_model):
        raise NotDone(what)
    if not _looks_like_model(pair_model):
        return report(False, f"{what}: expected a trained Keras model, got {short(pair_model)}.",
                      "Build, compile and fit the model in the cell and pass it to the checker.")
    x, y = as_floats(x_test), as_floats(y_test)
    if x is None or x.ndim != 2 or x.shape[1] != 2 or not np.all(np.isfinite(x)):
        return report(False, f"{what}: pass the test flowers x_pair_test (shape (n, 2)), got "
                             f"{short(x_test)}.", "Call the checker as the cell shows.")
    if y is None or y.reshape(-1).shape != (len(x),) or not np.all(np.isin(y, (0, 1))):
        return report(False, f"{what}: pass the 0/1 test labels y_pair_test, got {short(y_test)}.",
                      "Call the checker as the cell shows.")
    try:
        params = int(run_limited(pair_model.count_params))
    except Exception:  # noqa: BLE001 - an unbuilt or broken model
        params = -1
    if params != 3:
        return report(False, f"{what}: the model has {params} parameters; one neuron on two "
                             "features has 3 (two weights and a bias).",
                      "Use the model of section 6: keras.Input(shape=(2,)) and "
                      "Dense(1, activation='sigmoid').")

    try:
        steps = run_limited(lambda: _optimizer_steps(pair_model))
    except (Failure, NotImplementedError):
        steps = 0
    if steps == 0:  # a line at random may still split the test flowers (about 0.3% of them)
        return report(False, f"{what}: the model has not been trained (0 optimiser steps).",
                      "Compile it, then fit it on x_pair_train and y_pair_train before "
                      "calling the checker.")

    from ..pipeline import to_dataset  # imports TensorFlow (already loaded in a notebook)

    dataset = to_dataset(x.astype(np.float32), batch_size=256)
    try:
        probs = run_limited(lambda: np.asarray(pair_model.predict(dataset, verbose=0), dtype=float))
    except (Failure, NotImplementedError) as exc:
        return report(False, f"{what}: the model could not predict the test flowers ({exc}).",
                      "Compile and fit the model before calling the checker.")
    if probs.shape not in ((len(x), 1), (len(x),)) or not np.all(np.isfinite(probs)):
        return report(False, f"{what}: the model outputs shape {probs.shape}, expected "
                             f"({len(x)}, 1).", "End with Dense(1, activation='sigmoid').")
    accuracy = float(np.mean((probs.reshape(-1) >= 0.5) == y.reshape(-1)))
    hint = ("One neuron draws one line; these two species overlap a little, so a few test "
            "flowers stay on the wrong side, but most should not. Train with the settings of "
            "section 6 (Adam, learning rate 0.1, binary cross-entropy) for pair_epochs epochs "
            "in batches of 8 on x_pair_train.")
    if accuracy <= 0.6:
        hint = ("That is close to guessing: did you fit the model on x_pair_train and "
                "y_pair_train (labels 0 = versicolor, 1 = virginica)?")
    return check_band(what, accuracy, smoke=PAIR_BANDS["smoke"], full=PAIR_BANDS["full"],
                      hint=hint)
