"""Checkers of notebook 18, part 1: a right answer passes (also written differently), each
typical wrong answer fails with its specific hint, an untouched stub hears "not done yet", and
the experiment checker's AP@0.5 is COCO's (`COCOeval(...).stats[1]`)."""

import contextlib
import hashlib
import io
import time

import numpy as np
import pytest

from course_utils import checks
from course_utils.canvases import make_canvases
from course_utils.exercises import lesson18_part1 as ex
from tests.checker_asserts import fails as _fails, passes as _passes


@pytest.fixture
def smoke(monkeypatch):
    from course_utils import profile

    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    monkeypatch.setattr(profile, "_current", None)


@pytest.mark.parametrize(("check", "stub"), [
    (ex.check_largest_shift, (None,)),
    (ex.check_max_true_iou, (...,)),
    (ex.check_nms_thresholds, (None, None)),
    (ex.check_coarse_grid, (None, None)),
])
def test_untouched_stub_is_not_done_yet(check, stub, capsys):
    result = check(*stub)
    out = capsys.readouterr().out
    assert not result and out.startswith("[TODO]") and "not done yet" in out
    assert "hint" not in out.lower()


def test_second_wrong_attempt_gets_another_hint(capsys):
    for _ in range(2):
        ex.check_largest_shift(3)
    assert "Another hint:" in capsys.readouterr().out.splitlines()[-1]


# --------------------------------------------------------------------------- 1. largest shift


def test_largest_shift_is_where_iou_reaches_one_half():
    iou = [(24 - d) * 24 / (2 * 24 * 24 - (24 - d) * 24) for d in range(25)]
    assert ex.LARGEST_SHIFT == 8 and iou[8] == 0.5 and iou[9] < 0.5


@pytest.mark.parametrize("answer", [8, 8.0, np.int64(8), np.array([8])])
def test_largest_shift_accepts_the_right_answer(answer, capsys):
    _passes(ex.check_largest_shift, answer, capsys=capsys)


@pytest.mark.parametrize(("wrong", "hint"), [
    (12, "divides by the union"),
    (7, "at least 0.5"),
    (0, "solve IoU >= 0.5"),
    (8.5, "whole number"),
    ("8", "whole number"),
])
def test_largest_shift_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_largest_shift, wrong, capsys=capsys, hint=hint)


# --------------------------------------------------------------------------- 2. max true IoU


def test_max_true_iou_is_reached_by_two_equal_boxes():
    from course_utils.detection import box_iou as _iou

    a, b = np.array([0, 0, 20, 20.0]), np.array([0, 16, 20, 36.0])  # share 20 x 4 = 20%
    assert _iou(a, b) == pytest.approx(ex.MAX_TRUE_IOU) == pytest.approx(1 / 9)


@pytest.mark.parametrize("answer", [1 / 9, 0.2 / 1.8, 0.1111, np.float32(1 / 9)])
def test_max_true_iou_accepts_the_right_answer(answer, capsys):
    _passes(ex.check_max_true_iou, answer, capsys=capsys)


@pytest.mark.parametrize(("wrong", "hint"), [
    (0.2, "share of the smaller box"),
    (0.1, "shared area once"),
    (0.2 / 1.2, "at least the smaller box twice"),
    (0.5, "Which sizes"),
])
def test_max_true_iou_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_max_true_iou, wrong, capsys=capsys, hint=hint)


# --------------------------------------------------------------------------- 3. NMS thresholds


@pytest.mark.parametrize("answer", [("a", "b"), ("A", " b "), ("(a)", "'b'")])
def test_nms_thresholds_accept_the_right_answer(answer, capsys):
    _passes(ex.check_nms_thresholds, *answer, capsys=capsys)


@pytest.mark.parametrize(("wrong", "hint"), [
    (("b", "a"), "Swapped"),
    (("d", "b"), "above 1"),
    (("a", "c"), "not above 0"),
    (("a", "a"), "share any area"),
    ((1, 2), "one letter"),
    (("a", None), "one letter"),
])
def test_nms_thresholds_reject_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_nms_thresholds, *wrong, capsys=capsys, hint=hint)


