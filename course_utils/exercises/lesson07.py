"""Checkers for notebook 07 (CNNs on CIFAR-10 with data augmentation).

1. `check_smooth_labels`: label smoothing by hand, the targets that
   `CategoricalCrossentropy(label_smoothing=...)` trains towards.
2. `check_most_confused_pair`: the two classes a confusion matrix mixes up most, counting
   both directions.
3. `check_tta_fixes_and_breaks`: how many test images flip test-time augmentation puts right
   and how many it puts wrong (its gain is the difference).
4. `check_heavy_augmentation` (the experiment): the fast network trained with the heavier
   augmentation of deck 004's `ImageDataGenerator`; the checker measures its validation
   accuracy itself and compares it with a band per profile.

Every checker prints one line (`[PASS]`, `[FAIL] ... Hint: ...` or `[TODO] ... not done
yet`), returns a result that is true only on a pass, and never raises or hangs, whatever it
is given (see `course_utils.checks`). Importing this module does not import TensorFlow.
"""

from __future__ import annotations

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
    is_stub,
    report,
    run_limited,
    short,
)

__all__ = [
    "check_heavy_augmentation",
    "check_most_confused_pair",
    "check_smooth_labels",
    "check_tta_fixes_and_breaks",
]


# --------------------------------------------------------------------------- 1. label smoothing


def smooth_labels_reference(y: Any, num_classes: int, smoothing: float) -> np.ndarray:
    """(1 - smoothing) * one_hot(y) + smoothing / num_classes, one row per label."""
    y = np.asarray(y).reshape(-1).astype(int)
    one_hot = np.eye(num_classes)[y]
    return (1.0 - smoothing) * one_hot + smoothing / num_classes


def _smooth_other_classes_only(y: Any, k: int, s: float) -> np.ndarray:
    """The true class gets 1 - s, the others s / (k - 1)."""
    one_hot = np.eye(k)[np.asarray(y).reshape(-1).astype(int)]
    return one_hot * (1.0 - s) + (1.0 - one_hot) * s / (k - 1)


def _smooth_not_scaled(y: Any, k: int, s: float) -> np.ndarray:
    """One-hot plus s / k everywhere (rows do not sum to 1)."""
    return np.eye(k)[np.asarray(y).reshape(-1).astype(int)] + s / k


def _smooth_reversed(y: Any, k: int, s: float) -> np.ndarray:
    """s on the true class, (1 - s) / k spread."""
    return s * np.eye(k)[np.asarray(y).reshape(-1).astype(int)] + (1.0 - s) / k


def _smooth_uniform_only(y: Any, k: int, s: float) -> np.ndarray:
    return np.full((np.asarray(y).reshape(-1).size, k), s / k)


def _smooth_true_minus_s(y: Any, k: int, s: float) -> np.ndarray:
    """1 - s on the true class and s / k on the others (the true class misses its share)."""
    one_hot = np.eye(k)[np.asarray(y).reshape(-1).astype(int)]
    return one_hot * (1.0 - s) + (1.0 - one_hot) * s / k


def _smooth_cases() -> list[tuple[tuple[Any, ...], Any]]:
    cases = []
    for y, k, s in ((np.array([0, 2, 1]), 3, 0.3), (np.array([3, 9, 0, 5]), 10, 0.2),
                    (np.array([[1], [0]]), 10, 0.1), (np.array([4, 4]), 5, 0.0),
                    (np.array([1]), 2, 1.0)):
        cases.append(((y, k, s), smooth_labels_reference(y, k, s)))
    return cases


