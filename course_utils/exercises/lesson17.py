"""Checkers for notebook 17 (generative adversarial networks): the minimax value function
on given discriminator outputs, the non-saturating generator loss computed stably from
logits, spherical interpolation of latent vectors, and the saturating-loss experiment
(re-measured by the checker on the student's trained GAN)."""

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
# Exercise 1: the value function V(D, G) of the minimax game (the deck's equation 3)


def minimax_value_reference(d_real: Any, d_fake: Any) -> float:
    """Monte Carlo estimate of V(D, G) = E[log D(x)] + E[log(1 - D(G(z)))]."""
    d_real, d_fake = np.asarray(d_real, dtype=float), np.asarray(d_fake, dtype=float)
    return float(np.mean(np.log(d_real)) + np.mean(np.log(1.0 - d_fake)))


def _minimax_cases() -> list[tuple[tuple[Any, ...], Any]]:
    rng = np.random.default_rng(17)
    cases = []
    for n_real, n_fake in ((5, 3), (8, 12)):  # unequal lengths tell a pooled mean apart
        args = (rng.uniform(0.05, 0.95, n_real), rng.uniform(0.05, 0.95, n_fake))
        cases.append((args, minimax_value_reference(*args)))
    confident = (np.array([0.99, 0.9, 0.95]), np.array([0.02, 0.1]))
    cases.append((confident, minimax_value_reference(*confident)))
    half = (np.full(4, 0.5), np.full(6, 0.5))  # the optimum: V = -log 4
    cases.append((half, -np.log(4.0)))
    return cases


def _v_log_fake(d_real: Any, d_fake: Any) -> float:
    return float(np.mean(np.log(d_real)) + np.mean(np.log(d_fake)))


def _v_negated(d_real: Any, d_fake: Any) -> float:
    return -minimax_value_reference(d_real, d_fake)


def _v_summed(d_real: Any, d_fake: Any) -> float:
    return float(np.sum(np.log(d_real)) + np.sum(np.log(1.0 - d_fake)))


def _v_pooled(d_real: Any, d_fake: Any) -> float:
    return float(np.mean(np.log(np.concatenate([d_real, 1.0 - np.asarray(d_fake)]))))


def _v_first_term(d_real: Any, d_fake: Any) -> float:
    return float(np.mean(np.log(d_real)))


def _v_log2(d_real: Any, d_fake: Any) -> float:
    return float(np.mean(np.log2(d_real)) + np.mean(np.log2(1.0 - np.asarray(d_fake))))


@checker
def check_minimax_value(minimax_value: Callable[..., Any]) -> CheckResult:
    """`minimax_value(d_real, d_fake)`: the estimate of V(D, G) from the discriminator's
    outputs on real images and on generated ones."""
    return check_cases(
        "minimax_value(d_real, d_fake) = mean(log d_real) + mean(log(1 - d_fake))",
        minimax_value,
        _minimax_cases(),
        hint="Each expectation of equation (3) becomes an average over its own batch: "
             "np.mean(np.log(d_real)) + np.mean(np.log(1 - d_fake)).",
        more="With D = 1/2 everywhere the value must be -log 4, about -1.386.",
        mistakes=[
            (_v_log_fake, "The second term is log(1 - D(G(z))): D wants D(G(z)) near 0, so "
                          "it rewards 1 - d_fake."),
            (_v_negated, "This is the discriminator's loss (binary cross-entropy), the "
                         "negative of V: return V itself, which D maximises."),
            (_v_summed, "The expectations are averages: use np.mean, not np.sum."),
            (_v_pooled, "Average each term over its own batch: d_real and d_fake may hold "
                        "different numbers of values, so do not pool them into one mean."),
            (_v_first_term, "The second term is missing: add the average of "
                            "log(1 - d_fake) over the generated images."),
            (_v_log2, "Use the natural logarithm (np.log), as the optimum value -log 4 does."),
        ],
    )


# ---------------------------------------------------------------------------
# Exercise 2: the non-saturating generator loss, from logits, stably


def non_saturating_loss_reference(fake_logits: Any) -> float:
    """mean(-log sigmoid(l)) = mean(softplus(-l)), computed without overflow."""
    logits = np.asarray(fake_logits, dtype=float)
    return float(np.mean(np.logaddexp(0.0, -logits)))


def _ns_cases() -> list[tuple[tuple[Any, ...], Any]]:
    rng = np.random.default_rng(170)
    moderate = rng.normal(scale=2.0, size=7)
    cases = [((moderate,), non_saturating_loss_reference(moderate)),
             ((np.array([-3.0, 4.0]).reshape(2, 1),), non_saturating_loss_reference([-3.0, 4.0])),
             ((np.zeros(4),), np.log(2.0))]
    extreme = np.array([-800.0, -40.0, 0.5, 40.0, 800.0])
    cases.append(((extreme,), non_saturating_loss_reference(extreme)))
    return cases