def test_the_answers_are_what_tensorflow_does():
    tf = pytest.importorskip("tensorflow")
    boxes = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [0, 5, 10, 15], [0, 30, 10, 40]], np.float32)
    scores = np.array([0.9, 0.8, 0.7, 0.6], np.float32)
    keep = {t: tf.image.non_max_suppression(boxes, scores, 10, iou_threshold=t).numpy().tolist()
            for t in (0.0, 1.0)}
    assert keep[1.0] == [0, 1, 2, 3]  # "a": nothing removed, not even an identical box
    assert keep[0.0] == [0, 3]  # "b": every box touching the kept one goes


# --------------------------------------------------------------------------- 4. the experiment


def _test_canvases(n=150, split="test"):
    """Canvases of blobby random 'digits' (no MNIST needed), 3 classes."""
    rng = np.random.default_rng(0)
    digits = (rng.random((30, 28, 28)) * 255 * (rng.random((30, 28, 28)) > 0.3)).astype(np.uint8)
    digits[:, :4], digits[:, -4:] = 0, 0
    labels = np.arange(30) % 3
    canvases = make_canvases(split, n, seed=1, digits=(digits, labels))
    return canvases


def _perfect_output(canvases, grid, wrong_class=False):
    """The (n, grid, grid, 15) output a perfect detector would give (the notebook's encoding)."""
    cell = ex.SIZE / grid
    out = np.zeros((len(canvases), grid, grid, 15), np.float32)
    out[..., 5:] = 0.1
    for i, count in enumerate(canvases.counts):
        for (y0, x0, y1, x1), label in zip(canvases.boxes[i, :count], canvases.labels[i]):
            cy, cx = (y0 + y1) / 2 / cell, (x0 + x1) / 2 / cell
            r, c = int(cy), int(cx)
            label = (label + 1) % 10 if wrong_class else label
            out[i, r, c, :5] = [0.95, cy - r, cx - c, np.sqrt((y1 - y0) / ex.SIZE),
                                np.sqrt((x1 - x0) / ex.SIZE)]
            out[i, r, c, 5:] = 0.01
            out[i, r, c, 5 + label] = 0.91
    return out


class FakeDetector:
    """Stands in for a trained Keras model: looks each image up and returns its output."""

    def __init__(self, canvases, outputs, steps=100, hang=False, several=False):
        self._by_image = {hashlib.sha1(im.tobytes()).hexdigest(): o
                          for im, o in zip(canvases.images, outputs)}
        self.optimizer = type("Opt", (), {"iterations": np.int64(steps)})()
        self.hang, self.several = hang, several

    def count_params(self):
        return 61_455

    def __call__(self, x, training=False):
        while self.hang:
            time.sleep(0.01)
        images = np.rint(np.asarray(x)[..., 0] * 255).astype(np.uint8)
        out = np.stack([self._by_image[hashlib.sha1(im.tobytes()).hexdigest()] for im in images])
        return {"label": out, "box": out} if self.several else out


