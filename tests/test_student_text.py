"""What a student reads: the lesson, not the course's maintenance, in about an hour.

- No maintenance talk in the notebooks from 02 on (markdown, and comments in code cells):
  where a band came from, seeds lists, probes, "provisional", issues, benchmark scripts, nbval
  markers. Notebook 01 is exempt: how the course checks itself is part of its lesson.
- A reading load of at most MAX_WORDS words of prose and MAX_CODE_LINES lines of code, counted
  on the student copy (words: whitespace-separated tokens of markdown cells; code lines:
  non-blank lines of code cells that do not start with `#`).
- No hint of an exercise checker contains a line of the notebook's solutions.

The notebooks that still break the first two rules are listed below; a listed notebook that
has become clean fails too, so that the lists only shrink and no new notebook joins them.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from course_utils.student_copies import BEGIN, END

ROOT = Path(__file__).resolve().parents[1]
STUDENT_COPIES = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SOLUTIONS = ROOT / "notebooks" / "solutions"
MAX_WORDS = 3000
MAX_CODE_LINES = 350
#: Shortest solution line (whitespace removed) that a hint may not contain.
MIN_SOLUTION_LINE = 20

#: Notebooks whose text still speaks of the course's maintenance (to be emptied).
TALK_TO_CLEAN: set[str] = set()
#: Notebooks over MAX_WORDS words or MAX_CODE_LINES code lines (to be emptied).
LOAD_TO_CLEAN: set[str] = set()
#: Lessons whose checkers' hints still contain a line of a solution (to be emptied).
HINTS_TO_CLEAN: set[str] = set()

TALK_EXEMPT = {"01_setup_and_environment"}

MAINTENANCE_TALK = re.compile(r"""
    provisional
  | (?<!network\ )\bprob(?:e|es|ed|ing)\b(?!\ the\ (?:network|server))
  | \bissues?\b(?!\ (?:a|an)\ (?:warning|error))
  | tests/benchmarks | metric_bands | \bbenchmark\ script
  | \bnbval\b | NBVAL_
  | \bbands?\ (?:come|comes|came|set|from|measured|derived|were|was)\b
  | \b(?:smoke|full)[-\ ](?:profile\ )?bands?\b
  | \b\d+\ (?:smoke\ |full\ |more\ |seeded\ )?seeds\b
  | \bseeds?\ \(?\d+(?:\)?(?:[-\u2013,]\ ?|\ and\ |\ )\d+)+
  | \bre-?deriv
""", re.I | re.X)


def _stem(path: Path) -> str:
    return path.name.removesuffix(".ipynb")


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def maintenance_talk(nb) -> list[str]:
    """Each place where the markdown or a code comment speaks of the course's upkeep."""
    places = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            text = cell.source
        elif cell.cell_type == "code":
            text = "\n".join(re.findall(r"#.*", cell.source))
        else:
            continue
        for m in MAINTENANCE_TALK.finditer(text):
            context = " ".join(text[max(0, m.start() - 40): m.end() + 40].split())
            places.append(f"cell {index}: ...{context}...")
    return places


def reading_load(nb) -> tuple[int, int]:
    """(words of markdown, lines of code) as a student reads them."""
    words = sum(len(c.source.split()) for c in nb.cells if c.cell_type == "markdown")
    code = sum(1 for c in nb.cells if c.cell_type == "code" for line in c.source.splitlines()
               if line.strip() and not line.strip().startswith("#"))
    return words, code


def _ids(paths):
    return [_stem(p) for p in paths]


@pytest.mark.parametrize("path", [p for p in STUDENT_COPIES if _stem(p) not in TALK_EXEMPT],
                         ids=_ids([p for p in STUDENT_COPIES if _stem(p) not in TALK_EXEMPT]))
def test_no_maintenance_talk(path):
    # The solution notebook has the same text plus the answers' comments: read both.
    places = maintenance_talk(_read(path)) + maintenance_talk(_read(SOLUTIONS / path.name))
    if _stem(path) in TALK_TO_CLEAN:
        assert places, f"{path.name} is clean now: remove it from TALK_TO_CLEAN"
        pytest.xfail(f"still to clean: {len(places)} places")
    assert not places, (
        f"{path.name} speaks of how the course is maintained (band provenance belongs in "
        "tests/benchmarks/bands/, design history in commit messages):\n" + "\n".join(places))