@checker
def check_smooth_labels(smooth_labels: Callable[..., Any]) -> CheckResult:
    """smooth_labels(y, num_classes, smoothing): the smoothed one-hot targets.

    `y` holds class indices, shape `(n,)` or `(n, 1)`; the answer has shape
    `(n, num_classes)`: `(1 - smoothing) * one_hot + smoothing / num_classes`.
    """
    return check_cases(
        "smooth_labels(y, num_classes, smoothing) gives the targets of label smoothing",
        smooth_labels,
        _smooth_cases(),
        hint="Build the one-hot rows (np.eye(num_classes)[y], with y flattened), then mix them "
             "with the uniform distribution: (1 - smoothing) * one_hot + smoothing / num_classes.",
        more="With 10 classes and smoothing 0.2 the true class gets 0.8 + 0.02 = 0.82 and each "
             "other class 0.02; every row sums to 1.",
        mistakes=[
            (_smooth_other_classes_only,
             "That is another convention (smoothing / (num_classes - 1) on the wrong classes). "
             "Keras spreads smoothing / num_classes over ALL classes, the true one included."),
            (_smooth_true_minus_s,
             "The true class also gets its share of the uniform part: 1 - smoothing + "
             "smoothing / num_classes."),
            (_smooth_not_scaled,
             "Scale the one-hot part by (1 - smoothing), so that each row still sums to 1."),
            (_smooth_reversed,
             "The weights are swapped: the one-hot part gets 1 - smoothing, the uniform part "
             "smoothing."),
            (_smooth_uniform_only, "Keep the one-hot part: (1 - smoothing) * one_hot + ..."),
        ],
    )


# --------------------------------------------------------------------------- 2. confusion matrix


def most_confused_pair_reference(counts: Any) -> tuple[int, int]:
    """(i, j), i < j, maximising counts[i, j] + counts[j, i] (the first such pair)."""
    c = np.asarray(counts, dtype=float)
    both = c + c.T
    both[np.tril_indices(len(c))] = -1
    i, j = np.unravel_index(int(np.argmax(both)), both.shape)
    return int(i), int(j)


def _one_direction(counts: Any) -> tuple[int, int]:
    c = np.asarray(counts, dtype=float).copy()
    np.fill_diagonal(c, -1)
    i, j = np.unravel_index(int(np.argmax(c)), c.shape)
    return int(min(i, j)), int(max(i, j))


def _with_diagonal(counts: Any) -> tuple[int, int]:
    c = np.asarray(counts, dtype=float)
    both = c + c.T
    both[np.tril_indices(len(c), -1)] = -1
    i, j = np.unravel_index(int(np.argmax(both)), both.shape)
    return int(i), int(j)


def _confusion_cases() -> list[tuple[tuple[Any, ...], Any]]:
    # counts[i, j]: true class i predicted as j. The largest single entry (3 -> 5: 30) is not
    # the pair mixed up most in both directions (2 <-> 4: 18 + 20).
    a = np.array([
        [90, 1, 2, 0, 0, 3],
        [2, 95, 0, 1, 0, 0],
        [3, 0, 60, 4, 18, 1],
        [0, 2, 5, 55, 3, 30],
        [1, 0, 20, 2, 70, 2],
        [0, 1, 2, 5, 4, 80],
    ])
    b = np.array([[5, 1, 0], [0, 7, 2], [4, 0, 9]])  # 0 <-> 2: 4 + 0; 1 <-> 2: 2 + 0
    c = np.array([[50, 9, 0, 0], [1, 40, 0, 0], [0, 0, 30, 6], [0, 0, 5, 44]])
    return [((m,), most_confused_pair_reference(m)) for m in (a, b, c)]


def _pair_matches(result: Any, expected: tuple[int, int]) -> bool:
    values = as_floats(result)
    return values is not None and values.shape == (2,) and \
        sorted(values.tolist()) == sorted(float(v) for v in expected)


