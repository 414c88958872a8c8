"""Checkers of notebook 15: a right answer passes, each typical wrong answer fails with its
specific hint, an untouched stub hears "not done yet". (The full answers live in the solution
notebook; the compact ones here only prove that the checkers accept right answers.)"""

import numpy as np
import pytest

from course_utils.exercises import lesson15 as ex
from tests.checker_asserts import stub as _stub, passes as _passes, fails as _fails


def test_function_stub_is_not_done(capsys):
    assert not ex.check_mask_pixels(_stub)
    out = capsys.readouterr().out
    assert out.startswith("[TODO]") and "not done yet" in out


# --------------------------------------------------------------------------- 1. masking noise


def test_mask_pixels_accepts_right_answers(capsys):
    def with_where(x, fraction, seed):
        rng = np.random.default_rng(seed)
        return np.where(rng.random(x.shape) < fraction, 0.0, x)

    def with_binomial(x, fraction, seed):
        rng = np.random.default_rng(seed)
        return x * rng.binomial(1, 1.0 - fraction, size=x.shape)

    def copy_then_assign(x, fraction, seed):
        out = np.array(x, copy=True)
        out[np.random.default_rng(seed).uniform(size=out.shape) < fraction] = 0
        return out

    for answer in (ex.reference_mask, with_where, with_binomial, copy_then_assign):
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
    (lambda x, f, s: x * (np.random.default_rng(s).random(x.shape[-2:]) >= f), "one 28 x 28 mask"),
    (_global_rng, "inside the function"),
    (lambda x, f, s: ex.reference_mask(x, f, 0), "depend on the seed"),
    (lambda x, f, s: x[:, :20], "same shape"),
    (lambda x, f, s: x * 0.5, "neither 0 nor unchanged"),
])
def test_mask_pixels_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_mask_pixels, wrong, capsys=capsys, hint=hint)


# --------------------------------------------------------------------------- models for 2 and 3


def _x_test(n=300):
    return np.random.default_rng(3).random((n, 28, 28)).astype("float32")


class _Blend:
    """Stands in for a trained model: returns `weight` * clean + (1 - weight) * its input, the
    clean image being the test image nearest to the input (its source, clean or masked)."""

    def __init__(self, clean, weight):
        self.clean, self.weight = clean.reshape(len(clean), -1), weight

    def __call__(self, x, training=False):
        x = np.asarray(x, dtype="float32")
        flat = x.reshape(len(x), -1)
        distances = (flat**2).sum(1)[:, None] - 2 * flat @ self.clean.T + (self.clean**2).sum(1)
        clean = self.clean[np.argmin(distances, axis=1)].reshape(x.shape)
        return self.weight * clean + (1 - self.weight) * x

    def predict(self, *args, **kwargs):
        raise AssertionError("the checkers call the model, not predict")


def _measured(model, x):
    masked = ex.reference_mask(x, ex.MASK_FRACTION, ex.MASK_SEED).astype("float32")
    return float(np.mean((model(masked) - x) ** 2))


def _models(x):
    return {"dense": _Blend(x, 0.4), "conv": _Blend(x, 0.3), "denoiser": _Blend(x, 0.6)}


# --------------------------------------------------------------------------- 2. masked inputs


def test_masked_inputs_accepts_measurements_with_another_mask(capsys):
    x = _x_test()
    models = _models(x)
    other = ex.reference_mask(x, 0.5, 7).astype("float32")
    answer = {name: np.float32(np.mean((m(other) - x) ** 2)) for name, m in models.items()}
    out = _passes(ex.check_masked_inputs, answer, models, x, capsys=capsys)
    assert out.index("denoiser") < out.index("dense") < out.index("conv")
    assert "holes included" in out


@pytest.mark.parametrize(("make", "hint"), [
    (lambda m, x, masked: float(np.mean((m(x) - x) ** 2)), "clean test images"),
    (lambda m, x, masked: float(np.mean((m(masked) - masked) ** 2)), "compare with the clean"),
    (lambda m, x, masked: float(np.mean((masked - x) ** 2)), "masked images themselves"),
    (lambda m, x, masked: 0.5, "Mask the test images"),
])
def test_masked_inputs_rejects_wrong_measurements(make, hint, capsys):
    x = _x_test()
    models = _models(x)
    masked = ex.reference_mask(x, 0.5, ex.MASK_SEED).astype("float32")
    answer = {name: make(m, x, masked) for name, m in models.items()}
    _fails(ex.check_masked_inputs, answer, models, x, capsys=capsys, hint=hint)


