"""`load_dataset`: offline copy, then cache, then official download; verified, in a fixed order."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Union

import numpy as np

from ..errors import CourseDataError
from .catalog import ALIASES, DATASETS, DatasetInfo
from .checksums import read_sums, sha256_of
from .download import download_into
from .locations import DATA_DIR_ENV, cache_dir, data_dir
from .readers import Arrays, pack_texts, read_aclimdb_tar, read_cifar_jpg_tar, read_npz, unpack_texts

Subset = Union[str, tuple[int, int], None]


def dataset_names() -> list[str]:
    """The names `load_dataset` accepts."""
    return sorted(DATASETS)


def dataset_info(name: str) -> DatasetInfo:
    """Catalog entry of a dataset; unknown names raise `CourseDataError` listing valid ones."""
    key = ALIASES.get(name.strip().lower(), name.strip().lower()) if isinstance(name, str) else name
    if key not in DATASETS:
        raise CourseDataError(
            f"Unknown dataset {name!r}. Valid names: {', '.join(dataset_names())}."
        )
    return DATASETS[key]


def class_names(name: str) -> list[str]:
    """Class names of a dataset, in label order."""
    return list(dataset_info(name).class_names)


def find_local(info: DatasetInfo) -> tuple[Path, str] | None:
    """The first local file for `info`: (path, where), from COURSE_DATA_DIR then the cache."""
    offline = data_dir()
    if offline is not None and not offline.is_dir():
        raise CourseDataError(
            f"{DATA_DIR_ENV}={offline} is not a folder. Point it at the folder that holds "
            "the offline copy (e.g. ../shared/data), or unset it to use the cache and downloads."
        )
    places = [(offline, DATA_DIR_ENV)] if offline is not None else []
    places.append((cache_dir(), "cache"))
    for folder, where in places:
        for filename in info.local_files:
            path = folder / filename
            if path.is_file():
                return path, where
    return None


def verify(path: Path) -> str:
    """SHA-256 of `path`, checked against `SHA256SUMS` beside it when that lists the file."""
    digest = sha256_of(path)
    expected = read_sums(path.parent).get(path.name)
    if expected is not None and expected != digest:
        raise CourseDataError(
            f"Checksum mismatch for {path}: SHA-256 is {digest}, {path.parent / 'SHA256SUMS'} "
            f"says {expected}. The file is damaged or truncated: copy it again (or delete it "
            "and run `python -m course_utils.data download --all` where there is internet)."
        )
    return digest


def _decoded_cache_path(info: DatasetInfo, digest: str) -> Path:
    return cache_dir() / "decoded" / f"{info.name}-{digest[:16]}.npz"


def _read_decoded(path: Path, info: DatasetInfo) -> Arrays | None:
    try:
        with np.load(path, allow_pickle=False) as f:
            if info.kind == "text":
                return (
                    (unpack_texts(f["train_blob"], f["train_offsets"]), f["y_train"]),
                    (unpack_texts(f["test_blob"], f["test_offsets"]), f["y_test"]),
                )
            return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
    except Exception:  # a damaged decoded cache is rebuilt from the source file
        return None


def _write_decoded(path: Path, info: DatasetInfo, arrays: Arrays) -> None:
    (x_train, y_train), (x_test, y_test) = arrays
    if info.kind == "text":
        tb, to = pack_texts(x_train)
        sb, so = pack_texts(x_test)
        payload = dict(train_blob=tb, train_offsets=to, test_blob=sb, test_offsets=so,
                       y_train=y_train, y_test=y_test)
    else:
        payload = dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp.npz")
        np.savez(tmp, **payload)
        os.replace(tmp, path)
    except OSError as exc:  # a read-only cache only costs speed
        print(f"(could not cache decoded {info.name} at {path}: {exc})")


def read_local(path: Path, info: DatasetInfo) -> tuple[Arrays, str]:
    """Verify and decode a local file; JPEG and text archives go through the decoded cache."""
    digest = verify(path)
    if path.name.endswith(".npz"):
        return read_npz(path, info), digest
    cached = _decoded_cache_path(info, digest)
    if cached.is_file():
        arrays = _read_decoded(cached, info)
        if arrays is not None:
            return arrays, digest
    reader = read_cifar_jpg_tar if info.name == "cifar10" else read_aclimdb_tar
    arrays = reader(path, info)
    _write_decoded(cached, info, arrays)
    return arrays, digest


def stratified_indices(labels: np.ndarray, n: int) -> np.ndarray:
    """Indices of a deterministic stratified subset of size `n`, in the original order.

    Each class keeps its share (largest remainder); within a class the first examples
    (in the dataset's fixed order) are taken."""
    labels = np.asarray(labels).reshape(-1)
    if n >= len(labels):
        return np.arange(len(labels))
    classes, counts = np.unique(labels, return_counts=True)
    exact = counts * n / len(labels)
    quota = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - quota), kind="stable")[: n - quota.sum()]:
        quota[i] += 1
    chosen = [np.flatnonzero(labels == c)[:q] for c, q in zip(classes, quota)]
    return np.sort(np.concatenate(chosen))


def _sizes(info: DatasetInfo, subset: Subset) -> tuple[int, int] | None:
    if subset is None or subset == "full":
        return None
    if subset == "smoke":
        return info.smoke_sizes
    if (isinstance(subset, (tuple, list)) and len(subset) == 2
            and all(isinstance(v, (int, np.integer)) and v > 0 for v in subset)):
        return int(subset[0]), int(subset[1])
    raise CourseDataError(
        f"subset={subset!r} is not understood. Use 'full', 'smoke' (usually "
        "subset=cfg.profile) or a pair of positive sizes (n_train, n_test)."
    )


def load_dataset(name: str, subset: Subset = "full", *, verbose: bool = True) -> Arrays:
    """Load a course dataset as NumPy arrays in the Keras layout.

    Args:
        name: `"mnist"`, `"fashion_mnist"`, `"cifar10"` or `"imdb_reviews"`.
        subset: `"full"` (default), `"smoke"` (the smoke profile's stratified subset;
            pass `cfg.profile` to follow the run profile) or `(n_train, n_test)`.
        verbose: print where the data came from and how much was taken.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images (CIFAR-10 labels shaped
        `(n, 1)` as in Keras), or for IMDB raw review strings and 0/1 labels. Examples
        come in a fixed shuffled order, never grouped by class.

    Raises:
        CourseDataError: unknown name, no copy offline, damaged file, bad subset.
    """
    info = dataset_info(name)
    sizes = _sizes(info, subset)
    start = time.perf_counter()
    local = find_local(info)
    if local is None:
        path, where = download_into(info, cache_dir(), quiet=not verbose), "download"
    else:
        path, where = local
    arrays, _ = read_local(path, info)
    (x_train, y_train), (x_test, y_test) = arrays
    full_sizes = (len(x_train), len(x_test))
    if sizes is not None:
        i_train = stratified_indices(y_train, sizes[0])
        i_test = stratified_indices(y_test, sizes[1])
        x_train, y_train = x_train[i_train], y_train[i_train]
        x_test, y_test = x_test[i_test], y_test[i_test]
    if verbose:
        unit = "reviews" if info.kind == "text" else "images"
        taken = "" if sizes is None else (
            f" (stratified subset of {full_sizes[0]:,} / {full_sizes[1]:,})")
        print(
            f"{info.name}: {len(x_train):,} train / {len(x_test):,} test {unit}{taken} "
            f"from {path} [{where}, sha256 checked] in {time.perf_counter() - start:.1f} s"
        )
    return (x_train, y_train), (x_test, y_test)
