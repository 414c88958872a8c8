"""Checkers for notebook 18, part 2 (anchors, a miniature R-CNN, MTCNN).

1. `check_positives`: how many 32 x 32 anchors on an 8-pixel grid SSD's matching rule gives a
   32 x 32 true box centred on an anchor (a prediction from the IoU formula).
2. `check_anchor_design`: at most three anchor shapes on the 8 x 8 grid; the checker measures
   the share of the test boxes whose best anchor has IoU >= ANCHOR_IOU (a design).
3. `check_cascade`: which part of the miniature R-CNN plays the role of MTCNN's P-Net, R-Net
   and image pyramid (a choice).
4. `check_small_crops` (the experiment): the crop classifier for 14 x 14 crops, trained; the
   checker proposes regions with the notebook's felzenszwalb parameters, crops and resizes
   them as the notebook does, applies NMS and measures COCO's AP@0.5 itself.

Every checker prints one line and never raises or hangs (see `course_utils.checks`).
Importing this module does not import TensorFlow or scikit-image.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import (
    CheckResult,
    Failure,
    NotDone,
    as_floats,
    call_in_batches,
    check_band,
    checker,
    choice_letter,
    is_stub,
    one_whole_number,
    optimizer_steps,
    report,
    run_limited,
    short,
)
from ..detection import ap50, box_iou, nms

__all__ = ["check_anchor_design", "check_cascade", "check_positives", "check_small_crops"]

SIZE = 64
GRID = 8

# --------------------------------------------------------------------------- 1. positives


def _count_positives(side: int = 32, stride: int = 8, threshold: float = 0.5) -> int:
    """Anchors of side x side every `stride` pixels matched to a side x side box on one."""
    shifts = np.arange(-4, 5) * stride
    dy, dx = np.meshgrid(shifts, shifts, indexing="ij")
    shared = np.clip(side - abs(dy), 0, None) * np.clip(side - abs(dx), 0, None)
    return int(np.sum(shared / (2 * side * side - shared) >= threshold))


N_POSITIVES = _count_positives()


@checker
def check_positives(n_positives: Any) -> CheckResult:
    """n_positives: the anchors SSD's rule matches to the 32 x 32 box."""
    return one_whole_number(
        "n_positives: the anchors matched to the box", n_positives, N_POSITIVES,
        usage="Set n_positives to a whole number of anchors, e.g. 2.",
        mistakes={
            1: "The best anchor is only the first half of SSD's rule: which other anchors have "
               "IoU of at least 0.5 with the box?",
            9: "Compute the IoU of a diagonal neighbour, moved 8 pixels along both axes: shared "
               "area 24 x 24.",
            4: "The anchor on the box's own centre has IoU 1: it is matched too.",
        },
        hint="Write the IoU of the box with an anchor moved 8 pixels along one axis, then "
             "along both, then 16 pixels along one.",
        more="Moved 8 pixels along one axis: shared 24 x 32, union 2 x 1024 minus shared.")


# --------------------------------------------------------------------------- 2. anchor design

ANCHOR_IOU = 0.5  # the IoU the best anchor of a true box must reach
ANCHOR_SHARE = 0.86  # the share of test boxes that must reach it
MAX_SHAPES = 3
MAX_CANVASES = 500


def _anchors(shapes: np.ndarray) -> np.ndarray:
    centres = (np.arange(GRID) + 0.5) * SIZE / GRID
    cy, cx = np.meshgrid(centres, centres, indexing="ij")
    cy, cx = cy.reshape(-1, 1), cx.reshape(-1, 1)
    h, w = shapes[:, 0], shapes[:, 1]
    return np.stack([cy - h / 2, cx - w / 2, cy + h / 2, cx + w / 2], -1).reshape(-1, 4)


def anchor_share(shapes: Any, boxes: np.ndarray, counts: np.ndarray) -> float:
    """The share of the true boxes whose best anchor (the shapes on the 8 x 8 grid) has IoU
    >= ANCHOR_IOU."""
    anchors = _anchors(np.asarray(shapes, float).reshape(-1, 2))
    best = np.concatenate([box_iou(anchors[:, None], b[None, :k].astype(float)).max(axis=0)
                           for b, k in zip(boxes, counts) if k > 0])
    return float(np.mean(best >= ANCHOR_IOU))


def _test_boxes(canvases: Any) -> tuple[np.ndarray, np.ndarray]:
    if not all(hasattr(canvases, f) for f in ("images", "boxes", "counts", "split")):
        raise Failure("pass the test canvases of section 1 (test_canvases)")
    if canvases.split != "test":
        raise Failure("measure on the test canvases (test_canvases), not on training canvases")
    boxes = np.asarray(canvases.boxes)[:MAX_CANVASES]
    counts = np.asarray(canvases.counts)[:MAX_CANVASES]
    if boxes.ndim != 3 or len(boxes) < 100 or len(counts) != len(boxes):
        raise Failure("pass test_canvases: at least 100 canvases")
    return boxes, counts


