"""Checkers of notebook 15: a right answer passes, each typical wrong answer fails with its
specific hint, an untouched stub hears "not done yet". (The full answers live in the solution
notebook; the compact ones here only prove that the checkers accept right answers.)"""

import numpy as np
import pytest

from course_utils.exercises import lesson15 as ex
from tests.checker_asserts import stub as _stub, passes as _passes, fails as _fails


@pytest.mark.parametrize("checker", [ex.check_nearest_centroid_predict, ex.check_mask_pixels])
def test_function_stub_is_not_done(checker, capsys):
    assert not checker(_stub)
    out = capsys.readouterr().out
    assert out.startswith("[TODO]") and "not done yet" in out


# --------------------------------------------------------------------------- 1. nearest centre


def test_nearest_centroid_accepts_right_answers(capsys):
    def loop_version(train_codes, train_labels, codes):
        labels = sorted(set(np.asarray(train_labels).tolist()))
        centres = [np.mean(train_codes[train_labels == c], axis=0) for c in labels]
        return [labels[int(np.argmin([np.sum((row - m) ** 2) for m in centres]))]
                for row in codes]

    _passes(ex.check_nearest_centroid_predict, ex.nearest_centroid_reference, capsys=capsys)
    _passes(ex.check_nearest_centroid_predict, loop_version, capsys=capsys)


@pytest.mark.parametrize(("wrong", "hint"), [
    (ex._farthest_centre, "farthest centre"),
    (ex._centre_index, "position of the centre"),
    (ex._nearest_neighbour, "nearest training code"),
    (lambda a, b, c: np.zeros(len(c)), "One centre per class"),
    (lambda a, b, c: None, "forget `return`"),
])
def test_nearest_centroid_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_nearest_centroid_predict, wrong, capsys=capsys, hint=hint)


# --------------------------------------------------------------------------- 2. masking noise


def test_mask_pixels_accepts_right_answers(capsys):
    def with_where(x, fraction, seed):
        rng = np.random.default_rng(seed)
        return np.where(rng.random(x.shape) < fraction, 0.0, x)

    def with_binomial(x, fraction, seed):
        rng = np.random.default_rng(seed)
        return x * rng.binomial(1, 1.0 - fraction, size=x.shape)

    for answer in (ex.reference_mask, with_where, with_binomial):
        _passes(ex.check_mask_pixels, answer, capsys=capsys)


def _in_place(x, fraction, seed):
    x[np.random.default_rng(seed).random(x.shape) < fraction] = 0
    return x


def _global_rng(x, fraction, seed, _rng=np.random.default_rng(0)):
    return x * (_rng.random(x.shape) >= fraction)


@pytest.mark.parametrize(("wrong", "hint"), [
    (lambda x, f, s: ex.reference_mask(x, 1 - f, s), "not the share kept"),
    (lambda x, f, s: (np.random.default_rng(s).random(x.shape) >= f).astype(float),
     "not the mask"),
    (lambda x, f, s: ex.reference_mask(x, f, s) / (1 - f) if f < 1 else 0 * x,
     "dropout's rescaling"),
    (_in_place, "Work on a copy"),
    (lambda x, f, s: x * (np.random.default_rng(s).random(x.shape[-2:]) >= f), "one mask per image"),
    (_global_rng, "inside the function"),
    (lambda x, f, s: ex.reference_mask(x, f, 0), "Pass the seed"),
    (lambda x, f, s: x[:, :20], "same shape"),
    (lambda x, f, s: x * 0.5, "neither 0 nor unchanged"),
])
def test_mask_pixels_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_mask_pixels, wrong, capsys=capsys, hint=hint)


# --------------------------------------------------------------------------- 3. experiment


class _Perfect:
    """Stands in for a trained model: returns the clean images (MSE 0)."""

    def __init__(self, clean):
        self.clean = clean

    def predict(self, ds, verbose=0):
        n = sum(len(batch) for batch in ds)
        return self.clean[:n]


def _x_test():
    return np.random.default_rng(3).random((300, 28, 28)).astype("float32")


def test_masking_denoiser_accepts_a_good_model(capsys):
    pytest.importorskip("tensorflow")
    x = _x_test()
    out = _passes(ex.check_masking_denoiser, _Perfect(x), x, capsys=capsys)
    assert "0.0000 in [0" in out


def test_masking_denoiser_rejects_an_identity_model(capsys):
    pytest.importorskip("tensorflow")
    import keras

    identity = keras.Sequential([keras.Input((28, 28)), keras.layers.Identity()])
    _fails(ex.check_masking_denoiser, identity, _x_test(), capsys=capsys,
           hint="barely repairs")


@pytest.mark.parametrize(("x_test", "hint"), [
    (np.random.default_rng(0).random((300, 28, 28)) * 255, "scaled to [0, 1]"),
    (np.zeros((300, 32, 32)), "Pass x_test"),
    ("x_test", "Pass x_test"),
])
def test_masking_denoiser_rejects_wrong_test_images(x_test, hint, capsys):
    _fails(ex.check_masking_denoiser, _Perfect(_x_test()), x_test, capsys=capsys, hint=hint)


def test_masking_denoiser_rejects_a_non_model_and_a_wrong_output(capsys):
    _fails(ex.check_masking_denoiser, "model", _x_test(), capsys=capsys, hint="Pass the model")
    pytest.importorskip("tensorflow")
    _fails(ex.check_masking_denoiser, _Perfect(np.zeros((300, 10))), _x_test(), capsys=capsys,
           hint="Reshape((28, 28))")


def test_masking_denoiser_stub_is_not_done(capsys):
    assert not ex.check_masking_denoiser(None, _x_test())
    assert capsys.readouterr().out.startswith("[TODO]")
