"""Box geometry and detection metrics the checkers of notebook 18 share (NumPy only).

Boxes are `(y_min, x_min, y_max, x_max)` in pixels, the canvases' and Keras' `"yxyx"` format.
The notebooks write their own `box_iou`, `nms` and `ap50` by hand (that is their lesson); the
checkers measure a student's model with these, which compute the same things:

- `box_iou`: IoU along the last axis, other axes broadcast; 0 where the union is empty.
- `nms`: greedy non-maximum suppression, the kept indices, best score first
  (what `tf.image.non_max_suppression` keeps).
- `ap50`: COCO's AP at IoU 0.5 (101 recall levels, the mean over the classes present, at most
  100 detections per image per class), equal to `COCOeval(...).stats[1]`
  (tests/test_exercises_lesson18_part1.py checks it against pycocotools).
"""

from __future__ import annotations

import numpy as np

__all__ = ["ap50", "box_iou", "nms"]

NUM_CLASSES = 10


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of yxyx boxes along the last axis; other axes broadcast."""
    height = np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0])
    width = np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1])
    shared = np.clip(height, 0, None) * np.clip(width, 0, None)
    union = ((a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
             + (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1]) - shared)
    return np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float = 0.5) -> np.ndarray:
    """Greedy NMS: the indices of the boxes kept, best score first."""
    order = np.argsort(-scores, kind="stable")
    keep = []
    while len(order):
        best, order = order[0], order[1:]
        keep.append(best)
        order = order[box_iou(boxes[best], boxes[order]) <= iou_threshold]
    return np.array(keep, dtype=int)


def ap50(detections: list[tuple[np.ndarray, np.ndarray, np.ndarray]], boxes: np.ndarray,
         labels: np.ndarray, counts: np.ndarray, iou_threshold: float = 0.5) -> float:
    """COCO's AP at one IoU threshold (101 recall levels, mean over the classes present),
    as `COCOeval(...).stats[1]` computes it for at most 100 detections per image."""
    scores: list[list[float]] = [[] for _ in range(NUM_CLASSES)]
    hits: list[list[bool]] = [[] for _ in range(NUM_CLASSES)]
    n_true = np.zeros(NUM_CLASSES, int)
    for (det_boxes, det_scores, classes), truth, truth_labels, count in zip(
            detections, boxes, labels, counts):
        for c in range(NUM_CLASSES):
            true_boxes = truth[:count][truth_labels[:count] == c].astype(float)
            n_true[c] += len(true_boxes)
            mine = np.flatnonzero(classes == c)
            mine = mine[np.argsort(-det_scores[mine], kind="mergesort")][:100]
            taken = np.zeros(len(true_boxes), bool)
            for d in mine:
                hit = False
                if len(true_boxes):
                    ious = np.where(taken, -1.0, box_iou(det_boxes[d], true_boxes))
                    hit = bool(ious.max() >= iou_threshold)
                    if hit:
                        taken[ious.argmax()] = True
                scores[c].append(float(det_scores[d]))
                hits[c].append(hit)
    levels = np.linspace(0, 1, 101)
    per_class = []
    for c in range(NUM_CLASSES):
        if n_true[c] == 0:
            continue
        if not scores[c]:
            per_class.append(0.0)
            continue
        order = np.argsort(-np.asarray(scores[c]), kind="mergesort")
        hit = np.asarray(hits[c], bool)[order]
        tp, fp = np.cumsum(hit), np.cumsum(~hit)
        recall, precision = tp / n_true[c], tp / (tp + fp)
        precision = np.maximum.accumulate(precision[::-1])[::-1]
        first = np.searchsorted(recall, levels, side="left")
        per_class.append(float(np.mean(np.where(first < len(order),
                                                precision[np.minimum(first, len(order) - 1)],
                                                0.0))))
    return float(np.mean(per_class)) if per_class else 0.0
