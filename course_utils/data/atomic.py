"""Safe writes into a shared cache: unique temporary files, atomic renames, no symlinks.

Temporary files are made with `tempfile.mkstemp` in the target folder (`O_EXCL`: a planted
file or symlink is never opened), named `.<target>.<pid>.<random>.tmp`, and renamed over
the target (`os.replace` replaces a link, it never writes through it). Temporary files
left by a process that was killed are removed by the next run (`sweep_stale`). Locks are
`flock`s on the folder itself, so no lock file is ever left behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import Callable, Iterator

from ..errors import CourseDataError

_TMP_NAME = re.compile(r"^\..+\.(\d+)\.[^.]+\.tmp(\.npz)?$")


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, not ours
        return True
    return True


def sweep_stale(folder: Path) -> None:
    """Remove temporary files of dead processes in `folder` (never following links)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        m = _TMP_NAME.match(entry.name)
        if not m or _pid_alive(int(m.group(1))):
            continue
        with contextlib.suppress(OSError):
            if entry.is_symlink() or entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)


def ensure_dir(folder: Path, root: Path) -> Path:
    """Create `folder` (inside the cache `root`) and refuse symlinks below `root`."""
    folder = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    current = root
    for part in folder.relative_to(root).parts:
        current = current / part
        if current.is_symlink():
            raise CourseDataError(
                f"{current} is a symbolic link inside the course cache {root}; the course "
                "does not write through links it did not create. Remove the link (or set "
                "COURSE_CACHE_DIR to a folder of your own)."
            )
        if not current.is_dir():
            current.mkdir(exist_ok=True)
    return folder


def write_with(target: Path, write: Callable[[Path], None], suffix: str = ".tmp") -> None:
    """Call `write(tmp_path)` on a fresh temporary file beside `target`, then rename it."""
    folder = target.parent
    sweep_stale(folder)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.{os.getpid()}.", suffix=suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_atomic(target: Path, payload: bytes) -> None:
    """Write bytes to `target` atomically."""
    write_with(target, lambda p: p.write_bytes(payload))


def save_npz_atomic(target: Path, arrays: dict, compressed: bool = False) -> None:
    """`np.savez` to `target` atomically (the `.npz` suffix keeps NumPy from adding one)."""
    import numpy as np

    def write(path: Path) -> None:
        with open(path, "wb") as f:
            (np.savez_compressed if compressed else np.savez)(f, **arrays)

    write_with(target, write, suffix=".tmp.npz")


def is_plain_file(path: Path) -> bool:
    """A regular file that is not a symbolic link."""
    return path.is_file() and not path.is_symlink()


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive `flock` on the folder itself (no lock file); a no-op where there is
    no `fcntl` (Windows)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
