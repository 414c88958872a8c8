"""Checkers for notebook 16 (variational autoencoders): the KL divergence between two
diagonal Gaussians, a gradient-energy blur measure, and the 8-D latent experiment
(re-measured by the checker)."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..checks import (
    CheckResult,
    Failure,
    NotDone,
    as_floats,
    check_band,
    check_cases,
    checker,
    is_stub,
    report,
    run_limited,
    short,
)

# ---------------------------------------------------------------------------
# Exercise 1: KL(N(mu_q, var_q) || N(mu_p, var_p)) for diagonal Gaussians


def kl_gaussians_reference(mu_q: Any, log_var_q: Any, mu_p: Any, log_var_p: Any) -> np.ndarray:
    """KL divergence between diagonal Gaussians, summed over the last axis."""
    mu_q, log_var_q, mu_p, log_var_p = (np.asarray(a, dtype=float)
                                        for a in (mu_q, log_var_q, mu_p, log_var_p))
    return np.sum(0.5 * (log_var_p - log_var_q)
                  + (np.exp(log_var_q) + (mu_q - mu_p) ** 2) / (2.0 * np.exp(log_var_p))
                  - 0.5, axis=-1)


def _kl_cases() -> list[tuple[tuple[Any, ...], Any]]:
    rng = np.random.default_rng(16)
    cases = []
    for n, d in ((3, 2), (5, 4)):
        args = (rng.normal(size=(n, d)), rng.normal(scale=0.7, size=(n, d)),
                rng.normal(size=(n, d)), rng.normal(scale=0.7, size=(n, d)))
        cases.append((args, kl_gaussians_reference(*args)))
    same = (rng.normal(size=(2, 3)), rng.normal(size=(2, 3)))
    cases.append(((same[0], same[1], same[0].copy(), same[1].copy()), np.zeros(2)))
    standard = (np.array([[1.0, -2.0]]), np.log(np.array([[1.0, 0.25]])),
                np.zeros((1, 2)), np.zeros((1, 2)))
    cases.append((standard, kl_gaussians_reference(*standard)))
    return cases


def _kl_reversed(mu_q: Any, lv_q: Any, mu_p: Any, lv_p: Any) -> np.ndarray:
    return kl_gaussians_reference(mu_p, lv_p, mu_q, lv_q)


def _kl_per_dimension(mu_q: Any, lv_q: Any, mu_p: Any, lv_p: Any) -> np.ndarray:
    return (0.5 * (lv_p - lv_q) + (np.exp(lv_q) + (mu_q - mu_p) ** 2) / (2 * np.exp(lv_p)) - 0.5)


def _kl_log_variance_not_std(mu_q: Any, lv_q: Any, mu_p: Any, lv_p: Any) -> np.ndarray:
    return np.sum((lv_p - lv_q) + (np.exp(lv_q) + (mu_q - mu_p) ** 2) / (2 * np.exp(lv_p)) - 0.5,
                  axis=-1)


def _kl_log_var_as_var(mu_q: Any, lv_q: Any, mu_p: Any, lv_p: Any) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.sum(0.5 * np.log(lv_p / lv_q) + (lv_q + (mu_q - mu_p) ** 2) / (2 * lv_p) - 0.5,
                      axis=-1)


def _kl_to_standard(mu_q: Any, lv_q: Any, mu_p: Any, lv_p: Any) -> np.ndarray:
    return kl_gaussians_reference(mu_q, lv_q, np.zeros_like(mu_q), np.zeros_like(lv_q))


@checker
def check_kl_gaussians(kl_gaussians: Callable[..., Any]) -> CheckResult:
    """`kl_gaussians(mu_q, log_var_q, mu_p, log_var_p)`: KL(q || p) between diagonal
    Gaussians, summed over the last axis (one number per row)."""
    return check_cases(
        "kl_gaussians(mu_q, log_var_q, mu_p, log_var_p) = KL(q || p), one number per row",
        kl_gaussians,
        _kl_cases(),
        hint="Per dimension: 0.5 * (log_var_p - log_var_q) + (var_q + (mu_q - mu_p)**2) / "
             "(2 * var_p) - 0.5, with var = np.exp(log_var); then sum over axis=-1.",
        more="Check it on two equal Gaussians (the KL must be 0) and on p = N(0, 1), where it "
             "must equal section 4's kl_to_standard_normal.",
        mistakes=[
            (_kl_reversed, "This is KL(p || q): the KL divergence is not symmetric. The "
                           "variance and mean of q go in the numerator of the fraction."),
            (_kl_per_dimension, "Return one number per row: sum over the last axis."),
            (_kl_log_variance_not_std, "log(sigma_p / sigma_q) is HALF the difference of the "
                                       "log-variances: 0.5 * (log_var_p - log_var_q)."),
            (_kl_log_var_as_var, "The arguments are log-variances: the variances are "
                                 "np.exp(log_var)."),
            (_kl_to_standard, "It ignores mu_p and log_var_p (that is the KL to N(0, 1)): use "
                              "the p given as arguments."),
        ],
        atol=1e-6,
    )


# ---------------------------------------------------------------------------
# Exercise 2: gradient energy, a second blur measure


def gradient_energy_reference(images: Any) -> np.ndarray:
    """Mean squared horizontal difference + mean squared vertical difference, per image."""
    x = np.asarray(images, dtype=float)
    x = x[..., 0] if x.ndim == 4 else x
    return (np.mean(np.diff(x, axis=2) ** 2, axis=(1, 2))
            + np.mean(np.diff(x, axis=1) ** 2, axis=(1, 2)))


def _energy_one_direction(images: Any) -> np.ndarray:
    x = np.asarray(images, dtype=float)
    x = x[..., 0] if x.ndim == 4 else x
    return np.mean(np.diff(x, axis=2) ** 2, axis=(1, 2))


def _energy_abs(images: Any) -> np.ndarray:
    x = np.asarray(images, dtype=float)
    x = x[..., 0] if x.ndim == 4 else x
    return (np.mean(np.abs(np.diff(x, axis=2)), axis=(1, 2))
            + np.mean(np.abs(np.diff(x, axis=1)), axis=(1, 2)))


def _energy_whole_batch(images: Any) -> float:
    return float(gradient_energy_reference(images).mean())


def _energy_sum(images: Any) -> np.ndarray:
    x = np.asarray(images, dtype=float)
    x = x[..., 0] if x.ndim == 4 else x
    return np.sum(np.diff(x, axis=2) ** 2, axis=(1, 2)) + np.sum(np.diff(x, axis=1) ** 2, axis=(1, 2))


def _energy_cases() -> list[tuple[tuple[Any, ...], Any]]:
    checkerboard = (np.indices((28, 28)).sum(axis=0) % 2).astype("float32")
    stripes = np.tile((np.arange(28) % 2).astype("float32"), (28, 1))  # columns alternate
    rng = np.random.default_rng(16)
    batch = rng.random((5, 28, 28)).astype("float32")
    return [
        ((np.stack([np.full((28, 28), 0.3, "float32"), checkerboard, stripes, stripes.T]),),
         np.array([0.0, 2.0, 1.0, 1.0])),
        ((batch,), gradient_energy_reference(batch)),
        ((batch[..., None],), gradient_energy_reference(batch)),
    ]


@checker
def check_gradient_energy(gradient_energy: Callable[[np.ndarray], Any]) -> CheckResult:
    """`gradient_energy(images)`: per image, the mean squared difference of horizontal
    neighbours plus that of vertical neighbours."""
    return check_cases(
        "gradient_energy(images): mean squared horizontal + vertical differences, per image",
        gradient_energy,
        _energy_cases(),
        hint="np.diff(x, axis=2) gives the horizontal differences of a batch (n, 28, 28), "
             "np.diff(x, axis=1) the vertical ones; square them and average each over "
             "axis=(1, 2), then add the two. Drop a trailing channel axis first.",
        more="A checkerboard of 0s and 1s must give 2.0, vertical stripes 1.0, a constant 0.",
        mistakes=[
            (_energy_one_direction, "Only the horizontal differences are there: add the mean "
                                    "squared vertical differences too (axis=1)."),
            (_energy_abs, "Square the differences instead of taking their absolute value."),
            (_energy_whole_batch, "Return one number per image (average over axis=(1, 2)), "
                                  "not one for the whole batch."),
            (_energy_sum, "Average the squared differences over the pixels (np.mean) instead "
                          "of summing them."),
        ],
    )


# ---------------------------------------------------------------------------
# Exercise 3 (experiment): a VAE with an 8-D latent space, re-measured here

#: Test digits the checker encodes and decodes.
VAE_TEST_IMAGES = 1000


class _Wrong(Exception):
    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def vae_reconstruction_nll(model: Any, x_test: Any, latent_dim: int) -> float:
    """Mean Bernoulli negative log-likelihood (nats per image) of the first test digits,
    decoded from their mean codes by `model.decoder`. Raises `_Wrong` or `Failure`."""
    import course_utils

    x = as_floats(x_test)
    if x is None or x.ndim != 3 or x.shape[1:] != (28, 28) or len(x) < 100:
        raise _Wrong(f"the second argument must be x_test, the test digits (n, 28, 28); got "
                     f"{short(x_test)}.", "Pass x_test as loaded and scaled in section 1.")
    x = x[:VAE_TEST_IMAGES].astype("float32")
    if not np.all(np.isfinite(x)) or x.min() < 0 or x.max() > 1.0 + 1e-6:
        raise _Wrong("x_test must hold pixels scaled to [0, 1].",
                     "Pass x_test as scaled in section 1 (divided by 255).")
    encoded = run_limited(lambda: model.encoder.predict(
        course_utils.to_dataset(x, batch_size=500), verbose=0))
    if not isinstance(encoded, (list, tuple)) or len(encoded) < 2:
        raise _Wrong(f"the encoder returned {short(encoded)}, not (z_mean, z_log_var, z).",
                     "Build the encoder with build_encoder(8): it outputs z_mean, z_log_var, z.")
    z_mean = as_floats(encoded[0])
    if z_mean is None or z_mean.shape != (len(x), latent_dim):
        got = short(encoded[0]) if z_mean is None else f"codes of shape {z_mean.shape}"
        raise _Wrong(f"the encoder gave {got} for {len(x)} digits, expected ({len(x)}, "
                     f"{latent_dim}).", f"Use build_encoder({latent_dim}) and "
                     f"build_decoder({latent_dim}).")
    decoded = run_limited(lambda: model.decoder.predict(
        course_utils.to_dataset(z_mean.astype("float32"), batch_size=500), verbose=0))
    x_hat = as_floats(decoded)
    if x_hat is None or x_hat.size != x.size:
        raise _Wrong(f"the decoder returned {short(decoded)} for {len(x)} codes.",
                     f"Use build_decoder({latent_dim}): it outputs (n, 28, 28) probabilities.")
    x_hat = np.clip(x_hat.reshape(x.shape), 1e-7, 1.0 - 1e-7)
    nll = -np.sum(x * np.log(x_hat) + (1.0 - x) * np.log(1.0 - x_hat), axis=(1, 2))
    return float(np.mean(nll))


@checker
def check_vae_reconstruction(vae_8: Any, x_test: Any, latent_dim: int = 8) -> CheckResult:
    """Experiment: a VAE with an 8-D latent space; the checker measures the reconstruction
    term of its mean codes on test digits."""
    what = f"reconstruction term of the {latent_dim}-D VAE on test digits (nats per image)"
    if is_stub(vae_8) or is_stub(x_test):
        raise NotDone(what)
    parts = [getattr(vae_8, name, None) for name in ("encoder", "decoder")]
    if not all(callable(getattr(part, "predict", None)) for part in parts):
        return report(False, f"{what}: expected the trained VAE (with .encoder and .decoder), "
                             f"got {type(vae_8).__name__}.",
                      "Pass vae_8 = VAE(build_encoder(8), build_decoder(8)) after fit, "
                      "then x_test.")
    try:
        nll = vae_reconstruction_nll(vae_8, x_test, int(latent_dim))
    except _Wrong as wrong:
        return report(False, f"{what}: {wrong.message}", wrong.hint)
    except Failure as exc:
        return report(False, f"{what}: encoding or decoding the test digits failed: {exc}.",
                      "Pass the trained VAE itself and x_test as scaled in section 1.")
    return check_band(
        # Bands: 5 smoke seeds 113.7-117.3, 3 full seeds (offline copy, 9,000 training digits)
        # 95.3-96.4 nats per image; the 2-D model of the notebook is near 150-160.
        what, nll, smoke=(90.0, 130.0), full=(70.0, 108.0),
        hint="Train vae_8 like vae: same optimiser (Adam, learning rate 1e-3), train_ds, "
             "val_ds and num_epochs. Did fit run to the end?",
        more="An untrained or 2-D model reconstructs far worse: check that vae_8 was built "
             "from build_encoder(8) and build_decoder(8) and trained.")
