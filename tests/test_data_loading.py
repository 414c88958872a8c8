"""load_dataset on the real offline copy: shapes, order, subsets, speed of the second load."""

from __future__ import annotations

import time

import numpy as np
import pytest

import course_utils
from course_utils.data.loader import stratified_indices

EXPECTED = {
    # name: (n_train, n_test, image shape)
    "mnist": (10_000, 10_000, (28, 28)),
    "fashion_mnist": (60_000, 10_000, (28, 28)),
    "cifar10": (50_000, 10_000, (32, 32, 3)),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_images_in_keras_layout(use_offline_copy, name):
    n_train, n_test, shape = EXPECTED[name]
    (x_train, y_train), (x_test, y_test) = course_utils.load_dataset(name)
    assert x_train.shape == (n_train, *shape) and x_train.dtype == np.uint8
    assert x_test.shape == (n_test, *shape) and x_test.dtype == np.uint8
    label_shape = (1,) if name == "cifar10" else ()
    assert y_train.shape == (n_train, *label_shape)
    assert y_test.shape == (n_test, *label_shape)
    assert set(np.unique(y_train)) == set(range(10))
    # A fixed shuffled order: the first 200 examples hold every class, in both splits.
    assert len(np.unique(y_train[:200])) == 10
    assert len(np.unique(y_test[:200])) == 10
    # ...and a 10% validation split taken from the end holds every class too.
    assert len(np.unique(y_train[-n_train // 10:])) == 10


def test_imdb_reviews_are_raw_strings(use_offline_copy):
    (train_texts, train_labels), (test_texts, test_labels) = course_utils.load_dataset("imdb_reviews")
    assert len(train_texts) == len(train_labels) == 25_000
    assert len(test_texts) == len(test_labels) == 25_000
    assert isinstance(train_texts[0], str) and len(train_texts[0]) > 20
    assert set(np.unique(train_labels)) == {0, 1}
    assert train_labels.sum() == 12_500 and test_labels.sum() == 12_500
    assert 0.3 < train_labels[:100].mean() < 0.7  # not grouped by label
    assert train_texts[0] != train_texts[1]


def test_alias_and_same_order_every_time(use_offline_copy):
    (_, y1), _ = course_utils.load_dataset("imdb", verbose=False)
    (_, y2), _ = course_utils.load_dataset("imdb_reviews", verbose=False)
    assert np.array_equal(y1, y2)


def test_second_cifar_load_is_fast(use_offline_copy):
    course_utils.load_dataset("cifar10", verbose=False)  # decodes once (or reuses the cache)
    start = time.perf_counter()
    (x_train, _), _ = course_utils.load_dataset("cifar10", verbose=False)
    elapsed = time.perf_counter() - start
    assert x_train.shape == (50_000, 32, 32, 3)
    assert elapsed < 5.0, f"second CIFAR-10 load took {elapsed:.1f} s"


def test_smoke_subset_is_stratified_and_deterministic(use_offline_copy):
    (x1, y1), (xt, yt) = course_utils.load_dataset("fashion_mnist", subset="smoke")
    (x2, y2), _ = course_utils.load_dataset("fashion_mnist", subset="smoke", verbose=False)
    info = course_utils.data.dataset_info("fashion_mnist")
    assert (len(x1), len(xt)) == info.smoke_sizes
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    counts = np.bincount(y1, minlength=10)
    assert counts.max() - counts.min() <= 1  # Fashion-MNIST classes are balanced


def test_explicit_subset_sizes(use_offline_copy):
    (x_train, y_train), (x_test, _) = course_utils.load_dataset("mnist", subset=(1000, 300))
    assert len(x_train) == 1000 and len(x_test) == 300
    assert len(np.unique(y_train)) == 10


def test_stratified_indices_keeps_proportions_and_order():
    labels = np.array([0] * 80 + [1] * 20)
    rng = np.random.default_rng(0)
    labels = labels[rng.permutation(100)]
    idx = stratified_indices(labels, 10)
    assert len(idx) == 10 and np.all(np.diff(idx) > 0)
    assert np.bincount(labels[idx]).tolist() == [8, 2]
    assert len(stratified_indices(labels, 500)) == 100


@pytest.mark.parametrize("bad", ["medium", (0, 10), (10,), 5])
def test_bad_subset_is_a_clear_error(use_offline_copy, bad):
    with pytest.raises(course_utils.CourseDataError, match="subset"):
        course_utils.load_dataset("mnist", subset=bad)


def test_class_names():
    assert course_utils.class_names("cifar10")[3] == "cat"
    assert course_utils.class_names("fashion_mnist")[9] == "Ankle boot"
    assert len(course_utils.class_names("imdb_reviews")) == 2
