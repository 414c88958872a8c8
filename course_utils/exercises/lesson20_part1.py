"""Checkers for notebook 20, part 1 (what a CNN sees: filters, Grad-CAM and its sanity check).

1. `check_finer_field`: the receptive field and the spacing (in input pixels) of the units of
   `last_conv` once the last pooling is removed (section 3's rule applied to another stack).
2. `check_randomised_diagnosis`: why the Grad-CAM map of a network with random weights still
   falls on the digits more often than a random map (section 5), a choice among four.
3. `check_finer_cam` (the experiment): the classifier without its last pooling, trained as in
   section 2; the checker checks the structure (the side of `last_conv`'s maps), computes
   Grad-CAM itself on the test canvases and measures the share of each map's mass inside the
   box of the digit whose class it explains, against a band per profile; it also measures how
   often the model finds both digits, to tell an untrained model by its own symptom.

Every checker prints one line (`[PASS]`, `[FAIL] ... Hint: ...` or `[TODO] ... not done
yet`), returns a result that is true only on a pass, and never raises or hangs, whatever it
is given (see `course_utils.checks`). Importing this module does not import TensorFlow.
"""

from __future__ import annotations

import sys
from typing import Any, Sequence

import numpy as np

from ..checks import (
    CheckResult,
    Failure,
    NotDone,
    as_floats,
    check_band,
    check_value,
    checker,
    is_stub,
    one_choice,
    report,
    run_limited,
)

__all__ = ["check_finer_field", "check_randomised_diagnosis", "check_finer_cam",
           "receptive_field", "box_shares"]


# --------------------------------------------------------------------------- shared helpers


def receptive_field(layer_specs: Sequence[tuple[int, int]]) -> tuple[int, int]:
    """(receptive field, jump) in input pixels of a unit at the top of a stack of layers given
    as (kernel, stride), from the input up: each layer adds (kernel - 1) x the jump below it,
    and multiplies the jump by its stride."""
    field, jump = 1, 1
    for kernel, stride in layer_specs:
        field += (kernel - 1) * jump
        jump *= stride
    return field, jump


def box_shares(maps: Any, boxes: Any) -> np.ndarray:
    """The share of each map's mass inside its box (y_min, x_min, y_max, x_max). An empty map
    (all zero) counts as a uniform one: its share is the box's share of the image."""
    maps = np.asarray(maps, dtype=float)
    mass = maps + 1e-12  # an empty map reads as uniform
    out = np.empty(len(maps))
    for i, (y0, x0, y1, x1) in enumerate(np.asarray(boxes, dtype=int)):
        out[i] = mass[i, y0:y1, x0:x1].sum() / mass[i].sum()
    return out


# --------------------------------------------------------------------------- 1. receptive field

#: Section 2's classifier from the input up, as (kernel, stride): conv_1, pool_1, conv_2,
#: pool_2, conv_3, pool_3, last_conv ('same' 3x3 convolutions, 2x2 poolings).
CLASSIFIER_LAYERS = ((3, 1), (2, 2), (3, 1), (2, 2), (3, 1), (2, 2), (3, 1))
FINER_LAYERS = CLASSIFIER_LAYERS[:5] + CLASSIFIER_LAYERS[6:]


@checker
def check_finer_field(field_and_jump: Any) -> CheckResult:
    """(field, jump): receptive field and spacing of last_conv's units without pool_3.

    `field_and_jump` is a pair of whole numbers: how many input pixels along each side one
    unit of `last_conv` depends on, and how many input pixels apart two neighbouring units are.
    """
    what = "(field, jump) of last_conv without pool_3"
    expected = receptive_field(FINER_LAYERS)
    if is_stub(field_and_jump) or (isinstance(field_and_jump, tuple)
                                   and any(is_stub(v) for v in field_and_jump)):
        raise NotDone(what)
    return check_value(
        what, field_and_jump, expected,
        hint="Apply section 3's rule layer by layer from the input up, without pool_3: each "
             "layer widens the field by (kernel - 1) times the spacing of the units below it.",
        more="Only the poolings change the spacing (stride 2): count how many are left below "
             "last_conv.",
        mistakes=[
            (receptive_field(CLASSIFIER_LAYERS), "That is section 3's classifier, with pool_3: "
             "remove it from the stack and follow the rule again."),
            (receptive_field(CLASSIFIER_LAYERS[:5]), "That is conv_3's field: last_conv, a 3 x 3 "
             "convolution, widens it once more."),
            ((1 + 2 * 4, 4), "Every convolution below also widens the field, not only the last "
             "one: add up their contributions."),
            ((receptive_field(FINER_LAYERS)[0], 8), "The spacing is the product of the strides "
             "below last_conv: how many stride-2 poolings remain?"),
            ((1 + 4 * 2, 4), "Each 3 x 3 convolution adds (3 - 1) x the spacing below it, and each "
             "pooling (2 - 1) x the spacing below it: follow them from the input up."),
        ],
    )


