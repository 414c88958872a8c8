"""The checker mechanism itself: verdict lines, stubs, hints per attempt, time limit,
strict mode and the student-copy probe."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from course_utils import checks
from course_utils.checks import checker


@checker
def check_double(fn):
    """double(x) doubles x"""
    return checks.check_cases("double(x) doubles x", fn, [((2,), 4), ((-1.5,), -3.0)],
                              hint="Multiply by 2.", more="x + x works too.",
                              mistakes=[(lambda x: x * x, "That squares x.")])


@checker
def check_answer(value):
    """the answer is 42"""
    return checks.check_value("the answer is 42", value, 42, hint="Think of the book.",
                              mistakes=[(41, "Off by one.")])


def _line(capsys) -> str:
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1, out
    return out[0]


def test_pass(capsys):
    assert check_double(lambda x: 2 * x)
    assert _line(capsys) == "[PASS] double(x) doubles x"


def test_float32_within_tolerance_passes(capsys):
    assert check_double(lambda x: np.float32(2 * x))
    assert _line(capsys).startswith("[PASS]")


@pytest.mark.parametrize("stub", [None, ...])
def test_stub_value_is_not_done_without_hint(stub, capsys):
    result = check_double(stub)
    line = _line(capsys)
    assert not result and result.status == checks.NOT_DONE
    assert line.startswith("[TODO] ") and "not done yet" in line and "hint" not in line.lower()


def test_not_implemented_function_is_not_done(capsys):
    def stub(x):
        raise NotImplementedError()

    assert not check_double(stub)
    assert _line(capsys).startswith("[TODO]")


def test_specific_hint_then_second_hint(capsys):
    assert not check_double(lambda x: x * x)
    first = _line(capsys)
    assert first.startswith("[FAIL]") and "That squares x." in first and "Another hint" not in first
    assert not check_double(lambda x: x * x)
    assert "Another hint: x + x works too." in _line(capsys)
    assert check_double(lambda x: 2 * x)  # a pass resets the count
    capsys.readouterr()
    assert not check_double(lambda x: x + 1)
    assert "Another hint" not in _line(capsys)


def test_forgot_return(capsys):
    def no_return(x):
        2 * x

    assert not check_double(no_return)
    assert "forget `return`" in _line(capsys)


def test_time_limit(monkeypatch, capsys):
    monkeypatch.setattr(checks, "TIME_LIMIT_S", 0.3)
    start = time.monotonic()
    assert not check_double(lambda x: time.sleep(5))
    assert time.monotonic() - start < 2
    assert "did not finish within" in _line(capsys)


def test_keyboard_interrupt_still_stops_the_cell():
    @checker
    def check_interrupted(value):
        """interrupted"""
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        check_interrupted(1)


def test_internal_checker_error_is_a_verdict(capsys):
    @checker
    def check_buggy(value):
        """buggy checker"""
        return 1 / 0

    assert not check_buggy(1)
    assert _line(capsys).startswith("[FAIL] buggy checker: this answer could not be checked")


@pytest.mark.parametrize("value, words", [
    ("42", "got a string"), (True, "expected a number"), (41, "Off by one."), (43.0, "not right"),
])
def test_value_check_rejects(value, words, capsys):
    assert not check_answer(value)
    assert words in _line(capsys)


def test_value_check_accepts_numpy_scalar(capsys):
    assert check_answer(np.float32(42.0))


def test_strict_mode_raises_after_printing(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_STRICT", "1")
    with pytest.raises(checks.ExerciseNotPassed, match="squares"):
        check_double(lambda x: x * x)
    assert capsys.readouterr().out.startswith("[FAIL]")
    assert check_double(lambda x: 2 * x)


def test_probe_accepts_only_not_done(monkeypatch):
    monkeypatch.setenv("COURSE_STRICT", "1")
    checks.begin_stub_probe()
    check_double(None)  # strict mode is off inside the probe: no raise
    checks.end_stub_probe("cell")
    checks.begin_stub_probe()
    check_double(lambda x: 2 * x)
    with pytest.raises(AssertionError, match="must hear 'not done yet'"):
        checks.end_stub_probe("cell")
    checks.begin_stub_probe()
    with pytest.raises(AssertionError, match="no checker ran"):
        checks.end_stub_probe("cell")


def test_band(monkeypatch, capsys):
    from course_utils import profile

    monkeypatch.setattr(profile, "_current", None)
    monkeypatch.setenv("COURSE_PROFILE", "smoke")

    @checker
    def check_acc(value):
        """accuracy of the experiment"""
        return checks.check_band("accuracy of the experiment", value,
                                 smoke=(0.8, 1.0), full=(0.9, 1.0))

    assert check_acc(0.85)
    assert not check_acc(0.5)
    assert not check_acc(float("nan"))
    assert not check_acc("0.9")
    assert not check_acc(True)
    assert not check_acc(None)
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line[:6] for line in lines] == ["[PASS]", "[FAIL]", "[FAIL]", "[FAIL]", "[FAIL]", "[TODO]"]


def test_student_thread_is_a_daemon(monkeypatch):
    monkeypatch.setattr(checks, "TIME_LIMIT_S", 0.1)
    check_double(lambda x: time.sleep(1))
    stuck = [t for t in threading.enumerate() if t.name == "course-checker"]
    assert all(t.daemon for t in stuck)


def test_setup_writes_nothing_to_stderr():
    """TensorFlow's import-time CUDA/absl lines are captured by setup()."""
    code = ("import course_utils; cfg = course_utils.setup(seed=1, profile='smoke', verbose=False);"
            "import keras; print(keras.ops.sum(keras.ops.ones(3)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stderr == "", out.stderr
    assert "3.0" in out.stdout


def test_mismatch_says_where_a_large_array_is_wrong():
    expected = np.zeros((4, 4))
    result = expected.copy()
    result[2, 3] = 0.5
    text = checks.mismatch(result, expected)
    assert "right shape (4, 4)" in text and "1 of 16" in text
    assert "(2, 3)" in text and "0.5" in text


def test_mismatch_keeps_short_values_and_other_shapes():
    assert checks.mismatch([1.0, 2.0], [1.0, 3.0]) == "[1., 2.], expected [1., 3.]"
    assert "shape (5, 5)" in checks.mismatch(np.zeros((5, 5)), np.zeros((4, 4)))
    assert "'text'" in checks.mismatch("text", np.zeros((4, 4)))


def test_all_layers_walks_nested_models_in_order_and_never_raises():
    class Fake:
        def __init__(self, name, layers=()):
            self.name, self.layers = name, list(layers)

    class Raising:
        @property
        def layers(self):
            raise RuntimeError("no layers")

    model = Fake("model", [Fake("a"), Fake("inner", [Fake("i1"), Fake("i2")]), Fake("b")])
    assert [layer.name for layer in checks.all_layers(model)] == ["a", "inner", "i1", "i2", "b"]
    assert checks.layer_kinds(model) == ["Fake"] * 5
    assert checks.all_layers(Raising()) == [] and checks.all_layers(None) == []
    assert checks.layer_kinds(42) == []


def test_optimizer_steps_reads_the_optimizer_iterations():
    class Model:
        class optimizer:  # noqa: N801 - stands in for a Keras optimizer
            iterations = np.int64(7)

    assert checks.optimizer_steps(Model()) == 7


def test_choice_letter_reads_one_letter_of_the_choices():
    from course_utils.checks import choice_letter

    for answer in ("b", "B", " 'b' ", "(b)", '"b"'):
        assert choice_letter(answer, ("a", "b", "c")) == "b"
    for answer in ("d", "ab", "", None, 2, ["b"], b"b"):
        assert choice_letter(answer, ("a", "b", "c")) is None


def test_one_choice_gives_the_verdict_of_a_letter(capsys):
    @checker
    def check_pick(answer):
        """which one"""
        return checks.one_choice("which one", answer, ("a", "b", "c"), "b",
                                 {"a": "Not a.", "c": "Not c."}, "Look again.")

    assert not check_pick(None) and "not done yet" in capsys.readouterr().out
    assert check_pick(" B ") and capsys.readouterr().out.startswith("[PASS] which one")
    assert not check_pick("a")
    out = capsys.readouterr().out
    assert "(a) is not it" in out and "Not a." in out and "Look again." not in out
    assert not check_pick("c")
    assert "Not c." in (out := capsys.readouterr().out) and "Look again." in out
    assert not check_pick(["b"])
    assert "expected one of the letters a, b, c" in capsys.readouterr().out


def test_one_whole_number_gives_the_verdict_of_a_count(capsys):
    @checker
    def check_count(answer):
        """how many"""
        return checks.one_whole_number("how many", answer, 3, usage="Set it to 2, say.",
                                       mistakes={4: "One too many."}, hint="Count again.",
                                       more="Draw it.")

    assert not check_count(...) and "not done yet" in capsys.readouterr().out
    assert check_count(3.0) and capsys.readouterr().out.startswith("[PASS] how many")
    assert not check_count(2.5)
    assert "expected a whole number" in (out := capsys.readouterr().out) and "Set it to 2" in out
    assert not check_count(4)
    assert "4 is not right" in (out := capsys.readouterr().out) and "One too many." in out
    assert not check_count(7)
    assert "Count again." in (out := capsys.readouterr().out) and "Draw it." in out


def test_as_whole_number_accepts_whole_values_only():
    from course_utils.checks import as_whole_number

    for answer in (5, 5.0, np.int64(5), np.array([5])):
        assert as_whole_number(answer) == 5
    for answer in (5.5, "5", None, float("nan"), float("inf"), [5, 6], True):
        assert as_whole_number(answer) is None
