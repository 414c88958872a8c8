"""Checkers of notebook 03, part 1 (activations, XOR, backpropagation, vanishing gradients).

1. `check_prelu_alpha_grad`: d/d(alpha) of the parametric ReLU max(alpha * x, x).
2. `check_two_layer_gradients`: backpropagation through two tanh hidden layers and a softmax.
3. `check_deep_network` (the experiment): a 10-hidden-layer network that learns the digits,
   re-measured on the validation digits against a band per profile.

Importing this module does no TensorFlow work.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

import numpy as np

from ..checks import (
    CheckResult,
    Failure,
    NotDone,
    as_floats,
    call_safely,
    check_band,
    check_cases,
    checker,
    close,
    is_stub,
    reference_softmax,
    report,
    run_limited,
    short,
)

__all__ = ["check_deep_network", "check_prelu_alpha_grad", "check_two_layer_gradients"]

# --------------------------------------------------------------------------- 1. PReLU's alpha


@checker
def check_prelu_alpha_grad(prelu_alpha_grad: Callable[[np.ndarray, float], Any]) -> CheckResult:
    """prelu_alpha_grad(x, alpha) = d max(alpha*x, x) / d alpha, elementwise"""
    x = np.array([-3.0, -0.5, 0.0, 0.5, 2.0])
    grid = np.array([[-2.0, 4.0], [1.5, -0.1]])
    return check_cases(
        "prelu_alpha_grad(x, alpha) = d max(alpha*x, x) / d alpha",
        prelu_alpha_grad,
        [((x, 0.25), np.minimum(0.0, x)),
         ((x, 0.1), np.minimum(0.0, x)),
         ((x, -1.0), np.minimum(0.0, x)),
         ((grid, 0.3), np.minimum(0.0, grid))],
        hint="Differentiate with respect to alpha, not x, and treat x < 0 and x >= 0 "
             "separately: on which side does the output depend on alpha, and how?",
        more="For x < 0 the unit outputs alpha * x; for x >= 0 it outputs x, which does not "
             "depend on alpha.",
        mistakes=[
            (lambda x, a: np.where(x > 0, 1.0, a),
             "That is the derivative with respect to x. Here alpha is the variable."),
            (lambda x, a: np.where(x < 0, a * x, 0.0),
             "That is the unit's output on the negative side, not its derivative: "
             "d(alpha * x)/d alpha = x."),
            (lambda x, a: np.maximum(0.0, x),
             "Wrong side: alpha multiplies x where x is negative."),
            (lambda x, a: (x < 0).astype(float),
             "The derivative of alpha * x with respect to alpha is x, not 1."),
            (lambda x, a: x,
             "On the positive side the output is x, whatever alpha: the derivative is 0 there."),
        ],
    )


# --------------------------------------------------------------------------- 2. two tanh layers

KEYS = ("W1", "b1", "W2", "b2", "W3", "b3")


def two_layer_reference(
    x: np.ndarray, y: np.ndarray, params: dict[str, np.ndarray], *,
    hidden_grad: str = "tanh", average: bool = True, sum_bias: bool = True,
    skip_first_derivative: bool = False,
) -> dict[str, np.ndarray]:
    """Gradients of the mean negative log-likelihood of
    softmax(tanh(tanh(x W1 + b1) W2 + b2) W3 + b3); the keyword arguments build the typical
    mistakes the checker recognises."""
    n = len(x)
    z1 = x @ params["W1"] + params["b1"]
    h1 = np.tanh(z1)
    z2 = h1 @ params["W2"] + params["b2"]
    h2 = np.tanh(z2)
    delta3 = reference_softmax(h2 @ params["W3"] + params["b3"])
    delta3[np.arange(n), y] -= 1.0
    if average:
        delta3 /= n

    def deriv(z: np.ndarray, h: np.ndarray) -> np.ndarray:
        return 1.0 - h**2 if hidden_grad == "tanh" else (z > 0).astype(float)

    delta2 = (delta3 @ params["W3"].T) * deriv(z2, h2)
    delta1 = delta2 @ params["W2"].T
    if not skip_first_derivative:
        delta1 = delta1 * deriv(z1, h1)
    bias = (lambda d: d.sum(axis=0)) if sum_bias else (lambda d: d.mean(axis=0))
    return {"W1": x.T @ delta1, "b1": bias(delta1), "W2": h1.T @ delta2, "b2": bias(delta2),
            "W3": h2.T @ delta3, "b3": bias(delta3)}


def two_layer_case(seed: int, n: int, d: int, h1: int, h2: int, m: int) -> tuple[Any, ...]:
    """A random test case (x, y, params) of the two-layer network."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    y = np.arange(n) % m
    rng.shuffle(y)
    sizes = {"W1": (d, h1), "b1": (h1,), "W2": (h1, h2), "b2": (h2,), "W3": (h2, m), "b3": (m,)}
    params = {k: rng.normal(scale=0.8 if k[0] == "W" else 0.3, size=s) for k, s in sizes.items()}
    return x, y, params


