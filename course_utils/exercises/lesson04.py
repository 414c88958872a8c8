"""Checkers for notebook 04 (MNIST with a dense network).

1. `check_hidden_width`: the parameter count of section 2, inverted (a budget -> a width).
2. `check_log_softmax`: log-probabilities from logits, finite however large the logits
   (section 4: Keras computes the loss from the logits, not from clipped probabilities).
3. `check_top_k_accuracy`: a new metric read from the predicted probabilities.
4. `check_unpermute_pixels`: undo the pixel permutation of section 9.
5. `check_narrow_network` (the experiment): a network with a 32-unit hidden layer, trained;
   the checker checks its structure (25,450 parameters, a ReLU hidden layer), measures its
   test accuracy itself and compares it with a band per profile.

Every checker prints one line (`[PASS]`, `[FAIL] ... Hint: ...` or `[TODO] ... not done
yet`), returns a result that is true only on a pass, and never raises or hangs, whatever it
is given (see `course_utils.checks`). Importing this module does not import TensorFlow.
"""

from __future__ import annotations

import re
from typing import Any, Callable

import numpy as np

from ..checks import (
    CheckResult,
    Failure,
    NotDone,
    as_floats,
    call_in_batches,
    call_safely,
    check_band,
    check_cases,
    checker,
    is_stub,
    reference_softmax,
    report,
    run_limited,
    short,
)

__all__ = [
    "check_hidden_width",
    "check_log_softmax",
    "check_narrow_network",
    "check_top_k_accuracy",
    "check_unpermute_pixels",
]


# --------------------------------------------------------------------------- 1. a parameter budget


def _width(budget: int, n_inputs: int, n_classes: int) -> int:
    # parameters(h) = (n_inputs + 1) * h + (h + 1) * n_classes
    return (budget - n_classes) // (n_inputs + 1 + n_classes)


@checker
def check_hidden_width(hidden_width: Callable[[int, int, int], int]) -> CheckResult:
    """hidden_width(budget, n_inputs, n_classes): the widest hidden layer within the budget.

    The network is Flatten -> Dense(h) -> Dense(n_classes) on `n_inputs` inputs; the answer
    is the largest whole h whose parameter count (weights and biases) is at most `budget`.
    """
    # In this order, the first case that each typical mistake gets wrong tells it apart.
    cases = [(101_770, 784, 10), (50_000, 784, 10), (7, 2, 1), (101_769, 784, 10),
             (25_450, 784, 10), (1_000_000, 3_072, 10)]
    return check_cases(
        "hidden_width(budget, n_inputs, n_classes) inverts the parameter count",
        hidden_width,
        [(args, _width(*args)) for args in cases],
        hint="Write the count of section 2 for a width h: (n_inputs + 1) * h + (h + 1) * n_classes. "
             "Solve count <= budget for h and keep the largest whole h.",
        more="For the deck's network, 795 * h + 10 <= budget: hidden_width(101_770, 784, 10) is 128 "
             "and hidden_width(101_769, 784, 10) is 127.",
        mistakes=[
            (lambda b, i, c: b // (i + 1 + c), "The output layer's n_classes biases do not depend "
                                               "on h: subtract them from the budget first."),
            (lambda b, i, c: (b - c) // (i + c), "Each hidden unit also has a bias: "
                                                 "(n_inputs + 1) * h weights and biases in the hidden layer."),
            (lambda b, i, c: (b - c) / (i + 1 + c), "A layer has a whole number of units: round down "
                                                    "(the largest h that fits), e.g. with //."),
            (lambda b, i, c: round((b - c) / (i + 1 + c)), "Round down, not to the nearest: "
                                                           "a width that rounds up exceeds the budget."),
            (lambda b, i, c: b // (i + 1), "The output layer's parameters count too: each hidden "
                                           "unit has n_classes outgoing weights, plus n_classes biases."),
            (lambda b, i, c: -(-(b - c) // (i + 1 + c)), "Round down, not up: "
                                                         "a width that rounds up exceeds the budget."),
        ],
    )


# --------------------------------------------------------------------------- 2. log-softmax


_LOG_SOFTMAX_HINT = ("log softmax(z)_k = z_k - log(sum_j exp(z_j)). Subtract each row's largest "
                     "logit m first: z - m - log(sum(exp(z - m))), with axis=1 and keepdims=True. "
                     "exp then never overflows and log never sees 0.")


def _reference_log_softmax(z: np.ndarray) -> np.ndarray:
    m = z.max(axis=1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))


