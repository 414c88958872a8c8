"""course_utils.canvases: digit canvases with tight boxes, padded labels and class masks;
the overlap rule, determinism, train/test separation and clear errors. Most tests use small
synthetic digits; the ones on real MNIST skip without COURSE_DATA_DIR."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.figure import Figure

import course_utils
from course_utils import CourseTypeError, CourseValueError
from course_utils import canvases as cv
from course_utils.canvases import Canvases, make_canvases, show_canvases


def _digits(m: int = 40, seed: int = 0, labels=range(10), ink=(40, 256)):
    """m 28x28 uint8 'digits': an off-centre block of random ink with holes, and labels."""
    rng = np.random.default_rng(seed)
    x = np.zeros((m, 28, 28), np.uint8)
    for k in range(m):
        top, left = rng.integers(0, 12, 2)
        h, w = rng.integers(6, 16, 2)
        block = rng.integers(*ink, (h, w)) * (rng.random((h, w)) < 0.8)
        block[h // 2, w // 2] = ink[0]  # never blank
        x[k, top:top + h, left:left + w] = block
    return x, rng.choice(list(labels), m).astype(np.uint8)


DIGITS = _digits()


def _canvases(n=300, seed=0, **kw) -> Canvases:
    return make_canvases("train", n, seed=seed, digits=kw.pop("digits", DIGITS), **kw)


def _overlaps(c: Canvases) -> list[float]:
    """Intersection / smaller box area for every pair of digits on every canvas."""
    out = []
    for i in range(len(c)):
        b = c.boxes[i, :c.counts[i]].astype(float)
        for p in range(len(b)):
            for q in range(p):
                h = min(b[p, 2], b[q, 2]) - max(b[p, 0], b[q, 0])
                w = min(b[p, 3], b[q, 3]) - max(b[p, 1], b[q, 1])
                areas = (b[[p, q], 2] - b[[p, q], 0]) * (b[[p, q], 3] - b[[p, q], 1])
                out.append(max(h, 0) * max(w, 0) / areas.min())
    return out


def _tight(image: np.ndarray) -> tuple[int, int, int, int]:
    rows, cols = np.flatnonzero(image.any(1)), np.flatnonzero(image.any(0))
    return rows[0], cols[0], rows[-1] + 1, cols[-1] + 1


def test_shapes_dtypes_and_padding():
    c = _canvases(size=48, num_digits=(1, 4), scale=(12, 24))
    assert isinstance(c, Canvases) and len(c) == 300 and c.split == "train"
    assert c.images.shape == c.masks.shape == (300, 48, 48)
    assert c.images.dtype == c.masks.dtype == np.uint8
    assert c.boxes.shape == (300, 4, 4) and c.labels.shape == c.sources.shape == (300, 4)
    assert c.counts.shape == (300,)
    assert all(a.dtype == np.int32 for a in (c.boxes, c.labels, c.counts, c.sources))
    filled = np.arange(4) < c.counts[:, None]
    assert np.all(c.boxes[~filled] == -1) and np.all(c.labels[~filled] == -1)
    assert np.all(c.sources[~filled] == -1)
    b = c.boxes[filled]
    assert np.all((0 <= b[:, :2]) & (b[:, :2] < b[:, 2:]) & (b[:, 2:] <= 48))
    assert np.all(b[:, 2:] - b[:, :2] <= 24)  # no box larger than the largest digit
    assert np.array_equal(c.labels[filled], DIGITS[1][c.sources[filled]])
    assert b[:, 0].min() == 0 and b[:, 2].max() > 44  # positions reach the canvas' edges


def test_counts_cover_num_digits():
    c = _canvases(n=400, num_digits=(2, 4), scale=(8, 12), max_overlap=0.5)
    assert set(np.unique(c.counts)) == {2, 3, 4}  # small digits always fit
    assert np.array_equal(make_canvases("test", 50, seed=1, num_digits=(3, 3),
                                        digits=DIGITS, scale=(8, 8)).counts, [3] * 50)


def test_single_digit_boxes_are_exactly_the_non_zero_pixels():
    c = _canvases(num_digits=(1, 1), scale=(14, 30))
    for i in range(len(c)):
        assert tuple(c.boxes[i, 0]) == _tight(c.images[i])
        y0, x0, y1, x1 = c.boxes[i, 0]
        crop = c.images[i, y0:y1, x0:x1]
        digit = DIGITS[0][c.sources[i, 0]][None]
        found = []
        for side in range(14, 31):  # the crop is one of the digit's rescaled versions
            sprite = cv._rescale(digit, side)[0]
            found.append(np.array_equal(sprite[slice(*_tight(sprite)[::2])]
                                        [:, slice(*_tight(sprite)[1::2])], crop))
        assert any(found)


def test_disjoint_boxes_are_tight_and_hold_only_their_digit():
    c = _canvases(num_digits=(2, 3), max_overlap=0.0, size=64, scale=(16, 28))
    assert _overlaps(c) and max(_overlaps(c)) == 0
    for i in range(len(c)):
        covered = np.zeros((64, 64), bool)
        for (y0, x0, y1, x1), label in zip(c.boxes[i, :c.counts[i]], c.labels[i]):
            assert _tight(c.images[i, y0:y1, x0:x1]) == (0, 0, y1 - y0, x1 - x0)
            assert set(np.unique(c.masks[i, y0:y1, x0:x1])) <= {0, label + 1}
            covered[y0:y1, x0:x1] = True
        assert not c.images[i][~covered].any()


def test_masks_agree_with_images_boxes_and_labels():
    c = _canvases(num_digits=(1, 3), max_overlap=0.5)
    assert np.array_equal(c.masks > 0, c.images > 0)
    for i in range(len(c)):
        boxes, labels = c.boxes[i, :c.counts[i]], c.labels[i, :c.counts[i]]
        assert set(np.unique(c.masks[i])) - {0} <= set(labels + 1)
        for label in np.unique(labels):
            inside = np.zeros((64, 64), bool)
            for y0, x0, y1, x1 in boxes[labels == label]:
                inside[y0:y1, x0:x1] = True
            assert not np.any((c.masks[i] == label + 1) & ~inside)
        for y0, x0, y1, x1 in boxes:  # every box edge touches ink: tight
            assert c.images[i, y0, x0:x1].any() and c.images[i, y1 - 1, x0:x1].any()
            assert c.images[i, y0:y1, x0].any() and c.images[i, y0:y1, x1 - 1].any()


def test_later_digit_wins_the_mask_and_brighter_pixel_the_image():
    x = np.zeros((2, 28, 28), np.uint8)
    x[0, :, :14], x[1, :14, :] = 200, 90  # left half bright, top half dim
    c = make_canvases("train", 40, seed=3, size=28, scale=(28, 28), num_digits=(2, 2),
                      max_overlap=1.0, digits=(x, np.array([3, 7])))
    assert np.array_equal(c.counts, [2] * 40)
    for i in range(40):
        first, second = x[c.sources[i]]
        assert np.array_equal(c.images[i], np.maximum(first, second))
        expected = np.where(second > 0, c.labels[i, 1] + 1,
                            np.where(first > 0, c.labels[i, 0] + 1, 0))
        assert np.array_equal(c.masks[i], expected)


@pytest.mark.parametrize("max_overlap", [0.0, 0.2, 0.5])
def test_overlap_limit_holds(max_overlap):
    c = _canvases(n=1000, num_digits=(2, 3), max_overlap=max_overlap)
    overlaps = _overlaps(c)
    assert max(overlaps) <= max_overlap
    if max_overlap:
        assert max(overlaps) > 0.6 * max_overlap  # the rule binds, it does not forbid more


def test_crowded_canvases_leave_digits_out_and_say_so():
    c = _canvases(n=200, size=40, num_digits=(5, 5), scale=(24, 32), max_overlap=0.0)
    assert 1 <= c.counts.min() and c.counts.max() <= 5 and c.counts.min() < 5
    assert max(_overlaps(c)) == 0
    filled = np.arange(5) < c.counts[:, None]
    assert np.all(c.labels[~filled] == -1) and np.all(c.labels[filled] >= 0)


def test_a_side_that_fits_nowhere_is_left_out_of_every_canvas():
    # full squares of 30 px, no overlap allowed, a 32-px canvas: the second never fits
    squares = (np.full((4, 8, 8), 255, np.uint8), np.arange(4))
    c = _canvases(n=5, size=32, num_digits=(2, 2), scale=(30, 30), max_overlap=0.0,
                  digits=squares)
    assert np.all(c.counts == 1) and np.all(c.labels[:, 1] == -1)
    assert np.array_equal(c.masks > 0, c.images > 0)


def test_same_seed_same_canvases_other_seed_others():
    a, b, other = _canvases(seed=5), _canvases(seed=5), _canvases(seed=6)
    for field in ("images", "boxes", "labels", "counts", "masks", "sources"):
        assert np.array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.images, other.images)
    assert not np.array_equal(a.sources, other.sources)


def test_each_split_uses_only_its_own_digits(monkeypatch):
    train, test = _digits(30, seed=1, labels=range(5), ink=(40, 101)), \
        _digits(20, seed=2, labels=range(5, 10), ink=(200, 256))
    calls = []

    def fake_load(name, subset="full", *, verbose=True):
        calls.append(name)
        return train, test

    monkeypatch.setattr(course_utils.data, "load_dataset", fake_load)
    tr, te = make_canvases("train", 200, seed=0), make_canvases("test", 200, seed=0)
    assert calls == ["mnist", "mnist"]
    assert set(tr.labels[tr.labels >= 0]) <= set(range(5)) and tr.images.max() <= 100
    assert set(te.labels[te.labels >= 0]) <= set(range(5, 10)) and te.images.max() > 200
    assert tr.sources.max() < 30 and te.sources.max() < 20


@pytest.mark.parametrize("split", ["train", "test"])
def test_real_mnist_canvases_come_from_their_split(use_offline_copy, split):
    (x_train, y_train), (x_test, y_test) = course_utils.load_dataset("mnist", verbose=False)
    x, y = (x_train, y_train) if split == "train" else (x_test, y_test)
    c = make_canvases(split, 400, seed=0)
    filled = c.labels >= 0
    assert np.array_equal(c.labels[filled], y[c.sources[filled]])
    assert 1 <= c.counts.min() and c.counts.max() <= 3 and max(_overlaps(c)) <= 0.2
    assert np.array_equal(c.masks > 0, c.images > 0)
    for i in np.flatnonzero(c.counts == 1)[:40]:  # the pixels are those of x[source]
        y0, x0, y1, x1 = c.boxes[i, 0]
        sprites = [cv._rescale(x[c.sources[i, :1]], side)[0] for side in range(20, 33)]
        crops = [s[slice(*_tight(s)[::2]), slice(*_tight(s)[1::2])] for s in sprites]
        assert any(np.array_equal(crop, c.images[i, y0:y1, x0:x1]) for crop in crops)


def test_real_mnist_without_tensorflow(use_offline_copy):
    code = ("import sys; from course_utils.canvases import make_canvases; "
            "c = make_canvases('test', 20000, seed=0); "
            "print(len(c), c.counts.min(), 'tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, env=os.environ.copy())
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["20000", "1", "False"]


BAD = [
    (dict(split="valid"), CourseValueError, "Unknown split 'valid'"),
    (dict(split=0), CourseTypeError, "split must be"),
    (dict(n=0), CourseValueError, "n must be at least 1"),
    (dict(n=2.5), CourseTypeError, "n must be a whole number"),
    (dict(seed=-1), CourseValueError, "seed must be at least 0"),
    (dict(seed=None), CourseTypeError, "seed must be a whole number"),
    (dict(size=30), CourseValueError, r"size=30 is too small for scale=\(20, 32\)"),
    (dict(scale=(32, 20)), CourseValueError, "out of order"),
    (dict(scale=(2, 10)), CourseValueError, "at least 4"),
    (dict(scale=20), CourseTypeError, r"pair of whole numbers.*\(k, k\)"),
    (dict(num_digits=(0, 2)), CourseValueError, "between 1 and 16"),
    (dict(num_digits=(1, 17)), CourseValueError, "between 1 and 16"),
    (dict(num_digits=(3, 1)), CourseValueError, "out of order"),
    (dict(num_digits=(1.0, 2)), CourseTypeError, "pair of whole numbers"),
    (dict(max_overlap=1.5), CourseValueError, r"in \[0, 1\]"),
    (dict(max_overlap=float("nan")), CourseValueError, r"in \[0, 1\]"),
    (dict(max_overlap="0.2"), CourseTypeError, "number"),
    (dict(digits=DIGITS[0]), CourseTypeError, r"pair \(x, y\)"),
    (dict(digits=(DIGITS[0] / 255, DIGITS[1])), CourseTypeError, "must be uint8"),
    (dict(digits=(DIGITS[0][0], DIGITS[1][:1])), CourseValueError, r"shape \(m, height, width\)"),
    (dict(digits=(DIGITS[0][:0], DIGITS[1][:0])), CourseValueError, r"m >= 1"),
    (dict(digits=(DIGITS[0], DIGITS[1][:5])), CourseValueError, r"shape \(40,\), one per image"),
    (dict(digits=(DIGITS[0], DIGITS[1] * 0.5)), CourseTypeError, "whole numbers"),
    (dict(digits=(DIGITS[0], DIGITS[1].astype(int) - 1)), CourseValueError, "0-254"),
    (dict(digits=(np.zeros((3, 28, 28), np.uint8), [1, 2, 3])), CourseValueError,
     r"\[0, 1, 2\] are blank"),
]


@pytest.mark.parametrize("bad,error,message", BAD, ids=[str(b[0])[:40] for b in BAD])
def test_bad_input_is_a_clear_course_error(bad, error, message):
    kwargs = dict(split="train", n=4, seed=0, digits=DIGITS) | bad
    with pytest.raises(error, match=message):
        make_canvases(kwargs.pop("split"), kwargs.pop("n"), **kwargs)


def test_accepts_a_channel_axis_and_column_labels():
    x, y = DIGITS
    a = _canvases(n=20)
    b = _canvases(n=20, digits=(x[..., None], y[:, None]))
    assert np.array_equal(a.images, b.images) and np.array_equal(a.labels, b.labels)


def test_show_canvases(tmp_path):
    from matplotlib.patches import Rectangle

    c = _canvases(n=10)
    fig = show_canvases(c, 6, ncols=3, show_masks=True)
    assert isinstance(fig, Figure) and len(fig.axes) == 6
    assert [sum(isinstance(p, Rectangle) for p in ax.patches) for ax in fig.axes] == \
        c.counts[:6].tolist()
    fig.savefig(tmp_path / "canvases.png")
    with pytest.raises(CourseTypeError, match="Canvases returned by make_canvases"):
        show_canvases(c.images)
    with pytest.raises(CourseValueError, match="max_images must be at least 1"):
        show_canvases(c, 0)


def test_reached_as_a_course_utils_attribute():
    assert course_utils.canvases.make_canvases is make_canvases