def _ns_saturating(fake_logits: Any) -> float:  # mean log(1 - sigmoid(l)), minimised
    return float(-np.mean(np.logaddexp(0.0, np.asarray(fake_logits, dtype=float))))


def _ns_discriminator_fake_term(fake_logits: Any) -> float:  # -log(1 - D(G(z)))
    return float(np.mean(np.logaddexp(0.0, np.asarray(fake_logits, dtype=float))))


def _ns_no_minus(fake_logits: Any) -> float:  # mean log sigmoid(l)
    return -non_saturating_loss_reference(fake_logits)


def _ns_summed(fake_logits: Any) -> float:
    logits = np.asarray(fake_logits, dtype=float)
    return float(np.sum(np.logaddexp(0.0, -logits)))


def _ns_naive(fake_logits: Any) -> float:  # -log(1 / (1 + exp(-l))) overflows
    logits = np.asarray(fake_logits, dtype=float)
    with np.errstate(all="ignore"):
        return float(-np.mean(np.log(1.0 / (1.0 + np.exp(-logits)))))


_STABLE_HINT = ("For large |logits| compute -log(sigmoid(l)) as softplus(-l) = "
                "np.logaddexp(0, -l) (or keras.ops.softplus(-l)), never through "
                "1 / (1 + exp(-l)), which overflows or rounds to log(0).")


@checker
def check_non_saturating_loss(non_saturating_loss: Callable[[np.ndarray], Any]) -> CheckResult:
    """`non_saturating_loss(fake_logits)`: the generator's loss -mean(log D(G(z))) from the
    discriminator's logits on generated images."""
    return check_cases(
        "non_saturating_loss(fake_logits) = mean(-log sigmoid(fake_logits))",
        non_saturating_loss,
        _ns_cases(),
        hint="The arguments are logits (any real numbers), not probabilities: "
             "D(G(z)) = sigmoid(l), and -log sigmoid(l) = softplus(-l) = np.logaddexp(0, -l); "
             "average it over the batch. " + _STABLE_HINT,
        more="At logits 0 (D undecided, D(G(z)) = 1/2) the loss is log 2, about 0.693.",
        mistakes=[
            (_ns_naive, _STABLE_HINT),
            (_ns_saturating, "That is the saturating loss of equation (2), log(1 - D(G(z))): "
                             "the non-saturating loss is -log D(G(z)) instead."),
            (_ns_discriminator_fake_term, "That is the discriminator's loss on the fakes "
                                          "(target 0). The generator wants D to say 'real': "
                                          "-log sigmoid(l) = softplus(-l)."),
            (_ns_no_minus, "The sign is flipped: the loss is MINUS the log of D(G(z))."),
            (_ns_summed, "Average over the batch (np.mean) instead of summing."),
        ],
        atol=1e-6,
    )


# ---------------------------------------------------------------------------
# Exercise 3: spherical interpolation between latent vectors


