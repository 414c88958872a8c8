"""Checkers of notebook 16: a right answer passes, each typical wrong answer fails with its
specific hint, an untouched stub hears "not done yet". (The full answers live in the solution
notebook; the compact ones here only prove that the checkers accept right answers.)"""

import numpy as np
import pytest

from course_utils.exercises import lesson16 as ex
from tests.checker_asserts import stub as _stub, passes as _passes, fails as _fails


@pytest.mark.parametrize("checker", [ex.check_kl_gaussians, ex.check_gradient_energy])
def test_function_stub_is_not_done(checker, capsys):
    assert not checker(_stub)
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
    (ex._kl_log_var_as_var, "np.exp(log_var)"),
    (ex._kl_to_standard, "ignores mu_p"),
    (lambda a, b, c, d: np.ones(len(a)), "Per dimension"),
])
def test_kl_gaussians_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_kl_gaussians, wrong, capsys=capsys, hint=hint)


# --------------------------------------------------------------------------- 2. gradient energy


def test_gradient_energy_accepts_right_answers(capsys):
    def by_slicing(images):
        x = np.squeeze(np.asarray(images, dtype=float), axis=-1) \
            if np.ndim(images) == 4 else np.asarray(images, dtype=float)
        dx, dy = x[:, :, 1:] - x[:, :, :-1], x[:, 1:, :] - x[:, :-1, :]
        return (dx**2).mean(axis=(1, 2)) + (dy**2).mean(axis=(1, 2))

    _passes(ex.check_gradient_energy, ex.gradient_energy_reference, capsys=capsys)
    _passes(ex.check_gradient_energy, by_slicing, capsys=capsys)


@pytest.mark.parametrize(("wrong", "hint"), [
    (ex._energy_one_direction, "vertical differences too"),
    (ex._energy_abs, "Square the differences"),
    (ex._energy_whole_batch, "one number per image"),
    (ex._energy_sum, "Average the squared differences"),
    (lambda images: np.var(np.asarray(images), axis=(1, 2)), "np.diff"),
])
def test_gradient_energy_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_gradient_energy, wrong, capsys=capsys, hint=hint)


# --------------------------------------------------------------------------- 3. experiment


def _batches(ds):
    return np.concatenate([np.asarray(batch) for batch in ds])


class _Part:
    def __init__(self, fn):
        self.fn = fn

    def predict(self, ds, verbose=0):
        return self.fn(_batches(ds))


class _FakeVAE:
    """Stands in for a trained VAE: code = the image's index, decoder = a soft copy of it."""

    def __init__(self, x, latent_dim=8, confidence=0.88):
        index = {x_i.tobytes(): i for i, x_i in enumerate(x)}

        def encode(images):
            ids = np.array([index[im.tobytes()] for im in images], dtype="float32")
            z = np.repeat(ids[:, None], latent_dim, axis=1)
            return [z, np.zeros_like(z), z]

        def decode(codes):
            x_hat = x[codes[:, 0].astype(int)]
            return np.where(x_hat > 0.5, confidence, 1 - confidence).astype("float32")

        self.encoder, self.decoder = _Part(encode), _Part(decode)


def _digits():
    return (np.random.default_rng(4).random((200, 28, 28)) > 0.8).astype("float32")


def test_vae_reconstruction_accepts_a_good_model(capsys):
    pytest.importorskip("tensorflow")
    x = _digits()
    out = _passes(ex.check_vae_reconstruction, _FakeVAE(x), x, capsys=capsys)
    assert "100.2" in out  # 784 * -log(0.88) nats per image, inside both bands


def test_vae_reconstruction_rejects_a_blurry_model_and_a_2d_one(capsys):
    pytest.importorskip("tensorflow")
    x = _digits()
    _fails(ex.check_vae_reconstruction, _FakeVAE(x, confidence=0.7), x, capsys=capsys,
           hint="Train vae_8 like vae")
    _fails(ex.check_vae_reconstruction, _FakeVAE(x, latent_dim=2), x, capsys=capsys,
           hint="build_encoder(8)")


def test_vae_reconstruction_rejects_a_real_untrained_model(capsys):
    pytest.importorskip("tensorflow")
    import keras

    inputs = keras.Input((28, 28))
    h = keras.layers.Flatten()(inputs)
    z_mean, z_log_var = keras.layers.Dense(8)(h), keras.layers.Dense(8)(h)
    encoder = keras.Model(inputs, [z_mean, z_log_var, z_mean])
    decoder = keras.Sequential([keras.Input((8,)), keras.layers.Dense(784, activation="sigmoid"),
                                keras.layers.Reshape((28, 28))])
    vae = type("VAE", (), {"encoder": encoder, "decoder": decoder})()
    _fails(ex.check_vae_reconstruction, vae, _digits(), capsys=capsys, hint="Train vae_8")


@pytest.mark.parametrize(("x_test", "hint"), [
    (_digits() * 255, "scaled to [0, 1]"),
    (np.zeros((300, 784)), "Pass x_test"),
])
def test_vae_reconstruction_rejects_wrong_test_images(x_test, hint, capsys):
    _fails(ex.check_vae_reconstruction, _FakeVAE(_digits()), x_test, capsys=capsys, hint=hint)


def test_vae_reconstruction_rejects_a_non_vae(capsys):
    _fails(ex.check_vae_reconstruction, object(), _digits(), capsys=capsys, hint="Pass vae_8")


def test_vae_reconstruction_stub_is_not_done(capsys):
    assert not ex.check_vae_reconstruction(None, _digits())
    assert capsys.readouterr().out.startswith("[TODO]")
