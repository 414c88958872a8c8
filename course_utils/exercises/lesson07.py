"""Checkers for notebook 07 (CNNs on CIFAR-10 with data augmentation).

1. `check_smooth_labels`: label smoothing by hand, the targets that
   `CategoricalCrossentropy(label_smoothing=...)` trains towards.
2. `check_most_confused_pair`: the two classes a confusion matrix mixes up most, counting
   both directions.
3. `check_tta_fixes_and_breaks`: how many test images flip test-time augmentation puts right
   and how many it puts wrong (its gain is the difference).
4. `check_augmentation_policy` (the experiment): an augmentation policy of the student's
   design, trained like the ablation's rows; the checker measures it and the ablation's
   fast net with the one-cycle schedule and no augmentation (its second row) on the
   validation set and asks for a gain.

Every checker prints one line (`[PASS]`, `[FAIL] ... Hint: ...` or `[TODO] ... not done
yet`), returns a result that is true only on a pass, and never raises or hangs, whatever it
is given (see `course_utils.checks`). Importing this module does not import TensorFlow.
"""

from __future__ import annotations

import sys
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
    layer_kinds,
    optimizer_steps,
    report,
    run_limited,
    short,
)

__all__ = [
    "augmentation_layers",
    "check_augmentation_policy",
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
        hint="Label smoothing mixes each one-hot row with the uniform distribution over all "
             "classes, and every row still sums to 1. Labels may come as a column: flatten "
             "them.",
        more="Work one row out by hand first: with 10 classes and smoothing 0.2, what must the "
             "true class get, and each of the nine others?",
        mistakes=[
            (_smooth_other_classes_only,
             "That is another convention (smoothing / (num_classes - 1) on the wrong classes). "
             "Keras spreads smoothing / num_classes over ALL classes, the true one included."),
            (_smooth_true_minus_s,
             "The true class also gets its share of the uniform part, as every class does."),
            (_smooth_not_scaled,
             "Scale the one-hot part by (1 - smoothing), so that each row still sums to 1."),
            (_smooth_reversed,
             "The weights are swapped: the one-hot part gets 1 - smoothing, the uniform part "
             "smoothing."),
            (_smooth_uniform_only, "The one-hot part is missing: the true class must still "
                                   "stand out."),
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
    hint = ("A confusion of i and j has two directions, and the diagonal holds the right "
            "answers, not confusions.")
    more = ("One matrix operation adds every entry to its mirror image across the diagonal; "
            "then each pair appears twice: look on one side only.")
    for (counts,), expected in _confusion_cases():
        result, error = call_safely(most_confused_pair, counts.copy())
        if error:
            return report(False, f"{what}: {error}.", hint, more)
        if result is None:
            return report(False, f"{what}: it returned None.", "Did you forget `return`?", hint)
        values = as_floats(result)
        if values is None or values.shape != (2,) or np.any(values != np.round(values)):
            return report(False, f"{what}: it returned {short(result)}, expected two class "
                                 "indices (i, j).", hint, more)
        if _pair_matches(result, expected):
            if values[0] > values[1]:
                return report(False, f"{what}: it returned {short(result)}; give the smaller "
                                     "index first.", "Put the smaller class index first.")
            continue
        specific = hint
        if _pair_matches(result, _one_direction(counts)):
            specific = ("That is the largest single entry (one direction only). Count both "
                        "directions of each pair.")
        elif _pair_matches(result, _with_diagonal(counts)) and values[0] == values[1]:
            specific = "The diagonal holds the right answers: leave it out."
        return report(False, f"{what}: for a {counts.shape[0]}-class matrix it returned "
                             f"{short(result)}, expected {expected}.", specific, more)
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
        hint="An image is fixed when it is right with TTA and wrong without, broken the other "
             "way round: compare each prediction with the true class (labels may come as a "
             "column: flatten them).",
        more="Two boolean arrays, one per set of predictions, say which images are right; "
             "combine them.",
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

#: The gain in validation accuracy an augmentation policy must have over the fast net without
#: augmentation (the ablation's second row: same network, data, budget and recipe, one-cycle
#: schedule, no label smoothing), per profile. Provenance:
#: tests/benchmarks/bands/07_cifar10_augmentation.md.
GAIN_SMOKE = (-0.05, 1.0)
GAIN_FULL = (-0.03, 1.0)
#: The share of its accuracy above chance that the baseline must keep on validation
#: images passed through the policy's layers (in training mode): below it, the augmented
#: images no longer look like the photos the network will be tested on.
REALISM_KEEP = 0.8
#: Validation images the checker measures (its time limit covers three passes of the network).
EVAL_IMAGES = 800
#: Below this the model is taken for untrained (chance is 0.1).
CHANCE_LIMIT = 0.12
#: Layers that transform images only in training (Keras' augmentation and noise layers).
AUGMENTATION_PREFIXES = ("Random", "Gaussian", "AugMix", "MixUp", "CutMix", "Solarization",
                         "Equalization", "AutoContrast")
#: Section 3's policy: a new policy adds at least one transformation to these.
SECTION3_LAYERS = frozenset({"RandomFlip", "RandomTranslation"})
_BUILD_HINT = ("Build the model with build_variant(augmentation=my_augmentation, "
               "label_smoothing=0.0), the recipe of the baseline (one-cycle, no label "
               "smoothing), and fit it on train_ds for ablation_epochs epochs.")


def augmentation_layers(model: Any) -> list[str]:
    """Class names of the model's augmentation layers, in no particular order."""
    return [kind for kind in layer_kinds(model) if kind.startswith(AUGMENTATION_PREFIXES)]


def _recipe(model: Any) -> tuple[Any, ...]:
    """What the model was compiled with: optimiser, learning rate, loss, label smoothing."""
    optimizer = model.optimizer
    rate = optimizer.get_config().get("learning_rate")
    if not isinstance(rate, dict):
        rate = round(float(rate), 6)
    else:
        rate = str(rate)
    loss = model.loss
    return (type(optimizer).__name__, rate, type(loss).__name__ if not isinstance(loss, str)
            else loss, float(getattr(loss, "label_smoothing", 0.0) or 0.0))


def _augment(model: Any, x: np.ndarray) -> np.ndarray:
    """`x` passed through the model's augmentation layers, in order, in training mode."""
    def ordered(layer: Any) -> list[Any]:
        found = []
        for sub in list(getattr(layer, "layers", []) or []):
            if type(sub).__name__.startswith(AUGMENTATION_PREFIXES):
                found.append(sub)
            else:
                found.extend(ordered(sub))
        return found

    out = x
    for layer in ordered(model):
        out = np.concatenate([np.asarray(layer(out[i:i + 500], training=True), dtype=np.float32)
                              for i in range(0, len(out), 500)])
    return out


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
    return x[:EVAL_IMAGES].astype(np.float32), y[:EVAL_IMAGES].astype(np.int32)


def _val_accuracy(model: Any, x: np.ndarray, y: np.ndarray) -> float:
    """Validation accuracy of `model`, called in eager batches (no predict, no retracing)."""
    probs = call_in_batches(model, x)[0]
    if probs.shape != (len(y), 10) or not np.all(np.isfinite(probs)):
        raise Failure(f"its predictions have shape {probs.shape}, expected ({len(y)}, 10) "
                      "finite values")
    return float(np.mean(probs.argmax(axis=1) == y))


@checker
def check_augmentation_policy(model: Any, baseline: Any, x_val: Any, y_val: Any) -> CheckResult:
    """Experiment: your augmentation policy against no augmentation, same budget and recipe.

    `model` is section 4's fast network with your augmentation layers in front, built with
    `build_variant(..., label_smoothing=0.0)` and trained like the ablation's rows;
    `baseline` the ablation's second model (one-cycle, no augmentation). The checker
    measures both on the validation set: yours must gain the profile's margin, and the
    baseline must keep `REALISM_KEEP` of its accuracy above chance on validation images your
    policy transforms (else they no longer look like test photos).
    """
    what = "gain of your augmentation policy over no augmentation, validation accuracy"
    if is_stub(model):
        raise NotDone(what)
    keras = sys.modules.get("keras")  # a Keras model exists only once Keras was imported
    if keras is None or not isinstance(model, keras.Model):
        return report(False, f"{what}: expected a Keras model, got {short(model)}.",
                      "Pass the model you trained (model_aug), not its history or accuracy.")
    if not isinstance(baseline, keras.Model):
        return report(False, f"{what}: the second argument is {short(baseline)}, not the "
                             "ablation's second model.", "Call the checker as the cell does.")
    try:
        n_params, n_base = run_limited(model.count_params), run_limited(baseline.count_params)
        recipe, base_recipe = run_limited(lambda: _recipe(model)), _recipe(baseline)
        steps, base_steps = run_limited(lambda: optimizer_steps(model)), optimizer_steps(baseline)
    except Failure as exc:
        return report(False, f"{what}: reading the model failed: {exc}.", _BUILD_HINT)
    if n_params != n_base:
        return report(False, f"{what}: the model has {n_params:,} parameters, the fast "
                             f"network {n_base:,}.",
                      "Only the augmentation may change: keep the network of section 4.",
                      _BUILD_HINT)
    added = augmentation_layers(model)
    if augmentation_layers(baseline):
        return report(False, f"{what}: the baseline has augmentation layers.",
                      "Call the checker as the cell does: the baseline is the ablation's "
                      "second row.")
    if not added:
        return report(False, f"{what}: the model has no augmentation layer: it is the "
                             "baseline itself.",
                      "my_augmentation() must return preprocessing layers, and the model must "
                      "be built with augmentation=my_augmentation.")
    if set(added) <= SECTION3_LAYERS:
        return report(False, f"{what}: the model only flips and translates, as section 3 and "
                             "the ablation's third row do.",
                      "Design a policy of your own: add at least one other transformation.")
    if recipe != base_recipe:
        return report(False, f"{what}: it was compiled differently from the baseline "
                             f"({recipe[0]}, {recipe[2]}).",
                      "Compare like with like: only the augmentation may differ.", _BUILD_HINT)
    if steps == 0:
        return report(False, f"{what}: the model was never trained.",
                      "Fit it before you measure it.", _BUILD_HINT)
    if steps != base_steps:
        return report(False, f"{what}: it trained for {steps} steps, the baseline for "
                             f"{base_steps}.",
                      "Compare at the same budget: the data and number of epochs of the "
                      "ablation.", _BUILD_HINT)
    try:
        x, y = _validation_data(x_val, y_val)
        accuracy = run_limited(lambda: _val_accuracy(model, x, y))
        base_accuracy = run_limited(lambda: _val_accuracy(baseline, x, y))
        base_on_augmented = run_limited(lambda: _val_accuracy(baseline, _augment(model, x), y))
    except Failure as exc:
        return report(False, f"{what}: {exc}.", "Call the checker as the cell does.")
    if accuracy < CHANCE_LIMIT:
        return report(False, f"{what}: its validation accuracy is {accuracy:.4f}, about "
                             "chance (0.1).", "Is something wrong with the augmented images? "
                      "Look at a few of them, as section 3 does.")
    kept = (base_on_augmented - 0.1) / max(base_accuracy - 0.1, 1e-6)
    if kept < REALISM_KEEP:
        return report(False, f"{what}: on validation images passed through your policy the "
                             f"baseline keeps only {max(kept, 0.0):.0%} of its accuracy "
                             f"above chance (measured {kept:.4f}): they no longer look like "
                             "the photos it is tested on.",
                      "Your policy is too strong for CIFAR-10's photos. Which transformations "
                      "change what a photo shows, not only how it is taken?",
                      "Look at section 3's gallery: which copies would you still recognise "
                      "as test photos?")
    return check_band(what, accuracy - base_accuracy, smoke=GAIN_SMOKE, full=GAIN_FULL,
                      hint="Your policy does not pay at this budget. Which transformations "
                           "make training images look unlike the test photos?",
                      more="Look at section 3's gallery: a transformation whose copies no "
                           "longer look like CIFAR-10 photos costs more than it adds.")
