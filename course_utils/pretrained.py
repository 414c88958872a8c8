"""Pretrained weights for `keras.applications`, fetched only when the network is there.

`keras.applications.MobileNetV2(weights="imagenet")` downloads with `keras.utils.get_file`,
which has no deadline: behind a proxy that accepts connections and never answers, a notebook
(or CI) would hang. So the course builds the model with `weights=None` (always runs) and then:

1. `network_problem(url)`: a TCP connect probe to the host (or to the proxy that
   `https_proxy` names) with a short deadline, then a small HEAD request that must be
   answered in full within its own deadline; None when the network is there, else why not;
2. `fetch(url)`: the download itself runs in a child process that is killed at a total
   deadline; the file appears in Keras' cache (`~/.keras/models`) only once complete.

`try_fetch(url)` does both and returns `(path, None)` or `(None, reason)`: offline, a
notebook says why and skips the weights; it never fakes them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

from . import network
from .errors import CourseDataError

#: Where `keras.applications` keeps its ImageNet weights.
KERAS_APPLICATIONS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/"
CONNECT_PROBE_S = 3.0
HTTP_PROBE_S = 5.0
#: A whole download (child process killed after this many seconds).
DOWNLOAD_DEADLINE_S = 180.0

# The child: stream `url` to `tmp`, then rename to `target` (never a partial file there).
_CHILD = r"""
import os, sys, urllib.request
url, tmp, target = sys.argv[1:4]
with urllib.request.urlopen(url, timeout=20) as response, open(tmp, "wb") as out:
    while True:
        chunk = response.read(1 << 16)
        if not chunk:
            break
        out.write(chunk)
os.replace(tmp, target)
"""


def mobilenet_v2_url(alpha: float = 1.0, rows: int = 224, include_top: bool = True) -> str:
    """URL of the ImageNet weights `keras.applications.MobileNetV2` would download."""
    name = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{int(rows)}"
    return f"{KERAS_APPLICATIONS_URL}mobilenet_v2/{name}{'' if include_top else '_no_top'}.h5"


def vgg19_url(include_top: bool = True) -> str:
    """URL of the ImageNet weights `keras.applications.VGG19` would download."""
    name = "vgg19_weights_tf_dim_ordering_tf_kernels"
    return f"{KERAS_APPLICATIONS_URL}vgg19/{name}{'' if include_top else '_notop'}.h5"


def keras_cache_dir() -> Path:
    """Keras' own cache of downloaded weights (`$KERAS_HOME/models`, default ~/.keras)."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "models"


def network_problem(url: str = KERAS_APPLICATIONS_URL, *, connect_timeout: float | None = None,
                    http_timeout: float | None = None) -> str | None:
    """None when `url`'s server (or the proxy) answers in time, else a short reason
    (`course_utils.network.network_problem` with this module's deadlines by default)."""
    return network.network_problem(
        url, connect_timeout=CONNECT_PROBE_S if connect_timeout is None else connect_timeout,
        http_timeout=HTTP_PROBE_S if http_timeout is None else http_timeout)


def fetch(url: str, *, deadline: float = DOWNLOAD_DEADLINE_S, cache_dir: str | Path | None = None) -> Path:
    """Download `url` into the cache (Keras' by default) within `deadline` seconds and return
    its path; a file already there is returned at once. Raises `CourseDataError` when the
    download fails or takes too long (the child process is then killed; no partial file
    is left)."""
    folder = Path(cache_dir) if cache_dir is not None else keras_cache_dir()
    target = folder / (urlparse(url).path.rsplit("/", 1)[-1] or "download")
    if target.is_file() and target.stat().st_size > 0:
        return target
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    os.close(fd)
    child = subprocess.Popen([sys.executable, "-c", _CHILD, url, tmp, str(target)],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _, err = child.communicate(timeout=deadline)
    except BaseException:  # the deadline, or Ctrl-C in the notebook
        _kill(child)
        Path(tmp).unlink(missing_ok=True)
        raise CourseDataError(f"downloading {url} did not finish within {deadline:g} s "
                              "(stopped): the network may be too slow or blocked.") from None
    Path(tmp).unlink(missing_ok=True)
    if child.returncode != 0 or not target.is_file():
        last = (err or "").strip().splitlines()[-1:] or ["no message"]
        raise CourseDataError(f"downloading {url} failed: {last[0][:300]}")
    return target


def _kill(child: subprocess.Popen) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        child.kill()
    child.wait()


def try_fetch(url: str, *, deadline: float = DOWNLOAD_DEADLINE_S,
              cache_dir: str | Path | None = None) -> tuple[Path | None, str | None]:
    """`(path, None)` when the file is cached or could be downloaded in time, else
    `(None, reason)`; never raises for a network problem."""
    folder = Path(cache_dir) if cache_dir is not None else keras_cache_dir()
    cached = folder / (urlparse(url).path.rsplit("/", 1)[-1] or "download")
    if cached.is_file() and cached.stat().st_size > 0:
        return cached, None
    problem = network_problem(url)
    if problem:
        return None, f"no network ({problem})"
    try:
        return fetch(url, deadline=deadline, cache_dir=folder), None
    except CourseDataError as exc:
        return None, str(exc)
