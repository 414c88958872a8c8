"""Checkers for notebook 04 (MNIST with a dense network).

Every checker prints `[PASS] ...` or `[FAIL] ... Hint: ...`, returns a result that is true
when the answer passed, and never raises, whatever the student passes (None, a stub, a
function that fails). Typical wrong answers get a specific hint.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..checks import CheckResult, call_safely, check_cases, close, reference_softmax, report


# --------------------------------------------------------------------------- exercise 1


def check_dense_params(dense_params: Callable[[int, int], int]) -> CheckResult:
    """`dense_params(n_in, n_out)`: trainable parameters of a `Dense(n_out)` layer fed with
    `n_in` inputs: one weight per (input, unit) pair plus one bias per unit."""
    return check_cases(
        "dense_params(n_in, n_out) counts a Dense layer's weights and biases",
        dense_params,
        [((784, 128), 100_480), ((128, 10), 1_290), ((3, 1), 4), ((1, 5), 10)],
        hint="A Dense layer has an (n_in, n_out) weight matrix and one bias per output unit.",
        mistakes=[
            (lambda i, o: i * o, "You counted the weights only: every unit also has a bias."),
            (lambda i, o: i * o + i, "There is one bias per output unit (n_out), not per input."),
            (lambda i, o: (i + 1) * (o + 1), "Only the inputs get an extra 'bias' row: n_in * n_out + n_out."),
            (lambda i, o: i + o, "Every input is connected to every unit: multiply, do not add."),
        ],
    )


# --------------------------------------------------------------------------- exercise 2


def check_softmax(softmax: Callable[[np.ndarray], np.ndarray]) -> CheckResult:
    """`softmax(z)` for a 1-D vector of logits: exp(z_k) / sum_j exp(z_j), computed without
    overflow for large logits."""
    cases = [
        np.array([1.0, 2.0, 3.0]),
        np.array([0.0, 0.0]),
        np.array([2.0, -1.0, 0.5, 0.0]),
        np.zeros(10),
        np.array([710.0, 710.0, 400.0]),  # exp(710) overflows without the max trick
    ]
    return check_cases(
        "softmax(z) turns logits into probabilities",
        softmax,
        [((z,), reference_softmax(z)) for z in cases],
        hint="Exponentiate, then divide by the sum of the exponentials. Subtract max(z) "
             "first: softmax(z) = softmax(z - c) for any constant c, and np.exp(710) overflows.",
        mistakes=[
            (lambda z: z / z.sum(), "Divide exponentials, not the raw logits: exp(z) / sum(exp(z))."),
            (lambda z: 1 / (1 + np.exp(-z)), "That is the sigmoid of each logit: the outputs must sum to 1."),
            (lambda z: np.exp(z), "Normalise: divide by the sum of the exponentials so they add up to 1."),
            (lambda z: np.exp(z - np.max(z)), "Normalise: divide by the sum of the exponentials so they add up to 1."),
        ],
    )


def check_cross_entropy(cross_entropy: Callable[[np.ndarray, int], float]) -> CheckResult:
    """`cross_entropy(probs, label)`: the negative log-likelihood -log(probs[label]) of one
    prediction (natural logarithm)."""
    cases = [
        (np.array([0.1, 0.7, 0.2]), 1),
        (np.array([0.1, 0.7, 0.2]), 0),
        (np.full(10, 0.1), 3),
        (np.array([0.05, 0.05, 0.9]), 2),
    ]
    return check_cases(
        "cross_entropy(probs, label) = -log(probs[label])",
        cross_entropy,
        [((p, k), -np.log(p[k])) for p, k in cases],
        hint="Only the probability of the true class counts: -np.log(probs[label]).",
        mistakes=[
            (lambda p, k: np.log(p[k]), "Mind the sign: the loss is the *negative* log-likelihood, so it is >= 0."),
            (lambda p, k: -np.log10(p[k]), "Use the natural logarithm (np.log), as Keras does, not log10."),
            (lambda p, k: -np.log(p.max()), "Take the probability of the true class (probs[label]), not the largest one."),
            (lambda p, k: -np.log(p).sum(), "Sum only the true class's term: the one-hot label zeroes all the others."),
            (lambda p, k: 1 - p[k], "The loss is a logarithm: -log(p), not 1 - p."),
        ],
    )


# --------------------------------------------------------------------------- exercise 3


def check_accuracy(accuracy: Callable[[np.ndarray, np.ndarray], float]) -> CheckResult:
    """`accuracy(probabilities, labels)`: fraction of rows whose most probable class (argmax
    over the classes axis) equals the integer label."""
    probs = np.array([
        [0.7, 0.2, 0.1],
        [0.1, 0.3, 0.6],
        [0.2, 0.5, 0.3],
        [0.4, 0.4, 0.2],  # a tie: argmax takes the first class
        [0.0, 0.1, 0.9],
    ])
    cases = [
        ((probs, np.array([0, 2, 1, 0, 2])), 1.0),
        ((probs, np.array([0, 1, 1, 1, 2])), 0.6),
        ((probs, np.array([1, 0, 0, 2, 1])), 0.0),
        ((probs[:4], np.array([2, 2, 1, 0])), 0.75),
    ]
    return check_cases(
        "accuracy(probabilities, labels) from predicted classes",
        accuracy,
        cases,
        hint="Predicted class = probabilities.argmax(axis=1); accuracy = mean of "
             "(predicted == labels), a fraction between 0 and 1.",
        mistakes=[
            (lambda p, y: float(np.sum(p.argmax(axis=1) == y)), "Return a fraction, not a count: take the mean."),
            (lambda p, y: 100.0 * np.mean(p.argmax(axis=1) == y), "Return a fraction in [0, 1], not a percentage."),
            (lambda p, y: float(np.mean(p[np.arange(len(y)), y])), "That is the mean probability of the true class, not the accuracy."),
        ],
    )


# --------------------------------------------------------------------------- exercise 4


def _permute(images: np.ndarray, perm: np.ndarray) -> np.ndarray:
    return images.reshape(len(images), -1)[:, perm].reshape(images.shape)


def check_unpermute_pixels(unpermute_pixels: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> CheckResult:
    """`unpermute_pixels(images_perm, perm)` undoes `permute_pixels`: given images of shape
    `(n, h, w)` whose flattened pixel j is pixel `perm[j]` of the original, it returns the
    original images, with the same shape."""
    rng = np.random.default_rng(4)
    images = rng.integers(0, 256, size=(3, 4, 5)).astype(np.float32)
    perm = rng.permutation(20)
    square = rng.integers(0, 256, size=(2, 3, 3)).astype(np.float32)
    cycle = np.roll(np.arange(9), 1)  # not its own inverse
    cases = [
        ((_permute(images, perm), perm), images),
        ((_permute(square, cycle), cycle), square),
        ((images[:1], np.arange(20)), images[:1]),
    ]
    return check_cases(
        "unpermute_pixels(images_perm, perm) recovers the original images",
        unpermute_pixels,
        cases,
        hint="Pixel perm[j] of the original went to position j, so write it back: flatten, "
             "fill out[:, perm] = flat (or index with np.argsort(perm)), reshape to images.shape.",
        mistakes=[
            (lambda x, p: _permute(x, p), "That applies the permutation a second time; "
                                          "undo it with the inverse permutation np.argsort(perm)."),
            (lambda x, p: x.reshape(len(x), -1)[:, np.argsort(p)],
             "Right pixels: now reshape the result back to (n, h, w)."),
        ],
    )
