"""The package's one exception class for problems a student can fix."""

from __future__ import annotations


class CourseDataError(RuntimeError):
    """Raised when a dataset cannot be loaded: unknown name, no copy offline,
    a corrupted or truncated file, or input of the wrong shape.

    The message always says what is wrong and what to do about it.
    """
