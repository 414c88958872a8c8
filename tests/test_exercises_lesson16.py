"""Checkers of notebook 16: a right answer passes, each typical wrong answer fails with its
specific hint, an untouched stub hears "not done yet". (The full answers live in the solution
notebook; the compact ones here only prove that the checkers accept right answers.)"""

import numpy as np
import pytest

from course_utils.exercises import lesson16 as ex
from tests.checker_asserts import stub as _stub, passes as _passes, fails as _fails


def test_function_stub_is_not_done(capsys):
    assert not ex.check_kl_gaussians(_stub)
    out = capsys.readouterr().out
    assert out.startswith("[TODO]") and "not done yet" in out


# --------------------------------------------------------------------------- 1. KL


def test_kl_gaussians_accepts_right_answers(capsys):
    def with_std(mu_q, log_var_q, mu_p, log_var_p):
        s_q, s_p = np.exp(0.5 * log_var_q), np.exp(0.5 * log_var_p)
        return (np.log(s_p / s_q) + (s_q**2 + (mu_q - mu_p) ** 2) / (2 * s_p**2) - 0.5).sum(-1)

    _passes(ex.check_kl_gaussians, ex.kl_gaussians_reference, capsys=capsys)
    _passes(ex.check_kl_gaussians, with_std, capsys=capsys)


def test_kl_reference_matches_monte_carlo():
    rng = np.random.default_rng(0)
    mu_q, lv_q, mu_p, lv_p = np.array([0.5, -1.0]), np.array([0.2, -0.7]), \
        np.array([-0.3, 0.4]), np.array([0.5, 0.1])
    z = mu_q + np.exp(0.5 * lv_q) * rng.normal(size=(400_000, 2))

    def log_density(z, mu, lv):
        return np.sum(-0.5 * (z - mu) ** 2 / np.exp(lv) - 0.5 * lv - 0.5 * np.log(2 * np.pi), -1)

    mc = np.mean(log_density(z, mu_q, lv_q) - log_density(z, mu_p, lv_p))
    assert abs(ex.kl_gaussians_reference(mu_q, lv_q, mu_p, lv_p) - mc) < 0.01


@pytest.mark.parametrize(("wrong", "hint"), [
    (ex._kl_reversed, "not symmetric"),
    (ex._kl_per_dimension, "sum over the last axis"),
    (ex._kl_log_variance_not_std, "HALF"),
    (ex._kl_log_var_as_var, "exponentials"),
    (ex._kl_to_standard, "ignores mu_p"),
    (lambda a, b, c, d: np.ones(len(a)), "one-dimensional formula"),
])
def test_kl_gaussians_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_kl_gaussians, wrong, capsys=capsys, hint=hint)


# --------------------------------------------------------------------------- 2. experiment


class _Part:
    def __init__(self, fn):
        self.fn = fn

    def __call__(self, x, training=False):
        return self.fn(np.asarray(x, dtype="float32"))


class _FakeVAE:
    """Stands in for a trained VAE. The first code coordinate is the digit's index / 1000
    (the others 0), every log-variance is `log_var`; the decoder returns the digit of that
    index with its pixels pushed to `confidence` / 1 - `confidence`."""

    def __init__(self, x, latent_dim=8, confidence=0.88, log_var=-3.0):
        index = {x_i.tobytes(): i for i, x_i in enumerate(x)}

        def encode(images):
            ids = np.array([index[im.tobytes()] for im in images], dtype="float32")
            z = np.zeros((len(images), latent_dim), dtype="float32")
            z[:, 0] = ids / 1000
            return [z, np.full_like(z, log_var), z]

        def decode(codes):
            ids = np.clip(np.rint(codes[:, 0] * 1000), 0, len(x) - 1).astype(int)
            return np.where(x[ids] > 0.5, confidence, 1 - confidence).astype("float32")

        self.encoder, self.decoder = _Part(encode), _Part(decode)


def _digits():
    return (np.random.default_rng(4).random((200, 28, 28)) > 0.8).astype("float32")


def test_vae_8_accepts_a_good_model(capsys):
    x = _digits()
    out = _passes(ex.check_vae_8, _FakeVAE(x), _FakeVAE(x, 2, confidence=0.75), x, capsys=capsys)
    assert "100.2" in out and "225.5" in out  # 784 * -log(0.88) and 784 * -log(0.75) nats


