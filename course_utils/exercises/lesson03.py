"""Checkers for notebook 03 (multi-layer perceptrons, activations and backpropagation)."""

from __future__ import annotations

import copy
from typing import Any, Callable

import numpy as np

from ..checks import CheckResult, call_safely, check_cases, close, reference_softmax, report, short

# ---------------------------------------------------------------------------
# Exercise 1: derivative of the parametric ReLU with respect to its slope alpha


def check_prelu_alpha_grad(prelu_alpha_grad: Callable[[np.ndarray, float], np.ndarray]) -> CheckResult:
    """`prelu_alpha_grad(x, alpha)` = d/d(alpha) of max(alpha * x, x), elementwise (alpha <= 1).

    For x < 0 the unit outputs alpha * x, so the derivative is x; for x >= 0 it outputs x,
    which does not depend on alpha: the derivative is 0. In short: min(0, x)."""
    x = np.array([-3.0, -0.5, 0.0, 0.5, 2.0])
    expected = np.minimum(0.0, x)
    return check_cases(
        "prelu_alpha_grad(x, alpha) = d max(alpha*x, x) / d alpha",
        prelu_alpha_grad,
        [
            ((x.copy(), 0.25), expected),
            ((x.copy(), 0.1), expected),
            ((x.copy(), -1.0), expected),
            ((np.array([[-2.0, 4.0], [1.5, -0.1]]), 0.3), np.array([[-2.0, 0.0], [0.0, -0.1]])),
        ],
        hint="Differentiate with respect to alpha, not x, and treat x < 0 and x >= 0 separately: "
             "on which side does the output depend on alpha, and how?",
    )


# ---------------------------------------------------------------------------
# Exercise 2: gradients of a one-hidden-layer tanh network with a softmax output


def tanh_mlp_reference(
    x: np.ndarray, y: np.ndarray, params: dict[str, np.ndarray], *,
    hidden_grad: str = "tanh", average: bool = True, sum_bias: bool = True,
) -> dict[str, np.ndarray]:
    """Gradients of the mean negative log-likelihood of softmax(tanh(x W_h + b_h) W_o + b_o).

    The keyword arguments build the typical mistakes the checker recognises."""
    n = len(x)
    z_h = x @ params["W_h"] + params["b_h"]
    h = np.tanh(z_h)
    p = reference_softmax(h @ params["W_o"] + params["b_o"])
    dz_o = p.copy()
    dz_o[np.arange(n), y] -= 1.0
    if average:
        dz_o /= n
    dh = dz_o @ params["W_o"].T
    dz_h = dh * ((1.0 - h**2) if hidden_grad == "tanh" else (z_h > 0).astype(float))
    grads = {"W_h": x.T @ dz_h, "W_o": h.T @ dz_o}
    grads["b_h"] = dz_h.sum(axis=0) if sum_bias else dz_h.mean(axis=0)
    grads["b_o"] = dz_o.sum(axis=0) if sum_bias else dz_o.mean(axis=0)
    return grads


def _gradient_case(seed: int, n: int, d: int, hidden: int, m: int) -> tuple[Any, ...]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    y = np.arange(n) % m
    rng.shuffle(y)
    params = {
        "W_h": rng.normal(scale=0.8, size=(d, hidden)),
        "b_h": rng.normal(scale=0.3, size=hidden),
        "W_o": rng.normal(scale=0.8, size=(hidden, m)),
        "b_o": rng.normal(scale=0.3, size=m),
    }
    return x, y, params


def check_tanh_mlp_gradients(
    tanh_mlp_gradients: Callable[[np.ndarray, np.ndarray, dict[str, np.ndarray]], dict[str, np.ndarray]],
) -> CheckResult:
    """`tanh_mlp_gradients(x, y, params)` returns the gradients of the mean negative
    log-likelihood of a tanh hidden layer + softmax output, as a dict with the keys of
    `params` ("W_h", "b_h", "W_o", "b_o")."""
    what = "tanh_mlp_gradients(x, y, params): backpropagation through a tanh hidden layer"
    hint = ("Same chain rule as the notebook's ReLU network; only the hidden layer's derivative "
            "changes: tanh'(z) = 1 - tanh(z)**2. Start from dZ_o = (P - one_hot(y)) / n.")
    for seed, shape in ((0, (6, 3, 4, 3)), (1, (10, 5, 7, 4))):
        x, y, params = _gradient_case(seed, *shape)
        expected = tanh_mlp_reference(x, y, params)
        result, error = call_safely(tanh_mlp_gradients, x.copy(), y.copy(), copy.deepcopy(params))
        if error:
            return report(False, f"{what}: {error}.", hint)
        if not isinstance(result, dict):
            return report(False, f"{what}: return a dict of gradients, got {type(result).__name__}.",
                          'Return {"W_h": dW_h, "b_h": db_h, "W_o": dW_o, "b_o": db_o}.')
        missing = [k for k in expected if k not in result]
        if missing:
            return report(False, f"{what}: the dict has no {missing}.",
                          "Use the same keys as params: W_h, b_h, W_o, b_o.")
        if all(close(result[k], v, atol=1e-8) for k, v in expected.items()):
            continue
        mistakes = [
            (dict(hidden_grad="relu"), "it uses the ReLU derivative (z > 0) in the hidden layer.",
             "The hidden layer is tanh here: multiply by 1 - tanh(Z_h)**2."),
            (dict(average=False), "the gradients are n times too large.",
             "The loss is a mean over the n examples: divide dZ_o by n."),
            (dict(sum_bias=False), "the bias gradients are averaged over the batch, not summed.",
             "The 1/n is already in dZ_o: db = dZ.sum(axis=0)."),
        ]
        for kwargs, text, specific in mistakes:
            wrong = tanh_mlp_reference(x, y, params, **kwargs)
            if all(close(result[k], v, atol=1e-8) for k, v in wrong.items()):
                return report(False, f"{what}: {text}", specific)
        bad = [k for k, v in expected.items() if not close(result[k], v, atol=1e-8)]
        return report(False, f"{what}: wrong values for {bad} (x of shape {x.shape}).", hint)
    return report(True, what)


