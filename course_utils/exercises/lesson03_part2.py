"""Checkers of notebook 03, part 2 (mini-batch SGD, learning rate and momentum, capacity).

1. `check_minibatch_noise`: the expected squared error of a mini-batch gradient drawn without
   replacement, from the per-example gradients.
2. `check_pick_width`: the smallest width within `tol` of the best validation accuracy.
3. `check_large_batch_sgd` (the experiment): a Keras MLP trained with batches of 256 whose
   learning rate and momentum were chosen on validation, re-measured on the validation digits
   against a band per profile; its optimiser steps are counted.

Importing this module does no TensorFlow work.
"""

from __future__ import annotations

import copy
import math
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

__all__ = ["check_large_batch_sgd", "check_minibatch_noise", "check_pick_width"]

# --------------------------------------------------------------------------- 1. noise law


def minibatch_noise_reference(grads: np.ndarray, batch_size: int, *,
                              replacement: bool = False, ddof: int = 0) -> float:
    """E ||mean of a batch of per-example gradients - their overall mean||^2 for batches drawn
    without replacement (with `replacement=True`: with replacement; `ddof=1`: a variance with
    n - 1 in the denominator, a typical mistake)."""
    g = np.asarray(grads, dtype=float)
    n = len(g)
    spread = np.sum((g - g.mean(axis=0)) ** 2) / (n - ddof)
    factor = 1.0 if replacement else (n - batch_size) / (n - 1)
    return spread / batch_size * factor


@checker
def check_minibatch_noise(minibatch_noise: Callable[[np.ndarray, int], Any]) -> CheckResult:
    """minibatch_noise(per_example_grads, batch_size): expected squared error of a batch mean"""
    rng = np.random.default_rng(3)
    small = rng.normal(size=(5, 2))
    grads = rng.normal(size=(40, 6)) + np.array([1.0, -2.0, 0.0, 0.5, 3.0, 0.0])
    cases = [((grads, b), minibatch_noise_reference(grads, b)) for b in (1, 4, 17, 39, 40)]
    cases.insert(2, ((small, 2), minibatch_noise_reference(small, 2)))
    return check_cases(
        "minibatch_noise(per_example_grads, batch_size) for batches drawn without replacement",
        minibatch_noise,
        cases,
        hint="Two parts: the spread of the per-example gradients, mean over examples of "
             "||g_i - g||^2, divided by the batch size; and a correction for drawing without "
             "replacement, which must make the result 0 at batch_size = N.",
        more="The finite-population factor is (N - B) / (N - 1).",
        mistakes=[
            (lambda g, b: minibatch_noise_reference(g, b, replacement=True),
             "That is the law for batches drawn with replacement (sigma^2 / B). Without "
             "replacement a batch of all N examples has no noise at all: what factor makes "
             "the result 0 at B = N and leaves it unchanged at B = 1?"),
            (lambda g, b: minibatch_noise_reference(g, b, ddof=1),
             "The spread is the mean of ||g_i - g||^2 over the N examples (divide by N, "
             "not N - 1); the N - 1 belongs in the replacement factor only."),
            (lambda g, b: minibatch_noise_reference(g, 1),
             "The noise depends on the batch size: averaging B gradients divides it by "
             "about B."),
            (lambda g, b: float(np.mean((np.asarray(g) - np.asarray(g).mean(axis=0)) ** 2))
             / b * (len(g) - b) / (len(g) - 1),
             "Sum the squared differences over the P coordinates of each gradient (a squared "
             "norm), then average over the examples."),
        ],
    )


# --------------------------------------------------------------------------- 2. pick the width


def _table(rows: list[tuple[int, float, float]]) -> list[dict[str, float]]:
    return [{"width": w, "train_acc": tr, "val_acc": va} for w, tr, va in rows]