@checker
def check_two_layer_gradients(two_layer_gradients: Callable[..., Any]) -> CheckResult:
    """two_layer_gradients(x, y, params): backpropagation through two tanh hidden layers"""
    what = "two_layer_gradients(x, y, params): backpropagation through two tanh hidden layers"
    hint = ("Start from delta3 = (P - one_hot(y)) / n at the output; go back through W3 and "
            "multiply by tanh'(z2) = 1 - H2**2 to get delta2; then back through W2 and multiply "
            "by 1 - H1**2 to get delta1. Each W gets (layer input).T @ delta, each b the sum "
            "of delta over the examples.")
    more = ("Check yourself against tf.GradientTape on a small case, as section 3 does; "
            "compare one key at a time.")
    mistakes = [
        (dict(hidden_grad="relu"), "it uses the ReLU derivative (z > 0) in the hidden layers.",
         "Both hidden layers are tanh here: multiply by 1 - tanh(z)**2."),
        (dict(average=False), "the gradients are n times too large.",
         "The loss is a mean over the n examples: divide delta3 by n."),
        (dict(sum_bias=False), "the bias gradients are averaged over the batch, not summed.",
         "The 1/n is already in delta3: db = delta.sum(axis=0)."),
        (dict(skip_first_derivative=True),
         "W1 and b1 miss the derivative of the first tanh layer.",
         "Going back through a layer takes two factors: W.T and then tanh' of that layer."),
    ]
    for seed, shape in ((0, (6, 3, 4, 5, 3)), (1, (10, 5, 7, 4, 4))):
        x, y, params = two_layer_case(seed, *shape)
        expected = two_layer_reference(x, y, params)
        result, error = call_safely(two_layer_gradients, x.copy(), y.copy(), copy.deepcopy(params))
        if error:
            return report(False, f"{what}: {error}.", hint, more)
        if not isinstance(result, dict):
            return report(False, f"{what}: return a dict of gradients, got {short(result)}.",
                          'Return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2, "W3": dW3, '
                          '"b3": db3}.')
        missing = [k for k in KEYS if k not in result]
        if missing:
            return report(False, f"{what}: the dict has no {missing}.",
                          "Use the same keys as params: W1, b1, W2, b2, W3, b3.")
        if all(close(result[k], expected[k], atol=1e-8) for k in KEYS):
            continue
        for kwargs, text, specific in mistakes:
            wrong = two_layer_reference(x, y, params, **kwargs)
            if all(close(result[k], wrong[k], atol=1e-8) for k in KEYS):
                return report(False, f"{what}: {text}", specific, more)
        bad = [k for k in KEYS if not close(result[k], expected[k], atol=1e-8)]
        return report(False, f"{what}: wrong values for {bad} (x of shape {x.shape}).", hint, more)
    return report(True, what)


# --------------------------------------------------------------------------- 3. experiment

#: Validation accuracy of the reference solution (ReLU, He initialisation, SGD 0.02 with
#: momentum 0.9, batches of 64): 0.84-0.88 over 5 smoke seeds, 0.93-0.96 over 3 full seeds
#: (tests/benchmarks/metric_bands.py);
#: the notebook's exercise cell says where the numbers come from.
DEEP_BANDS = {"smoke": (0.7, 1.0), "full": (0.8, 1.0)}
DEPTH, WIDTH = 10, 32


