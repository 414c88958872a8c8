"""Checkers for notebook 17 (generative adversarial networks): the minimax value function
on given discriminator outputs, a latent path designed to keep the norm of its ends (judged
by its properties, so any construction that has them passes), and the saturating-loss
experiment from a discriminator's head start (re-measured by the checker on the student's
model and on the notebook's non-saturating run)."""

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
    """Exercise 1, the value function V(D, G) estimated from D's outputs."""
    return check_cases(
        "minimax_value(d_real, d_fake): the estimate of V(D, G)",
        minimax_value,
        _minimax_cases(),
        hint="Each expectation of equation (3) is estimated by an average over the batch "
             "it is taken on: one average for the real images, one for the generated ones.",
        more="With D = 1/2 everywhere the value must be -log 4, about -1.386.",
        mistakes=[
            (_v_log_fake, "The second term is log(1 - D(G(z))): D wants D(G(z)) near 0, so "
                          "it rewards 1 - d_fake."),
            (_v_negated, "This is the discriminator's loss (binary cross-entropy), the "
                         "negative of V: return V itself, which D maximises."),
            (_v_summed, "The expectations are averages: use np.mean, not np.sum."),
            (_v_pooled, "Average each term over its own batch: d_real and d_fake may hold "
                        "different numbers of values, so do not pool them into one mean."),
            (_v_first_term, "The second term of equation (3) is missing: the generated "
                            "images' part of the value."),
            (_v_log2, "Use the natural logarithm (np.log), as the optimum value -log 4 does."),
        ],
    )


# ---------------------------------------------------------------------------
# Exercise 2 (design): a latent path that keeps the norm of its ends


