"""Checkers of notebook 01 accept right answers and reject typical wrong ones."""

from __future__ import annotations

import numpy as np

from course_utils.exercises import lesson01 as ex

Y = np.array([0, 1, 1, 2, 9, 9, 9, 3, 4, 5, 6, 7, 8])
X = np.zeros((60, 28, 28), np.uint8)


def test_normalize(capsys):
    assert ex.check_normalize(lambda im: im.astype("float32") / 255)
    assert "[PASS]" in capsys.readouterr().out
    assert not ex.check_normalize(lambda im: im / 255)  # float64
    assert not ex.check_normalize(lambda im: im.astype("float32") / 256)
    assert not ex.check_normalize(lambda im: im // 255)  # integer division

    def in_place(im):
        im //= 2
        return im.astype("float32") / 127

    assert not ex.check_normalize(in_place)

    def stub(im):
        raise NotImplementedError

    assert not ex.check_normalize(stub)
    assert not ex.check_normalize(None)
    out = capsys.readouterr().out
    assert out.count("[FAIL]") == 6 and "Hint:" in out


def test_class_counts():
    assert ex.check_class_counts(np.bincount(Y, minlength=10), Y)
    assert ex.check_class_counts(list(np.bincount(Y, minlength=10)), Y)
    assert not ex.check_class_counts(np.bincount(Y), Y[Y < 9])  # wrong array
    assert not ex.check_class_counts(np.bincount(Y, minlength=10) / len(Y), Y)  # fractions
    assert not ex.check_class_counts(np.unique(Y), Y)
    assert not ex.check_class_counts(None, Y)


def test_float32_megabytes():
    assert ex.check_float32_megabytes(X.size * 4 / 1e6, X)
    assert not ex.check_float32_megabytes(X.size / 1e6, X)  # uint8 size
    assert not ex.check_float32_megabytes(X.size * 4 / 2**20, X)  # MiB
    assert not ex.check_float32_megabytes(X.size * 32 / 1e6, X)  # bits
    assert not ex.check_float32_megabytes(None, X)
    assert not ex.check_float32_megabytes("a lot", X)
