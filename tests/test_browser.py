"""JupyterLab driven in a real browser: the student copies run top to bottom with Run All.

Each test copies one notebook to a temporary folder, starts `jupyter lab` there (127.0.0.1,
a free port, a token, news and update checks off, the smoke profile), opens the notebook in
Chromium through Playwright, runs every cell with JupyterLab's own "Run All" command and
waits until every code cell has an execution count. It fails on a cell that never ran or on
any error output, read from the notebook model, and saves a screenshot under pytest's
temporary folder.

Needs Debian's `chromium` (apt-get install chromium chromium-driver fonts-dejavu-core) and
`playwright` from the dev extra; Playwright's own browser download is not used. Where no
Chromium is found the tests skip with one line saying so; CI installs it and sets
COURSE_REQUIRE_BROWSER=1, which turns that skip into a failure (see .ci/run).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ["01_*.ipynb", "04_*.ipynb"]  # student copies in notebooks/
CHROMIUM_PATHS = ["/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser"]
SERVER_START_S = 60.0
#: Seconds one notebook may take from Run All to its last execution count (smoke profile).
RUN_ALL_S = 420.0

pytestmark = pytest.mark.browser


def find_chromium() -> str | None:
    """Path of a Chromium executable: $COURSE_CHROMIUM, Debian's package, else None."""
    candidates = [os.environ.get("COURSE_CHROMIUM", "")] + CHROMIUM_PATHS
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return shutil.which("chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _student_copy(pattern: str) -> Path:
    found = sorted((ROOT / "notebooks").glob(pattern))
    assert found, f"no student copy notebooks/{pattern}"
    return found[0]


def _write_lab_settings(settings: Path) -> None:
    """User settings that keep JupyterLab quiet and offline: no news, no update checks."""
    folder = settings / "@jupyterlab" / "apputils-extension"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path is None and os.environ.get("COURSE_REQUIRE_BROWSER") == "1":
        pytest.fail("COURSE_REQUIRE_BROWSER=1 (CI) but no Chromium found: apt-get install "
                    "chromium chromium-driver fonts-dejavu-core")
    if path is None:
        pytest.skip("browser tests skipped: no Chromium found (apt-get install chromium "
                    "chromium-driver fonts-dejavu-core, or set COURSE_CHROMIUM to its path)")
    pytest.importorskip("playwright.sync_api", reason="browser tests skipped: playwright "
                        "is not installed (pip install -e \".[dev]\")")
    return path


@pytest.fixture(scope="module")
def lab(tmp_path_factory, chromium):
    """A JupyterLab server on 127.0.0.1 serving a temporary folder; yields (folder, base URL, token)."""
    base = tmp_path_factory.mktemp("lab")
    folder = base / "notebooks"
    folder.mkdir()
    settings = base / "settings"
    _write_lab_settings(settings)
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ)
    env.update({
        "COURSE_PROFILE": "smoke",
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
        "PYTHONUNBUFFERED": "1",
    })
    # The kernel runs in the temporary folder: make the data and cache folders absolute.
    for name in ("COURSE_DATA_DIR", "COURSE_CACHE_DIR"):
        if env.get(name, "").strip():
            env[name] = str(Path(env[name]).expanduser().resolve())
    env.setdefault("COURSE_CACHE_DIR", str(base / "course-cache"))
    log = open(base / "jupyter-lab.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         "--port-retries=0", f"--IdentityProvider.token={token}", "--allow-root",
         "--LabApp.expose_app_in_browser=True", f"--ServerApp.root_dir={folder}"],
        cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if server.poll() is not None:
                pytest.fail(f"jupyter lab exited with code {server.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                    break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    pytest.fail(f"jupyter lab did not answer within {SERVER_START_S:.0f} s; see {log.name}")
                time.sleep(0.3)
        yield folder, url, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture(scope="module")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=chromium, headless=True,
                                     args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            yield instance
        finally:
            instance.close()


# JavaScript run in the page: the notebook panel's model, read through window.jupyterapp.
_NOTEBOOK_READY = """(name) => {
  const app = window.jupyterapp;
  const w = app && app.shell.currentWidget;
  return !!(w && w.context && w.context.path === name && w.content && w.content.model && w.sessionContext
            && w.sessionContext.session && w.sessionContext.session.kernel
            && w.context.isReady);
}"""
_CELLS = """() => {
  const model = window.jupyterapp.shell.currentWidget.content.model;
  const cells = [];
  for (let i = 0; i < model.cells.length; i++) {
    const c = model.cells.get(i);
    cells.push({type: c.type, count: c.type === 'code' ? c.executionCount : null,
                outputs: c.type === 'code' ? c.outputs.toJSON() : [],
                source: c.sharedModel.getSource().slice(0, 80)});
  }
  return cells;
}"""


def _pending(cells) -> list[int]:
    return [i for i, c in enumerate(cells) if c["type"] == "code" and not c["count"]]


@pytest.mark.parametrize("pattern", NOTEBOOKS)
def test_run_all_in_jupyterlab(pattern, lab, browser, tmp_path):
    folder, url, token = lab
    source = _student_copy(pattern)
    shutil.copy(source, folder / source.name)

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        # ?reset: a fresh workspace, so that the notebook of an earlier test is not reopened.
        page.goto(f"{url}/lab/tree/{source.name}?reset&token={token}", timeout=60_000)
        page.wait_for_function(_NOTEBOOK_READY, arg=source.name, timeout=90_000, polling=250)
        page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
        deadline = time.monotonic() + RUN_ALL_S
        cells = page.evaluate(_CELLS)
        while _pending(cells) and time.monotonic() < deadline:
            errored = [c for c in cells if any(o.get("output_type") == "error" for o in c["outputs"])]
            if errored:
                break  # JupyterLab stops a Run All at the first error: no more counts come
            page.wait_for_timeout(500)
            cells = page.evaluate(_CELLS)
    finally:
        shot = tmp_path / f"{source.stem}.png"
        try:
            page.screenshot(path=str(shot), full_page=False)
        except Exception as exc:  # noqa: BLE001 - a missing screenshot must not hide the real failure
            print(f"screenshot failed: {exc}")
        page.close()
    print(f"screenshot: {shot}")

    failures = []
    for i, cell in enumerate(cells):
        for out in cell["outputs"]:
            if out.get("output_type") == "error":
                failures.append(f"cell {i} ({cell['source']!r}): {out.get('ename')}: {out.get('evalue')}")
    assert not failures, f"{source.name}: error outputs in JupyterLab:\n" + "\n".join(failures)
    pending = _pending(cells)
    assert not pending, (f"{source.name}: code cells {pending} have no execution count after "
                         f"{RUN_ALL_S:.0f} s (screenshot: {shot})")
    code_cells = [c for c in cells if c["type"] == "code"]
    assert code_cells, f"{source.name}: the notebook model has no code cells"
