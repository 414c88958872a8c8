"""Building blocks of the exercise checkers.

Every checker is a `check_*` function decorated with `@checker`. Whatever a student passes,
a checker prints exactly one plain line and returns a `CheckResult` (truthy only on a pass):

- `[PASS] what` when the answer is right;
- `[TODO] what: not done yet ...` when the exercise is untouched (a `None` / `...` stub, or a
  function that still raises `NotImplementedError`), with no hint;
- `[FAIL] what: ... Hint: ...` after a wrong attempt, with a hint specific to the mistake
  where one is known, and a second hint from the second wrong attempt on.

A checker never raises (except `KeyboardInterrupt`: the stop button still stops the cell)
and never hangs: the student's code runs in a daemon thread and the whole check gets
`TIME_LIMIT_S` seconds. With `COURSE_STRICT=1` in the environment (the solution notebooks
under CI) a checker that does not pass raises `ExerciseNotPassed` after printing its line.
"""

from __future__ import annotations

import functools
import math
import numbers
import os
import re
import threading
import time
from typing import Any, Callable, Iterable, Sequence

import numpy as np

#: Seconds a whole checker call may take (the student's code included).
TIME_LIMIT_S = 10.0
#: Environment variable that turns on strict mode (a non-pass raises).
STRICT_ENV = "COURSE_STRICT"

PASS, FAIL, NOT_DONE = "pass", "fail", "not done"


class ExerciseNotPassed(AssertionError):
    """Raised in strict mode (`COURSE_STRICT=1`) by a checker that did not pass."""


class CheckResult:
    """The outcome of a checker: true when it passed. Shows nothing as a cell's last
    value (the checker already printed its line)."""

    def __init__(self, passed: bool, status: str | None = None, message: str = "") -> None:
        self.passed = bool(passed)
        self.status = status or (PASS if self.passed else FAIL)
        self.message = message

    def __bool__(self) -> bool:
        return self.passed

    def __eq__(self, other: object) -> bool:
        return bool(self) == bool(other)

    def __hash__(self) -> int:
        return hash(self.passed)

    def __repr__(self) -> str:
        return f"CheckResult(passed={self.passed}, status={self.status!r})"

    def _ipython_display_(self) -> None:
        pass


# --------------------------------------------------------------------------- signals


class NotDone(Exception):
    """Raised inside a checker: the answer is an untouched stub."""


class WrongAnswer(Exception):
    """Raised inside a checker: a wrong attempt, with its message and hints."""

    def __init__(self, message: str, hint: str = "", more: str = "") -> None:
        super().__init__(message)
        self.message, self.hint, self.more = message, hint, more


class _State(threading.local):
    deadline: float | None = None
    attempt: int = 0  # earlier failed calls of the running checker


_state = _State()
_failures: dict[str, int] = {}  # checker name -> failed attempts so far
_probe: list[CheckResult] | None = None  # set by begin_stub_probe()


# --------------------------------------------------------------------------- verdicts


def strict_mode() -> bool:
    """True when `COURSE_STRICT` asks checkers to raise on anything but a pass."""
    return _probe is None and os.environ.get(STRICT_ENV, "").strip() not in ("", "0", "false")


def report(passed: bool, what: str, hint: str = "", more: str = "") -> CheckResult:
    """Print one checker line and return the result: `[PASS] what` or `[FAIL] what Hint:`.

    `more` is a second hint, added from the second failed attempt of the same checker on.
    """
    if passed:
        line = f"[PASS] {what}"
    else:
        line = f"[FAIL] {what}"
        if hint:
            line += f" Hint: {hint}"
        if more and _state.attempt >= 1:
            line += f" Another hint: {more}"
    print(line)
    return CheckResult(passed, PASS if passed else FAIL, line)


def not_done(what: str) -> CheckResult:
    """Print the verdict for an untouched exercise (never a hint) and return it."""
    line = (f"[TODO] {what}: not done yet. Replace the stub (None, ... or "
            "raise NotImplementedError) with your answer and run the cell again.")
    print(line)
    return CheckResult(False, NOT_DONE, line)


