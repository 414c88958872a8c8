"""pytest plugin for running the course notebooks with nbval (loaded from pyproject's addopts).

- The run profile defaults to `smoke` under pytest (set COURSE_PROFILE=full to opt in).
- Per-cell timeout by profile, unless --nbval-cell-timeout is given.
- A notebook stops at its first failing cell: later cells are skipped, so the report
  shows that cell's error instead of a cascade of follow-on errors.
- Solution notebooks (notebooks/solutions/) run with COURSE_STRICT=1, so that a checker
  that does not pass fails its cell; after their last cell the harness runs the exercise
  cells of the generated student copy in the same kernel and fails unless every checker
  there says "not done yet" and nothing raises (the student copy proven without running
  the whole notebook twice).
- Each notebook's wall time (kernel start to last cell) is printed as a table at the end
  and written to notebook-times.csv (or $COURSE_TIMES_FILE); in the smoke profile a
  notebook over its budget fails its last cell.
- Each executed notebook is written with its outputs to build/executed-<profile>/ (or
  $COURSE_EXECUTED_DIR), as far as it ran, so that nothing needs executing twice (the
  course site renders these; a failed run can be read there too).
"""

from __future__ import annotations

import copy
import csv
import os
import time
from pathlib import Path

import pytest

try:
    from nbval.plugin import IPyNbCell, IPyNbFile
except ImportError:  # pragma: no cover - nbval is a dev dependency
    IPyNbCell = IPyNbFile = None

#: Seconds a notebook may take, by profile (None: no budget).
NOTEBOOK_BUDGET_S = {"smoke": 120.0, "full": None}
#: Most lines a cell may print (train with verbose=0 and plot a curve instead).
MAX_OUTPUT_LINES = 30
#: Seconds a single cell may take, by profile.
CELL_TIMEOUT_S = {"smoke": 150.0, "full": 4 * 3600.0}
NBVAL_DEFAULT_CELL_TIMEOUT = 2000

_start: dict[str, float] = {}
_end: dict[str, float] = {}
_cells: dict[str, int] = {}
_last_item: dict[str, str] = {}
_failed: dict[str, str] = {}
_over_budget: set[str] = set()
_outputs: dict[str, dict[int, list]] = {}  # notebook -> {cell index: outputs}
_files: dict[str, object] = {}  # notebook -> its nbval file node (holds the notebook read)


def profile() -> str:
    return os.environ.get("COURSE_PROFILE", "smoke").strip().lower()


def budget_s() -> float | None:
    value = os.environ.get("COURSE_NOTEBOOK_BUDGET")
    return float(value) if value else NOTEBOOK_BUDGET_S.get(profile())


def _is_cell(item) -> bool:
    return IPyNbCell is not None and isinstance(item, IPyNbCell)


def _notebook(item) -> str:
    return item.parent.nodeid


def is_solution(path) -> bool:
    return Path(str(path)).resolve().parent.name == "solutions"


def probe_sources(solution: Path) -> list[str]:
    """Cells that run a student copy's exercise cells after the solution notebook: each
    differing cell, wrapped in begin/end_stub_probe (not done yet, nothing raised)."""
    import nbformat

    from course_utils.student_copies import make_student_copy

    sol = nbformat.read(solution, as_version=4)
    stu = make_student_copy(solution)
    sources = []
    for index, (a, b) in enumerate(zip(sol.cells, stu.cells)):
        if a.cell_type == "code" and a.source != b.source:
            label = f"student copy of {solution.name}, cell {index}"
            sources.append("import course_utils.checks as _course_checks\n"
                           "_course_checks.begin_stub_probe()\n"
                           f"{b.source}\n"
                           f"_course_checks.end_stub_probe({label!r})")
    return sources


def _collect_with_probe(self):
    yield from _original_collect(self)
    if not is_solution(self.fspath):
        return
    import nbformat
    from collections import defaultdict

    first = sum(c.cell_type == "code" for c in self.nb.cells)
    for k, source in enumerate(probe_sources(Path(str(self.fspath)))):
        cell = nbformat.v4.new_code_cell(source)
        options = defaultdict(bool)
        options["check"] = False
        yield IPyNbCell.from_parent(self, name=f"Cell {first + k} (student copy)",
                                    cell_num=first + k, cell=cell, options=options)


if IPyNbFile is not None:
    _original_collect = IPyNbFile.collect
    IPyNbFile.collect = _collect_with_probe


def pytest_configure(config):
    os.environ.setdefault("COURSE_PROFILE", "smoke")
    # Notebook kernels run in notebooks/: make relative data and cache folders absolute first.
    for name in ("COURSE_DATA_DIR", "COURSE_CACHE_DIR"):
        if os.environ.get(name, "").strip():
            os.environ[name] = str(Path(os.environ[name]).expanduser().resolve())
    option = config.option
    if getattr(option, "nbval_cell_timeout", None) == NBVAL_DEFAULT_CELL_TIMEOUT:
        option.nbval_cell_timeout = CELL_TIMEOUT_S.get(profile(), CELL_TIMEOUT_S["full"])


