"""The student copies are generated from the solution notebooks (one source)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course_utils import student_copies
from course_utils.student_copies import SolutionMarkerError, strip_solutions

ROOT = Path(__file__).resolve().parents[1]


def test_function_body_becomes_raise_not_implemented():
    src = ("def softmax(z):\n"
           "    ### BEGIN SOLUTION\n"
           "    e = np.exp(z - z.max())\n"
           "    return e / e.sum()\n"
           "    ### END SOLUTION\n"
           "\n"
           "ex.check_softmax(softmax)")
    assert strip_solutions(src) == ("def softmax(z):\n"
                                    "    # YOUR CODE HERE\n"
                                    "    raise NotImplementedError()\n"
                                    "\n"
                                    "ex.check_softmax(softmax)")


def test_top_level_values_become_none():
    src = ("### BEGIN SOLUTION\n"
           "model = build(rate=0.3)\n"
           "history = model.fit(x, y)\n"
           "acc, loss = 0.9, 0.1\n"
           "acc += 0\n"
           "### END SOLUTION\n"
           "ex.check_experiment(model, acc)")
    assert strip_solutions(src) == ("model = None  # YOUR CODE HERE\n"
                                    "history = None  # YOUR CODE HERE\n"
                                    "acc = None  # YOUR CODE HERE\n"
                                    "loss = None  # YOUR CODE HERE\n"
                                    "ex.check_experiment(model, acc)")


def test_region_inside_a_loop_at_top_level_is_not_a_raise():
    src = ("for k in range(3):\n"
           "    ### BEGIN SOLUTION\n"
           "    total = k\n"
           "    ### END SOLUTION\n"
           "print('ok')")
    stripped = strip_solutions(src)
    assert "raise" not in stripped and "    total = None  # YOUR CODE HERE" in stripped
    exec(compile(stripped, "cell", "exec"), {})  # valid and never fails


def test_text_outside_regions_is_identical():
    src = "a = 1\n# a comment\nb = 2\n"
    assert strip_solutions(src) == src


@pytest.mark.parametrize("src, words", [
    ("### BEGIN SOLUTION\nx = 1\n### BEGIN SOLUTION\nx = 2\n### END SOLUTION\n", "line 3"),
    ("x = 1\n### END SOLUTION\n", "line 2"),
    ("x = 1\n### BEGIN SOLUTION\nx = 2\n", "line 2"),
])
def test_unmatched_or_nested_markers_name_cell_and_line(src, words):
    with pytest.raises(SolutionMarkerError, match=f"nb.ipynb, cell 3, {words}"):
        strip_solutions(src, "nb.ipynb, cell 3")


def _solution_notebook(folder: Path) -> Path:
    nb = new_notebook(cells=[
        new_markdown_cell("# 99 · Tiny\n\n[![Open In Colab](https://colab.research.google.com/"
                          "assets/colab-badge.svg)](https://colab.research.google.com/github/"
                          "x/y/blob/main/notebooks/solutions/99_tiny.ipynb)"),
        new_code_cell("import course_utils.checks as checks\n\n"
                      "@checks.checker\n"
                      "def check_double(fn):\n"
                      "    \"\"\"double(x) doubles x\"\"\"\n"
                      "    return checks.check_cases('double(x) doubles x', fn, [((2,), 4)], hint='x + x')"),
        new_code_cell("def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n"
                      "    ### END SOLUTION\n\ncheck_double(double)"),
    ])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    sol = folder / "notebooks" / "solutions" / "99_tiny.ipynb"
    sol.parent.mkdir(parents=True)
    nbformat.write(nb, sol)
    return sol


def test_student_copy_same_cells_stub_and_badge(tmp_path):
    sol = _solution_notebook(tmp_path)
    student = student_copies.make_student_copy(sol)
    solution = nbformat.read(sol, as_version=4)
    assert len(student.cells) == len(solution.cells)
    assert [c.cell_type for c in student.cells] == [c.cell_type for c in solution.cells]
    assert "raise NotImplementedError()" in student.cells[2].source
    assert "notebooks/99_tiny.ipynb" in student.cells[0].source
    assert "solutions" not in student.cells[0].source
    assert student.cells[1].source == solution.cells[1].source


def test_check_mode_detects_a_stale_copy(tmp_path, capsys):
    sol = _solution_notebook(tmp_path)
    target = student_copies.student_path(sol)
    assert student_copies.sync([sol], check=True) == 1
    assert student_copies.sync([sol], check=False) == 0 and target.is_file()
    assert student_copies.sync([sol], check=True) == 0
    target.write_text(target.read_text().replace("YOUR CODE HERE", "my code"))
    assert student_copies.sync([sol], check=True) == 1
    assert "out of date" in capsys.readouterr().out


def test_committed_student_copies_are_in_sync():
    result = subprocess.run([sys.executable, "-m", "course_utils.student_copies", "--check"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def _pytest_notebook(tmp_path: Path, path: Path) -> subprocess.CompletedProcess:
    environ = {**os.environ, "PYTHONPATH": str(ROOT), "COURSE_PROFILE": "smoke",
               "COURSE_TIMES_FILE": str(tmp_path / "times.csv")}
    environ.pop("COURSE_STRICT", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-c", os.devnull, "--rootdir", str(tmp_path),
         "-p", "tests.nbval_harness", "--nbval-lax", "--nbval-current-env",
         "-p", "no:cacheprovider", "-rs", str(path)],
        capture_output=True, text=True, env=environ, cwd=tmp_path, timeout=300)


def test_harness_runs_solution_strictly_then_probes_the_student_copy(tmp_path):
    sol = _solution_notebook(tmp_path)
    result = _pytest_notebook(tmp_path, sol)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "3 passed" in result.stdout  # 2 cells + 1 student-copy probe cell


def test_harness_fails_a_solution_whose_checker_does_not_pass(tmp_path):
    sol = _solution_notebook(tmp_path)
    nb = nbformat.read(sol, as_version=4)
    nb.cells[2].source = nb.cells[2].source.replace("return 2 * x", "return 3 * x")
    nbformat.write(nb, sol)
    result = _pytest_notebook(tmp_path, sol)
    assert result.returncode == 1
    assert "ExerciseNotPassed" in result.stdout


def test_harness_fails_when_the_student_stub_does_not_say_not_done(tmp_path):
    sol = _solution_notebook(tmp_path)
    nb = nbformat.read(sol, as_version=4)
    # A solution region that leaves working code outside it: the stub still passes.
    nb.cells[2].source = ("def double(x):\n    return 2 * x\n\n### BEGIN SOLUTION\n"
                          "unused = 1\n### END SOLUTION\ncheck_double(double)")
    nbformat.write(nb, sol)
    result = _pytest_notebook(tmp_path, sol)
    assert result.returncode == 1
    assert "must hear 'not done yet'" in result.stdout
