"""Checkers for notebook 09 (adversarial examples).

Every checker prints one line, `[PASS] ...`, `[FAIL] ... Hint: ...` or `[TODO] ...`, returns
a result that is true only when the answer passed, and never raises or hangs, whatever the
student passes. The checkers attack the notebook's own models with their own reference FGSM
and PGD (TensorFlow is imported only once a Keras model has been passed).
"""

from __future__ import annotations

import math
import sys
from typing import Any, Callable

import numpy as np

from ..checks import (
    CheckResult,
    Failure,
    NotDone,
    as_floats,
    call_safely,
    checker,
    is_stub,
    report,
    run_limited,
    short,
)

#: Test digits each checker uses (the first ones of x_test), small enough for the time limit.
N_TARGETED, N_PGD, N_ROBUST = 200, 100, 500
#: Attack settings of the exercises.
EPS_TARGETED = 0.2
EPS_PGD, ALPHA_PGD, STEPS_PGD = 0.1, 0.025, 5
EPS_ROBUST = 0.2
#: Bands of exercise 3 (tests/benchmarks/metric_bands.py on the solution, with a margin).
ROBUST_BAND = {"smoke": (0.55, 1.0), "full": (0.7, 1.0)}
ROBUST_CLEAN_FLOOR = {"smoke": 0.85, "full": 0.94}


# --------------------------------------------------------------------------- shared


def _keras_model(model: Any) -> bool:
    keras = sys.modules.get("keras")  # a Keras model exists only once Keras was imported
    return keras is not None and isinstance(model, keras.Model)


