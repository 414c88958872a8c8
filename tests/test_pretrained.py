"""course_utils.pretrained, offline: the network probe answers quickly whatever the network
does (refused, silent or trickling proxy), a download runs against a loopback server, and a
stalled download is killed at its deadline without leaving a partial file."""

from __future__ import annotations

import http.server
import threading
import time

import pytest

from course_utils import CourseDataError
from course_utils import pretrained

PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy",
              "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture
def no_proxy_env(monkeypatch):
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def file_server(no_proxy_env):
    """A loopback HTTP server that serves 300 kB at /weights.h5 (HEAD too)."""
    payload = bytes(range(256)) * 1200

    class Handler(http.server.BaseHTTPRequestHandler):
        def _head(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()

        def do_HEAD(self):  # noqa: N802 - http.server's naming
            self._head()

        def do_GET(self):  # noqa: N802
            self._head()
            self.wfile.write(payload)

        def log_message(self, *args):  # keep the test output quiet
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/weights.h5", payload
    server.shutdown()
    server.server_close()


def test_mobilenet_url_is_the_one_keras_uses():
    url = pretrained.mobilenet_v2_url()
    assert url == ("https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
                   "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5")
    assert pretrained.mobilenet_v2_url(0.5, 96, include_top=False).endswith("_0.5_96_no_top.h5")


def test_vgg19_urls_are_the_ones_keras_uses():
    from keras.src.applications import vgg19

    assert pretrained.vgg19_url() == vgg19.WEIGHTS_PATH
    assert pretrained.vgg19_url(include_top=False) == vgg19.WEIGHTS_PATH_NO_TOP


def test_probe_says_offline_quickly_when_the_connection_is_refused(monkeypatch, no_proxy_env):
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")  # port 9: refused at once
    start = time.monotonic()
    problem = pretrained.network_problem()
    assert time.monotonic() - start < 2.0
    assert problem and "127.0.0.1:9" in problem


def test_probe_gives_up_on_a_connect_that_never_returns(monkeypatch, no_proxy_env):
    import socket

    def hang(*args, **kwargs):  # a name lookup or connect that never answers
        time.sleep(30)

    monkeypatch.setattr(socket, "create_connection", hang)
    start = time.monotonic()
    problem = pretrained.network_problem(connect_timeout=0.5)
    assert time.monotonic() - start < 1.5
    assert "no answer within 0.5 s" in problem


def test_probe_does_not_hang_on_a_stalling_proxy(monkeypatch, no_proxy_env, stalling_proxy):
    monkeypatch.setenv("https_proxy", stalling_proxy)
    start = time.monotonic()
    problem = pretrained.network_problem(connect_timeout=1.0, http_timeout=1.5)
    assert time.monotonic() - start < 4.0
    assert problem and "127.0.0.1" in problem


def test_try_fetch_offline_returns_the_reason_and_leaves_nothing(monkeypatch, no_proxy_env,
                                                                 stalling_proxy, tmp_path):
    monkeypatch.setenv("https_proxy", stalling_proxy)
    monkeypatch.setattr(pretrained, "HTTP_PROBE_S", 1.0)
    start = time.monotonic()
    path, reason = pretrained.try_fetch(pretrained.mobilenet_v2_url(), cache_dir=tmp_path)
    assert time.monotonic() - start < 6.0
    assert path is None and reason.startswith("no network")
    assert list(tmp_path.iterdir()) == []


def test_fetch_downloads_into_the_cache_then_reuses_it(file_server, tmp_path):
    url, payload = file_server
    assert pretrained.network_problem(url, connect_timeout=2, http_timeout=5) is None
    path, reason = pretrained.try_fetch(url, cache_dir=tmp_path)
    assert reason is None and path == tmp_path / "weights.h5"
    assert path.read_bytes() == payload
    assert [p.name for p in tmp_path.iterdir()] == ["weights.h5"]  # no leftover .part file
    start = time.monotonic()
    assert pretrained.fetch(url, cache_dir=tmp_path) == path  # cached: no download
    assert time.monotonic() - start < 0.5


def test_a_stalled_download_is_killed_at_its_deadline(no_proxy_env, stalling_proxy, tmp_path):
    url = stalling_proxy + "/weights.h5"  # accepts, then never answers (or trickles)
    start = time.monotonic()
    with pytest.raises(CourseDataError, match="did not finish within 2 s"):
        pretrained.fetch(url, deadline=2.0, cache_dir=tmp_path)
    assert time.monotonic() - start < 6.0
    assert list(tmp_path.iterdir()) == []


def test_a_failed_download_says_why(no_proxy_env, tmp_path):
    with pytest.raises(CourseDataError, match="failed"):
        pretrained.fetch("http://127.0.0.1:9/weights.h5", deadline=30, cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []
