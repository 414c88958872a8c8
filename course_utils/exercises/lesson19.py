"""Checkers for notebook 19 (semantic segmentation).

1. `check_dice_from_iou`: the Dice coefficient of a class as a function of its IoU alone
   (derived from section 2's definitions, not given there).
2. `check_transposed_side`: the output side of `Conv2DTranspose` for any kernel, stride and
   padding (the notebook only uses kernel 2, stride 2).
3. `check_dilated_unet` (the experiment): a U-Net with two poolings whose receptive field
   reaches the 3-level U-Net's through dilated convolutions, trained on the digit canvases.
   The checker checks the structure (at most two downsamplings, a dilated convolution, the
   receptive field measured from the model's own graph with every weight set positive),
   measures the pixel cross-entropy on the test canvases (an untrained network is far above
   `UNTRAINED_LOSS`) and the mean IoU over the 10 digit classes itself, against a band per
   profile.

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
    all_layers,
    as_floats,
    call_in_batches,
    check_band,
    check_cases,
    checker,
    is_stub,
    report,
    run_limited,
)

__all__ = ["check_dice_from_iou", "check_transposed_side", "check_dilated_unet"]


# --------------------------------------------------------------------------- 1. Dice from IoU


@checker
def check_dice_from_iou(dice_from_iou: Callable[[Any], Any]) -> CheckResult:
    """dice_from_iou(iou): the Dice coefficient of a class whose IoU is `iou`.

    With P the predicted and T the true pixels of the class, IoU = |P & T| / |P | T| and
    Dice = 2 |P & T| / (|P| + |T|); `iou` is a number or an array of numbers in [0, 1].
    """
    grid = np.linspace(0.0, 1.0, 11)
    cases = [((x,), 2 * x / (1 + x)) for x in (0.0, 0.5, 1.0, 0.25)] + [((grid,), 2 * grid / (1 + grid))]
    return check_cases(
        "dice_from_iou(iou) gives the Dice score of a class from its IoU",
        dice_from_iou,
        cases,
        hint="Write both scores with the same three counts: a = |P & T|, and |P| + |T| = "
             "|P | T| + a. Then express |P | T| through a and the IoU.",
        more="Divide the numerator and the denominator of Dice by |P | T|.",
        mistakes=[
            (lambda x: x, "Dice and IoU are equal only at 0 and 1: at IoU 0.5 (half the union "
                          "is shared) Dice counts the shared pixels twice in its numerator."),
            (lambda x: 2 * x, "Dice's denominator |P| + |T| counts the shared pixels twice, "
                              "not once: it is the union plus the intersection."),
            (lambda x: x / (1 + x), "Dice has a factor 2 in its numerator."),
            (lambda x: 2 * x / (1 - x) if np.all(np.asarray(x) < 1) else np.nan,
             "|P| + |T| is the union plus the intersection, not minus."),
        ],
    )


# --------------------------------------------------------------------------- 2. transposed side


def _transposed_side(side: int, kernel: int, stride: int, padding: str) -> int:
    """Keras' output side of a transposed convolution (output_padding None, no dilation)."""
    if padding == "same":
        return side * stride
    return (side - 1) * stride + max(kernel, stride)


@checker
def check_transposed_side(transposed_side: Callable[[int, int, int, str], int]) -> CheckResult:
    """transposed_side(side, kernel, stride, padding): the output side of Conv2DTranspose.

    `layers.Conv2DTranspose(filters, kernel, strides=stride, padding=padding)` on a square
    input of side `side`, padding "valid" or "same", no output_padding, no dilation.
    """
    shapes = [(6, 3, 2, "same"), (8, 2, 2, "valid"), (8, 3, 2, "valid"), (5, 4, 2, "valid"),
              (7, 3, 1, "valid"), (5, 5, 3, "same"), (4, 1, 2, "valid"), (3, 2, 4, "valid")]
    cases = [(args, _transposed_side(*args)) for args in shapes]
    return check_cases(
        "transposed_side(side, kernel, stride, padding) predicts Conv2DTranspose's output side",
        transposed_side,
        cases,
        hint="Stamp a kernel x kernel copy for each of the `side` input pixels, each `stride` "
             "pixels after the previous one: where does the last copy end? 'same' asks for "
             "exactly the side a stride-`stride` convolution would undo.",
        more="Try a layer: layers.Conv2DTranspose(1, 1, strides=2)(np.zeros((1, 4, 4, 1))) "
             "has side 8, not 7: Keras never makes the output smaller than side * stride "
             "minus the gap after the last pixel.",
        mistakes=[
            (lambda s, k, st, p: (s - 1) * st + k if p == "valid" else s * st,
             "Right when the kernel is at least the stride. When kernel < stride, Keras pads "
             "the output so that each input pixel still gets `stride` output pixels."),
            (lambda s, k, st, p: (s - k) // st + 1,
             "That is a (forward) convolution's output side; a transposed convolution goes the "
             "other way and enlarges the input."),
            (lambda s, k, st, p: s * st,
             "With padding='same' yes; with 'valid' nothing is cropped, so the kernel's overhang "
             "past the last stride stays."),
            (lambda s, k, st, p: (s - 1) * st + max(k, st) if p == "same" else s * st,
             "The two paddings are swapped: 'same' gives side * stride exactly."),
        ],
    )


# --------------------------------------------------------------------------- 3. the experiment

#: Receptive field (pixels) of the notebook's 3-level U-Net, `build_unet(3)`, measured with
#: `receptive_field` (every weight positive, centre output pixel of a 128 x 128 input); the
#: 2-level U-Net's is 19.
UNET_3_FIELD = 39
UNET_2_FIELD = 19
#: Mean digit IoU bands (where they come from: tests/benchmarks/bands/19_semantic_segmentation.md).
DILATED_SMOKE = (0.15, 1.0)
DILATED_FULL = (0.70, 1.0)
#: Mean pixel cross-entropy (unweighted) on the test canvases above which a model has not
#: been trained (an untrained U-Net: about ln 11 = 2.4; the solution after the smoke
#: profile's 4 epochs: well below 1, even on seeds where it still names few digits).
UNTRAINED_LOSS = 1.0
#: Canvases of the test set the checker scores (a prefix, to stay within the time limit).
MAX_CANVASES = 150
_TRAIN_HINT = ("Train it as section 4 trains the U-Nets (the same helper, loss and number of "
               "epochs, on the digit canvases), then pass it with the test canvases.")


def _layer_count(model: Any) -> dict[str, int]:
    """Downsamplings (poolings, strided convolutions) and dilated convolutions of `model`."""
    found = {"poolings": 0, "strided": 0, "dilated": 0}
    for layer in all_layers(model):
        kind = type(layer).__name__
        if "Pooling2D" in kind and not kind.startswith("Global"):
            found["poolings"] += 1
        elif kind.startswith(("Conv2D", "SeparableConv2D", "DepthwiseConv2D")) \
                and "Transpose" not in kind:
            if max(getattr(layer, "strides", (1, 1)) or (1, 1)) > 1:
                found["strided"] += 1
            if max(getattr(layer, "dilation_rate", (1, 1)) or (1, 1)) > 1:
                found["dilated"] += 1
    return found


def receptive_field(model: Any, side: int = 128) -> int:
    """Side of the square of input pixels that the centre output pixel of `model` depends
    on: a clone with every kernel positive (and every 1-D weight 1, so that batch norms are
    the identity) has no ReLU that cuts a path; the non-zero gradient is the field. Same
    computation as the notebook's section 4. Imports TensorFlow."""
    import keras
    import tensorflow as tf

    clone = type(model).from_config(model.get_config())  # same layers, not compiled
    rng = np.random.default_rng(0)
    clone.set_weights([rng.uniform(0.5, 1.5, w.shape) / np.prod(w.shape[:-1]) if w.ndim > 1
                       else np.ones(w.shape) for w in model.get_weights()])
    x = tf.ones((1, side, side, 1))
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = clone(x, training=False)
        out = out[0] if isinstance(out, (list, tuple)) else out
        centre = out[0, side // 2, side // 2, 0]
    grad = tape.gradient(centre, x)
    if grad is None:
        return 0
    seen = np.abs(np.asarray(grad)[0, :, :, 0]) > 0
    if not seen.any():
        return 0
    rows, cols = np.flatnonzero(seen.any(axis=1)), np.flatnonzero(seen.any(axis=0))
    return int(max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1)


def _digit_iou(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean IoU over classes 1-10, pixels counted over the whole set (classes absent from
    both the truth and the prediction left out, as keras.metrics.IoU does)."""
    index = 11 * y_true.astype(np.int64).ravel() + y_pred.astype(np.int64).ravel()
    counts = np.bincount(index, minlength=121).reshape(11, 11)
    hits = np.diag(counts)
    union = counts.sum(axis=0) + counts.sum(axis=1) - hits
    present = union[1:] > 0
    return float(np.mean(hits[1:][present] / union[1:][present])) if present.any() else 0.0


def _test_data(x_test: Any, y_test: Any) -> tuple[np.ndarray, np.ndarray]:
    """The test canvases (float32, (n, side, side, 1)) and masks; `Failure` saying what is
    wrong."""
    x, y = as_floats(x_test), as_floats(y_test)
    if x is not None and x.ndim == 3:
        x = x[..., np.newaxis]
    if x is None or y is None or x.ndim != 4 or x.shape[1] != x.shape[2] \
            or x.shape[1] % 4 or x.shape[1] < 32 or x.shape[3] != 1 or y.ndim != 3 \
            or y.shape != x.shape[:3] or len(y) < 50:
        raise Failure("pass the test canvases of section 1: x_test of shape (n, side, side, 1) "
                      "and their masks y_test of shape (n, side, side), with n >= 50")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))) or x.min() < 0 or x.max() > 1:
        raise Failure("the test canvases must hold pixels scaled to [0, 1], as in section 1")
    if np.any(y != np.round(y)) or y.min() < 0 or y.max() > 10:
        raise Failure("the masks must hold the classes 0-10 (0 = background, 1 + digit)")
    return x[:MAX_CANVASES].astype(np.float32), y[:MAX_CANVASES].astype(np.int64)


@checker
def check_dilated_unet(model: Any, x_test: Any, y_test: Any) -> CheckResult:
    """Experiment: a 2-pooling U-Net widened by dilated convolutions, trained; measured here.

    `model` maps (n, side, side, 1) canvases to (n, side, side, 11) class probabilities, with at
    most two poolings (or strided convolutions) and dilated convolutions that give it a
    receptive field at least the 3-level U-Net's; trained on the digit canvases. `x_test`,
    `y_test`: the test canvases and masks of section 1.
    """
    what = "mean digit IoU of the dilated 2-level U-Net"
    if is_stub(model):
        raise NotDone(what)
    if not (callable(getattr(model, "count_params", None)) and callable(model)
            and hasattr(model, "get_weights")):
        return report(False, f"{what}: expected a Keras model, got {type(model).__name__}.",
                      "Pass the model you built and trained (model_dilated), not its history "
                      "or its score.")
    try:
        found = run_limited(lambda: _layer_count(model))
    except Failure as exc:
        return report(False, f"{what}: its layers could not be read: {exc}.",
                      "Build it with the functional API, as build_unet does.")
    downsamplings = found["poolings"] + found["strided"]
    if downsamplings > 2:
        return report(False, f"{what}: the model halves the image {downsamplings} times.",
                      "That is a deeper U-Net (like unet_3): the exercise keeps two "
                      "poolings and widens the view another way.")
    if found["dilated"] == 0:
        return report(False, f"{what}: the model has no dilated convolution.",
                      "The exercise widens the receptive field with dilation_rate > 1 in "
                      "some of its convolutions (conv_block's `dilation`).")
    try:
        field = run_limited(lambda: receptive_field(model))
    except Failure as exc:
        return report(False, f"{what}: its receptive field could not be measured ({exc}).",
                      "Build a functional keras.Model from keras.Input(shape=(None, None, 1)) "
                      "as build_unet does, with one output of class probabilities per pixel.")
    if field < UNET_3_FIELD:
        return report(False, f"{what}: its receptive field is {field} pixels, less than "
                             f"unet_3's {UNET_3_FIELD}.",
                      "A 3x3 convolution with dilation d widens the field by 2d times the "
                      "spacing of its layer's pixels: dilate where that spacing is largest, or "
                      "stack more dilated layers.",
                      "Measure it with receptive_field(model_dilated) before training.")
    try:
        x, y = _test_data(x_test, y_test)
        probs = run_limited(lambda: call_in_batches(model, x, batch=100)[0])
    except Failure as exc:
        return report(False, f"{what}: {exc}.", "Call the checker as in the cell: "
                      "ex.check_dilated_unet(model_dilated, x_test, y_test).")
    expected = (*y.shape, 11)
    if probs.shape != expected or not np.all(np.isfinite(probs)):
        return report(False, f"{what}: its output has shape {probs.shape}, expected "
                             f"{expected}, finite class probabilities.",
                      "End with a 1x1 convolution to 11 classes and a softmax, as build_unet.")
    picked = np.take_along_axis(probs, y[..., np.newaxis], axis=-1)
    loss = float(np.mean(-np.log(np.clip(picked, 1e-7, 1.0))))
    if loss > UNTRAINED_LOSS:
        return report(False, f"{what}: measured pixel cross-entropy {loss:.2f} on the test "
                             f"canvases, the level of an untrained network.",
                      "It looks untrained. " + _TRAIN_HINT)
    iou = _digit_iou(y, probs.argmax(axis=-1))
    return check_band(what, iou, smoke=DILATED_SMOKE, full=DILATED_FULL, hint=_TRAIN_HINT,
                      more="Build a new model and train it from scratch on the digit canvases "
                           "(x_train, y_train), with section 3's segmentation_loss.")
