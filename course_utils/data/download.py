"""Official downloads, verified by SHA-256, written into the cache in the offline-copy layout."""

from __future__ import annotations

import gzip
import hashlib
import os
import socket
import tarfile
import tempfile
import threading
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from ..errors import CourseDataError
from .catalog import DatasetInfo, Download
from .checksums import record_sum, sha256_of
from .locations import DATA_DIR_ENV

#: How long to wait for the network before giving up (the whole failure stays under 5 s).
PROBE_TIMEOUT_S = 3.0
READ_TIMEOUT_S = 60.0


def offline_message(info: DatasetInfo, cache: Path, reason: str) -> str:
    return (
        f"Cannot load {info.name!r}: there is no local copy and the download failed "
        f"({reason}). Fix: set {DATA_DIR_ENV} to a folder holding an offline copy "
        f"({' or '.join(info.local_files)}), e.g. `export {DATA_DIR_ENV}=../shared/data`, "
        "or, on a machine with internet, run `python -m course_utils.data download --all` "
        f"and copy its cache folder ({cache}) here."
    )


def probe(url: str, timeout: float = PROBE_TIMEOUT_S) -> str | None:
    """None when the URL's host answers a TCP connect within `timeout`, else the reason.

    Runs in a thread so that a hanging name lookup cannot block past the timeout."""
    parsed = urlparse(url)
    proxy = urllib.request.getproxies().get(parsed.scheme)
    if proxy and not urllib.request.proxy_bypass(parsed.hostname or ""):
        parsed = urlparse(proxy if "://" in proxy else f"http://{proxy}")  # probe the proxy
    host, port = parsed.hostname or "", parsed.port or (443 if parsed.scheme == "https" else 80)
    result: list[str | None] = []

    def attempt() -> None:
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            result.append(None)
        except OSError as exc:
            result.append(f"{host}: {exc.strerror or exc}")

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(timeout)
    return result[0] if result else f"{host}: no answer within {timeout:g} s"


def fetch(item: Download, folder: Path, *, quiet: bool = False) -> Path:
    """Download one file into `folder`, checking its SHA-256; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / item.filename
    if target.is_file() and sha256_of(target) == item.sha256:
        return target
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=item.filename, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(
            item.url, timeout=READ_TIMEOUT_S
        ) as response:
            total = int(response.headers.get("Content-Length") or 0)
            done, next_report = 0, 0.0
            while block := response.read(1 << 20):
                out.write(block)
                digest.update(block)
                done += len(block)
                if not quiet and total and done / total >= next_report:
                    print(f"  {item.filename}: {done / 1e6:.1f} / {total / 1e6:.1f} MB", flush=True)
                    next_report += 0.25
        if digest.hexdigest() != item.sha256:
            raise CourseDataError(
                f"The download of {item.url} has SHA-256 {digest.hexdigest()}, expected "
                f"{item.sha256}: it is damaged or has changed. Try again later; if it "
                "persists, report it to the course maintainers."
            )
        os.replace(tmp_name, target)
        return target
    except (urllib.error.URLError, OSError) as exc:
        raise CourseDataError(
            f"Downloading {item.url} failed ({exc}). Check the internet connection and "
            f"try again, or set {DATA_DIR_ENV} to an offline copy."
        ) from None
    finally:
        if os.path.exists(tmp_name):
            os.remove(tmp_name)


def _read_idx(path: Path) -> np.ndarray:
    """Decode a gzipped IDX file (the MNIST family's original format)."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def _save_npz(path: Path, **arrays: np.ndarray) -> None:
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, path)


def download_into(info: DatasetInfo, cache: Path, *, quiet: bool = False) -> Path:
    """Download `info`'s official files and write the cache file the loader reads.

    The result has the layout of the offline copy (a cache folder copied to another
    machine serves as its COURSE_DATA_DIR) and is recorded in the cache's SHA256SUMS.
    """
    reason = probe(info.downloads[0].url)
    if reason is not None:
        raise CourseDataError(offline_message(info, cache, reason))
    cache.mkdir(parents=True, exist_ok=True)
    raw_dir = cache / "downloads"
    if not quiet:
        print(f"Downloading {info.title} ({info.source}) into {cache} ...", flush=True)
    paths = [fetch(item, raw_dir, quiet=quiet) for item in info.downloads]

    if info.name == "mnist":
        target = cache / "mnist.npz"
        os.replace(paths[0], target)
    elif info.name == "fashion_mnist":
        x_train, y_train, x_test, y_test = (_read_idx(p) for p in paths)
        target = cache / "fashion_mnist.npz"
        _save_npz(target, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    elif info.name == "cifar10":
        target = cache / "cifar10.npz"
        _save_npz(target, **_read_cifar_binary(paths[0]))
    elif info.name == "imdb_reviews":
        target = cache / "aclImdb.tar.gz"
        os.replace(paths[0], target)
    else:  # pragma: no cover - the catalog and this function are kept in step
        raise CourseDataError(f"No download recipe for {info.name!r}.")
    for p in paths:
        if p.exists():
            p.unlink()
    record_sum(cache, target.name, sha256_of(target))
    return target


def _read_cifar_binary(path: Path) -> dict[str, np.ndarray]:
    """CIFAR-10 binary version: records of 1 label byte + 3072 pixel bytes (R, G, B planes)."""
    batches: dict[str, list[np.ndarray]] = {"train": [], "test": []}
    with tarfile.open(path, "r:gz") as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            name = os.path.basename(member.name)
            split = "train" if name.startswith("data_batch") else "test" if name == "test_batch.bin" else None
            if split and member.isfile():
                data = tar.extractfile(member).read()
                batches[split].append(np.frombuffer(data, dtype=np.uint8).reshape(-1, 3073))
    out = {}
    for split in ("train", "test"):
        records = np.concatenate(batches[split])
        out[f"y_{split}"] = records[:, :1].copy()
        out[f"x_{split}"] = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy()
    return out