# --------------------------------------------------------------------------- 2. diagnosis

#: The letters of the choices (their text is in the notebook).
RANDOMISED_CHOICES = ("a", "b", "c", "d")
RANDOMISED_ANSWER = "b"
_RANDOMISED_HINTS = {
    "a": "Grad-CAM weights the maps of last_conv by the gradient of a class score: the input "
         "enters only through those maps. Where can they be non-zero in a network that never saw "
         "a digit?",
    "c": "Randomised weights are freshly drawn numbers: nothing learnt survives (that is the "
         "point of the test). Look at what the maps are made of instead.",
    "d": "Upsampling smooths the map but moves no mass from far away into a box; a uniform map "
         "upsampled stays uniform and would score the box's area share.",
}


@checker
def check_randomised_diagnosis(answer: Any) -> CheckResult:
    """answer: why a randomised network's Grad-CAM still lands near the digits (a, b, c or d)."""
    return one_choice("why the randomised network's map beats a random map", answer,
                      RANDOMISED_CHOICES, RANDOMISED_ANSWER, _RANDOMISED_HINTS,
                      "Compute, in your head, conv_1's output on a blank 3 x 3 patch when its "
                      "bias is 0, then the layers above it.")


# --------------------------------------------------------------------------- 3. the experiment

#: In-box share bands of the finer Grad-CAM (the model without pool_3), measured here on the
#: test canvases (where they come from: tests/benchmarks/bands/20_what_a_cnn_sees_part1.md).
FINER_SMOKE = (0.25, 1.0)
FINER_FULL = (0.40, 1.0)
#: Below this share of canvases with both digits found, the model has not learnt the task.
FOUND_LIKE = 0.06
#: At most this many canvases are explained (each twice: one map per digit).
MAX_CANVASES = 100
_TRAIN_HINT = ("Train it as section 2 trained the classifier: the same training canvases and "
               "multi-hot targets, the binary cross-entropy on logits, Adam, batch_size and "
               "num_epochs.")


def _keras_model(model: Any) -> bool:
    keras = sys.modules.get("keras")  # a Keras model exists only once Keras was imported
    return keras is not None and isinstance(model, keras.Model)


