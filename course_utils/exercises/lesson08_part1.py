"""Checkers for notebook 08, part 1 (famous architectures): the parameter count of a
convolution, the input side that deck 004's unpadded VGG-16 code needs, and a plain 20-layer
network without batch normalisation that learns (re-measured by the checker)."""

from __future__ import annotations

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
    check_cases,
    checker,
    is_stub,
    report,
    run_limited,
    short,
)

# ---------------------------------------------------------------------------
# Exercise 1: parameters of a Conv2D layer


def _pair(kernel_size: Any) -> tuple[int, int]:
    if np.isscalar(kernel_size):
        return int(kernel_size), int(kernel_size)
    kh, kw = kernel_size
    return int(kh), int(kw)


def conv_params_reference(kernel_size: Any, in_channels: int, filters: int,
                          use_bias: bool = True) -> int:
    """(kh * kw * in_channels + bias) * filters."""
    kh, kw = _pair(kernel_size)
    return (kh * kw * in_channels + (1 if use_bias else 0)) * filters


def _conv_cases() -> list[tuple[tuple[Any, ...], Any]]:
    cases = [
        ((5, 1, 6), 156),             # LeNet-5 C1
        ((5, 6, 16), 2416),           # LeNet-5 C3 (fully connected version)
        ((3, 64, 128, False), 73_728),  # VGG-16 conv2_1, weights only (deck 004's column)
        ((3, 512, 512), 2_359_808),   # VGG-16 conv4_2 with biases
        ((1, 192, 64), 12_352),       # Inception (3a) 1x1 branch
        (((1, 7), 64, 32), 14_368),   # a non-square kernel
        (((3, 5), 2, 4, False), 120),
        ((11, 3, 96), 34_944),        # AlexNet conv1
    ]
    return cases


def _conv_no_bias(kernel_size: Any, in_channels: int, filters: int, use_bias: bool = True) -> int:
    return conv_params_reference(kernel_size, in_channels, filters, use_bias=False)


def _conv_no_in_channels(kernel_size: Any, in_channels: int, filters: int,
                         use_bias: bool = True) -> int:
    kh, kw = _pair(kernel_size)
    return (kh * kw + (1 if use_bias else 0)) * filters


def _conv_one_bias(kernel_size: Any, in_channels: int, filters: int, use_bias: bool = True) -> int:
    kh, kw = _pair(kernel_size)
    return kh * kw * in_channels * filters + (1 if use_bias else 0)


def _conv_bias_always(kernel_size: Any, in_channels: int, filters: int,
                      use_bias: bool = True) -> int:
    return conv_params_reference(kernel_size, in_channels, filters, use_bias=True)


def _conv_bias_per_channel(kernel_size: Any, in_channels: int, filters: int,
                           use_bias: bool = True) -> int:
    kh, kw = _pair(kernel_size)
    return kh * kw * in_channels * filters + (in_channels if use_bias else 0)


def _conv_square_only(kernel_size: Any, in_channels: int, filters: int,
                      use_bias: bool = True) -> int:
    k = kernel_size if np.isscalar(kernel_size) else kernel_size[0]
    return conv_params_reference(int(k), in_channels, filters, use_bias)


@checker
def check_conv_params(conv_params: Callable[..., Any]) -> CheckResult:
    """Exercise 1: conv_params(kernel_size, in_channels, filters, use_bias), the parameters of a Conv2D layer."""
    return check_cases(
        "Exercise 1: conv_params(kernel_size, in_channels, filters, use_bias), the parameters "
        "of a Conv2D layer",
        conv_params,
        _conv_cases(),
        hint="Count the numbers one filter holds: its kernel spans kh x kw pixels in every one "
             "of the input channels, and it may have a bias; then count the filters.",
        more="LeNet-5's C1 (5x5 kernels, 1 input channel, 6 filters) has 156 parameters; "
             "compare with keras.layers.Conv2D(...).count_params() on a built layer.",
        mistakes=[
            (_conv_no_bias, "Each filter has a bias when use_bias is True."),
            (_conv_bias_always, "With use_bias=False the layer has no biases at all."),
            (_conv_no_in_channels, "A filter spans all the input channels, not one: its kernel "
                                   "has a kh x kw slice per input channel."),
            (_conv_one_bias, "There is one bias per filter, not one for the whole layer."),
            (_conv_bias_per_channel, "There is one bias per filter (output channel), not per "
                                     "input channel."),
            (_conv_square_only, "kernel_size may be a pair (kh, kw): a 1x7 kernel has 7 "
                                "weights per input channel, not 1."),
        ],
        atol=0.5,
        rtol=0.0,
    )


