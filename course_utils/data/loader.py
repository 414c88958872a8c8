"""`load_dataset`: offline copy, course cache, TFDS data dir, then a download through
TensorFlow Datasets; every source checked, examples in a fixed order."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Union

import numpy as np

from ..errors import CourseDataError, CourseTypeError, CourseValueError
from .atomic import ensure_dir, is_plain_file, save_npz_atomic, sweep_stale
from .catalog import ALIASES, DATASETS, DatasetInfo
from .checksums import forget_sum, read_sums, sha256_of
from .locations import DATA_DIR_ENV, cache_dir, data_dir, tfds_data_dir
from .readers import Arrays, read_aclimdb_tar, read_cifar_jpg_tar, read_npz, to_payload
from .tfds_source import (
    LOCAL_DEADLINE_S,
    download_deadline,
    network_problem,
    no_data_message,
    prepared_in,
    run_tfds,
)

Subset = Union[str, tuple[int, int], None]


def dataset_names() -> list[str]:
    """The names `load_dataset` accepts."""
    return sorted(DATASETS)


def dataset_info(name: str) -> DatasetInfo:
    """Catalog entry of a dataset; unknown names raise `CourseDataError` listing valid ones."""
    if not isinstance(name, str):
        raise CourseTypeError(
            f"The dataset name must be a string, not {type(name).__name__} ({name!r}). "
            f"Pass one name, e.g. load_dataset('mnist'); valid names: "
            f"{', '.join(dataset_names())}."
        )
    key = ALIASES.get(name.strip().lower(), name.strip().lower())
    if key not in DATASETS:
        raise CourseValueError(
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
            f"{DATA_DIR_ENV}={offline} is not a folder. Point it at the folder of course "
            "data you were given (or prepared with `python -m course_utils.data download "
            "--all --to DIR`), or unset it to use the cache and downloads."
        )
    if offline is not None:
        for filename in info.local_files:
            if (offline / filename).is_file():
                return offline / filename, DATA_DIR_ENV
    cache = cache_dir()
    sweep_stale(cache)  # what a killed run left
    for filename in info.local_files:
        if is_plain_file(cache / filename):  # never a link planted in a shared cache
            return cache / filename, "cache"
    return None


def verify(path: Path) -> str:
    """SHA-256 of `path`, checked against `SHA256SUMS` beside it when that lists the file."""
    digest = sha256_of(path)
    expected = read_sums(path.parent).get(path.name)
    if expected is not None and expected != digest:
        raise CourseDataError(
            f"Checksum mismatch for {path}: SHA-256 is {digest}, {path.parent / 'SHA256SUMS'} "
            f"says {expected}. The file is damaged or truncated: copy it again from the "
            "folder you were given (check that folder with "
            "`python -m course_utils.data verify --dir DIR`)."
        )
    return digest


def _decoded_cache_path(info: DatasetInfo, digest: str) -> Path:
    return cache_dir() / "decoded" / f"{info.name}-{digest[:16]}.npz"


def _read_decoded(path: Path, info: DatasetInfo) -> Arrays | None:
    """The decoded arrays, re-checked (layout, labels, class counts); None to rebuild."""
    if path.parent.is_symlink() or not is_plain_file(path):
        return None
    try:
        arrays = read_npz(path, info)
        return arrays if _counts_ok(arrays, info) else None
    except CourseDataError:  # a damaged decoded cache is rebuilt from the source file
        return None


def _counts_ok(arrays: Arrays, info: DatasetInfo) -> bool:
    if info.class_counts is None:
        return True
    k = len(info.class_names)
    return all(
        np.all(np.bincount(y.reshape(-1).astype(np.int64), minlength=k) == n)
        for (_, y), n in zip(arrays, info.class_counts)
    )


def _write_decoded(path: Path, info: DatasetInfo, arrays: Arrays) -> None:
    try:
        ensure_dir(path.parent, cache_dir())
        save_npz_atomic(path, to_payload(arrays, info))
    except (OSError, CourseDataError) as exc:  # a read-only cache only costs speed
        print(f"(could not cache decoded {info.name} at {path}: {exc})")


def read_local(path: Path, info: DatasetInfo) -> tuple[Arrays, str]:
    """Verify and decode a local file; JPEG and text archives go through the decoded cache."""
    digest = verify(path)
    if path.name.endswith(".npz"):
        return read_npz(path, info), digest
    cached = _decoded_cache_path(info, digest)
    if not cached.parent.is_symlink():
        sweep_stale(cached.parent)
    arrays = _read_decoded(cached, info) if cached.exists() or cached.is_symlink() else None
    if arrays is not None:
        return arrays, digest
    reader = read_cifar_jpg_tar if info.name == "cifar10" else read_aclimdb_tar
    arrays = reader(path, info)
    _write_decoded(cached, info, arrays)
    return arrays, digest


def _drop_from_cache(path: Path) -> None:
    with contextlib.suppress(OSError, CourseDataError):
        path.unlink()
        forget_sum(path.parent, path.name)


def fetch_with_tfds(info: DatasetInfo, cache: Path, *, verbose: bool) -> tuple[Path, str]:
    """Bring `info` into the cache from a prepared TFDS dir, else through a tfds download."""
    tfds_dir = tfds_data_dir()
    target = cache / info.local_files[0]
    try:
        ensure_dir(cache, cache)
        if prepared_in(info, tfds_dir):
            run_tfds([info], tfds_dir, cache, download=False, deadline=LOCAL_DEADLINE_S,
                     quiet=not verbose)
            return target, f"TFDS data dir {tfds_dir}"
        reason = network_problem()
        if reason is not None:
            raise CourseDataError(no_data_message(info, cache, tfds_dir, reason))
        run_tfds([info], tfds_dir, cache, download=True, deadline=download_deadline([info]),
                 quiet=not verbose)
        return target, "downloaded through TensorFlow Datasets"
    except CourseDataError:
        if is_plain_file(target):  # another process prepared it meanwhile
            return target, "cache"
        raise


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
    if subset is None or (isinstance(subset, str) and subset.strip().lower() == "full"):
        return None
    if isinstance(subset, str) and subset.strip().lower() == "smoke":
        return info.smoke_sizes
    if (isinstance(subset, (tuple, list)) and len(subset) == 2
            and all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
                    and v > 0 for v in subset)):
        return int(subset[0]), int(subset[1])
    error = CourseValueError if isinstance(subset, (str, tuple, list)) else CourseTypeError
    raise error(
        f"subset={subset!r} is not understood. Use 'full', 'smoke' (usually "
        "subset=cfg.profile) or a pair of positive sizes (n_train, n_test)."
    )


def load_dataset(name: str, subset: Subset = "full", *, verbose: bool = True) -> Arrays:
    """Load a course dataset as NumPy arrays in the Keras layout.

    Sources, in order: `COURSE_DATA_DIR` (an offline copy), the course cache, a prepared
    TensorFlow Datasets folder (`TFDS_DATA_DIR` or `~/tensorflow_datasets`), then a
    download through TensorFlow Datasets (written into the cache).

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
        CourseDataError: no copy offline and no network, damaged file; its subclasses
        CourseTypeError / CourseValueError for a wrong name or subset.
    """
    info = dataset_info(name)
    sizes = _sizes(info, subset)
    start = time.perf_counter()
    local = find_local(info)
    arrays = None
    if local is not None:
        path, where = local
        try:
            arrays, _ = read_local(path, info)
        except CourseDataError:
            if where != "cache":
                raise
            _drop_from_cache(path)  # a damaged cache file is the course's own: rebuild it
    if arrays is None:
        path, where = fetch_with_tfds(info, cache_dir(), verbose=verbose)
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
            f"from {path} [{where}, checked] in {time.perf_counter() - start:.1f} s"
        )
    return (x_train, y_train), (x_test, y_test)

