"""Checkers of notebook 10 (recurrent networks from scratch).

Conventions of the notebook: rows are examples; a tanh RNN computes
h_k = tanh(W_hh h_{k-1} + W_xh x_k + b) from h_0 = 0, i.e. `h @ W_hh.T + ...` on a batch.
TensorFlow and Keras are imported only inside the checker that measures a model.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..checks import (CheckResult, NotDone, as_floats, as_number, call_safely, check_band,
                      check_cases, checker, close, is_stub, report, run_limited, short, Failure)

# --------------------------------------------------------------------------- references


def _states(seed: int, batch: int, steps: int, units: int) -> tuple[np.ndarray, np.ndarray]:
    """Hidden states h_1..h_T of a random tanh RNN, and its W_hh."""
    rng = np.random.default_rng(seed)
    W_hh = rng.normal(scale=0.6, size=(units, units))
    W_xh = rng.normal(scale=0.8, size=(units, 3))
    x = rng.normal(size=(batch, steps, 3))
    h = np.zeros((batch, units))
    states = []
    for t in range(steps):
        h = np.tanh(h @ W_hh.T + x[:, t] @ W_xh.T)
        states.append(h)
    return np.stack(states, axis=1), W_hh


def _state_grads(states: np.ndarray, W_hh: np.ndarray, dL_dhT: np.ndarray) -> np.ndarray:
    grads = [np.asarray(dL_dhT, dtype=float)]
    for k in range(states.shape[1] - 1, 0, -1):
        grads.append((grads[-1] * (1 - states[:, k] ** 2)) @ W_hh)
    return np.stack(grads[::-1], axis=1)


def _previous(states: np.ndarray) -> np.ndarray:
    return np.concatenate([np.zeros_like(states[:, :1]), states[:, :-1]], axis=1)


def reference_grad_w_hh(states: np.ndarray, W_hh: np.ndarray, dL_dhT: np.ndarray) -> np.ndarray:
    """dL/dW_hh of a tanh RNN whose loss depends on h_T only (h_0 = 0)."""
    delta = _state_grads(states, W_hh, dL_dhT) * (1 - states**2)
    return np.einsum("nti,ntj->ij", delta, _previous(states))


# --------------------------------------------------------------------------- exercise 1


@checker
def check_bptt_grad_w_hh(bptt_grad_w_hh: Callable[..., Any]) -> CheckResult:
    """bptt_grad_w_hh(states, W_hh, dL_dhT): the gradient of the loss with respect to W_hh."""
    cases = []
    for seed, shape in ((0, (3, 5, 4)), (1, (2, 7, 3)), (2, (1, 1, 2))):
        states, W_hh = _states(seed, *shape)
        dL_dhT = np.random.default_rng(seed + 10).normal(size=(shape[0], shape[2]))
        cases.append(((states, W_hh, dL_dhT), reference_grad_w_hh(states, W_hh, dL_dhT)))

    def no_tanh(s, w, g):
        return np.einsum("nti,ntj->ij", _state_grads(s, w, g), _previous(s))

    def same_step(s, w, g):
        return np.einsum("nti,ntj->ij", _state_grads(s, w, g) * (1 - s**2), s)

    def last_step(s, w, g):
        delta = np.asarray(g) * (1 - s[:, -1] ** 2)
        return delta.T @ _previous(s)[:, -1]

    return check_cases(
        "bptt_grad_w_hh(states, W_hh, dL_dhT) sums every step's contribution to dL/dW_hh",
        bptt_grad_w_hh,
        cases,
        hint="First dL/dh_k for every k (section 4's bptt_state_gradients), multiply by "
             "1 - h_k**2, then sum over the batch and the steps the outer products with "
             "h_{k-1} (zeros before the first step).",
        more="np.einsum('nti,ntj->ij', delta, previous) sums delta[n, t, i] * previous[n, t, j] "
             "over n and t.",
        mistakes=[
            (no_tanh, "You left out the tanh derivative: multiply dL/dh_k by 1 - h_k**2 first."),
            (same_step, "Pair dL/dh_k with the previous state h_{k-1}, not with h_k: "
                        "W_hh multiplies h_{k-1} in the equation of h_k."),
            (lambda s, w, g: reference_grad_w_hh(s, w, g).T,
             "Your matrix is transposed: entry (i, j) multiplies h_{k-1}[j] in unit i."),
            (last_step, "Every step contributes (the sum over k in the deck's formula), not only "
                        "the last one."),
            (lambda s, w, g: reference_grad_w_hh(s, w, g) / len(s),
             "Sum over the batch (dL_dhT already carries the 1/n of a mean loss)."),
        ],
        atol=1e-8,
    )


# --------------------------------------------------------------------------- exercise 2


def _global_clip(grads: list[np.ndarray], max_norm: float) -> list[np.ndarray]:
    total = float(np.sqrt(sum(np.sum(np.square(g)) for g in grads)))
    scale = min(1.0, max_norm / total) if total > 0 else 1.0
    return [g * scale for g in grads]


@checker
def check_clip_by_global_norm(clip_by_global_norm: Callable[..., Any]) -> CheckResult:
    """clip_by_global_norm(grads, max_norm): what global_clipnorm does to a list of gradients."""
    what = "clip_by_global_norm(grads, max_norm) rescales all gradients together"
    hint = ("Compute one norm for all gradients, sqrt(sum of every squared entry), and, only "
            "when it exceeds max_norm, multiply every gradient by max_norm / that norm.")
    cases = [
        ([np.full((3, 4), 2.0), np.array([1.0, -3.0, 5.0, 2.0])], 1.0),
        ([np.array([0.3, -0.4]), np.array([[0.1]])], 5.0),          # below: unchanged
        ([np.array([[6.0, 8.0]]), np.array([0.0, 0.0, 0.0])], 5.0),
        ([np.array([[30.0, -40.0], [0.0, 0.0]]), np.ones(2)], 2.5),
        ([np.zeros((2, 2)), np.zeros(3)], 1.0),                      # nothing to clip
    ]
    for grads, max_norm in cases:
        expected = _global_clip(grads, max_norm)
        copies = [g.copy() for g in grads]
        result, error = call_safely(clip_by_global_norm, copies, max_norm)
        if error:
            extra = (" With all-zero gradients there is nothing to clip: avoid dividing by a "
                     "zero norm." if not any(np.any(g) for g in grads) else "")
            return report(False, f"{what}: {error}.", hint + extra)
        shown = f"for gradients of shapes {[g.shape for g in grads]} and max_norm={max_norm}"
        if not isinstance(result, (list, tuple)) or len(result) != len(grads):
            return report(False, f"{what}: {shown} it returned {short(result)}.",
                          "Return a list with one array per gradient, in the same order.")
        if any(not close(r, e, atol=1e-8) for r, e in zip(result, expected)):
            per_tensor = [g * min(1.0, max_norm / np.linalg.norm(g)) if np.any(g) else g
                          for g in grads]
            always = [g * max_norm / np.sqrt(sum(np.sum(h**2) for h in grads)) for g in grads] \
                if any(np.any(g) for g in grads) else None
            clipped = [np.clip(g, -max_norm, max_norm) for g in grads]
            specific = hint
            if all(close(r, e) for r, e in zip(result, per_tensor)):
                specific = ("You clipped each gradient by its own norm (that is Keras' clipnorm); "
                            "global_clipnorm uses one norm for all of them together.")
            elif always is not None and all(close(r, e) for r, e in zip(result, always)):
                specific = ("Gradients whose global norm is already below max_norm must stay "
                            "unchanged: scale by min(1, max_norm / norm).")
            elif all(close(r, e) for r, e in zip(result, clipped)):
                specific = ("That clips each value (Keras' clipvalue) and changes the direction; "
                            "rescale the whole gradient instead.")
            return report(False, f"{what}: {shown} the result is not right.", specific)
    return report(True, what)


# --------------------------------------------------------------------------- exercise 3


@checker
def check_gradient_bound(gradient_bound: Callable[..., Any]) -> CheckResult:
    """gradient_bound(W_hh, distance): deck 001's bound sigma_max(W_hh) ** distance."""
    rng = np.random.default_rng(3)
    q, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    symmetric = rng.normal(size=(3, 3))
    symmetric = (symmetric + symmetric.T) / 2
    matrices = [
        (np.array([[0.5, 2.0], [0.0, 0.5]]), 3),
        (0.9 * q, 10),
        (symmetric, 4),
        (rng.normal(scale=0.4, size=(4, 4)), 7),
        (rng.normal(size=(3, 3)), 0),
    ]
    cases = [((w, d), np.linalg.svd(w, compute_uv=False)[0] ** d) for w, d in matrices]
    return check_cases(
        "gradient_bound(W_hh, distance) = largest singular value of W_hh to the power distance",
        gradient_bound,
        cases,
        hint="The deck's argument uses the 2-norm of W_hh, sqrt(largest eigenvalue of W^T W): "
             "the largest singular value (np.linalg.svd(W, compute_uv=False)[0] or "
             "np.linalg.norm(W, 2)), raised to the power distance (one factor per step).",
        mistakes=[
            (lambda w, d: np.max(np.abs(np.linalg.eigvals(w))) ** d,
             "That is the largest |eigenvalue| (the spectral radius). For a non-symmetric "
             "matrix it can be much smaller than the norm, and it does not bound one step: "
             "use the largest singular value."),
            (lambda w, d: np.linalg.norm(w) ** d,
             "The Frobenius norm is an upper bound too, but not the tightest: use the 2-norm "
             "(largest singular value)."),
            (lambda w, d: np.linalg.svd(w, compute_uv=False)[0] * d,
             "The factors multiply: one factor sigma_max per step, so a power, not a product "
             "with the distance."),
            (lambda w, d: np.linalg.svd(w, compute_uv=False)[0],
             "The bound holds per step; at distance T - k there are T - k factors."),
        ],
        rtol=1e-6,
    )


