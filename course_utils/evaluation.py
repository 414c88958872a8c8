"""Measuring a digit generator's samples: a Fréchet distance, precision/recall, confidence.

A generator is judged here by a small digit classifier the course trains itself:

- `frechet_distance`: the squared Fréchet distance between Gaussians fitted to the classifier's
  penultimate-layer features of samples and of real training images (the FID formula of
  Heusel et al. 2017). It sees what the classifier's confidence cannot: blurred real digits
  keep most of their confidence but their features move away from the real ones; a generator
  that repeats a few digits (mode collapse) is confident too, but its features have the wrong
  mean and spread.
- `precision_recall`: Kynkäänniemi et al. (2019): a sample is "precise" when it falls inside
  the k-nearest-neighbour balls of the real features; a real image is "recalled" when it falls
  inside the balls of the samples. Low recall is mode collapse, low precision is bad samples.
- `confident_share` (top probability > 0.9) and `class_histogram` (shares of the 10 classes).

`evaluate_samples(samples)` computes all of them and returns a `SampleReport`.

The classifier (MNIST or Fashion-MNIST) is trained with one recipe and seed in every profile
on the first 10,000 training images (all that the offline MNIST copy holds), in about a
minute of CPU, and kept in the course cache with a JSON record (test accuracy, Keras and
TensorFlow versions, SHA-256 of the file); another version or a damaged file is retrained.

The published FID uses the 2,048 pooled features of Inception-v3 trained on ImageNet, and
50,000 samples. There are no Inception weights offline, and Inception would see 28x28 digits
only through an upscaling it was not trained for. So these numbers are on another scale: they
compare with each other (same classifier, dataset and sample sizes: the estimate is biased
upwards for small samples, so compare at equal sizes), never with papers' FID values.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from .errors import CourseTypeError, CourseValueError

DATASETS = ("mnist", "fashion_mnist")
#: A prediction is "confident" when its top probability is above this.
CONFIDENT = 0.9
#: The classifier's recipe: part of the cache key (change it and the cache is retrained).
#: At most `n_train` training images: the offline copy (CI) holds a 10,000-digit subset of
#: MNIST's training set, Colab downloads all 60,000; the cap keeps the recipe the same.
RECIPE = {"version": 1, "n_train": 10_000, "epochs": 8, "batch_size": 64,
          "learning_rate": 1e-3, "seed": 1234, "features": 128}
#: k of the k-nearest-neighbour balls of precision/recall (Kynkäänniemi et al. use k = 3).
K_NEIGHBOURS = 3
_CACHE_FOLDER = "evaluation"
_IMAGE_SHAPE = (28, 28)
_RANGE_SLACK = 1e-3  # float round-off allowed outside [0, 1]; clipped away
_loaded: dict[tuple[str, str], "DigitClassifier"] = {}


# --------------------------------------------------------------------------- images


def check_images(images: Any, name: str = "images") -> np.ndarray:
    """`images` as float32 `(n, 28, 28, 1)` in [0, 1]; a `CourseValueError` / `CourseTypeError`
    that says what to change otherwise. Accepts `(n, 28, 28)` and `(n, 28, 28, 1)`."""
    if isinstance(images, (str, bytes, dict, set)) or images is None:
        raise CourseTypeError(f"{name} must be an array of images, shape (n, 28, 28, 1) with "
                              f"values in [0, 1], not a {type(images).__name__}.")
    try:
        x = np.asarray(images)
    except Exception as exc:  # e.g. ragged nested lists
        raise CourseTypeError(f"{name} could not be read as an array ({exc}); pass a NumPy "
                              "array of shape (n, 28, 28, 1) with values in [0, 1].") from None
    if x.dtype == bool:
        x = x.astype(np.float32)
    if not (np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)):
        raise CourseTypeError(f"{name} has dtype {x.dtype}; pass numbers: a float array of "
                              "shape (n, 28, 28, 1) with values in [0, 1].")
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != 3 or x.shape[1:] != _IMAGE_SHAPE:
        hint = ""
        if x.ndim == 2 and x.shape[1] == 784:
            hint = " Flattened images: reshape them with .reshape(-1, 28, 28, 1)."
        elif x.ndim == 2 and x.shape == _IMAGE_SHAPE:
            hint = " A single image: pass a batch, e.g. image[None]."
        elif x.ndim == 4 and x.shape[1:3] == _IMAGE_SHAPE:
            hint = " Only one channel is measured: grey images of 28x28."
        raise CourseValueError(f"{name} has shape {x.shape}; expected (n, 28, 28) or "
                               f"(n, 28, 28, 1) for n digit images.{hint}")
    if len(x) < 2:
        raise CourseValueError(f"{name} holds {len(x)} image(s); statistics need at least 2 "
                               "(a Fréchet distance needs hundreds: use 1,000-2,000).")
    x = x.astype(np.float32, copy=False)
    if not np.all(np.isfinite(x)):
        raise CourseValueError(f"{name} contains NaN or infinite values; the generator's "
                               "training has probably diverged.")
    low, high = float(x.min()), float(x.max())
    if high > 1 + _RANGE_SLACK:
        raise CourseValueError(
            f"{name} has values up to {high:g}; expected [0, 1]"
            + (" (these look like 0-255 pixel values: divide by 255)." if high > 2 else "."))
    if low < -_RANGE_SLACK:
        raise CourseValueError(
            f"{name} has values down to {low:g}; expected [0, 1]"
            + (" (a tanh output in [-1, 1]: pass (images + 1) / 2)." if low >= -1 - _RANGE_SLACK
               else "."))
    return np.clip(x, 0.0, 1.0)[..., None]


def _check_dataset(dataset: Any) -> str:
    if not isinstance(dataset, str):
        raise CourseTypeError(f"dataset must be one of {DATASETS}, not {dataset!r}.")
    if dataset not in DATASETS:
        raise CourseValueError(f"dataset={dataset!r} is not measured; use one of {DATASETS}.")
    return dataset


def _features_array(features: Any, name: str) -> np.ndarray:
    try:
        f = np.asarray(features, dtype=np.float64)
    except (TypeError, ValueError):
        raise CourseTypeError(f"{name} must be a 2-D array of numbers (n, d).") from None
    if f.ndim != 2 or len(f) < 2 or f.shape[1] < 1:
        raise CourseValueError(f"{name} has shape {f.shape}; expected (n, d) features with "
                               "n >= 2 (one row per image).")
    if not np.all(np.isfinite(f)):
        raise CourseValueError(f"{name} contains NaN or infinite values.")
    return f


# --------------------------------------------------------------------------- the measures


def frechet_from_statistics(mu_a: np.ndarray, cov_a: np.ndarray, mu_b: np.ndarray,
                            cov_b: np.ndarray) -> float:
    """Squared Fréchet (2-Wasserstein) distance between N(mu_a, cov_a) and N(mu_b, cov_b):
    |mu_a - mu_b|^2 + Tr(cov_a + cov_b - 2 (cov_a^1/2 cov_b cov_a^1/2)^1/2).

    Both square roots are taken by eigen-decompositions of symmetric matrices, so the result
    is real (no imaginary round-off as with `scipy.linalg.sqrtm(cov_a @ cov_b)`), and the
    tiny negative eigenvalues of a near-singular covariance are clipped to 0."""
    mu_a, mu_b = np.asarray(mu_a, np.float64), np.asarray(mu_b, np.float64)
    cov_a, cov_b = np.asarray(cov_a, np.float64), np.asarray(cov_b, np.float64)
    values, vectors = np.linalg.eigh((cov_a + cov_a.T) / 2)
    root_a = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    middle = root_a @ cov_b @ root_a
    cross = np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0, None)).sum()
    distance = np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * cross
    return float(max(distance, 0.0))


def frechet_distance(features_a: Any, features_b: Any) -> float:
    """Squared Fréchet distance between Gaussians fitted to two feature sets `(n, d)`
    (the FID formula of Heusel et al. 2017 on whatever features are given)."""
    a, b = _features_array(features_a, "features_a"), _features_array(features_b, "features_b")
    if a.shape[1] != b.shape[1]:
        raise CourseValueError(f"features_a has {a.shape[1]} columns and features_b "
                               f"{b.shape[1]}; both must come from the same feature layer.")
    return frechet_from_statistics(a.mean(0), np.cov(a, rowvar=False),
                                   b.mean(0), np.cov(b, rowvar=False))


def _kth_neighbour_radii(points: np.ndarray, k: int) -> np.ndarray:
    """Distance of each point to its k-th nearest other point of the same set."""
    radii = np.empty(len(points))
    for start, block in _distance_blocks(points, points):
        block[np.arange(len(block)), np.arange(start, start + len(block))] = np.inf  # itself
        radii[start:start + len(block)] = np.sqrt(np.partition(block, k - 1, axis=1)[:, k - 1])
    return radii


def _distance_blocks(a: np.ndarray, b: np.ndarray, rows: int = 1024):
    """Squared Euclidean distances from `a` to `b`, `rows` rows of `a` at a time."""
    b_norms = np.sum(b * b, axis=1)
    for start in range(0, len(a), rows):
        part = a[start:start + rows]
        block = np.sum(part * part, axis=1)[:, None] + b_norms[None, :] - 2 * part @ b.T
        yield start, np.maximum(block, 0.0)


def _coverage(points: np.ndarray, centres: np.ndarray, radii: np.ndarray) -> float:
    """Share of `points` inside at least one ball (centre, radius)."""
    inside = np.zeros(len(points), dtype=bool)
    squared = radii ** 2
    for start, block in _distance_blocks(points, centres):
        inside[start:start + len(block)] = np.any(block <= squared[None, :], axis=1)
    return float(inside.mean())


def precision_recall(real_features: Any, sample_features: Any,
                     k: int = K_NEIGHBOURS) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019, section 2): precision = share
    of samples inside the real manifold (union of balls around each real feature reaching its
    k-th nearest real neighbour); recall = share of real features inside the samples' manifold."""
    real = _features_array(real_features, "real_features")
    fake = _features_array(sample_features, "sample_features")
    if real.shape[1] != fake.shape[1]:
        raise CourseValueError("real_features and sample_features have different widths; "
                               "both must come from the same feature layer.")
    whole = isinstance(k, (int, np.integer)) and not isinstance(k, bool)
    if not whole or not 1 <= k < min(len(real), len(fake)):
        raise CourseValueError(f"k={k!r}: use a whole number from 1 to the smaller set size - 1 "
                               "(the paper uses k = 3).")
    precision = _coverage(fake, real, _kth_neighbour_radii(real, int(k)))
    recall = _coverage(real, fake, _kth_neighbour_radii(fake, int(k)))
    return precision, recall