def _error_hint(error: str) -> str:
    if "overflow" in error:
        return ("np.exp overflowed: subtract each row's *largest* logit before exponentiating "
                "(z - max(z) <= 0). Subtracting the smallest makes the exponents larger, not smaller.")
    if "divide by zero" in error or "invalid value" in error:
        return ("np.log received 0: a probability underflowed (e^-1000 is 0 in floating point). "
                "Do not take the log of the softmax: simplify log(exp(a) / s) = a - log(s) on paper "
                "first, so the only log is of a sum that is at least 1.")
    if "broadcast" in error:
        return "Keep the reduced axis (keepdims=True) so that the row maxima and sums broadcast."
    return _LOG_SOFTMAX_HINT


@checker
def check_log_softmax(log_softmax: Callable[[np.ndarray], np.ndarray]) -> CheckResult:
    """log_softmax(z): the log-probabilities of each row of logits, finite for any logits."""
    what = "log_softmax(z) gives finite log-probabilities row by row"
    cases = [
        np.array([[1.0, 2.0, 3.0]]),
        np.array([[0.0, 0.0], [2.0, -1.0]]),
        np.zeros((2, 10)),
        np.array([[2.0, -1.0, 0.5, 0.0], [0.3, 0.1, -0.2, 4.0], [-3.0, -3.0, 1.0, 1.0]]),
        np.array([[1000.0, 0.0], [0.0, 1000.0]]),          # exp(1000) overflows, e^-1000 underflows
        np.array([[-1000.0, -1001.0, -1002.0], [3.0, 1.0, 0.0]]),  # rows far apart: a row's own max
    ]
    for z in cases:  # errors first, with a hint naming what went wrong numerically
        _, error = call_safely(log_softmax, z.copy())
        if error:
            return report(False, f"{what}: for z = {short(z)} {error}.", _error_hint(error),
                          _LOG_SOFTMAX_HINT)
    return check_cases(
        what,
        log_softmax,
        [((z,), _reference_log_softmax(z)) for z in cases],
        hint=_LOG_SOFTMAX_HINT,
        more="Check with z = [[1000, 0]]: the answer is [[0, -1000]] (softmax [1, e^-1000]).",
        mistakes=[
            (reference_softmax, "Those are the probabilities: return their logarithm, "
                                "computed from the logits."),
            (lambda z: z - z.max(axis=1, keepdims=True),
             "Subtracting the maximum is only the first step: also subtract "
             "log(sum(exp(z - m))), which normalises the probabilities."),
            (lambda z: -_reference_log_softmax(z), "Mind the sign: log-probabilities are <= 0."),
            (lambda z: z - z.max(axis=0, keepdims=True)
             - np.log(np.exp(z - z.max(axis=0, keepdims=True)).sum(axis=0, keepdims=True)),
             "Normalise each row (one image's logits), i.e. reduce over axis=1, not axis=0."),
            (lambda z: z - z.max() - np.log(np.exp(z - z.max()).sum()),
             "Normalise each row on its own: max and sum over axis=1 with keepdims=True, "
             "not over the whole array."),
        ],
        atol=1e-6,
        rtol=1e-6,
    )


# --------------------------------------------------------------------------- 3. top-k accuracy


def _top_k(p: np.ndarray, y: np.ndarray, k: int) -> float:
    p_true = p[np.arange(len(y)), y]
    return float(np.mean((p > p_true[:, None]).sum(axis=1) < k))