@checker
def check_most_confused_pair(most_confused_pair: Callable[[np.ndarray], Any]) -> CheckResult:
    """most_confused_pair(counts): the two classes mixed up most, both directions counted.

    `counts[i, j]` is the number of test images of true class `i` predicted as `j` (the
    confusion matrix of section 7); return `(i, j)` with `i < j` maximising
    `counts[i, j] + counts[j, i]`.
    """
    what = "most_confused_pair(counts) finds the pair of classes mixed up most"
    hint = ("Add the matrix to its transpose (counts + counts.T) so that both directions count, "
            "ignore the diagonal (the right answers) and take the largest entry above it.")
    for (counts,), expected in _confusion_cases():
        result, error = call_safely(most_confused_pair, counts.copy())
        if error:
            return report(False, f"{what}: {error}.", hint)
        if result is None:
            return report(False, f"{what}: it returned None.", "Did you forget `return`?", hint)
        values = as_floats(result)
        if values is None or values.shape != (2,) or np.any(values != np.round(values)):
            return report(False, f"{what}: it returned {short(result)}, expected two class "
                                 "indices (i, j).", hint)
        if _pair_matches(result, expected):
            if values[0] > values[1]:
                return report(False, f"{what}: it returned {short(result)}; give the smaller "
                                     "index first.", "Return (min(i, j), max(i, j)).")
            continue
        specific = hint
        if _pair_matches(result, _one_direction(counts)):
            specific = ("That is the largest single entry (one direction only). Count both "
                        "directions: counts[i, j] + counts[j, i].")
        elif _pair_matches(result, _with_diagonal(counts)) and values[0] == values[1]:
            specific = "The diagonal holds the right answers: leave it out."
        return report(False, f"{what}: for a {counts.shape[0]}-class matrix it returned "
                             f"{short(result)}, expected {expected}.", specific, hint)
    return report(True, what)


# --------------------------------------------------------------------------- 3. TTA fixes


def tta_fixes_and_breaks_reference(probs: Any, probs_tta: Any, y: Any) -> tuple[int, int]:
    """(test images right with TTA but wrong without, wrong with TTA but right without)."""
    y = np.asarray(y).reshape(-1)
    plain = np.asarray(probs).argmax(axis=1) == y
    tta = np.asarray(probs_tta).argmax(axis=1) == y
    return int(np.sum(tta & ~plain)), int(np.sum(plain & ~tta))


def _tta_net(probs: Any, probs_tta: Any, y: Any) -> tuple[int, int]:
    fixed, broken = tta_fixes_and_breaks_reference(probs, probs_tta, y)
    return fixed - broken, 0


def _tta_totals(probs: Any, probs_tta: Any, y: Any) -> tuple[int, int]:
    y = np.asarray(y).reshape(-1)
    return (int(np.sum(np.asarray(probs_tta).argmax(axis=1) == y)),
            int(np.sum(np.asarray(probs).argmax(axis=1) != y)))


def _tta_changed(probs: Any, probs_tta: Any, y: Any) -> tuple[int, int]:
    changed = np.asarray(probs).argmax(axis=1) != np.asarray(probs_tta).argmax(axis=1)
    fixed, broken = tta_fixes_and_breaks_reference(probs, probs_tta, y)
    return int(changed.sum()), broken


def _tta_swapped(probs: Any, probs_tta: Any, y: Any) -> tuple[int, int]:
    fixed, broken = tta_fixes_and_breaks_reference(probs, probs_tta, y)
    return broken, fixed


def _tta_cases() -> list[tuple[tuple[Any, ...], Any]]:
    rng = np.random.default_rng(7)
    cases = []
    for n, k in ((40, 10), (25, 4)):
        y = rng.integers(0, k, n)
        probs = rng.dirichlet(np.ones(k), n)
        probs_tta = 0.5 * probs + 0.5 * rng.dirichlet(np.ones(k), n)
        cases.append(((probs, probs_tta, y), tta_fixes_and_breaks_reference(probs, probs_tta, y)))
    probs = np.array([[0.6, 0.4], [0.4, 0.6], [0.7, 0.3], [0.2, 0.8], [0.55, 0.45]])
    probs_tta = np.array([[0.4, 0.6], [0.6, 0.4], [0.6, 0.4], [0.3, 0.7], [0.45, 0.55]])
    y = np.array([[1], [1], [0], [1], [1]])  # labels shaped (n, 1), as CIFAR-10's
    cases.append(((probs, probs_tta, y), (2, 1)))
    return cases


