"""course_utils.detection: the box geometry and AP@0.5 that notebook 18's checkers share.

(ap50 against pycocotools' COCOeval: tests/test_exercises_lesson18_part1.py.)"""

import numpy as np
import pytest

from course_utils.detection import ap50, box_iou, nms


def test_box_iou_of_known_boxes_and_broadcasting():
    a = np.array([0, 0, 10, 10], float)
    assert box_iou(a, a) == 1.0
    assert box_iou(a, np.array([0, 5, 10, 15], float)) == pytest.approx(50 / 150)
    assert box_iou(a, np.array([20, 20, 30, 30], float)) == 0.0
    assert box_iou(np.zeros(4), np.zeros(4)) == 0.0  # empty union: 0, not nan
    many = np.array([[0, 0, 10, 10], [0, 5, 10, 15]], float)
    assert box_iou(many[:, None], many[None]).shape == (2, 2)


def test_nms_keeps_what_tensorflow_keeps():
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(0)
    corners = rng.uniform(0, 40, (60, 2))
    boxes = np.concatenate([corners, corners + rng.uniform(5, 24, (60, 2))], axis=1)
    scores = rng.random(60)
    for threshold in (0.3, 0.5, 0.7):
        expected = tf.image.non_max_suppression(boxes.astype("float32"), scores.astype("float32"),
                                                max_output_size=60, iou_threshold=threshold)
        assert nms(boxes, scores, threshold).tolist() == expected.numpy().tolist()


def test_ap50_is_one_for_the_true_boxes_and_zero_for_wrong_classes():
    boxes = np.array([[[0, 0, 20, 20], [30, 30, 50, 50]], [[5, 5, 25, 25], [-1, -1, -1, -1]]])
    labels = np.array([[3, 7], [3, -1]])
    counts = np.array([2, 1])
    right = [(boxes[i, :k].astype(float), np.ones(k), labels[i, :k]) for i, k in enumerate(counts)]
    assert ap50(right, boxes, labels, counts) == pytest.approx(1.0)
    wrong = [(b, s, (c + 1) % 10) for b, s, c in right]
    assert ap50(wrong, boxes, labels, counts) == 0.0
    assert ap50([(np.zeros((0, 4)), np.zeros(0), np.zeros(0, int))] * 2,
                boxes, labels, counts) == 0.0
