"""Plot helpers return headless Figures; to_dataset feeds Keras with autotuning off."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from course_utils import plots, to_dataset


def _saved(fig: Figure, tmp_path) -> None:
    assert isinstance(fig, Figure)
    out = tmp_path / "fig.png"
    fig.savefig(out)
    assert out.stat().st_size > 1000


def test_plot_history(tmp_path):
    class History:
        history = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.5, 0.8],
                   "val_accuracy": [0.4, 0.7]}
    fig = plots.plot_history(History())
    assert len(fig.axes) == 2
    assert [line.get_label() for line in fig.axes[0].lines] == ["training loss", "validation loss"]
    _saved(fig, tmp_path)
    with pytest.raises(ValueError, match="not in the history"):
        plots.plot_history(History(), metrics=["auc"])


def test_show_images_marks_wrong_predictions(tmp_path):
    images = np.random.default_rng(0).integers(0, 255, (5, 28, 28), dtype=np.uint8)
    fig = plots.show_images(images, labels=[1, 2, 3, 4, 5], predictions=[1, 2, 0, 4, 5], ncols=5)
    titles = [(ax.get_title(), ax.title.get_color()) for ax in fig.axes[:5]]
    assert titles[2] == ("0 (3)", "red") and titles[0] == ("1", "black")
    _saved(fig, tmp_path)
    _saved(plots.show_images(np.zeros((3, 32, 32, 3), np.uint8), [[0], [1], [2]],
                             class_names=["a", "b", "c"]), tmp_path)
    with pytest.raises(ValueError, match="shape"):
        plots.show_images(np.zeros(10))


def test_confusion_matrix_counts(tmp_path):
    counts = plots.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0], num_classes=3)
    assert counts.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    _saved(plots.plot_confusion_matrix([0, 1, 1], [0, 1, 0], ["cat", "dog"]), tmp_path)
    _saved(plots.plot_confusion_matrix([0, 1, 1], [0, 1, 0], normalize=True), tmp_path)


def test_class_probabilities(tmp_path):
    p = np.array([0.1, 0.7, 0.2])
    fig = plots.plot_class_probabilities(p, ["a", "b", "c"], true_label=2, image=np.zeros((8, 8)))
    bars = fig.axes[-1].patches
    assert [round(b.get_height(), 2) for b in bars] == [0.1, 0.7, 0.2]
    _saved(fig, tmp_path)
    with pytest.raises(ValueError, match="class names"):
        plots.plot_class_probabilities(p, ["a", "b"])


def test_decision_boundary(tmp_path):
    X = np.array([[0, 0], [1, 1], [0, 1], [1, 0]], float)
    fig = plots.plot_decision_boundary(lambda g: g[:, 0] > 0.5, X, [0, 1, 0, 1], title="t")
    _saved(fig, tmp_path)


def test_to_dataset_batches_and_options():
    x = np.arange(100, dtype="float32").reshape(50, 2)
    y = np.arange(50) % 2
    ds = to_dataset(x, y, batch_size=16, shuffle=True, seed=0)
    batches = list(ds.as_numpy_iterator())
    assert [len(b[0]) for b in batches] == [16, 16, 16, 2]
    seen = np.concatenate([b[0][:, 0] for b in batches])
    assert sorted(seen.tolist()) == x[:, 0].tolist()
    assert ds.options().autotune.enabled is False
    only_x = to_dataset(x, batch_size=50)
    assert next(iter(only_x)).shape == (50, 2)
    with pytest.raises(ValueError, match="50 examples but y has 3"):
        to_dataset(x, y[:3])


def test_to_dataset_trains_a_model():
    import keras

    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 2)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int32")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(to_dataset(x, y, batch_size=32, shuffle=True), epochs=5, verbose=0)
    assert history.history["accuracy"][-1] > 0.9


# --- issue 8: caps, labels, misuse ------------------------------------------------

from course_utils.errors import CourseDataError  # noqa: E402


def test_show_images_caps_the_grid_and_says_so():
    import time

    images = np.zeros((10_000, 28, 28), np.uint8)
    start = time.perf_counter()
    fig = plots.show_images(images, labels=np.zeros(10_000, int))
    assert time.perf_counter() - start < 10
    assert sum(1 for ax in fig.axes if ax.images) == 32
    assert "first 32 of 10,000" in fig._suptitle.get_text()
    fig = plots.show_images(images, max_images=8)
    assert sum(1 for ax in fig.axes if ax.images) == 8


def test_confusion_matrix_refuses_labels_outside_the_classes():
    for y_true, y_pred in (([0, -1, 1], [0, 1, 1]), ([0, 1, 2], [0, 1, 5]), ([0.5, 1, 1], [0, 1, 1])):
        with pytest.raises(CourseDataError) as err:
            plots.confusion_matrix(y_true, y_pred, num_classes=3)
        assert isinstance(err.value, ValueError)
    with pytest.raises(CourseDataError, match="argmax"):
        plots.confusion_matrix([0, 1], np.eye(2))
    counts = plots.confusion_matrix(np.array([[0], [1], [1]]), [0, 1, 0])  # labels (n, 1)
    assert counts.tolist() == [[1, 0], [1, 1]]


def test_class_probabilities_with_labels_of_shape_n_1(tmp_path):
    y_test = np.array([[2], [0]], dtype=np.uint8)  # CIFAR-10's Keras layout
    fig = plots.plot_class_probabilities(np.array([[0.1, 0.2, 0.7]]), ["a", "b", "c"],
                                         true_label=y_test[0])
    assert fig.axes[-1].patches[2].get_facecolor()[:3] == pytest.approx((0.17, 0.63, 0.17), abs=0.01)
    _saved(fig, tmp_path)
    with pytest.raises(CourseDataError, match="true_label"):
        plots.plot_class_probabilities([0.1, 0.9], true_label=y_test)
    with pytest.raises(CourseDataError, match="one example"):
        plots.plot_class_probabilities(np.ones((3, 2)) / 2)


@pytest.mark.parametrize("call", [
    lambda: plots.plot_history(None),
    lambda: plots.plot_history({"loss": [1]}, metrics=["acc"]),
    lambda: plots.show_images(np.zeros((4, 8, 8)), labels=[0]),
    lambda: plots.show_images(np.zeros((4, 8, 8)), labels=[0, 1, 2, 7], class_names=["a"]),
    lambda: plots.show_images(np.zeros((0, 8, 8))),
    lambda: plots.show_images(np.zeros((4, 8, 8)), ncols=0),
    lambda: plots.plot_decision_boundary(lambda g: [1, 0], np.zeros((4, 2)), [0, 1, 0, 1]),
    lambda: plots.plot_decision_boundary("model", np.zeros((4, 2)), [0, 1, 0, 1]),
    lambda: to_dataset(None),
    lambda: to_dataset(np.zeros((4, 2)), batch_size=0),
    lambda: to_dataset(np.zeros((4, 2)), batch_size=True),
    lambda: to_dataset(np.zeros((4, 2)), np.zeros(3)),
    lambda: to_dataset(5),
    lambda: to_dataset([[1, 2], [3]]),
    lambda: to_dataset({"a": np.zeros(3), "b": np.zeros(4)}),
    lambda: to_dataset(np.zeros((4, 2)), seed="x"),
])
def test_misuse_gets_a_course_error(call):
    with pytest.raises(CourseDataError) as err:
        call()
    assert isinstance(err.value, (TypeError, ValueError))