@checker
def check_tta_fixes_and_breaks(tta_fixes_and_breaks: Callable[..., Any]) -> CheckResult:
    """tta_fixes_and_breaks(probs, probs_tta, y): (fixed, broken) counts of test-time augmentation.

    `probs` and `probs_tta` are `(n, k)` class probabilities without and with flip TTA, `y`
    the true classes (shape `(n,)` or `(n, 1)`); `fixed` counts images right with TTA but
    wrong without, `broken` images wrong with TTA but right without.
    """
    return check_cases(
        "tta_fixes_and_breaks(probs, probs_tta, y) counts what TTA fixes and breaks",
        tta_fixes_and_breaks,
        _tta_cases(),
        hint="Compare each prediction with the truth: right = probs.argmax(axis=1) == y (flatten "
             "y first), the same with probs_tta; fixed = right with TTA and not right without, "
             "broken the other way round.",
        more="With boolean arrays a and b, np.sum(a & ~b) counts the images where a holds and "
             "b does not.",
        mistakes=[
            (_tta_net, "Return the two counts separately, (fixed, broken), not their difference."),
            (_tta_totals, "Count only the images on which the two predictions disagree in being "
                          "right: fixed = right with TTA AND wrong without."),
            (_tta_changed, "An image whose predicted class changes is not necessarily fixed: it "
                           "may go from one wrong class to another. Compare with y."),
            (_tta_swapped, "The counts are swapped: fixed = right WITH TTA, wrong without."),
            (lambda p, q, y: tta_fixes_and_breaks_reference(p, q, np.zeros(len(p), int)),
             "Compare with the true classes y (flattened: CIFAR-10's labels have shape (n, 1))."),
        ],
    )


# --------------------------------------------------------------------------- 4. the experiment

#: Validation-accuracy bands of the fast network trained with the heavy augmentation of
#: deck 004 at the ablation's budget. Smoke (1 epoch on 3,000 images): 3 seeds (0-2) gave
#: 0.188-0.214, with a margin. Full (3 epochs on 45,000 images): two runs of seed 42 gave 0.593
#: (weight decay 5e-4) and 0.606 (5e-3, the notebook's), minus 5 points.
HEAVY_SMOKE = (0.15, 1.0)
HEAVY_FULL = (0.55, 1.0)
#: Below this the model is taken for untrained (chance is 0.1).
CHANCE_LIMIT = 0.12
#: Parameters of the notebook's fast network (augmentation layers have none).
FAST_NET_PARAMS = 289_642
#: Layers the deck's ImageDataGenerator settings translate to, beyond flip and translation.
NEEDED_LAYERS = ("RandomRotation", "RandomZoom")
_TRAIN_HINT = ("Build the model with build_variant(augmentation=deck_augmentation) (flags as the "
               "last ablation row) and train it with .fit on train_ds for ablation_epochs epochs, "
               "as train_variant does.")


def _layer_names(model: Any) -> list[str]:
    """Class names of all layers of a model, nested models included (never raises)."""
    names: list[str] = []
    stack = [model]
    seen = 0
    while stack and seen < 10_000:
        seen += 1
        current = stack.pop()
        try:
            sub = list(getattr(current, "layers", []) or [])
        except Exception:  # noqa: BLE001 - a property raising
            sub = []
        for layer in sub:
            names.append(type(layer).__name__)
            stack.append(layer)
    return names


