"""Shared fixtures: the offline data copy, isolated caches, a loopback download server."""

from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def offline_copy() -> Path:
    """The offline copy of the course data: COURSE_DATA_DIR, else ../shared/data."""
    value = os.environ.get("COURSE_DATA_DIR")
    return Path(value).resolve() if value else (ROOT.parent / "shared" / "data").resolve()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = offline_copy()
    if not (path / "mnist.npz").is_file():
        pytest.skip(f"no offline data copy at {path} (set COURSE_DATA_DIR)")
    return path


@pytest.fixture(scope="session")
def session_cache(tmp_path_factory) -> Path:
    """One decoded-data cache for all tests that read the offline copy (decoding once)."""
    return tmp_path_factory.mktemp("course-cache")


@pytest.fixture
def use_offline_copy(monkeypatch, shared_data, session_cache) -> Path:
    monkeypatch.setenv("COURSE_DATA_DIR", str(shared_data))
    monkeypatch.setenv("COURSE_CACHE_DIR", str(session_cache))
    return shared_data


@pytest.fixture
def empty_env(monkeypatch, tmp_path) -> Path:
    """No offline copy and an empty cache: the loader must download or fail."""
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    cache = tmp_path / "cache"
    monkeypatch.setenv("COURSE_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def file_server(tmp_path):
    """Serve a folder over HTTP on 127.0.0.1 (loopback only); yields (folder, base URL)."""
    folder = tmp_path / "served"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
