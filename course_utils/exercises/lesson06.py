"""Checkers for notebook 06 (CNNs on MNIST and Fashion-MNIST).

1. `check_convnet_params`: the parameter count of the functional convnet of deck `004`
   (section 4) on inputs of another size and number of channels.
2. `check_unused_rows`: which input rows deck 000's model_cnn never reads, because its
   poolings round down (section 2's shapes followed from the output back to the input).
3. `check_shift_images`: move images by a few pixels, zero-filled (what a convolution's
   weight sharing is built for).
4. `check_gap_convnet` (the experiment): the convnet with Flatten -> Dense(256) replaced by a
   global average pooling, trained on Fashion-MNIST; the checker checks the structure (the
   parameter count, and no global max pooling, which has the same count), measures the test
   accuracy itself and compares it with a band per profile; below chance-like accuracy it
   tells an untrained model from one trained on other images by its confidence.

Every checker prints one line (`[PASS]`, `[FAIL] ... Hint: ...` or `[TODO] ... not done
yet`), returns a result that is true only on a pass, and never raises or hangs, whatever it
is given (see `course_utils.checks`). Importing this module does not import TensorFlow.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..checks import (
    CheckResult,
    Failure,
    NotDone,
    as_floats,
    call_in_batches,
    check_band,
    check_cases,
    checker,
    is_stub,
    layer_kinds,
    report,
    run_limited,
    short,
)

__all__ = [
    "check_convnet_params",
    "check_gap_convnet",
    "check_unused_rows",
    "check_shift_images",
]


# --------------------------------------------------------------------------- 1. parameter count


def _convnet_params(image_size: int, channels: int, *, pool=lambda n: n // 2, shrink=True,
                    biases=True, in_channels=True) -> int:
    """Parameters of Conv(32, 5) -> pool -> Conv(64, 3) -> pool -> Flatten -> Dense(256) ->
    Dense(10) on (image_size, image_size, channels) images ('valid' convolutions)."""
    b = 1 if biases else 0
    side = pool(image_size - 4 if shrink else image_size)
    side = pool(side - 2 if shrink else side)
    conv_1 = 5 * 5 * (channels if in_channels else 1) * 32 + 32 * b
    conv_2 = 3 * 3 * 32 * 64 + 64 * b
    dense = side * side * 64 * 256 + 256 * b
    return conv_1 + conv_2 + dense + 256 * 10 + 10 * b


@checker
def check_convnet_params(convnet_params: Callable[[int, int], int]) -> CheckResult:
    """convnet_params(image_size, channels): parameters of deck 004's convnet on other images.

    The network is Conv2D(32, 5) -> MaxPool2D(2) -> Conv2D(64, 3) -> MaxPool2D(2) -> Flatten
    -> Dense(256) -> Dense(10), 'valid' convolutions, on square images of side `image_size`
    with `channels` channels; 431,754 parameters on MNIST's (28, 28, 1).
    """
    cases = [((size, ch), _convnet_params(size, ch))
             for size, ch in ((28, 1), (32, 3), (29, 1), (64, 3), (20, 2))]
    return check_cases(
        "convnet_params(image_size, channels) counts the convnet's parameters",
        convnet_params,
        cases,
        hint="Follow the shapes: a 'valid' k x k convolution takes k - 1 pixels off the side, a "
             "2 x 2 pooling halves it (rounding down); then count each layer's weights and biases.",
        more="Conv2D: k * k * channels_in * filters + filters; Dense: inputs * units + units; "
             "Flatten has side * side * 64 inputs for the Dense(256) layer.",
        mistakes=[
            (lambda s, c: _convnet_params(s, c, in_channels=False),
             "The first convolution's kernels have one 5 x 5 slice per input channel: "
             "5 * 5 * channels * 32 weights."),
            (lambda s, c: _convnet_params(s, c, pool=lambda n: -(-n // 2)),
             "MaxPool2D(2) drops an odd last row and column: round the halved side down."),
            (lambda s, c: _convnet_params(s, c, biases=False),
             "Each filter and each Dense unit also has a bias."),
            (lambda s, c: _convnet_params(s, c, shrink=False),
             "With padding='valid' (the default) a k x k convolution shrinks the side by k - 1."),
            (lambda s, c: _convnet_params(28, 1),
             "That is the count on MNIST: the Dense(256) layer's inputs depend on the image size, "
             "and the first convolution's weights on the channels."),
        ],
    )


# --------------------------------------------------------------------------- 2. unused rows

#: model_cnn's layers from the input up, as (kernel, stride): 'valid' convolutions, poolings.
MODEL_CNN_LAYERS = ((3, 1), (2, 2), (3, 1), (2, 2))


def _rows_read(layer_specs: Sequence[tuple[int, int]], side: int, *, keep_all: bool = False
               ) -> set[int]:
    """The input rows that some output row of the stack depends on. Each layer keeps
    (side - kernel) // stride + 1 rows; its row i reads input rows i * stride to
    i * stride + kernel - 1. With `keep_all`, a pooling that rounds down is taken to keep
    every row (the mistake of rounding up)."""
    sides = [side]
    for kernel, stride in layer_specs:
        sides.append((sides[-1] - kernel) // stride + 1 if not keep_all
                     else -(-(sides[-1] - kernel) // stride) + 1)
    rows = set(range(sides[-1]))
    for (kernel, stride), below in zip(reversed(layer_specs), reversed(sides[:-1])):
        rows = {r * stride + k for r in rows for k in range(kernel)} & set(range(below))
    return rows


def _unused_rows(layer_specs: Sequence[tuple[int, int]] = MODEL_CNN_LAYERS, side: int = 28
                 ) -> set[int]:
    return set(range(side)) - _rows_read(layer_specs, side)


def _as_rows(answer: Any) -> set[int] | None:
    """A collection of row indices as a set of ints, or None when it is not one."""
    if isinstance(answer, (str, bytes, dict)) or not hasattr(answer, "__iter__"):
        return None
    values = as_floats(list(answer)) if not isinstance(answer, np.ndarray) else as_floats(answer)
    if values is None or values.ndim != 1 or not np.all(values == np.round(values)):
        return None
    return {int(v) for v in values}


@checker
def check_unused_rows(unused_rows: Any) -> CheckResult:
    """unused_rows: the rows of a 28 x 28 input that model_cnn's output never depends on.

    `unused_rows` is a set (or list, tuple, range, array) of row indices 0-27, empty when the
    model reads every row.
    """
    what = "unused_rows: the input rows model_cnn never reads"
    if is_stub(unused_rows):
        raise NotDone(what)
    rows = run_limited(lambda: _as_rows(unused_rows))
    if rows is None:
        return report(False, f"{what}: expected a set of row indices, got {short(unused_rows).rstrip('.')}.",
                      "Write the rows as a set of integers, e.g. {3, 4}, or set() for none.")
    expected = _unused_rows()
    if rows == expected:
        return report(True, what)
    shown = "set()" if not rows else "{" + ", ".join(str(r) for r in sorted(rows)) + "}"
    more = ("pool_2 keeps 5 rows of conv_2's 11, so it reads conv_2's rows 0-9; follow those "
            "down through conv_2, pool_1 and conv_1.")
    if not rows:
        hint = ("Every row would be read only if every pooling used all its input rows. Which "
                "pooling gets an odd number of rows, and what does rounding down drop?")
    elif not rows <= set(range(28)):
        hint = "Row indices of a 28 x 28 image go from 0 to 27."
    elif rows < expected:
        hint = ("Part of it. A row dropped by a pooling is the only reader of more than one "
                "row below it: follow each layer down, from the output to the input.")
    elif expected < rows:
        hint = ("Too many: a row read by some unit that the output depends on is used, even when "
                "another unit that reads it is dropped (the windows of a convolution overlap).")
    else:
        hint = ("Go from the output down: a 'valid' k x k convolution's output row i reads "
                "input rows i to i + k - 1, a 2 x 2 pooling's row i reads rows 2i and 2i + 1; "
                "keep only the rows each layer actually outputs.")
    return report(False, f"{what}: {shown} is not right.", hint, more)


# --------------------------------------------------------------------------- 3. shifted images


def _shift(images: np.ndarray, dx: int, dy: int) -> np.ndarray:
    out = np.zeros_like(images)
    h, w = images.shape[1], images.shape[2]
    src_y = slice(max(0, -dy), min(h, h - dy))
    dst_y = slice(max(0, dy), min(h, h + dy))
    src_x = slice(max(0, -dx), min(w, w - dx))
    dst_x = slice(max(0, dx), min(w, w + dx))
    out[:, dst_y, dst_x] = images[:, src_y, src_x]
    return out


@checker
def check_shift_images(shift_images: Callable[[np.ndarray, int, int], np.ndarray]) -> CheckResult:
    """shift_images(images, dx, dy): images moved dx pixels right and dy down, zero-filled.

    `images` has shape `(n, h, w)` or `(n, h, w, c)`; negative shifts move left / up; pixels
    moved out of the image are lost and the uncovered ones are 0; same shape and dtype.
    """
    rng = np.random.default_rng(6)
    grid = np.arange(1, 21, dtype=np.float32).reshape(1, 4, 5)
    batch = rng.random((3, 6, 7, 1)).astype(np.float32)
    cases = [((grid, 1, 0), _shift(grid, 1, 0)),
             ((grid, 0, 1), _shift(grid, 0, 1)),
             ((grid, -2, 1), _shift(grid, -2, 1)),
             ((batch, 2, -3), _shift(batch, 2, -3)),
             ((batch, 0, 0), batch),
             ((grid, 5, 0), np.zeros_like(grid))]
    return check_cases(
        "shift_images(images, dx, dy) moves images, zero-filled",
        shift_images,
        cases,
        hint="Start from an array of zeros of the images' shape and copy into it the part of "
             "each image that stays visible: a block of the output receives a block of the "
             "input of the same size, moved by (dy, dx).",
        more="Work out the two ranges per axis on paper: with dx = 2 and a width of 5, output "
             "columns 2-4 receive input columns 0-2; with dx = -2, output columns 0-2 receive "
             "input columns 2-4.",
        mistakes=[
            (lambda x, dx, dy: np.roll(x, (dy, dx), axis=(1, 2)),
             "np.roll wraps the pixels that leave one side round to the other: fill with zeros "
             "instead."),
            (lambda x, dx, dy: _shift(x, dy, dx),
             "dx moves along the columns (axis 2, to the right), dy along the rows (axis 1, down)."),
            (lambda x, dx, dy: _shift(x, -dx, -dy),
             "Wrong direction: a positive dx moves the picture to the right (pixel (r, c) goes "
             "to (r, c + dx))."),
        ],
    )


# --------------------------------------------------------------------------- 4. the experiment

#: Conv2D(32, 5) + Conv2D(64, 3) + Dense(10) on 64 averaged channels.
GAP_PARAMS = (5 * 5 * 32 + 32) + (3 * 3 * 32 * 64 + 64) + (64 * 10 + 10)
CONVNET_PARAMS = _convnet_params(28, 1)
#: Test-accuracy bands of the global-average-pooling convnet on Fashion-MNIST (where they come
#: from: tests/benchmarks/bands/06_cnn_mnist_fashion.md).
GAP_SMOKE = (0.45, 1.0)
GAP_FULL = (0.80, 1.0)
#: Below this accuracy a model has not learnt Fashion-MNIST at all (chance is 0.1).
CHANCE_LIKE = 0.3
#: Median top probability below which a model's answers are a near-uniform guess (untrained:
#: about 0.11; the solution's structure trained on MNIST digits, smoke: about 0.29).
UNIFORM_LIKE = 0.2
_TRAIN_HINT = ("Train it as the models of section 7: Adam (learning rate 1e-3), "
               "sparse_categorical_crossentropy, batches of batch_size, num_epochs_f epochs on the "
               "Fashion-MNIST training set.")


def _test_data(x_test: Any, y_test: Any) -> tuple[np.ndarray, np.ndarray]:
    """The test images (float32, (n, 28, 28, 1)) and labels; `Failure` saying what is wrong."""
    x, y = as_floats(x_test), as_floats(y_test)
    if x is not None and x.ndim == 3:
        x = x[..., np.newaxis]
    if x is None or y is None or x.ndim != 4 or x.shape[1:] != (28, 28, 1) or y.ndim != 1 \
            or len(x) != len(y) or len(y) < 100:
        raise Failure("pass the Fashion-MNIST test set of section 7: images of shape "
                      "(n, 28, 28, 1) and labels of shape (n,), with n >= 100")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))) or x.min() < 0 or x.max() > 1:
        raise Failure("the test images must hold pixels scaled to [0, 1], as in section 1")
    if np.any(y != np.round(y)) or y.min() < 0 or y.max() > 9:
        raise Failure("the test labels must be the integer classes 0-9")
    return x.astype(np.float32), y.astype(np.int32)


@checker
def check_gap_convnet(model: Any, x_test: Any, y_test: Any) -> CheckResult:
    """Experiment: the convnet with global average pooling, trained; its test accuracy is measured here.

    `model` is Conv2D(32, 5) -> MaxPool2D -> Conv2D(64, 3) -> MaxPool2D ->
    GlobalAveragePooling2D -> Dense(10, softmax) (19,978 parameters), trained on Fashion-MNIST;
    `x_test`, `y_test` the scaled Fashion-MNIST test set.
    """
    what = "Fashion-MNIST test accuracy of the convnet with global average pooling"
    if is_stub(model):
        raise NotDone(what)
    if not (callable(getattr(model, "count_params", None)) and callable(model)):
        return report(False, f"{what}: expected a Keras model, got {type(model).__name__}.",
                      "Pass the model you built and trained (model_gap), not its history or "
                      "its accuracy.")
    try:
        n_params = run_limited(model.count_params)
    except Failure as exc:
        return report(False, f"{what}: counting its parameters failed: {exc}.",
                      "Build the model from keras.Input(shape=(28, 28, 1)) and train it.")
    if isinstance(n_params, bool) or not isinstance(n_params, (int, np.integer)):
        return report(False, f"{what}: count_params() returned {short(n_params)}.", "Pass a Keras model.")
    if n_params != GAP_PARAMS:
        hint = ("That is still the convnet with Flatten -> Dense(256) (431,754 parameters): "
                "the exercise replaces exactly those two layers."
                if n_params == CONVNET_PARAMS else
                "Keep the two convolutions and poolings of section 4 and the Dense(10) output; "
                "only the layers between the last pooling and the output change. How many "
                "numbers does one feature map become after a global pooling?")
        return report(False, f"{what}: the model has {n_params:,} parameters, not {GAP_PARAMS:,}.",
                      hint)
    if any(kind.startswith("GlobalMaxPool") for kind in layer_kinds(model)):
        return report(False, f"{what}: the model pools each feature map with its maximum.",
                      "Same parameter count, different layer: the exercise asks for the mean "
                      "of each feature map over all positions.")
    try:
        x, y = _test_data(x_test, y_test)
        probs = run_limited(lambda: call_in_batches(model, x)[0])
    except Failure as exc:
        return report(False, f"{what}: {exc}.", "Call the checker as in the cell: "
                      "ex.check_gap_convnet(model_gap, x_test_f, y_test_f).")
    if probs.shape != (len(y), 10) or not np.all(np.isfinite(probs)):
        return report(False, f"{what}: its predictions have shape {probs.shape}, expected "
                             f"({len(y)}, 10) finite values.", _TRAIN_HINT)
    accuracy = float(np.mean(probs.argmax(axis=1) == y))
    if accuracy < CHANCE_LIKE:
        confidence = float(np.median(probs.max(axis=1)))
        if confidence < UNIFORM_LIKE:
            hint = "It looks untrained: its answers are close to a uniform guess. " + _TRAIN_HINT
        else:
            hint = ("It has learnt something, but not clothes: was it trained on other images "
                    "(the MNIST digits of sections 1-6)? " + _TRAIN_HINT)
        return report(False, f"{what}: measured {accuracy:.4f}, barely above chance (0.1).", hint)
    return check_band(what, accuracy, smoke=GAP_SMOKE, full=GAP_FULL, hint=_TRAIN_HINT,
                      more="Train a new model from scratch on x_train_f, y_train_f (scaled to [0, 1]).")