@checker
def check_top_k_accuracy(top_k_accuracy: Callable[[np.ndarray, np.ndarray, int], float]) -> CheckResult:
    """top_k_accuracy(probabilities, labels, k): fraction of rows whose label is in the top k."""
    probs = np.array([
        [0.60, 0.25, 0.10, 0.05],
        [0.05, 0.15, 0.50, 0.30],
        [0.30, 0.45, 0.05, 0.20],
        [0.10, 0.20, 0.30, 0.40],
        [0.02, 0.08, 0.85, 0.05],
    ])
    labels = np.array([0, 3, 2, 0, 1])  # ranks of the true class: 1, 2, 3, 4, 2
    cases = [((probs, labels, k), _top_k(probs, labels, k)) for k in (1, 2, 3, 4)]
    cases.append(((probs[:3], np.array([1, 2, 1]), 2), _top_k(probs[:3], np.array([1, 2, 1]), 2)))
    return check_cases(
        "top_k_accuracy(probabilities, labels, k)",
        top_k_accuracy,
        cases,
        hint="For each row, find the k most probable classes (np.argsort(probabilities, axis=1) "
             "sorts them, least probable first) and test whether the label is among them; "
             "return the mean over rows, a fraction between 0 and 1.",
        more="Another way: the label is in the top k when fewer than k classes have a larger "
             "probability than the true class.",
        mistakes=[
            (lambda p, y, k: float(np.mean(p.argmax(axis=1) == y)),
             "That is the top-1 accuracy whatever k is: use k."),
            (lambda p, y, k: float(np.mean([yi in row[:k] for row, yi in zip(np.argsort(p, axis=1), y)])),
             "np.argsort sorts in increasing order: the k most probable classes are the *last* k "
             "columns (np.argsort(p, axis=1)[:, -k:])."),
            (lambda p, y, k: _top_k(p, y, k) * len(y), "Return a fraction, not a count: take the mean."),
            (lambda p, y, k: 100.0 * _top_k(p, y, k), "Return a fraction in [0, 1], not a percentage."),
            (lambda p, y, k: _top_k(p, y, k + 1) if k < p.shape[1] else 1.0,
             "Keep exactly k classes: np.argsort(p, axis=1)[:, -k:] has k columns."),
            (lambda p, y, k: _top_k(p, y, k - 1) if k > 1 else 0.0,
             "Keep exactly k classes: np.argsort(p, axis=1)[:, -k:] has k columns."),
        ],
    )


# --------------------------------------------------------------------------- 4. unpermute pixels


def _permute(images: np.ndarray, perm: np.ndarray) -> np.ndarray:
    return images.reshape(len(images), -1)[:, perm].reshape(images.shape)


