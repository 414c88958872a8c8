"""Checkers for notebook 16 (variational autoencoders): the KL divergence between two
diagonal Gaussians, the 8-D latent experiment (both loss terms re-measured here against the
2-D model's), and the blur of the 8-D model's samples (measured again here)."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..checks import (
    CheckResult,
    Failure,
    NotDone,
    as_floats,
    as_number,
    call_in_batches,
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
    """`kl_gaussians(mu_q, log_var_q, mu_p, log_var_p)`: KL(q || p), one number per row."""
    return check_cases(
        "kl_gaussians(mu_q, log_var_q, mu_p, log_var_p) = KL(q || p), one number per row",
        kl_gaussians,
        _kl_cases(),
        hint="Apply the one-dimensional formula to every dimension at once (the variances are "
             "the exponentials of the log-variances), then add up the dimensions of each row.",
        more="Check it on two equal Gaussians (the KL must be 0) and on p = N(0, 1), where it "
             "must equal section 4's kl_to_standard_normal.",
        mistakes=[
            (_kl_reversed, "This is KL(p || q): the KL divergence is not symmetric. The "
                           "variance and mean of q go in the numerator of the fraction."),
            (_kl_per_dimension, "Return one number per row: sum over the last axis."),
            (_kl_log_variance_not_std, "log(sigma_p / sigma_q) is HALF the difference of the "
                                       "log-variances, since sigma is the square root of the "
                                       "variance."),
            (_kl_log_var_as_var, "The arguments are log-variances: take their exponentials "
                                 "to get the variances."),
            (_kl_to_standard, "It ignores mu_p and log_var_p (that is the KL to N(0, 1)): use "
                              "the p given as arguments."),
        ],
        atol=1e-6,
    )


# ---------------------------------------------------------------------------
# Measuring a VAE on test digits (exercises 2 and 3)

#: Test digits the checkers encode and decode, and prior samples they draw.
VAE_TEST_IMAGES = 1000
PRIOR_SAMPLES = 1000
PRIOR_SEED = 1616


class _Wrong(Exception):
    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def test_digits(x_test: Any) -> np.ndarray:
    """The first VAE_TEST_IMAGES test digits as float32, checked. Raises `_Wrong`."""
    x = as_floats(x_test)
    if x is None or x.ndim != 3 or x.shape[1:] != (28, 28) or len(x) < 100:
        raise _Wrong(f"the test digits must be x_test, of shape (n, 28, 28); got "
                     f"{short(x_test)}.", "Pass x_test as loaded and scaled in section 1.")
    x = x[:VAE_TEST_IMAGES].astype("float32")
    if not np.all(np.isfinite(x)) or x.min() < 0 or x.max() > 1.0 + 1e-6:
        raise _Wrong("x_test must hold pixels scaled to [0, 1].",
                     "Pass x_test as scaled in section 1 (divided by 255).")
    return x


def _is_vae(model: Any) -> bool:
    return all(callable(getattr(model, part, None)) for part in ("encoder", "decoder"))


def _eager(fn: Any, x: np.ndarray) -> list[np.ndarray]:
    """`fn` (an encoder or a decoder) applied to `x`, one float array per output (see
    `checks.call_in_batches`). Raises `Failure`."""
    return run_limited(lambda: call_in_batches(fn, x))


def encode(model: Any, x: np.ndarray, latent_dim: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(z_mean, z_log_var) of the digits `x` from `model.encoder`, checked. Raises `_Wrong`."""
    outs = _eager(model.encoder, x)
    if len(outs) < 2:
        raise _Wrong("the encoder returned one output, not (z_mean, z_log_var, z).",
                     "Build the encoder with build_encoder: it outputs z_mean, z_log_var, z.")
    z_mean, z_log_var = outs[0], outs[1]
    if z_mean.ndim != 2 or z_mean.shape != z_log_var.shape or len(z_mean) != len(x):
        raise _Wrong(f"the encoder gave codes of shape {z_mean.shape} and log-variances of "
                     f"shape {z_log_var.shape} for {len(x)} digits.",
                     "Build the encoder with build_encoder(latent_dim).")
    if latent_dim is not None and z_mean.shape[1] != latent_dim:
        raise _Wrong(f"the encoder gave codes of shape {z_mean.shape}, expected "
                     f"({len(x)}, {latent_dim}).",
                     f"Use build_encoder({latent_dim}) and build_decoder({latent_dim}).")
    return z_mean, z_log_var


