"""Plots used across the course. Each returns a Matplotlib `Figure` (shown when it is a
cell's last expression) and works headless in CI."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import matplotlib

# Importing pyplot lets Jupyter's inline backend register how to display figures;
# the helpers themselves build `Figure` objects so that a figure is shown once.
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .errors import CourseTypeError, CourseValueError
from matplotlib.ticker import MaxNLocator

try:  # Load pyplot's backend now: in Jupyter this registers how Figure objects display
    plt.switch_backend(plt.get_backend())  # (matplotlib loads it lazily, at the first plt figure).
except Exception:  # headless or unusual set-ups: figures still work, just not auto-displayed
    pass

__all__ = [
    "confusion_matrix",
    "plot_class_probabilities",
    "plot_confusion_matrix",
    "plot_decision_boundary",
    "plot_history",
    "show_images",
]


def plot_history(history: Any, metrics: Sequence[str] | None = None) -> Figure:
    """Training curves from a Keras `History` (or its `.history` dict): one panel per
    metric, training and validation curves, epochs counted from 1."""
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict) or not logs:
        raise CourseTypeError("plot_history needs the History returned by model.fit (or its .history dict).")
    names = list(metrics) if metrics else [k for k in logs if not k.startswith("val_")]
    unknown = [m for m in names if m not in logs]
    if unknown:
        raise CourseValueError(f"metrics {unknown} are not in the history; it has {sorted(logs)}")
    fig = Figure(figsize=(5 * len(names), 3.6), layout="constrained")
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names):
        epochs = np.arange(1, len(logs[name]) + 1)
        ax.plot(epochs, logs[name], "o-", label=f"training {name}")
        if f"val_{name}" in logs:
            ax.plot(epochs, logs[f"val_{name}"], "s--", label=f"validation {name}")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        ax.legend()
    return fig


def show_images(
    images: Any,
    labels: Any = None,
    predictions: Any = None,
    class_names: Sequence[str] | None = None,
    *,
    ncols: int = 8,
    cmap: str = "gray",
    size: float = 1.4,
    max_images: int = 32,
) -> Figure:
    """An image grid with labels; with `predictions`, wrong ones are titled in red
    as "predicted (true)". Shows at most `max_images` (the first ones) and says so."""
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[-1] not in (3, 4)):
        raise CourseValueError(
            f"show_images needs (n, h, w) or (n, h, w, c) images, got shape {images.shape}; "
            "pass a batch such as x_test[:16]")
    if not (np.issubdtype(images.dtype, np.number) or images.dtype == bool):
        raise CourseTypeError(f"show_images needs numeric images, got dtype {images.dtype}")
    for what, value in (("ncols", ncols), ("max_images", max_images)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise CourseValueError(f"{what} must be a positive whole number, not {value!r}")
    total = len(images)
    if total == 0:
        raise CourseValueError("show_images got no images: pass at least one, e.g. x_test[:16]")
    for what, values in (("labels", labels), ("predictions", predictions)):
        if values is not None and len(values) < min(total, max_images):
            raise CourseValueError(
                f"{len(values)} {what} for {total} images: pass one per image (e.g. y_test[:16])")
    n = min(total, int(max_images))
    images = images[:n]
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    fig = Figure(figsize=(size * ncols, size * nrows + 0.3 * (labels is not None)), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    if n < total:
        fig.suptitle(f"the first {n} of {total:,} images (max_images={max_images})", fontsize=9)

    def name(i: Any) -> str:
        i = int(np.asarray(i).reshape(-1)[0])
        if class_names is None:
            return str(i)
        if not 0 <= i < len(class_names):
            raise CourseValueError(
                f"label {i} has no name: class_names has {len(class_names)} entries")
        return class_names[i]

    for k, ax in enumerate(axes):
        ax.axis("off")
        if k >= n:
            continue
        img = images[k]
        ax.imshow(img, cmap=cmap if img.ndim == 2 else None)
        if labels is not None and predictions is not None:
            wrong = name(predictions[k]) != name(labels[k])
            title = f"{name(predictions[k])} ({name(labels[k])})" if wrong else name(labels[k])
            ax.set_title(title, fontsize=8, color="red" if wrong else "black")
        elif labels is not None:
            ax.set_title(name(labels[k]), fontsize=8)
    return fig


def confusion_matrix(y_true: Any, y_pred: Any, num_classes: int | None = None) -> np.ndarray:
    """Counts[i, j] = examples of true class i predicted as class j.

    Labels are class indices 0..k-1 (shape (n,) or (n, 1)); for predicted probabilities
    pass `probabilities.argmax(axis=1)`."""
    y_true = _class_indices(y_true, "y_true")
    y_pred = _class_indices(y_pred, "y_pred")
    if y_true.shape != y_pred.shape:
        raise CourseValueError(f"y_true has {y_true.size} labels but y_pred has {y_pred.size}")
    k = num_classes or int(max(y_true.max(initial=0), y_pred.max(initial=0)) + 1)
    for what, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.size and (y.min() < 0 or y.max() >= k):
            raise CourseValueError(
                f"{what} holds class {y.min() if y.min() < 0 else y.max()}, outside 0..{k - 1}: "
                "pass class indices (and as many class names as classes)")
    counts = np.zeros((k, k), dtype=int)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


def _class_indices(y: Any, what: str) -> np.ndarray:
    """Labels of shape (n,) or (n, 1) as whole-number class indices."""
    try:
        y = np.asarray(y)
    except Exception as exc:  # ragged lists and the like
        raise CourseTypeError(f"{what} must be an array of class indices ({exc})") from None
    if y.ndim == 2 and y.shape[1] != 1:
        raise CourseValueError(
            f"{what} has shape {y.shape}: pass class indices, e.g. probabilities.argmax(axis=1)")
    if y.ndim > 2 or not (np.issubdtype(y.dtype, np.integer) or np.issubdtype(y.dtype, np.floating)):
        raise CourseTypeError(f"{what} must be class indices (whole numbers), got {y.dtype} {y.shape}")
    y = y.reshape(-1)
    if np.issubdtype(y.dtype, np.floating) and not np.all(np.isfinite(y) & (y == np.round(y))):
        raise CourseValueError(
            f"{what} holds non-whole numbers: pass class indices, e.g. probabilities.argmax(axis=1)")
    return y.astype(int)


def plot_confusion_matrix(
    y_true: Any, y_pred: Any, class_names: Sequence[str] | None = None, *, normalize: bool = False
) -> Figure:
    """Confusion matrix as a heat map with counts (or row fractions) written in."""
    k = len(class_names) if class_names is not None else None
    counts = confusion_matrix(y_true, y_pred, k)
    values = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1) if normalize else counts
    labels = list(class_names) if class_names is not None else [str(i) for i in range(len(counts))]
    fig = Figure(figsize=(0.55 * len(labels) + 2.5, 0.55 * len(labels) + 2), layout="constrained")
    ax = fig.subplots()
    im = ax.imshow(values, cmap="Blues")
    fig.colorbar(im, ax=ax, shrink=0.8)
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    threshold = values.max() / 2 if values.size else 0
    for i in range(len(labels)):
        for j in range(len(labels)):
            text = f"{values[i, j]:.2f}" if normalize else str(values[i, j])
            ax.text(j, i, text, ha="center", va="center", fontsize=7,
                    color="white" if values[i, j] > threshold else "black")
    return fig


def plot_class_probabilities(
    probabilities: Any,
    class_names: Sequence[str] | None = None,
    *,
    true_label: int | None = None,
    image: Any = None,
) -> Figure:
    """Bars of one example's predicted class probabilities (the true class in green,
    a wrong top prediction in red), optionally beside the image."""
    try:
        p = np.asarray(probabilities, dtype=float)
    except (TypeError, ValueError) as exc:
        raise CourseTypeError(f"probabilities must be numbers ({exc})") from None
    if p.ndim == 2 and p.shape[0] == 1:
        p = p[0]  # model.predict(x[:1])
    if p.ndim != 1 or p.size == 0:
        raise CourseValueError(
            f"plot_class_probabilities shows one example: pass probabilities of shape (k,), "
            f"e.g. model.predict(x_test[:1])[0], not shape {p.shape}")
    names = list(class_names) if class_names is not None else [str(i) for i in range(p.size)]
    if len(names) != p.size:
        raise CourseValueError(f"{p.size} probabilities but {len(names)} class names")
    if true_label is not None:
        label = np.asarray(true_label)
        if label.size != 1 or not np.issubdtype(label.dtype, np.integer) or isinstance(true_label, bool):
            raise CourseValueError(
                f"true_label must be one class index (e.g. y_test[0]), not {true_label!r}")
        true_label = int(label.reshape(-1)[0])  # also y_test[i] of labels shaped (n, 1)
        if not 0 <= true_label < p.size:
            raise CourseValueError(f"true_label {true_label} is not a class 0..{p.size - 1}")
    fig = Figure(figsize=(8 if image is not None else 5.5, 3), layout="constrained")
    axes = fig.subplots(1, 2 if image is not None else 1, squeeze=False)[0]
    if image is not None:
        img = np.asarray(image)
        img = img[..., 0] if img.ndim == 3 and img.shape[-1] == 1 else img
        axes[0].imshow(img, cmap="gray" if img.ndim == 2 else None)
        axes[0].axis("off")
    ax = axes[-1]
    colors = ["tab:gray"] * p.size
    top = int(p.argmax())
    if true_label is not None:
        colors[top] = "tab:red"
        colors[true_label] = "tab:green"
    else:
        colors[top] = "tab:blue"
    ax.bar(range(p.size), p, color=colors)
    ax.set_xticks(range(p.size), names, rotation=45, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel("probability")
    return fig


def plot_decision_boundary(
    predict: Callable[[np.ndarray], Any],
    X: Any,
    y: Any,
    *,
    feature_names: Sequence[str] = ("x1", "x2"),
    title: str = "",
    resolution: int = 200,
) -> Figure:
    """Points of a 2-D, two-class problem and the region where `predict(grid) >= 0.5`.

    `predict` maps an (n, 2) array to n scores or probabilities."""
    try:
        X = np.asarray(X, dtype=float)
    except (TypeError, ValueError) as exc:
        raise CourseTypeError(f"X must be an (n, 2) array of numbers ({exc})") from None
    y = np.asarray(y).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
        raise CourseValueError(f"plot_decision_boundary needs 2 features, X has shape {X.shape}")
    if len(y) != len(X):
        raise CourseValueError(f"X has {len(X)} points but y has {len(y)} labels")
    pad = 0.1 * (X.max(axis=0) - X.min(axis=0)) + 1e-9
    lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
    g1, g2 = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.c_[g1.ravel(), g2.ravel()]
    if not callable(predict):
        raise CourseTypeError("predict must be a function from an (n, 2) array to n scores")
    scores = np.asarray(predict(grid), dtype=float)
    if scores.size != g1.size:
        raise CourseValueError(
            f"predict returned {scores.size} values for {len(grid)} points: it must return "
            "one score or probability per row")
    scores = scores.reshape(g1.shape)
    fig = Figure(figsize=(5, 4), layout="constrained")
    ax = fig.subplots()
    ax.contourf(g1, g2, scores >= 0.5, levels=[-0.5, 0.5, 1.5], colors=["#fde0dd", "#deebf7"])
    ax.contour(g1, g2, scores, levels=[0.5], colors="k", linewidths=1)
    for cls, marker, color in ((0, "o", "tab:red"), (1, "s", "tab:blue")):
        sel = y == cls
        ax.scatter(X[sel, 0], X[sel, 1], marker=marker, c=color, edgecolors="k", label=f"class {cls}")
    ax.set_xlabel(feature_names[0])
    ax.set_ylabel(feature_names[1])
    if title:
        ax.set_title(title)
    ax.legend(loc="best")
    return fig
