"""Course datasets: `load_dataset`, class names, and the download command
(`python -m course_utils.data download --all`)."""

from .catalog import DATASETS, DatasetInfo
from .loader import class_names, dataset_info, dataset_names, load_dataset, stratified_indices

__all__ = [
    "DATASETS",
    "DatasetInfo",
    "class_names",
    "dataset_info",
    "dataset_names",
    "load_dataset",
    "stratified_indices",
]
