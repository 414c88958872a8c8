"""Generate the student copies of the notebooks from their solution notebooks.

`notebooks/solutions/NN_name.ipynb` is the source an author edits. In its code cells, the
answer of each exercise sits between whole lines `### BEGIN SOLUTION` and
`### END SOLUTION`. The student copy `notebooks/NN_name.ipynb` is the same notebook, cell for
cell, with each marked region replaced by a stub that never makes the notebook fail:

- inside a function body: `# YOUR CODE HERE` and `raise NotImplementedError()`;
- at the top level of a cell: `name = None  # YOUR CODE HERE` for every name the region
  assigns (a bare `# YOUR CODE HERE` where it assigns none).

Only cells tagged `nbval-check-output` keep outputs (as in the solutions);
the Open-in-Colab badge points at the student copy.

    python -m course_utils.student_copies            # regenerate every student copy
    python -m course_utils.student_copies --check    # exit 1 if a copy is out of date
    python -m course_utils.student_copies notebooks/solutions/04_mnist_dense_network.ipynb
"""

from __future__ import annotations

import argparse
import ast
import copy
import sys
import textwrap
from pathlib import Path

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB_COMMENT = "# YOUR CODE HERE"
ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SOLUTIONS = NOTEBOOKS / "solutions"


class SolutionMarkerError(ValueError):
    """Unmatched or nested solution markers; the message names file, cell and line."""


def _names_assigned(code: str) -> list[str]:
    """Top-level names that `code` assigns, in order of first appearance."""
    names: list[str] = []

    def add(target: ast.AST) -> None:
        if isinstance(target, ast.Name) and target.id not in names:
            names.append(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                add(elt)
        elif isinstance(target, ast.Starred):
            add(target.value)

    for node in ast.parse(code).body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                add(target)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            add(node.target)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name not in names:
                names.append(node.name)
        elif isinstance(node, (ast.For, ast.With, ast.If, ast.Try, ast.While)):
            for child in ast.walk(node):
                if isinstance(child, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                    for target in getattr(child, "targets", [getattr(child, "target", None)]):
                        if isinstance(target, ast.Name) and target.id not in names:
                            names.append(target.id)
    return names


def _in_function(source: str, line_no: int) -> bool:
    """True when line `line_no` (1-based) of `source` lies inside a function body."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            if node.lineno < line_no <= (node.end_lineno or node.lineno):
                return True
    return False


def strip_solutions(source: str, where: str = "cell") -> str:
    """`source` with every marked solution region replaced by its stub.

    Raises:
        SolutionMarkerError: a BEGIN inside a region, an END without BEGIN, or a BEGIN
            never closed; the message names `where` and the line.
    """
    lines = source.split("\n")
    out: list[str] = []
    start: int | None = None
    region: list[str] = []
    for number, line in enumerate(lines, start=1):
        marker = line.strip()
        if marker == BEGIN:
            if start is not None:
                raise SolutionMarkerError(
                    f"{where}, line {number}: '{BEGIN}' inside the region opened at line "
                    f"{start} (nested markers)")
            start, region = number, []
            indent = line[: len(line) - len(line.lstrip())]
        elif marker == END:
            if start is None:
                raise SolutionMarkerError(f"{where}, line {number}: '{END}' without '{BEGIN}'")
            out.extend(_stub(source, start, region, indent, where))
            start = None
        elif start is not None:
            region.append(line)
        else:
            out.append(line)
    if start is not None:
        raise SolutionMarkerError(f"{where}, line {start}: '{BEGIN}' is never closed by '{END}'")
    return "\n".join(out)


def _stub(source: str, start: int, region: list[str], indent: str, where: str) -> list[str]:
    if _in_function(source, start + 1) or (indent and not region):
        return [f"{indent}{STUB_COMMENT}", f"{indent}raise NotImplementedError()"]
    code = textwrap.dedent("\n".join(region))
    try:
        names = _names_assigned(code)
    except SyntaxError as exc:
        raise SolutionMarkerError(f"{where}, line {start}: the solution region is not valid "
                                  f"Python on its own ({exc.msg})") from None
    if not names:
        return [f"{indent}{STUB_COMMENT}"]
    return [f"{indent}{name} = None  {STUB_COMMENT}" for name in names]


def student_path(solution: Path) -> Path:
    """Where the student copy of a solution notebook lives: `notebooks/<same name>`."""
    return solution.resolve().parent.parent / solution.name


def make_student_copy(solution: Path):
    """The student copy of `solution` as an nbformat notebook."""
    import nbformat

    from ._meta import colab_url
    from .notebook_policy import BADGE_RE, clean

    nb = nbformat.read(solution, as_version=4)
    student = copy.deepcopy(nb)
    rel = solution.resolve().relative_to(ROOT) if solution.resolve().is_relative_to(ROOT) \
        else Path("notebooks/solutions") / solution.name
    for index, cell in enumerate(student.cells):
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source, f"{rel}, cell {index}")
        elif cell.cell_type == "markdown":
            cell.source = BADGE_RE.sub(colab_url(f"notebooks/{solution.name}"), cell.source)
    clean(student)  # the outputs policy: only checked cells keep outputs
    return student


def _text(nb) -> str:
    import nbformat

    return nbformat.writes(nb) + "\n"


def sync(solutions: list[Path], check: bool, *, every: bool = False) -> int:
    """Write (or with `check`, compare) the student copies; return the exit code.
    With `every` (the default command), a student copy without a solution fails too."""
    stale = []
    for solution in solutions:
        target = student_path(solution)
        text = _text(make_student_copy(solution))
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current == text:
            continue
        if check:
            stale.append(target)
            print(f"out of date: {target} (regenerate: python -m course_utils.student_copies)")
        else:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target}")
    if check:
        orphans = [p for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
                   if not (SOLUTIONS / p.name).is_file()] if every else []
        for p in orphans:
            print(f"no solution notebook for {p} (expected {SOLUTIONS / p.name})")
        if stale or orphans:
            return 1
        print(f"{len(solutions)} student copies are up to date")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils.student_copies",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("solutions", nargs="*", type=Path,
                        help="solution notebooks (default: notebooks/solutions/*.ipynb)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when a student copy differs")
    args = parser.parse_args(argv)
    solutions = args.solutions or sorted(SOLUTIONS.glob("[0-9][0-9]_*.ipynb"))
    try:
        return sync(solutions, args.check, every=not args.solutions)
    except SolutionMarkerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
