"""Benchmark: does each experiment checker pass the solution and reject the wrong models a
student hands in by mistake? (Not a test: it trains models, a few minutes per lesson.)

    COURSE_DATA_DIR=/work/shared/data python tests/benchmarks/experiment_checks.py --lessons 01 02 03 04 --seeds 5

An experiment exercise is a code cell of a solution notebook whose solution region (between
`### BEGIN SOLUTION` and `### END SOLUTION`) calls `.fit(`; its checker is the `check_*` it
calls. For each lesson and seed 0..N-1 a kernel starts in the notebooks' folder (smoke
profile, COURSE_SEED=seed, COURSE_STRICT unset, COURSE_DATA_DIR inherited, the repository on
sys.path) and runs the solution notebook's code cells up to and including its last
experiment cell: each experiment cell trains the solution's model and calls the checker,
whose printed line is the solution's verdict. Then, in the same kernel, every wrong model of
that exercise is built and trained from the notebook's own variables and handed to the same
checker call in place of the answer. One line per run:

    lesson, exercise, model, seed, value, verdict

`value` is the number the checker measured ('-' when it stopped before measuring, e.g. on a
wrong structure); `verdict` is the checker's: PASS (it passed the model), FAIL (it rejected
it), TODO (it said "not done yet": not a rejection), ERROR (the run broke). Last comes

    experiment checks: A of B solution runs passed, C of D wrong-model runs rejected

and the exit status is 0 only when A = B and C = D.

Adding a lesson's wrong models
------------------------------
Write tests/benchmarks/wrong_models/lessonNN.py (lessonNN_partK.py for a notebook
NN_..._partK.ipynb) with a dict `EXPERIMENTS`: for each experiment checker the notebook calls,
its wrong models by name, each a function of the kernel's globals `ns` returning the wrong
answer (it replaces the checker's first argument; return `wrong_models.Args(...)` to replace
them all). Take data, sizes, `keras` and earlier models from `ns`, seed with
`wrong_models.seeded(ns)`, train with verbose=0, and import no TensorFlow at module level.
At least three per experiment, of the kinds a student hands in by mistake: `untrained`
(compiled, never fit); the baseline the exercise changes; an earlier section's model; the
wrong structure where the exercise is about structure. Then run this script with
`--lessons NN --seeds 5`: where a checker passes a wrong model (or fails the solution), fix
the checker, not the list. Keep only wrong models that the checker rejects for a reason
(a structure it checks, or a value far outside its band on every seed), not by luck.
tests/test_experiment_checks.py checks every module's shape without TensorFlow.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import json
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "notebooks" / "solutions"
WRONG_MODELS = "tests.benchmarks.wrong_models"
MIN_WRONG_MODELS = 3
MARKER = "@@experiment-check@@ "
SOLUTION = "solution"

SOLUTION_RE = re.compile(r"### BEGIN SOLUTION(.*?)### END SOLUTION", re.S)
VERDICT_RE = re.compile(r"^\[(PASS|FAIL|TODO)\] ")
STATUS_OF = {"PASS": "pass", "FAIL": "fail", "TODO": "not done"}
VERDICT_OF = {"pass": "PASS", "fail": "FAIL", "not done": "TODO"}
#: The measured number in a checker line: check_band's "what: 0.8050 in [..." and
#: "what: measured 0.1000, expected in [...", or a checker's own "measured 0.1000, ...".
VALUE_RES = (
    re.compile(r": (?P<value>-?\d+(?:\.\d+)?(?:e-?\d+)?) in \["),
    re.compile(r"\bmeasured (?P<value>-?\d+(?:\.\d+)?(?:e-?\d+)?)"),
)


# --------------------------------------------------------------------------- pure parts


@dataclass(frozen=True)
class Experiment:
    """An experiment exercise: the cell that trains the answer and calls its checker."""

    lesson: str       # e.g. "04", "03_part1"
    cell_index: int   # index in the notebook's cells
    checker: str      # e.g. "check_narrow_network"
    call: str         # the checker call as the cell writes it
    answer: str       # its first argument's source


@dataclass(frozen=True)
class Run:
    lesson: str
    exercise: str
    model: str
    seed: int
    value: float | None
    verdict: str      # PASS, FAIL, TODO or ERROR

    @property
    def is_solution(self) -> bool:
        return self.model == SOLUTION

    @property
    def ok(self) -> bool:
        """The checker did its job: passed the solution, or rejected ([FAIL]) a wrong model."""
        return self.verdict == ("PASS" if self.is_solution else "FAIL")


def lesson_of(path: Path) -> str:
    """'04' for 04_mnist_dense_network.ipynb, '03_part1' for 03_..._part1.ipynb."""
    number = path.stem.split("_", 1)[0]
    part = re.search(r"_(part\d+)$", path.stem)
    return f"{number}_{part.group(1)}" if part else number


def notebooks_for(lessons: Iterable[str], folder: Path = SOLUTIONS) -> list[Path]:
    """The solution notebooks of the lessons asked for ('03' gives both parts, '03_part2'
    only that one), in order; raises ValueError for a lesson with no notebook."""
    paths = sorted(folder.glob("*.ipynb"))
    chosen: list[Path] = []
    for lesson in lessons:
        lesson = lesson.strip().removeprefix("lesson")
        found = [p for p in paths if lesson_of(p) == lesson or lesson_of(p).split("_")[0] == lesson]
        if not found:
            raise ValueError(f"no solution notebook for lesson {lesson!r} in {folder}")
        chosen += [p for p in found if p not in chosen]
    return chosen


def checker_call(source: str) -> ast.Call | None:
    """The `ex.check_*(...)` / `check_*(...)` call of a cell (the last one), or None."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
             and _callee(node).startswith("check_") and node.args]
    return max(calls, key=lambda c: (c.lineno, c.col_offset)) if calls else None


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def experiments_of(cells: list[tuple[str, str]], lesson: str) -> list[Experiment]:
    """The experiment exercises among `cells` ((cell_type, source) pairs): code cells whose
    solution region calls `.fit(` and that call a checker."""
    found = []
    for index, (cell_type, source) in enumerate(cells):
        if cell_type != "code" or not any(".fit(" in region for region in SOLUTION_RE.findall(source)):
            continue
        call = checker_call(source)
        if call is None:
            continue
        found.append(Experiment(lesson, index, _callee(call), ast.unparse(call),
                                ast.unparse(call.args[0])))
    return found