def _digits(x_test: Any, y_test: Any, n: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The first n test digits as float32 (n, 28, 28, 1) in [0, 1] and int labels, or None."""
    x, y = as_floats(x_test), as_floats(y_test)
    if x is None or y is None or x.ndim != 4 or x.shape[1:] != (28, 28, 1) or y.ndim != 1 \
            or len(x) != len(y) or len(x) < n:
        return None
    x, y = x[:n].astype("float32"), y[:n]
    if not np.all(np.isfinite(x)) or x.min() < 0 or x.max() > 1 or np.any(y != np.round(y)):
        return None
    return x, y.astype(int)


def _gradient(model: Any, x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The reference input gradient: d (summed cross-entropy) / d x, weights fixed."""
    import keras
    import tensorflow as tf

    loss_fn = keras.losses.SparseCategoricalCrossentropy(reduction="sum")
    grads = []
    for start in range(0, len(x), 500):
        xt = tf.convert_to_tensor(x[start:start + 500])
        with tf.GradientTape() as tape:
            tape.watch(xt)
            loss = loss_fn(labels[start:start + 500], model(xt, training=False))
        grads.append(tape.gradient(loss, xt).numpy())
    return np.concatenate(grads)


def _classes(model: Any, x: np.ndarray) -> np.ndarray:
    out = [np.asarray(model(x[s:s + 500], training=False)) for s in range(0, len(x), 500)]
    return np.concatenate(out).argmax(axis=1)


def _fgsm(model: Any, x: np.ndarray, y: np.ndarray, eps: float) -> np.ndarray:
    return np.clip(x + eps * np.sign(_gradient(model, x, y)), 0.0, 1.0)


def _pgd(model: Any, x: np.ndarray, y: np.ndarray, eps: float, alpha: float, steps: int):
    x_adv = x.copy()
    for _ in range(steps):
        x_adv = x_adv + alpha * np.sign(_gradient(model, x_adv, y))
        x_adv = np.clip(np.clip(x_adv, x - eps, x + eps), 0.0, 1.0)
    return x_adv


def _images(result: Any, shape: tuple[int, ...]) -> np.ndarray | None:
    arr = as_floats(result)
    if arr is None or arr.size != int(np.prod(shape)) or not np.all(np.isfinite(arr)):
        return None
    return arr.reshape(shape)


def _same(a: np.ndarray, b: np.ndarray, fraction: float = 0.995) -> bool:
    """Equal images, allowing a few pixels whose gradient sign is a rounding matter."""
    return bool(np.mean(np.abs(a - b) < 1e-4) >= fraction)


# --------------------------------------------------------------------------- exercise 1


@checker
def check_targeted_fgsm(targeted_fgsm: Callable[..., Any], model: Any, x_test: Any,
                        y_test: Any) -> CheckResult:
    """Exercise 1: targeted_fgsm(model, images, targets, epsilon) steps down the target's loss."""
    what = "targeted_fgsm pushes digits towards a chosen class"
    if is_stub(targeted_fgsm):
        raise NotDone(what)
    if not _keras_model(model):
        return report(False, f"{what}: the second argument is {short(model)}, not the notebook's "
                             "Keras model.", "Call ex.check_targeted_fgsm(targeted_fgsm, model, "
                                             "x_test, y_test) as in the notebook.")
    digits = _digits(x_test, y_test, N_TARGETED)
    if digits is None:
        return report(False, f"{what}: x_test / y_test are not the test digits.",
                      "Pass x_test (scaled to [0, 1]) and y_test as in the notebook.")
    x, y = digits
    targets = (y + 1) % 10
    try:
        grad_t, grad_y = run_limited(lambda: (_gradient(model, x, targets), _gradient(model, x, y)))
    except Failure as exc:
        return report(False, f"{what}: the model could not be attacked ({exc}).",
                      "Pass the trained model of section 1.")
    expected = np.clip(x - EPS_TARGETED * np.sign(grad_t), 0.0, 1.0)
    result, error = call_safely(targeted_fgsm, model, x.copy(), targets.copy(), EPS_TARGETED)
    hint = ("Compute the gradient of the loss of the *target* classes (input_gradient(model, "
            "images, targets)) and step against it: images - epsilon * sign(gradient), then "
            "clip to [0, 1].")
    if error:
        return report(False, f"{what}: {error}.", hint)
    images = _images(result, x.shape)
    if images is None:
        return report(False, f"{what}: it returned {short(result)}, expected {len(x)} images "
                             f"of shape {x.shape[1:]}.", "Return the adversarial images, "
                                                         "shaped like `images`.")
    if _same(images, expected):
        try:
            hit = float(np.mean(run_limited(lambda: _classes(model, images)) == targets))
        except Failure:
            hit = math.nan
        return report(True, f"{what}: {hit:.0%} of {len(x)} test digits now classified as "
                            f"label + 1 (epsilon {EPS_TARGETED})")
    mistakes = [
        (np.clip(x + EPS_TARGETED * np.sign(grad_t), 0, 1),
         "You stepped *up* the loss of the target class, away from it: subtract the step."),
        (np.clip(x + EPS_TARGETED * np.sign(grad_y), 0, 1),
         "That is the untargeted FGSM of section 3: use the target labels and step down their loss."),
        (np.clip(x - EPS_TARGETED * np.sign(grad_y), 0, 1),
         "You stepped down the loss of the true labels (making them *more* likely): use `targets`."),
        (x - EPS_TARGETED * np.sign(grad_t),
         "Right direction; now keep the pixels in [0, 1] with np.clip."),
    ]
    for wrong, specific in mistakes:
        if _same(images, wrong):
            return report(False, f"{what}: not the targeted adversarial images.", specific)
    return report(False, f"{what}: not the targeted adversarial images.", hint,
                  "Use the sign of the gradient (np.sign), times epsilon, for every pixel.")


# --------------------------------------------------------------------------- exercise 2


@checker
def check_pgd_attack(pgd_attack: Callable[..., Any], model: Any, x_test: Any,
                     y_test: Any) -> CheckResult:
    """Exercise 2: pgd_attack(model, images, labels, epsilon, alpha, steps), iterative FGSM."""
    what = "pgd_attack: iterated FGSM steps projected into the epsilon box"
    if is_stub(pgd_attack):
        raise NotDone(what)
    if not _keras_model(model):
        return report(False, f"{what}: the second argument is {short(model)}, not a Keras model.",
                      "Call ex.check_pgd_attack(pgd_attack, model_adv, x_test, y_test) as in "
                      "the notebook.")
    digits = _digits(x_test, y_test, N_PGD)
    if digits is None:
        return report(False, f"{what}: x_test / y_test are not the test digits.",
                      "Pass x_test (scaled to [0, 1]) and y_test as in the notebook.")
    x, y = digits
    hint = ("Repeat `steps` times: x_adv = x_adv + alpha * sign(gradient at x_adv), then clip "
            "x_adv into [images - epsilon, images + epsilon] and into [0, 1].")
    result, error = call_safely(pgd_attack, model, x.copy(), y.copy(), EPS_PGD, ALPHA_PGD,
                                STEPS_PGD)
    if error:
        return report(False, f"{what}: {error}.", hint)
    images = _images(result, x.shape)
    if images is None:
        return report(False, f"{what}: it returned {short(result)}, expected {len(x)} images "
                             f"of shape {x.shape[1:]}.", "Return the adversarial images, "
                                                         "shaped like `images`.")
    if np.abs(images - x).max() > EPS_PGD + 1e-5:
        return report(False, f"{what}: pixels moved by up to {np.abs(images - x).max():.3f}, more "
                             f"than epsilon = {EPS_PGD}.",
                      "After every step, project: np.clip(x_adv, images - epsilon, "
                      "images + epsilon).")
    if images.min() < -1e-6 or images.max() > 1 + 1e-6:
        return report(False, f"{what}: pixel values outside [0, 1].",
                      "After projecting, also clip to the valid range [0, 1].")
    try:
        acc_pgd, acc_fgsm, acc_ref, one_step = run_limited(lambda: _pgd_accuracies(model, x, y, images))
    except Failure as exc:
        return report(False, f"{what}: the attack could not be measured ({exc}).", hint)
    if _same(images, one_step):
        return report(False, f"{what}: that is a single step of size alpha.",
                      "Recompute the gradient at the current x_adv and step again, `steps` times.")
    if acc_pgd > acc_ref + 0.03:
        return report(False, f"{what}: {acc_pgd:.1%} of the digits stay right, against "
                             f"{acc_ref:.1%} with the reference PGD: the attack is too weak.",
                      hint, "Step *up* the loss of the true labels (+ alpha * sign), from the "
                            "current x_adv at every step.")
    return report(True, f"{what}: model_adv keeps {acc_pgd:.1%} right under PGD "
                        f"({STEPS_PGD} steps) vs {acc_fgsm:.1%} under FGSM, epsilon {EPS_PGD}")


def _pgd_accuracies(model: Any, x: np.ndarray, y: np.ndarray, images: np.ndarray):
    """Accuracy under the student's attack, FGSM and the reference PGD; PGD's first step."""
    sign = np.sign(_gradient(model, x, y))  # FGSM's gradient is also PGD's first one
    acc_pgd = float(np.mean(_classes(model, images) == y))
    acc_fgsm = float(np.mean(_classes(model, np.clip(x + EPS_PGD * sign, 0.0, 1.0)) == y))
    acc_ref = float(np.mean(_classes(model, _pgd(model, x, y, EPS_PGD, ALPHA_PGD, STEPS_PGD)) == y))
    return acc_pgd, acc_fgsm, acc_ref, np.clip(x + ALPHA_PGD * sign, 0.0, 1.0)


# --------------------------------------------------------------------------- exercise 3


@checker
def check_robust_model(model: Any, x_test: Any, y_test: Any) -> CheckResult:
    """Exercise 3: a network adversarially trained at epsilon 0.2, measured under FGSM 0.2."""
    what = f"accuracy under FGSM at epsilon {EPS_ROBUST} of the model trained at {EPS_ROBUST}"
    if is_stub(model):
        raise NotDone(what)
    if not _keras_model(model):
        return report(False, f"{what}: expected a Keras model, got {short(model)}.",
                      "model_eps02 = FGSMTraining(build_cnn(), epsilon=0.2), compiled and fitted.")
    digits = _digits(x_test, y_test, N_ROBUST)
    if digits is None:
        return report(False, f"{what}: x_test / y_test are not the test digits.",
                      "Pass x_test (scaled to [0, 1]) and y_test as in the notebook.")
    x, y = digits
    try:
        clean, attacked = run_limited(lambda: (
            float(np.mean(_classes(model, x) == y)),
            float(np.mean(_classes(model, _fgsm(model, x, y, EPS_ROBUST)) == y))))
    except Failure as exc:
        return report(False, f"{what}: the model could not be attacked ({exc}).",
                      "The model takes (28, 28, 1) images and ends with Dense(10, "
                      "activation='softmax').")
    from ..profile import current_config

    profile = current_config().profile
    low, high = ROBUST_BAND.get(profile, ROBUST_BAND["full"])
    floor = ROBUST_CLEAN_FLOOR.get(profile, ROBUST_CLEAN_FLOOR["full"])
    band = f"[{low:g}, {high:g}] ({profile} profile)"
    if not low <= attacked <= high:
        return report(False, f"{what}: measured {attacked:.4f}, expected in {band}; clean "
                             f"accuracy {clean:.4f}.",
                      "Wrap a new build_cnn() in FGSMTraining with epsilon=0.2 and fit it on "
                      "train_ds for num_epochs epochs.",
                      "A model trained normally, or at epsilon 0.1, falls to FGSM at 0.2.")
    if clean < floor:
        return report(False, f"{what}: {attacked:.4f} in {band}, but the clean accuracy "
                             f"{clean:.4f} is below {floor:g}.",
                      "Keep the clean batch in every training step (train on clean + "
                      "adversarial digits), and train for num_epochs epochs.")
    return report(True, f"{what}: {attacked:.4f} in {band}; clean accuracy {clean:.4f} "
                        f"on {len(x):,} test digits")