# ---------------------------------------------------------------------------
# Exercise 2: the input side that deck 004's unpadded VGG-16 code needs

#: Convolutions per block of VGG-16 (3x3, stride 1), each block ending in a 2x2 pooling.
VGG_BLOCKS = (2, 2, 3, 3, 3)
TARGET_SIDE = 7


def deck_vgg_side(side: int, padding: str = "valid") -> int:
    """Side of the last pooling's output of deck 004's VGG-16 code for a square input
    (0 once the image has vanished)."""
    for convs in VGG_BLOCKS:
        if padding == "valid":
            side -= 2 * convs
        if side < 2:
            return 0
        side //= 2
    return side


def smallest_deck_input_side() -> int:
    """The reference answer: the smallest input side that ends at 7x7."""
    side = 1
    while deck_vgg_side(side) < TARGET_SIDE:
        side += 1
    return side


@checker
def check_deck_input_side(deck_input_side: Any) -> CheckResult:
    """Exercise 2: the smallest input side for which deck 004's unpadded VGG-16 code ends at 7x7x512."""
    what = ("Exercise 2: the smallest input side for which deck 004's unpadded VGG-16 code ends "
            "at 7x7x512")
    if is_stub(deck_input_side):
        raise NotDone(what)
    number = as_number(deck_input_side)
    if number is None or not np.isfinite(number) or number != round(number) or number < 1:
        return report(False, f"{what}: expected a whole number of pixels, got "
                             f"{short(deck_input_side)}.",
                      "Give one integer, the side of the square input image.")
    side = int(round(number))
    reached = deck_vgg_side(side)
    hint = ("Go backwards from 7: a 2x2 pooling with stride 2 rounds down, and each unpadded "
            "3x3 convolution removes 2 pixels.")
    if side == 224:
        return report(False, f"{what}: with a 224 input the deck's code ends at "
                             f"{reached}x{reached}.",
                      "224 gives 7x7 only when every convolution keeps the size (padding 'same'); "
                      "without padding each 3x3 convolution removes 2 pixels.", hint)
    if reached != TARGET_SIDE:
        return report(False, f"{what}: a {side}x{side} input ends at {reached}x{reached}, not "
                             f"{TARGET_SIDE}x{TARGET_SIDE}.", hint,
                      "Undo the blocks from the last to the first: before a pooling the side "
                      "was twice as large (or one more), before n convolutions 2n pixels more.")
    if deck_vgg_side(side - 1) == TARGET_SIDE:
        return report(False, f"{what}: {side} works, but a smaller input ends at "
                             f"{TARGET_SIDE}x{TARGET_SIDE} too.",
                      "The poolings round down, so several sides give the same output: take the "
                      "smallest one, where no pixel is dropped by rounding.")
    return report(True, f"{what}: {side}x{side} pixels (VGG-16's own input is 224x224, padded)")


# ---------------------------------------------------------------------------
# Exercise 3 (experiment): a plain 20-layer network without normalisation that learns

#: Weight layers (convolutions and dense, 1x1 projections left out) the network must have.
MIN_WEIGHT_LAYERS = 20
#: Test images the checker classifies at most.
PLAIN_TEST_IMAGES = 1000
#: Accuracy band per profile on Fashion-MNIST test images (chance: 0.1); see
#: tests/benchmarks/bands/08_famous_architectures_transfer_part1.md.
PLAIN_BANDS = {"smoke": (0.45, 1.0), "full": (0.75, 1.0)}
_MERGES = {"Add", "Concatenate", "Average", "Maximum", "Minimum", "Multiply", "Subtract", "Dot"}


def plain_structure(model: Any) -> tuple[int, list[str], list[str]]:
    """(weight layers, merge layers, normalisation layers) of a Keras model."""
    weight, merges, norms = 0, [], []
    for layer in all_layers(model):
        kind = type(layer).__name__
        kernel = getattr(layer, "kernel", None)
        if kind.startswith(("Conv", "Dense")) and kernel is not None:
            shape = tuple(kernel.shape)
            if not (len(shape) == 4 and shape[:2] == (1, 1)):
                weight += 1
        if kind in _MERGES:
            merges.append(kind)
        if "Normalization" in kind:
            norms.append(kind)
    return weight, merges, norms