def test_masked_inputs_rejects_wrong_shapes_of_answer(capsys):
    x = _x_test()
    models = _models(x)
    _fails(ex.check_masked_inputs, [0.1, 0.2, 0.3], models, x, capsys=capsys,
           hint="one entry per model")
    _fails(ex.check_masked_inputs, {"dense": 0.1}, models, x, capsys=capsys, hint="same keys")
    _fails(ex.check_masked_inputs, {k: np.ones(3) for k in models}, models, x, capsys=capsys,
           hint="one number per model")
    _fails(ex.check_masked_inputs, {k: 0.1 for k in models}, "models", x, capsys=capsys,
           hint="as the cell does")
    _fails(ex.check_masked_inputs, {k: 0.1 for k in models}, models, x * 255, capsys=capsys,
           hint="scaled to [0, 1]")


def test_masked_inputs_stub_is_not_done(capsys):
    assert not ex.check_masked_inputs(None, _models(_x_test()), _x_test())
    assert capsys.readouterr().out.startswith("[TODO]")


# --------------------------------------------------------------------------- 3. experiment


def test_masking_denoiser_accepts_a_better_model(capsys):
    x = _x_test()
    out = _passes(ex.check_masking_denoiser, _Blend(x, 0.8), _Blend(x, 0.5), x, capsys=capsys)
    assert "0.16 x the Gaussian denoiser" in out and "masked images themselves" in out


@pytest.mark.parametrize(("weight", "hint"), [
    (0.0, "barely repairs"),          # the identity: returns the masked images
    (0.5, "denoiser itself"),         # as good as the denoiser
    (0.45, "what corruption"),        # a little worse than the denoiser
])
def test_masking_denoiser_rejects_weak_models(weight, hint, capsys):
    x = _x_test()
    _fails(ex.check_masking_denoiser, _Blend(x, weight), _Blend(x, 0.5), x, capsys=capsys,
           hint=hint)


def test_masking_denoiser_rejects_a_real_identity_model(capsys):
    pytest.importorskip("tensorflow")
    import keras

    identity = keras.Sequential([keras.Input((28, 28)), keras.layers.Identity()])
    x = _x_test()
    _fails(ex.check_masking_denoiser, identity, _Blend(x, 0.5), x, capsys=capsys,
           hint="barely repairs")


@pytest.mark.parametrize(("x_test", "hint"), [
    (np.random.default_rng(0).random((300, 28, 28)) * 255, "scaled to [0, 1]"),
    (np.zeros((300, 32, 32)), "Pass x_test"),
    ("x_test", "Pass x_test"),
])
def test_masking_denoiser_rejects_wrong_test_images(x_test, hint, capsys):
    x = _x_test()
    _fails(ex.check_masking_denoiser, _Blend(x, 0.8), _Blend(x, 0.5), x_test, capsys=capsys,
           hint=hint)


def test_masking_denoiser_rejects_a_non_model_and_a_wrong_output(capsys):
    x = _x_test()
    _fails(ex.check_masking_denoiser, "model", _Blend(x, 0.5), x, capsys=capsys,
           hint="Pass the model")
    _fails(ex.check_masking_denoiser, _Blend(x, 0.8), None, x, capsys=capsys,
           hint="as the cell does")
    wrong_output = _Blend(x, 0.8)
    wrong_output.__class__ = type("Flat", (_Blend,), {
        "__call__": lambda self, x, training=False: np.zeros((len(x), 10))})
    _fails(ex.check_masking_denoiser, wrong_output, _Blend(x, 0.5), x, capsys=capsys,
           hint="same shape")


def test_masking_denoiser_stub_is_not_done(capsys):
    assert not ex.check_masking_denoiser(None, _Blend(_x_test(), 0.5), _x_test())
    assert capsys.readouterr().out.startswith("[TODO]")


def test_masking_denoiser_needs_its_band_too(capsys):
    """Better than a weak denoiser is not enough (in the full profile the Gaussian denoiser
    repairs masks worse than the plain autoencoders): the MSE must also be in the band."""
    x = _x_test()
    _fails(ex.check_masking_denoiser, _Blend(x, 0.5), _Blend(x, 0.2), x, capsys=capsys,
           hint="what corruption")
