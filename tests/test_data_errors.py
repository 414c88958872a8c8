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
    assert elapsed < 5.0, f"took {elapsed:.1f} s"
    message = str(err.value)
    assert "COURSE_DATA_DIR" in message
    assert "python -m course_utils.data download --all" in message


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


def test_a_hanging_network_still_fails_fast(empty_env, monkeypatch):
    """A name lookup or connect that never answers must not hang the notebook."""
    import socket

    def hang(*args, **kwargs):
        time.sleep(30)
        raise OSError("gave up")  # what a real socket does, long after the loader has

    monkeypatch.setattr(socket, "create_connection", hang)
    start = time.perf_counter()
    with pytest.raises(CourseDataError, match="no answer within"):
        course_utils.load_dataset("mnist")
    assert time.perf_counter() - start < 5.0