def decode(model: Any, z: np.ndarray) -> np.ndarray:
    """Pixel probabilities (n, 28, 28) decoded from the codes `z`. Raises `_Wrong`."""
    (x_hat, *_rest) = _eager(model.decoder, z.astype("float32"))
    if x_hat.size != len(z) * 28 * 28:
        raise _Wrong(f"the decoder returned an array of shape {x_hat.shape} for {len(z)} "
                     "codes.", "Use build_decoder: it outputs (n, 28, 28) probabilities.")
    return x_hat.reshape(len(z), 28, 28)


def vae_terms(model: Any, x: np.ndarray, latent_dim: int | None = None) -> tuple[float, float]:
    """(reconstruction term, KL term) in nats per digit: the Bernoulli negative
    log-likelihood of the digits decoded from their mean codes, and the closed-form KL
    divergence of q(z | x) from N(0, I). Raises `_Wrong` or `Failure`."""
    z_mean, z_log_var = encode(model, x, latent_dim)
    x_hat = np.clip(decode(model, z_mean), 1e-7, 1.0 - 1e-7)
    nll = -np.sum(x * np.log(x_hat) + (1.0 - x) * np.log(1.0 - x_hat), axis=(1, 2))
    with np.errstate(over="ignore"):
        kl = -0.5 * np.sum(1.0 + z_log_var - z_mean**2 - np.exp(z_log_var), axis=-1)
    return float(np.mean(nll)), float(np.mean(kl))


def _measure_both(what: str, measure: Callable[..., Any], vae_8: Any, vae: Any,
                  x_test: Any) -> Any:
    """(measure(vae_8, x, 8), measure(vae, x)) on the checked test digits x, or the failing
    verdict when the digits are wrong or a model cannot encode or decode them."""
    try:
        x = test_digits(x_test)
        return measure(vae_8, x, 8), measure(vae, x)
    except _Wrong as wrong:
        return report(False, f"{what}: {wrong.message}", wrong.hint)
    except Failure as exc:
        return report(False, f"{what}: encoding or decoding failed: {exc}.",
                      "Pass the trained VAEs themselves and x_test as scaled in section 1.")


# ---------------------------------------------------------------------------
# Exercise 2 (experiment): a VAE with an 8-D latent space, re-measured against the 2-D one

#: The 8-D model's reconstruction term must be at most this fraction of the 2-D model's,
#: and its KL term must lie in KL_BAND (nats per digit), in both profiles
#: (tests/benchmarks/bands/16_variational_autoencoders.md).
RECONSTRUCTION_RATIO_MAX = 0.85
KL_BAND = (6.0, 60.0)


@checker
def check_vae_8(vae_8: Any, vae: Any, x_test: Any) -> CheckResult:
    """Experiment: both loss terms of the 8-D VAE, against the 2-D model's."""
    what = "8-D VAE: reconstruction term / the 2-D model's"
    if is_stub(vae_8):
        raise NotDone(what)
    if not _is_vae(vae_8):
        return report(False, f"{what}: expected the trained VAE (with .encoder and .decoder), "
                             f"got {type(vae_8).__name__}.",
                      "Pass vae_8, the VAE you trained, then vae and x_test.")
    if not _is_vae(vae):
        return report(False, f"{what}: the second argument must be the 2-D model of section "
                             f"5, got {type(vae).__name__}.", "Call the checker as the cell does.")
    measured = _measure_both(what, vae_terms, vae_8, vae, x_test)
    if isinstance(measured, CheckResult):
        return measured
    (reconstruction, kl), (reconstruction_2d, kl_2d) = measured
    ratio = reconstruction / reconstruction_2d
    low, high = KL_BAND
    facts = (f"(reconstruction {reconstruction:.1f} nats per digit against the 2-D model's "
             f"{reconstruction_2d:.1f}; KL term {kl:.1f} nats against {kl_2d:.1f})")
    if not (np.isfinite(ratio) and ratio <= RECONSTRUCTION_RATIO_MAX):
        return report(False, f"{what}: measured {ratio:.4f}, expected at most "
                             f"{RECONSTRUCTION_RATIO_MAX:g} {facts}.",
                      "It reconstructs no better than the 2-D model: was it trained as long "
                      "as vae? (fit trains one epoch unless told otherwise.)",
                      more="Build it from build_encoder(8) and build_decoder(8), compile it "
                           "like vae and fit it with the same datasets and num_epochs.")
    if not (np.isfinite(kl) and low <= kl <= high):
        hint = ("Its codes sit far from the prior N(0, I): a model trained without the KL "
                "term reconstructs well, but it is not a VAE: samples from the prior fall "
                "where its decoder has learned nothing. Train with the VAE class of section 5."
                if not kl < low else
                "Its codes carry almost no information about the digits: train it like vae.")
        return report(False, f"{what}: {ratio:.4f} is fine, but the KL term measured "
                             f"{kl:.1f} nats, expected in [{low:g}, {high:g}] {facts}.", hint)
    return report(True, f"{what}: {ratio:.4f} in [0, {RECONSTRUCTION_RATIO_MAX:g}] {facts}")


