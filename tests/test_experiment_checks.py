"""The pure parts of tests/benchmarks/experiment_checks.py (finding the experiment exercises,
reading checker lines, the table and its summary) and the shape of every wrong-models module;
no kernel, no TensorFlow."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tests.benchmarks import experiment_checks as ec
from tests.benchmarks import wrong_models

ROOT = Path(__file__).resolve().parents[1]


def _lessons_with_wrong_models() -> list[str]:
    return [info.name.removeprefix("lesson") for info in pkgutil.iter_modules(wrong_models.__path__)
            if info.name.startswith("lesson")]


def test_finds_the_experiment_cell_and_its_checker_call():
    cells = [
        ("markdown", "model.fit( in a text cell"),
        ("code", "### BEGIN SOLUTION\nx = 1\n### END SOLUTION\nex.check_value(x)"),
        ("code", "model.fit(train_ds)  # outside the solution region\nex.check_a(model, x)"),
        ("code", "n = 3\n### BEGIN SOLUTION\nm = build()\nm.fit(ds, epochs=n)\n### END SOLUTION\n"
                 "if ex.check_model(m, x_test, y_test, steps=n):\n    print('ok')"),
    ]
    (found,) = ec.experiments_of(cells, "07")
    assert (found.lesson, found.cell_index, found.checker) == ("07", 3, "check_model")
    assert found.answer == "m"
    assert ec.wrong_call(found, "__wm_answer") == "ex.check_model(__wm_answer, x_test, y_test, steps=n)"


def test_the_experiments_of_notebooks_01_to_04():
    found = {}
    for path in ec.notebooks_for(["01", "02", "03", "04"]):
        nb = nbformat.read(path, as_version=4)
        for e in ec.experiments_of([(c.cell_type, c.source) for c in nb.cells], ec.lesson_of(path)):
            found[e.lesson, e.checker] = e.answer
    assert found == {
        ("01", "check_small_data_experiment"): "model_small",
        ("02", "check_pair_neuron"): "pair_model",
        ("03_part1", "check_deep_network"): "deep_model",
        ("03_part2", "check_large_batch_sgd"): "model_large_batch",
        ("04", "check_narrow_network"): "model_narrow",
    }


def test_the_kernel_code_of_a_wrong_model_compiles_and_calls_the_cells_checker():
    found = ec.Experiment("11", 34, "check_long", "ex.check_long(model_long, steps=long_length)",
                          "model_long")
    source = ec.wrong_model_source(found, "untrained")
    compile(source, "<kernel>", "exec")
    assert "__wm.EXPERIMENTS['check_long']['untrained'](globals())" in source
    assert "ex.check_long(__wm_answer, steps=long_length)" in source
    assert "ex.check_long(*__wm_answer.args, **__wm_answer.kwargs)" in source
    assert ec.MARKER in source


def test_lessons_map_to_notebooks():
    assert ec.lesson_of(Path("03_mlp_activations_backprop_part2.ipynb")) == "03_part2"
    assert ec.lesson_of(Path("04_mnist_dense_network.ipynb")) == "04"
    assert [p.name for p in ec.notebooks_for(["03"])] == [
        "03_mlp_activations_backprop_part1.ipynb", "03_mlp_activations_backprop_part2.ipynb"]
    assert [ec.lesson_of(p) for p in ec.notebooks_for(["lesson03_part2", "01", "01"])] == [
        "03_part2", "01"]
    with pytest.raises(ValueError, match="no solution notebook"):
        ec.notebooks_for(["99"])


@pytest.mark.parametrize(
    ("text", "verdict", "value"),
    [
        ("params\n[PASS] experiment: accuracy: 0.8085 in [0.77, 0.83] (smoke profile)\n", "PASS", 0.8085),
        ("[FAIL] what: measured 0.0605, expected in [0.77, 0.83] (smoke profile). Hint: x", "FAIL", 0.0605),
        ("[FAIL] what: measured 0.1455, barely above chance (0.1). Hint: fit it", "FAIL", 0.1455),
        ("[FAIL] what: the model has 101,770 parameters, not 25,450. Hint: 32 units", "FAIL", None),
        ("[OK] test accuracy = 0.9000, expected in [0.85, 1]\n"
         "[TODO] what: not done yet. Replace the stub", "TODO", None),
        ("\x1b[31m[PASS] what: 1.0000 in [0.83, 1] (smoke profile)\x1b[0m", "PASS", 1.0),
        ("[OK] test accuracy = 0.9000, expected in [0.85, 1]\n", "ERROR", None),
    ],
)
def test_reads_the_checker_line(text, verdict, value):
    found, line = ec.verdict_of_output(text)
    assert found == verdict
    assert ec.value_of(line) == value


def test_table_lines_and_summary():
    runs = [
        ec.Run("04", "check_narrow_network", "solution", 0, 0.8995, "PASS"),
        ec.Run("04", "check_narrow_network", "untrained", 0, 0.1455, "FAIL"),
        ec.Run("04", "check_narrow_network", "section5_model", 0, None, "FAIL"),
        ec.Run("04", "check_narrow_network", "linear_hidden", 0, 0.831, "PASS"),
        ec.Run("04", "check_narrow_network", "typo", 0, None, "TODO"),      # not a rejection
        ec.Run("04", "check_narrow_network", "solution", 1, None, "ERROR"),
        ec.Run("04", "check_narrow_network", "untrained", 1, None, "ERROR"),
    ]
    assert ec.format_run(runs[0]) == "04, check_narrow_network, solution, 0, 0.8995, PASS"
    assert ec.format_run(runs[2]) == "04, check_narrow_network, section5_model, 0, -, FAIL"
    assert [r.ok for r in runs] == [True, True, True, False, False, False, False]
    assert ec.summary(runs) == ("experiment checks: 1 of 2 solution runs passed, "
                                "2 of 5 wrong-model runs rejected")
    assert ec.summary([]) == ("experiment checks: 0 of 0 solution runs passed, "
                              "0 of 0 wrong-model runs rejected")
    assert "lesson, exercise, model, seed, value, verdict" in ec.HEADER


def test_problems_with_a_wrong_models_module():
    found = [ec.Experiment("05", 12, "check_conv", "ex.check_conv(m, x)", "m")]

    def build(ns):
        return None

    assert ec.problems_with("05", found, {"check_conv": dict(a=build, b=build, c=build)}) == []
    problems = ec.problems_with("05", found, {"check_conv": {"a": build, "solution": build,
                                                             "not a name": build},
                                              "check_other": {}})
    assert any("'solution' must be an identifier" in p for p in problems)
    assert any("'not a name' must be an identifier" in p for p in problems)
    assert any("check_other is not an experiment checker" in p for p in problems)
    assert any("no experiment exercise" in p for p in ec.problems_with("05", [], {}))
    assert any("has 1 wrong models" in p
               for p in ec.problems_with("05", found, {"check_conv": {"a": build}}))


@pytest.mark.parametrize("lesson", _lessons_with_wrong_models())
def test_every_wrong_models_module_fits_its_notebook(lesson):
    (path,) = [p for p in ec.notebooks_for([lesson]) if ec.lesson_of(p) == lesson]
    nb = nbformat.read(path, as_version=4)
    experiments = ec.experiments_of([(c.cell_type, c.source) for c in nb.cells], lesson)
    assert ec.problems_with(lesson, experiments, ec.wrong_models_of(lesson)) == []


def test_wrong_models_cover_lessons_01_to_04():
    assert {"01", "02", "03_part1", "03_part2", "04"} <= set(_lessons_with_wrong_models())


def test_importing_the_harness_and_wrong_models_does_no_tensorflow_work():
    modules = ", ".join(f"'{ec.WRONG_MODELS}.lesson{name}'" for name in _lessons_with_wrong_models())
    code = ("import sys, importlib\nimport tests.benchmarks.experiment_checks\n"
            f"[importlib.import_module(m) for m in ({modules},)]\n"
            "print('tensorflow' in sys.modules, 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, cwd=ROOT)
    assert out.stdout.strip() == "False False", out.stdout + out.stderr


def test_the_module_docstring_says_how_to_add_a_lesson():
    doc = importlib.import_module("tests.benchmarks.experiment_checks").__doc__
    assert "Adding a lesson's wrong models" in doc and "EXPERIMENTS" in doc