@pytest.mark.parametrize(("model", "hint"), [
    (dict(confidence=0.76), "no better than the 2-D model"),          # barely trained
    (dict(log_var=-20.0), "without the KL"),                          # codes far from the prior
    (dict(log_var=-0.01), "almost no information"),                   # codes on the prior
    (dict(latent_dim=2), "build_encoder(8)"),                         # the 2-D model again
])
def test_vae_8_rejects_wrong_models(model, hint, capsys):
    x = _digits()
    _fails(ex.check_vae_8, _FakeVAE(x, **model), _FakeVAE(x, 2, confidence=0.75), x,
           capsys=capsys, hint=hint)


def test_vae_8_rejects_a_real_untrained_model(capsys):
    pytest.importorskip("tensorflow")
    import keras

    inputs = keras.Input((28, 28))
    h = keras.layers.Flatten()(inputs)
    z_mean, z_log_var = keras.layers.Dense(8)(h), keras.layers.Dense(8)(h)
    encoder = keras.Model(inputs, [z_mean, z_log_var, z_mean])
    decoder = keras.Sequential([keras.Input((8,)), keras.layers.Dense(784, activation="sigmoid"),
                                keras.layers.Reshape((28, 28))])
    vae = type("VAE", (), {"encoder": encoder, "decoder": decoder})()
    x = _digits()
    _fails(ex.check_vae_8, vae, _FakeVAE(x, 2, confidence=0.75), x, capsys=capsys,
           hint="no better than the 2-D model")


@pytest.mark.parametrize(("x_test", "hint"), [
    (_digits() * 255, "scaled to [0, 1]"),
    (np.zeros((300, 784)), "Pass x_test"),
])
def test_vae_8_rejects_wrong_test_images(x_test, hint, capsys):
    x = _digits()
    _fails(ex.check_vae_8, _FakeVAE(x), _FakeVAE(x, 2), x_test, capsys=capsys, hint=hint)


def test_vae_8_rejects_a_non_vae(capsys):
    x = _digits()
    _fails(ex.check_vae_8, object(), _FakeVAE(x, 2), x, capsys=capsys, hint="Pass vae_8")
    _fails(ex.check_vae_8, _FakeVAE(x), None, x, capsys=capsys, hint="as the cell does")


def test_vae_8_stub_is_not_done(capsys):
    x = _digits()
    assert not ex.check_vae_8(None, _FakeVAE(x, 2), x)
    assert capsys.readouterr().out.startswith("[TODO]")


# --------------------------------------------------------------------------- 3. blur


def test_sample_blur_accepts_the_ratio_measured_another_way(capsys):
    from course_utils.image_stats import laplacian_variance

    x = _digits()
    vae_8, vae = _FakeVAE(x), _FakeVAE(x, 2, confidence=0.75)
    codes = np.random.default_rng(0).normal(size=(1000, 8)).astype("float32")
    samples = vae_8.decoder(codes)[..., None]          # with a channel axis
    ratio = np.mean(laplacian_variance(samples)) / np.mean(laplacian_variance(x))
    out = _passes(ex.check_sample_blur, ratio, vae_8, vae, x, capsys=capsys)
    assert "the 2-D model's samples" in out


def test_sample_blur_rejects_wrong_ratios(capsys):
    x = _digits()
    vae_8, vae = _FakeVAE(x), _FakeVAE(x, 2, confidence=0.75)
    right, _ = ex.sample_blur(vae_8, x)
    two_d, _ = ex.sample_blur(vae, x)
    _fails(ex.check_sample_blur, 1 / right, vae_8, vae, x, capsys=capsys, hint="real / samples")
    _fails(ex.check_sample_blur, two_d, vae_8, vae, x, capsys=capsys, hint="2-D model's ratio")
    _fails(ex.check_sample_blur, right * 2, vae_8, vae, x, capsys=capsys, hint="prior")
    _fails(ex.check_sample_blur, [right, right], vae_8, vae, x, capsys=capsys,
           hint="divide the two means")
    _fails(ex.check_sample_blur, right, "vae_8", vae, x, capsys=capsys, hint="as the cell does")


def test_sample_blur_stub_is_not_done(capsys):
    x = _digits()
    assert not ex.check_sample_blur(None, _FakeVAE(x), _FakeVAE(x, 2), x)
    assert capsys.readouterr().out.startswith("[TODO]")
