"""Checkers for notebook 18, part 1 (localisation and a single-shot grid detector).

1. `check_largest_shift`: the largest horizontal shift of a 24 x 24 box that keeps IoU >= 0.5
   with the true box (a prediction from the IoU formula).
2. `check_max_true_iou`: the largest IoU two true boxes of the digit canvases can have when
   their intersection covers at most 20% of the smaller box (why NMS thresholds above it are
   safe).
3. `check_nms_thresholds`: what non-maximum suppression does with IoU thresholds 1.0 and 0.0
   (a diagnosis, multiple choice).
4. `check_coarse_grid` (the experiment): section 3's detector with a 4 x 4 grid, trained; the
   checker checks the grid of its output, decodes it as the notebook does (offsets in the
   cell, square roots of the size, score = objectness x best class probability), applies a
   class-agnostic NMS at IoU 0.5 and measures COCO's AP@0.5 on the test canvases itself.

Every checker prints one line (`[PASS]`, `[FAIL] ... Hint: ...` or `[TODO] ... not done
yet`), returns a result that is true only on a pass, and never raises or hangs, whatever it
is given (see `course_utils.checks`). Importing this module does not import TensorFlow.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import (
    CheckResult,
    Failure,
    NotDone,
    call_in_batches,
    check_band,
    check_value,
    checker,
    choice_letter,
    is_stub,
    one_whole_number,
    optimizer_steps,
    report,
    run_limited,
    short,
)
from ..detection import ap50, nms

__all__ = [
    "check_coarse_grid",
    "check_largest_shift",
    "check_max_true_iou",
    "check_nms_thresholds",
]

SIZE = 64  # canvas side in pixels
NUM_CLASSES = 10


# --------------------------------------------------------------------------- 1. largest shift


def _shift_iou(side: int, shift: int) -> float:
    """IoU of a side x side box with the same box moved `shift` pixels along one axis."""
    shared = max(side - shift, 0) * side
    return shared / (2 * side * side - shared)


LARGEST_SHIFT = max(d for d in range(25) if _shift_iou(24, d) >= 0.5)


@checker
def check_largest_shift(largest_shift: Any) -> CheckResult:
    """largest_shift: the largest whole shift (pixels) of a 24 x 24 box that keeps IoU >= 0.5."""
    return one_whole_number(
        "largest_shift: the largest shift that still counts as a hit", largest_shift,
        LARGEST_SHIFT, kind="a whole number of pixels",
        usage="Set largest_shift to a whole number, e.g. 5.",
        mistakes={
            12: "That shift halves the shared area compared with the true box alone, but the "
                "IoU divides by the union, which grows as the boxes move apart.",
            LARGEST_SHIFT - 1: "Close. Compute the IoU at the shift just above yours: does a "
                               "hit need an IoU above 0.5, or at least 0.5?",
        },
        hint="Write the shared area and the union as functions of the shift d (the boxes keep "
             "all 24 rows), then solve IoU >= 0.5 for d.",
        more="Shared area 24 (24 - d); union 2 x 24 x 24 minus the shared area.")


# --------------------------------------------------------------------------- 2. max true IoU

MAX_OVERLAP = 0.2  # make_canvases' default max_overlap
MAX_TRUE_IOU = MAX_OVERLAP / (2 - MAX_OVERLAP)


@checker
def check_max_true_iou(max_true_iou: Any) -> CheckResult:
    """max_true_iou: the largest IoU of two true boxes when they share at most 20% of the smaller."""
    what = "max_true_iou: the largest IoU two true boxes can have"
    return check_value(
        what, max_true_iou, MAX_TRUE_IOU, atol=5e-4, rtol=0,
        hint="Write the IoU with the shared area s, the smaller area a and the larger area A: "
             "s <= 0.2 a, and the union is a + A - s. Which sizes and which s make it largest?",
        more="The IoU grows with s and falls with A; A is at least a.",
        mistakes=[
            (MAX_OVERLAP, "0.2 is the share of the smaller box, the rule of the canvases; the "
                          "IoU divides the shared area by the union of the two boxes."),
            (MAX_OVERLAP / 2, "The union of two boxes counts their shared area once, not twice: "
                              "subtract it from the sum of the areas."),
            (MAX_OVERLAP / (1 + MAX_OVERLAP), "The union holds both boxes: at least the smaller "
                                              "box twice, minus the shared area."),
        ],
    )


# --------------------------------------------------------------------------- 3. NMS thresholds

CHOICES = ("a", "b", "c", "d")
THRESHOLD_ONE, THRESHOLD_ZERO = "a", "b"




@checker
def check_nms_thresholds(threshold_one: Any, threshold_zero: Any) -> CheckResult:
    """threshold_one, threshold_zero: what NMS does with IoU thresholds 1.0 and 0.0 ("a"-"d")."""
    what = "threshold_one, threshold_zero: NMS with IoU thresholds 1.0 and 0.0"
    if is_stub(threshold_one) and is_stub(threshold_zero):
        raise NotDone(what)
    one, zero = choice_letter(threshold_one, CHOICES), choice_letter(threshold_zero, CHOICES)
    if one is None or zero is None:
        return report(False, f"{what}: expected two of the letters a, b, c, d, got "
                             f"{short(threshold_one).rstrip('.')} and "
                             f"{short(threshold_zero).rstrip('.')}.",
                      'Set each to one letter in quotes, e.g. "c".')
    if (one, zero) == (THRESHOLD_ONE, THRESHOLD_ZERO):
        return report(True, what)
    if (one, zero) == (THRESHOLD_ZERO, THRESHOLD_ONE):
        hint = "Swapped: which threshold can no IoU exceed, and which does any overlap exceed?"
    elif one != THRESHOLD_ONE:
        hint = ("Threshold 1.0: a box is removed when its IoU with a kept box is above the "
                "threshold. Can an IoU be above 1, even for two identical boxes?")
    elif zero == "c":
        hint = ("Threshold 0.0: two boxes that do not touch have IoU 0, which is not above 0. "
                "Which boxes does the best box remove, then?")
    else:
        hint = ("Threshold 0.0: a box is removed when its IoU with a kept box is above 0, that "
                "is when the two boxes share any area at all.")
    return report(False, f"{what}: {one!r} and {zero!r} is not right.", hint,
                  "Run nms(boxes, scores, iou_threshold=...) on one canvas's boxes with each "
                  "threshold and count what it keeps.")


# --------------------------------------------------------------------------- 4. the experiment

#: AP@0.5 bands of the 4 x 4 grid detector (where they come from:
#: tests/benchmarks/bands/18_object_detection_part1.md).
COARSE_SMOKE = (0.04, 1.0)
COARSE_FULL = (0.6, 1.0)
COARSE_GRID = 4
MAX_CANVASES = 500  # test canvases the checker measures on
_TRAIN_HINT = ("Encode the training targets for a 4 x 4 grid (encode_targets with grid 4) and "
               "train the model on them as section 3's detector: Adam with learning rate 2e-3, "
               "detection_loss, batches of batch_size, det_epochs epochs.")


def _decode(output: np.ndarray, score_threshold: float = 0.01
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Boxes, scores, classes of one (grid, grid, 15) output, as notebook 18's `decode`."""
    cells = output.shape[0]
    cell = SIZE / cells
    rows, cols = np.meshgrid(np.arange(cells), np.arange(cells), indexing="ij")
    cy, cx = (rows + output[..., 1]) * cell, (cols + output[..., 2]) * cell
    height, width = output[..., 3] ** 2 * SIZE, output[..., 4] ** 2 * SIZE
    boxes = np.stack([cy - height / 2, cx - width / 2, cy + height / 2, cx + width / 2], -1)
    scores = (output[..., 0] * output[..., 5:].max(axis=-1)).ravel()
    keep = scores >= score_threshold
    return boxes.reshape(-1, 4)[keep], scores[keep], output[..., 5:].argmax(-1).ravel()[keep]


