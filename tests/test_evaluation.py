"""course_utils.evaluation: the Fréchet distance and precision/recall on known cases, the
input checks, the classifier's cache (rebuilt when damaged or from another version), and the
ranking of the reference cases by the cached MNIST classifier.

The ranking tests use the classifier of the course cache (COURSE_CACHE_DIR): the first run
trains it (about a minute of CPU); the cache tests train a tiny one in a temporary cache."""

from __future__ import annotations

import hashlib
import json
import random

import numpy as np
import pytest
from scipy import linalg

from course_utils import evaluation
from course_utils.errors import CourseTypeError, CourseValueError

# --------------------------------------------------------------------------- Fréchet distance


def _spd(rng, d, rank=None):
    a = rng.normal(size=(d, rank or d))
    return a @ a.T / (rank or d)


def test_frechet_of_a_set_with_itself_is_zero_and_symmetric():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(500, 16)) @ rng.normal(size=(16, 16))
    b = rng.normal(loc=0.5, size=(400, 16))
    assert evaluation.frechet_distance(a, a) == pytest.approx(0, abs=1e-8)
    ab, ba = evaluation.frechet_distance(a, b), evaluation.frechet_distance(b, a)
    assert ab > 1 and ab == pytest.approx(ba, rel=1e-9)


def test_frechet_closed_form_for_diagonal_gaussians():
    # N(m1, diag(s1^2)) and N(m2, diag(s2^2)): |m1 - m2|^2 + sum (s1 - s2)^2
    m1, m2 = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 0.0])
    s1, s2 = np.array([1.0, 2.0, 0.5]), np.array([3.0, 1.0, 0.5])
    exact = np.sum((m1 - m2) ** 2) + np.sum((s1 - s2) ** 2)  # 5 + 5 = 10
    assert evaluation.frechet_from_statistics(m1, np.diag(s1**2), m2, np.diag(s2**2)) == pytest.approx(exact)
    rng = np.random.default_rng(1)
    a, b = m1 + s1 * rng.normal(size=(40_000, 3)), m2 + s2 * rng.normal(size=(40_000, 3))
    assert evaluation.frechet_distance(a, b) == pytest.approx(exact, rel=0.03)


def test_frechet_closed_form_against_identity_and_scipy():
    rng = np.random.default_rng(2)
    cov = _spd(rng, 8)
    # N(0, I) against N(0, C): sum over C's eigenvalues of (1 - sqrt(lambda))^2
    exact = np.sum((1 - np.sqrt(np.linalg.eigvalsh(cov))) ** 2)
    zero = np.zeros(8)
    assert evaluation.frechet_from_statistics(zero, np.eye(8), zero, cov) == pytest.approx(exact)
    # two covariances that do not commute: the textbook formula with scipy's sqrtm
    cov_a, cov_b, mu = _spd(rng, 8), _spd(rng, 8), rng.normal(size=8)
    root = linalg.sqrtm(cov_a @ cov_b).real
    textbook = mu @ mu + np.trace(cov_a + cov_b - 2 * root)
    assert evaluation.frechet_from_statistics(mu, cov_a, zero, cov_b) == pytest.approx(textbook, rel=1e-6)


def test_frechet_near_singular_covariances():
    # diag(1, 0) against diag(4, 1): (1 - 2)^2 + (0 - 1)^2 = 2, with a singular covariance
    zero = np.zeros(2)
    assert evaluation.frechet_from_statistics(zero, np.diag([1.0, 0.0]), zero,
                                              np.diag([4.0, 1.0])) == pytest.approx(2.0)
    # fewer samples than dimensions and dead (always zero) units, as ReLU features have
    rng = np.random.default_rng(3)
    a = np.maximum(rng.normal(size=(50, 128)), 0)
    a[:, :20] = 0
    b = np.maximum(rng.normal(size=(60, 128)), 0)
    assert evaluation.frechet_distance(a, a) == pytest.approx(0, abs=1e-6)
    value = evaluation.frechet_distance(a, b)
    assert np.isfinite(value) and value > 0
    assert value == pytest.approx(evaluation.frechet_distance(b, a), rel=1e-6)


def test_frechet_rejects_mismatched_features():
    with pytest.raises(CourseValueError, match="same feature layer"):
        evaluation.frechet_distance(np.zeros((5, 3)), np.zeros((5, 4)))
    with pytest.raises(CourseValueError, match=r"\(n, d\)"):
        evaluation.frechet_distance(np.zeros(5), np.zeros((5, 1)))
    with pytest.raises(CourseValueError, match="NaN"):
        evaluation.frechet_distance(np.full((5, 2), np.nan), np.zeros((5, 2)))


# --------------------------------------------------------------------------- precision/recall