def pytest_collection_modifyitems(session, config, items):
    for item in items:
        if _is_cell(item):
            nb = _notebook(item)
            _cells[nb] = _cells.get(nb, 0) + 1
            _last_item[nb] = item.nodeid


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if not _is_cell(item):
        return
    nb = _notebook(item)
    if nb not in _start:
        # The kernel starts with this first cell and inherits the environment.
        if is_solution(item.parent.fspath):
            os.environ["COURSE_STRICT"] = "1"
        else:
            os.environ.pop("COURSE_STRICT", None)
    _start.setdefault(nb, time.perf_counter())
    if nb in _failed:
        pytest.skip(f"not run: {_failed[nb]} of this notebook failed (see its error above)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if not _is_cell(item):
        return
    report = outcome.get_result()
    nb = _notebook(item)
    if report.when == "call":
        _end[nb] = time.perf_counter()
        _keep_outputs(item)
    if report.when == "call" and report.passed:
        problem = output_problem(getattr(item, "test_outputs", None) or [])
        if problem:
            report.outcome = "failed"
            report.longrepr = f"{item.nodeid}: {problem}"
    if report.failed and report.when in ("setup", "call") and nb not in _failed:
        _failed[nb] = f"cell {getattr(item, 'cell_num', '?')}"
    budget = budget_s()
    if (report.when == "call" and report.passed and item.nodeid == _last_item.get(nb)
            and budget is not None):
        elapsed = _end[nb] - _start[nb]
        if elapsed > budget:
            _over_budget.add(nb)
            report.outcome = "failed"
            report.longrepr = (
                f"{nb} took {elapsed:.1f} s, over its {budget:.0f} s budget in the "
                f"{profile()} profile. Make the smoke sizes smaller (cfg.pick) or find "
                "what got slower (python tests/benchmarks/notebook_times.py)."
            )


def _keep_outputs(item) -> None:
    """Remember a notebook cell's outputs (not the student-copy probe's extra cells)."""
    nb = _notebook(item)
    cells = getattr(item.parent, "nb", None)
    index = next((i for i, c in enumerate(cells.cells) if c is item.cell), None) if cells else None
    if index is None:
        return
    _files[nb] = item.parent
    _outputs.setdefault(nb, {})[index] = list(getattr(item, "test_outputs", None) or [])


def executed_dir(rootpath: Path) -> Path:
    value = os.environ.get("COURSE_EXECUTED_DIR", "").strip()
    return Path(value) if value else Path(rootpath) / "build" / f"executed-{profile()}"


def write_executed(rootpath: Path) -> list[Path]:
    """Write each executed notebook, with the outputs of the cells that ran."""
    import nbformat

    written = []
    folder = executed_dir(rootpath)
    for nb, outputs in _outputs.items():
        node = _files[nb]
        executed = copy.deepcopy(node.nb)
        count = 0
        for index, cell in enumerate(executed.cells):
            if cell.cell_type != "code":
                continue
            cell.outputs, cell.execution_count = [], None
            if index in outputs:
                count += 1
                cell.execution_count = count
                cell.outputs = [copy.deepcopy(o) for o in outputs[index]]
                for out in cell.outputs:
                    if out.get("output_type") == "execute_result":
                        out["execution_count"] = count
        path = Path(str(node.fspath))
        target = folder / ("solutions" if is_solution(path) else "") / path.name
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(executed, target)
            written.append(target)
        except OSError:
            continue
    return written


def output_problem(outputs) -> str | None:
    """What is wrong with a cell's outputs for a reader, or None: stderr noise, more than
    MAX_OUTPUT_LINES lines, or the same figure shown twice."""
    lines = 0
    images = []
    for out in outputs:
        kind = out.get("output_type")
        if kind == "stream":
            text = out.get("text", "")
            if out.get("name") == "stderr" and text.strip():
                return f"the cell wrote to stderr (noise for a student): {text.strip()[:300]!r}"
            lines += len(text.rstrip("\n").splitlines())
        elif kind in ("execute_result", "display_data"):
            data = out.get("data", {})
            if "image/png" in data:
                images.append(data["image/png"])
            elif "text/plain" in data and "text/html" not in data:
                lines += len(str(data["text/plain"]).splitlines())
    if lines > MAX_OUTPUT_LINES:
        return (f"the cell printed {lines} lines (at most {MAX_OUTPUT_LINES}): train with "
                "verbose=0 and plot a curve, or print a compact table")
    if len(images) != len(set(images)):
        return "the cell shows the same figure twice (return nothing after plt.show())"
    return None


def _rows():
    rows = []
    for nb in sorted(_start):
        elapsed = _end.get(nb, _start[nb]) - _start[nb]
        if nb in _over_budget:
            status = "over budget"
        elif nb in _failed:
            status = f"failed at {_failed[nb]}"
        else:
            status = "passed"
        rows.append((nb, _cells.get(nb, 0), status, elapsed))
    return rows


def pytest_terminal_summary(terminalreporter):
    rows = _rows()
    if not rows:
        return
    budget = budget_s()
    tr = terminalreporter
    tr.section(f"notebook wall times ({profile()} profile, budget "
               f"{'none' if budget is None else f'{budget:.0f} s'} each)")
    width = max(len(r[0]) for r in rows)
    tr.write_line(f"{'notebook':<{width}}  cells  {'status':<18} seconds")
    for nb, cells, status, elapsed in rows:
        tr.write_line(f"{nb:<{width}}  {cells:>5}  {status:<18} {elapsed:7.1f}")
    tr.write_line(f"{'total':<{width}}  {'':>5}  {'':<18} {sum(r[3] for r in rows):7.1f}")
    out = Path(os.environ.get("COURSE_TIMES_FILE") or Path(tr.config.rootpath) / "notebook-times.csv")
    try:
        with open(out, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["notebook", "cells", "status", "seconds", "profile"])
            for nb, cells, status, elapsed in rows:
                writer.writerow([nb, cells, status, f"{elapsed:.1f}", profile()])
        tr.write_line(f"(written to {out})")
    except OSError as exc:
        tr.write_line(f"(could not write {out}: {exc})")
    written = write_executed(tr.config.rootpath)
    if written:
        tr.write_line(f"(executed notebooks with their outputs: {len(written)} in "
                      f"{executed_dir(tr.config.rootpath)})")
