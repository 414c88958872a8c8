"""Checkers of notebook 11 (LSTM and GRU cells): parameter counts of LSTM and GRU layers,
the gradient along the LSTM cell state, and the experiment that trains a recurrent network on
adding-problem sequences twice as long as section 4's longest (re-measured by the checker on
test sequences it makes itself).

Conventions of the notebook: Keras' weight layout (LSTM gates i, f, c, o; GRU gates z, r, h,
`reset_after=True` by default with a (2, 3 units) bias). TensorFlow and Keras are imported
only inside the checker that measures a model.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from ..checks import (CheckResult, Failure, NotDone, as_floats, as_number, call_in_batches,
                      check_band, check_cases, checker, is_stub, report, run_limited, short)

# --------------------------------------------------------------------------- exercise 1

_SIZES = [(3, 5), (100, 64), (64, 32), (1, 1), (28, 128)]


@checker
def check_lstm_params(lstm_params: Callable[[int, int], Any]) -> CheckResult:
    """lstm_params(input_dim, units): trainable parameters of keras.layers.LSTM(units)."""
    return check_cases(
        "lstm_params(input_dim, units) counts an LSTM layer's weights and biases",
        lstm_params,
        [((d, u), 4 * (u * (d + u) + u)) for d, u in _SIZES],
        hint="Four gates (i, f, c, o), each with an input matrix (input_dim x units), a "
             "recurrent matrix (units x units) and a bias (units).",
        mistakes=[
            (lambda d, u: 4 * u * (d + u), "Each of the four gates also has a bias vector."),
            (lambda d, u: u * (d + u) + u, "That is one gate: the LSTM has four (i, f, c, o)."),
            (lambda d, u: 4 * (u * d + u), "Each gate also reads the previous state h_{t-1}: "
                                           "a recurrent matrix of units x units."),
            (lambda d, u: 3 * (u * (d + u) + u),
             "That is a GRU with three gates; the LSTM has four."),
        ],
        atol=0.0, rtol=0.0,
    )


@checker
def check_gru_params(gru_params: Callable[..., Any]) -> CheckResult:
    """gru_params(input_dim, units, reset_after): parameters of keras.layers.GRU(units)."""
    cases = []
    for d, u in _SIZES:
        cases.append(((d, u, True), 3 * u * (d + u) + 2 * 3 * u))
        cases.append(((d, u, False), 3 * u * (d + u) + 3 * u))
    return check_cases(
        "gru_params(input_dim, units, reset_after) counts a GRU layer's parameters",
        gru_params,
        cases,
        hint="Three gates (z, r, h), each with an input matrix, a recurrent matrix and biases: "
             "one bias vector per gate for reset_after=False, two (input side and recurrent "
             "side) for reset_after=True.",
        mistakes=[
            (lambda d, u, ra: 3 * u * (d + u) + 3 * u,
             "With reset_after=True the recurrent side has biases of its own: count both."),
            (lambda d, u, ra: 3 * u * (d + u) + 6 * u,
             "With reset_after=False the GRU has a single bias vector per gate."),
            (lambda d, u, ra: 4 * (u * (d + u) + u), "That is an LSTM: the GRU has three gates."),
            (lambda d, u, ra: 3 * u * (d + u), "Count the biases too."),
        ],
        atol=0.0, rtol=0.0,
    )


# --------------------------------------------------------------------------- exercise 2


def reference_cell_gradient(forget_gates: np.ndarray) -> np.ndarray:
    """Row k (0-based, step k + 1): the product of the forget gates of the later steps."""
    f = np.asarray(forget_gates, dtype=float)
    out = np.ones_like(f)
    for k in range(len(f) - 2, -1, -1):
        out[k] = out[k + 1] * f[k + 1]
    return out


@checker
def check_cell_state_gradient(cell_state_gradient: Callable[[np.ndarray], Any]) -> CheckResult:
    """cell_state_gradient(forget_gates): dc_T/dc_k along the cell path, for every k."""
    rng = np.random.default_rng(11)
    cases = [
        np.array([[0.5], [0.5], [0.5], [0.5]]),
        np.array([[0.9, 0.1], [0.8, 1.0], [0.7, 0.5]]),
        rng.uniform(0.2, 1.0, size=(6, 3)),
        np.array([[0.3, 0.6]]),
    ]

    def forward(f):
        return np.cumprod(f, axis=0)

    def including_own(f):
        return np.flip(np.cumprod(np.flip(f, 0), axis=0), 0)

    def summed(f):
        return np.flip(np.cumsum(np.flip(np.vstack([f[1:], np.zeros((1, f.shape[1]))]), 0),
                                 axis=0), 0)

    return check_cases(
        "cell_state_gradient(forget_gates): products of the later forget gates",
        cell_state_gradient,
        [((f,), reference_cell_gradient(f)) for f in cases],
        hint="Row k is f_{k+1} * f_{k+2} * ... * f_T (elementwise per unit); the last row "
             "(k = T) is all ones: c_T does not need to go through any gate to reach itself.",
        more="Walk backwards from the last step, whose row is all ones: each earlier row is "
             "the next row times one more forget gate.",
        mistakes=[
            (forward, "That multiplies the gates from the start; the gradient of c_T with "
                      "respect to c_k involves the gates *after* step k."),
            (including_own, "Off by one: f_k multiplies c_{k-1}, not c_k. Row k uses the gates "
                            "of steps k+1 .. T only, and the last row is all ones."),
            (summed, "The step Jacobians multiply (chain rule), they do not add."),
        ],
        atol=1e-9,
    )


# --------------------------------------------------------------------------- exercise 3

#: Length of the experiment's sequences (twice the notebook's longest), by profile.
EXPERIMENT_LENGTH = {"smoke": 60, "full": 200}
#: Bands of the re-measured test MSE, by profile
#: (provenance: tests/benchmarks/bands/11_lstm_and_gru.md).
EXPERIMENT_BANDS = {"smoke": (0.0, 0.01), "full": (0.0, 0.01)}
#: Test sequences the checker makes (with its own seed) and their seed.
EXPERIMENT_TEST = 1000
EXPERIMENT_SEED = 2011


def make_adding_problem(n: int, steps: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The notebook's adding problem: values in [0, 1) and a marker at one step of each
    half; the target is the sum of the two marked values. x (n, steps, 2), y (n, 1)."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.0, 1.0, size=(n, steps))
    first = rng.integers(0, steps // 2, size=n)
    second = rng.integers(steps // 2, steps, size=n)
    markers = np.zeros((n, steps))
    markers[np.arange(n), first] = 1.0
    markers[np.arange(n), second] = 1.0
    x = np.stack([values, markers], axis=-1).astype("float32")
    return x, np.sum(values * markers, axis=1, keepdims=True).astype("float32")


def far_sequences(n: int, steps: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`n` adding-problem sequences whose first marked value lies in the first quarter: at
    least 3/4 of `steps` from the end, further than any sequence of section 4 (which were at
    most half as long). A network trained on the shorter sequences and handed in unchanged
    does not carry the value this far; one trained at this length does."""
    x, y = make_adding_problem(6 * n, steps, seed)
    far = np.argmax(x[:, :, 1], axis=1) < steps // 4
    return x[far][:n], y[far][:n]