def test_precision_recall_by_hand():
    real = np.arange(10.0)[:, None]  # k = 1: every real ball has radius 1
    samples = np.array([[0.5], [4.0], [20.0], [30.0]])
    precision, recall = evaluation.precision_recall(real, samples, k=1)
    # samples 0.5 and 4 are inside real balls: 2 of 4; sample balls (k = 1): radius 3.5 around
    # 0.5 and 4 (their nearest other sample), 10 around 20 and 30: reals 0..7 and 10.. -> 8 of 10
    assert precision == 0.5 and recall == 0.8


def test_precision_recall_identical_far_and_collapsed():
    rng = np.random.default_rng(4)
    real = rng.normal(size=(300, 5))
    assert evaluation.precision_recall(real, real.copy()) == (1.0, 1.0)
    assert evaluation.precision_recall(real, real + 100) == (0.0, 0.0)
    collapsed = np.repeat(real[:3], 100, axis=0)  # 300 copies of 3 real points
    precision, recall = evaluation.precision_recall(real, collapsed)
    assert precision == 1.0 and recall <= 0.02
    with pytest.raises(CourseValueError, match="k="):
        evaluation.precision_recall(real, real, k=0)


def test_confident_share_and_class_histogram():
    p = np.array([[0.95, 0.05, 0], [0.5, 0.4, 0.1], [0, 0.05, 0.95], [0.1, 0.89, 0.01]])
    assert evaluation.confident_share(p) == 0.5
    assert evaluation.class_histogram(p).tolist() == [0.5, 0.25, 0.25]
    with pytest.raises(CourseValueError, match="probabilities"):
        evaluation.confident_share(np.ones(3))


# --------------------------------------------------------------------------- image checks


def test_images_with_or_without_channel_axis():
    x = np.random.default_rng(5).uniform(size=(4, 28, 28)).astype(np.float32)
    a, b = evaluation.check_images(x), evaluation.check_images(x[..., None])
    assert a.shape == (4, 28, 28, 1) and a.dtype == np.float32 and np.array_equal(a, b)
    assert evaluation.check_images(x.astype(np.float64) + 1e-7).max() <= 1.0  # round-off clipped


@pytest.mark.parametrize("images, error, words", [
    (np.full((3, 28, 28), 255, np.uint8), CourseValueError, "divide by 255"),
    (np.linspace(-1, 1, 3 * 784).reshape(3, 28, 28), CourseValueError, r"\(images \+ 1\) / 2"),
    (np.zeros((3, 28, 28, 3)), CourseValueError, "one channel"),
    (np.zeros((3, 784)), CourseValueError, "reshape"),
    (np.zeros((28, 28)), CourseValueError, "single image"),
    (np.zeros((1, 28, 28)), CourseValueError, "at least 2"),
    (np.full((3, 28, 28), np.nan), CourseValueError, "NaN"),
    ("samples.png", CourseTypeError, "array of images"),
    (np.array([["a"] * 28] * 28 * 2).reshape(2, 28, 28), CourseTypeError, "dtype"),
])
def test_bad_images_get_a_clear_course_error(images, error, words):
    with pytest.raises(error, match=words) as caught:
        evaluation.check_images(images, "samples")
    assert "samples" in str(caught.value)
    assert isinstance(caught.value, (ValueError, TypeError))  # plain except clauses still work


def test_unknown_dataset():
    with pytest.raises(CourseValueError, match="fashion_mnist"):
        evaluation.cache_paths("cifar10")


def test_report_reads_as_one_line():
    report = evaluation.SampleReport(n=2000, n_reference=2000, frechet=12.345, precision=0.81,
                                     recall=0.62, confident=0.934,
                                     class_shares=np.array([0.05] + [0.95 / 9] * 9))
    text = str(report)
    assert "\n" not in text
    for part in ("2,000 samples", "12.35", "precision 0.81", "recall 0.62", "93.4%", "5.0%-10.6%"):
        assert part in text, (part, text)


# --------------------------------------------------------------------------- the cache


@pytest.fixture
def tiny_recipe(monkeypatch, tmp_path, shared_data):
    """A temporary cache and a recipe that trains in seconds (500 digits, 1 epoch)."""
    monkeypatch.setenv("COURSE_DATA_DIR", str(shared_data))
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(evaluation, "RECIPE", {**evaluation.RECIPE, "n_train": 500, "epochs": 1})
    monkeypatch.setattr(evaluation, "_loaded", {})
    return tmp_path / "cache"


def _fresh(dataset="mnist"):
    evaluation._loaded.clear()  # as a new notebook process would
    return evaluation.load_classifier(dataset, verbose=False)