@checker
def check_anchor_design(shapes: Any, canvases: Any) -> CheckResult:
    """my_shapes: at most three anchor shapes (height, width) on the 8 x 8 grid."""
    what = "my_shapes: an anchor set for the digit boxes"
    if is_stub(shapes):
        raise NotDone(what)
    array = as_floats(shapes)
    if array is None or array.size == 0 or array.size % 2 or not np.all(np.isfinite(array)) \
            or np.any(array <= 0) or np.any(array > SIZE):
        return report(False, f"{what}: expected (height, width) pairs in pixels between 1 and "
                             f"{SIZE}, got {short(shapes).rstrip('.')}.",
                      "Set my_shapes to a list of (height, width) pairs, e.g. [(20, 20)].")
    array = array.reshape(-1, 2)
    if len(array) > MAX_SHAPES:
        return report(False, f"{what}: {len(array)} shapes, at most {MAX_SHAPES} allowed.",
                      "More shapes cover more boxes but cost more predictions per cell: "
                      "choose three at most.")
    try:
        boxes, counts = _test_boxes(canvases)
        share = run_limited(lambda: anchor_share(array, boxes, counts))
    except Failure as exc:
        return report(False, f"{what}: {exc}.", "Call the checker as in the cell: "
                      "ex.check_anchor_design(my_shapes, test_canvases).")
    if share >= ANCHOR_SHARE:
        return report(True, f"{what}: {share:.1%} of the test boxes have an anchor with IoU "
                            f">= {ANCHOR_IOU}")
    hint = ("Look at the sizes of the true boxes: are they square? Section 2's dimension "
            "clusters are a starting point; measure candidates with best_anchor_iou.")
    if np.all(np.abs(array[:, 0] - array[:, 1]) < 1):
        hint = ("Square anchors only: digits are taller than wide, and a '1' is much "
                "narrower. " + hint)
    return report(False, f"{what}: {share:.1%} of the test boxes reach IoU {ANCHOR_IOU}, "
                         f"{ANCHOR_SHARE:.0%} needed.", hint,
                  "The anchor centres are up to 4 pixels from a box's centre: the closer "
                  "the shapes are to the boxes' own, the more IoU is left for that offset.")


# --------------------------------------------------------------------------- 3. the cascade

CHOICES = ("a", "b", "c", "d")
CASCADE = {"pnet": "a", "rnet": "b", "pyramid": "d"}


@checker
def check_cascade(pnet: Any, rnet: Any, pyramid: Any) -> CheckResult:
    """pnet, rnet, pyramid: their counterparts in section 3 ("a"-"d")."""
    what = "pnet, rnet, pyramid: MTCNN's parts in section 3's words"
    if is_stub(pnet) and is_stub(rnet) and is_stub(pyramid):
        raise NotDone(what)
    letters = {name: choice_letter(answer, CHOICES)
               for name, answer in (("pnet", pnet), ("rnet", rnet), ("pyramid", pyramid))}
    if None in letters.values():
        return report(False, f"{what}: expected three of the letters a, b, c, d.",
                      'Set each to one letter in quotes, e.g. "c".')
    if letters == CASCADE:
        return report(True, what)
    if letters["pnet"] != CASCADE["pnet"]:
        hint = ("P-Net's boxes are not the answer: R-Net and O-Net examine each of them again. "
                "Which part of section 3 gives the boxes that the classifier then examines?")
    elif letters["rnet"] != CASCADE["rnet"]:
        hint = ("R-Net crops each of P-Net's boxes, resizes it to 24 x 24 and scores it: what "
                "did the same with the proposals in section 3?")
    else:
        hint = ("The pyramid rescales the whole photo so that faces of every size fit P-Net's "
                "12 x 12 window. Did our proposals or our classifier need several scales?")
    return report(False, f"{what}: this matching is not right.", hint,
                  "NMS runs between MTCNN's stages, but none of the three parts named is NMS.")


# --------------------------------------------------------------------------- 4. the experiment

#: AP@0.5 bands of the two-stage detector with 14 x 14 crops (where they come from:
#: tests/benchmarks/bands/18_object_detection_part2.md).
SMALL_SMOKE = (0.6, 1.0)
SMALL_FULL = (0.75, 1.0)
CROP = 14
EXPERIMENT_CANVASES = 250  # test canvases the checker measures on (time limit)
_TRAIN_HINT = ("Crop the training proposals at 14 x 14 pixels with section 3's crop function, "
               "keep the labelled ones (label not -1), and train section 3's classifier, built "
               "for 14-pixel inputs, on them as section 3 trained its own.")


