"""Decode the local file formats into arrays, checking what comes out.

Formats (those of the offline copy in `shared/data` and of the cache):
`*.npz` in the Keras layout (`x_train`, `y_train`, `x_test`, `y_test`),
`cifar10_jpg.tar.gz` with `cifar10_jpg/{train,test}/<class>/NNNN.jpg`, and
`aclImdb.tar.gz` in the original `aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt` layout.
Nothing is unpickled.
"""

from __future__ import annotations

import io
import re
import tarfile
import zipfile
import zlib
from pathlib import Path

import numpy as np

from ..errors import CourseDataError
from .catalog import DatasetInfo

#: Seed of the fixed shuffle applied to folder formats, which are grouped by class.
ORDER_SEED = 20240601

Arrays = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

_IMAGE_SHAPES = {"mnist": (28, 28), "fashion_mnist": (28, 28), "cifar10": (32, 32, 3)}


def fixed_order(n: int) -> np.ndarray:
    """The fixed permutation used to un-group class-sorted folder formats."""
    return np.random.default_rng(ORDER_SEED).permutation(n)


def _corrupt(path: Path, detail: str) -> CourseDataError:
    return CourseDataError(
        f"The data file {path} is damaged or incomplete ({detail}). "
        "Delete it and copy it again (or run `python -m course_utils.data download --all` "
        "where there is internet); an offline copy can be checked with "
        "`sha256sum -c SHA256SUMS` in its folder."
    )


def read_npz(path: Path, info: DatasetInfo) -> Arrays:
    """Read a Keras-layout `.npz` (no pickle) and check shapes, dtypes and labels."""
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = {"x_train", "y_train", "x_test", "y_test"} - set(f.files)
            if missing:
                raise _corrupt(path, f"missing arrays {sorted(missing)}")
            arrays = (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
    except CourseDataError:
        raise
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as exc:
        raise _corrupt(path, f"{type(exc).__name__}: {exc}") from None
    check_images(arrays, info, path)
    return arrays


def check_images(arrays: Arrays, info: DatasetInfo, path: Path | str) -> None:
    """Raise `CourseDataError` unless the arrays have the Keras layout of `info`."""
    shape = _IMAGE_SHAPES[info.name]
    for split, (x, y) in zip(("train", "test"), arrays):
        if x.dtype != np.uint8 or x.shape[1:] != shape:
            raise CourseDataError(
                f"{path}: {info.name} {split} images have shape {x.shape[1:]} and dtype "
                f"{x.dtype}; expected {shape} uint8 (the Keras layout). Replace the file "
                "with a copy in the format described in data/README.md."
            )
        if len(y) != len(x) or y.size != len(x):
            raise CourseDataError(
                f"{path}: {info.name} {split} has {len(x)} images but {y.size} labels. "
                "The file is damaged: replace it."
            )
        if y.size and (y.min() < 0 or y.max() >= len(info.class_names)):
            raise CourseDataError(
                f"{path}: {info.name} {split} labels run from {y.min()} to {y.max()}; "
                f"expected 0..{len(info.class_names) - 1}. The file is damaged: replace it."
            )


def _open_tar(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, "r:gz")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise _corrupt(path, f"{type(exc).__name__}: {exc}") from None


def _iter_tar(path: Path):
    """Yield (member name, bytes) for each regular file; damage becomes CourseDataError."""
    tar = _open_tar(path)
    try:
        with tar:
            for member in tar:
                if member.isfile():
                    handle = tar.extractfile(member)
                    yield member.name, handle.read() if handle else b""
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise _corrupt(path, f"{type(exc).__name__}: {exc}") from None


def _in_fixed_order(found: dict[str, list[tuple]], path: Path, layout: str) -> list[list[tuple]]:
    """Per split, items `(label, file number, payload)` sorted by label and number, then
    put in the fixed shuffled order, so that a folder format is not grouped by class."""
    out = []
    for split in ("train", "test"):
        items = sorted(found[split], key=lambda t: (t[0], t[1]))
        if not items:
            raise _corrupt(path, f"no {split} examples in the expected layout {layout}")
        out.append([items[i] for i in fixed_order(len(items))])
    return out


_CIFAR_MEMBER = re.compile(r"(?:^|/)(train|test)/([a-z]+)/(\d+)\.(?:jpe?g|png)$")


def read_cifar_jpg_tar(path: Path, info: DatasetInfo) -> Arrays:
    """Decode `cifar10_jpg/{train,test}/<class>/NNNN.jpg` into Keras-layout arrays."""
    from PIL import Image, UnidentifiedImageError

    index = {name: i for i, name in enumerate(info.class_names)}
    found: dict[str, list[tuple[int, int, np.ndarray]]] = {"train": [], "test": []}
    for name, data in _iter_tar(path):
        m = _CIFAR_MEMBER.search(name)
        if not m or m.group(2) not in index:
            continue
        try:
            with Image.open(io.BytesIO(data)) as im:
                pixels = np.asarray(im.convert("RGB"), dtype=np.uint8)
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:
            raise _corrupt(path, f"cannot decode {name}: {exc}") from None
        if pixels.shape != (32, 32, 3):
            raise _corrupt(path, f"{name} is {pixels.shape}, expected 32x32 RGB")
        found[m.group(1)].append((index[m.group(2)], int(m.group(3)), pixels))
    train, test = _in_fixed_order(found, path, "cifar10_jpg/{train,test}/<class>/NNNN.jpg")
    arrays = tuple(
        (np.stack([t[2] for t in items]), np.array([[t[0]] for t in items], dtype=np.uint8))
        for items in (train, test)
    )
    check_images(arrays, info, path)
    return arrays


_IMDB_MEMBER = re.compile(r"(?:^|/)(train|test)/(pos|neg)/(\d+)_(\d+)\.txt$")


def read_aclimdb_tar(path: Path, info: DatasetInfo) -> Arrays:
    """Read the labelled aclImdb reviews: raw strings, labels 0 (neg) / 1 (pos)."""
    found: dict[str, list[tuple[int, int, str]]] = {"train": [], "test": []}
    for name, data in _iter_tar(path):
        m = _IMDB_MEMBER.search(name)
        if not m:
            continue  # README, vocab, unsup/ and the URL lists
        label = 1 if m.group(2) == "pos" else 0
        found[m.group(1)].append((label, int(m.group(3)), data.decode("utf-8", "replace")))
    train, test = _in_fixed_order(found, path, "aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt")
    return tuple(
        (np.array([t[2] for t in items], dtype=object), np.array([t[0] for t in items], dtype=np.int64))
        for items in (train, test)
    )


def pack_texts(texts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Strings -> (UTF-8 bytes as uint8, offsets), so text can be cached without pickle."""
    encoded = [t.encode("utf-8") for t in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(b) for b in encoded])
    blob = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    return blob, offsets


def unpack_texts(blob: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Inverse of `pack_texts`."""
    raw = blob.tobytes()
    return np.array(
        [raw[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(len(offsets) - 1)],
        dtype=object,
    )
