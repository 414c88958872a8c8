"""The download path, served from a loopback HTTP server: checksums, formats, cache layout."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import tarfile

import numpy as np
import pytest

import course_utils
from course_utils import CourseDataError
from course_utils.data import catalog
from course_utils.data.__main__ import main as data_cli
from course_utils.data.catalog import Download


def _serve(monkeypatch, name, folder, base, files: dict[str, bytes], sha_override=None):
    downloads = []
    for filename, payload in files.items():
        (folder / filename).write_bytes(payload)
        sha = sha_override or hashlib.sha256(payload).hexdigest()
        downloads.append(Download(base + filename, sha, filename))
    info = dataclasses.replace(catalog.DATASETS[name], downloads=tuple(downloads))
    monkeypatch.setitem(catalog.DATASETS, name, info)


def _idx(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 8, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def test_mnist_download_then_cache(monkeypatch, empty_env, file_server, shared_data):
    folder, base = file_server
    _serve(monkeypatch, "mnist", folder, base, {"mnist.npz": (shared_data / "mnist.npz").read_bytes()})
    (x_train, y_train), (x_test, _) = course_utils.load_dataset("mnist")
    assert x_train.shape == (10_000, 28, 28) and x_test.shape == (10_000, 28, 28)
    assert (empty_env / "mnist.npz").is_file()
    assert "mnist.npz" in (empty_env / "SHA256SUMS").read_text()
    # Second load: from the cache, no server needed.
    (folder / "mnist.npz").unlink()
    (x2, _), _ = course_utils.load_dataset("mnist")
    assert np.array_equal(x_train, x2)


def test_fashion_idx_download_written_in_npz_layout(monkeypatch, empty_env, file_server):
    folder, base = file_server
    rng = np.random.default_rng(0)
    x_tr = rng.integers(0, 256, (50, 28, 28), dtype=np.uint8)
    y_tr = rng.integers(0, 10, 50, dtype=np.uint8)
    x_te = rng.integers(0, 256, (20, 28, 28), dtype=np.uint8)
    y_te = rng.integers(0, 10, 20, dtype=np.uint8)
    _serve(monkeypatch, "fashion_mnist", folder, base, {
        "train-images-idx3-ubyte.gz": _idx(x_tr), "train-labels-idx1-ubyte.gz": _idx(y_tr),
        "t10k-images-idx3-ubyte.gz": _idx(x_te), "t10k-labels-idx1-ubyte.gz": _idx(y_te),
    })
    (x_train, y_train), (x_test, y_test) = course_utils.load_dataset("fashion_mnist")
    assert np.array_equal(x_train, x_tr) and np.array_equal(y_test, y_te)
    # The cache is usable as another machine's COURSE_DATA_DIR.
    monkeypatch.setenv("COURSE_DATA_DIR", str(empty_env))
    (x3, _), _ = course_utils.load_dataset("fashion_mnist")
    assert np.array_equal(x3, x_tr)


def test_cifar_binary_download(monkeypatch, empty_env, file_server):
    folder, base = file_server
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (12, 32, 32, 3), dtype=np.uint8)
    labels = np.arange(12, dtype=np.uint8) % 10
    def batch(idx):
        planes = images[idx].transpose(0, 3, 1, 2).reshape(len(idx), -1)
        return np.concatenate([labels[idx, None], planes], axis=1).tobytes()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, idx in (("data_batch_1.bin", np.arange(8)), ("test_batch.bin", np.arange(8, 12))):
            payload = batch(idx)
            info = tarfile.TarInfo(f"cifar-10-batches-bin/{name}")
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    _serve(monkeypatch, "cifar10", folder, base, {"cifar-10-binary.tar.gz": buf.getvalue()})
    (x_train, y_train), (x_test, y_test) = course_utils.load_dataset("cifar10")
    assert np.array_equal(x_train, images[:8]) and np.array_equal(x_test, images[8:])
    assert y_train.shape == (8, 1) and y_train[:, 0].tolist() == labels[:8].tolist()
    assert (empty_env / "cifar10.npz").is_file()


def test_checksum_mismatch_on_download(monkeypatch, empty_env, file_server, shared_data):
    folder, base = file_server
    _serve(monkeypatch, "mnist", folder, base, {"mnist.npz": b"tampered"}, sha_override="0" * 64)
    with pytest.raises(CourseDataError, match="SHA-256 .* expected 0{64}"):
        course_utils.load_dataset("mnist")
    assert not (empty_env / "mnist.npz").exists()


def test_cli_download_and_list(monkeypatch, empty_env, file_server, shared_data, capsys):
    folder, base = file_server
    _serve(monkeypatch, "mnist", folder, base, {"mnist.npz": (shared_data / "mnist.npz").read_bytes()})
    assert data_cli(["download", "mnist"]) == 0
    assert data_cli(["list"]) == 0
    out = capsys.readouterr().out
    assert "[OK] mnist" in out and str(empty_env / "mnist.npz") in out


def test_cli_offline_failure_exit_code(empty_env, capsys):
    assert data_cli(["download", "cifar10"]) == 1
    assert "COURSE_DATA_DIR" in capsys.readouterr().err


def test_official_catalog_is_complete():
    for name, info in catalog.DATASETS.items():
        assert info.downloads, name
        for item in info.downloads:
            assert item.url.startswith("https://") and len(item.sha256) == 64


def test_cli_verify_checks_sums_and_decodes(monkeypatch, tmp_path, shared_data, capsys):
    import shutil

    folder = tmp_path / "copy"
    folder.mkdir()
    shutil.copy(shared_data / "mnist.npz", folder / "mnist.npz")
    shutil.copy(shared_data / "SHA256SUMS", folder / "SHA256SUMS")
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    assert data_cli(["verify", "--dir", str(folder)]) == 0
    out = capsys.readouterr().out
    assert f"[OK] sha256 {folder / 'mnist.npz'}" in out
    assert f"[--] missing {folder / 'cifar10_jpg.tar.gz'}" in out  # listed but absent
    assert "[OK] mnist: mnist.npz decodes to 10,000 train / 10,000 test examples" in out
    (folder / "mnist.npz").write_bytes(b"truncated")
    assert data_cli(["verify", "--dir", str(folder)]) == 1
    assert f"[FAIL] sha256 {folder / 'mnist.npz'}" in capsys.readouterr().out
