"""Shared fixtures: the offline data copy, isolated caches, small archives, a tiny
prepared TensorFlow Datasets folder, and loopback "proxies" that stall."""

from __future__ import annotations

import dataclasses
import io
import os
import socket
import tarfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from tests._skip_summary import pytest_report_header, pytest_terminal_summary  # noqa: F401 (hooks)

ROOT = Path(__file__).resolve().parents[1]


def offline_copy() -> Path:
    """The offline copy of the course data: COURSE_DATA_DIR, else ../shared/data."""
    value = os.environ.get("COURSE_DATA_DIR")
    return Path(value).resolve() if value else (ROOT.parent / "shared" / "data").resolve()


@pytest.fixture(autouse=True)
def fresh_checkers(monkeypatch):
    """Every test sees checkers as a student does: no strict mode (CI's solution notebooks
    set COURSE_STRICT=1) and no failed attempts left over from another test."""
    from course_utils import checks

    monkeypatch.delenv("COURSE_STRICT", raising=False)
    checks._failures.clear()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = offline_copy()
    if not (path / "mnist.npz").is_file():
        pytest.skip(f"no offline data copy at {path} (set COURSE_DATA_DIR)")
    return path


@pytest.fixture(scope="session")
def session_cache(tmp_path_factory) -> Path:
    """One decoded-data cache for all tests that read the offline copy (decoding once)."""
    return tmp_path_factory.mktemp("course-cache")


@pytest.fixture
def use_offline_copy(monkeypatch, shared_data, session_cache) -> Path:
    monkeypatch.setenv("COURSE_DATA_DIR", str(shared_data))
    monkeypatch.setenv("COURSE_CACHE_DIR", str(session_cache))
    return shared_data


@pytest.fixture
def empty_env(monkeypatch, tmp_path) -> Path:
    """No offline copy, an empty cache, an empty TFDS folder: the loader must download
    (through tfds) or fail."""
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    for var in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    cache = tmp_path / "cache"
    monkeypatch.setenv("COURSE_CACHE_DIR", str(cache))
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds-empty"))
    return cache


# --- small archives -----------------------------------------------------------------

