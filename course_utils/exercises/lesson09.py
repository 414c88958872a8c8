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
EPS_PGD, ALPHA_PGD, STEPS_PGD = 0.2, 0.05, 10
EPS_ROBUST = 0.3
#: Exercise 3 (tests/benchmarks/bands/09_adversarial_examples.md): the new network's accuracy
#: under FGSM at EPS_ROBUST must reach the band and beat model_adv's by the margin, and its
#: clean accuracy must reach the floor.
ROBUST_BAND = {"smoke": (0.46, 1.0), "full": (0.55, 1.0)}
ROBUST_MARGIN = {"smoke": 0.1, "full": 0.15}
ROBUST_CLEAN_FLOOR = {"smoke": 0.85, "full": 0.94}


# --------------------------------------------------------------------------- shared


def _keras_model(model: Any) -> bool:
    keras = sys.modules.get("keras")  # a Keras model exists only once Keras was imported
    return keras is not None and isinstance(model, keras.Model)


def _digits(x_test: Any, y_test: Any, n: int,
            at_least: int | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """The first n test digits (or all of them, if at least `at_least`) as float32
    (n, 28, 28, 1) in [0, 1] and int labels, or None."""
    x, y = as_floats(x_test), as_floats(y_test)
    if x is None or y is None or x.ndim != 4 or x.shape[1:] != (28, 28, 1) or y.ndim != 1 \
            or len(x) != len(y) or len(x) < (n if at_least is None else at_least):
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
    hint = ("A targeted attack makes the target class *more* likely: whose loss should go "
            "down, and which way must the step go?")
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
        (np.clip(x - EPS_TARGETED * grad_t, 0, 1),
         "Step by epsilon times the *sign* of the gradient: every pixel moves by exactly "
         "epsilon, however small its gradient."),
    ]
    for wrong, specific in mistakes:
        if _same(images, wrong):
            return report(False, f"{what}: not the targeted adversarial images.", specific)
    return report(False, f"{what}: not the targeted adversarial images.", hint,
                  "It is section 3's FGSM with two changes: the labels it differentiates and the "
                  "direction of the step. Every pixel moves by epsilon times a sign, and stays in "
                  "[0, 1].")


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
    hint = ("Each of the `steps` steps is a small FGSM step of size alpha taken from the "
            "current adversarial images, followed by a projection back into the box of "
            "half-width epsilon around the original images.")
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
                      "After every step, project: no pixel may end up more than epsilon away "
                      "from its original value.")
    if images.min() < -1e-6 or images.max() > 1 + 1e-6:
        return report(False, f"{what}: pixel values outside [0, 1].",
                      "After projecting, also clip to the valid range [0, 1].")
    try:
        acc_pgd, acc_fgsm, acc_ref, one_step = run_limited(lambda: _pgd_accuracies(model, x, y, images))
        descent = run_limited(lambda: _pgd(model, x, y, EPS_PGD, -ALPHA_PGD, STEPS_PGD))
    except Failure as exc:
        return report(False, f"{what}: the attack could not be measured ({exc}).", hint)
    if _same(images, one_step):
        return report(False, f"{what}: that is a single step of size alpha.",
                      "Recompute the gradient at the current x_adv and step again, `steps` times.")
    if _same(images, descent):
        return report(False, f"{what}: {acc_pgd:.1%} of the digits stay right: the steps made "
                             "the true labels *more* likely.",
                      "An attack goes up the loss of the true labels: check the sign of the step.")
    if acc_pgd > acc_ref + 0.03:
        return report(False, f"{what}: {acc_pgd:.1%} of the digits stay right, against "
                             f"{acc_ref:.1%} with the reference attack: yours is too weak.",
                      hint, "Step up the loss of the true labels, and take the gradient at the "
                            "current adversarial images at every step, not at the originals.")
    return report(True, f"{what}: model_adv keeps {acc_pgd:.1%} right under your attack "
                        f"({STEPS_PGD} steps) vs {acc_fgsm:.1%} under FGSM, epsilon {EPS_PGD}")