def _looks_like_model(model: Any) -> bool:
    return (not isinstance(model, (str, bytes, type))
            and type(model).__module__.split(".")[0] == "keras"
            and callable(getattr(model, "predict", None))
            and isinstance(getattr(model, "layers", None), list))


@checker
def check_deep_network(deep_model: Any, x_val: Any, y_val: Any) -> CheckResult:
    """Experiment: a network of 10 hidden layers that learns, validation accuracy"""
    what = "experiment: validation accuracy of a 10-hidden-layer network"
    if is_stub(deep_model):
        raise NotDone(what)
    if not _looks_like_model(deep_model):
        return report(False, f"{what}: expected a trained Keras model, got {short(deep_model)}.",
                      "Build, compile and fit the model in the cell and keep it in deep_model.")
    x, y = as_floats(x_val), as_floats(y_val)
    if x is None or x.ndim != 2 or x.shape[1] != 64 or not np.all(np.isfinite(x)):
        return report(False, f"{what}: pass the validation digits x_val (shape (n, 64)), got "
                             f"{short(x_val)}.", "Call the checker as the cell shows.")
    if y is None or y.reshape(-1).shape != (len(x),) or not np.all(np.isin(y, np.arange(10))):
        return report(False, f"{what}: pass the labels y_val (0..9), got {short(y_val)}.",
                      "Call the checker as the cell shows.")

    def structure() -> tuple[list[int], str, int]:
        dense = [layer for layer in deep_model.layers if type(layer).__name__ == "Dense"]
        optimizer = getattr(deep_model, "optimizer", None)
        steps = int(np.asarray(optimizer.iterations)) if optimizer is not None else 0
        return [int(layer.units) for layer in dense], type(optimizer).__name__, steps

    try:
        units, optimizer, steps = run_limited(structure)
    except (Failure, NotImplementedError) as exc:
        return report(False, f"{what}: could not read the model's layers ({exc}).",
                      "Build the model with keras.Sequential and Dense layers, compile and fit it.")
    hidden = units[:-1]
    if len(hidden) != DEPTH or any(u != WIDTH for u in hidden):
        return report(False, f"{what}: its hidden Dense layers have {hidden} units; the "
                             f"exercise keeps {DEPTH} hidden layers of {WIDTH}.",
                      "Change the activation, the initialisation or the learning rate, not the "
                      "depth: deep_mlp(...) of section 4 builds the right shape.")
    if optimizer != "SGD":
        return report(False, f"{what}: it was compiled with {optimizer}, the exercise uses SGD.",
                      "Compile with keras.optimizers.SGD(...): the point is to make plain "
                      "gradient descent work through 10 layers.")
    if steps == 0:
        return report(False, f"{what}: the model has not been trained (0 optimiser steps).",
                      "Call deep_model.fit(train_ds, epochs=deep_epochs, verbose=0).")

    def predict() -> np.ndarray:
        from ..pipeline import to_dataset

        out = deep_model.predict(to_dataset(x.astype(np.float32), batch_size=512), verbose=0)
        return np.asarray(out, dtype=float)

    try:
        probs = run_limited(predict)
    except (Failure, NotImplementedError) as exc:
        return report(False, f"{what}: the model could not predict the validation digits ({exc}).",
                      "Compile and fit the model before calling the checker.")
    if probs.shape != (len(x), 10) or not np.all(np.isfinite(probs)):
        return report(False, f"{what}: the model outputs shape {probs.shape}, expected "
                             f"({len(x)}, 10) finite probabilities.",
                      "End with Dense(10, activation='softmax'); if the outputs are NaN, the "
                      "learning rate is too large.")
    accuracy = float(np.mean(probs.argmax(axis=1) == y.reshape(-1)))
    hint = ("Section 4 measured what goes wrong: the gradient shrinks through every sigmoid "
            "layer. Use an activation that does not saturate, with initial weights scaled "
            "for it (deep_mlp takes a kernel_initializer: which scale keeps the signal's size "
            "through that activation?).")
    more = ("Units that stop firing stop learning, and too large a step kills them: if the "
            "accuracy stays low, try a learning rate several times smaller than section 4's, "
            "with momentum.")
    return check_band(what, accuracy, smoke=DEEP_BANDS["smoke"], full=DEEP_BANDS["full"],
                      hint=hint, more=more)