def tar_gz(members: dict[str, bytes]) -> bytes:
    """A .tar.gz (in memory) of `{name: payload}`."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return buf.getvalue()


def jpeg(seed: int, fmt: str = "JPEG") -> bytes:
    from PIL import Image

    pixels = np.random.default_rng(seed).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format=fmt)
    return out.getvalue()


CIFAR_CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
                 "dog", "frog", "horse", "ship", "truck")


def small_cifar_members(per_class=(2, 1)) -> dict[str, bytes]:
    members = {}
    for split, n in zip(("train", "test"), per_class):
        for c, cls in enumerate(CIFAR_CLASSES):
            for i in range(n):
                members[f"cifar10_jpg/{split}/{cls}/{i:04d}.jpg"] = jpeg(1000 * c + 10 * i + len(split))
    return members


def small_imdb_members(per_class=(3, 2)) -> dict[str, bytes]:
    members = {"aclImdb/README": b"readme"}
    for split, n in zip(("train", "test"), per_class):
        for label in ("pos", "neg"):
            for i in range(n):
                text = f"A {label} review number {i} of the {split} split."
                members[f"aclImdb/{split}/{label}/{i}_{7 if label == 'pos' else 2}.txt"] = text.encode()
    return members


@pytest.fixture
def small_counts(monkeypatch):
    """Make the catalog expect the per-class counts of the small archives above."""
    from course_utils.data import catalog

    for name, counts in (("cifar10", (2, 1)), ("imdb_reviews", (3, 2))):
        info = dataclasses.replace(catalog.DATASETS[name], class_counts=counts)
        monkeypatch.setitem(catalog.DATASETS, name, info)


@pytest.fixture
def data_env(monkeypatch, tmp_path):
    """A fresh COURSE_DATA_DIR and cache in tmp_path; returns (data dir, cache dir)."""
    data, cache = tmp_path / "data", tmp_path / "cache"
    data.mkdir()
    monkeypatch.setenv("COURSE_DATA_DIR", str(data))
    monkeypatch.setenv("COURSE_CACHE_DIR", str(cache))
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds-empty"))
    return data, cache


def leftovers(folder: Path) -> list[str]:
    """Temporary or lock files (a name starting with '.' or containing 'tmp'/'lock')."""
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.name.startswith(".") or "tmp" in p.name or "lock" in p.name.lower())


# --- a tiny prepared TFDS folder ----------------------------------------------------

def _per_class(y: np.ndarray, n: int) -> np.ndarray:
    """Indices of the first `n` examples of every class."""
    y = y.reshape(-1)
    return np.sort(np.concatenate([np.flatnonzero(y == c)[:n] for c in np.unique(y)]))


@pytest.fixture(scope="session")
def tiny_tfds(tmp_path_factory, shared_data):
    """A prepared TFDS data dir with small real slices of the four datasets (written with
    `tfds.dataset_builders.store_as_tfds_dataset`, as a download would leave it).
    Returns (folder, {name: ((x_train, y_train), (x_test, y_test))})."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    tfds = pytest.importorskip("tensorflow_datasets")
    try:  # tfds hides a failed import of its core behind a lazy module
        import tensorflow_datasets.core  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - e.g. a protobuf/tensorflow-metadata mismatch
        pytest.skip(f"tensorflow_datasets does not import here ({type(exc).__name__}: "
                    f"{str(exc)[:160]})")
    import tensorflow as tf

    from course_utils.data.readers import read_aclimdb_tar, read_cifar_jpg_tar

    from course_utils.data.catalog import DATASETS

    tfds.disable_progress_bar()
    folder = tmp_path_factory.mktemp("tfds")
    slices = {}
    for name in ("mnist", "fashion_mnist"):
        with np.load(shared_data / f"{name}.npz") as f:
            x_tr, y_tr, x_te, y_te = (f[k] for k in ("x_train", "y_train", "x_test", "y_test"))
        i, j = _per_class(y_tr, 4), _per_class(y_te, 2)
        slices[name] = ((x_tr[i], y_tr[i]), (x_te[j], y_te[j]))
    cifar = read_cifar_jpg_tar(_small_copy("cifar10", tmp_path_factory),
                               dataclasses.replace(DATASETS["cifar10"], class_counts=(2, 1)))
    imdb = read_aclimdb_tar(_small_copy("imdb_reviews", tmp_path_factory),
                            dataclasses.replace(DATASETS["imdb_reviews"], class_counts=(3, 2)))
    slices["cifar10"], slices["imdb_reviews"] = cifar, imdb
    for name, ((x_tr, y_tr), (x_te, y_te)) in slices.items():
        builder = tfds.builder(name)

        def split(x, y, prefix):
            y = y.reshape(-1).astype("int64")
            if name == "imdb_reviews":
                return tf.data.Dataset.from_tensor_slices({"text": list(x), "label": y})
            feats = {"image": x[..., None] if x.ndim == 3 else x, "label": y}
            if name == "cifar10":
                feats["id"] = [f"{prefix}_{k:05d}" for k in range(len(y))]
            return tf.data.Dataset.from_tensor_slices(feats)

        tfds.dataset_builders.store_as_tfds_dataset(
            name=name, config=builder.builder_config.name if builder.builder_config else None,
            version=str(builder.info.version), features=builder.info.features,
            split_datasets={"train": split(x_tr, y_tr, "train"), "test": split(x_te, y_te, "test")},
            data_dir=str(folder))
    return folder, slices


def _small_copy(name: str, tmp_path_factory) -> Path:
    """A small real archive: the first members per class of the offline copy's archive
    would need a full read; small generated ones of the same layout are used instead."""
    folder = tmp_path_factory.mktemp(f"small-{name}")
    if name == "cifar10":
        path = folder / "cifar10_jpg.tar.gz"
        path.write_bytes(tar_gz(small_cifar_members((2, 1))))
    else:
        path = folder / "aclImdb.tar.gz"
        path.write_bytes(tar_gz(small_imdb_members((3, 2))))
    return path


def same_examples(a, b) -> bool:
    """The same multiset of (example, label) pairs, in any order (tfds shuffles)."""
    def keys(x, y):
        return sorted((xi.tobytes() if hasattr(xi, "tobytes") else str(xi).encode(), int(np.asarray(yi).reshape(-1)[0]))
                      for xi, yi in zip(x, y))
    return len(a[0]) == len(b[0]) and keys(*a) == keys(*b)


# --- loopback proxies that stall ----------------------------------------------------

class _StallingProxy:
    """A TCP server on 127.0.0.1 that accepts and then never answers (`trickle=None`)
    or sends one byte every `trickle` seconds."""

    def __init__(self, trickle: float | None):
        self.trickle = trickle
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.clients: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.clients.append(conn)
            if self.trickle:
                threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        while not self.stop.is_set():
            try:
                conn.sendall(b"H")
            except OSError:
                return
            time.sleep(self.trickle)

    def close(self) -> None:
        self.stop.set()
        for conn in self.clients:
            conn.close()
        self.sock.close()


@pytest.fixture(params=[None, 0.5], ids=["silent-proxy", "trickle-proxy"])
def stalling_proxy(request):
    proxy = _StallingProxy(request.param)
    yield f"http://127.0.0.1:{proxy.port}"
    proxy.close()
