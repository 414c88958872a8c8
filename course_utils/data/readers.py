"""Decode the local file formats into arrays, checking what comes out.

Formats (those of the offline copy in COURSE_DATA_DIR and of the cache):
`*.npz` in the Keras layout (`x_train`, `y_train`, `x_test`, `y_test`; for text,
UTF-8 blobs and offsets), `cifar10_jpg.tar.gz` with
`cifar10_jpg/{train,test}/<class>/NNNN.jpg`, and `aclImdb.tar.gz` in the original
`aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt` layout. Nothing is unpickled and
nothing is extracted to disk; archives are read to their end, so a damaged gzip
trailer is caught.
"""

from __future__ import annotations

import gzip
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

IMAGE_SHAPES = {"mnist": (28, 28), "fashion_mnist": (28, 28), "cifar10": (32, 32, 3)}
_TEXT_KEYS = ("train_blob", "train_offsets", "test_blob", "test_offsets", "y_train", "y_test")
_IMAGE_KEYS = ("x_train", "y_train", "x_test", "y_test")


def fixed_order(n: int) -> np.ndarray:
    """The fixed permutation used to un-group class-sorted folder formats."""
    return np.random.default_rng(ORDER_SEED).permutation(n)


def corrupt(path: Path | str, detail: str) -> CourseDataError:
    return CourseDataError(
        f"The data file {path} is damaged or incomplete ({detail}). "
        "Delete it and copy it again from the folder you were given (or prepare a new copy "
        "with `python -m course_utils.data download --all --to DIR` on a machine with "
        "internet); an offline copy can be checked with "
        "`python -m course_utils.data verify --dir DIR`."
    )


def read_npz(path: Path, info: DatasetInfo) -> Arrays:
    """Read a Keras-layout `.npz` (no pickle) and check shapes, dtypes and labels."""
    keys = _TEXT_KEYS if info.kind == "text" else _IMAGE_KEYS
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = set(keys) - set(f.files)
            if missing:
                raise corrupt(path, f"missing arrays {sorted(missing)}")
            loaded = {k: f[k] for k in keys}
    except CourseDataError:
        raise
    except (zipfile.BadZipFile, EOFError, ValueError, OSError, zlib.error) as exc:
        raise corrupt(path, f"{type(exc).__name__}: {exc}") from None
    if info.kind == "text":
        arrays = (
            (_unpack_checked(loaded["train_blob"], loaded["train_offsets"], path), loaded["y_train"]),
            (_unpack_checked(loaded["test_blob"], loaded["test_offsets"], path), loaded["y_test"]),
        )
    else:
        arrays = (loaded["x_train"], loaded["y_train"]), (loaded["x_test"], loaded["y_test"])
    return check_arrays(arrays, info, path)


def check_arrays(arrays: Arrays, info: DatasetInfo, path: Path | str,
                 class_counts: tuple[int, int] | None = None) -> Arrays:
    """Check the Keras layout of `info` and return the arrays with labels in it.

    Images: uint8 of the dataset's shape; texts: 1-D arrays of strings. Labels: integers
    in range, one per example, every class present in both splits (and, with
    `class_counts`, exactly that many examples per class). Raises `CourseDataError`."""
    k = len(info.class_names)
    out = []
    for split, (x, y), per_class in zip(("train", "test"), arrays,
                                         class_counts or (None, None)):
        x, y = np.asarray(x), np.asarray(y)
        if info.kind == "text":
            if x.ndim != 1 or (x.size and not isinstance(x[0], str)):
                raise corrupt(path, f"{split} reviews are not a 1-D array of strings")
        elif x.dtype != np.uint8 or x.shape[1:] != IMAGE_SHAPES[info.name]:
            raise CourseDataError(
                f"{path}: {info.name} {split} images have shape {x.shape[1:]} and dtype "
                f"{x.dtype}; expected {IMAGE_SHAPES[info.name]} uint8 (the Keras layout). "
                "Replace the file with a copy in the format described in data/README.md."
            )
        if len(x) == 0:
            raise corrupt(path, f"the {split} split is empty")
        if y.ndim not in (1, 2) or (y.ndim == 2 and y.shape[1] != 1) or len(y) != len(x):
            raise CourseDataError(
                f"{path}: {info.name} {split} has {len(x)} examples but labels of shape "
                f"{y.shape}; expected one label per example. The file is damaged: replace it."
            )
        if not np.issubdtype(y.dtype, np.integer):
            raise CourseDataError(
                f"{path}: {info.name} {split} labels are {y.dtype}, not integers "
                f"(e.g. {y.reshape(-1)[:3].tolist()}). Class labels must be whole numbers "
                f"0..{k - 1}: the file is damaged or not a copy of {info.name}; replace it."
            )
        if y.min() < 0 or y.max() >= k:
            raise CourseDataError(
                f"{path}: {info.name} {split} labels run from {y.min()} to {y.max()}; "
                f"expected 0..{k - 1}. The file is damaged: replace it."
            )
        counts = np.bincount(y.reshape(-1).astype(np.int64), minlength=k)
        absent = [info.class_names[i] for i in np.flatnonzero(counts == 0)]
        if absent:
            raise corrupt(path, f"the {split} split has no examples of class(es) "
                                f"{', '.join(absent)}")
        if per_class is not None and not np.all(counts == per_class):
            raise corrupt(path, f"the {split} split has {counts.tolist()} examples per class; "
                                f"the complete {info.name} has {per_class} of each")
        if info.kind == "text":
            y = y.reshape(-1).astype(np.int64)
        elif info.name == "cifar10":
            y = y.reshape(-1, 1).astype(np.uint8)
        else:
            y = y.reshape(-1).astype(np.uint8)
        out.append((x, y))
    return tuple(out)