def _recurrent_kinds(model: Any) -> list[str]:
    """Class names of the model's recurrent layers (wrapped ones included)."""
    kinds = []
    for layer in list(getattr(model, "layers", None) or []):
        inner = getattr(layer, "forward_layer", None) or getattr(layer, "layer", None)
        for part in (layer, inner):
            name = type(part).__name__
            if part is not None and name in ("SimpleRNN", "LSTM", "GRU", "RNN"):
                kinds.append(name)
    return kinds


@checker
def check_long_range_experiment(model: Any, steps: Any) -> CheckResult:
    """Experiment: a GRU network on adding-problem sequences twice as long as section 4's
    longest; the checker measures its test MSE on fresh sequences."""
    what = "test MSE of model_long on fresh sequences, first value far from the end"
    if is_stub(model) or is_stub(steps):
        raise NotDone(what)
    from ..profile import current_config

    profile = current_config().profile
    expected_length = EXPERIMENT_LENGTH[profile]
    how = ("Build it with build_adding_model and a recurrent layer of 32 units, and train it "
           "on x_long_train, y_long_train with section 4's seed, batch size and epochs.")
    if not callable(model) or not hasattr(model, "layers"):
        return report(False, f"{what}: expected a trained Keras model, got "
                             f"{type(model).__name__}.", how)
    length = as_number(steps)
    if length is None or length != expected_length:
        return report(False, f"{what}: steps must be the cell's long_length, "
                             f"{expected_length} in the {profile} profile; got {short(steps)}.",
                      "Call the checker as in the cell: (model_long, steps=long_length).")
    x, y = far_sequences(EXPERIMENT_TEST, expected_length, EXPERIMENT_SEED)

    try:
        outputs = run_limited(lambda: call_in_batches(model, x))
    except Failure as exc:
        return report(False, f"{what}: predicting the test sequences failed: {exc}.", how)
    predictions = outputs[0] if len(outputs) == 1 else None
    if predictions is None or predictions.size != len(x):
        return report(False, f"{what}: the model should give one number per sequence, got "
                             f"{short(predictions)}.",
                      "End the model with layers.Dense(1), as build_adding_model does.")
    mse = float(np.mean((predictions.reshape(-1) - y.reshape(-1)) ** 2))
    baseline = float(np.mean((y - 1.0) ** 2))
    high = EXPERIMENT_BANDS[profile][1]
    hint = how
    if math.isfinite(mse) and mse > high:
        kinds = _recurrent_kinds(model)
        if kinds and all(kind == "SimpleRNN" for kind in kinds):
            hint = ("Section 4 measured how far a SimpleRNN carries the first value: which "
                    "cell did better at the longest length?")
        elif kinds and all(kind == "LSTM" for kind in kinds):
            hint = ("With this budget the LSTM does not carry the first value this far: which "
                    "cell had the lowest error at section 4's longest length?")
        elif mse < 0.5 * baseline:
            hint = ("It carries the first value part of the way only: was it trained on "
                    "x_long_train, the sequences of twice the length, for the whole budget? A "
                    "network trained on section 4's shorter sequences does not reach this far.")
        elif mse > 0.8 * baseline:
            hint = (f"Its error is no better than always answering 1.0 ({baseline:.3f}): it "
                    "learned nothing about the first value. Did fit run to the end, on "
                    "x_long_train and y_long_train? " + how)
    return check_band(what, mse, smoke=EXPERIMENT_BANDS["smoke"],
                      full=EXPERIMENT_BANDS["full"], hint=hint,
                      more="Section 4's budget includes its optimiser: keep the learning rate "
                           "and the gradient clipping of build_adding_model.")
