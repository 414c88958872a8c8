"""Assertions shared by the exercise-checker tests (tests/test_exercises_lessonNN.py)."""

from __future__ import annotations

from typing import Any, Callable


def stub(*args: Any) -> Any:
    """An untouched student stub."""
    raise NotImplementedError()


def passes(checker: Callable[..., Any], *answer: Any, capsys: Any) -> str:
    """The checker accepts `answer`: it returns a truthy result and prints [PASS]."""
    ok = checker(*answer)
    out = capsys.readouterr().out
    assert ok and out.startswith("[PASS]"), out
    return out


def fails(checker: Callable[..., Any], *answer: Any, capsys: Any, hint: str = "") -> str:
    """The checker rejects `answer` with [FAIL] and a message containing `hint`."""
    ok = checker(*answer)
    out = capsys.readouterr().out
    assert not ok and out.startswith("[FAIL]"), out
    assert hint in out, out
    return out