def _iter_tar(path: Path):
    """Yield (member name, bytes) for each regular file, then read the gzip stream to its
    end (checking its CRC and length). Damage becomes `CourseDataError`."""
    try:
        with open(path, "rb") as raw, gzip.GzipFile(fileobj=raw, mode="rb") as gz:
            with tarfile.open(fileobj=gz, mode="r|") as tar:
                for member in tar:
                    if member.isfile():
                        handle = tar.extractfile(member)
                        yield member.name, handle.read() if handle else b""
            while gz.read(1 << 20):  # past the end-of-archive marker: padding and trailer
                pass
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise corrupt(path, f"{type(exc).__name__}: {exc}") from None


def _in_fixed_order(found: dict[str, list[tuple]], path: Path, layout: str) -> list[list[tuple]]:
    """Per split, items `(label, file number, payload)` sorted by label and number, then
    put in the fixed shuffled order, so that a folder format is not grouped by class."""
    out = []
    for split in ("train", "test"):
        items = sorted(found[split], key=lambda t: (t[0], t[1]))
        if not items:
            raise corrupt(path, f"no {split} examples in the expected layout {layout}")
        out.append([items[i] for i in fixed_order(len(items))])
    return out


_CIFAR_MEMBER = re.compile(r"(?:^|/)(train|test)/([a-z]+)/(\d+)\.jpe?g$")


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
            with Image.open(io.BytesIO(data), formats=["JPEG"]) as im:
                pixels = np.asarray(im.convert("RGB"), dtype=np.uint8)
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise corrupt(path, f"cannot decode {name} as JPEG: {exc}") from None
        if pixels.shape != (32, 32, 3):
            raise corrupt(path, f"{name} is {pixels.shape}, expected 32x32 RGB")
        found[m.group(1)].append((index[m.group(2)], int(m.group(3)), pixels))
    train, test = _in_fixed_order(found, path, "cifar10_jpg/{train,test}/<class>/NNNN.jpg")
    arrays = tuple(
        (np.stack([t[2] for t in items]), np.array([[t[0]] for t in items], dtype=np.uint8))
        for items in (train, test)
    )
    return check_arrays(arrays, info, path, info.class_counts)


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
    arrays = tuple(
        (np.array([t[2] for t in items], dtype=object),
         np.array([t[0] for t in items], dtype=np.int64))
        for items in (train, test)
    )
    return check_arrays(arrays, info, path, info.class_counts)


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


def _unpack_checked(blob: np.ndarray, offsets: np.ndarray, path: Path) -> np.ndarray:
    if (blob.ndim != 1 or offsets.ndim != 1 or len(offsets) < 1 or blob.dtype != np.uint8
            or not np.issubdtype(offsets.dtype, np.integer) or offsets[0] != 0
            or offsets[-1] != blob.size or np.any(np.diff(offsets) < 0)):
        raise corrupt(path, "the text offsets do not match the text blob")
    try:
        return unpack_texts(blob, offsets)
    except UnicodeDecodeError as exc:
        raise corrupt(path, f"text that is not UTF-8: {exc}") from None


def to_text_payload(arrays: Arrays) -> dict[str, np.ndarray]:
    """The `.npz` payload of text arrays (packed strings, no pickle)."""
    (x_train, y_train), (x_test, y_test) = arrays
    tb, to = pack_texts(x_train)
    sb, so = pack_texts(x_test)
    return dict(train_blob=tb, train_offsets=to, test_blob=sb, test_offsets=so,
                y_train=y_train, y_test=y_test)


def to_payload(arrays: Arrays, info: DatasetInfo) -> dict[str, np.ndarray]:
    """The `.npz` payload of a dataset's arrays, in the layout `read_npz` reads."""
    if info.kind == "text":
        return to_text_payload(arrays)
    (x_train, y_train), (x_test, y_test) = arrays
    return dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
