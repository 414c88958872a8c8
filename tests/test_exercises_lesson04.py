"""Checkers of notebook 04: right answers pass, typical wrong answers and stubs fail, nothing raises."""

import numpy as np
import pytest

from course_utils.exercises import lesson04 as ex


def _stub(*args):
    raise NotImplementedError  # your code here


def _passes(checker, fn, capsys):
    ok = checker(fn)
    out = capsys.readouterr().out
    assert ok and "[PASS]" in out, out
    return out


def _fails(checker, fn, capsys, hint=""):
    ok = checker(fn)
    out = capsys.readouterr().out
    assert not ok and "[FAIL]" in out, out
    assert hint in out, out
    return out


@pytest.mark.parametrize(
    "checker",
    [ex.check_dense_params, ex.check_softmax, ex.check_cross_entropy, ex.check_accuracy,
     ex.check_unpermute_pixels],
)
def test_stubs_and_none_fail_gracefully(checker, capsys):
    out = _fails(checker, _stub, capsys)
    assert "not implemented yet" in out
    _fails(checker, None, capsys)


# --------------------------------------------------------------------------- dense_params


def test_dense_params_accepts_right_answers(capsys):
    _passes(ex.check_dense_params, lambda n_in, n_out: n_in * n_out + n_out, capsys)
    _passes(ex.check_dense_params, lambda n_in, n_out: (n_in + 1) * n_out, capsys)
    _passes(ex.check_dense_params, lambda n_in, n_out: np.int64(n_in) * n_out + n_out, capsys)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda n_in, n_out: n_in * n_out, "bias"),                 # weights only
        (lambda n_in, n_out: n_in * n_out + n_in, "per output unit"),
        (lambda n_in, n_out: (n_in + 1) * (n_out + 1), ""),
        (lambda n_in, n_out: n_in + n_out, "multiply"),
        (lambda n_in, n_out: 101_770, ""),                           # the whole model's count
        (lambda n_in, n_out: "100480", ""),                          # not a number
    ],
)
def test_dense_params_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_dense_params, wrong, capsys, hint)


# --------------------------------------------------------------------------- softmax


def _softmax_stable(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def test_softmax_accepts_right_answers(capsys):
    _passes(ex.check_softmax, _softmax_stable, capsys)
    _passes(ex.check_softmax, lambda z: np.exp(z - np.logaddexp.reduce(z)), capsys)
    _passes(ex.check_softmax, lambda z: list(_softmax_stable(z)), capsys)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda z: np.exp(z) / np.exp(z).sum(), "max(z)"),          # overflows for z = 1000
        (lambda z: z / z.sum(), "not the raw logits"),
        (lambda z: 1 / (1 + np.exp(-z)), "sigmoid"),
        (lambda z: np.exp(z - z.max()), "Normalise"),
        (lambda z: _softmax_stable(-z), ""),                         # sign flipped
        (lambda z: _softmax_stable(z)[:-1], ""),                     # wrong length
    ],
)
def test_softmax_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_softmax, wrong, capsys, hint)


# --------------------------------------------------------------------------- cross_entropy


def test_cross_entropy_accepts_right_answers(capsys):
    _passes(ex.check_cross_entropy, lambda probs, label: -np.log(probs[label]), capsys)
    _passes(ex.check_cross_entropy,
            lambda probs, label: -np.sum(np.eye(len(probs))[label] * np.log(probs)), capsys)
    _passes(ex.check_cross_entropy, lambda probs, label: float(-np.log(probs[int(label)])), capsys)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda probs, label: np.log(probs[label]), "sign"),
        (lambda probs, label: -np.log10(probs[label]), "natural logarithm"),
        (lambda probs, label: -np.log(probs.max()), "true class"),
        (lambda probs, label: -np.log(probs).sum(), "one-hot"),
        (lambda probs, label: 1 - probs[label], "logarithm"),
        (lambda probs, label: -np.log(probs[label - 1]), ""),      # off by one
    ],
)
def test_cross_entropy_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_cross_entropy, wrong, capsys, hint)


# --------------------------------------------------------------------------- accuracy


def test_accuracy_accepts_right_answers(capsys):
    _passes(ex.check_accuracy, lambda p, y: np.mean(p.argmax(axis=1) == y), capsys)
    _passes(ex.check_accuracy, lambda p, y: float((np.argmax(p, axis=-1) == y).sum() / len(y)), capsys)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda p, y: np.sum(p.argmax(axis=1) == y), "fraction, not a count"),
        (lambda p, y: 100 * np.mean(p.argmax(axis=1) == y), "percentage"),
        (lambda p, y: np.mean(p[np.arange(len(y)), y]), "mean probability"),
        (lambda p, y: np.mean(p.argmax(axis=0) == y), ""),          # wrong axis
        (lambda p, y: np.mean(p.argmin(axis=1) == y), ""),
    ],
)
def test_accuracy_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_accuracy, wrong, capsys, hint)


# --------------------------------------------------------------------------- unpermute_pixels


def _unpermute_scatter(x, perm):
    flat = x.reshape(len(x), -1)
    out = np.empty_like(flat)
    out[:, perm] = flat
    return out.reshape(x.shape)


def test_unpermute_pixels_accepts_right_answers(capsys):
    _passes(ex.check_unpermute_pixels,
            lambda x, perm: x.reshape(len(x), -1)[:, np.argsort(perm)].reshape(x.shape), capsys)
    _passes(ex.check_unpermute_pixels, _unpermute_scatter, capsys)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda x, perm: x.reshape(len(x), -1)[:, perm].reshape(x.shape), "a second time"),
        (lambda x, perm: x.reshape(len(x), -1)[:, np.argsort(perm)], "reshape the result back"),
        (lambda x, perm: x, ""),                                    # nothing undone
        (lambda x, perm: x[perm % len(x)], ""),                     # permutes the examples
        (lambda x, perm: x.reshape(-1)[np.argsort(perm)], ""),      # mixes images
    ],
)
def test_unpermute_pixels_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_unpermute_pixels, wrong, capsys, hint)


def test_unpermute_pixels_rejects_a_function_that_overwrites_its_input(capsys):
    def mutating(x, perm):
        x[...] = 0
        return x

    _fails(ex.check_unpermute_pixels, mutating, capsys)
