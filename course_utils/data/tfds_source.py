"""The TensorFlow Datasets source: a prepared TFDS data dir, or a download through tfds.

tfds can hang without a network (TensorFlow's own HTTP stack stalls for a minute per
request and retries), and such a stall cannot be interrupted from Python. So:

1. before importing TensorFlow or tfds, a TCP connect probe (to Google Cloud Storage,
   or to the proxy that `https_proxy` names) decides "offline" in under a second;
2. a small HTTPS request must then be answered in full within `HTTP_PROBE_S`, which
   catches a proxy that accepts and never answers, or trickles;
3. tfds runs in a child process that is killed at a total deadline.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .. import network
from ..errors import CourseDataError
from .atomic import sweep_stale
from .catalog import DatasetInfo
from .locations import CACHE_DIR_ENV, DATA_DIR_ENV, TFDS_DIR_ENV

#: Where tfds fetches prepared copies from (Google Cloud Storage).
PROBE_URL = "https://storage.googleapis.com/tfds-data/dataset_info/mnist/3.0.1/dataset_info.json"
CONNECT_PROBE_S = 0.8
HTTP_PROBE_S = 5.0
#: Reading a prepared TFDS dir (no network): TensorFlow's import plus decoding.
LOCAL_DEADLINE_S = 600.0
#: A download: this much, plus the download size at 0.25 MB/s (`COURSE_DOWNLOAD_TIMEOUT`
#: overrides the total, in seconds).
DOWNLOAD_BASE_S = 90.0
DOWNLOAD_TIMEOUT_ENV = "COURSE_DOWNLOAD_TIMEOUT"

_CHILD_ERROR = "COURSE_TFDS_ERROR: "


def classroom_recipe() -> str:
    """What a user without internet can do (shared by every "no data" message)."""
    return (
        f"To work offline, set {DATA_DIR_ENV} to the folder of course data you were given "
        "(one prepared on a machine with internet by "
        "`python -m course_utils.data download --all --to DIR`), or set "
        f"{TFDS_DIR_ENV} to a prepared TensorFlow Datasets folder (a copy of "
        "~/tensorflow_datasets from such a machine)."
    )


def prepared_in(info: DatasetInfo, tfds_dir: Path) -> bool:
    """Whether `tfds_dir` holds a prepared copy of `info` (`<name>/[<config>/]<version>/
    dataset_info.json`), judged from the files alone (no tfds import)."""
    base = tfds_dir / info.tfds_name
    if not base.is_dir():
        return False
    for pattern in ("*/dataset_info.json", "*/*/dataset_info.json"):
        for found in base.glob(pattern):
            if "incomplete" not in str(found.relative_to(base)):
                return True
    return False


def network_problem() -> str | None:
    """None when Google Cloud Storage (or the proxy) answers, else what went wrong.

    Takes at most `CONNECT_PROBE_S` when offline, `CONNECT_PROBE_S + HTTP_PROBE_S`
    behind a network that connects but does not answer."""
    return network.network_problem(PROBE_URL, connect_timeout=CONNECT_PROBE_S,
                                   http_timeout=HTTP_PROBE_S)


def download_deadline(infos: list[DatasetInfo]) -> float:
    value = os.environ.get(DOWNLOAD_TIMEOUT_ENV, "").strip()
    if value:
        try:
            return float(value)
        except ValueError:
            raise CourseDataError(
                f"{DOWNLOAD_TIMEOUT_ENV}={value!r} is not a number of seconds: unset it or "
                "give seconds, e.g. 1800."
            ) from None
    return DOWNLOAD_BASE_S + sum(info.download_mb for info in infos) * 4.0


def _entries(folder: Path) -> set[str]:
    try:
        return set(os.listdir(folder))
    except OSError:
        return set()


def _clean_tfds_leftovers(tfds_dir: Path, infos: list[DatasetInfo], before: dict) -> None:
    """Remove what a killed tfds left: new `incomplete.*` folders and partial downloads."""
    for folder, existing in before.items():
        for entry in _entries(folder) - existing:
            if "incomplete" in entry or "tmp" in entry:
                path = folder / entry
                with contextlib.suppress(OSError):
                    if path.is_dir() and not path.is_symlink():
                        shutil.rmtree(path)
                    else:
                        path.unlink()


def run_tfds(infos: list[DatasetInfo], tfds_dir: Path, out_dir: Path, *, download: bool,
             deadline: float, quiet: bool = False) -> None:
    """Prepare `infos` with tfds in a child process (killed after `deadline` seconds) and
    write their course `.npz` files into `out_dir`. Raises `CourseDataError`."""
    watched = [tfds_dir / "downloads", tfds_dir / "downloads" / "extracted"]
    watched += [tfds_dir / info.tfds_name for info in infos]
    watched += [tfds_dir / info.tfds_name / "plain_text" for info in infos if info.kind == "text"]
    before = {folder: _entries(folder) for folder in watched}
    spec = {"names": [info.name for info in infos], "tfds_dir": str(tfds_dir),
            "out_dir": str(out_dir), "download": download}
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    package_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    if not quiet:
        what = "Downloading" if download else "Reading"
        print(f"{what} {', '.join(i.name for i in infos)} through TensorFlow Datasets "
              f"({tfds_dir}) ...", flush=True)
    with tempfile.TemporaryFile(mode="w+b") as err:
        child = subprocess.Popen(
            [sys.executable, "-m", "course_utils.data.tfds_child", json.dumps(spec)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, env=env,
            start_new_session=True)
        start = time.monotonic()
        try:
            code = child.wait(timeout=deadline)
        except BaseException:  # the deadline, or Ctrl-C in the notebook
            with contextlib.suppress(OSError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            _clean_tfds_leftovers(tfds_dir, infos, before)
            sweep_stale(out_dir)
            if time.monotonic() - start < deadline:
                raise
            raise CourseDataError(
                f"TensorFlow Datasets did not finish {', '.join(i.name for i in infos)} "
                f"within {deadline:.0f} s (stopped). The network may be too slow or blocked; "
                f"set {DOWNLOAD_TIMEOUT_ENV} to more seconds to wait longer. "
                + classroom_recipe()
            ) from None
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    if code != 0:
        _clean_tfds_leftovers(tfds_dir, infos, before)
        sweep_stale(out_dir)
        lines = [ln for ln in text.splitlines() if ln.startswith(_CHILD_ERROR)]
        reason = lines[-1][len(_CHILD_ERROR):] if lines else (
            "\n".join(text.strip().splitlines()[-5:]) or f"exit code {code}")
        raise CourseDataError(
            f"TensorFlow Datasets could not {'download' if download else 'read'} "
            f"{', '.join(i.name for i in infos)} ({reason}). "
            + ("" if download else f"The folder {tfds_dir} may be incomplete or from another "
               "tfds version: prepare it again. ")
            + classroom_recipe()
        )


def no_data_message(info: DatasetInfo, cache: Path, tfds_dir: Path, reason: str) -> str:
    """The message of `load_dataset` when no source has the dataset and there is no network."""
    return (
        f"Cannot load {info.name!r}: it is not in {DATA_DIR_ENV}, the course cache ({cache}) "
        f"or the TensorFlow Datasets folder ({tfds_dir}), and there is no network to "
        f"download it ({reason}). " + classroom_recipe()
    )


__all__ = ["CACHE_DIR_ENV", "network_problem", "no_data_message", "prepared_in", "run_tfds"]
