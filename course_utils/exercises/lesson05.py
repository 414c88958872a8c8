"""Checkers for notebook 05 (the convolution operation by hand).

Every checker prints one line, `[PASS] ...`, `[FAIL] ... Hint: ...` or `[TODO] ...`, returns
a result that is true only when the answer passed, and never raises or hangs, whatever the
student passes. TensorFlow and Keras are imported inside the checkers that need them.
"""

from __future__ import annotations

import sys
from typing import Any, Callable

import numpy as np

from ..checks import (
    all_layers,
    CheckResult,
    Failure,
    NotDone,
    as_floats,
    as_number,
    call_in_batches,
    check_band,
    check_cases,
    checker,
    is_stub,
    report,
    run_limited,
    short,
)

#: Parameters of the softmax regression of section 8 (784 x 10 + 10): the budget of exercise 4.
PARAMETER_BUDGET = 7_850
#: Test images the checker of exercise 4 evaluates (the first ones of x_test: all of them in
#: both profiles, the digits the dense network's accuracy was measured on).
EVAL_IMAGES = 10_000
#: Exercise 4: the conv net's accuracy must reach FLOOR and beat the dense network's by MARGIN
#: (tests/benchmarks/bands/05_convolution_by_hand.md).
FLOOR = {"smoke": 0.88, "full": 0.94}
MARGIN = {"smoke": 0.045, "full": 0.035}


# --------------------------------------------------------------------------- exercise 1


def _windows(x: np.ndarray, size: int, stride: int) -> np.ndarray:
    from numpy.lib.stride_tricks import sliding_window_view

    return sliding_window_view(np.asarray(x, dtype=float), (size, size))[::stride, ::stride]


def _max_pool(x: np.ndarray, size: int, stride: int) -> np.ndarray:
    return _windows(x, size, stride).max(axis=(2, 3))


@checker
def check_max_pool2d(max_pool2d: Callable[[np.ndarray, int, int], np.ndarray]) -> CheckResult:
    """Exercise 1: max_pool2d(x, size, stride), the maximum of every window.

    Windows of size x size start every `stride` pixels, no padding."""
    rng = np.random.default_rng(5)
    deck = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], dtype=float)
    a = rng.integers(-9, 10, size=(5, 5)).astype(float)
    b = rng.normal(size=(7, 6))
    c = rng.integers(0, 20, size=(6, 6)).astype(float)
    cases = [((deck, 2, 2), np.array([[6.0, 8.0], [3.0, 4.0]])), ((a, 3, 2), _max_pool(a, 3, 2)),
             ((b, 3, 1), _max_pool(b, 3, 1)), ((c, 2, 3), _max_pool(c, 2, 3))]
    return check_cases(
        "max_pool2d(x, size, stride) pools overlapping and spaced windows",
        max_pool2d,
        cases,
        hint="Output value (r, c) is the maximum of the size x size window that starts at row "
             "r * stride and column c * stride; there is one value per window that fits "
             "(section 5's formula with P = 0).",
        more="Count the windows first: (H - size) // stride + 1 rows and (W - size) // stride "
             "+ 1 columns of them.",
        mistakes=[
            (lambda x, s, t: _windows(x, s, t).mean(axis=(2, 3)),
             "That is average pooling: keep the maximum of each window."),
            (lambda x, s, t: _windows(x, s, 1).max(axis=(2, 3)),
             "The windows start every `stride` pixels, not at every pixel."),
            (lambda x, s, t: _windows(x, s, s).max(axis=(2, 3)),
             "You moved by `size`; the step between windows is `stride` (here they overlap)."),
            (lambda x, s, t: _windows(x, s, t).min(axis=(2, 3)),
             "Keep the largest value of each window (max), not the smallest."),
        ],
    )


# --------------------------------------------------------------------------- exercise 2


def _receptive(specs: list[tuple[int, int]]) -> int:
    size, jump = 1, 1
    for kernel_size, stride in specs:
        size += (kernel_size - 1) * jump
        jump *= stride
    return size


@checker
def check_receptive_field(receptive_field: Callable[[list[tuple[int, int]]], int]) -> CheckResult:
    """Exercise 2: receptive_field(specs) of a stack of (kernel_size, stride) layers.

    The side of the input square that one output value depends on."""
    specs = [
        [(3, 1)],
        [(3, 1), (3, 1)],
        [(5, 1), (2, 2), (3, 1), (2, 2)],  # deck 004's convnet
        [(3, 2), (3, 2), (3, 2)],
        [(11, 4), (3, 2), (5, 1)],         # AlexNet's first layers
        [(2, 2), (3, 1)],
    ]
    return check_cases(
        "receptive_field(specs) of stacked convolution and pooling layers",
        receptive_field,
        [((s,), _receptive(s)) for s in specs],
        hint="Work out two small stacks by hand: two 3x3 convolutions see 5x5 pixels. After a "
             "stride-2 layer, how many input pixels apart are two neighbouring values, and so "
             "how much does the next kernel add?",
        more="Keep two numbers through the stack: the receptive field so far, and the distance "
             "in input pixels between neighbouring values, which every stride multiplies.",
        mistakes=[
            (lambda s: 1 + sum(k - 1 for k, _ in s),
             "Strides matter: after a stride-2 layer, one step of the next kernel spans 2 "
             "input pixels."),
            (lambda s: sum(k for k, _ in s),
             "Two 3x3 layers see 5x5, not 6x6: each layer adds kernel_size - 1 (times the jump)."),
            (lambda s: int(np.prod([k for k, _ in s])),
             "Receptive fields grow by addition, not multiplication, of the kernel sizes."),
            (lambda s: _receptive_stride_first(s),
             "Multiply the jump by the stride *after* adding this layer's (kernel_size - 1) x jump."),
        ],
    )