def test_cache_is_written_read_and_rebuilt_when_damaged(tiny_recipe):
    import keras

    keras.utils.set_random_seed(7)
    before = (random.random(), np.random.rand())
    keras.utils.set_random_seed(7)
    first = _fresh()
    # training never touches the notebook's global random state
    assert (random.random(), np.random.rand()) == before
    assert first.source == "trained (not cached yet)"
    model_path, record_path = evaluation.cache_paths("mnist")
    record = json.loads(record_path.read_text())
    assert record["recipe"]["n_train"] == 500 and len(record["sha256"]) == 64
    assert record["test_accuracy"] < 0.95  # the tiny recipe was used, not the course's
    assert sorted(p.name for p in model_path.parent.iterdir()) == sorted([model_path.name, record_path.name])
    digits = evaluation.reference_images("mnist", 50, split="test")
    expected = first.probabilities(digits)

    second = _fresh()
    assert second.source == "read from the course cache"
    np.testing.assert_allclose(second.probabilities(digits), expected, atol=1e-6)
    assert evaluation.load_classifier("mnist") is second  # once per process

    payload = bytearray(model_path.read_bytes())
    payload[len(payload) // 2] ^= 0xFF
    model_path.write_bytes(bytes(payload))
    assert "checksum" in _fresh().source
    assert _fresh().source == "read from the course cache"

    def why_not(dataset="mnist"):  # what load_classifier would say before retraining
        found = evaluation._load_cached(model_path, record_path, dataset)
        return found if isinstance(found, str) else "usable"

    record = json.loads(record_path.read_text())
    assert why_not() == "usable"
    record_path.write_text(json.dumps({**record, "keras": "3.0.0"}))
    assert "another keras" in why_not()
    record_path.write_text(json.dumps({**record, "recipe": {**record["recipe"], "epochs": 2}}))
    assert "another recipe" in why_not()
    record_path.write_text("{not json")
    assert "unreadable" in why_not()
    garbage = b"not a zip archive"  # a file whose checksum matches but Keras cannot read
    model_path.write_bytes(garbage)
    record_path.write_text(json.dumps({**record, "sha256": hashlib.sha256(garbage).hexdigest()}))
    assert "cannot read" in why_not()
    record_path.unlink()
    assert why_not() == "not cached yet"


# --------------------------------------------------------------------------- reference cases


@pytest.fixture(scope="module")
def mnist_classifier(shared_data):
    """The course's MNIST classifier from the cache of the environment (trained on first use)."""
    return evaluation.load_classifier("mnist", verbose=False)


@pytest.fixture(scope="module")
def reports(mnist_classifier):
    reference = evaluation.reference_images("mnist", 2000, seed=100)
    cases = evaluation.reference_cases("mnist", 2000, seed=0)
    return {name: evaluation.evaluate_samples(images, reference=reference,
                                              classifier=mnist_classifier)
            for name, images in cases.items()}


def test_classifier_is_accurate(mnist_classifier):
    assert mnist_classifier.test_accuracy >= 0.975


def test_frechet_ranks_the_reference_cases(reports):
    fd = {name: r.frechet for name, r in reports.items()}
    assert fd["real test images"] * 10 < fd["blurred, sigma 1"] < fd["blurred, sigma 2"], fd
    assert fd["blurred, sigma 1"] < fd["Gaussian noise 0.3"] < fd["uniform noise"], fd
    assert fd["blurred, sigma 2"] < fd["uniform noise"], fd
    assert fd["collapsed (5 digits)"] > fd["blurred, sigma 1"], fd


def test_collapse_and_blur_are_caught_where_confidence_is_blind(reports):
    real, blurred, collapsed = (reports[k] for k in ("real test images", "blurred, sigma 1",
                                                     "collapsed (5 digits)"))
    assert real.precision > 0.8 and real.recall > 0.8, real
    assert real.class_shares.max() < 0.15, real
    # the collapsed generator: confident, but one class dominates and nothing is recalled
    assert collapsed.confident >= 0.8 and collapsed.class_shares.max() >= 0.4, collapsed
    assert collapsed.recall < 0.05 and collapsed.frechet > 100 * real.frechet, collapsed
    # blurred digits: still mostly confident, far in Fréchet distance, not recalled
    assert blurred.confident > 0.5 and blurred.recall < real.recall / 4, blurred


def test_shapes_give_the_same_features(mnist_classifier):
    digits = evaluation.reference_images("mnist", 20, split="test")
    np.testing.assert_allclose(mnist_classifier.features(digits[..., 0]),
                               mnist_classifier.features(digits), atol=1e-6)
    with pytest.raises(CourseValueError, match="divide by 255"):
        evaluation.evaluate_samples(digits * 255, classifier=mnist_classifier)


def test_frechet_between_images(mnist_classifier):
    a = evaluation.reference_images("mnist", 500, split="test", seed=1)
    b = evaluation.reference_images("mnist", 500, seed=2)
    fd = evaluation.frechet_between(a, b, classifier=mnist_classifier)
    report = evaluation.evaluate_samples(a, reference=b, classifier=mnist_classifier)
    assert fd == pytest.approx(report.frechet) and fd > 0
    assert evaluation.frechet_between(a, a, classifier=mnist_classifier) == pytest.approx(0, abs=1e-6)
