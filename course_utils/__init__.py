"""course_utils: the shared helpers of the Deep Learning Architectures course.

Every notebook's setup cell calls `course_utils.setup()`; lessons load data with
`load_dataset`, feed Keras through `to_dataset`, plot with the `plots` helpers,
end training sections with `check_metric` and check exercises with
`course_utils.exercises.lessonNN`.
"""

from ._meta import REPO, REPO_URL, colab_url
from .data import class_names, dataset_names, load_dataset
from .errors import CourseDataError
from .metrics import MetricOutOfBand, check_metric
from .pipeline import to_dataset
from .profile import PROFILES, CourseConfig, current_config, setup

__version__ = "0.1.0"

__all__ = [
    "PROFILES",
    "REPO",
    "REPO_URL",
    "CourseConfig",
    "CourseDataError",
    "MetricOutOfBand",
    "check_metric",
    "class_names",
    "colab_url",
    "current_config",
    "dataset_names",
    "load_dataset",
    "setup",
    "to_dataset",
]