def slerp_reference(z_a: Any, z_b: Any, num_steps: int) -> np.ndarray:
    """`num_steps` points from z_a to z_b (both included) on the great-circle arc,
    magnitudes interpolated with the same weights."""
    a, b = np.asarray(z_a, dtype=float), np.asarray(z_b, dtype=float)
    t = np.linspace(0.0, 1.0, int(num_steps))[:, None]
    cos = np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    return (np.sin((1.0 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)


def _slerp_cases() -> list[tuple[tuple[Any, ...], Any]]:
    rng = np.random.default_rng(1700)
    e1, e2 = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    r = np.sqrt(0.5)
    cases = [((e1, e2, 3), np.array([[1.0, 0.0], [r, r], [0.0, 1.0]]))]
    a, b = np.array([3.0, 0.0, 0.0]), np.array([0.0, 0.0, -3.0])
    cases.append(((a, b, 5), slerp_reference(a, b, 5)))
    za, zb = rng.normal(size=64), rng.normal(size=64)
    cases.append(((za, zb, 8), slerp_reference(za, zb, 8)))
    return cases


def _lerp(z_a: Any, z_b: Any, num_steps: int) -> np.ndarray:
    t = np.linspace(0.0, 1.0, int(num_steps))[:, None]
    return (1.0 - t) * np.asarray(z_a, dtype=float) + t * np.asarray(z_b, dtype=float)


def _slerp_reversed(z_a: Any, z_b: Any, num_steps: int) -> np.ndarray:
    return slerp_reference(z_a, z_b, num_steps)[::-1]


def _slerp_no_endpoint(z_a: Any, z_b: Any, num_steps: int) -> np.ndarray:
    a, b = np.asarray(z_a, dtype=float), np.asarray(z_b, dtype=float)
    t = np.linspace(0.0, 1.0, int(num_steps), endpoint=False)[:, None]
    omega = np.arccos(np.clip(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)), -1, 1))
    return (np.sin((1.0 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)


def _slerp_unit(z_a: Any, z_b: Any, num_steps: int) -> np.ndarray:
    a, b = np.asarray(z_a, dtype=float), np.asarray(z_b, dtype=float)
    return slerp_reference(a / np.linalg.norm(a), b / np.linalg.norm(b), num_steps)


def _slerp_transposed(z_a: Any, z_b: Any, num_steps: int) -> np.ndarray:
    return slerp_reference(z_a, z_b, num_steps).T


def _slerp_degrees(z_a: Any, z_b: Any, num_steps: int) -> np.ndarray:
    a, b = np.asarray(z_a, dtype=float), np.asarray(z_b, dtype=float)
    t = np.linspace(0.0, 1.0, int(num_steps))[:, None]
    cos = np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))
    omega = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
    with np.errstate(all="ignore"):
        return (np.sin((1.0 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)


@checker
def check_slerp(slerp: Callable[..., Any]) -> CheckResult:
    """`slerp(z_a, z_b, num_steps)`: spherical interpolation, an array of shape
    (num_steps, latent_dim) from z_a to z_b, both ends included."""
    return check_cases(
        "slerp(z_a, z_b, num_steps): spherical interpolation from z_a to z_b",
        slerp,
        _slerp_cases(),
        hint="omega = np.arccos(z_a @ z_b / (norm(z_a) * norm(z_b))); for t in "
             "np.linspace(0, 1, num_steps): (sin((1 - t) omega) z_a + sin(t omega) z_b) / "
             "sin(omega), one row per t.",
        more="Between the unit vectors [1, 0] and [0, 1] with 3 steps the middle row must be "
             "[0.7071, 0.7071], on the unit circle (a straight line gives [0.5, 0.5]).",
        mistakes=[
            (_lerp, "This is the straight line (1 - t) z_a + t z_b of section 8: follow the "
                    "arc instead, with the sin((1 - t) omega) / sin(omega) weights."),
            (_slerp_reversed, "The path runs from z_b to z_a: the first row must be z_a."),
            (_slerp_no_endpoint, "Include both ends: np.linspace(0, 1, num_steps) has t = 1 "
                                 "as its last value (do not pass endpoint=False)."),
            (_slerp_unit, "Keep the magnitudes: compute the angle from the normalised vectors, "
                          "but combine z_a and z_b themselves."),
            (_slerp_transposed, "Return one row per step: shape (num_steps, latent_dim)."),
            (_slerp_degrees, "np.sin takes radians, as np.arccos returns them: do not "
                             "convert to degrees."),
        ],
        atol=1e-6,
    )


# ---------------------------------------------------------------------------
# Exercise 4 (experiment): the saturating generator loss, re-measured here

#: Noise vectors the checker draws to measure D(G(z)).
MEASURE_SAMPLES = 1000
UNTRAINED_DARK_SHARE = 0.3  # trained generators: most pixels dark; untrained: about none


class _Wrong(Exception):
    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def mean_d_of_g(gan: Any, num_samples: int = MEASURE_SAMPLES, seed: int = 17) -> float:
    """Mean D(G(z)) (sigmoid of the discriminator's logits, inference mode) over
    `num_samples` standard-normal noise vectors. Raises `_Wrong` or `Failure`."""
    import course_utils

    generator, discriminator = gan.generator, gan.discriminator
    latent_dim = getattr(gan, "latent_dim", None)
    if isinstance(latent_dim, bool) or not isinstance(latent_dim, (int, np.integer)) \
            or not 0 < latent_dim <= 4096:
        raise _Wrong(f"its latent_dim is {short(latent_dim)}, not a whole number of latent "
                     "dimensions.", "Build it as GAN(...) is built in section 4, with "
                                    "latent_dim.")
    z = np.random.default_rng(seed).normal(size=(num_samples, int(latent_dim))).astype("float32")
    images = run_limited(lambda: generator.predict(
        course_utils.to_dataset(z, batch_size=500), verbose=0))
    x = as_floats(images)
    if x is None or x.shape[0] != num_samples or x.size != num_samples * 28 * 28:
        raise _Wrong(f"its generator returned {short(images)} for {num_samples} noise vectors.",
                     "Use build_generator(latent_dim): it outputs (n, 28, 28, 1) images.")
    x = x.reshape(num_samples, 28, 28, 1).astype("float32")
    logits = run_limited(lambda: discriminator.predict(
        course_utils.to_dataset(x, batch_size=500), verbose=0))
    values = as_floats(logits)
    if values is None or values.size != num_samples:
        raise _Wrong(f"its discriminator returned {short(logits)} for {num_samples} images.",
                     "Use build_discriminator(): it outputs one logit per image.")
    if not np.all(np.isfinite(values)):
        raise _Wrong("its discriminator's outputs are not finite (NaN or infinity).",
                     "Training diverged: rebuild the models and train again as instructed.")
    dark = float(np.mean(x < 0.1))
    if dark < UNTRAINED_DARK_SHARE:
        raise _Wrong(f"only {dark:.0%} of its generated pixels are dark (< 0.1), as from an "
                     "untrained generator (about 0%; digits have most of their pixels dark).",
                     "Train the model (fit on train_ds for num_epochs_experiment epochs) "
                     "before checking it.")
    return float(np.mean(1.0 / (1.0 + np.exp(-np.clip(values, -60.0, 60.0)))))


# Saturating loss, non-saturating loss and the saturating loss with the wrong sign on these
# logits: -0.445, +1.612, +0.445 (asymmetric, so that all three differ).
_LOSS_PROBE = np.array([[-3.0], [-1.0], [0.5]], dtype="float32")


def _generator_loss_error(gan: Any) -> tuple[str, str] | None:
    """(message, hint) if the model's generator_loss is not mean(log(1 - D(G(z))))."""
    loss_fn = getattr(gan, "generator_loss", None)
    if not callable(loss_fn):
        return None  # a stand-in without the method: judged by its measurement alone
    try:
        got = as_floats(run_limited(lambda: np.asarray(loss_fn(_LOSS_PROBE))))
    except Failure as exc:
        return (f"its generator_loss failed on logits {_LOSS_PROBE.ravel().tolist()}: {exc}.",
                "generator_loss(fake_logits) receives a tensor of logits; use ops.softplus.")
    expected = _ns_saturating(_LOSS_PROBE)
    non_saturating = non_saturating_loss_reference(_LOSS_PROBE)
    value = float(got.ravel()[0]) if got is not None and got.size == 1 else None
    if value is not None and abs(value - expected) < 1e-4:
        return None
    hint = "Return -ops.mean(ops.softplus(fake_logits)): mean log(1 - D(G(z))), to be MINIMISED."
    if value is not None and abs(value + expected) < 1e-4:
        hint = "Mind the sign: log(1 - sigmoid(l)) = -softplus(l), and G minimises it."
    elif value is not None and abs(value - non_saturating) < 1e-4:
        hint = ("That is the non-saturating loss of section 4: override generator_loss in "
                "SaturatingGAN with the saturating one, log(1 - D(G(z))).")
    shown = short(got) if value is None else f"{value:.4f}"
    return (f"its generator_loss gives {shown} on logits {_LOSS_PROBE.ravel().tolist()}, "
            f"expected {expected:.4f} (the mean of log(1 - sigmoid(l))).", hint)


@checker
def check_saturating_gan(gan_saturating: Any) -> CheckResult:
    """Experiment: a GAN trained with the saturating generator loss; the checker measures
    the mean D(G(z)) of its models on fresh noise."""
    what = "mean D(G(z)) of the GAN trained with the saturating loss, on 1,000 fresh z"
    if is_stub(gan_saturating):
        raise NotDone(what)
    parts = [getattr(gan_saturating, name, None) for name in ("generator", "discriminator")]
    if not all(callable(getattr(part, "predict", None)) for part in parts):
        return report(False, f"{what}: expected the trained GAN (with .generator and "
                             f".discriminator), got {type(gan_saturating).__name__}.",
                      "Pass gan_saturating, the SaturatingGAN model after fit.")
    wrong_loss = _generator_loss_error(gan_saturating)
    if wrong_loss is not None:
        return report(False, f"{what}: {wrong_loss[0]}", wrong_loss[1])
    try:
        value = mean_d_of_g(gan_saturating)
    except _Wrong as wrong:
        return report(False, f"{what}: {wrong.message}", wrong.hint)
    except Failure as exc:
        return report(False, f"{what}: running its generator and discriminator failed: {exc}.",
                      "Pass the trained SaturatingGAN itself.")
    hint = ("Did generator_loss return mean(log(1 - D(G(z)))) = -mean(softplus(fake_logits)), "
            "to be MINIMISED, and did fit run on train_ds for num_epochs_experiment epochs?")
    return check_band(
        # Bands: 4 smoke seeds (157 steps of batch 32) gave 0.497-0.517 (0.504-0.548 with the
        # generator of half the channels; with Adam the saturating loss did not stall in these
        # short runs); full, about 600 steps: 0.483, 0.486, 0.484 (seeds 42-44), earlier models
        # 0.523 and 0.423. An untrained generator is caught above (its pixels are grey).
        what, value, smoke=(0.1, 0.7), full=(0.05, 0.75), hint=hint,
        more="The non-saturating GAN of section 5 keeps D(G(z)) far from 0: compare "
             "history_saturating.history['d_fake'] with history.history['d_fake'].")
