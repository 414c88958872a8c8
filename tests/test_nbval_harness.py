"""The notebook harness itself: stop at the first failing cell, time table, budget."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]


def _run(tmp_path: Path, sources: list[str], **env: str) -> subprocess.CompletedProcess:
    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, path)
    environ = {**os.environ, "PYTHONPATH": str(ROOT), "COURSE_PROFILE": "smoke",
               "COURSE_TIMES_FILE": str(tmp_path / "times.csv"),
               "COURSE_EXECUTED_DIR": str(tmp_path / "executed"), **env}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-c", os.devnull, "--rootdir", str(tmp_path),
         "-p", "tests.nbval_harness", "--nbval-lax", "--nbval-current-env",
         "-p", "no:cacheprovider", "-rs", str(path)],
        capture_output=True, text=True, env=environ, cwd=tmp_path, timeout=300,
    )


def test_stops_at_first_failing_cell_and_reports_times(tmp_path):
    result = _run(tmp_path, ["x = 1", "raise ValueError('the real error')", "y = undefined_name",
                             "print('never')"])
    out = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)  # IPython colours the traceback
    assert result.returncode == 1
    assert "ValueError: the real error" in out
    assert "NameError" not in out  # no follow-on errors
    assert "1 failed, 1 passed, 2 skipped" in out
    assert "not run: cell 1 of this notebook failed" in out
    assert "notebook wall times (smoke profile" in out and "failed at cell 1" in out
    assert "failed at cell 1" in (tmp_path / "times.csv").read_text()


def test_budget_fails_the_last_cell(tmp_path):
    result = _run(tmp_path, ["import time", "time.sleep(1.5)"], COURSE_NOTEBOOK_BUDGET="1")
    assert result.returncode == 1
    assert "over its 1 s budget in the smoke profile" in result.stdout
    assert "over budget" in result.stdout


def test_passing_notebook(tmp_path):
    result = _run(tmp_path, ["a = 2", "assert a * 2 == 4", "print(a * 21)", "a"])
    assert result.returncode == 0 and "4 passed" in result.stdout
    assert "passed" in (tmp_path / "times.csv").read_text()
    executed = nbformat.read(tmp_path / "executed" / "tiny.ipynb", as_version=4)
    nbformat.validate(executed)
    cells = executed.cells
    assert [c.execution_count for c in cells] == [1, 2, 3, 4]
    assert cells[2].outputs[0]["text"] == "42\n"
    assert cells[3].outputs[0]["data"]["text/plain"] == "2"


def test_executed_notebook_of_a_failed_run_stops_where_it_failed(tmp_path):
    _run(tmp_path, ["print('ran')", "raise ValueError('stop')", "print('never')"])
    cells = nbformat.read(tmp_path / "executed" / "tiny.ipynb", as_version=4).cells
    assert cells[0].outputs[0]["text"] == "ran\n"
    assert cells[1].outputs[0]["output_type"] == "error"
    assert cells[2].outputs == [] and cells[2].execution_count is None


def _tagged_notebook(tmp_path: Path, stored: str, tags: list[str]) -> Path:
    cell = new_code_cell("print(6 * 7)", metadata={"tags": tags})
    cell.execution_count = 1
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stored)]
    nb = new_notebook(cells=[cell])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "tagged.ipynb"
    nbformat.write(nb, path)
    return path


def _run_with_project_config(tmp_path: Path, path: Path) -> subprocess.CompletedProcess:
    """pytest on one notebook with the options of pyproject.toml (--nbval-lax, sanitizer)."""
    environ = {**os.environ, "PYTHONPATH": str(ROOT), "COURSE_PROFILE": "smoke",
               "COURSE_TIMES_FILE": str(tmp_path / "times.csv"),
               "COURSE_EXECUTED_DIR": str(tmp_path / "executed")}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-c", str(ROOT / "pyproject.toml"),
                           "--rootdir", str(tmp_path), str(path)], capture_output=True,
                          text=True, env=environ, cwd=ROOT, timeout=300)


def test_a_changed_output_of_a_tagged_cell_fails(tmp_path):
    """The output checks key on the cell tag: a stored output that no longer matches fails,
    the same output stored correctly passes, and an untagged cell is not compared."""
    from course_utils.notebook_outputs import CHECK_TAG

    right = _run_with_project_config(tmp_path, _tagged_notebook(tmp_path, "42\n", [CHECK_TAG]))
    assert right.returncode == 0, right.stdout[-2000:]
    wrong = _run_with_project_config(tmp_path, _tagged_notebook(tmp_path, "41\n", [CHECK_TAG]))
    assert wrong.returncode == 1 and "1 failed" in wrong.stdout, wrong.stdout[-2000:]
    assert "41" in wrong.stdout and "42" in wrong.stdout  # nbval shows both outputs
    untagged = _run_with_project_config(tmp_path, _tagged_notebook(tmp_path, "41\n", []))
    assert untagged.returncode == 0, untagged.stdout[-2000:]
