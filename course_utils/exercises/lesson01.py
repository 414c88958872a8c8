"""Checkers of notebook 01 (setup and environment).

1. `check_standardize`: z-scores with the training set's mean and standard deviation.
2. `check_cifar_megabytes`: memory of CIFAR-10's training images as float32.
3. `check_class_accuracy`: test accuracy per digit, re-measured on the student's model.
4. `check_small_data_experiment` (the experiment): the first model trained on a tenth of
   the training images; the checker measures its test accuracy against a band per profile.

Importing this module does no TensorFlow work: the checkers that run a model import
`course_utils.pipeline` (and with it TensorFlow) only once they have a model to run.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..checks import (
    CheckResult,
    Failure,
    NotDone,
    WrongAnswer,
    as_floats,
    call_safely,
    check_band,
    check_value,
    checker,
    close,
    is_stub,
    report,
    run_limited,
    short,
)

__all__ = [
    "check_cifar_megabytes",
    "check_class_accuracy",
    "check_small_data_experiment",
    "check_standardize",
]

#: Bands of the experiment's test accuracy (the first model trained on n_small = 540 / 900
#: images for 30 / 50 epochs), from tests/benchmarks/metric_bands.py: smoke 0.805-0.810
#: (5 seeds), full 0.876-0.877 (3 seeds). The same model on all the training images reaches
#: smoke 0.851-0.860, full 0.906-0.909: the upper ends catch a model trained on all of them.
#: The smoke upper end sits halfway between the two (tests/benchmarks/experiment_checks.py,
#: seeds 0-4: solution 0.805-0.810, section 3's model passed back 0.851-0.860, a new model on
#: all the images for num_epochs * 10 epochs 0.880-0.890, on n_small for num_epochs 0.645-0.702).
SMALL_DATA_BANDS = {"smoke": (0.77, 0.83), "full": (0.85, 0.895)}

#: Parameters of the model of section 3 (Flatten + Dense(10)): 784 * 10 + 10.
LINEAR_PARAMS = 7850


# --------------------------------------------------------------------------- 1. standardize


def _reference_standardize(train_images: np.ndarray, images: np.ndarray, ddof: int = 0) -> np.ndarray:
    train = np.asarray(train_images, dtype=np.float64)
    return ((np.asarray(images, dtype=np.float64) - train.mean()) / train.std(ddof=ddof))


def _standardize_cases() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(7)
    train = rng.integers(0, 256, size=(6, 5, 5)).astype(np.uint8)
    train[:, :2] = 0  # a dark border, as in MNIST: mean and std differ from 127.5 / 73.6
    other = rng.integers(40, 200, size=(3, 5, 5)).astype(np.uint8)  # other statistics
    scaled = (rng.random((4, 3, 3)) * 0.5).astype(np.float32)  # already floats
    scaled_other = (rng.random((2, 3, 3)) * 0.5 + 0.25).astype(np.float32)
    return [(train, other), (scaled, scaled_other), (train, train[:2])]


def _standardize_mistakes(train: np.ndarray, images: np.ndarray) -> list[tuple[np.ndarray, str]]:
    t, x = train.astype(float), images.astype(float)
    return [
        ((x - x.mean()) / x.std(),
         "You used the statistics of `images` itself. Compute the mean and the standard "
         "deviation on `train_images` only and apply them to any set (validation and test "
         "images must be scaled exactly like the training images, with nothing learned from them)."),
        ((x - t.min()) / (t.max() - t.min()),
         "That is min-max scaling to [0, 1]. The exercise asks for z-scores: subtract the "
         "mean and divide by the standard deviation of the training pixels."),
        ((x - x.min()) / (x.max() - x.min()),
         "That is min-max scaling of `images` to [0, 1]. The exercise asks for z-scores with "
         "the training set's mean and standard deviation."),
        (x / 255.0,
         "Dividing by 255 gives values in [0, 1], not a mean of 0 and a standard deviation of 1: "
         "subtract the training mean, then divide by the training standard deviation."),
        ((x - t.mean(axis=0)) / t.std(axis=0).clip(1e-12),
         "You computed one mean and one standard deviation per pixel position (axis=0). The "
         "exercise asks for one mean and one standard deviation over all training pixels."),
        (x - t.mean(),
         "You subtracted the mean but did not divide by the standard deviation."),
        ((x - t.mean()) / t.var(),
         "You divided by the variance; divide by the standard deviation (its square root)."),
    ]


@checker
def check_standardize(standardize: Callable[[np.ndarray, np.ndarray], Any]) -> CheckResult:
    """standardize(train_images, images) scales images with the training mean and std"""
    what = "standardize(train_images, images) gives z-scores with the training set's statistics"
    hint = ("Use the training set's statistics: one mean and one standard deviation over all "
            "of train_images' pixels (not per image, and not those of images); subtract the "
            "mean from images, divide by the standard deviation and return float32.")
    if is_stub(standardize):
        raise NotDone(what)
    for train, images in _standardize_cases():
        result, error = call_safely(standardize, train.copy(), images.copy())
        if error:
            return report(False, f"{what}: {error}.", hint)
        if result is None:
            return report(False, f"{what}: it returned None.", "Did you forget `return`?", hint)
        values = as_floats(result)
        if values is None:
            return report(False, f"{what}: it returned {short(result)}, not an array of numbers.",
                          hint)
        expected = _reference_standardize(train, images)
        if values.shape != expected.shape:
            return report(False, f"{what}: for images of shape {images.shape} it returned "
                                 f"shape {values.shape}.",
                          "Return an array of the shape of `images`: one z-score per pixel.")
        if close(values, expected, atol=1e-4, rtol=1e-4) or close(
                values, _reference_standardize(train, images, ddof=1), atol=1e-4, rtol=1e-4):
            continue
        specific = hint
        for wrong, wrong_hint in _standardize_mistakes(train, images):
            if close(values, wrong, atol=1e-4, rtol=1e-4):
                specific = wrong_hint
                break
        return report(False, f"{what}: for training pixels with mean {train.mean():.2f} and "
                             f"std {train.std():.2f} the values are not the z-scores.",
                      specific, hint)
    dtype = getattr(result, "dtype", None)
    if dtype != np.float32:
        return report(False, f"{what}: the values are right but the dtype is {dtype or type(result).__name__}.",
                      "Keras trains in float32 and a float64 copy takes twice the memory: "
                      "end with .astype('float32').")
    return report(True, what)


# --------------------------------------------------------------------------- 2. memory


@checker
def check_cifar_megabytes(megabytes: Any) -> CheckResult:
    """Memory of CIFAR-10's 50,000 training images as float32, in MB"""
    what = "memory of CIFAR-10's 50,000 training images (32 x 32 pixels, 3 colours) as float32"
    values = 50_000 * 32 * 32 * 3
    return check_value(
        what, megabytes, values * 4 / 1e6,
        hint="Count the values (images x height x width x colour channels), multiply by the "
             "bytes per float32 value, divide by 10**6.",
        mistakes=[
            (values / 1e6, "That is the uint8 size: a float32 value takes 4 bytes, not 1."),
            (values * 4 / 2**20, "That is in MiB (2**20 bytes); here 1 MB = 10**6 bytes."),
            (50_000 * 32 * 32 * 4 / 1e6,
             "You counted one value per pixel: a colour image has 3 channels (red, green, blue)."),
            (values * 32 / 1e6, "That is in megabits: 4 bytes = 32 bits per value; give bytes."),
            (values * 8 / 1e6, "float32 takes 4 bytes per value (float64 would take 8)."),
            (values * 4, "That is in bytes: divide by 10**6 to get megabytes."),
        ],
        rtol=2e-3,
    )


