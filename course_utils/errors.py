"""The package's exceptions for problems a student can fix.

Every message says what is wrong and what to do about it. A misuse of a public helper
(a wrong type or value passed to `load_dataset`, `to_dataset`, `check_metric`, the
plots) raises `CourseTypeError` or `CourseValueError`: both are `CourseDataError`s,
and also a `TypeError` / `ValueError`, so `except ValueError` keeps working.
"""

from __future__ import annotations


class CourseDataError(RuntimeError):
    """Raised when a dataset cannot be loaded (unknown name, no copy offline, a
    damaged or truncated file, no network) or a course helper is misused."""


class CourseValueError(CourseDataError, ValueError):
    """A public helper got an argument of the right type but an unusable value."""


class CourseTypeError(CourseDataError, TypeError):
    """A public helper got an argument of the wrong type."""
