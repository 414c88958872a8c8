"""Course datasets: `load_dataset`, class names, and the command line
(`python -m course_utils.data download --all --to DIR`, `verify --dir DIR`, `list`).

Sources, in order: COURSE_DATA_DIR, the course cache, a prepared TensorFlow Datasets
folder, a download through TensorFlow Datasets (see data/README.md)."""

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
