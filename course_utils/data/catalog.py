"""The datasets the course uses: accepted local files, official downloads, classes, licences."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Download:
    """One official file: where it lives and its SHA-256."""

    url: str
    sha256: str
    filename: str


@dataclass(frozen=True)
class DatasetInfo:
    """What the loader knows about one dataset."""

    name: str
    title: str
    kind: str  # "images" or "text"
    local_files: tuple[str, ...]  # accepted file names in a data dir or the cache, preferred first
    class_names: tuple[str, ...]
    smoke_sizes: tuple[int, int]  # (train, test) examples in the smoke profile
    downloads: tuple[Download, ...]
    source: str
    licence: str


_KERAS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

DATASETS: dict[str, DatasetInfo] = {
    "mnist": DatasetInfo(
        name="mnist",
        title="MNIST handwritten digits",
        kind="images",
        local_files=("mnist.npz",),
        class_names=tuple(str(d) for d in range(10)),
        smoke_sizes=(6000, 2000),
        downloads=(
            Download(
                _KERAS + "mnist.npz",
                "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
                "mnist.npz",
            ),
        ),
        source="Keras datasets (LeCun, Cortes, Burges)",
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
        downloads=tuple(
            Download(_KERAS + f, sha, f)
            for f, sha in (
                ("train-images-idx3-ubyte.gz",
                 "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
                ("train-labels-idx1-ubyte.gz",
                 "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
                ("t10k-images-idx3-ubyte.gz",
                 "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
                ("t10k-labels-idx1-ubyte.gz",
                 "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
            )
        ),
        source="Zalando Research, via the Keras datasets mirror",
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
        downloads=(
            Download(
                "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
                "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
                "cifar-10-binary.tar.gz",
            ),
        ),
        source="Krizhevsky (2009), binary version (no pickle)",
        licence="no formal licence; cite Krizhevsky 2009",
    ),
    "imdb_reviews": DatasetInfo(
        name="imdb_reviews",
        title="IMDB Large Movie Review Dataset v1.0",
        kind="text",
        local_files=("aclImdb.tar.gz",),
        class_names=("negative", "positive"),
        smoke_sizes=(4000, 4000),
        downloads=(
            Download(
                "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
                "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe",
                "aclImdb_v1.tar.gz",
            ),
        ),
        source="Maas et al., ACL 2011",
        licence="research use with citation",
    ),
}

ALIASES = {
    "imdb": "imdb_reviews",
    "fashion-mnist": "fashion_mnist",
    "fashionmnist": "fashion_mnist",
    "cifar-10": "cifar10",
}
