"""Checkers for notebook 06 (CNNs on MNIST and Fashion-MNIST).

1. `check_convnet_params`: the parameter count of the functional convnet of deck `004`
   (section 4) on inputs of another size and number of channels.
2. `check_receptive_field`: how many input pixels one unit of a stack of convolutions and
   poolings sees (section 5: low-level then mid-level features).
3. `check_shift_images`: move images by a few pixels, zero-filled (what a convolution's
   weight sharing is built for).
4. `check_gap_convnet` (the experiment): the convnet with Flatten -> Dense(256) replaced by a
   global average pooling, trained on Fashion-MNIST; the checker measures its test accuracy
   itself and compares it with a band per profile.

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
    check_band,
    check_cases,
    checker,
    is_stub,
    report,
    run_limited,
    short,
)

__all__ = [
    "check_convnet_params",
    "check_gap_convnet",
    "check_receptive_field",
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


# --------------------------------------------------------------------------- 2. receptive field


def _receptive_field(layer_specs: Sequence[tuple[int, int]]) -> int:
    size, jump = 1, 1
    for kernel, stride in layer_specs:
        size += (kernel - 1) * jump
        jump *= stride
    return size


def _no_strides(layer_specs):
    return 1 + sum(k - 1 for k, _ in layer_specs)


def _stride_first(layer_specs):
    size, jump = 1, 1
    for kernel, stride in layer_specs:
        jump *= stride
        size += (kernel - 1) * jump
    return size


@checker
def check_receptive_field(receptive_field: Callable[[list], int]) -> CheckResult:
    """receptive_field(layer_specs): the side of the input patch one output unit sees.

    `layer_specs` lists the layers from the input on, each as `(kernel_size, stride)`
    (a 3 x 3 convolution is `(3, 1)`, a 2 x 2 max pooling `(2, 2)`); deck 000's model_cnn,
    `[(3, 1), (2, 2), (3, 1), (2, 2)]`, gives 10.
    """
    specs = [
        [(3, 1), (2, 2), (3, 1), (2, 2)],
        [],
        [(3, 1)],
        [(3, 1), (3, 1)],
        [(5, 1), (2, 2), (3, 1), (2, 2)],
        [(2, 2), (2, 2)],
        [(7, 2), (3, 2)],
        [(3, 1), (3, 1), (2, 2), (3, 1), (3, 1), (2, 2)],
    ]
    cases = [((list(s),), _receptive_field(s)) for s in specs]
    return check_cases(
        "receptive_field(layer_specs) for stacks of convolutions and poolings",
        receptive_field,
        cases,
        hint="Go from the input up and keep two numbers: the patch size r (start at 1) and the "
             "distance j between neighbouring units in input pixels (start at 1). A layer with "
             "kernel k and stride s does r += (k - 1) * j, then j *= s.",
        more="For model_cnn: conv 3 -> r = 3; pool 2 -> r = 4, j = 2; conv 3 -> r = 4 + 2 * 2 = 8; "
             "pool 2 -> r = 10.",
        mistakes=[
            (_no_strides, "Strides matter: after a pooling of stride 2, one step of the next "
                          "layer moves 2 input pixels, so its k - 1 extra steps cover (k - 1) * 2."),
            (_stride_first, "Update the jump after growing the patch: a layer's own stride only "
                            "affects the layers above it."),
            (lambda s: int(np.prod([k for k, _ in s])) if s else 1,
             "Patches do not multiply: each layer adds (k - 1) * j pixels to the patch."),
        ],
    )


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
        hint="Start from np.zeros_like(images) and copy the part that stays visible: for dx >= 0, "
             "out[:, :, dx:] = images[:, :, :w - dx] (rows: axis 1 with dy, columns: axis 2 with dx).",
        more="Handle negative shifts with the mirror slices: out[:, :, :w + dx] = images[:, :, -dx:].",
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
#: Test-accuracy bands of the global-average-pooling convnet on Fashion-MNIST. Smoke: 5 seeded
#: runs of the solution measured 0.530-0.631 (4,500 images, 3 epochs), with a margin. Full: two
#: full runs on an idle 2-core CPU (seed 42, two sessions) measured 0.8366 and 0.8435.
GAP_SMOKE = (0.45, 1.0)
GAP_FULL = (0.81, 1.0)
_TRAIN_HINT = ("Train it as the deck's model in section 7: Adam (learning rate 1e-3), "
               "sparse_categorical_crossentropy, batches of batch_size, num_epochs epochs on the "
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
    if not (callable(getattr(model, "count_params", None)) and callable(getattr(model, "predict", None))):
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
                "replace those two layers by layers.GlobalAveragePooling2D()."
                if n_params == CONVNET_PARAMS else
                f"Keep the two convolutions and poolings of section 4, then GlobalAveragePooling2D "
                f"and Dense(10, softmax): 832 + 18,496 + 650 = {GAP_PARAMS:,} parameters.")
        return report(False, f"{what}: the model has {n_params:,} parameters, not {GAP_PARAMS:,}.",
                      hint)
    try:
        x, y = _test_data(x_test, y_test)
        from ..pipeline import to_dataset  # imports TensorFlow: outside the student's time

        test_ds = to_dataset(x, batch_size=1000)
        probs = run_limited(lambda: np.asarray(model.predict(test_ds, verbose=0), dtype=float))
    except Failure as exc:
        return report(False, f"{what}: {exc}.", "Call the checker as in the cell: "
                      "ex.check_gap_convnet(model_gap, x_test_f, y_test_f).")
    if probs.shape != (len(y), 10) or not np.all(np.isfinite(probs)):
        return report(False, f"{what}: its predictions have shape {probs.shape}, expected "
                             f"({len(y)}, 10) finite values.", _TRAIN_HINT)
    accuracy = float(np.mean(probs.argmax(axis=1) == y))
    if accuracy < 0.3:
        return report(False, f"{what}: measured {accuracy:.4f}, barely above chance (0.1).",
                      "It looks untrained: call model_gap.fit(...) after compile. " + _TRAIN_HINT)
    return check_band(what, accuracy, smoke=GAP_SMOKE, full=GAP_FULL, hint=_TRAIN_HINT,
                      more="Train a new model from scratch on x_train_f, y_train_f (scaled to [0, 1]).")