def wrong_call(experiment: Experiment, answer: str) -> str:
    """The exercise's checker call with its first argument replaced by the name `answer`."""
    call = ast.parse(experiment.call, mode="eval").body
    assert isinstance(call, ast.Call)
    call.args[0] = ast.Name(answer, ast.Load())
    return ast.unparse(call)


def wrong_model_source(experiment: Experiment, model: str) -> str:
    """Code run in the kernel for one wrong model: build it with its function of the kernel's
    globals, hand it to the exercise's checker call and print the result after MARKER."""
    call = ast.parse(experiment.call, mode="eval").body
    assert isinstance(call, ast.Call)
    return (f"__wm_answer = __wm.EXPERIMENTS[{experiment.checker!r}][{model!r}](globals())\n"
            f"if isinstance(__wm_answer, __wm_pkg.Args):\n"
            f"    __wm_result = {ast.unparse(call.func)}(*__wm_answer.args, **__wm_answer.kwargs)\n"
            f"else:\n"
            f"    __wm_result = {wrong_call(experiment, '__wm_answer')}\n"
            f"print({MARKER!r} + json.dumps({{'status': getattr(__wm_result, 'status', None), "
            f"'message': getattr(__wm_result, 'message', '')}}))\n"
            f"del __wm_answer, __wm_result")


def verdict_of_output(text: str) -> tuple[str, str]:
    """(verdict, checker line) from a cell's printed text: its last [PASS]/[FAIL]/[TODO]
    line; ('ERROR', '') when the cell printed none."""
    lines = [line.strip() for line in re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines()]
    verdicts = [line for line in lines if VERDICT_RE.match(line)]
    if not verdicts:
        return "ERROR", ""
    return VERDICT_RE.match(verdicts[-1]).group(1), verdicts[-1]


def value_of(line: str) -> float | None:
    """The number a checker line says it measured, or None."""
    for pattern in VALUE_RES:
        match = pattern.search(line)
        if match:
            return float(match["value"])
    return None


def format_run(run: Run) -> str:
    value = "-" if run.value is None else f"{run.value:.4f}"
    return f"{run.lesson}, {run.exercise}, {run.model}, {run.seed}, {value}, {run.verdict}"