@checker
def check_unpermute_pixels(unpermute_pixels: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> CheckResult:
    """unpermute_pixels(images_perm, perm) recovers the original images.

    Given images of shape `(n, h, w)` whose flattened pixel j is pixel `perm[j]` of the
    original (as made by `permute_pixels`), it returns the originals, same shape.
    """
    rng = np.random.default_rng(4)
    images = rng.integers(0, 256, size=(3, 4, 5)).astype(np.float32)
    perm = rng.permutation(20)
    square = rng.integers(0, 256, size=(2, 3, 3)).astype(np.float32)
    cycle = np.roll(np.arange(9), 1)  # not its own inverse
    cases = [
        ((_permute(images, perm), perm), images),
        ((_permute(square, cycle), cycle), square),
        ((images[:1], np.arange(20)), images[:1]),
    ]
    return check_cases(
        "unpermute_pixels(images_perm, perm) recovers the original images",
        unpermute_pixels,
        cases,
        hint="Pixel perm[j] of the original went to position j, so write it back: flatten, "
             "fill out[:, perm] = flat (or index with np.argsort(perm)), reshape to images.shape.",
        more="np.argsort(perm) is the inverse permutation: perm[np.argsort(perm)] is 0, 1, 2, ...",
        mistakes=[
            (lambda x, p: _permute(x, p), "That applies the permutation a second time; "
                                          "undo it with the inverse permutation np.argsort(perm)."),
            (lambda x, p: x.reshape(len(x), -1)[:, np.argsort(p)],
             "Right pixels: now reshape the result back to (n, h, w)."),
            (lambda x, p: x, "The images come back unchanged: undo the permutation."),
        ],
    )


# --------------------------------------------------------------------------- 5. the experiment

#: Parameters of Flatten -> Dense(32) -> Dense(10) on 28 x 28 images.
NARROW_PARAMS = 784 * 32 + 32 + 32 * 10 + 10
DECK_PARAMS = 784 * 128 + 128 + 128 * 10 + 10
#: Test-accuracy bands of the 32-unit network (see the notebook's exercise 5 for the seeds).
NARROW_SMOKE = (0.82, 1.0)
NARROW_FULL = (0.92, 1.0)
_TRAIN_HINT = ("Train it as in section 5: SGD(learning_rate=0.05, momentum=0.9), "
               "sparse_categorical_crossentropy, batches of 32, num_epochs epochs on train_ds.")


def _test_data(x_test: Any, y_test: Any) -> tuple[np.ndarray, np.ndarray]:
    """The test images (float32) and labels (int); `Failure` saying what is wrong with them."""
    x, y = as_floats(x_test), as_floats(y_test)
    if x is None or y is None or x.ndim != 3 or x.shape[1:] != (28, 28) or y.ndim != 1 \
            or len(x) != len(y) or len(y) < 100:
        raise Failure("pass the test set of section 1: x_test of shape (n, 28, 28) and y_test "
                      "of shape (n,), with n >= 100")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))) or x.min() < 0 or x.max() > 1:
        raise Failure("x_test must hold pixels scaled to [0, 1], as in section 1")
    if np.any(y != np.round(y)) or y.min() < 0 or y.max() > 9:
        raise Failure("y_test must hold the integer labels 0-9")
    return x.astype(np.float32), y.astype(int)


def _plain(exc: BaseException) -> str:
    """An error message without the colour codes that Keras puts in some of its errors."""
    return re.sub(r"\x1b\[[0-9;]*m", "", str(exc))


