"""Checkers for notebook 15 (autoencoders): a nearest-centre classifier in code space,
masking noise, and the masking-denoiser experiment (re-measured by the checker)."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..checks import (
    CheckResult,
    Failure,
    NotDone,
    as_floats,
    call_safely,
    check_band,
    check_cases,
    checker,
    is_stub,
    report,
    run_limited,
    short,
)

# ---------------------------------------------------------------------------
# Exercise 1: nearest-centroid classifier in the code space


def nearest_centroid_reference(train_codes: Any, train_labels: Any, codes: Any) -> np.ndarray:
    """The label of the nearest class centre (mean training code) for every row of `codes`."""
    train_codes = np.asarray(train_codes, dtype=float)
    train_labels = np.asarray(train_labels).reshape(-1)
    codes = np.asarray(codes, dtype=float)
    classes = np.unique(train_labels)
    centres = np.stack([train_codes[train_labels == c].mean(axis=0) for c in classes])
    distances = ((codes[:, None, :] - centres[None, :, :]) ** 2).sum(axis=-1)
    return classes[np.argmin(distances, axis=1)]


def _farthest_centre(train_codes: Any, train_labels: Any, codes: Any) -> np.ndarray:
    classes = np.unique(train_labels)
    centres = np.stack([train_codes[train_labels == c].mean(axis=0) for c in classes])
    return classes[np.argmax(((codes[:, None] - centres[None]) ** 2).sum(-1), axis=1)]


def _centre_index(train_codes: Any, train_labels: Any, codes: Any) -> np.ndarray:
    classes = np.unique(train_labels)
    centres = np.stack([train_codes[train_labels == c].mean(axis=0) for c in classes])
    return np.argmin(((codes[:, None] - centres[None]) ** 2).sum(-1), axis=1)


def _nearest_neighbour(train_codes: Any, train_labels: Any, codes: Any) -> np.ndarray:
    d = ((codes[:, None] - train_codes[None]) ** 2).sum(-1)
    return np.asarray(train_labels)[np.argmin(d, axis=1)]


def _centroid_cases() -> list[tuple[tuple[Any, ...], Any]]:
    # Labels 3, 7, 9 (not 0..k-1). The query (4, 2) is nearest to the class-3 centre (0, 2)
    # but to a class-7 training point (4.5, 2): the nearest centre and the nearest
    # neighbour disagree there.
    train = np.array([[0, 0], [0, 2], [0, 4], [10, 0], [10, 4], [10, 2], [4.5, 2],
                      [5, 20], [6, 21], [7, 22]], dtype=float)
    labels = np.array([3, 3, 3, 7, 7, 7, 7, 9, 9, 9])
    queries = np.array([[4.0, 2.0], [9.0, 1.0], [6.0, 19.0], [-1.0, 3.0]])
    rng = np.random.default_rng(15)
    centres = rng.normal(scale=3.0, size=(4, 32))
    labels_b = np.repeat(np.arange(4), 25)
    train_b = centres[labels_b] + rng.normal(size=(100, 32))
    queries_b = centres[rng.integers(0, 4, size=30)] + 1.5 * rng.normal(size=(30, 32))
    return [
        ((train, labels, queries), nearest_centroid_reference(train, labels, queries)),
        ((train_b, labels_b, queries_b), nearest_centroid_reference(train_b, labels_b, queries_b)),
    ]


@checker
def check_nearest_centroid_predict(
    nearest_centroid_predict: Callable[[np.ndarray, np.ndarray, np.ndarray], Any],
) -> CheckResult:
    """`nearest_centroid_predict(train_codes, train_labels, codes)` returns, for every row of
    `codes`, the label of the nearest class centre (the mean of that class's training codes)."""
    return check_cases(
        "nearest_centroid_predict(train_codes, train_labels, codes): label of the nearest centre",
        nearest_centroid_predict,
        _centroid_cases(),
        hint="One centre per class: the mean of train_codes[train_labels == c]. Then, for each "
             "row of codes, the squared distance to every centre and the label of the smallest.",
        more="np.unique(train_labels) gives the classes; codes[:, None, :] - centres[None] "
             "gives all differences at once (shape (n, k, d)).",
        mistakes=[
            (_farthest_centre, "It picks the farthest centre: use argmin of the distances."),
            (_centre_index, "It returns the position of the centre (0, 1, 2, ...), not the "
                            "class label: map it back through np.unique(train_labels)."),
            (_nearest_neighbour, "It returns the label of the nearest training code (1-NN): "
                                 "compare with the class centres (means) instead."),
        ],
    )


# ---------------------------------------------------------------------------
# Exercise 2: masking noise


def reference_mask(x: Any, fraction: float, seed: int) -> np.ndarray:
    """Masking noise: each pixel set to 0 with probability `fraction` (a copy)."""
    rng = np.random.default_rng(seed)
    return np.asarray(x) * (rng.random(np.shape(x)) >= fraction)


@checker
def check_mask_pixels(mask_pixels: Callable[[np.ndarray, float, int], Any]) -> CheckResult:
    """`mask_pixels(x, fraction, seed)` returns a copy of `x` with each pixel set to 0
    independently with probability `fraction`, reproducible for a given seed."""
    what = "mask_pixels(x, fraction, seed): masking noise"
    hint = ("Draw one uniform number per pixel with rng = np.random.default_rng(seed), "
            "rng.random(x.shape), keep the pixels where it is >= fraction, and return x "
            "multiplied by that 0/1 mask.")
    if is_stub(mask_pixels):
        raise NotDone(what)
    x = np.random.default_rng(0).uniform(0.1, 1.0, size=(40, 28, 28)).astype("float32")

    def masked(images: np.ndarray, fraction: float, seed: int) -> np.ndarray:
        given = images.copy()
        result, error = call_safely(mask_pixels, given, fraction, seed)
        if error:
            raise _Wrong(f"{what}: {error}.", hint)
        arr = as_floats(result)
        if arr is None or arr.shape != images.shape:
            got = short(result) if arr is None else f"an array of shape {arr.shape}"
            raise _Wrong(f"{what}: for x of shape {images.shape} it returned {got}.",
                         "Return an array of the same shape as x (the masked images).")
        if not np.array_equal(given, images):
            raise _Wrong(f"{what}: it changed the x it was given.",
                         "Work on a copy: x * mask makes a new array; x[mask] = 0 changes "
                         "the caller's images.")
        return arr

    try:
        out = masked(x, 0.3, 0)
        zero = out == 0
        kept = np.isclose(out, x, rtol=1e-5, atol=1e-6)
        if not np.all(zero | kept):
            if np.all(np.isin(out, (0.0, 1.0))):
                return report(False, f"{what}: it returned 0/1 values, not images.",
                              "Return the images multiplied by the mask, not the mask.")
            if np.allclose(out[~zero], x[~zero] / 0.7, rtol=1e-4):
                return report(False, f"{what}: the kept pixels are scaled by 1/(1 - fraction).",
                              "That is dropout's rescaling; masking noise leaves the kept "
                              "pixels unchanged.")
            return report(False, f"{what}: some pixels are neither 0 nor unchanged.", hint)
        share = zero.mean()
        if abs(share - 0.7) < 0.02:
            return report(False, f"{what}: with fraction=0.3 it zeroed {share:.1%} of pixels.",
                          "fraction is the share of pixels set to 0, not the share kept.")
        if abs(share - 0.3) > 0.02:
            return report(False, f"{what}: with fraction=0.3 it zeroed {share:.1%} of pixels, "
                                 "expected about 30%.", hint)
        if np.all(zero == zero[:1]):
            return report(False, f"{what}: every image has the same masked pixels.",
                          "Draw the random numbers with the full shape of x (one mask per "
                          "image), not (28, 28).")
        if not np.array_equal(masked(x, 0.3, 0), out):
            return report(False, f"{what}: two calls with the same seed gave different masks.",
                          "Create the generator inside the function: "
                          "rng = np.random.default_rng(seed).")
        if np.array_equal(masked(x, 0.3, 1), out):
            return report(False, f"{what}: seeds 0 and 1 gave the same mask.",
                          "Pass the seed to np.random.default_rng(seed).")
        x4 = x[:5, :, :, None]
        if not np.allclose(masked(x4, 0.0, 3), x4):
            return report(False, f"{what}: with fraction=0 it changed pixels.", hint)
        if np.any(masked(x4, 1.0, 3) != 0):
            return report(False, f"{what}: with fraction=1 some pixels were kept.", hint)
    except _Wrong as wrong:
        return report(False, wrong.message, wrong.hint)
    return report(True, what)


class _Wrong(Exception):
    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


# ---------------------------------------------------------------------------
# Exercise 3 (experiment): a denoising autoencoder for masking noise, re-measured here

#: Test images the checker masks and reconstructs (enough for a stable MSE, fast to predict).
MASK_TEST_IMAGES = 1000
MASK_FRACTION = 0.5
MASK_SEED = 2024


def masking_mse(model: Any, x_test: Any) -> tuple[float, float]:
    """(MSE of `model` on masked test images against the clean ones, MSE of the masked images
    themselves), with the checker's own mask (fraction 0.5, fixed seed). Raises `Failure`."""
    import course_utils

    x = as_floats(x_test)
    if x is None or x.ndim not in (3, 4) or x.shape[1:3] != (28, 28) or len(x) < 100:
        raise _Wrong("check_masking_denoiser: the second argument must be x_test, the test "
                     f"images (n, 28, 28); got {short(x_test)}.",
                     "Pass x_test as loaded and scaled in section 1.")
    x = x[:MASK_TEST_IMAGES].astype("float32")
    if not np.all(np.isfinite(x)) or x.min() < 0 or x.max() > 1.0 + 1e-6:
        raise _Wrong("check_masking_denoiser: x_test must hold pixels scaled to [0, 1].",
                     "Pass x_test as scaled in section 1 (divided by 255).")
    masked = reference_mask(x, MASK_FRACTION, MASK_SEED).astype("float32")
    predicted = run_limited(lambda: model.predict(
        course_utils.to_dataset(masked, batch_size=500), verbose=0))
    out = as_floats(predicted)
    if out is None or out.size != x.size:
        raise _Wrong(f"check_masking_denoiser: the model returned {short(predicted)} for "
                     f"{len(x)} images of shape {x.shape[1:]}.",
                     "The model must output images of its input's shape (the decoder ends "
                     "with Reshape((28, 28))).")
    return float(np.mean((out.reshape(x.shape) - x) ** 2)), float(np.mean((masked - x) ** 2))


@checker
def check_masking_denoiser(model_masked: Any, x_test: Any) -> CheckResult:
    """Experiment: a denoising autoencoder trained on half-masked inputs; the checker measures
    its test MSE on images it masks itself."""
    what = "test MSE of model_masked on half-masked test images"
    if is_stub(model_masked) or is_stub(x_test):
        raise NotDone(what)
    if not callable(getattr(model_masked, "predict", None)) or isinstance(model_masked, type):
        return report(False, f"{what}: expected a trained Keras model, got "
                             f"{type(model_masked).__name__}.",
                      "Pass the model you trained (model_masked), then x_test.")
    try:
        mse, mse_masked = masking_mse(model_masked, x_test)
    except _Wrong as wrong:
        return report(False, wrong.message, wrong.hint)
    except Failure as exc:
        return report(False, f"{what}: predicting on the masked test images failed: {exc}.",
                      "Pass the model itself and x_test as scaled in section 1; the model "
                      "must accept images shaped like x_test.")
    hint = (f"The masked images themselves have MSE {mse_masked:.4f} against the clean ones. "
            "Train on mask_pixels(x_train, 0.5, seed) as INPUT and the clean x_train as TARGET.")
    if mse > 0.8 * mse_masked:
        hint = (f"Your model barely repairs the masked images (they have MSE {mse_masked:.4f} "
                "themselves): was it trained with masked inputs and clean targets?")
    # Band: 5 smoke seeds 0.0248-0.0251, 2 full seeds 0.0152 (masked images: about 0.08).
    return check_band(what, mse, smoke=(0.0, 0.032), full=(0.0, 0.022), hint=hint,
                      more="Use a fresh build_dense_autoencoder(32), num_epochs epochs and "
                           "validation data masked the same way.")