# --------------------------------------------------------------------------- model helpers


def _looks_like_model(model: Any) -> bool:
    return (not isinstance(model, (str, bytes, type)) and callable(getattr(model, "predict", None))
            and callable(getattr(model, "count_params", None)))


def _predicted_classes(model: Any, x: Any, what: str) -> np.ndarray:
    """The model's predicted classes on `x`, run within the checker's time limit
    (raises WrongAnswer when the images or the model are not usable)."""
    images = as_floats(x)
    if images is None or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise WrongAnswer(f"{what}: pass the test images x_test (shape (n, 28, 28)), "
                          f"got {short(x)}.", "Call the checker as the cell shows.")

    from ..pipeline import to_dataset  # imports TensorFlow (already loaded in a notebook)

    dataset = to_dataset(images.astype(np.float32), batch_size=1024)
    try:
        probs = run_limited(lambda: np.asarray(model.predict(dataset, verbose=0), dtype=float))
    except (Failure, NotImplementedError) as exc:
        raise WrongAnswer(f"{what}: the model could not predict the test images ({exc}).",
                          "Build the model with keras.Input(shape=(28, 28)) and compile and fit "
                          "it before calling the checker.") from None
    if probs.ndim != 2 or probs.shape != (len(images), 10):
        raise WrongAnswer(f"{what}: the model outputs shape {probs.shape}, expected "
                          f"({len(images)}, 10): one probability per digit.",
                          "End the model with Dense(10, activation='softmax').")
    return probs.argmax(axis=1)


