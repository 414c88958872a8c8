"""course_utils: the shared helpers of the Deep Learning Architectures course.

Every notebook's setup cell calls `course_utils.setup()`; lessons load data with
`load_dataset`, feed Keras through `to_dataset`, plot with the `plots` helpers,
end training sections with `check_metric` and check exercises with
`course_utils.exercises.lessonNN`.

Names are imported on first use, so that `course_utils.checks`, the exercise checkers and
the notebook tools load without TensorFlow or the data layer.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "REPO": "._meta",
    "REPO_URL": "._meta",
    "colab_url": "._meta",
    "class_names": ".data",
    "dataset_names": ".data",
    "load_dataset": ".data",
    "CourseDataError": ".errors",
    "CourseTypeError": ".errors",
    "CourseValueError": ".errors",
    "MetricOutOfBand": ".metrics",
    "check_metric": ".metrics",
    "to_dataset": ".pipeline",
    "PROFILES": ".profile",
    "CourseConfig": ".profile",
    "current_config": ".profile",
    "setup": ".profile",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
        globals()[name] = value
        return value
    try:
        return importlib.import_module(f".{name}", __name__)  # course_utils.plots etc.
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module 'course_utils' has no attribute {name!r}") from None


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