@pytest.mark.parametrize("path", STUDENT_COPIES, ids=_ids(STUDENT_COPIES))
def test_reading_load(path):
    words, code = reading_load(_read(path))
    fits = words <= MAX_WORDS and code <= MAX_CODE_LINES
    if _stem(path) in LOAD_TO_CLEAN:
        assert not fits, f"{path.name} fits an hour now: remove it from LOAD_TO_CLEAN"
        pytest.xfail(f"still too long: {words} words, {code} code lines")
    assert fits, (f"{path.name}: {words} words (at most {MAX_WORDS}) and {code} code lines "
                  f"(at most {MAX_CODE_LINES}): cut, or split the lesson into _part1/_part2")


def test_the_talk_pattern_finds_what_it_should():
    """The pattern is a test too: it finds typical maintenance talk, not lesson text."""
    talk = ["# Bands: 5 smoke seeds gave 0.950-0.959", "full band PROVISIONAL",
            "in probes on the offline copy", "to be re-derived", "the reference figures of this "
            "lesson's issue", "(tests/benchmarks/metric_bands.py)", "# NBVAL_CHECK_OUTPUT",
            "seeds 0-4: 0.889-0.918", "seeds (0, 1, 2, 42)", "the band comes from several runs"]
    lesson = ["Set the random seed with keras.utils.set_random_seed(seed).",
              "The network probe waits 2 s.", "It probes the server first.",
              "A problem with probability 0.5.", "The smoke profile trains 2 epochs."]
    for text in talk:
        assert MAINTENANCE_TALK.search(text), text
    for text in lesson:
        assert not MAINTENANCE_TALK.search(text), text


# --------------------------------------------------------------------------- hints


def _lesson_module(nb) -> str | None:
    for cell in nb.cells:
        m = re.search(r"from course_utils\.exercises import (lesson\w+) as", cell.source)
        if m:
            return m.group(1)
    return None


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def solution_lines(nb) -> set[str]:
    """Whitespace-free lines of the notebook's solution regions (comments dropped) that
    are at least MIN_SOLUTION_LINE characters long."""
    lines, inside = set(), False
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for line in cell.source.splitlines():
            marker = line.strip()
            if marker == BEGIN:
                inside = True
            elif marker == END:
                inside = False
            elif inside and not marker.startswith("#"):
                code = _squash(re.sub(r"\s#[^'\"]*$", "", line))
                if len(code) >= MIN_SOLUTION_LINE:
                    lines.add(code)
    return lines


def checker_strings(path: Path) -> list[str]:
    """Every string a checker module can print (docstrings left out), whitespace removed:
    hints are literals, module constants or f-strings built from them."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef,
                                       ast.ClassDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    strings = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            strings.append("".join(v.value for v in node.values
                                   if isinstance(v, ast.Constant) and isinstance(v.value, str)))
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and id(node) not in docstrings):
            strings.append(node.value)
    return [_squash(s) for s in strings]


def _solutions_with_checkers():
    pairs = []
    for path in sorted(SOLUTIONS.glob("[0-9][0-9]_*.ipynb")):
        module = _lesson_module(_read(path))
        if module:
            pairs.append((path, module))
    return pairs


@pytest.mark.parametrize("path, module", _solutions_with_checkers(),
                         ids=[m for _, m in _solutions_with_checkers()])
def test_hints_do_not_contain_the_solution(path, module):
    lines = solution_lines(_read(path))
    assert lines, f"{path.name}: no solution lines found"
    strings = checker_strings(ROOT / "course_utils" / "exercises" / f"{module}.py")
    leaks = sorted({line for line in lines for s in strings if line in s})
    if module in HINTS_TO_CLEAN:
        assert leaks, f"{module}'s hints are clean now: remove it from HINTS_TO_CLEAN"
        pytest.xfail(f"still to clean: {len(leaks)} solution lines in hints")
    assert not leaks, (f"a hint of course_utils/exercises/{module}.py contains a line of the "
                       "solution (a hint names the concept or the mistake, never the code):\n"
                       + "\n".join(leaks))


def test_the_hint_check_finds_a_leak(tmp_path):
    module = tmp_path / "lesson99.py"
    module.write_text('"""Doc: w = w + rate * (y - y_hat) * x is fine in a docstring."""\n'
                      'HINT = f"Update with w = w + rate * (y - y_hat) * x, {1} step."\n')
    cell = nbformat.v4.new_code_cell(f"{BEGIN}\nw = w + rate * (y - y_hat) * x   # the rule\n"
                                     "# a comment line that is long enough\nn = 1\n"
                                     f"{END}\nprint('outside the region, long enough')")
    nb = nbformat.v4.new_notebook(cells=[cell])
    lines = solution_lines(nb)
    assert lines == {"w=w+rate*(y-y_hat)*x"}
    strings = checker_strings(module)
    assert any("w=w+rate*(y-y_hat)*x" in s for s in strings)
    assert not any(s.startswith("Doc:") for s in strings)  # a docstring is not a hint
