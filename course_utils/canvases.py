"""Digit canvases: real MNIST digits rescaled and pasted onto a larger blank canvas, with
tight boxes, labels and per-pixel class masks. The shared data of the object-detection,
segmentation, saliency and captioning lessons (see data/README.md, "Digit canvases").

NumPy only (TensorFlow is not imported), so building 20,000 canvases takes about a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import CourseTypeError, CourseValueError

__all__ = ["Canvases", "make_canvases", "show_canvases"]

SPLITS = ("train", "test")
MAX_DIGITS = 16  # most digits one canvas may hold (num_digits[1])
MIN_SIDE = 4  # smallest side a digit may be rescaled to (scale[0])
RANDOM_TRIES = 10  # random positions tried per digit before searching every position


@dataclass(frozen=True)
class Canvases:
    """A batch of digit canvases (`make_canvases`). Slot k of a canvas is its k-th digit
    in pasting order; slots past `counts[i]` are padding, -1 in `boxes`, `labels` and
    `sources`.

    Attributes:
        images: (n, size, size) uint8, 0 = blank; where digits overlap, the brighter pixel.
        boxes: (n, max_digits, 4) int32, (y_min, x_min, y_max, x_max) in pixels, min
            inclusive and max exclusive (`images[i, y_min:y_max, x_min:x_max]` is the
            digit's crop; Keras' "yxyx" format), tight around the digit's non-zero pixels.
        labels: (n, max_digits) int32, the digit classes 0-9.
        counts: (n,) int32, the digits on each canvas.
        masks: (n, size, size) uint8, 0 = background, 1 + class on every non-zero pixel of
            a digit; where two digits' pixels overlap, the later digit (higher slot) wins.
        sources: (n, max_digits) int32, index of each digit in its split's digit arrays.
        split: "train" or "test", the split the digits come from.
    """

    images: np.ndarray
    boxes: np.ndarray
    labels: np.ndarray
    counts: np.ndarray
    masks: np.ndarray
    sources: np.ndarray
    split: str

    def __len__(self) -> int:
        return len(self.images)


def make_canvases(
    split: str,
    n: int,
    *,
    seed: int,
    size: int = 64,
    num_digits: tuple[int, int] = (1, 3),
    scale: tuple[int, int] = (20, 32),
    max_overlap: float = 0.2,
    digits: tuple[Any, Any] | None = None,
) -> Canvases:
    """`n` canvases of `size` x `size` pixels, each with `num_digits` digits (a uniform
    whole number in the inclusive range) from the `split` of MNIST.

    Each digit (drawn uniformly, with replacement) is rescaled to a square of a uniform
    whole side in the inclusive range `scale`, and pasted fully inside the canvas at a
    position drawn uniformly among those that keep the overlap rule: for any two digits of
    a canvas, the intersection of their boxes covers at most `max_overlap` of the smaller
    box (0 = boxes never overlap, 1 = no limit). A digit that fits nowhere is left out
    (`counts` is then lower than drawn; the first digit always fits).

    The same arguments give the same arrays; a different seed (or `n`) gives other canvases.
    Training canvases use only training digits, test canvases only test digits.

    Args:
        split: "train" or "test".
        n: number of canvases (at least 1).
        seed: a whole number >= 0 for `numpy.random.default_rng`.
        size: canvas side in pixels, at least `scale[1]`.
        num_digits: (fewest, most) digits per canvas, 1 <= fewest <= most <= 16.
        scale: (smallest, largest) side of a rescaled digit, 4 <= smallest <= largest.
        max_overlap: the overlap limit above, in [0, 1].
        digits: optional `(x, y)` to use instead of loading MNIST's `split`: uint8 images
            (m, height, width) or (m, height, width, 1), none blank, and labels 0-254.

    Returns:
        A `Canvases` (see its fields for the conventions).

    Raises:
        CourseTypeError / CourseValueError: an argument of the wrong type or value.
        CourseDataError: MNIST cannot be loaded (see `load_dataset`).
    """
    split = _check_split(split)
    n = _whole(n, "n", 1)
    seed = _whole(seed, "seed", 0)
    size = _whole(size, "size", 1)
    fewest, most = _pair(num_digits, "num_digits", 1, MAX_DIGITS)
    smallest, largest = _pair(scale, "scale", MIN_SIDE, None)
    if largest > size:
        raise CourseValueError(
            f"size={size} is too small for scale={scale!r}: a digit up to {largest} pixels "
            f"must fit inside the canvas. Use size >= {largest} or a smaller scale.")
    max_overlap = _fraction(max_overlap, "max_overlap")
    x, y = _mnist_split(split) if digits is None else _check_digits(digits)
    y = y.reshape(-1).astype(np.int32)

    rng = np.random.default_rng(seed)
    drawn = rng.integers(fewest, most + 1, size=n)
    sources = rng.integers(0, len(x), size=(n, most))
    sides = rng.integers(smallest, largest + 1, size=(n, most))
    images = np.zeros((n, size, size), np.uint8)
    masks = np.zeros((n, size, size), np.uint8)
    boxes = np.full((n, most, 4), -1, np.int32)
    placed = np.zeros((n, most), bool)
    for slot in range(most):  # later slots are pasted over earlier ones
        canvas = np.flatnonzero(drawn > slot)
        side = sides[canvas, slot]
        sprites = {s: _rescale(x[sources[canvas[side == s], slot]], s) for s in np.unique(side)}
        inner = np.zeros((len(canvas), 4), np.int64)  # tight box within the sprite
        for s, sprite in sprites.items():
            inner[side == s] = _tight_boxes(sprite)
        corner, ok = _place(rng, inner, side, boxes[canvas, :slot], size, max_overlap)
        boxes[canvas[ok], slot] = inner[ok] + np.tile(corner[ok], 2)
        placed[canvas[ok], slot] = True
        for s, sprite in sprites.items():
            keep = ok[side == s]
            pick = (side == s) & ok
            _paste(images, masks, canvas[pick], corner[pick], sprite[keep],
                   y[sources[canvas[pick], slot]])
    order = np.argsort(~placed, axis=1, kind="stable")  # placed slots first, in order
    counts = placed.sum(axis=1)
    filled = np.arange(most) < counts[:, None]
    sources = np.where(filled, np.take_along_axis(sources, order, axis=1), -1)
    return Canvases(
        images=images,
        boxes=np.where(filled[..., None], np.take_along_axis(boxes, order[..., None], 1), -1),
        labels=np.where(filled, y[sources], -1),
        counts=counts.astype(np.int32),
        masks=masks,
        sources=sources.astype(np.int32),
        split=split,
    )


def show_canvases(canvases: Canvases, max_images: int = 8, *, ncols: int = 4,
                  show_masks: bool = False, size: float = 2.2) -> Any:
    """The first `max_images` canvases with their boxes and labels (and, with
    `show_masks`, the mask's classes in colour); returns a Matplotlib `Figure`."""
    from matplotlib import colormaps
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    from . import plots  # noqa: F401 - lets Jupyter display the Figure

    if not isinstance(canvases, Canvases):
        raise CourseTypeError(
            f"show_canvases needs the Canvases returned by make_canvases, not "
            f"{type(canvases).__name__}.")
    for what, value in (("max_images", max_images), ("ncols", ncols)):
        _whole(value, what, 1)
    count = min(len(canvases), max_images)
    ncols = min(ncols, count)
    nrows = -(-count // ncols)
    fig = Figure(figsize=(size * ncols, size * nrows), layout="constrained")
    colours = colormaps["tab10"]
    for k, ax in enumerate(fig.subplots(nrows, ncols, squeeze=False).ravel()):
        ax.axis("off")
        if k >= count:
            continue
        ax.imshow(canvases.images[k], cmap="gray", vmin=0, vmax=255)
        if show_masks:
            mask = np.ma.masked_equal(canvases.masks[k], 0)
            ax.imshow((mask - 1) % 10, cmap=colours, vmin=0, vmax=9, alpha=0.5)
        for (y0, x0, y1, x1), label in zip(canvases.boxes[k, :canvases.counts[k]],
                                           canvases.labels[k]):
            colour = colours(label % 10)  # pixel (i, j) spans [j - 0.5, j + 0.5] in imshow
            ax.add_patch(Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False,
                                   edgecolor=colour, linewidth=1.2))
            ax.text(x0 - 0.5, y0 - 1, str(label), color=colour, fontsize=8, va="bottom")
    return fig


# --- building blocks ------------------------------------------------------------------

def _resize_weights(src: int, dst: int) -> np.ndarray:
    """(dst, src) weights of a bilinear (triangle) filter, widened when shrinking so that
    every input pixel counts (as PIL's BILINEAR resize does)."""
    ratio = src / dst
    support = max(ratio, 1.0)
    centres = (np.arange(dst) + 0.5) * ratio
    weights = np.maximum(0.0, 1.0 - np.abs(np.arange(src) + 0.5 - centres[:, None]) / support)
    return (weights / weights.sum(axis=1, keepdims=True)).astype(np.float32)


def _rescale(x: np.ndarray, side: int) -> np.ndarray:
    """uint8 images (m, h, w) resized to (m, side, side), as two large matrix products."""
    m, h, w = x.shape
    rows, cols = _resize_weights(h, side), _resize_weights(w, side)
    tall = (rows @ x.transpose(1, 0, 2).reshape(h, m * w).astype(np.float32))  # (side, m*w)
    out = tall.reshape(side * m, w) @ cols.T  # (side*m, side)
    out = out.reshape(side, m, side).transpose(1, 0, 2)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _tight_boxes(sprites: np.ndarray) -> np.ndarray:
    """(m, 4) boxes (y_min, x_min, y_max, x_max, max exclusive) of the non-zero pixels;
    all zeros for a blank sprite."""
    side = sprites.shape[1]
    rows, cols = sprites.any(axis=2), sprites.any(axis=1)
    boxes = np.stack([rows.argmax(1), cols.argmax(1),
                      side - rows[:, ::-1].argmax(1), side - cols[:, ::-1].argmax(1)], axis=1)
    boxes[~rows.any(axis=1)] = 0
    return boxes


def _fits(boxes: np.ndarray, others: np.ndarray, max_overlap: float) -> np.ndarray:
    """Whether each of `boxes` (m, 4) keeps the overlap rule with its row of `others`
    (m, k, 4) or (k, 4); padded others (-1) never overlap."""
    b = boxes[:, None, :]
    height = np.minimum(b[..., 2], others[..., 2]) - np.maximum(b[..., 0], others[..., 0])
    width = np.minimum(b[..., 3], others[..., 3]) - np.maximum(b[..., 1], others[..., 1])
    shared = np.clip(height, 0, None) * np.clip(width, 0, None)
    area = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    other_area = (others[..., 2] - others[..., 0]) * (others[..., 3] - others[..., 1])
    return np.all(shared <= max_overlap * np.minimum(area, other_area), axis=1)


def _place(rng: np.random.Generator, inner: np.ndarray, side: np.ndarray, others: np.ndarray,
           size: int, max_overlap: float) -> tuple[np.ndarray, np.ndarray]:
    """Top-left corners (m, 2) for m sprites of `side` with tight boxes `inner`, each
    uniform over the positions that keep the overlap rule with its canvas's `others`
    (m, k, 4): a few random tries (rejection sampling), then a search of every position.
    Returns the corners and whether each sprite was placed (not if blank or nowhere fits)."""
    corner = np.zeros((len(side), 2), np.int64)
    ok = np.zeros(len(side), bool)
    todo = np.flatnonzero(inner[:, 2] > inner[:, 0])  # blank sprites are never placed
    for _ in range(RANDOM_TRIES):
        if not len(todo):
            break
        trial = rng.integers(0, size - side[todo, None] + 1, size=(len(todo), 2))
        fits = _fits(inner[todo] + np.tile(trial, 2), others[todo], max_overlap)
        corner[todo[fits]], ok[todo[fits]] = trial[fits], True
        todo = todo[~fits]
    for i in todo:
        room = size - side[i] + 1
        every = np.stack(np.divmod(np.arange(room * room), room), axis=1)
        free = np.flatnonzero(_fits(inner[i] + np.tile(every, 2), others[i], max_overlap))
        if len(free):
            corner[i], ok[i] = every[rng.choice(free)], True
    return corner, ok


def _paste(images: np.ndarray, masks: np.ndarray, canvas: np.ndarray, corner: np.ndarray,
           sprites: np.ndarray, labels: np.ndarray) -> None:
    """Paste sprites (m, s, s) into distinct canvases at `corner`: the brighter pixel in
    `images`, 1 + label in `masks` wherever the sprite is non-zero."""
    m, s, _ = sprites.shape
    if m == 0:  # no sprite of this side found a place
        return
    size = images.shape[1]
    offsets = (np.arange(s)[:, None] * size + np.arange(s)).ravel()
    start = canvas * size * size + corner[:, 0] * size + corner[:, 1]
    where = start[:, None] + offsets  # (m, s*s) flat indices; canvases distinct: no clash
    ink = sprites.reshape(m, -1)
    flat_images, flat_masks = images.reshape(-1), masks.reshape(-1)
    flat_images[where] = np.maximum(flat_images[where], ink)
    flat_masks[where] = np.where(ink > 0, (labels[:, None] + 1).astype(np.uint8),
                                 flat_masks[where])


# --- inputs ---------------------------------------------------------------------------

def _mnist_split(split: str) -> tuple[np.ndarray, np.ndarray]:
    from .data import load_dataset

    train, test = load_dataset("mnist", verbose=False)
    return train if split == "train" else test


def _check_split(split: Any) -> str:
    if not isinstance(split, str):
        raise CourseTypeError(f"split must be 'train' or 'test', not {type(split).__name__}.")
    if split not in SPLITS:
        raise CourseValueError(f"Unknown split {split!r}: use 'train' or 'test'.")
    return split


def _is_whole(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _whole(value: Any, name: str, low: int) -> int:
    if not _is_whole(value):
        raise CourseTypeError(f"{name} must be a whole number, not {value!r}.")
    if value < low:
        raise CourseValueError(f"{name} must be at least {low}, not {value}.")
    return int(value)


def _pair(value: Any, name: str, low: int, high: int | None) -> tuple[int, int]:
    """A (low, high) range of whole numbers, in order and within [low, high]."""
    if not (isinstance(value, (tuple, list)) and len(value) == 2
            and all(_is_whole(v) for v in value)):
        raise CourseTypeError(
            f"{name} must be a pair of whole numbers (smallest, largest), not {value!r}; "
            f"for exactly k pass (k, k).")
    first, last = int(value[0]), int(value[1])
    if first > last:
        raise CourseValueError(f"{name}={value!r} is out of order: pass (smallest, largest).")
    if first < low or (high is not None and last > high):
        within = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise CourseValueError(f"{name}={value!r}: both values must be {within}.")
    return first, last


def _fraction(value: Any, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise CourseTypeError(f"{name} must be a number in [0, 1], not {value!r}.")
    if not 0 <= value <= 1:  # also refuses NaN
        raise CourseValueError(f"{name} must be in [0, 1], not {value}.")
    return float(value)


def _check_digits(digits: Any) -> tuple[np.ndarray, np.ndarray]:
    """`digits=(x, y)`: uint8 images (m, h, w) or (m, h, w, 1), none blank; labels 0-254."""
    if not (isinstance(digits, (tuple, list)) and len(digits) == 2):
        raise CourseTypeError(
            f"digits must be a pair (x, y) of images and labels, e.g. (x_train, y_train), "
            f"not {type(digits).__name__}.")
    x, y = np.asarray(digits[0]), np.asarray(digits[1])
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.dtype != np.uint8:
        raise CourseTypeError(
            f"digits' images must be uint8 (0-255, as MNIST loads), not {x.dtype}.")
    if x.ndim != 3 or 0 in x.shape:
        raise CourseValueError(
            f"digits' images must have shape (m, height, width) with m >= 1, not {x.shape}.")
    if y.dtype == bool or not np.issubdtype(y.dtype, np.integer):
        raise CourseTypeError(f"digits' labels must be whole numbers, not {y.dtype}.")
    if y.ndim > 2 or y.size != len(x) or (y.ndim == 2 and y.shape[1] != 1):
        raise CourseValueError(
            f"digits' labels must have shape ({len(x)},), one per image, not {y.shape}.")
    if y.min() < 0 or y.max() > 254:
        raise CourseValueError(
            f"digits' labels must be in 0-254 (masks store 1 + label in uint8), "
            f"got {y.min()} to {y.max()}.")
    blank = np.flatnonzero(x.reshape(len(x), -1).max(axis=1) == 0)
    if len(blank):
        raise CourseValueError(
            f"digits' images {blank[:5].tolist()} are blank (all zeros): every digit needs "
            f"non-zero pixels.")
    return x, y
