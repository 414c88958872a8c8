"""Checkers of notebook 10 (recurrent networks from scratch).

Conventions of the notebook: rows are examples; a tanh RNN computes
h_k = tanh(W_hh h_{k-1} + W_xh x_k + b) from h_0 = 0, i.e. `h @ W_hh.T + ...` on a batch.
TensorFlow and Keras are imported only inside the checker that measures a model.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..checks import (CheckResult, Failure, NotDone, as_floats, as_number, call_safely,
                      check_band, check_cases, checker, close, is_stub, report, run_limited,
                      short)

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
    # W_hh of at most 3 x 3, so that a wrong answer is shown with its values
    for seed, shape in ((0, (3, 5, 3)), (1, (2, 7, 3)), (2, (1, 1, 2))):
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

    def transposed_recurrence(s, w, g):
        return reference_grad_w_hh(s, np.asarray(w).T, g)

    return check_cases(
        "bptt_grad_w_hh(states, W_hh, dL_dhT) sums every step's contribution to dL/dW_hh",
        bptt_grad_w_hh,
        cases,
        hint="Two things meet at step k: the gradient that reaches the pre-activation of h_k "
             "(after tanh), and the vector that W_hh multiplies in the equation of h_k. "
             "Section 4's bptt_state_gradients already gives the gradient reaching every h_k.",
        more="Entry (i, j) of one step's contribution is the gradient at the pre-activation "
             "of unit i times the j-th entry of the previous state (zeros before the first "
             "step), added over the examples of the batch; then add the T steps.",
        mistakes=[
            (no_tanh, "You left out the tanh derivative: the gradient must pass through tanh "
                      "at step k before it meets W_hh."),
            (same_step, "Pair the gradient at step k with the previous state h_{k-1}, not with "
                        "h_k: W_hh multiplies h_{k-1} in the equation of h_k."),
            (lambda s, w, g: reference_grad_w_hh(s, w, g).T,
             "Your matrix is transposed: entry (i, j) multiplies h_{k-1}[j] in unit i."),
            (last_step, "Every step contributes (the sum over k in the deck's formula), not only "
                        "the last one."),
            (lambda s, w, g: reference_grad_w_hh(s, w, g) / len(s),
             "Sum over the batch (dL_dhT already carries the 1/n of a mean loss)."),
            (transposed_recurrence,
             "Going back one step multiplies by W_hh as section 4 does (rows as examples: "
             "h @ W_hh.T forward, so the gradient goes back through W_hh, not its transpose)."),
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
    hint = ("Treat all the gradients as one long vector: one norm for all of them, and one "
            "scale factor shared by every tensor, applied only when that norm is too large.")
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
            nonzero = any(np.any(g) for g in grads)
            per_tensor = [g * min(1.0, max_norm / np.linalg.norm(g)) if np.any(g) else g
                          for g in grads]
            always = [g * max_norm / np.sqrt(sum(np.sum(h**2) for h in grads)) for g in grads] \
                if nonzero else None
            summed = sum(float(np.linalg.norm(g)) for g in grads)
            by_sum = [g * min(1.0, max_norm / summed) for g in grads] if nonzero else None
            clipped = [np.clip(g, -max_norm, max_norm) for g in grads]
            specific = hint
            if all(close(r, e) for r, e in zip(result, per_tensor)):
                specific = ("You clipped each gradient by its own norm (that is Keras' clipnorm); "
                            "global_clipnorm uses one norm for all of them together.")
            elif always is not None and all(close(r, e) for r, e in zip(result, always)):
                specific = ("Gradients whose global norm is already below max_norm must stay "
                            "unchanged: never scale them up.")
            elif by_sum is not None and all(close(r, e) for r, e in zip(result, by_sum)):
                specific = ("The norm of all the gradients together is not the sum of their "
                            "norms: it is the norm of one vector holding every entry.")
            elif all(close(r, e) for r, e in zip(result, clipped)):
                specific = ("That clips each value (Keras' clipvalue) and changes the direction; "
                            "rescale the whole gradient instead.")
            return report(False, f"{what}: {shown} the result is not right.", specific)
    return report(True, what)


# --------------------------------------------------------------------------- exercise 3


def _recurrent_weights(model: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """(kernel, recurrent_kernel) of the model's first SimpleRNN-like layer, or None."""
    for layer in getattr(model, "layers", []) or []:
        if not hasattr(layer, "cell"):
            continue
        weights = [np.asarray(w, dtype=float) for w in layer.get_weights()]
        if len(weights) >= 2 and weights[1].ndim == 2 and \
                weights[1].shape[0] == weights[1].shape[1]:
            return weights[0], weights[1]
    return None