def _canvases(canvases: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Images (float32, (n, 64, 64, 1), in [0, 1]), boxes, labels and counts of the test
    canvases (at most MAX_CANVASES); `Failure` saying what is wrong."""
    fields = ("images", "boxes", "labels", "counts", "split")
    if not all(hasattr(canvases, f) for f in fields):
        raise Failure("pass the test canvases of section 1 (test_canvases), as returned by "
                      "make_canvases")
    if canvases.split != "test":
        raise Failure("measure on the test canvases (test_canvases), not on training canvases")
    images = np.asarray(canvases.images)[:MAX_CANVASES]
    boxes = np.asarray(canvases.boxes)[:MAX_CANVASES]
    labels = np.asarray(canvases.labels)[:MAX_CANVASES]
    counts = np.asarray(canvases.counts)[:MAX_CANVASES]
    if images.ndim != 3 or images.shape[1:] != (SIZE, SIZE) or len(images) < 100 \
            or boxes.ndim != 3 or len(boxes) != len(images) or len(counts) != len(images):
        raise Failure("pass test_canvases: at least 100 canvases of 64 x 64 pixels")
    return images[..., np.newaxis].astype(np.float32) / 255.0, boxes, labels, counts


@checker
def check_coarse_grid(model: Any, canvases: Any) -> CheckResult:
    """Experiment: the detector with a 4 x 4 grid, trained; its AP@0.5 is measured here.

    `model` maps (n, 64, 64, 1) canvases in [0, 1] to (n, 4, 4, 15): objectness, the box's
    centre offsets in the cell and square roots of its height and width (sigmoids), then 10
    class probabilities; `canvases` are the test canvases (`make_canvases("test", ...)`).
    """
    what = "AP@0.5 of the 4 x 4 grid detector on the test canvases"
    if is_stub(model):
        raise NotDone(what)
    if not (callable(getattr(model, "count_params", None)) and callable(model)):
        return report(False, f"{what}: expected a Keras model, got {type(model).__name__}.",
                      "Pass the model you built and trained (detector_4x4), not its history "
                      "or a number.")
    try:
        x, boxes, labels, counts = _canvases(canvases)
        first = run_limited(lambda: model(x[:2], training=False))
    except Failure as exc:
        return report(False, f"{what}: {exc}.", "Call the checker as in the cell: "
                      "ex.check_coarse_grid(detector_4x4, test_canvases).")
    if isinstance(first, dict) or isinstance(first, (list, tuple)):
        return report(False, f"{what}: the model has several outputs.",
                      "A detector has one output, a grid of 15 numbers per cell; the localiser "
                      "of section 2 has two heads and finds a single digit.")
    shape = tuple(np.shape(first))
    if len(shape) != 4 or shape[3] != 15 or shape[1] != shape[2]:
        return report(False, f"{what}: its output has shape {shape}, expected (n, 4, 4, 15).",
                      "Keep the two 1 x 1 convolutions and the Concatenate of section 3's "
                      "detector: 5 sigmoids and 10 class probabilities per cell.")
    if shape[1] != COARSE_GRID:
        hint = ("That is section 3's detector (8 x 8 cells of 8 pixels): one more 2 x 2 pooling "
                "makes the grid coarser." if shape[1] == 8 else
                "One more 2 x 2 pooling than section 3's detector (total stride 16) gives 4 x 4 "
                "cells on a 64 x 64 canvas.")
        return report(False, f"{what}: its grid has {shape[1]} x {shape[2]} cells, not 4 x 4.",
                      hint)
    try:
        if optimizer_steps(model) == 0:
            return report(False, f"{what}: the model has not been trained.", _TRAIN_HINT)
    except Exception:  # noqa: BLE001 - not compiled: measure it anyway
        pass
    try:
        outputs = run_limited(lambda: call_in_batches(model, x)[0])
        if not np.all(np.isfinite(outputs)):
            raise Failure("its outputs are not all finite numbers")
        detections = []
        for output in outputs:
            det_boxes, det_scores, classes = _decode(output)
            kept = nms(det_boxes, det_scores)
            detections.append((det_boxes[kept], det_scores[kept], classes[kept]))
        ap = run_limited(lambda: ap50(detections, boxes, labels, counts))
    except Failure as exc:
        return report(False, f"{what}: {exc}.", _TRAIN_HINT)
    return check_band(what, ap, smoke=COARSE_SMOKE, full=COARSE_FULL, hint=_TRAIN_HINT,
                      more="The targets must be encoded for the same grid as the model's "
                           "output: 4 cells of 16 pixels along each side.")