def _labels(y: Any, n: int, what: str) -> np.ndarray:
    labels = as_floats(y)
    if (labels is None or labels.reshape(-1).shape != (n,) or not np.all(np.isfinite(labels))
            or labels.min() < 0 or labels.max() > 9):
        raise WrongAnswer(f"{what}: pass the test labels y_test ({n} labels), got {short(y)}.",
                          "Call the checker as the cell shows.")
    return labels.reshape(-1).astype(int)


# --------------------------------------------------------------------------- 3. per-class accuracy


@checker
def check_class_accuracy(class_accuracy: Any, model: Any, x_test: Any, y_test: Any) -> CheckResult:
    """Test accuracy of each digit, re-measured on the model"""
    what = "test accuracy per digit (class_accuracy[c] for c = 0..9)"
    if is_stub(class_accuracy):
        raise NotDone(what)
    if not _looks_like_model(model):
        return report(False, f"{what}: pass the trained Keras model as the second argument, "
                             f"got {short(model)}.", "Call the checker as the cell shows.")
    predicted = _predicted_classes(model, x_test, what)
    labels = _labels(y_test, len(predicted), what)
    right = predicted == labels
    expected = np.array([right[labels == c].mean() if np.any(labels == c) else 0.0
                         for c in range(10)])
    precision = np.array([right[predicted == c].mean() if np.any(predicted == c) else 0.0
                          for c in range(10)])
    return check_value(
        what, class_accuracy, expected,
        hint="For each digit c, take the test images whose label is c and compute the fraction "
             "of them the model predicts as c (predicted class = argmax of the probabilities).",
        mistakes=[
            (precision, "You divided by the number of images PREDICTED as c (that is the "
                        "precision of c). Accuracy per digit divides by the images whose "
                        "LABEL is c."),
            (np.array([np.sum(right[labels == c]) for c in range(10)], dtype=float),
             "These are counts of right answers: divide by the number of test images of each digit."),
            (1.0 - expected, "These are error rates: accuracy is the fraction predicted right."),
            (np.full(10, right.mean()), "That is the overall accuracy ten times: split the test "
                                        "images by their label first."),
            (np.bincount(labels, minlength=10)[:10] / len(labels),
             "These are the shares of each digit in the test set, not accuracies."),
        ],
        atol=1e-6, rtol=1e-4,
    )


# --------------------------------------------------------------------------- 4. experiment


@checker
def check_small_data_experiment(model_small: Any, x_test: Any, y_test: Any) -> CheckResult:
    """Experiment: test accuracy of the first model trained on a tenth of the images"""
    what = "experiment: test accuracy of the linear model trained on a tenth of the training images"
    if is_stub(model_small):
        raise NotDone(what)
    if not _looks_like_model(model_small):
        return report(False, f"{what}: expected a trained Keras model, got {short(model_small)}.",
                      "Build, compile and fit a model in the cell and pass it to the checker.")
    try:
        params = int(run_limited(model_small.count_params))
    except Exception:  # noqa: BLE001 - an unbuilt or broken model
        params = -1
    if params != LINEAR_PARAMS:
        return report(False, f"{what}: the model has {params:,} parameters, the model of "
                             f"section 3 has {LINEAR_PARAMS:,}.",
                      "Change only the data: the same Flatten + Dense(10, softmax) model, so "
                      "that the difference you measure comes from the number of images.")
    predicted = _predicted_classes(model_small, x_test, what)
    labels = _labels(y_test, len(predicted), what)
    accuracy = float(np.mean(predicted == labels))
    from ..profile import current_config

    low, high = SMALL_DATA_BANDS.get(current_config().profile, SMALL_DATA_BANDS["full"])
    if accuracy > high:
        hint = ("That is about as good as the model trained on all the images: did you train "
                "on the first n_small training images and their labels only?")
    elif accuracy < 0.2:
        hint = "That is chance level: did you fit the model (and on images scaled to [0, 1])?"
    else:
        hint = ("Train a new model like section 3's on the first n_small training images "
                "only, in batches of batch_size, for num_epochs * 10 epochs.")
    return check_band(what, accuracy, smoke=SMALL_DATA_BANDS["smoke"],
                      full=SMALL_DATA_BANDS["full"], hint=hint)
