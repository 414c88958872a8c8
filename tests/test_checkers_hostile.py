"""Every exercise checker survives hostile answers: one plain line, a falsy result, no
exception, no hang; an untouched stub hears "not done yet" and no hint."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import sys
import time

import numpy as np
import pytest

import course_utils.exercises
from course_utils import checks


def _checkers():
    found = []
    for info in pkgutil.iter_modules(course_utils.exercises.__path__):
        module = importlib.import_module(f"course_utils.exercises.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("check_") and fn.__module__ == module.__name__:
                found.append(pytest.param(fn, id=f"{info.name}.{name}"))
    return found


CHECKERS = _checkers()


class _BadArray:
    def __array__(self, *args, **kwargs):
        raise RuntimeError("no array for you")

    def __float__(self):
        raise RuntimeError("no float either")


def _hangs(*args, **kwargs):
    while True:
        time.sleep(0.01)


def _exits(*args, **kwargs):
    sys.exit(3)


def _returns_huge(*args, **kwargs):
    return 10**400


def _returns_nan(*args, **kwargs):
    return np.full((7, 3), np.nan)


def _returns_string(*args, **kwargs):
    return "0.5"


def _raises_runtime(*args, **kwargs):
    raise RuntimeError("student bug")


def _generator(*args, **kwargs):
    yield 1


def _no_args():
    return 1


HOSTILE = {
    "ellipsis": ...,
    "huge int": 10**400,
    "bad __array__": _BadArray(),
    "nan array": np.full((7, 3), np.nan),
    "string": "0.5",
    "bool": True,
    "generator": (i for i in range(3)),
    "hangs": _hangs,
    "sys.exit": _exits,
    "returns 10**400": _returns_huge,
    "returns nan array": _returns_nan,
    "returns string": _returns_string,
    "raises": _raises_runtime,
    "generator function": _generator,
    "wrong arity": _no_args,
    "dict": {"a": 1},
}

LINE_RE = re.compile(r"^\[(PASS|FAIL|TODO)\] \S")


@pytest.fixture(autouse=True)
def short_time_limit(monkeypatch):
    monkeypatch.setattr(checks, "TIME_LIMIT_S", 0.5)
    monkeypatch.delenv("COURSE_STRICT", raising=False)


def _n_params(fn) -> int:
    params = inspect.signature(fn).parameters.values()
    return sum(p.default is inspect.Parameter.empty
               and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)


def test_every_checker_is_decorated_and_has_no_required_keyword_only_parameter():
    assert CHECKERS
    for param in CHECKERS:
        fn = param.values[0]
        assert getattr(fn, "__course_checker__", False), f"{fn.__name__} lacks @checker"
        for p in inspect.signature(fn).parameters.values():
            assert not (p.kind == p.KEYWORD_ONLY and p.default is inspect.Parameter.empty), (
                f"{fn.__name__}: required keyword-only parameter {p.name}")


def test_importing_exercise_modules_does_no_tensorflow_work():
    code = ("import sys, pkgutil, importlib, course_utils.exercises as e\n"
            "[importlib.import_module(f'course_utils.exercises.{m.name}') "
            "for m in pkgutil.iter_modules(e.__path__)]\n"
            "print('tensorflow' in sys.modules, 'keras' in sys.modules)")
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False False", out.stdout + out.stderr


@pytest.mark.parametrize("fn", CHECKERS)
def test_untouched_stub_hears_not_done_yet_without_hint(fn, capsys):
    for stub in (None, ...):
        result = fn(*[stub] * max(1, _n_params(fn)))
        out = capsys.readouterr().out.strip().splitlines()
        assert not result
        assert len(out) == 1 and out[0].startswith("[TODO]"), out
        assert "not done yet" in out[0] and "hint" not in out[0].lower()


@pytest.mark.parametrize("fn", CHECKERS)
@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_answer_never_raises_hangs_or_passes(fn, name, capsys):
    answer = HOSTILE[name]
    start = time.monotonic()
    result = fn(*[answer] * max(1, _n_params(fn)))
    elapsed = time.monotonic() - start
    out = capsys.readouterr().out.strip().splitlines()
    assert not result, f"{name} was accepted"
    assert len(out) == 1 and LINE_RE.match(out[0]), out
    assert "\x1b[" not in out[0]
    assert elapsed < 5.0, f"took {elapsed:.1f} s"
