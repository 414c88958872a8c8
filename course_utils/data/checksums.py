"""SHA-256 helpers and `SHA256SUMS` files (the standard `sha256sum` format)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

SUMS_FILE = "SHA256SUMS"


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def read_sums(folder: Path) -> dict[str, str]:
    """`{file name: sha256}` from `folder/SHA256SUMS`, empty when there is none."""
    sums_path = folder / SUMS_FILE
    if not sums_path.is_file():
        return {}
    sums: dict[str, str] = {}
    for line in sums_path.read_text(encoding="utf-8").splitlines():
        parts = line.strip().split(maxsplit=1)
        if len(parts) == 2 and len(parts[0]) == 64:
            sums[parts[1].lstrip("*")] = parts[0].lower()
    return sums


def record_sum(folder: Path, filename: str, sha256: str) -> None:
    """Add or replace one line of `folder/SHA256SUMS`."""
    sums = read_sums(folder)
    sums[filename] = sha256
    text = "".join(f"{h}  {name}\n" for name, h in sorted(sums.items()))
    tmp = folder / (SUMS_FILE + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, folder / SUMS_FILE)
