"""Bad input gets a clear CourseDataError: what is wrong and what to do, quickly."""

from __future__ import annotations

import io
import shutil
import tarfile
import time

import numpy as np
import pytest

import course_utils
from course_utils import CourseDataError


def test_unknown_name_lists_valid_names():
    with pytest.raises(CourseDataError) as err:
        course_utils.load_dataset("cifar100")
    for name in ("mnist", "fashion_mnist", "cifar10", "imdb_reviews"):
        assert name in str(err.value)


def test_no_network_no_copy_fails_fast_with_the_fix(empty_env):
    start = time.perf_counter()
    with pytest.raises(CourseDataError) as err:
        course_utils.load_dataset("cifar10")
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, f"took {elapsed:.1f} s"
    message = str(err.value)
    assert "COURSE_DATA_DIR" in message and "TFDS_DATA_DIR" in message
    assert "python -m course_utils.data download --all --to DIR" in message
    assert "../shared" not in message


def test_missing_data_dir_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(CourseDataError, match="nowhere.*not a folder"):
        course_utils.load_dataset("mnist")


@pytest.mark.parametrize("with_sums", [True, False])
def test_truncated_npz_is_detected(monkeypatch, tmp_path, shared_data, with_sums):
    data = tmp_path / "data"
    data.mkdir()
    raw = (shared_data / "mnist.npz").read_bytes()
    (data / "mnist.npz").write_bytes(raw[: len(raw) // 2])
    if with_sums:
        shutil.copy(shared_data / "SHA256SUMS", data / "SHA256SUMS")
    monkeypatch.setenv("COURSE_DATA_DIR", str(data))
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(CourseDataError) as err:
        course_utils.load_dataset("mnist")
    message = str(err.value)
    assert str(data / "mnist.npz") in message
    assert ("Checksum mismatch" in message) if with_sums else ("damaged or incomplete" in message)


def _data_dir_with(monkeypatch, tmp_path, filename, payload: bytes):
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / filename).write_bytes(payload)
    monkeypatch.setenv("COURSE_DATA_DIR", str(data))
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    return data / filename


def _npz_bytes(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def test_wrong_shape_is_reported(monkeypatch, tmp_path):
    x = np.zeros((5, 32, 32), np.uint8)
    y = np.zeros(5, np.uint8)
    path = _data_dir_with(monkeypatch, tmp_path, "mnist.npz",
                          _npz_bytes(x_train=x, y_train=y, x_test=x, y_test=y))
    with pytest.raises(CourseDataError, match=r"\(32, 32\).*expected \(28, 28\)") as err:
        course_utils.load_dataset("mnist")
    assert str(path) in str(err.value)


def test_pickled_arrays_are_refused(monkeypatch, tmp_path):
    obj = np.array([{"a": 1}] * 3, dtype=object)
    _data_dir_with(monkeypatch, tmp_path, "mnist.npz",
                   _npz_bytes(x_train=obj, y_train=obj, x_test=obj, y_test=obj))
    with pytest.raises(CourseDataError, match="damaged or incomplete"):
        course_utils.load_dataset("mnist")


def test_bad_labels_are_reported(monkeypatch, tmp_path):
    x = np.zeros((4, 28, 28), np.uint8)
    y = np.array([0, 1, 2, 42], np.uint8)
    _data_dir_with(monkeypatch, tmp_path, "mnist.npz",
                   _npz_bytes(x_train=x, y_train=y, x_test=x, y_test=y))
    with pytest.raises(CourseDataError, match="labels run from 0 to 42"):
        course_utils.load_dataset("mnist")


def test_corrupt_jpeg_in_cifar_archive(monkeypatch, tmp_path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        payload = b"not a jpeg at all"
        info = tarfile.TarInfo("cifar10_jpg/train/cat/0001.jpg")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    _data_dir_with(monkeypatch, tmp_path, "cifar10_jpg.tar.gz", buf.getvalue())
    with pytest.raises(CourseDataError, match="cannot decode cifar10_jpg/train/cat/0001.jpg"):
        course_utils.load_dataset("cifar10")


def test_truncated_text_archive(monkeypatch, tmp_path, shared_data):
    raw = (shared_data / "aclImdb.tar.gz").read_bytes()
    path = _data_dir_with(monkeypatch, tmp_path, "aclImdb.tar.gz", raw[:200_000])
    with pytest.raises(CourseDataError) as err:
        course_utils.load_dataset("imdb_reviews")
    assert str(path) in str(err.value) and "damaged or incomplete" in str(err.value)


# --- hostile input (issue 8) --------------------------------------------------------

from .conftest import small_cifar_members, small_imdb_members, tar_gz  # noqa: E402


@pytest.mark.parametrize("name, filename, members", [
    ("cifar10", "cifar10_jpg.tar.gz", small_cifar_members),
    ("imdb_reviews", "aclImdb.tar.gz", small_imdb_members),
])
@pytest.mark.parametrize("offset", [-3, -6, -30])
def test_bit_flip_near_the_end_of_an_archive(data_env, small_counts, name, filename, members, offset):
    """No SHA256SUMS line: the gzip trailer (CRC, length) must still be read."""
    data, _ = data_env
    raw = bytearray(tar_gz(members()))
    (data / filename).write_bytes(bytes(raw))
    course_utils.load_dataset(name, verbose=False)  # the intact archive loads
    raw[offset] ^= 0x40
    (data / filename).write_bytes(bytes(raw))
    with pytest.raises(CourseDataError, match="damaged or incomplete"):
        course_utils.load_dataset(name, verbose=False)


def test_archive_missing_examples_fails_the_class_counts(data_env, small_counts):
    data, _ = data_env
    members = small_cifar_members()
    del members["cifar10_jpg/train/cat/0001.jpg"]
    (data / "cifar10_jpg.tar.gz").write_bytes(tar_gz(members))
    with pytest.raises(CourseDataError, match=r"train split has \[2, 2, 2, 1, 2"):
        course_utils.load_dataset("cifar10", verbose=False)


def test_real_archive_counts_are_the_complete_dataset():
    from course_utils.data.catalog import DATASETS

    assert DATASETS["cifar10"].class_counts == (5000, 1000)
    assert DATASETS["imdb_reviews"].class_counts == (12500, 12500)


def test_image_in_another_format_is_refused(data_env, small_counts):
    from .conftest import jpeg

    data, _ = data_env
    members = small_cifar_members()
    members["cifar10_jpg/train/cat/0001.jpg"] = jpeg(5, fmt="PNG")
    (data / "cifar10_jpg.tar.gz").write_bytes(tar_gz(members))
    with pytest.raises(CourseDataError, match="cannot decode .*cat/0001.jpg as JPEG"):
        course_utils.load_dataset("cifar10", verbose=False)


def _mnist_like(n=20, **override):
    rng = np.random.default_rng(0)
    arrays = dict(x_train=rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
                  y_train=np.arange(n, dtype=np.uint8) % 10,
                  x_test=rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
                  y_test=np.arange(n, dtype=np.uint8) % 10)
    arrays.update(override)
    return _npz_bytes(**arrays)


@pytest.mark.parametrize("override, match", [
    (dict(y_train=np.arange(20) % 10 + 0.5), "labels are float64, not integers"),
    (dict(y_train=(np.arange(20) % 10).astype(bool)), "not integers"),
    (dict(x_test=np.zeros((0, 28, 28), np.uint8), y_test=np.zeros(0, np.uint8)), "test split is empty"),
    (dict(y_train=np.arange(20, dtype=np.uint8) % 8), "train split has no examples of class.*8, 9"),
    (dict(y_test=np.arange(19, dtype=np.uint8) % 10), "labels of shape"),
    (dict(y_test=-(np.arange(20) % 10)), "labels run from -9"),
])
def test_bad_labels_and_splits_are_refused(monkeypatch, tmp_path, override, match):
    _data_dir_with(monkeypatch, tmp_path, "mnist.npz", _mnist_like(**override))
    with pytest.raises(CourseDataError, match=match):
        course_utils.load_dataset("mnist", verbose=False)


@pytest.mark.parametrize("bad", [["mnist"], None, 3, {"name": "mnist"}])
def test_misused_name_is_a_course_type_error(bad):
    from course_utils.errors import CourseTypeError

    with pytest.raises(CourseTypeError, match="must be a string") as err:
        course_utils.load_dataset(bad)
    assert isinstance(err.value, TypeError) and isinstance(err.value, CourseDataError)


@pytest.mark.parametrize("bad", [(True, 10), (10.0, 5), "tiny", object()])
def test_misused_subset_is_a_course_error(use_offline_copy, bad):
    with pytest.raises(CourseDataError, match="subset") as err:
        course_utils.load_dataset("mnist", subset=bad, verbose=False)
    assert isinstance(err.value, (TypeError, ValueError))
