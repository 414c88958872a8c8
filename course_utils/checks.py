"""Building blocks of the exercise checkers: print `[PASS] ...` or `[FAIL] ... Hint: ...`.

Every checker returns True/False too, so that tests (and students) can assert on it.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Iterable

import numpy as np


class CheckResult:
    """The outcome of a checker: true when it passed. Shows nothing as a cell's last
    value (the checker already printed its [PASS]/[FAIL] line)."""

    def __init__(self, passed: bool) -> None:
        self.passed = bool(passed)

    def __bool__(self) -> bool:
        return self.passed

    def __eq__(self, other: object) -> bool:
        return bool(self) == bool(other)

    def __hash__(self) -> int:
        return hash(self.passed)

    def __repr__(self) -> str:
        return f"CheckResult(passed={self.passed})"

    def _ipython_display_(self) -> None:
        pass


def report(passed: bool, what: str, hint: str = "") -> CheckResult:
    """Print one checker line and return the result (truthy when passed)."""
    if passed:
        print(f"[PASS] {what}")
    else:
        print(f"[FAIL] {what}" + (f" Hint: {hint}" if hint else ""))
    return CheckResult(passed)


def no_answer(what: str, answer: Any) -> CheckResult | None:
    """Report a missing answer (`None`); return None when there is an answer to check."""
    if answer is None:
        return report(False, f"{what}: no answer yet (replace None with your answer).")
    return None


def call_safely(fn: Any, *args: Any) -> tuple[Any, str | None]:
    """Call a student's function; return (result, None) or (None, what went wrong).

    A missing function (None, a stub raising NotImplementedError) reads "not implemented
    yet". NumPy overflow, invalid values and division by zero count as errors (a correct
    answer has none); underflow to 0 does not (exp(-1000) == 0 is right)."""
    if fn is None:
        return None, "it is not implemented yet (it is None)"
    if not callable(fn):
        return None, f"expected a function, got {type(fn).__name__}"
    try:
        with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
            warnings.simplefilter("error", RuntimeWarning)
            return fn(*args), None
    except NotImplementedError:
        return None, "it is not implemented yet (it raises NotImplementedError)"
    except FloatingPointError as exc:
        return None, f"NumPy reported a floating-point error: {exc}"
    except RuntimeWarning as exc:
        return None, f"NumPy warned: {exc}"
    except Exception as exc:  # a student's bug is reported, never raised
        return None, f"it raised {type(exc).__name__}: {exc}"


def as_floats(value: Any) -> np.ndarray | None:
    """`value` as a float array, or None when it is missing or not numeric."""
    if value is None:
        return None
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None


def close(answer: Any, expected: Any, atol: float = 1e-6) -> bool:
    """True when `answer` has `expected`'s shape and values (within `atol`)."""
    a, e = as_floats(answer), as_floats(expected)
    if a is None or e is None:
        return False
    return a.shape == e.shape and bool(np.allclose(a, e, atol=atol, rtol=0, equal_nan=False))


def reference_softmax(z: Any, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax along `axis`: the reference answer of the checkers."""
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def check_cases(
    what: str,
    fn: Callable[..., Any],
    cases: Iterable[tuple[tuple[Any, ...], Any]],
    *,
    hint: str,
    mistakes: Iterable[tuple[Callable[..., Any], str]] = (),
    atol: float = 1e-6,
) -> CheckResult:
    """Run `fn(*args)` on each case (on copies of array arguments) and compare with the
    expected value. `mistakes` pairs a function computing a typical wrong answer with the
    hint to give when the student's result matches it."""
    mistakes = list(mistakes)
    for args, expected in cases:
        copies = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)
        result, error = call_safely(fn, *copies)
        if error:
            return report(False, f"{what}: {error}.", hint)
        if close(result, expected, atol):
            continue
        specific = hint
        for wrong, wrong_hint in mistakes:
            try:
                with np.errstate(all="ignore"):
                    if close(result, wrong(*args), atol):
                        specific = wrong_hint
                        break
            except Exception:  # a mistake model that does not apply to this case
                continue
        shown = ", ".join(short(a) for a in args)
        return report(
            False,
            f"{what}: for ({shown}) it returned {short(result)}, expected {short(expected)}.",
            specific,
        )
    return report(True, what)


def short(value: Any) -> str:
    """A one-line rendering of a value for checker messages."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, np.ndarray) and value.size > 12:
        return f"an array of shape {value.shape}"
    try:
        text = np.array2string(np.asarray(value), precision=4, threshold=12, separator=", ")
    except Exception:
        text = repr(value)
    text = " ".join(text.split())
    return text if len(text) < 90 else text[:87] + "..."