# ---------------------------------------------------------------------------
# Exercise 3: one step of Nesterov momentum (Keras' convention)


def check_nesterov_step(nesterov_step: Callable[..., Any]) -> CheckResult:
    """`nesterov_step(w, velocity, grad, lr, momentum)` returns `(w_new, velocity_new)` as
    `keras.optimizers.SGD(nesterov=True)` computes them:
    velocity_new = momentum * velocity - lr * grad and
    w_new = w + momentum * velocity_new - lr * grad."""
    what = "nesterov_step(w, velocity, grad, lr, momentum) follows keras.optimizers.SGD(nesterov=True)"
    hint = ("First the velocity, as for classical momentum: velocity = momentum * velocity - lr * grad; "
            "then look ahead: w = w + momentum * velocity - lr * grad. Return both (w, velocity).")
    cases = [
        (np.array([1.0, -2.0]), np.array([0.0, 0.0]), np.array([0.5, -1.0]), 0.1, 0.9),
        (np.array([1.0, -2.0]), np.array([0.2, -0.4]), np.array([0.5, -1.0]), 0.1, 0.9),
        (np.array([[0.3], [0.7]]), np.array([[-0.1], [0.05]]), np.array([[2.0], [-3.0]]), 0.01, 0.5),
        (np.array([4.0]), np.array([1.0]), np.array([0.0]), 0.5, 0.0),
    ]
    for w, v, g, lr, mu in cases:
        v_exp = mu * v - lr * g
        w_exp = w + mu * v_exp - lr * g
        result, error = call_safely(nesterov_step, w.copy(), v.copy(), g.copy(), lr, mu)
        if error:
            return report(False, f"{what}: {error}.", hint)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            return report(False, f"{what}: return the pair (w, velocity), got {type(result).__name__}.",
                          hint)
        w_new, v_new = result
        if close(w_new, w_exp) and close(v_new, v_exp):
            continue
        shown = (f"with w={w.ravel().tolist()}, velocity={v.ravel().tolist()}, "
                 f"grad={g.ravel().tolist()}, lr={lr}, momentum={mu}")
        if close(w_new, w + v_exp) and close(v_new, v_exp):
            return report(False, f"{what}: {shown} it makes a classical momentum step "
                                 "(w + velocity), without the look-ahead.", hint)
        if close(w_new, w - lr * g) and not close(v_new, v_exp):
            return report(False, f"{what}: {shown} it ignores the velocity (plain gradient descent).",
                          hint)
        if close(w_new, w_exp) and close(v_new, v):
            return report(False, f"{what}: {shown} w is right but the velocity was not updated.", hint)
        return report(
            False,
            f"{what}: {shown} it returned w={short(w_new)}, velocity={short(v_new)}; expected "
            f"w={np.round(w_exp, 4).ravel().tolist()}, velocity={np.round(v_exp, 4).ravel().tolist()}.",
            hint,
        )
    return report(True, what)


# ---------------------------------------------------------------------------
# Exercise 4: pick the model capacity from validation results


def _table(rows: list[tuple[int, float, float]]) -> list[dict[str, float]]:
    return [{"width": w, "train_acc": tr, "val_acc": va} for w, tr, va in rows]


def check_pick_width(pick_width: Callable[..., Any]) -> CheckResult:
    """`pick_width(results, tol)` returns the smallest width whose validation accuracy is
    within `tol` of the best validation accuracy (never looking at training accuracy)."""
    what = "pick_width(results, tol): smallest width within tol of the best validation accuracy"
    hint = ("Compare validation accuracies only (training accuracy plays no part): among the "
            "widths within tol of the best one, return the simplest model.")
    cases = [
        # best val at 64, but 16 is within 0.01 of it; best train at 256
        (_table([(1, 0.35, 0.30), (4, 0.97, 0.78), (16, 1.0, 0.905), (64, 1.0, 0.912),
                 (256, 1.0, 0.90)]), 0.01, 16),
        # same table, tol 0: the best one itself
        (_table([(1, 0.35, 0.30), (4, 0.97, 0.78), (16, 1.0, 0.905), (64, 1.0, 0.912),
                 (256, 1.0, 0.90)]), 0.0, 64),
        # rows not sorted by width; a larger width is within tol too
        (_table([(128, 1.0, 0.86), (8, 0.9, 0.85), (2, 0.6, 0.55), (32, 1.0, 0.87)]), 0.015, 32),
        # an under-fitted small model must never win
        (_table([(2, 0.5, 0.48), (16, 0.99, 0.93), (8, 0.95, 0.905)]), 0.02, 16),
    ]
    for results, tol, expected in cases:
        answer, error = call_safely(pick_width, copy.deepcopy(results), tol)
        if error:
            return report(False, f"{what}: {error}.", hint)
        try:
            ok = int(answer) == expected
        except (TypeError, ValueError):
            return report(False, f"{what}: return a width (an int), got {answer!r}.", hint)
        if not ok:
            rows = ", ".join(f"{r['width']}: val {r['val_acc']}" for r in results)
            return report(False, f"{what}: for ({rows}) with tol={tol} it picked {answer}, "
                                 f"expected {expected}.", hint)
    return report(True, what)