def _fashion_test(x_test: Any, y_test: Any) -> tuple[np.ndarray, np.ndarray] | None:
    x, y = as_floats(x_test), as_floats(y_test)
    if x is None or y is None or x.ndim != 4 or x.shape[1:] != (28, 28, 1) or len(x) < 200:
        return None
    if y.shape != (len(x),) or not np.all(np.isfinite(x)) or x.min() < 0 or x.max() > 1 + 1e-6:
        return None
    if not (np.all(y == np.round(y)) and y.min() >= 0 and y.max() <= 9):
        return None
    n = min(len(x), PLAIN_TEST_IMAGES)
    return x[:n].astype("float32"), y[:n].astype(int)


@checker
def check_plain_network(plain_model: Any, x_test: Any, y_test: Any) -> CheckResult:
    """Exercise 3: a plain 20-layer network without skips or normalisation that learns Fashion-MNIST."""
    from ..profile import current_config

    what = ("Exercise 3: a plain 20-layer network without skips or normalisation that learns "
            "Fashion-MNIST")
    if is_stub(plain_model):
        raise NotDone(what)
    if not callable(plain_model) or not hasattr(plain_model, "layers"):
        return report(False, f"{what}: expected a Keras model, got {short(plain_model)}.",
                      "Keep the trained network in plain_model.")
    weight, merges, norms = plain_structure(plain_model)
    if merges:
        return report(False, f"{what}: the model has {len(merges)} {merges[0]} layers: skip "
                             "connections.",
                      "The exercise is about a plain network: build it with skip=False.")
    if norms:
        return report(False, f"{what}: the model has {len(norms)} {norms[0]} layers.",
                      "Batch normalisation is what He et al.'s plain networks had; here it is "
                      "not allowed: build with batch_norm=False and find another cure.")
    if weight < MIN_WEIGHT_LAYERS:
        return report(False, f"{what}: {weight} weight layers, expected at least "
                             f"{MIN_WEIGHT_LAYERS}.",
                      "A shallow network learns easily; the exercise is about 20 layers: build "
                      "it with build_resnet(skip=False, batch_norm=False, ...).")
    data = _fashion_test(x_test, y_test)
    if data is None:
        return report(False, f"{what}: x_test / y_test are not the Fashion-MNIST test images.",
                      "Pass f_test (scaled to [0, 1], shape (n, 28, 28, 1)) and fy_test.")
    x, y = data
    try:
        (probs,) = run_limited(lambda: call_in_batches(plain_model, x))
    except Failure as exc:
        return report(False, f"{what}: the model could not classify the test images ({exc}).",
                      "The model takes (28, 28, 1) images and ends with 10 softmax outputs.")
    if probs.shape != (len(x), 10) or not np.all(np.isfinite(probs)):
        return report(False, f"{what}: its output for {len(x)} images has shape {probs.shape}, "
                             f"expected ({len(x)}, 10) finite values.",
                      "End with Dense(10, activation='softmax'), as build_resnet does.")
    value = float(np.mean(np.argmax(probs, axis=1) == y))
    profile = current_config().profile
    low, high = PLAIN_BANDS.get(profile, PLAIN_BANDS["full"])
    measured = (f"test accuracy measured {value:.4f} on {len(x):,} images, expected in "
                f"[{low:g}, {high:g}] ({profile} profile)")
    if not low <= value <= high:
        spread = float(np.std(probs))
        if spread < 1e-3:
            return report(False, f"{what}: {measured}; its outputs are the same for every "
                                 "image.",
                          "Did you train it? If you did, the signal still fades: which choice "
                          "made when the layers are created sets its size at the start?",
                          "ReLU layers need initial weights scaled for them (He et al., 2015; "
                          "notebook 3, part 1).")
        return report(False, f"{what}: {measured}.",
                      "The signal must keep its size through 20 ReLU layers: which choice made "
                      "when the layers are created sets that?",
                      "ReLU layers need initial weights scaled for them (He et al., 2015; "
                      "notebook 3, part 1).")
    return report(True, f"{what}: {value:.4f} in [{low:g}, {high:g}] ({profile} profile), "
                        f"test accuracy of a network of {weight} weight layers, no skips, no "
                        "normalisation")