PICK_CASES = [
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


@checker
def check_pick_width(pick_width: Callable[..., Any]) -> CheckResult:
    """pick_width(results, tol): smallest width within tol of the best validation accuracy"""
    what = "pick_width(results, tol): smallest width within tol of the best validation accuracy"
    hint = ("Compare validation accuracies only (training accuracy plays no part): find the "
            "best one, keep the widths whose val_acc >= best - tol, return the smallest.")
    mistakes = [
        (lambda rows, tol: max(rows, key=lambda r: r["val_acc"])["width"],
         "That is the width with the best validation accuracy: use tol to allow the simpler "
         "models that are almost as good."),
        (lambda rows, tol: max(rows, key=lambda r: (r["train_acc"], -r["width"]))["width"],
         "That choice follows the training accuracy; only validation accuracy says how a "
         "model does on new data."),
        (lambda rows, tol: min(r["width"] for r in rows),
         "That is the smallest width of all, however badly it does: keep only the widths "
         "within tol of the best validation accuracy."),
        (lambda rows, tol: max(r["width"] for r in rows
                               if r["val_acc"] >= max(q["val_acc"] for q in rows) - tol),
         "Among the widths within tol of the best, return the smallest (the simplest model)."),
    ]
    answers = []
    for results, tol, expected in PICK_CASES:
        answer, error = call_safely(pick_width, copy.deepcopy(results), tol)
        if error:
            return report(False, f"{what}: {error}.", hint)
        number = as_number(answer)
        if number is None or not math.isfinite(number):
            return report(False, f"{what}: return a width (an int), got {short(answer)}.",
                          "Return r['width'] of the chosen row." if answer is not None
                          else "Did you forget `return`?")
        answers.append(number)
    for (results, tol, expected), number in zip(PICK_CASES, answers):
        if number == expected:
            continue
        # the typical mistake that gives the same answers on every case
        specific = next((wrong_hint for wrong, wrong_hint in mistakes
                         if all(wrong(r, t) == n for (r, t, _), n in zip(PICK_CASES, answers))),
                        hint)
        rows = ", ".join(f"{r['width']}: val {r['val_acc']}" for r in results)
        return report(False, f"{what}: for ({rows}) with tol={tol} it picked {number:g}, "
                             f"expected {expected}.", specific)
    return report(True, what)


# --------------------------------------------------------------------------- 3. experiment

#: Validation accuracy of the reference solution (best of three (learning rate, momentum)
#: pairs, batches of 256): 0.937-0.955 over 5 smoke seeds, 0.955-0.965 over 3 full seeds
#: (tests/benchmarks/metric_bands.py); the bands start well below the worst seed.
LARGE_BATCH_BANDS = {"smoke": (0.85, 1.0), "full": (0.9, 1.0)}
STEPS_PER_EPOCH = 5  # ceil(1150 training digits / 256)
HIDDEN, NUM_INPUTS, NUM_CLASSES = 32, 64, 10


def _looks_like_model(model: Any) -> bool:
    return (not isinstance(model, (str, bytes, type))
            and type(model).__module__.split(".")[0] == "keras"
            and callable(getattr(model, "predict", None))
            and callable(getattr(model, "count_params", None)))


@checker
def check_large_batch_sgd(model_large_batch: Any, x_val: Any, y_val: Any,
                          num_epochs: Any) -> CheckResult:
    """Experiment: batches of 256, learning rate and momentum chosen on validation"""
    what = "experiment: validation accuracy with batches of 256"
    if is_stub(model_large_batch):
        raise NotDone(what)
    if not _looks_like_model(model_large_batch):
        return report(False, f"{what}: expected a trained Keras model, got "
                             f"{short(model_large_batch)}.",
                      "Build, compile and fit the model in the cell and keep the chosen one "
                      "in model_large_batch.")
    x, y = as_floats(x_val), as_floats(y_val)
    epochs = as_number(num_epochs)
    if x is None or x.ndim != 2 or x.shape[1] != NUM_INPUTS or not np.all(np.isfinite(x)):
        return report(False, f"{what}: pass the validation digits x_val (shape (n, 64)), got "
                             f"{short(x_val)}.", "Call the checker as the cell shows.")
    if y is None or y.reshape(-1).shape != (len(x),) or not np.all(np.isin(y, np.arange(10))):
        return report(False, f"{what}: pass the labels y_val (0..9), got {short(y_val)}.",
                      "Call the checker as the cell shows.")
    if epochs is None or not (1 <= epochs <= 1000) or epochs != int(epochs):
        return report(False, f"{what}: pass num_epochs (a whole number of epochs), got "
                             f"{short(num_epochs)}.", "Call the checker as the cell shows.")
    expected_params = NUM_INPUTS * HIDDEN + HIDDEN + HIDDEN * NUM_CLASSES + NUM_CLASSES

    def structure() -> tuple[int, str, int]:
        optimizer = getattr(model_large_batch, "optimizer", None)
        steps = int(np.asarray(optimizer.iterations)) if optimizer is not None else 0
        return int(model_large_batch.count_params()), type(optimizer).__name__, steps

    try:
        params, optimizer, steps = run_limited(structure)
    except (Failure, NotImplementedError) as exc:
        return report(False, f"{what}: could not read the model ({exc}).",
                      "Build the model with keras.Sequential, compile and fit it.")
    if params != expected_params:
        return report(False, f"{what}: the model has {params:,} parameters; Dense(32) then "
                             f"Dense(10) on 64 inputs has {expected_params:,}.",
                      "Keep the exercise's network (64 inputs, a Dense layer of 32 ReLU units, "
                      "then 10 softmax outputs). Change only the optimiser's settings.")
    if optimizer != "SGD":
        return report(False, f"{what}: it was compiled with {optimizer}; the exercise uses SGD.",
                      "Compile with keras.optimizers.SGD(learning_rate=..., momentum=...).")
    max_steps = int(epochs) * STEPS_PER_EPOCH
    if steps == 0:
        return report(False, f"{what}: the model has not been trained (0 optimiser steps).",
                      "Fit it on batches of 256: to_dataset(..., batch_size=256, shuffle=True).")
    if steps > max_steps:
        return report(False, f"{what}: its optimiser made {steps} steps; {int(epochs)} epochs of "
                             f"batches of 256 are {max_steps}.",
                      "Use batch_size=256 in to_dataset and epochs=num_epochs, and build a new "
                      "model for each setting you try (fit continues from where it stopped).")

    def predict() -> np.ndarray:
        from ..pipeline import to_dataset

        out = model_large_batch.predict(to_dataset(x.astype(np.float32), batch_size=512),
                                        verbose=0)
        return np.asarray(out, dtype=float)

    try:
        probs = run_limited(predict)
    except (Failure, NotImplementedError) as exc:
        return report(False, f"{what}: the model could not predict the validation digits ({exc}).",
                      "Compile and fit the model before calling the checker.")
    if probs.shape != (len(x), NUM_CLASSES) or not np.all(np.isfinite(probs)):
        return report(False, f"{what}: the model outputs shape {probs.shape}, expected "
                             f"({len(x)}, 10) finite probabilities.",
                      "End with Dense(10, activation='softmax'); NaN outputs mean the learning "
                      "rate is far too large.")
    accuracy = float(np.mean(probs.argmax(axis=1) == y.reshape(-1)))
    hint = ("With only 5 steps per epoch, each step must go further than with batches of 32: "
            "try learning rates 10 times larger, and momentum, and keep the one whose "
            "validation accuracy is best.")
    more = "Section 3 measured that momentum 0.9 acts much like a 10 times larger learning rate."
    return check_band(what, accuracy, smoke=LARGE_BATCH_BANDS["smoke"],
                      full=LARGE_BATCH_BANDS["full"], hint=hint, more=more)
