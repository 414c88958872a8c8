"""Every notebook (solution sources and student copies) follows the course template and the
committed-outputs policy; solutions mark their answers; exercises are checked."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from course_utils import REPO_URL, colab_url
from course_utils.notebook_outputs import is_checked
from course_utils.student_copies import BEGIN

ROOT = Path(__file__).resolve().parents[1]
STUDENT_COPIES = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOLUTIONS = sorted((ROOT / "notebooks" / "solutions").glob("*.ipynb"))
NOTEBOOKS = STUDENT_COPIES + SOLUTIONS
MIN_EXERCISES = 3
NAME_RE = re.compile(r"^(\d\d)_[a-z0-9]+(_[a-z0-9]+)*\.ipynb$")
SECTIONS = ["## Overview", "Learning goals", "## Setup", "## Summary", "## Exercises"]


def ids(paths):
    return [str(p.relative_to(ROOT / "notebooks")) for p in paths]


def test_there_are_notebooks_numbered_in_order():
    assert STUDENT_COPIES, "no notebooks found"
    numbers = [int(NAME_RE.match(p.name).group(1)) for p in STUDENT_COPIES if NAME_RE.match(p.name)]
    # Numbers follow the syllabus (01-17) and the parts planned beyond it (18-28: Parts 5-7
    # and scaling); lessons not written yet leave gaps. A split lesson keeps its number
    # (03_..._part1, 03_..._part2).
    assert all(1 <= n <= 28 for n in numbers), f"lesson numbers run from 01 to 28: {numbers}"
    stems = {}
    for p in STUDENT_COPIES:
        stems.setdefault(p.name[:2], set()).add(re.sub(r"_part\d+\.ipynb$", "", p.name))
    shared = {n: s for n, s in stems.items() if len(s) > 1}
    assert not shared, f"two lessons share a number (only _partN splits may): {shared}"
    assert [p.name for p in SOLUTIONS] == [p.name for p in STUDENT_COPIES], (
        "every student copy has its solution notebook (python -m course_utils.student_copies)")


@pytest.fixture(params=NOTEBOOKS, ids=ids(NOTEBOOKS))
def nb(request):
    notebook = nbformat.read(request.param, as_version=4)
    notebook.path = request.param
    return notebook


def _markdown(nb):
    return [c.source for c in nb.cells if c.cell_type == "markdown"]


def _code(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_valid_name_kernel_and_format(nb):
    assert NAME_RE.match(nb.path.name), f"{nb.path.name}: use NN_lower_snake_case.ipynb"
    nbformat.validate(nbformat.read(nb.path, as_version=4))
    assert nb.metadata.kernelspec.name == "python3"


def test_one_title_first(nb):
    h1 = [line for src in _markdown(nb) for line in src.splitlines() if re.match(r"^# ", line)]
    assert len(h1) == 1, f"exactly one H1 title, found {h1}"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")


def test_colab_badge_matches_path(nb):
    first = nb.cells[0].source
    assert "colab-badge.svg" in first
    urls = re.findall(r"https://colab\.research\.google\.com/github/[^)\s]+", first)
    assert urls == [colab_url(nb.path.relative_to(ROOT).as_posix())]


def test_template_sections_in_order(nb):
    text = "\n".join(_markdown(nb))
    positions = [text.find(s) for s in SECTIONS]
    assert all(p >= 0 for p in positions), f"missing sections: {[s for s, p in zip(SECTIONS, positions) if p < 0]}"
    assert positions == sorted(positions), f"sections out of order: {SECTIONS}"


def test_one_setup_cell_first(nb):
    code = _code(nb)
    setup_cells = [c for c in code if "course_utils.setup(" in c.source]
    assert len(setup_cells) == 1, "exactly one setup cell calls course_utils.setup("
    assert code[0] is setup_cells[0], "the setup cell is the first code cell"
    src = setup_cells[0].source
    assert "import course_utils" in src and "cfg = course_utils.setup(" in src
    setup_at = src.index("course_utils.setup(")
    tf_import = re.search(r"^(import|from) (keras|tensorflow)\b", src, re.M)
    assert tf_import is None or tf_import.start() > setup_at, (
        "call course_utils.setup() before importing keras/tensorflow (it silences their logs)")
    assert "google.colab" in src and f"git+{REPO_URL}" in src, "Colab install line with the repo URL"
    for cell in code[1:]:
        if cell.source.startswith("%%writefile"):  # a script's source (a worker), not the notebook's
            continue
        assert not re.search(r"^\s*(import|from) \w", cell.source, re.M), (
            f"imports belong in the setup cell: {cell.source[:60]!r}")


def test_outputs_policy(nb):
    """Only cells tagged `nbval-check-output` carry stored outputs; none are errors or
    stderr. No cell marks itself with an nbval comment a student would read."""
    for cell in _code(nb):
        assert not re.search(r"#\s*NBVAL_", cell.source), (
            f"use the cell tag nbval-check-output (or none), not an nbval comment: {cell.source[:60]!r}")
        if is_checked(cell):
            assert cell.outputs, f"checked cell has no stored output (run notebook_outputs refresh): {cell.source[:60]!r}"
            assert cell.execution_count is not None
            for out in cell.outputs:
                assert out.output_type != "error"
                assert not (out.output_type == "stream" and out.name == "stderr")
        else:
            assert not cell.outputs, f"outputs committed for an unchecked cell: {cell.source[:60]!r}"
            assert cell.execution_count is None


def test_training_ends_with_metric_checks(nb):
    """Lesson sections end training with check_metric; exercises (after "## Exercises")
    check their experiments with a checker's band instead."""
    idx = next((i for i, c in enumerate(nb.cells)
                if c.cell_type == "markdown" and "## Exercises" in c.source), len(nb.cells))
    sources = [c.source for c in nb.cells[:idx] if c.cell_type == "code"]
    fits = [i for i, s in enumerate(sources) if ".fit(" in s or "train_perceptron(" in s]
    checks = [i for i, s in enumerate(sources) if "check_metric(" in s]
    if fits:
        assert checks and checks[-1] >= fits[-1], "the last training run is not followed by check_metric"


def _exercise_cells(nb):
    idx = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and "## Exercises" in c.source)
    return [c.source for c in nb.cells[idx:] if c.cell_type == "code"]


def test_exercises_use_checkers(nb):
    after = _exercise_cells(nb)
    assert len(after) >= MIN_EXERCISES, f"at least {MIN_EXERCISES} checked exercises"
    assert all("ex.check_" in s for s in after), "every exercise cell calls a checker"


@pytest.fixture(params=SOLUTIONS, ids=ids(SOLUTIONS))
def solution(request):
    notebook = nbformat.read(request.param, as_version=4)
    notebook.path = request.param
    return notebook


def test_solution_marks_every_answer_and_has_an_experiment(solution):
    cells = _exercise_cells(solution)
    assert all(BEGIN in s for s in cells), "every exercise cell has a ### BEGIN SOLUTION region"
    regions = [s.split(BEGIN, 1)[1] for s in cells]
    assert any(".fit(" in r for r in regions), (
        "at least one exercise is an experiment: change, train (.fit), measure")


def test_no_pickle_anywhere(nb):
    for cell in _code(nb):
        assert "allow_pickle=True" not in cell.source and "pickle.load" not in cell.source


def test_package_never_unpickles():
    for path in (ROOT / "course_utils").rglob("*.py"):
        text = path.read_text()
        assert "allow_pickle=True" not in text and "pickle.load" not in text, path
