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
        raise ValueError("plot_history needs the History returned by model.fit (or its .history dict).")
    names = list(metrics) if metrics else [k for k in logs if not k.startswith("val_")]
    unknown = [m for m in names if m not in logs]
    if unknown:
        raise ValueError(f"metrics {unknown} are not in the history; it has {sorted(logs)}")
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
) -> Figure:
    """An image grid with labels; with `predictions`, wrong ones are titled in red
    as "predicted (true)"."""
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4):
        raise ValueError(f"show_images needs (n, h, w) or (n, h, w, c) images, got shape {images.shape}")
    n = len(images)
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    fig = Figure(figsize=(size * ncols, size * nrows + 0.3 * (labels is not None)), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()

    def name(i: Any) -> str:
        i = int(np.asarray(i).reshape(-1)[0])
        return class_names[i] if class_names is not None else str(i)

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
    """Counts[i, j] = examples of true class i predicted as class j."""
    y_true = np.asarray(y_true).reshape(-1).astype(int)
    y_pred = np.asarray(y_pred).reshape(-1).astype(int)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has {y_true.size} labels but y_pred has {y_pred.size}")
    k = num_classes or int(max(y_true.max(initial=0), y_pred.max(initial=0)) + 1)
    counts = np.zeros((k, k), dtype=int)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


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
    p = np.asarray(probabilities, dtype=float).reshape(-1)
    names = list(class_names) if class_names is not None else [str(i) for i in range(p.size)]
    if len(names) != p.size:
        raise ValueError(f"{p.size} probabilities but {len(names)} class names")
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
        colors[int(true_label)] = "tab:green"
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
    X = np.asarray(X, dtype=float)
    y = np.asarray(y).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary needs 2 features, X has shape {X.shape}")
    pad = 0.1 * (X.max(axis=0) - X.min(axis=0)) + 1e-9
    lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
    g1, g2 = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.c_[g1.ravel(), g2.ravel()]
    scores = np.asarray(predict(grid), dtype=float).reshape(g1.shape)
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