def _receptive_stride_first(specs: list[tuple[int, int]]) -> int:
    size, jump = 1, 1
    for kernel_size, stride in specs:
        jump *= stride
        size += (kernel_size - 1) * jump
    return size


# --------------------------------------------------------------------------- exercise 3


def _shift_right(images: np.ndarray) -> np.ndarray:
    out = np.zeros_like(images)
    out[:, :, 1:] = images[:, :, :-1]
    return out


def _conv_same(images: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """What Conv2D(padding="same") computes with a 3x3 kernel: cross-correlation, zero padding."""
    from numpy.lib.stride_tricks import sliding_window_view

    padded = np.pad(images, ((0, 0), (1, 1), (1, 1)))
    return np.einsum("nijab,ab->nij", sliding_window_view(padded, (3, 3), axis=(1, 2)), kernel)


def _test_images(images: Any) -> np.ndarray:
    """The notebook's digits as (n, h, w) floats, or fixed random images if they are unusable."""
    arr = as_floats(images)
    if arr is not None and arr.ndim == 4 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr is None or arr.ndim != 3 or not 0 < arr.size <= 200_000 or min(arr.shape[1:]) < 3 \
            or not np.all(np.isfinite(arr)):
        arr = np.random.default_rng(3).random((4, 10, 12))
    return arr


@checker
def check_shift_kernel(shift_right: Any, images: Any = None) -> CheckResult:
    """Exercise 3: shift_right, a 3x3 kernel with which Conv2D moves an image one pixel right."""
    what = "shift_right moves the image one pixel to the right"
    if is_stub(shift_right):
        raise NotDone(what)
    kernel = as_floats(shift_right)
    if kernel is None or kernel.size != 9:
        return report(False, f"{what}: expected a 3x3 array of numbers, got {short(shift_right)}.",
                      "Write the kernel as np.array([[...], [...], [...]]) with 3 rows of 3 numbers.")
    kernel = kernel.reshape(3, 3)
    if not np.all(np.isfinite(kernel)):
        return report(False, f"{what}: the kernel has NaN or infinite values.",
                      "Use only 0s and 1s.")
    digits = _test_images(images)
    try:
        result = run_limited(lambda: _conv_same(digits, kernel))
    except Failure as exc:
        return report(False, f"{what}: the kernel could not be applied ({exc}).",
                      "Pass a 3x3 NumPy array of numbers.")
    expected = _shift_right(digits)
    if np.allclose(result, expected, atol=1e-5):
        return report(True, what)
    mistakes = [
        (np.array([[0, 0, 0], [0, 0, 1], [0, 0, 0]]),
         "That kernel moves the image to the left: Conv2D does not flip the kernel "
         "(cross-correlation), so output (i, j) = sum of k[a, b] * x[i + a - 1, j + b - 1]. "
         "Which (a, b) reads x[i, j - 1]?"),
        (np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
         "That is the identity kernel: the image does not move."),
        (np.array([[0, 1, 0], [0, 0, 0], [0, 0, 0]]),
         "That moves the image down: rows are the first index of the kernel, columns the second."),
        (np.array([[0, 0, 0], [0, 0, 0], [0, 1, 0]]),
         "That moves the image up; move it sideways (along the columns, the second index)."),
    ]
    for wrong, hint in mistakes:
        if np.allclose(kernel, wrong):
            return report(False, f"{what}: the output is not the input moved right.", hint)
    return report(False, f"{what}: the output is not the input moved right.",
                  "One weight of 1, all others 0. Conv2D computes "
                  "out(i, j) = sum of k[a, b] * x[i + a - 1, j + b - 1] (no flip).",
                  "Only one weight is non-zero, in the middle row (the image moves neither up nor "
                  "down). Which column makes output (i, j) read x[i, j - 1]?")


# --------------------------------------------------------------------------- exercise 4


def _test_arrays(x_test: Any, y_test: Any) -> tuple[np.ndarray, np.ndarray] | None:
    x, y = as_floats(x_test), as_floats(y_test)
    if x is None or y is None or x.ndim != 4 or x.shape[1:] != (28, 28, 1) or y.ndim != 1 \
            or len(x) != len(y) or len(x) < 100:
        return None
    n = min(len(x), EVAL_IMAGES)
    return x[:n].astype("float32"), y[:n].astype(int)


def _optimizer_steps(model: Any) -> int | None:
    """Steps the model's optimiser has taken (0 when compiled but never fit), or None."""
    try:
        return int(np.asarray(model.optimizer.iterations))
    except Exception:  # noqa: BLE001 - not compiled, or an optimiser without a step count
        return None


@checker
def check_budget_convnet(model: Any, x_test: Any, y_test: Any, dense_acc: Any = None) -> CheckResult:
    """Exercise 4: a conv net within the softmax regression's 7,850 parameters, trained.

    The checker counts the parameters, predicts the test digits itself and compares the
    accuracy with the dense network's (`dense_acc`, measured on the same digits): the conv
    net must beat it by the profile's margin and reach the profile's floor."""
    what = "conv net within 7,850 parameters, test accuracy"
    if is_stub(model):
        raise NotDone(what)
    keras = sys.modules.get("keras")  # a Keras model exists only once Keras was imported
    if keras is None or not isinstance(model, keras.Model):
        return report(False, f"{what}: expected a Keras model, got {short(model)}.",
                      "Build it with keras.Sequential([...]) and assign it to conv_net.")
    convs = [layer for layer in all_layers(model) if isinstance(layer, keras.layers.Conv2D)]
    if not convs:
        return report(False, f"{what}: the model has no Conv2D layer.",
                      "The point is parameter sharing: the same small kernels used at every "
                      "position of the image. Use Conv2D layers (and pooling) before the final "
                      "Dense(10).")
    try:
        params = int(run_limited(model.count_params))
    except Failure as exc:
        return report(False, f"{what}: its parameters could not be counted ({exc}).",
                      "Start the model with keras.Input(shape=(28, 28, 1)) so that it is built.")
    if params > PARAMETER_BUDGET:
        return report(False, f"{what}: the model has {params:,} parameters, more than the "
                             f"budget of {PARAMETER_BUDGET:,}.",
                      "conv_net.summary() shows where they go: the final Dense layer has 10 "
                      "weights per value of the feature map it receives. Make that map small.",
                      "Each 2x2 pooling divides a map's height and width by 2; fewer filters "
                      "make it thinner.")
    arrays = _test_arrays(x_test, y_test)
    if arrays is None:
        return report(False, f"{what}: x_test / y_test are not the test digits.",
                      "Call the checker as in the notebook: ex.check_budget_convnet(conv_net, "
                      "x_test, y_test, dense_acc).")
    dense = as_number(dense_acc)
    if dense is None or not 0.0 < dense <= 1.0:
        return report(False, f"{what}: dense_acc is {short(dense_acc)}, not the dense "
                             "network's test accuracy.",
                      "Pass dense_acc, measured in section 8, as the fourth argument.")
    x, y = arrays
    try:
        probs = run_limited(lambda: _predict(model, x))
    except Failure as exc:
        return report(False, f"{what}: the model could not predict the test digits ({exc}).",
                      "The model takes (28, 28, 1) images and ends with Dense(10, "
                      "activation='softmax').")
    probs = as_floats(probs)
    if probs is None or probs.shape != (len(x), 10):
        return report(False, f"{what}: predictions of shape "
                             f"{getattr(probs, 'shape', None)}, expected ({len(x)}, 10).",
                      "End the model with Dense(10, activation='softmax').")
    from ..profile import current_config

    profile = current_config().profile
    floor = FLOOR.get(profile, FLOOR["full"])
    margin = MARGIN.get(profile, MARGIN["full"])
    accuracy = float(np.mean(probs.argmax(axis=1) == y))
    gain = accuracy - dense
    against = (f"on {len(x):,} digits with {params:,} parameters, {gain:+.4f} against the dense "
               f"network's {dense:.4f}")
    if accuracy >= floor and gain >= margin:
        return report(True, f"{what}: {accuracy:.4f} in [{floor:g}, 1] {against}, at least "
                            f"+{margin:g} ({profile} profile)")
    failed = (f"{what}: measured {accuracy:.4f} {against}; expected at least {floor:g} and "
              f"+{margin:g} ({profile} profile).")
    steps = _optimizer_steps(model)
    if steps == 0 or (steps is None and accuracy < 0.3):
        return report(False, f"{failed} It was never trained.",
                      "Compile it, then fit it on train_ds for num_epochs epochs.")
    return report(False, failed,
                  "It trained, but does not beat softmax regression clearly. Look at "
                  "conv_net.summary(): a net whose budget sits mostly in the final Dense layer "
                  "is still close to a linear classifier of pixels. Spend it on filters, with a "
                  "small map before the Dense layer.",
                  "Check the activations (relu after each Conv2D) and the number of epochs. A "
                  "GlobalAveragePooling2D layer keeps one number per filter: with few filters "
                  "and few epochs that is too little.")


def _predict(model: Any, x: np.ndarray) -> np.ndarray:
    """The model's outputs for `x` (called in eager batches: see `checks.call_in_batches`)."""
    return call_in_batches(model, x, 500)[0]