@checker
def check_trained_bound(model: Any, sigma_max_trained: Any,
                        bound_guarantees_vanishing: Any) -> CheckResult:
    """Diagnosis of the trained tanh network: its sigma_max(W_hh), and what the bound proves."""
    what = "the bound on the trained network"
    if is_stub(model) or is_stub(sigma_max_trained) or is_stub(bound_guarantees_vanishing):
        raise NotDone(what)
    found = _recurrent_weights(model)
    if found is None:
        return report(False, f"{what}: pass section 6's trained model (`model`), got "
                             f"{type(model).__name__}.",
                      "Call the checker as in the cell: (model, sigma_max_trained, "
                      "bound_guarantees_vanishing).")
    kernel, recurrent_kernel = found
    W = recurrent_kernel.T
    sigma = float(np.linalg.svd(W, compute_uv=False)[0])
    value = as_number(sigma_max_trained)
    hint = ("The bound of section 5 is made of one number of the matrix that multiplies "
            "h_{t-1}: the one that bounds how much that matrix can stretch any vector.")
    if value is None:
        return report(False, f"{what}: sigma_max_trained should be one number, got "
                             f"{short(sigma_max_trained)}.", hint)
    if not np.isclose(value, sigma, rtol=1e-3):
        rho = float(np.max(np.abs(np.linalg.eigvals(W))))
        wrong = [
            (float(np.linalg.svd(kernel, compute_uv=False)[0]),
             "That is a singular value of the input matrix (`kernel`, W_xh^T). The recurrence "
             "multiplies h_{t-1} by `recurrent_kernel`."),
            (rho, "That is the largest |eigenvalue| (the spectral radius). For a matrix that "
                  "is not symmetric it can be smaller than what bounds one step: the bound "
                  "needs the largest singular value."),
            (float(np.linalg.norm(W)), "That is the Frobenius norm: an upper bound too, but "
                                       "not the one the bound is made of (the 2-norm)."),
            (float(np.linalg.svd(W, compute_uv=False)[-1]),
             "That is the smallest singular value; the bound needs the largest."),
        ]
        specific = next((h for v, h in wrong if np.isclose(value, v, rtol=1e-3)), hint)
        return report(False, f"{what}: sigma_max_trained = {value:.4g} is not the number the "
                             f"bound uses for this network.", specific,
                      "The largest singular value of the recurrent matrix: a NumPy linear "
                      "algebra function gives all singular values, or that norm directly.")
    answer = bound_guarantees_vanishing
    if not isinstance(answer, (bool, np.bool_)):
        return report(False, f"{what}: bound_guarantees_vanishing should be True or False, got "
                             f"{short(answer)}.", "Answer with a bool.")
    guaranteed = sigma < 1
    if bool(answer) != guaranteed:
        if guaranteed:
            why = (f"sigma_max = {sigma:.3f} < 1: with |tanh'| <= 1 every step shrinks the "
                   "gradient by at least that factor, so the bound does prove vanishing.")
        else:
            why = (f"sigma_max = {sigma:.3f} > 1: the bound sigma_max^(T - k) then grows with "
                   "the distance and proves nothing. Below 1 is sufficient for vanishing; "
                   "above 1 the gradient may still vanish, but the bound cannot tell.")
        return report(False, f"{what}: the conclusion does not follow from sigma_max.", why)
    return report(True, f"{what}: sigma_max(W_hh) = {sigma:.3f}, so the bound "
                        f"{'proves' if guaranteed else 'does not prove'} vanishing")


# --------------------------------------------------------------------------- exercise 4

#: Bands of the experiment's re-measured test accuracy (first 2,000 test digits), by profile.
BLANK_ROWS_BANDS = {"smoke": (0.36, 1.0), "full": (0.5, 1.0)}
BLANK_ROWS_TEST = 2000
CHANCE = 0.2