# --------------------------------------------------------------------------- exercise 4

#: Bands of the experiment's re-measured test accuracy (first 2,000 test digits), by profile.
# Smoke: 5 seeds (COURSE_SEED 0-4) gave 0.606-0.630; full: 3 seeds (0-2) gave 0.793-0.867.
BLANK_ROWS_BANDS = {"smoke": (0.5, 1.0), "full": (0.65, 1.0)}
BLANK_ROWS_TEST = 2000


@checker
def check_blank_rows_experiment(model: Any, x_test: Any, y_test: Any, num_blank: Any) -> CheckResult:
    """Experiment: a model that reads MNIST digits followed by blank rows."""
    what = "model_blank reads digits followed by blank rows"
    if any(is_stub(a) for a in (model, x_test, y_test, num_blank)):
        raise NotDone(what)
    hint = ("Train on add_blank_rows(x_train, num_blank): the IRNN of section 7 (ReLU, identity "
            "recurrent matrix, clipnorm) keeps its state unchanged while the input is zero.")
    more = ("The model must read sequences of 28 + num_blank steps: build it with "
            "keras.Input((28 + num_blank, 28)) (or (None, 28)) and train it with .fit.")
    predict = getattr(model, "predict", None)
    if not callable(predict):
        return report(False, f"{what}: expected a trained Keras model, got {type(model).__name__}.",
                      more)
    blank = as_number(num_blank)
    if blank is None or blank != int(blank) or not 0 <= blank <= 1000:
        return report(False, f"{what}: num_blank must be a whole number of rows, got "
                             f"{short(num_blank)}.", "Keep the notebook's num_blank.")
    x, y = as_floats(x_test), as_floats(y_test)
    if x is None or y is None or x.ndim != 3 or x.shape[1:] != (28, 28) or y.shape != (len(x),):
        return report(False, f"{what}: pass the notebook's x_test (n, 28, 28) and y_test (n,).",
                      "Call the checker as in the cell: (model_blank, x_test, y_test, num_blank).")
    x, y = x[:BLANK_ROWS_TEST], y[:BLANK_ROWS_TEST]
    padded = np.concatenate([x, np.zeros((len(x), int(blank), 28))], axis=1).astype("float32")

    def measure() -> Any:
        from .. import pipeline

        return predict(pipeline.to_dataset(padded, batch_size=500), verbose=0)

    try:
        probs = as_floats(run_limited(measure))
    except Failure as exc:
        return report(False, f"{what}: predicting the test digits failed: {exc}.", more)
    if probs is None or probs.shape != (len(x), 10):
        return report(False, f"{what}: the model should give 10 class scores per digit, got "
                             f"{short(probs)}.", more)
    accuracy = float(np.mean(probs.argmax(axis=1) == y))
    return check_band("test accuracy of model_blank on digits followed by blank rows", accuracy,
                      smoke=BLANK_ROWS_BANDS["smoke"], full=BLANK_ROWS_BANDS["full"],
                      hint=hint, more=more)