def _predict(model: Any, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """The model's outputs for `x` (called in eager batches: see `checks.call_in_batches`)."""
    return call_in_batches(model, x, batch_size)[0] if len(x) else np.zeros((0, 10))


#: Layers that are an activation function of their own (a Dense layer's may be 'linear').
_ACTIVATION_LAYERS = {"ReLU": "relu", "LeakyReLU": "leaky_relu", "PReLU": "prelu",
                      "ELU": "elu", "Softmax": "softmax"}


def _hidden_activations(model: Any) -> list[str]:
    """The non-linear activations from the first Dense layer up to the last one (excluded):
    ['relu'] for the deck's network, [] when the hidden layer is linear (no activation)."""
    layers = list(model.layers)
    dense = [i for i, layer in enumerate(layers) if type(layer).__name__ == "Dense"]
    found = []
    for layer in layers[dense[0]:dense[-1]] if len(dense) >= 2 else []:
        kind = type(layer).__name__
        if kind in _ACTIVATION_LAYERS:
            found.append(_ACTIVATION_LAYERS[kind])
        elif kind in ("Dense", "Activation"):
            activation = getattr(layer, "activation", None)
            name = getattr(activation, "__name__", str(activation))
            if activation is not None and name != "linear":
                found.append(name)
    return found


@checker
def check_narrow_network(model: Any, x_test: Any, y_test: Any) -> CheckResult:
    """Experiment: a 32-unit hidden layer, trained; its test accuracy is measured here.

    `model` is the trained Keras model Flatten -> Dense(32, relu) -> Dense(10, softmax)
    (25,450 parameters); `x_test`, `y_test` the scaled test set. Bands: below the worst of
    the solution's seeded runs, with a margin (smoke profile: 6,000 training digits and 3
    epochs; full profile: at least the offline copy's 10,000 digits and 8 epochs).

    The hidden activation is checked, not measured: the same network without an activation
    (a linear model) reached 0.828-0.853 and with a sigmoid 0.876-0.886 over smoke seeds 0-4
    (tests/benchmarks/experiment_checks.py), inside the band (the solution: 0.867-0.900).
    """
    what = "test accuracy of the network with 32 hidden units"
    if is_stub(model):
        raise NotDone(what)
    if not (callable(model) and callable(getattr(model, "count_params", None))):
        return report(False, f"{what}: expected a Keras model, got {type(model).__name__}.",
                      "Pass the model you built and trained (e.g. model_narrow), not its history "
                      "or its accuracy.")
    try:
        n_params = run_limited(model.count_params)
    except Failure as exc:
        return report(False, f"{what}: counting its parameters failed: {_plain(exc)}.",
                      "Build the model with an input shape (keras.Input(shape=(28, 28))) and train it.")
    if isinstance(n_params, bool) or not isinstance(n_params, (int, np.integer)):
        return report(False, f"{what}: count_params() returned {short(n_params)}.",
                      "Pass a Keras model.")
    if n_params != NARROW_PARAMS:
        hint = ("That is still the deck's network (101,770 parameters): give the hidden Dense "
                "layer 32 units." if n_params == DECK_PARAMS else
                f"Flatten -> Dense(32, relu) -> Dense(10, softmax) has 784 x 32 + 32 + 32 x 10 + 10 "
                f"= {NARROW_PARAMS:,} parameters: change only the hidden width.")
        return report(False, f"{what}: the model has {n_params:,} parameters, not {NARROW_PARAMS:,}.",
                      hint)
    try:
        activations = run_limited(lambda: _hidden_activations(model))
    except Failure as exc:
        return report(False, f"{what}: reading its layers failed: {_plain(exc)}.",
                      "Build the model with keras.Sequential, as build_dense_model does.")
    if not activations:
        return report(False, f"{what}: its hidden layer has no activation, so Dense(32) then "
                             "Dense(10) is a single linear map of the pixels (a linear model, "
                             "whatever the width).",
                      "Give the hidden layer the deck's activation: the exercise changes only "
                      "the width.")
    if "relu" not in activations:
        return report(False, f"{what}: its hidden layer uses {', '.join(activations)}; the "
                             "deck's network uses ReLU.",
                      "Change only the width, so that the difference you measure comes from "
                      "the number of hidden units.")
    try:
        x, y = _test_data(x_test, y_test)
    except Failure as exc:
        return report(False, f"{what}: {exc}.", "Call the checker as in the cell: "
                                                "ex.check_narrow_network(model_narrow, x_test, y_test).")
    try:
        probs = run_limited(lambda: _predict(model, x))
    except Failure as exc:
        return report(False, f"{what}: predicting the test images failed: {_plain(exc)}.",
                      "The model must take 28 x 28 images, as the deck's: start it with "
                      "keras.Input(shape=(28, 28)) and layers.Flatten().")
    if probs.shape != (len(y), 10) or not np.all(np.isfinite(probs)):
        return report(False, f"{what}: its predictions have shape {probs.shape}, expected "
                             f"({len(y)}, 10) finite values.", _TRAIN_HINT)
    accuracy = float(np.mean(probs.argmax(axis=1) == y))
    if accuracy < 0.3:
        return report(False, f"{what}: measured {accuracy:.4f}, barely above chance (0.1).",
                      "It looks untrained: call model_narrow.fit(...) after compile. " + _TRAIN_HINT)
    return check_band(what, accuracy, smoke=NARROW_SMOKE, full=NARROW_FULL,
                      hint=_TRAIN_HINT,
                      more="Train from scratch (a new model), on the training images scaled to [0, 1].")