HEADER = ("# lesson, exercise, model, seed, value, verdict   (value: the number the checker "
          "measured, '-' if it stopped before measuring; verdict: the checker's, PASS = it "
          "passed the model, FAIL = it rejected it, TODO = 'not done yet' (no rejection), "
          "ERROR = the run broke. Goal: PASS for 'solution', FAIL for every wrong model.)")


def summary(runs: Iterable[Run]) -> str:
    runs = list(runs)
    solutions = [r for r in runs if r.is_solution]
    wrong = [r for r in runs if not r.is_solution]
    return (f"experiment checks: {sum(r.ok for r in solutions)} of {len(solutions)} solution "
            f"runs passed, {sum(r.ok for r in wrong)} of {len(wrong)} wrong-model runs rejected")


def wrong_models_of(lesson: str) -> dict[str, dict[str, Any]]:
    """`EXPERIMENTS` of tests/benchmarks/wrong_models/lesson<lesson>.py (ImportError if none)."""
    if str(ROOT) not in sys.path:  # run as a script: the repository is not on the path
        sys.path.insert(0, str(ROOT))
    module = importlib.import_module(f"{WRONG_MODELS}.lesson{lesson}")
    return module.EXPERIMENTS


def problems_with(lesson: str, experiments: list[Experiment],
                  catalogue: dict[str, dict[str, Any]]) -> list[str]:
    """What is wrong with a lesson's wrong-model module for its notebook's experiments."""
    problems = []
    names = [e.checker for e in experiments]
    if not experiments:
        problems.append(f"lesson {lesson}: no experiment exercise found (no solution region "
                        "calling .fit( next to a check_* call)")
    for name in names:
        models = catalogue.get(name, {})
        if len(models) < MIN_WRONG_MODELS:
            problems.append(f"lesson {lesson}: {name} has {len(models)} wrong models, at least "
                            f"{MIN_WRONG_MODELS} are needed")
        for model, build in models.items():
            if model == SOLUTION or not model.isidentifier() or not callable(build):
                problems.append(f"lesson {lesson}: {name}: {model!r} must be an identifier "
                                f"(not {SOLUTION!r}) naming a function of the kernel's globals")
    for name in catalogue:
        if name not in names:
            problems.append(f"lesson {lesson}: {name} is not an experiment checker of the "
                            f"notebook (found: {', '.join(names) or 'none'})")
    return problems


# --------------------------------------------------------------------------- the kernel


def _text(cell: Any) -> tuple[str, str]:
    """(printed text, error text) of an executed cell's outputs."""
    printed, errors = [], []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            printed.append(out.get("text", ""))
        elif out.get("output_type") == "error":
            errors.append(f"{out.get('ename')}: {out.get('evalue', '')}")
    return "".join(printed), "; ".join(errors)