def _structure_problem(model: Any, steps: int) -> str | None:
    """What stops the model from being a forward recurrent reader of `steps` rows, or None."""
    layers = list(getattr(model, "layers", []) or [])
    recurrent = [layer for layer in layers if hasattr(layer, "cell") or
                 hasattr(layer, "forward_layer")]
    try:
        length = model.inputs[0].shape[1]
    except Exception:  # noqa: BLE001 - a subclassed model without inputs
        length = None
    if length is not None and length != steps:
        return (f"the model reads sequences of {length} steps, not 28 + num_blank = {steps}: "
                "build a new one and train it on the padded digits")
    if not recurrent:
        names = ", ".join(type(layer).__name__ for layer in layers) or "?"
        return (f"the model has no recurrent layer ({names}): it sees every row at once, so "
                "the blank rows cost it nothing; the exercise asks for a network that "
                "carries the digit through them")
    for layer in recurrent:
        if hasattr(layer, "forward_layer") or getattr(layer, "go_backwards", False):
            return (f"{type(layer).__name__} reads the rows backwards: it sees the digit last, "
                    "right before answering; read them in order")
    if getattr(recurrent[-1], "return_sequences", False):
        return ("the last recurrent layer returns every state: the answer must come from its "
                "last state, after the blank rows")
    return None


@checker
def check_blank_rows_experiment(model: Any, x_test: Any, y_test: Any, num_blank: Any) -> CheckResult:
    """Experiment: a model that reads MNIST digits followed by blank rows."""
    what = "model_blank reads digits followed by blank rows"
    if any(is_stub(a) for a in (model, x_test, y_test, num_blank)):
        raise NotDone(what)
    hint = ("Think of what each network does to its state while its input is zero: "
            "h_t = activation(W_hh h_{t-1} + b). Which initialisation of this notebook leaves "
            "the state, and the gradient, unchanged at such a step?")
    more = ("Section 7's network: ReLU units with an identity recurrent matrix, trained with "
            "the exercise's optimiser (Adam and clipnorm) for blank_epochs epochs.")
    predict = getattr(model, "predict", None)
    if not callable(predict):
        return report(False, f"{what}: expected a trained Keras model, got {type(model).__name__}.",
                      "Pass model_blank after calling its .fit.")
    blank = as_number(num_blank)
    if blank is None or blank != int(blank) or not 0 <= blank <= 1000:
        return report(False, f"{what}: num_blank must be a whole number of rows, got "
                             f"{short(num_blank)}.", "Keep the notebook's num_blank.")
    x, y = as_floats(x_test), as_floats(y_test)
    if x is None or y is None or x.ndim != 3 or x.shape[1:] != (28, 28) or y.shape != (len(x),):
        return report(False, f"{what}: pass the notebook's x_test (n, 28, 28) and y_test (n,).",
                      "Call the checker as in the cell: (model_blank, x_test, y_test, num_blank).")
    problem = _structure_problem(model, 28 + int(blank))
    if problem:
        return report(False, f"{what}: {problem}.", hint)
    x, y = x[:BLANK_ROWS_TEST], y[:BLANK_ROWS_TEST]
    padded = np.concatenate([x, np.zeros((len(x), int(blank), 28))], axis=1).astype("float32")

    def measure() -> Any:
        from .. import pipeline

        return predict(pipeline.to_dataset(padded, batch_size=500), verbose=0)

    try:
        probs = as_floats(run_limited(measure))
    except Failure as exc:
        return report(False, f"{what}: predicting the test digits failed: {exc}.",
                      "The model must take (n, 28 + num_blank, 28) and give 10 class scores.")
    if probs is None or probs.shape != (len(x), 10):
        return report(False, f"{what}: the model should give 10 class scores per digit, got "
                             f"{short(probs)}.", "End the model with Dense(10, softmax).")
    accuracy = float(np.mean(probs.argmax(axis=1) == y))
    if accuracy < CHANCE:
        return report(False, f"{what}: measured {accuracy:.4f}, about chance (0.1): the model "
                             "has not learned the digits.",
                      "Was it trained with .fit on add_blank_rows(x_train, num_blank)? A "
                      "training run whose loss blows up also ends here: " + hint, more)
    return check_band("test accuracy of model_blank on digits followed by blank rows", accuracy,
                      smoke=BLANK_ROWS_BANDS["smoke"], full=BLANK_ROWS_BANDS["full"],
                      hint=hint, more=more)
