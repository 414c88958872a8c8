"""A network probe with deadlines, shared by the data downloads and the pretrained weights:
a TCP connection (to the host, or to the proxy the environment names) within one deadline,
then a HEAD request answered within another, so that no caller can hang on a stalled network."""

from __future__ import annotations

import socket
import threading
import urllib.error
import urllib.request
from typing import Any, Callable
from urllib.parse import urlparse


def _in_thread(func: Callable[[], Any], timeout: float) -> tuple[bool, Any]:
    """Run `func` in a daemon thread; (finished in time, its result or exception)."""
    box: list = []

    def run() -> None:
        try:
            box.append(func())
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller
            box.append(exc)

    thread = threading.Thread(target=run, daemon=True, name="course-net-probe")
    thread.start()
    thread.join(timeout)
    return (True, box[0]) if box else (False, None)


def _probe_target(url: str) -> tuple[str, int, bool]:
    """(host, port, through a proxy) that a request to `url` must reach first."""
    parsed = urlparse(url)
    proxy = urllib.request.getproxies().get(parsed.scheme or "https")
    if proxy and not urllib.request.proxy_bypass(parsed.hostname or ""):
        p = urlparse(proxy if "://" in proxy else f"http://{proxy}")
        return p.hostname or "", p.port or 80, True
    return parsed.hostname or "", parsed.port or (443 if parsed.scheme == "https" else 80), False


def network_problem(url: str, *, connect_timeout: float, http_timeout: float) -> str | None:
    """None when `url`'s server (or the proxy) answers a HEAD request in time, else a short
    reason. Takes at most `connect_timeout` when offline and `connect_timeout + http_timeout`
    behind a network (or proxy) that accepts connections but does not answer."""
    host, port, proxied = _probe_target(url)
    via = f"the proxy {host}:{port}" if proxied else f"{host}:{port}"
    done, result = _in_thread(
        lambda: socket.create_connection((host, port), timeout=connect_timeout).close(),
        connect_timeout)
    if not done:
        return f"{via}: no answer within {connect_timeout:g} s"
    if isinstance(result, BaseException):
        return f"{via}: {getattr(result, 'strerror', None) or result}"

    def head() -> int:
        request = urllib.request.Request(url, method="HEAD")
        try:
            with urllib.request.urlopen(request, timeout=http_timeout) as response:
                return response.status
        except urllib.error.HTTPError as exc:  # an answer all the same (403, 404...)
            return exc.code

    done, result = _in_thread(head, http_timeout)
    if not done:
        return f"{via} accepted a connection but did not answer within {http_timeout:g} s"
    if isinstance(result, BaseException):
        return f"{via}: {getattr(result, 'reason', None) or result}"
    return None