def test_ap50_is_cocoevals_stats1():
    from course_utils.detection import ap50

    pytest.importorskip("pycocotools")
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    canvases = _test_canvases(60)
    rng = np.random.default_rng(3)
    detections = []
    for i, count in enumerate(canvases.counts):  # jittered true boxes, extra boxes, wrong classes
        truth = canvases.boxes[i, :count].astype(float)
        boxes = np.concatenate([truth + rng.normal(0, 2.5, truth.shape),
                                rng.uniform(0, 40, (3, 2)).repeat(2, 1) + [0, 0, 20, 20]])
        classes = np.concatenate([canvases.labels[i, :count], rng.integers(0, 3, 3)])
        classes[rng.random(len(classes)) < 0.2] = rng.integers(0, 3)
        detections.append((boxes, rng.random(len(boxes)), classes))
    annotations = []
    for i, count in enumerate(canvases.counts):
        for (y0, x0, y1, x1), label in zip(canvases.boxes[i, :count], canvases.labels[i]):
            w, h = float(x1 - x0), float(y1 - y0)
            annotations.append({"id": len(annotations) + 1, "image_id": i, "iscrowd": 0,
                                "category_id": int(label), "bbox": [float(x0), float(y0), w, h],
                                "area": w * h})
    results = [{"image_id": i, "category_id": int(c), "score": float(s),
                "bbox": [float(b[1]), float(b[0]), float(b[3] - b[1]), float(b[2] - b[0])]}
               for i, (bb, ss, cc) in enumerate(detections) for b, s, c in zip(bb, ss, cc)]
    with contextlib.redirect_stdout(io.StringIO()):
        truth = COCO()
        truth.dataset = {"images": [{"id": i} for i in range(len(canvases))],
                         "categories": [{"id": c} for c in range(10)], "annotations": annotations}
        truth.createIndex()
        evaluation = COCOeval(truth, truth.loadRes(results), iouType="bbox")
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    ours = ap50(detections, canvases.boxes, canvases.labels, canvases.counts)
    assert 0.05 < ours < 0.95
    assert ours == pytest.approx(evaluation.stats[1], abs=1e-9)


def test_coarse_grid_accepts_a_good_detector(capsys, smoke):
    canvases = _test_canvases()
    out = _passes(ex.check_coarse_grid, FakeDetector(canvases, _perfect_output(canvases, 4)),
                  canvases, capsys=capsys)
    assert " in [" in out  # the measured AP, for tests/benchmarks/metric_bands.py


@pytest.mark.parametrize(("make", "hint"), [
    (lambda c: FakeDetector(c, _perfect_output(c, 8)), "section 3's detector"),
    (lambda c: FakeDetector(c, _perfect_output(c, 2)), "total stride 16"),
    (lambda c: FakeDetector(c, _perfect_output(c, 4), steps=0), "not been trained"),
    (lambda c: FakeDetector(c, _perfect_output(c, 4), several=True), "two heads"),
    (lambda c: FakeDetector(c, _perfect_output(c, 4)[..., :14]), "10 class probabilities"),
    (lambda c: FakeDetector(c, _perfect_output(c, 4, wrong_class=True)), "Encode the training"),
    (lambda c: 0.3, "Pass the model you built"),
])
def test_coarse_grid_rejects_wrong_models(make, hint, capsys, smoke):
    canvases = _test_canvases()
    _fails(ex.check_coarse_grid, make(canvases), canvases, capsys=capsys, hint=hint)


def test_coarse_grid_wants_the_test_canvases(capsys, smoke):
    train = _test_canvases(split="train")
    model = FakeDetector(train, _perfect_output(train, 4))
    _fails(ex.check_coarse_grid, model, train, capsys=capsys, hint="Call the checker as in the cell")
    _fails(ex.check_coarse_grid, model, train.images, capsys=capsys, hint="Call the checker")


def test_coarse_grid_gives_up_on_a_model_that_hangs(monkeypatch, capsys):
    monkeypatch.setattr(checks, "TIME_LIMIT_S", 0.5)
    canvases = _test_canvases()
    out = _fails(ex.check_coarse_grid, FakeDetector(canvases, _perfect_output(canvases, 4),
                                                    hang=True), canvases, capsys=capsys)
    assert "did not finish" in out


def test_coarse_grid_band_follows_the_profile(monkeypatch, capsys):
    from course_utils import profile

    canvases = _test_canvases()
    outputs = _perfect_output(canvases, 4)
    outputs[..., 1:3] = 0.5  # every box centred in its cell: AP between the two bands' floors
    model = FakeDetector(canvases, outputs)
    for name, passes in (("smoke", True), ("full", False)):
        monkeypatch.setattr(profile, "_current", None)
        monkeypatch.setenv("COURSE_PROFILE", name)
        assert bool(ex.check_coarse_grid(model, canvases)) == passes, name
        assert f"({name} profile)" in capsys.readouterr().out
