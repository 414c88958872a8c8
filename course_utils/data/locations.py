"""Where the course looks for data: the offline copy, the local cache, a TFDS data dir."""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "COURSE_DATA_DIR"
CACHE_DIR_ENV = "COURSE_CACHE_DIR"
TFDS_DIR_ENV = "TFDS_DATA_DIR"


def data_dir() -> Path | None:
    """The offline copy named by `COURSE_DATA_DIR`, or None when it is not set."""
    value = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(value).expanduser().resolve() if value else None


def cache_dir() -> Path:
    """The local cache: `COURSE_CACHE_DIR`, else `$XDG_CACHE_HOME` or `~/.cache`, in
    `deep-learning-architectures/`. A copy of it serves as another machine's
    `COURSE_DATA_DIR`."""
    value = os.environ.get(CACHE_DIR_ENV, "").strip()
    if value:
        return Path(value).expanduser().resolve()
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return Path(base).expanduser().resolve() / "deep-learning-architectures"


def tfds_data_dir() -> Path:
    """TensorFlow Datasets' data dir: `TFDS_DATA_DIR`, else `~/tensorflow_datasets`
    (tfds's own default)."""
    value = os.environ.get(TFDS_DIR_ENV, "").strip()
    return Path(value or "~/tensorflow_datasets").expanduser().resolve()
