"""The datasets the course uses: accepted local files, TFDS names, classes, licences."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DatasetInfo:
    """What the loader knows about one dataset."""

    name: str
    title: str
    kind: str  # "images" or "text"
    local_files: tuple[str, ...]  # accepted file names in a data dir or the cache, preferred first
    class_names: tuple[str, ...]
    smoke_sizes: tuple[int, int]  # (train, test) examples in the smoke profile
    tfds_name: str  # the TensorFlow Datasets builder that downloads it
    download_mb: int  # about how much TFDS downloads (sets the download deadline)
    # Examples per class in (train, test) for the complete dataset; checked when a
    # folder archive (JPEG class folders, aclImdb) is decoded. None: not checked.
    class_counts: tuple[int, int] | None
    source: str
    licence: str


DATASETS: dict[str, DatasetInfo] = {
    "mnist": DatasetInfo(
        name="mnist",
        title="MNIST handwritten digits",
        kind="images",
        local_files=("mnist.npz",),
        class_names=tuple(str(d) for d in range(10)),
        smoke_sizes=(6000, 2000),
        tfds_name="mnist",
        download_mb=12,
        class_counts=None,  # MNIST classes are not balanced
        source="LeCun, Cortes, Burges; through TensorFlow Datasets",
        licence="CC BY-SA 3.0",
    ),
    "fashion_mnist": DatasetInfo(
        name="fashion_mnist",
        title="Fashion-MNIST (Zalando)",
        kind="images",
        local_files=("fashion_mnist.npz",),
        class_names=(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
        ),
        smoke_sizes=(6000, 2000),
        tfds_name="fashion_mnist",
        download_mb=30,
        class_counts=(6000, 1000),
        source="Zalando Research; through TensorFlow Datasets",
        licence="MIT",
    ),
    "cifar10": DatasetInfo(
        name="cifar10",
        title="CIFAR-10",
        kind="images",
        local_files=("cifar10.npz", "cifar10_jpg.tar.gz"),
        class_names=(
            "airplane", "automobile", "bird", "cat", "deer",
            "dog", "frog", "horse", "ship", "truck",
        ),
        smoke_sizes=(10000, 2000),
        tfds_name="cifar10",
        download_mb=165,
        class_counts=(5000, 1000),
        source="Krizhevsky (2009); through TensorFlow Datasets",
        licence="no formal licence; cite Krizhevsky 2009",
    ),
    "imdb_reviews": DatasetInfo(
        name="imdb_reviews",
        title="IMDB Large Movie Review Dataset v1.0",
        kind="text",
        local_files=("imdb_reviews.npz", "aclImdb.tar.gz"),
        class_names=("negative", "positive"),
        smoke_sizes=(4000, 4000),
        tfds_name="imdb_reviews",
        download_mb=85,
        class_counts=(12500, 12500),
        source="Maas et al., ACL 2011; through TensorFlow Datasets",
        licence="research use with citation",
    ),
}

ALIASES = {
    "imdb": "imdb_reviews",
    "fashion-mnist": "fashion_mnist",
    "fashionmnist": "fashion_mnist",
    "cifar-10": "cifar10",
}