def _probabilities_array(probabilities: Any) -> np.ndarray:
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] < 2 or len(p) == 0:
        raise CourseValueError(f"probabilities have shape {p.shape}; expected (n, classes), "
                               "one row of class probabilities per image.")
    return p


def confident_share(probabilities: Any, threshold: float = CONFIDENT) -> float:
    """Share of images whose top class probability is above `threshold`."""
    return float(np.mean(_probabilities_array(probabilities).max(axis=1) > threshold))


def class_histogram(probabilities: Any) -> np.ndarray:
    """Share of the images predicted as each class (sums to 1)."""
    p = _probabilities_array(probabilities)
    return np.bincount(p.argmax(axis=1), minlength=p.shape[1]) / len(p)


# --------------------------------------------------------------------------- the classifier


def build_classifier(features: int | None = None, seed: int | None = None):
    """The untrained classifier: random shifts (training only), two conv/batch-norm/pool
    blocks, a `features` Dense layer (the features of the Fréchet distance and of
    precision/recall), softmax over 10 classes. Every initialiser, shift and dropout has its
    own seed: building and training it never draws from the notebook's global random state."""
    import keras
    from keras import layers

    features = RECIPE["features"] if features is None else features
    seed = RECIPE["seed"] if seed is None else seed

    def init(i):
        return keras.initializers.GlorotUniform(seed=seed + i)

    inputs = keras.Input(shape=(28, 28, 1), name="image")
    x = layers.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=seed)(inputs)
    for i, filters in enumerate((32, 64)):
        x = layers.Conv2D(filters, 3, use_bias=False, kernel_initializer=init(i + 1))(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
        x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.3, seed=seed + 3)(x)
    x = layers.Dense(features, activation="relu", kernel_initializer=init(4), name="features")(x)
    x = layers.Dropout(0.3, seed=seed + 5)(x)
    outputs = layers.Dense(10, activation="softmax", kernel_initializer=init(6),
                           name="probabilities")(x)
    return keras.Model(inputs, outputs, name="digit_classifier")