def no_answer(what: str, answer: Any) -> CheckResult | None:
    """`not_done(what)` when `answer` is an untouched stub (None or ...), else None."""
    return not_done(what) if is_stub(answer) else None


def is_stub(answer: Any) -> bool:
    """True for the stubs of the student copies: `None` and `...`."""
    return answer is None or answer is Ellipsis


def checker(func: Callable[..., CheckResult]) -> Callable[..., CheckResult]:
    """Decorator of every `check_*` function: one line, a falsy result unless it passed,
    no exception (but KeyboardInterrupt), a time limit, hints counted per attempt and
    strict mode. Inside, raise `NotDone` / `WrongAnswer` or return `report(...)`."""
    name = f"{func.__module__}.{func.__qualname__}"

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> CheckResult:
        outer = (_state.deadline, _state.attempt)
        _state.deadline = time.monotonic() + TIME_LIMIT_S
        _state.attempt = _failures.get(name, 0)
        what = (func.__doc__ or func.__name__).strip().splitlines()[0].rstrip(".")
        try:
            result = func(*args, **kwargs)
            if not isinstance(result, CheckResult):
                result = report(False, f"{what}: the checker gave no verdict.")
        except KeyboardInterrupt:
            raise
        except NotDone as exc:
            result = not_done(str(exc) or what)
        except WrongAnswer as exc:
            result = report(False, exc.message, exc.hint, exc.more)
        except BaseException as exc:  # noqa: BLE001 - a checker must never raise
            result = report(False, f"{what}: this answer could not be checked "
                                   f"({type(exc).__name__}: {_clip(str(exc))}).")
        finally:
            _state.deadline, _state.attempt = outer
        if result.status == FAIL:
            _failures[name] = _failures.get(name, 0) + 1
        elif result.status == PASS:
            _failures.pop(name, None)
        if _probe is not None:
            _probe.append(result)
        if strict_mode() and not result.passed:
            raise ExerciseNotPassed(f"strict mode ({STRICT_ENV}=1): {result.message}")
        return result

    wrapper.__course_checker__ = True  # type: ignore[attr-defined]
    return wrapper


# --------------------------------------------------------------------------- the student's code


class Failure(Exception):
    """What went wrong when running the student's code (message only)."""


def remaining_time() -> float:
    """Seconds left of the running checker's time limit."""
    if _state.deadline is None:
        return TIME_LIMIT_S
    return max(0.0, _state.deadline - time.monotonic())