def _validation_data(x_val: Any, y_val: Any) -> tuple[np.ndarray, np.ndarray]:
    """Scaled images (n, 32, 32, 3) and class indices (n,); `Failure` saying what is wrong."""
    x = as_floats(x_val)
    y = as_floats(y_val)
    if y is not None and y.ndim == 2 and y.shape[1] == 10:
        y = y.argmax(axis=1)  # one-hot targets
    if y is not None and y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if x is None or y is None or x.ndim != 4 or x.shape[1:] != (32, 32, 3) or y.ndim != 1 \
            or len(x) != len(y) or len(y) < 100:
        raise Failure("pass the validation set of section 1: images of shape (n, 32, 32, 3) "
                      "and their labels, with n >= 100")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))) or x.min() < 0 or x.max() > 1:
        raise Failure("the images must hold pixels scaled to [0, 1], as in section 1")
    if np.any(y != np.round(y)) or y.min() < 0 or y.max() > 9:
        raise Failure("the labels must be the classes 0-9")
    return x.astype(np.float32), y.astype(np.int32)


@checker
def check_heavy_augmentation(model: Any, x_val: Any, y_val: Any) -> CheckResult:
    """Experiment: the fast network trained with deck 004's heavy augmentation; its validation accuracy is measured here.

    `model` is section 4's fast network with RandomFlip, RandomRotation, RandomTranslation and
    RandomZoom layers in front, trained; `x_val`, `y_val` the validation set of section 1.
    """
    what = "validation accuracy of the fast network trained with heavy augmentation"
    if is_stub(model):
        raise NotDone(what)
    if not (callable(getattr(model, "count_params", None))
            and callable(getattr(model, "predict", None))):
        return report(False, f"{what}: expected a Keras model, got {type(model).__name__}.",
                      "Pass the model you trained (model_heavy), not its history or accuracy.")
    try:
        n_params = run_limited(model.count_params)
    except Failure as exc:
        return report(False, f"{what}: counting its parameters failed: {exc}.", _TRAIN_HINT)
    if isinstance(n_params, bool) or not isinstance(n_params, (int, np.integer)):
        return report(False, f"{what}: count_params() returned {short(n_params)}.",
                      "Pass a Keras model.")
    if n_params != FAST_NET_PARAMS:
        return report(False, f"{what}: the model has {n_params:,} parameters, not the fast "
                             f"network's {FAST_NET_PARAMS:,}.",
                      "Keep the network of section 4 (build_variant builds it): only the "
                      "augmentation layers change, and they have no parameters.")
    names = _layer_names(model)
    missing = [n for n in NEEDED_LAYERS if n not in names]
    if missing:
        return report(False, f"{what}: the model has no {' or '.join(missing)} layer.",
                      "deck_augmentation() must return the layers of the deck's "
                      "ImageDataGenerator: RandomFlip('horizontal'), RandomRotation(40 / 360), "
                      "RandomTranslation(0.2, 0.2) and RandomZoom(0.2).")
    try:
        x, y = _validation_data(x_val, y_val)
        from ..pipeline import to_dataset  # imports TensorFlow: outside the student's time

        val_ds = to_dataset(x, batch_size=500)
        probs = run_limited(lambda: np.asarray(model.predict(val_ds, verbose=0), dtype=float))
    except Failure as exc:
        return report(False, f"{what}: {exc}.", "Call the checker as in the cell: "
                      "ex.check_heavy_augmentation(model_heavy, x_val, y_val).")
    if probs.shape != (len(y), 10) or not np.all(np.isfinite(probs)):
        return report(False, f"{what}: its predictions have shape {probs.shape}, expected "
                             f"({len(y)}, 10) finite values.", _TRAIN_HINT)
    accuracy = float(np.mean(probs.argmax(axis=1) == y))
    if accuracy < CHANCE_LIMIT:
        return report(False, f"{what}: measured {accuracy:.4f}, about chance (0.1).",
                      "It looks untrained: call model_heavy.fit(...). " + _TRAIN_HINT)
    return check_band(what, accuracy, smoke=HEAVY_SMOKE, full=HEAVY_FULL, hint=_TRAIN_HINT,
                      more="Train a new model from build_variant on train_ds (images scaled to "
                           "[0, 1], one-hot targets).")