def _proposals(image: np.ndarray) -> np.ndarray:
    """The notebook's `propose`: felzenszwalb regions (not the background) and their pairs."""
    from skimage.measure import regionprops
    from skimage.segmentation import felzenszwalb

    segments = felzenszwalb(image, scale=100, sigma=0.5, min_size=30)
    regions = np.array([r.bbox for r in regionprops(segments + 1)], dtype=float).reshape(-1, 4)
    regions = regions[(regions[:, 2] - regions[:, 0]) * (regions[:, 3] - regions[:, 1])
                      < SIZE * SIZE / 2]
    i, j = np.triu_indices(len(regions), k=1)
    pairs = np.c_[np.minimum(regions[i, :2], regions[j, :2]),
                  np.maximum(regions[i, 2:], regions[j, 2:])]
    return np.concatenate([regions, pairs])


def _rcnn_ap(model: Any, images: np.ndarray, boxes: np.ndarray, labels: np.ndarray,
             counts: np.ndarray) -> float:
    import tensorflow as tf

    proposals = [_proposals(image) for image in images]
    index = np.concatenate([np.full(len(p), i) for i, p in enumerate(proposals)])
    x = images[..., np.newaxis].astype(np.float32) / 255.0
    crops = tf.image.crop_and_resize(x, (np.concatenate(proposals) / SIZE).astype(np.float32),
                                     index.astype(np.int32), (CROP, CROP)).numpy()
    probs = call_in_batches(model, crops, batch=2000)[0]
    if probs.shape != (len(crops), 11) or not np.all(np.isfinite(probs)):
        raise Failure(f"its output has shape {probs.shape} or is not finite; expected "
                      "(n, 11) probabilities")
    detections, start = [], 0
    for p in proposals:
        digit, start = probs[start:start + len(p), :10], start + len(p)
        scores, classes = digit.max(axis=1), digit.argmax(axis=1)
        kept = nms(p, scores)
        detections.append((p[kept], scores[kept], classes[kept]))
    return ap50(detections, boxes, labels, counts)


@checker
def check_small_crops(model: Any, canvases: Any) -> CheckResult:
    """Experiment: the crop classifier for 14 x 14 crops, trained; the R-CNN's AP@0.5 here.

    `model` maps (n, 14, 14, 1) crops in [0, 1] to (n, 11) probabilities (10 digits, then
    background); `canvases` are the test canvases.
    """
    what = "AP@0.5 of the R-CNN with 14 x 14 crops on the test canvases"
    if is_stub(model):
        raise NotDone(what)
    if not (callable(getattr(model, "count_params", None)) and callable(model)):
        return report(False, f"{what}: expected a Keras model, got {type(model).__name__}.",
                      "Pass the classifier you built and trained (classifier_14), not its "
                      "history or a number.")
    try:
        shape = tuple(model.input_shape)
    except Exception:  # noqa: BLE001
        shape = ()
    if len(shape) != 4 or shape[1:3] != (CROP, CROP):
        hint = ("That is section 3's classifier, for 28 x 28 crops: build the structure for "
                "14 x 14 crops." if shape[1:3] == (28, 28) else
                "The second stage classifies 14 x 14 crops: build the classifier for that input size.")
        if shape[1:3] == (SIZE, SIZE):
            hint = ("That model reads whole canvases (the single-shot detector): the exercise "
                    "changes the R-CNN's crop classifier.")
        return report(False, f"{what}: the model takes inputs of shape {shape}, not "
                             f"(None, {CROP}, {CROP}, 1).", hint)
    try:
        if optimizer_steps(model) == 0:
            return report(False, f"{what}: the model has not been trained.", _TRAIN_HINT)
    except Exception:  # noqa: BLE001 - not compiled: measure it anyway
        pass
    try:
        if not all(hasattr(canvases, f) for f in ("images", "boxes", "labels", "counts",
                                                    "split")):
            raise Failure("pass the test canvases of section 1 (test_canvases)")
        if canvases.split != "test":
            raise Failure("measure on the test canvases (test_canvases)")
        n = EXPERIMENT_CANVASES
        images = np.asarray(canvases.images)[:n]
        if images.ndim != 3 or images.shape[1:] != (SIZE, SIZE) or len(images) < 100:
            raise Failure("pass test_canvases: at least 100 canvases of 64 x 64 pixels")
        ap = run_limited(lambda: _rcnn_ap(model, images, np.asarray(canvases.boxes)[:n],
                                          np.asarray(canvases.labels)[:n],
                                          np.asarray(canvases.counts)[:n]))
    except Failure as exc:
        return report(False, f"{what}: {exc}.", "Call the checker as in the cell: "
                      "ex.check_small_crops(classifier_14, test_canvases).")
    return check_band(what, ap, smoke=SMALL_SMOKE, full=SMALL_FULL, hint=_TRAIN_HINT,
                      more="The labels must stay those of the same proposals: crop all the "
                           "proposals, then keep the ones whose label is not -1.")
