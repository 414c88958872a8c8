"""Checkers of notebook 18, part 2: a right answer passes (also written differently), each
typical wrong answer fails with its specific hint, an untouched stub hears "not done yet", and
the experiment checker measures the two-stage detector as the notebook does."""

import time

import numpy as np
import pytest

from course_utils import checks
from course_utils.canvases import make_canvases
from course_utils.exercises import lesson18_part2 as ex
from tests.checker_asserts import fails as _fails, passes as _passes


@pytest.fixture
def smoke(monkeypatch):
    from course_utils import profile

    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    monkeypatch.setattr(profile, "_current", None)


def _canvases(n=150, split="test"):
    """Canvases of blobby random 'digits' (no MNIST needed), 3 classes."""
    rng = np.random.default_rng(0)
    digits = (rng.random((30, 28, 28)) * 255 * (rng.random((30, 28, 28)) > 0.3)).astype(np.uint8)
    digits[:, :4], digits[:, -4:] = 0, 0
    return make_canvases(split, n, seed=1, digits=(digits, np.arange(30) % 3))


@pytest.mark.parametrize(("check", "stub"), [
    (ex.check_positives, (None,)),
    (ex.check_anchor_design, (None, None)),
    (ex.check_cascade, (None, None, None)),
    (ex.check_small_crops, (None, None)),
])
def test_untouched_stub_is_not_done_yet(check, stub, capsys):
    result = check(*stub)
    out = capsys.readouterr().out
    assert not result and out.startswith("[TODO]") and "not done yet" in out
    assert "hint" not in out.lower()


def test_second_wrong_attempt_gets_another_hint(capsys):
    for _ in range(2):
        ex.check_positives(3)
    assert "Another hint:" in capsys.readouterr().out.splitlines()[-1]


# --------------------------------------------------------------------------- 1. positives


def test_positives_are_the_box_and_its_four_neighbours():
    iou = lambda dy, dx: (32 - dy) * (32 - dx) / (2 * 1024 - (32 - dy) * (32 - dx))  # noqa: E731
    assert iou(8, 0) == 0.6 and iou(8, 8) < 0.4 and iou(16, 0) < 0.34
    assert ex.N_POSITIVES == 5


@pytest.mark.parametrize("answer", [5, 5.0, np.int64(5), np.array([5])])
def test_positives_accept_the_right_answer(answer, capsys):
    _passes(ex.check_positives, answer, capsys=capsys)


@pytest.mark.parametrize(("wrong", "hint"), [
    (1, "first half"), (9, "diagonal"), (4, "own centre"), (3, "moved 8 pixels"),
    (5.5, "whole number"), ("5", "whole number"),
])
def test_positives_reject_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_positives, wrong, capsys=capsys, hint=hint)


# --------------------------------------------------------------------------- 2. anchor design


def _digit_canvases():
    try:
        return make_canvases("test", 500, seed=42)
    except Exception as exc:  # noqa: BLE001 - MNIST not available offline here
        pytest.skip(f"MNIST canvases not available: {exc}")


@pytest.mark.parametrize("answer", [
    [(18, 10), (18, 15), (21, 20)],
    np.array([[20, 8], [18, 16], [20, 20]], float),
    ((20, 10), (18, 16), (22, 20)),
])
def test_anchor_design_accepts_shapes_fitted_to_the_digits(answer, capsys):
    _passes(ex.check_anchor_design, answer, _digit_canvases(), capsys=capsys)


@pytest.mark.parametrize(("wrong", "hint"), [
    ([(16, 16), (24, 24), (32, 32)], "Square anchors only"),
    ([(40, 40)], "dimension"),
    ([(18, 10), (18, 15), (21, 20), (24, 24)], "at most 3"),
    ([(0, 10)], "between 1 and"),
    ("big", "(height, width) pairs"),
])
def test_anchor_design_rejects_wrong_sets(wrong, hint, capsys):
    _fails(ex.check_anchor_design, wrong, _digit_canvases(), capsys=capsys, hint=hint)


def test_anchor_design_wants_the_test_canvases(capsys):
    train = _canvases(split="train")
    _fails(ex.check_anchor_design, [(20, 20)], train, capsys=capsys, hint="Call the checker")
    _fails(ex.check_anchor_design, [(20, 20)], 3, capsys=capsys, hint="Call the checker")


# --------------------------------------------------------------------------- 3. cascade


@pytest.mark.parametrize("answer", [("a", "b", "d"), ("A", " b ", "'d'")])
def test_cascade_accepts_the_right_answer(answer, capsys):
    _passes(ex.check_cascade, *answer, capsys=capsys)


@pytest.mark.parametrize(("wrong", "hint"), [
    (("b", "b", "d"), "Which part of section 3 gives the boxes"),
    (("a", "c", "d"), "24 x 24"),
    (("a", "b", "a"), "several scales"),
    ((1, 2, 3), "one letter"),
])
def test_cascade_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_cascade, *wrong, capsys=capsys, hint=hint)


# --------------------------------------------------------------------------- 4. experiment


class FakeClassifier:
    """Stands in for a Keras crop classifier: 'digit 0' where the crop has ink, else background."""

    def __init__(self, size=14, steps=100, hang=False, good=True):
        self.input_shape = (None, size, size, 1)
        self.optimizer = type("Opt", (), {"iterations": np.int64(steps)})()
        self.hang, self.good = hang, good

    def count_params(self):
        return 1000

    def __call__(self, x, training=False):
        while self.hang:
            time.sleep(0.01)
        x = np.asarray(x)
        ink = x.mean(axis=(1, 2, 3)) > 0.05
        out = np.full((len(x), 11), 0.01)
        out[:, 10] = np.where(ink, 0.01, 0.9)
        out[:, 0] = np.where(ink, 0.9 if self.good else 0.01, 0.01)
        return out


def test_small_crops_measures_a_model(capsys, smoke):
    pytest.importorskip("tensorflow")
    pytest.importorskip("skimage")
    ok = ex.check_small_crops(FakeClassifier(), _canvases())
    out = capsys.readouterr().out
    assert "AP@0.5 of the R-CNN" in out and ("[PASS]" in out or "measured" in out)
    assert bool(ok) == out.startswith("[PASS]")


@pytest.mark.parametrize(("model", "hint"), [
    (FakeClassifier(28), "section 3's classifier"),
    (FakeClassifier(64), "single-shot detector"),
    (FakeClassifier(20), "for that input size"),
    (FakeClassifier(steps=0), "not been trained"),
    (0.5, "Pass the classifier"),
])
def test_small_crops_rejects_wrong_models(model, hint, capsys, smoke):
    _fails(ex.check_small_crops, model, _canvases(), capsys=capsys, hint=hint)


def test_small_crops_rejects_a_classifier_that_finds_nothing(capsys, smoke):
    pytest.importorskip("tensorflow")
    pytest.importorskip("skimage")
    _fails(ex.check_small_crops, FakeClassifier(good=False), _canvases(), capsys=capsys,
           hint="Crop the training proposals")


def test_small_crops_wants_the_test_canvases(capsys, smoke):
    train = _canvases(split="train")
    _fails(ex.check_small_crops, FakeClassifier(), train, capsys=capsys, hint="Call the checker")


def test_small_crops_gives_up_on_a_model_that_hangs(monkeypatch, capsys, smoke):
    pytest.importorskip("tensorflow")
    monkeypatch.setattr(checks, "TIME_LIMIT_S", 0.5)
    out = _fails(ex.check_small_crops, FakeClassifier(hang=True), _canvases(), capsys=capsys)
    assert "did not finish" in out