def slerp_reference(z_a: Any, z_b: Any, num_steps: int) -> np.ndarray:
    """Spherical interpolation (White, 2016): `num_steps` points from z_a to z_b, both
    included, on the great-circle arc."""
    a, b = np.asarray(z_a, dtype=float), np.asarray(z_b, dtype=float)
    t = np.linspace(0.0, 1.0, int(num_steps))[:, None]
    cos = np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    return (np.sin((1.0 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)


def _path_cases() -> list[tuple[np.ndarray, np.ndarray, int]]:
    rng = np.random.default_rng(1700)
    cases = [(np.array([1.0, 0.0]), np.array([0.0, 1.0]), 3),
             (np.array([3.0, 0.0, 0.0]), np.array([0.0, 1.0, -3.2]), 5)]
    for num_steps in (8, 10):
        cases.append((rng.normal(size=64), rng.normal(size=64), num_steps))
    return cases


def _angle(rows: np.ndarray, z: np.ndarray) -> np.ndarray:
    cos = rows @ z / (np.linalg.norm(rows, axis=1) * np.linalg.norm(z))
    return np.arccos(np.clip(cos, -1.0, 1.0))


def _path_problem(path: Any, z_a: np.ndarray, z_b: np.ndarray,
                  num_steps: int) -> tuple[str, str] | None:
    """(what is wrong, hint) for a path that lacks one of the asked properties, else None."""
    rows = as_floats(path)
    shape = (num_steps, z_a.size)
    if rows is None or rows.shape != shape:
        got = "None" if path is None else (f"shape {rows.shape}" if rows is not None
                                           else short(path))
        return (f"it returned {got}, expected shape {shape}",
                "Return one row per step: an array of shape (num_steps, latent_dim).")
    if not np.all(np.isfinite(rows)):
        return ("its path holds NaN or infinite values",
                "Look for a division by a quantity that can be 0, or an angle in degrees.")
    scale = max(np.linalg.norm(z_a), np.linalg.norm(z_b))
    if not np.allclose(rows[0], z_a, atol=1e-6 * scale, rtol=1e-5):
        reversed_ = np.allclose(rows[0], z_b, atol=1e-6 * scale, rtol=1e-5)
        norm_0 = np.linalg.norm(rows[0])
        rescaled = norm_0 > 0 and np.allclose(rows[0] / norm_0, z_a / np.linalg.norm(z_a),
                                              atol=1e-6)
        if reversed_:
            hint = "The path runs from z_b to z_a: it must start at z_a."
        elif rescaled:
            hint = ("Your first row points like z_a but has another length: unit vectors "
                    "forget the length of the ends, which the path must keep.")
        else:
            hint = "The first row must be z_a itself (the path's start, t = 0)."
        return "its first row is not z_a", hint
    if not np.allclose(rows[-1], z_b, atol=1e-6 * scale, rtol=1e-5):
        return ("its last row is not z_b",
                "The last row must be z_b itself: include both ends of the path.")
    basis, _ = np.linalg.qr(np.stack([z_a, z_b], axis=1))
    off_plane = np.linalg.norm(rows - (rows @ basis) @ basis.T, axis=1)
    if np.any(off_plane > 1e-6 * scale):
        return ("some rows leave the plane of z_a and z_b",
                "Build every row from z_a and z_b only (a combination of the two).")
    norms = np.linalg.norm(rows, axis=1)
    low, high = sorted((np.linalg.norm(z_a), np.linalg.norm(z_b)))
    if np.any(norms < 0.99 * low) or np.any(norms > 1.01 * high):
        worst = norms[np.argmax(np.abs(norms - (low + high) / 2))]
        return (f"a row has norm {worst:.3f}, outside the ends' norms [{low:.3f}, "
                f"{high:.3f}]",
                "Keep every point at the length of the ends: a straight line cuts through "
                "the inside of the sphere where the noise vectors lie, and unit vectors "
                "forget the length altogether.")
    from_a, to_b = _angle(rows, z_a), _angle(rows, z_b)
    if np.any(np.diff(from_a) <= 0) or np.any(np.diff(to_b) >= 0):
        return ("its angle to z_a does not grow at every step (or its angle to z_b does "
                "not shrink)",
                "Move from z_a towards z_b through the angle between them, a little more "
                "at every step, the shorter way round.")
    return None


@checker
def check_latent_path(latent_path: Callable[..., Any]) -> CheckResult:
    """Exercise 2, a latent path from z_a to z_b that keeps the norm of its ends."""
    what = "latent_path(z_a, z_b, num_steps): from z_a to z_b, in their plane, at their norm"
    more = ("Think of the points as directions plus lengths: move the direction from z_a's "
            "to z_b's step by step, and give each point the length of the ends.")
    for z_a, z_b, num_steps in _path_cases():
        def call() -> Any:
            with np.errstate(all="ignore"):  # a right answer may warn: judge its results
                return latent_path(z_a.copy(), z_b.copy(), num_steps)
        if is_stub(latent_path):
            raise NotDone(what)
        if not callable(latent_path):
            return report(False, f"{what}: expected a function, got "
                                 f"{type(latent_path).__name__}.",
                          "Define latent_path as a function of z_a, z_b and num_steps.")
        try:
            path = run_limited(call)
        except NotImplementedError:
            raise NotDone(what) from None
        except Failure as exc:
            return report(False, f"{what}: {exc}.", "Run your function on two random "
                                                    "vectors first and read the error.", more)
        problem = _path_problem(path, z_a, z_b, num_steps)
        if problem is not None:
            return report(False, f"{what}: for {z_a.size}-D vectors and {num_steps} steps "
                                 f"{problem[0]}.", problem[1], more)
    return report(True, what)


# ---------------------------------------------------------------------------
# Exercise 3 (experiment): the saturating loss from a discriminator's head start

#: Noise vectors the checker draws to measure D(G(z)).
MEASURE_SAMPLES = 500
#: The saturating run's mean D(G(z)) must stay below this, and the non-saturating run's
#: must exceed it by RECOVERY_GAP_MIN (both measured here; bands: the band file).
SATURATED_MAX = 0.001
RECOVERY_GAP_MIN = 0.1


class _Wrong(Exception):
    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def mean_d_of_g(gan: Any, num_samples: int = MEASURE_SAMPLES, seed: int = 17) -> float:
    """Mean D(G(z)) (sigmoid of the discriminator's logits, inference mode) over
    `num_samples` standard-normal noise vectors. Raises `_Wrong` or `Failure`."""
    from ..checks import call_in_batches

    generator, discriminator = gan.generator, gan.discriminator
    latent_dim = getattr(gan, "latent_dim", None)
    if isinstance(latent_dim, bool) or not isinstance(latent_dim, (int, np.integer)) \
            or not 0 < latent_dim <= 4096:
        raise _Wrong(f"its latent_dim is {short(latent_dim)}, not a whole number of latent "
                     "dimensions.", "Build it with head_start_gan, as gan_recovery was.")
    z = np.random.default_rng(seed).normal(size=(num_samples, int(latent_dim)))
    outputs = run_limited(lambda: call_in_batches(generator, z.astype("float32")))
    x = as_floats(outputs[0]) if outputs else None
    if x is None or x.shape[0] != num_samples or x.size != num_samples * 28 * 28:
        raise _Wrong(f"its generator returned {short(outputs)} for {num_samples} noise "
                     "vectors.", "Build it with head_start_gan: its generator outputs "
                                 "(n, 28, 28, 1) images.")
    x = x.reshape(num_samples, 28, 28, 1).astype("float32")
    logits = run_limited(lambda: call_in_batches(discriminator, x))
    values = as_floats(logits[0]) if logits else None
    if values is None or values.size != num_samples:
        raise _Wrong(f"its discriminator returned {short(logits)} for {num_samples} images.",
                     "Build it with head_start_gan: its discriminator outputs one logit "
                     "per image.")
    if not np.all(np.isfinite(values)):
        raise _Wrong("its discriminator's outputs are not finite (NaN or infinity).",
                     "Training diverged: rebuild the model and train it again as instructed.")
    return float(np.mean(1.0 / (1.0 + np.exp(-np.clip(values, -60.0, 60.0)))))


def _ns_saturating(fake_logits: Any) -> float:  # mean log(1 - sigmoid(l)), minimised
    return float(-np.mean(np.logaddexp(0.0, np.asarray(fake_logits, dtype=float))))


def non_saturating_loss_reference(fake_logits: Any) -> float:
    """mean(-log sigmoid(l)) = mean(softplus(-l))."""
    return float(np.mean(np.logaddexp(0.0, -np.asarray(fake_logits, dtype=float))))


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
                "generator_loss(fake_logits) receives a tensor of logits: use keras.ops "
                "functions on it.")
    expected = _ns_saturating(_LOSS_PROBE)
    non_saturating = non_saturating_loss_reference(_LOSS_PROBE)
    value = float(got.ravel()[0]) if got is not None and got.size == 1 else None
    if value is not None and abs(value - expected) < 1e-4:
        return None
    hint = ("generator_loss must return one number, the batch mean of log(1 - D(G(z))), "
            "which the generator minimises; section 2 writes it with the logit.")
    if value is not None and abs(value + expected) < 1e-4:
        hint = ("Mind the sign: the generator MINIMISES log(1 - D(G(z))), which is "
                "negative.")
    elif value is not None and abs(value - non_saturating) < 1e-4:
        hint = ("That is the non-saturating loss of section 4: override generator_loss in "
                "SaturatingGAN with the saturating one, log(1 - D(G(z))).")
    shown = short(got) if value is None else f"{value:.4f}"
    return (f"its generator_loss gives {shown} on logits {_LOSS_PROBE.ravel().tolist()}, "
            f"expected {expected:.4f} (the mean of log(1 - sigmoid(l))).", hint)


def _steps(gan: Any) -> tuple[int, int] | None:
    """The numbers of D and G updates the model made (its optimisers' iterations)."""
    try:
        return tuple(int(np.asarray(getattr(gan, name).iterations))
                     for name in ("d_optimizer", "g_optimizer"))  # type: ignore[return-value]
    except Exception:  # noqa: BLE001 - a stand-in without optimisers
        return None


def _optimizers(gan: Any) -> tuple[str, str] | None:
    """The classes of the model's two optimisers, e.g. ("Adam", "SGD")."""
    parts = [getattr(gan, name, None) for name in ("d_optimizer", "g_optimizer")]
    if any(part is None or not hasattr(part, "iterations") for part in parts):
        return None
    return tuple(type(part).__name__ for part in parts)  # type: ignore[return-value]


@checker
def check_saturating_gan(gan_saturating: Any, gan_recovery: Any = None) -> CheckResult:
    """Exercise 3, the saturating loss from the discriminator's head start."""
    what = "mean D(G(z)) after the head start and the recovery steps, saturating loss"
    if is_stub(gan_saturating):
        raise NotDone(what)
    parts = [getattr(gan_saturating, name, None) for name in ("generator", "discriminator")]
    if not all(callable(part) for part in parts):
        return report(False, f"{what}: expected the trained GAN (with .generator and "
                             f".discriminator), got {type(gan_saturating).__name__}.",
                      "Pass gan_saturating, the SaturatingGAN model after fit.")
    wrong_loss = _generator_loss_error(gan_saturating)
    if wrong_loss is not None:
        return report(False, f"{what}: {wrong_loss[0]}", wrong_loss[1])
    kinds = [_optimizers(model) for model in (gan_saturating, gan_recovery)]
    if None not in kinds and kinds[0] != kinds[1]:
        return report(False, f"{what}: your model's optimisers (discriminator, generator) are "
                             f"{kinds[0]}, gan_recovery's {kinds[1]}.",
                      "Compare the two losses with everything else equal: build your model "
                      "with head_start_gan and do not compile it again.")
    steps, expected_steps = _steps(gan_saturating), _steps(gan_recovery)
    if steps is not None and expected_steps is not None and steps != expected_steps:
        return report(False, f"{what}: your model made {steps[0]} discriminator and "
                             f"{steps[1]} generator updates, gan_recovery "
                             f"{expected_steps[0]} and {expected_steps[1]}.",
                      "Train it exactly as gan_recovery was trained: the same data, the "
                      "same number of steps, one fit call.")
    try:
        value = mean_d_of_g(gan_saturating)
        baseline = None if gan_recovery is None else mean_d_of_g(gan_recovery)
    except _Wrong as wrong:
        return report(False, f"{what}: {wrong.message}", wrong.hint)
    except Failure as exc:
        return report(False, f"{what}: running its generator and discriminator failed: "
                             f"{exc}.", "Pass the trained SaturatingGAN itself.")
    versus = "" if baseline is None else f" (non-saturating, gan_recovery: {baseline:.4f})"
    if value > SATURATED_MAX:
        return report(False, f"{what}: measured {value:.2e}{versus}, expected below "
                             f"{SATURATED_MAX:g}.",
                      "Did it start from the head start (head_start_gan) with the same "
                      "optimisers as gan_recovery? A generator trained with Adam, or from "
                      "a fresh discriminator, is not in the regime this experiment is about.",
                      "Compare the optimisers of your model with those head_start_gan sets.")
    if baseline is not None and baseline - value < RECOVERY_GAP_MIN:
        return report(False, f"{what}: measured {value:.2e}{versus}: the non-saturating "
                             f"run should end at least {RECOVERY_GAP_MIN:g} higher.",
                      "Pass gan_recovery, section 7's run, as the second argument.")
    return report(True, f"{what}: measured {value:.2e}{versus}")