def _pgd_accuracies(model: Any, x: np.ndarray, y: np.ndarray, images: np.ndarray):
    """Accuracy under the student's attack, FGSM and the reference PGD; PGD's first step."""
    sign = np.sign(_gradient(model, x, y))  # FGSM's gradient is also PGD's first one
    acc_pgd = float(np.mean(_classes(model, images) == y))
    acc_fgsm = float(np.mean(_classes(model, np.clip(x + EPS_PGD * sign, 0.0, 1.0)) == y))
    acc_ref = float(np.mean(_classes(model, _pgd(model, x, y, EPS_PGD, ALPHA_PGD, STEPS_PGD)) == y))
    return acc_pgd, acc_fgsm, acc_ref, np.clip(x + ALPHA_PGD * sign, 0.0, 1.0)


# --------------------------------------------------------------------------- exercise 3


def _attacked(model: Any, x: np.ndarray, y: np.ndarray) -> float:
    """Accuracy under FGSM at EPS_ROBUST, the model attacked with its own gradient."""
    return float(np.mean(_classes(model, _fgsm(model, x, y, EPS_ROBUST)) == y))


@checker
def check_robust_model(model: Any, model_adv: Any, x_test: Any, y_test: Any) -> CheckResult:
    """Exercise 3: a new network that resists FGSM at epsilon 0.3 clearly better than model_adv.

    Both networks are attacked with their own gradients on the same test digits; the new one
    must keep at least ROBUST_MARGIN more of them, reach ROBUST_BAND's floor under attack and
    keep ROBUST_CLEAN_FLOOR on clean digits (per profile)."""
    what = f"model_robust under FGSM at epsilon {EPS_ROBUST}"
    if is_stub(model):
        raise NotDone(what)
    if not _keras_model(model):
        return report(False, f"{what}: expected a Keras model, got {short(model)}.",
                      "Assign the trained network to model_robust.")
    if not _keras_model(model_adv):
        return report(False, f"{what}: the second argument is {short(model_adv)}, not section "
                             "5's model_adv.",
                      "Call ex.check_robust_model(model_robust, model_adv, x_test, y_test) as in "
                      "the notebook.")
    if model is model_adv:
        return report(False, f"{what}: that is model_adv itself, the network of section 5.",
                      "Train a new build_cnn() network, and decide what it must see in training "
                      "to resist a stronger attack.")
    digits = _digits(x_test, y_test, N_ROBUST, at_least=200)
    if digits is None:
        return report(False, f"{what}: x_test / y_test are not the test digits.",
                      "Pass x_test (scaled to [0, 1]) and y_test as in the notebook.")
    x, y = digits
    try:
        clean, attacked, attacked_adv = run_limited(lambda: (
            float(np.mean(_classes(model, x) == y)), _attacked(model, x, y),
            _attacked(model_adv, x, y)))
    except Failure as exc:
        return report(False, f"{what}: the model could not be attacked ({exc}).",
                      "The model takes (28, 28, 1) images and ends with Dense(10, "
                      "activation='softmax').")
    from ..profile import current_config

    profile = current_config().profile
    low = ROBUST_BAND.get(profile, ROBUST_BAND["full"])[0]
    margin = ROBUST_MARGIN.get(profile, ROBUST_MARGIN["full"])
    floor = ROBUST_CLEAN_FLOOR.get(profile, ROBUST_CLEAN_FLOOR["full"])
    gain = attacked - attacked_adv
    versus = (f"{gain:+.4f} against model_adv's {attacked_adv:.4f}; clean accuracy {clean:.4f} "
              f"on {len(x):,} test digits")
    expected = (f"expected at least {low:g}, model_adv +{margin:g} and a clean accuracy of "
                f"{floor:g} ({profile} profile)")
    if clean < floor:
        if clean < 0.3:
            return report(False, f"{what}: measured {attacked:.4f}, {versus}; {expected}. It "
                                 "classifies clean digits hardly better than chance.",
                          "Did you train it? Compile it and fit it on train_ds for num_epochs "
                          "epochs.")
        return report(False, f"{what}: measured {attacked:.4f}, {versus}; {expected}.",
                      "Robust, but it lost too much clean accuracy: keep clean digits in every "
                      "training step.")
    if gain < margin or attacked < low:
        return report(False, f"{what}: measured {attacked:.4f}, {versus}; {expected}.",
                      "Which examples must the network see in training to resist an attack of "
                      "size 0.3, rather than 0.1?",
                      "Noise of the same size is no substitute (section 3's control): the "
                      "network must be trained against the attack itself, at the size it will "
                      "face.")
    return report(True, f"{what}: {attacked:.4f} in [{low:g}, 1], {versus} (at least "
                        f"+{margin:g}, {profile} profile)")
