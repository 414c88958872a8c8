"""SHA-256 helpers and `SHA256SUMS` files, in the formats `sha256sum` and `shasum` write.

Accepted lines (anything else is refused with its line number):

    <64 hex>  name        sha256sum / shasum, text mode
    <64 hex> *name        binary mode (also `^name`, shasum's universal mode)
    SHA256 (name) = <64 hex>     the BSD form (`sha256sum --tag`, `shasum --tag`)

Names may start with `./`; blank lines and `#` comments are skipped. A name that points
outside the folder (absolute, or through `..`) is refused.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path, PurePosixPath

from ..errors import CourseDataError
from .atomic import folder_lock, write_atomic

SUMS_FILE = "SHA256SUMS"

_GNU = re.compile(r"^\\?([0-9a-fA-F]{64}) ([ *^])(.+)$")
_BSD = re.compile(r"^\\?SHA256 ?\((.+)\) ?= ?([0-9a-fA-F]{64})$")


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def _unescape(name: str) -> str:
    # sha256sum writes a leading backslash and escapes "\\" and "\n" in odd names.
    return name.replace("\\n", "\n").replace("\\\\", "\\")


def normalize_name(name: str, sums_path: Path, lineno: int) -> str:
    """`./a/b` -> `a/b`; refuse names outside the folder."""
    pure = PurePosixPath(name)
    if pure.is_absolute() or name.startswith(("/", "~")) or re.match(r"^[A-Za-z]:[\\/]", name):
        raise CourseDataError(
            f"{sums_path}, line {lineno}: {name!r} is an absolute path. A SHA256SUMS file may "
            "only name files in its own folder (as `sha256sum * > SHA256SUMS` writes them): "
            "fix or remove that line."
        )
    parts = [p for p in pure.parts if p not in ("", ".")]
    if not parts or ".." in parts:
        raise CourseDataError(
            f"{sums_path}, line {lineno}: {name!r} points outside the folder. A SHA256SUMS file "
            "may only name files in its own folder: fix or remove that line."
        )
    return "/".join(parts)


def parse_sums(text: str, sums_path: Path) -> dict[str, str]:
    """`{relative name: sha256}` from the text of a SHA256SUMS file (see the module doc)."""
    sums: dict[str, str] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        escaped = line.startswith("\\")
        gnu, bsd = _GNU.match(line), _BSD.match(line)
        if gnu:
            digest, name = gnu.group(1), gnu.group(3)
        elif bsd:
            name, digest = bsd.group(1), bsd.group(2)
        else:
            raise CourseDataError(
                f"{sums_path}, line {lineno}: cannot read {line[:80]!r}. Expected the format "
                "of `sha256sum` (`<64 hex digits>  <file name>`) or of `shasum -a 256 --tag` "
                "(`SHA256 (<file name>) = <64 hex digits>`). Write the file again with "
                "`sha256sum * > SHA256SUMS` in that folder."
            )
        name = normalize_name(_unescape(name) if escaped else name, sums_path, lineno)
        digest = digest.lower()
        if sums.get(name, digest) != digest:
            raise CourseDataError(
                f"{sums_path}, line {lineno}: {name} is listed twice with different "
                "checksums: keep the right line only."
            )
        sums[name] = digest
    return sums


def read_sums(folder: Path) -> dict[str, str]:
    """`{file name: sha256}` from `folder/SHA256SUMS`, empty when there is none."""
    sums_path = folder / SUMS_FILE
    if not sums_path.is_file():
        return {}
    try:
        text = sums_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CourseDataError(
            f"Cannot read {sums_path} ({exc}): it should be a text file written by "
            "`sha256sum * > SHA256SUMS`. Write it again, or delete it."
        ) from None
    return parse_sums(text, sums_path)


def record_sum(folder: Path, filename: str, sha256: str) -> None:
    """Add or replace one line of `folder/SHA256SUMS` (locked, atomic)."""
    with folder_lock(folder):
        try:
            sums = read_sums(folder)
        except CourseDataError:
            sums = {}  # our own cache's sums file was damaged: write it afresh
        sums[filename] = sha256
        text = "".join(f"{h}  {name}\n" for name, h in sorted(sums.items()))
        write_atomic(folder / SUMS_FILE, text.encode("utf-8"))


def forget_sum(folder: Path, filename: str) -> None:
    """Remove the line of `filename` from `folder/SHA256SUMS`, if there is one."""
    with folder_lock(folder):
        try:
            sums = read_sums(folder)
        except CourseDataError:
            sums = {}
        if sums.pop(filename, None) is not None or not sums:
            text = "".join(f"{h}  {name}\n" for name, h in sorted(sums.items()))
            write_atomic(folder / SUMS_FILE, text.encode("utf-8"))