# ---------------------------------------------------------------------------
# Exercise 3: how blurry are the 8-D model's samples?


def sample_blur(model: Any, x: np.ndarray, latent_dim: int | None = None) -> tuple[float, float]:
    """(variance of the Laplacian of samples decoded from the prior / that of the real
    digits `x`, the same ratio for the reconstructions of `x` from their mean codes)."""
    from ..image_stats import laplacian_variance

    z_mean, _ = encode(model, x[:10], latent_dim)
    rng = np.random.default_rng(PRIOR_SEED)
    samples = decode(model, rng.normal(size=(PRIOR_SAMPLES, z_mean.shape[1])))
    real = laplacian_variance(x).mean()
    reconstructions = decode(model, encode(model, x)[0])
    return (float(laplacian_variance(samples).mean() / real),
            float(laplacian_variance(reconstructions).mean() / real))


@checker
def check_sample_blur(blur_ratio_8: Any, vae_8: Any, vae: Any, x_test: Any) -> CheckResult:
    """The 8-D model's samples against real digits, measured again here."""
    what = "blur_ratio_8: variance of the Laplacian, 8-D samples / real digits"
    if is_stub(blur_ratio_8):
        raise NotDone(what)
    value = as_number(blur_ratio_8)
    if value is None or not np.isfinite(value):
        return report(False, f"{what}: expected one number, got {short(blur_ratio_8)}.",
                      "Average the variance of the Laplacian over the samples, and over the "
                      "real digits, and divide the two means.")
    if not (_is_vae(vae_8) and _is_vae(vae)):
        return report(False, f"{what}: pass vae_8 and vae after the ratio.",
                      "Call the checker as the cell does.")
    measured = _measure_both(what, sample_blur, vae_8, vae, x_test)
    if isinstance(measured, CheckResult):
        return measured
    (expected, of_reconstructions), (expected_2d, _) = measured

    def near(a: float, b: float) -> bool:
        return abs(a - b) <= 0.1 * abs(b)

    if near(value, expected):
        change = expected / expected_2d
        return report(True, f"{what}: {value:.3f}, measured here {expected:.3f}; the 2-D "
                            f"model's samples: {expected_2d:.3f}, so {change:.1f} times "
                            f"{'more' if change >= 1 else 'less'} edge energy with 8 latent "
                            "numbers instead of 2. Latent size alone changes how blurry a "
                            "generator's samples are: compare generators at equal latent size.")
    if near(value, 1.0 / expected):
        hint = "That is real / samples: divide the samples' mean by the real digits'."
    elif near(value, expected_2d):
        hint = ("That is the 2-D model's ratio: decode codes drawn in 8 dimensions with "
                "vae_8's decoder.")
    elif near(value, of_reconstructions) and not near(of_reconstructions, expected):
        hint = ("That is the ratio of the reconstructions of test digits: samples come from "
                "codes drawn from the prior N(0, I), not from the encoder.")
    else:
        hint = ("Samples are decoded from codes drawn from the prior, not from the encoder; "
                "the ratio divides their mean variance of the Laplacian by the real digits'.")
    return report(False, f"{what}: {value:.3f}, but measured here the ratio is "
                         f"{expected:.3f}.", hint,
                  more="Draw 1,000 codes from N(0, I) in 8 dimensions, decode them with "
                       "vae_8's decoder, and compare with the first 1,000 test digits.")