def train_classifier(dataset: str = "mnist", *, n_train: int | None = None,
                     epochs: int | None = None, features: int | None = None,
                     seed: int | None = None) -> tuple[Any, float]:
    """Train `build_classifier` on the first `n_train` training images of `dataset` (Adam
    with a cosine decay, its own seeded shuffling); returns `(model, test_accuracy)` on the
    full test set. The model is returned uncompiled (no optimizer state is saved). Arguments
    left out come from `RECIPE`."""
    import keras

    from .data import load_dataset
    from .pipeline import to_dataset

    (x_train, y_train), (x_test, y_test) = load_dataset(_check_dataset(dataset), verbose=False)
    n_train, epochs = n_train or RECIPE["n_train"], epochs or RECIPE["epochs"]
    features, seed = features or RECIPE["features"], RECIPE["seed"] if seed is None else seed
    x_train, y_train = x_train[:n_train], y_train[:n_train]
    x_train = (x_train.astype(np.float32) / 255)[..., None]
    model = build_classifier(features=features, seed=seed)
    steps = epochs * -(-len(x_train) // RECIPE["batch_size"])
    rate = keras.optimizers.schedules.CosineDecay(RECIPE["learning_rate"], max(steps, 1))
    model.compile(optimizer=keras.optimizers.Adam(rate), loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(seed)
    for _ in range(epochs):  # our own permutation: fit's shuffling would use the global seed
        order = rng.permutation(len(x_train))  # (to_dataset: no autotune, no idle after fit)
        model.fit(to_dataset(x_train[order], y_train[order], batch_size=RECIPE["batch_size"]),
                  epochs=1, verbose=0)
    clean = build_classifier(features=features, seed=seed)
    clean.set_weights(model.get_weights())
    classifier = DigitClassifier(clean, dataset)
    accuracy = float(np.mean(classifier.predict(x_test.astype(np.float32) / 255) == y_test))
    return clean, accuracy


@dataclasses.dataclass
class DigitClassifier:
    """A trained classifier and its features: `probabilities(images)`, `features(images)`,
    `predict(images)` (class indices). Images as `check_images` accepts them."""

    model: Any
    dataset: str = "mnist"
    test_accuracy: float = float("nan")
    source: str = ""

    def __post_init__(self):
        import keras

        self._both = keras.Model(self.model.inputs,
                                 [self.model.get_layer("features").output, self.model.outputs[0]])

    def _run(self, images: Any, name: str = "images") -> tuple[np.ndarray, np.ndarray]:
        from .pipeline import to_dataset

        x = check_images(images, name)
        features, probabilities = self._both.predict(to_dataset(x, batch_size=500), verbose=0)
        return np.asarray(features, np.float64), np.asarray(probabilities, np.float64)

    def features(self, images: Any) -> np.ndarray:
        return self._run(images)[0]

    def probabilities(self, images: Any) -> np.ndarray:
        return self._run(images)[1]

    def predict(self, images: Any) -> np.ndarray:
        return self.probabilities(images).argmax(axis=1)


def cache_paths(dataset: str = "mnist") -> tuple[Path, Path]:
    """The cached classifier's `.keras` file and its JSON record."""
    from .data.locations import cache_dir

    folder = cache_dir() / _CACHE_FOLDER
    stem = f"classifier-{_check_dataset(dataset)}-v{RECIPE['version']}"
    return folder / f"{stem}.keras", folder / f"{stem}.json"


def _versions() -> dict[str, str]:
    import keras
    import tensorflow as tf

    return {"keras": keras.__version__, "tensorflow": tf.__version__}


def _load_cached(model_path: Path, record_path: Path, dataset: str) -> tuple[Any, dict] | str:
    """The cached model and its record, or why it cannot be used."""
    import keras

    from .data.atomic import is_plain_file

    if not (is_plain_file(model_path) and is_plain_file(record_path)):
        return "not cached yet"
    try:
        record = json.loads(record_path.read_text())
    except (OSError, ValueError):
        return "its record is unreadable"
    if not isinstance(record, dict) or not isinstance(record.get("test_accuracy"), float):
        return "its record is unreadable"
    expected = {"dataset": dataset, "recipe": RECIPE, **_versions()}
    changed = [key for key, value in expected.items() if record.get(key) != value]
    if changed:
        return f"it was made with another {'/'.join(changed)}"
    from .data.checksums import sha256_of

    if sha256_of(model_path) != record.get("sha256"):
        return "its checksum does not match (damaged file)"
    try:
        model = keras.saving.load_model(model_path, compile=False, safe_mode=True)
        model.get_layer("features")
    except Exception:  # a file that passes the checksum but not Keras: retrain
        return "Keras cannot read it"
    return model, record


def _save(model: Any, model_path: Path, record_path: Path, record: dict) -> None:
    from .data.atomic import write_atomic

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder) / "classifier.keras"
        model.save(tmp)
        payload = tmp.read_bytes()
    record = {**record, "sha256": hashlib.sha256(payload).hexdigest()}
    write_atomic(model_path, payload)  # the model first: a record always names a complete file
    write_atomic(record_path, (json.dumps(record, indent=1) + "\n").encode())


def load_classifier(dataset: str = "mnist", *, verbose: bool = True,
                    retrain: bool = False) -> DigitClassifier:
    """The course's digit classifier for `dataset` ("mnist" or "fashion_mnist"): read from the
    course cache when its record matches (recipe, Keras and TensorFlow versions, SHA-256 of
    the file), else trained (about a minute on two CPU cores) and cached. Processes sharing
    the cache wait for each other (a lock) and write through atomic renames."""
    from .data.atomic import ensure_dir, folder_lock
    from .data.locations import cache_dir

    dataset = _check_dataset(dataset)
    model_path, record_path = cache_paths(dataset)
    memo_key = (dataset, str(model_path))
    if not retrain and memo_key in _loaded:
        return _loaded[memo_key]
    start, cpu = time.perf_counter(), time.process_time()
    ensure_dir(model_path.parent, cache_dir())
    with folder_lock(model_path.parent):
        found = "retraining asked" if retrain else _load_cached(model_path, record_path, dataset)
        if isinstance(found, tuple):
            model, record = found
            how = "read from the course cache"
        else:
            model, accuracy = train_classifier(dataset)
            record = {"dataset": dataset, "recipe": RECIPE, **_versions(),
                      "test_accuracy": accuracy,
                      "train_seconds": round(time.perf_counter() - start, 1),
                      "train_cpu_seconds": round(time.process_time() - cpu, 1)}
            _save(model, model_path, record_path, record)
            how = f"trained ({found})"
    classifier = DigitClassifier(model, dataset, float(record["test_accuracy"]), how)
    _loaded[memo_key] = classifier
    if verbose:
        print(f"evaluation classifier ({dataset}): {how} in {time.perf_counter() - start:.1f} s, "
              f"test accuracy {classifier.test_accuracy:.4f}")
    return classifier


# --------------------------------------------------------------------------- one call


@dataclasses.dataclass(frozen=True, eq=False)
class SampleReport:
    """What `evaluate_samples` measured on `n` samples against `n_reference` real images."""

    n: int
    n_reference: int
    frechet: float
    precision: float
    recall: float
    confident: float
    class_shares: np.ndarray

    def __str__(self) -> str:
        shares = self.class_shares
        return (f"{self.n:,} samples: Fréchet distance {self.frechet:.2f}, precision "
                f"{self.precision:.2f}, recall {self.recall:.2f}, confident {self.confident:.1%}, "
                f"classes {shares.min():.1%}-{shares.max():.1%}")


def _draw(dataset: str, n: int, split: str, seed: int,
          at_most: bool = False) -> tuple[np.ndarray, np.ndarray]:
    from .data import load_dataset

    if split not in ("train", "test"):
        raise CourseValueError(f"split={split!r}: use 'train' or 'test'.")
    (x_train, y_train), (x_test, y_test) = load_dataset(_check_dataset(dataset), verbose=False)
    x, y = (x_train, y_train) if split == "train" else (x_test, y_test)
    n = min(n, len(x)) if at_most else n
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 2 <= n <= len(x):
        raise CourseValueError(f"n={n!r}: use a whole number from 2 to {len(x):,}.")
    chosen = np.sort(np.random.default_rng(seed).choice(len(x), size=int(n), replace=False))
    return (x[chosen].astype(np.float32) / 255)[..., None], y[chosen]


def reference_images(dataset: str = "mnist", n: int = 2000, *, split: str = "train",
                     seed: int = 0) -> np.ndarray:
    """`n` real images of `dataset`'s `split` drawn at random with `seed`, float32
    `(n, 28, 28, 1)` in [0, 1]."""
    return _draw(dataset, n, split, seed)[0]


def evaluate_samples(samples: Any, *, dataset: str = "mnist", reference: Any = None,
                     seed: int = 0, k: int = K_NEIGHBOURS,
                     classifier: DigitClassifier | None = None) -> SampleReport:
    """Measure generated digits against real ones: Fréchet distance and precision/recall
    (features of the course classifier), confident share and class shares.

    `samples`: `(n, 28, 28[, 1])` in [0, 1]. `reference`: real images to compare with,
    by default `n` training images drawn with `seed` (the same size: the Fréchet estimate
    depends on it; the offline MNIST copy has 10,000). `classifier`: defaults to
    `load_classifier(dataset)`."""
    classifier = classifier or load_classifier(dataset)
    fake_features, fake_probabilities = classifier._run(samples, "samples")
    if reference is None:  # as many as the samples, if the training set has that many
        reference = _draw(classifier.dataset, len(fake_features), "train", seed, at_most=True)[0]
    real_features, _ = classifier._run(reference, "reference")
    precision, recall = precision_recall(real_features, fake_features, k=k)
    return SampleReport(n=len(fake_features), n_reference=len(real_features),
                        frechet=frechet_distance(real_features, fake_features),
                        precision=precision, recall=recall,
                        confident=confident_share(fake_probabilities),
                        class_shares=class_histogram(fake_probabilities))


def frechet_between(images_a: Any, images_b: Any, *, dataset: str = "mnist",
                    classifier: DigitClassifier | None = None) -> float:
    """Squared Fréchet distance between two image sets in the course classifier's features."""
    classifier = classifier or load_classifier(dataset)
    return frechet_distance(classifier._run(images_a, "images_a")[0],
                            classifier._run(images_b, "images_b")[0])


def reference_cases(dataset: str = "mnist", n: int = 2000, *,
                    seed: int = 0) -> dict[str, np.ndarray]:
    """Known cases an evaluation must rank, each `n` images made from `n` real test images
    drawn with `seed`: the real digits, blurred (Gaussian, sigma 1 and 2 pixels), with
    Gaussian noise (standard deviation 0.3, clipped), uniform noise images, and a "collapsed
    generator": `n` copies of 5 real digits of two classes (3 and 2 of the first two classes
    drawn)."""
    from scipy.ndimage import gaussian_filter

    real, labels = _draw(dataset, n, "test", seed)
    rng = np.random.default_rng(seed + 1)
    first, second = labels[0], next(c for c in labels if c != labels[0])
    few = np.concatenate([real[labels == first][:3], real[labels == second][:2]])
    return {
        "real test images": real,
        "blurred, sigma 1": gaussian_filter(real, sigma=(0, 1, 1, 0)),
        "blurred, sigma 2": gaussian_filter(real, sigma=(0, 2, 2, 0)),
        "Gaussian noise 0.3": np.clip(real + rng.normal(0, 0.3, real.shape), 0, 1
                                      ).astype(np.float32),
        "uniform noise": rng.uniform(0, 1, real.shape).astype(np.float32),
        "collapsed (5 digits)": np.resize(few, real.shape),
    }