def _test_data(images: Any, boxes: Any, labels: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The test canvases with two different digits, capped: images (n, s, s, 1) in [0, 1],
    boxes (n, 2, 4), labels (n, 2). `Failure` saying what is wrong."""
    x, b, y = as_floats(images), as_floats(boxes), as_floats(labels)
    if x is not None and x.ndim == 3:
        x = x[..., np.newaxis]
    if x is None or b is None or y is None or x.ndim != 4 or x.shape[-1] != 1 \
            or x.shape[1] != x.shape[2] or b.ndim != 3 or b.shape[1:] != (2, 4) \
            or y.shape != b.shape[:2] or not len(x) == len(b) >= 50:
        raise Failure("pass the test canvases as in the cell: x_test (n, side, side, 1), "
                      "test.boxes (n, 2, 4) and test.labels (n, 2), with n >= 50")
    if not (np.all(np.isfinite(x)) and x.min() >= 0 and x.max() <= 1):
        raise Failure("the test images must hold pixels scaled to [0, 1], as in section 1")
    keep = np.flatnonzero((y[:, 0] != y[:, 1]) & np.all(y >= 0, axis=1))[:MAX_CANVASES]
    if len(keep) < 50:
        raise Failure("fewer than 50 test canvases hold two different digits")
    return x[keep].astype(np.float32), b[keep].astype(int), y[keep].astype(int)


def _last_conv(model: Any) -> Any:
    """The layer named last_conv, else the last layer with 4-D outputs."""
    names = [layer.name for layer in model.layers]
    if "last_conv" in names:
        return model.get_layer("last_conv")
    four_d = [layer for layer in model.layers[1:]
              if len(getattr(getattr(layer, "output", None), "shape", ())) == 4]
    if not four_d:
        raise Failure("the model has no layer with feature maps (4-D outputs)")
    return four_d[-1]


def _cam_shares(model: Any, x: np.ndarray, boxes: np.ndarray, labels: np.ndarray
                ) -> tuple[int, float, float]:
    """(side of last_conv's maps, mean in-box share of Grad-CAM, share of canvases whose two
    highest scores are their two digits)."""
    import keras
    import tensorflow as tf

    layer = _last_conv(model)
    side = int(layer.output.shape[1])
    both = keras.Model(model.inputs[0], [layer.output, model.outputs[0]])
    shares, found = [], []
    for start in range(0, len(x), 50):
        part = slice(start, start + 50)
        with tf.GradientTape(persistent=True) as tape:  # one forward pass for both digits
            maps, scores = both(tf.constant(x[part]), training=False)
            slot_scores = [tf.gather(scores, labels[part, slot], batch_dims=1) for slot in (0, 1)]
        for slot in (0, 1):
            grads = tape.gradient(slot_scores[slot], maps)
            weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)
            cam = tf.nn.relu(tf.reduce_sum(weights * maps, axis=-1))[..., tf.newaxis]
            cam = tf.image.resize(cam, x.shape[1:3], method="bilinear")[..., 0].numpy()
            shares.append(box_shares(cam, boxes[part, slot]))
        del tape
        top2 = np.sort(np.argsort(np.asarray(scores), axis=1)[:, -2:], axis=1)
        found.append(np.all(top2 == np.sort(labels[part], axis=1), axis=1))
    return side, float(np.mean(np.concatenate(shares))), float(np.mean(np.concatenate(found)))


@checker
def check_finer_cam(model: Any, images: Any, boxes: Any, labels: Any) -> CheckResult:
    """Experiment: Grad-CAM's in-box share for the classifier without its last pooling.

    `model` is section 2's classifier without `pool_3` (its `last_conv` maps a quarter of
    the canvas' side), trained as in section 2; `images`, `boxes`, `labels` the test
    canvases. The checker computes each map itself.
    """
    what = "in-box share of the finer Grad-CAM"
    if is_stub(model):
        raise NotDone(what)
    if not _keras_model(model):
        return report(False, f"{what}: expected a Keras model, got {type(model).__name__}.",
                      "Pass the model you built and trained (model_fine), not its history or "
                      "a map.")
    try:
        x, b, y = _test_data(images, boxes, labels)
        side, share, found = run_limited(lambda: _cam_shares(model, x, b, y))
    except Failure as exc:
        return report(False, f"{what}: {exc}.", "Call the checker as in the cell: "
                      "ex.check_finer_cam(model_fine, x_test, test.boxes, test.labels).")
    canvas = x.shape[1]
    if side != canvas // 4:
        hint = ("That is section 2's classifier (maps of an eighth of the side): the exercise "
                "removes its last pooling." if side == canvas // 8 else
                "Keep section 2's layers and remove only pool_3, the pooling just below "
                "last_conv.")
        return report(False, f"{what}: last_conv's maps are {side} x {side}, expected "
                             f"{canvas // 4} x {canvas // 4}.", hint)
    if found < FOUND_LIKE:
        return report(False, f"{what}: measured {share:.4f}, but the model finds both digits on "
                             f"only {found:.0%} of the test canvases: it looks untrained.",
                      _TRAIN_HINT)
    return check_band(what, share, smoke=FINER_SMOKE, full=FINER_FULL, hint=_TRAIN_HINT,
                      more="Train a new model from scratch: build it, compile it with "
                           "from_logits=True, fit it on x_train, y_train.")