def _clip(text: str, limit: int = 300) -> str:
    text = " ".join(re.sub(r"\x1b\[[0-9;]*m", "", text).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def run_lesson(path: Path, seed: int, experiments: list[Experiment],
               catalogue: dict[str, dict[str, Any]], *, verbose: bool = False,
               timeout: int = 1800) -> Iterable[Run]:
    """Execute the notebook up to its last experiment cell with `seed`, then each wrong model;
    yield one Run per checker call as it comes."""
    import nbformat
    from nbclient import NotebookClient

    lesson = lesson_of(path)
    nb = nbformat.read(path, as_version=4)
    last = max(e.cell_index for e in experiments)
    by_cell = {e.cell_index: e for e in experiments}
    os.environ["COURSE_SEED"] = str(seed)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})

    def execute(source: str) -> tuple[str, str]:
        cell = nbformat.v4.new_code_cell(source)
        nb.cells.append(cell)
        client.execute_cell(cell, len(nb.cells) - 1)
        return _text(cell)

    def broken(experiment: Experiment, models: Iterable[str], why: str) -> Iterable[Run]:
        for model in models:
            yield Run(lesson, experiment.checker, model, seed, None, "ERROR")
        print(f"#   {lesson} seed {seed}: {_clip(why)}", flush=True)

    with client.setup_kernel():
        _, error = execute(f"import sys, json, importlib\nsys.path.insert(0, {str(ROOT)!r})\n"
                           f"from tests.benchmarks import wrong_models as __wm_pkg\n"
                           f"__wm = importlib.import_module({WRONG_MODELS + '.lesson' + lesson!r})")
        failed = f"the kernel could not import the wrong models: {error}" if error else ""
        for index in range(last + 1):
            cell = nb.cells[index]
            if cell.cell_type != "code":
                continue
            if not failed:
                client.execute_cell(cell, index)
                printed, error = _text(cell)
                if error:
                    failed = f"cell {index} raised {error}"
            if index not in by_cell:
                continue
            experiment = by_cell[index]
            models = list(catalogue.get(experiment.checker, {}))
            if failed:
                yield from broken(experiment, [SOLUTION, *models], failed)
                continue
            verdict, line = verdict_of_output(printed)
            if verbose:
                print(f"#   {line or 'no checker line'}", flush=True)
            yield Run(lesson, experiment.checker, SOLUTION, seed, value_of(line), verdict)
            for model in models:
                source = wrong_model_source(experiment, model)
                printed, error = execute(source)
                marker = [ln for ln in printed.splitlines() if ln.startswith(MARKER)]
                if error or not marker:
                    yield from broken(experiment, [model], f"{model}: {error or 'no verdict'}")
                    continue
                result = json.loads(marker[-1][len(MARKER):])
                if verbose:
                    print(f"#   {result['message']}", flush=True)
                yield Run(lesson, experiment.checker, model, seed, value_of(result["message"]),
                          VERDICT_OF.get(result["status"], "ERROR"))


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lessons", nargs="+", metavar="NN",
                        help="lessons to run, e.g. 01 04 or 03_part2 (default: every lesson "
                             "with a wrong-models module)")
    parser.add_argument("--seeds", type=int, default=5, help="seeds per lesson (default 5)")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also print each checker's line")
    args = parser.parse_args(argv)

    os.environ["COURSE_PROFILE"] = "smoke"
    os.environ.pop("COURSE_STRICT", None)
    for name in ("COURSE_DATA_DIR", "COURSE_CACHE_DIR"):  # the kernel runs in notebooks/solutions
        if os.environ.get(name, "").strip():
            os.environ[name] = str(Path(os.environ[name]).expanduser().resolve())
    if args.lessons:
        try:
            notebooks = notebooks_for(args.lessons)
        except ValueError as exc:
            parser.error(str(exc))
    else:
        notebooks = [p for p in sorted(SOLUTIONS.glob("*.ipynb"))
                     if (ROOT / "tests" / "benchmarks" / "wrong_models"
                         / f"lesson{lesson_of(p)}.py").is_file()]

    import nbformat

    plan, problems = [], []
    for path in notebooks:
        lesson = lesson_of(path)
        nb = nbformat.read(path, as_version=4)
        experiments = experiments_of([(c.cell_type, c.source) for c in nb.cells], lesson)
        try:
            catalogue = wrong_models_of(lesson)
        except ImportError as exc:
            problems.append(f"lesson {lesson}: no wrong models ({exc}): add "
                            f"tests/benchmarks/wrong_models/lesson{lesson}.py")
            continue
        found = problems_with(lesson, experiments, catalogue)
        problems += found
        if experiments and not found:
            plan.append((path, experiments, catalogue))
    for problem in problems:
        print(f"# PROBLEM {problem}", flush=True)

    seeds = range(args.first_seed, args.first_seed + args.seeds)
    print(f"# profile smoke, seeds {seeds.start}-{seeds.stop - 1}, "
          f"COURSE_DATA_DIR={os.environ.get('COURSE_DATA_DIR')}", flush=True)
    print(HEADER, flush=True)
    runs: list[Run] = []
    start = time.perf_counter()
    for path, experiments, catalogue in plan:
        for seed in seeds:
            began = time.perf_counter()
            try:
                for run in run_lesson(path, seed, experiments, catalogue, verbose=args.verbose):
                    runs.append(run)
                    print(format_run(run), flush=True)
            except Exception as exc:  # noqa: BLE001 - e.g. a dead kernel: count it, go on
                broke = Run(lesson_of(path), "-", SOLUTION, seed, None, "ERROR")
                runs.append(broke)
                print(f"{format_run(broke)}\n#   the kernel broke: {_clip(f'{type(exc).__name__}: {exc}')}",
                      flush=True)
            print(f"#   {lesson_of(path)} seed {seed}: {time.perf_counter() - began:.0f} s",
                  flush=True)
    print(f"# wall time {time.perf_counter() - start:.0f} s", flush=True)
    print(summary(runs), flush=True)
    return 0 if runs and all(r.ok for r in runs) and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