def run_limited(fn: Callable[[], Any]) -> Any:
    """Run `fn()` in a daemon thread within the checker's remaining time.

    Returns its value; raises `NotImplementedError` as is (a stub), `Failure` with a plain
    message for anything else it raised (SystemExit included), or when it took too long.
    NumPy overflow, invalid values and division by zero raise (a right answer has none);
    underflow does not."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            with np.errstate(all="raise", under="ignore"):
                box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True, name="course-checker")
    limit = remaining_time()
    thread.start()
    thread.join(limit)
    if thread.is_alive():
        raise Failure(f"it did not finish within {TIME_LIMIT_S:g} s (an endless loop?)")
    if "error" in box:
        exc = box["error"]
        if isinstance(exc, NotImplementedError):
            raise exc
        if isinstance(exc, FloatingPointError):
            raise Failure(f"NumPy reported a floating-point error: {_clip(str(exc))}")
        if isinstance(exc, SystemExit):
            raise Failure("it called sys.exit()/exit()")
        raise Failure(f"it raised {type(exc).__name__}: {_clip(str(exc))}")
    return box.get("value")


def call_safely(fn: Any, *args: Any) -> tuple[Any, str | None]:
    """Call a student's function with a time limit; return (result, None) or
    (None, what went wrong). Raises `NotDone` for an untouched stub: None, ..., or a
    function that raises NotImplementedError."""
    if is_stub(fn):
        raise NotDone()
    if not callable(fn):
        return None, f"expected a function, got {type(fn).__name__}"
    try:
        return run_limited(lambda: fn(*args)), None
    except NotImplementedError:
        raise NotDone() from None
    except Failure as exc:
        return None, str(exc)


def call_in_batches(fn: Callable[..., Any], x: Any, batch: int = 500) -> list[np.ndarray]:
    """A Keras model (or layer) applied to `x` in eager batches: its outputs as float
    arrays, one per output. The model is called, not `predict`-ed: `predict` traces a new
    tf.function for every fresh model, and TensorFlow then warns about retracing when a
    checker runs several times. Run it inside `run_limited` (it runs the student's model)."""
    parts: list[list[np.ndarray]] = []
    for i in range(0, len(x), batch):
        out = fn(x[i:i + batch], training=False)
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        parts.append([np.asarray(o, dtype=float) for o in outs])
    return [np.concatenate(column) for column in zip(*parts)]


def all_layers(model: Any) -> list[Any]:
    """Every layer of a Keras model, those of nested models included; [] for anything
    without readable `layers` (never raises)."""
    found: list[Any] = []
    todo = [(model, False)]  # (object, is it a layer to list)
    while todo and len(found) < 10_000:
        current, listed = todo.pop()
        if listed:
            found.append(current)
        try:
            sub = list(getattr(current, "layers", []) or [])
        except Exception:  # noqa: BLE001 - a property raising: no structure to read
            sub = []
        todo.extend((layer, True) for layer in reversed(sub))  # model order, depth first
    return found


def layer_kinds(model: Any) -> list[str]:
    """The class names of `all_layers(model)`."""
    return [type(layer).__name__ for layer in all_layers(model)]


def optimizer_steps(model: Any) -> int:
    """Steps the model's optimiser has taken (0 when compiled but never fit)."""
    return int(np.asarray(model.optimizer.iterations))


def as_floats(value: Any) -> np.ndarray | None:
    """`value` as a float array, or None when it is missing or not numeric
    (strings, booleans, objects, ragged or overflowing values are not numbers)."""
    if value is None or isinstance(value, (str, bytes, bool, np.bool_)):
        return None
    try:
        arr = np.asarray(value)
        if arr.dtype.kind not in "iuf":
            return None
        return arr.astype(float)
    except Exception:  # noqa: BLE001 - __array__ raising, overflow, ragged lists
        return None


def as_whole_number(value: Any) -> int | None:
    """One whole number (an int, a float such as 5.0, a one-element array), else None."""
    number = as_number(value)
    if number is None or not np.isfinite(number) or number != round(number):
        return None
    return int(number)


def choice_letter(answer: Any, choices: Sequence[str]) -> str | None:
    """A multiple-choice answer as one of `choices` (lower case; quotes, brackets and spaces
    around it ignored), or None when it is not one of them."""
    if isinstance(answer, str):
        letter = answer.strip().lower().strip("\"'()").strip()
        if letter in choices:
            return letter
    return None


def one_choice(what: str, answer: Any, choices: Sequence[str], right: str,
               hints: dict[str, str], more: str = "") -> CheckResult:
    """The verdict on a one-letter multiple-choice answer: not done for a stub, a plain
    message for anything that is not one of `choices`, the hint of each wrong letter (and
    `more` from the second wrong attempt on). Call it inside a `@checker` function."""
    if is_stub(answer):
        raise NotDone(what)
    letter = choice_letter(answer, choices)
    if letter is None:
        return report(False, f"{what}: expected one of the letters {', '.join(choices)}, got "
                             f"{short(answer).rstrip('.')}.", "Answer with one letter, e.g. \"a\".")
    if letter == right:
        return report(True, what)
    return report(False, f"{what}: ({letter}) is not it.", hints[letter], more)


def one_whole_number(what: str, answer: Any, expected: int, *, usage: str, hint: str,
                     mistakes: dict[int, str] | None = None, more: str = "",
                     kind: str = "a whole number") -> CheckResult:
    """The verdict on a whole-number answer: not done for a stub, `usage` for anything that
    is not a whole number, the hint of a known wrong value (`mistakes`) or `hint`, and `more`
    from the second wrong attempt on. Call it inside a `@checker` function."""
    if is_stub(answer):
        raise NotDone(what)
    value = as_whole_number(answer)
    if value is None:
        return report(False, f"{what}: expected {kind}, got {short(answer).rstrip('.')}.", usage)
    if value == expected:
        return report(True, what)
    return report(False, f"{what}: {value} is not right.", (mistakes or {}).get(value, hint), more)


def as_number(value: Any) -> float | None:
    """One real number (an int, a float or a one-element array), else None."""
    if isinstance(value, (bool, np.bool_)) or value is None:
        return None
    if isinstance(value, numbers.Real):
        try:
            number = float(value)
        except (OverflowError, ValueError, TypeError):
            return None
        return number
    arr = as_floats(value)
    if arr is None or arr.size != 1:
        return None
    return float(arr.reshape(-1)[0])


def close(answer: Any, expected: Any, atol: float = 1e-6, rtol: float = 1e-5) -> bool:
    """True when `answer` has `expected`'s shape and values (within tolerance, no NaN)."""
    a, e = as_floats(answer), as_floats(expected)
    if a is None or e is None or a.shape != e.shape:
        return False
    return bool(np.allclose(a, e, atol=atol, rtol=rtol, equal_nan=False))


def reference_softmax(z: Any, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax along `axis`: the reference answer of the checkers."""
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# --------------------------------------------------------------------------- common checks


def check_cases(
    what: str,
    fn: Callable[..., Any],
    cases: Iterable[tuple[tuple[Any, ...], Any]],
    *,
    hint: str,
    more: str = "",
    mistakes: Iterable[tuple[Callable[..., Any], str]] = (),
    atol: float = 1e-6,
    rtol: float = 1e-5,
) -> CheckResult:
    """Run `fn(*args)` on each case (on copies of array arguments) and compare with the
    expected value. `mistakes` pairs a function computing a typical wrong answer with the
    hint to give when the student's result matches it; `more` is the second hint."""
    mistakes = list(mistakes)
    for args, expected in cases:
        copies = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)
        result, error = call_safely(fn, *copies)
        if error:
            return report(False, f"{what}: {error}.", hint, more)
        if result is None:
            return report(False, f"{what}: it returned None.",
                          "Did you forget `return`?", hint)
        if close(result, expected, atol, rtol):
            continue
        specific = hint
        for wrong, wrong_hint in mistakes:
            try:
                with np.errstate(all="ignore"):
                    if close(result, wrong(*args), atol, rtol):
                        specific = wrong_hint
                        break
            except Exception:  # noqa: BLE001 - a mistake model that does not apply here
                continue
        shown = ", ".join(short(a) for a in args)
        return report(
            False,
            f"{what}: for ({shown}) it returned {mismatch(result, expected)}.",
            specific,
            more,
        )
    return report(True, what)


def mismatch(result: Any, expected: Any) -> str:
    """How `result` differs from `expected`, in one line: both values when they are short,
    otherwise where two arrays of the same shape first part (never raises)."""
    plain = f"{short(result)}, expected {short(expected)}"
    try:
        a, e = as_floats(result), as_floats(expected)
        if a is None or e is None or a.shape != e.shape or a.size <= 12:
            return plain
        with np.errstate(all="ignore"):
            wrong = ~np.isclose(a, e, atol=1e-6, rtol=1e-5)
        index = tuple(int(i) for i in np.argwhere(wrong)[0])
        return (f"an array of the right shape {a.shape} with {int(wrong.sum()):,} of "
                f"{a.size:,} entries wrong (first at index {index}: {a[index]:.4g}, "
                f"expected {e[index]:.4g})")
    except Exception:  # noqa: BLE001 - a message must never raise
        return plain


def check_value(
    what: str,
    answer: Any,
    expected: float | Sequence[float] | np.ndarray,
    *,
    hint: str,
    more: str = "",
    mistakes: Iterable[tuple[Any, str]] = (),
    atol: float = 1e-6,
    rtol: float = 1e-4,
) -> CheckResult:
    """Compare a value answer (a number or an array) with `expected`. `mistakes` pairs
    typical wrong values with their hints. `None` / `...` is "not done yet"."""
    if is_stub(answer):
        raise NotDone(what)
    try:
        value = run_limited(lambda: as_floats(answer))
    except Failure as exc:
        return report(False, f"{what}: {exc}.", hint, more)
    if value is None:
        kind = "a string" if isinstance(answer, str) else type(answer).__name__
        return report(False, f"{what}: expected a number, got {kind}.", hint, more)
    if close(value, expected, atol, rtol):
        return report(True, what)
    for wrong, wrong_hint in mistakes:
        if close(value, wrong, atol, rtol):
            return report(False, f"{what}: {short(answer)} is not right.", wrong_hint, more)
    return report(False, f"{what}: {short(answer)} is not right.", hint, more)


def check_band(
    what: str,
    value: Any,
    *,
    smoke: tuple[float, float],
    full: tuple[float, float],
    hint: str = "",
    more: str = "",
) -> CheckResult:
    """An experiment's measured result must lie in its profile's band (as `check_metric`,
    but as a checker verdict). `None` / `...` is "not done yet"."""
    from .profile import current_config

    if is_stub(value):
        raise NotDone(what)
    number = as_number(value)
    if number is None:
        kind = "a string" if isinstance(value, str) else type(value).__name__
        return report(False, f"{what}: expected one measured number, got {kind}.", hint, more)
    profile = current_config().profile
    low, high = smoke if profile == "smoke" else full
    if not (math.isfinite(number) and low <= number <= high):
        return report(False, f"{what}: measured {number:.4f}, expected in [{low:g}, {high:g}] "
                             f"({profile} profile).", hint, more)
    return report(True, f"{what}: {number:.4f} in [{low:g}, {high:g}] ({profile} profile)")


def short(value: Any) -> str:
    """A one-line rendering of a value for checker messages (never raises)."""
    try:
        if isinstance(value, str):
            return _clip(repr(value))
        if isinstance(value, np.ndarray) and value.size > 12:
            return f"an array of shape {value.shape}"
        arr = as_floats(value)
        if arr is None:
            return _clip(f"a {type(value).__name__}")
        text = np.array2string(arr, precision=4, threshold=12, separator=", ")
        return _clip(" ".join(text.split()))
    except Exception:  # noqa: BLE001
        return f"a {type(value).__name__}"


_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _clip(text: str, limit: int = 90) -> str:
    """One plain line (no colour codes) of at most `limit` characters."""
    text = " ".join(_ANSI_RE.sub("", str(text)).split())
    return text if len(text) < limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------- student-copy probe


def begin_stub_probe() -> None:
    """Start recording checker verdicts (strict mode off): used by the test harness to run
    a student copy's exercise cells and prove they say "not done yet"."""
    global _probe
    _probe = []


def end_stub_probe(label: str) -> None:
    """Stop recording; raise AssertionError unless at least one checker ran and every one
    said "not done yet" (an untouched student copy must neither pass nor fail)."""
    global _probe
    results, _probe = _probe or [], None
    if not results:
        raise AssertionError(f"{label}: no checker ran in the student copy's cell")
    wrong = [r.message for r in results if r.status != NOT_DONE]
    if wrong:
        raise AssertionError(f"{label}: an untouched stub must hear 'not done yet', got: "
                             + " | ".join(wrong))
