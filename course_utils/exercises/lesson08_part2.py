"""Checkers for notebook 08, part 2 (transfer learning): the trainable parameters when another
layer is unfrozen, MNIST digits prepared for MobileNetV2, and the transfer experiment with 20
labels per class (both models re-measured by the checker)."""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from ..checks import (
    CheckResult,
    Failure,
    NotDone,
    as_floats,
    as_number,
    call_in_batches,
    call_safely,
    checker,
    is_stub,
    report,
    run_limited,
    short,
)

# ---------------------------------------------------------------------------
# Exercise 1: trainable parameters with conv_1 unfrozen instead of conv_2

CONV_1 = (3 * 3 * 1 + 1) * 32      # 320
CONV_2 = (3 * 3 * 32 + 1) * 64     # 18,496
HEAD = (5 * 5 * 64 + 1) * 5        # 8,005: 28 -> 26 -> 13 -> 11 -> 5, 64 maps
TRAINABLE_CONV_1 = CONV_1 + HEAD   # 8,325


@checker
def check_trainable_conv_1(trainable_conv_1: Any) -> CheckResult:
    """Exercise 1: parameters that training changes with conv_1 unfrozen and conv_2 frozen."""
    what = "Exercise 1: parameters that training changes with conv_1 unfrozen and conv_2 frozen"
    if is_stub(trainable_conv_1):
        raise NotDone(what)
    number = as_number(trainable_conv_1)
    if number is None or not math.isfinite(number):
        return report(False, f"{what}: expected a number, got {short(trainable_conv_1)}.",
                      "Give one integer: the parameters of every layer that training changes.")
    hint = ("Add up the layers that are trainable: the unfrozen convolution and the head. "
            "Dropout, pooling and flattening have no parameters.")
    mistakes = {
        CONV_2 + HEAD: "That is step 2 of section 2, with conv_2 unfrozen; here conv_1 is.",
        CONV_1: "The head is trained too: it has parameters of its own.",
        HEAD: "That is step 1 (the head alone); conv_1 is unfrozen as well.",
        3 * 3 * 32 + HEAD: "Each of conv_1's 32 filters also has a bias.",
        CONV_1 + 5 * 5 * 64 * 5: "Each of the head's 5 units also has a bias.",
        CONV_1 + CONV_2 + HEAD: "conv_2 stays frozen: its parameters do not change.",
        CONV_1 + (13 * 13 * 64 + 1) * 5: "The head sees the features after the second "
                                          "convolution and the second pooling: how large is "
                                          "that map?",
        CONV_1 + (26 * 26 * 64 + 1) * 5: "The head sees the features after both convolutions and "
                                          "both poolings: how large is that map?",
    }
    if number == TRAINABLE_CONV_1:
        return report(True, f"{what}: {TRAINABLE_CONV_1:,} (conv_1 {CONV_1:,} + head {HEAD:,})")
    return report(False, f"{what}: {number:g} is not right.",
                  mistakes.get(int(number) if number == round(number) else -1, hint),
                  "Follow a digit's shape through the feature extractor (a 3x3 convolution "
                  "removes 2 pixels, a pooling halves) to size the head's input.")


# ---------------------------------------------------------------------------
# Exercise 2: MNIST digits as MobileNetV2 inputs

MIN_SIDE = 32


def _digits(n: int = 8, seed: int = 8) -> np.ndarray:
    """Digit-like test images: a blank border, strokes of value 1 and some grey."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 28, 28, 1), dtype="float32")
    for i in range(n):
        r, c = rng.integers(6, 14, size=2)
        x[i, r:r + 10, c:c + 3, 0] = 1.0
        x[i, r + 8:r + 10, c:c + 8, 0] = rng.uniform(0.3, 1.0)
    return x


@checker
def check_to_mobilenet(to_mobilenet: Callable[..., Any]) -> CheckResult:
    """Exercise 2: to_mobilenet(x), MNIST digits as MobileNetV2 inputs."""
    what = "Exercise 2: to_mobilenet(x), MNIST digits as MobileNetV2 inputs"
    x = _digits()
    result, error = call_safely(to_mobilenet, x.copy())
    hint = ("Three things: the size MobileNetV2 accepts, its number of colour channels, and the "
            "range preprocess_input gives its inputs.")
    if error:
        return report(False, f"{what}: {error}.", hint)
    out = as_floats(result)
    if out is None:
        return report(False, f"{what}: it returned {short(result)}, not an array.",
                      "Did you forget `return`?" if result is None else hint)
    if out.ndim != 4 or len(out) != len(x):
        return report(False, f"{what}: for a batch of shape {x.shape} it returned shape "
                             f"{out.shape}.", "Keep the batch: (n, side, side, 3).")
    n, h, w, c = out.shape
    if c != 3:
        return report(False, f"{what}: {c} channel(s); MobileNetV2 takes colour images.",
                      "A grey image is a colour image whose three channels are equal.")
    if h != w or h < MIN_SIDE:
        return report(False, f"{what}: images of {h}x{w} pixels.",
                      f"MobileNetV2 takes square images of at least {MIN_SIDE}x{MIN_SIDE}: pad "
                      "or resize the digits.")
    if not np.all(np.isfinite(out)):
        return report(False, f"{what}: the result holds NaN or infinite values.", hint)
    if not (np.allclose(out[..., 0], out[..., 1], atol=1e-5)
            and np.allclose(out[..., 0], out[..., 2], atol=1e-5)):
        return report(False, f"{what}: the three channels differ.",
                      "A grey digit has the same value in its three channels.")
    low, high = float(out.min()), float(out.max())
    if low >= -1e-6 and high <= 1 + 1e-6:
        return report(False, f"{what}: values from {low:.3f} to {high:.3f}.",
                      "preprocess_input scales the pixels to [-1, 1], not [0, 1]: background "
                      "at -1, full ink at 1.")
    if high < 0.0 and low >= -1.0 - 1e-6:
        return report(False, f"{what}: values from {low:.3f} to {high:.3f}: every pixel is "
                             "nearly -1.",
                      "preprocess_input expects pixel values 0-255; these digits are in [0, 1]. "
                      "Scale them to [-1, 1] yourself (or multiply by 255 first).")
    if not (abs(low + 1) < 0.02 and abs(high - 1) < 0.05):
        return report(False, f"{what}: values from {low:.3f} to {high:.3f}, expected from -1 "
                             "(background) to 1 (full ink).",
                      "Map 0 to -1 and 1 to 1, linearly.")
    ink_in = float(x.sum())
    ink_out = float(((out[..., 0] + 1) / 2).sum())
    scale = (h / 28) ** 2
    if not 0.8 * ink_in <= ink_out <= 1.2 * scale * ink_in:
        return report(False, f"{what}: the images hold {ink_out / ink_in:.2f} times the ink of "
                             "the digits.",
                      "Keep the digit whole: pad around it or resize it, do not crop it.")
    return report(True, f"{what}: {h}x{w}x3 images with values in [-1, 1]")


# ---------------------------------------------------------------------------
# Exercise 3 (experiment): transfer vs from scratch with 20 labels per class

#: Test digits (5-9) the checker classifies at most.
TRANSFER_TEST_IMAGES = 5000
#: Largest distance of conv_1's kernel from the base's, relative to the base's norm, for a
#: transferred network (frozen: 0; fine-tuned at a small learning rate: a few hundredths). A
#: network trained from scratch is farther even when it started from the same random kernel
#: as the base (same seed): 0.34-0.41 measured, 1.5 from another start.
FROM_BASE = 0.15
#: Accuracy bands per profile; see
#: tests/benchmarks/bands/08_famous_architectures_transfer_part2.md.
TRANSFER_20_BANDS = {"smoke": (0.8, 1.0), "full": (0.86, 1.0)}
#: The from-scratch model must have learned something (chance: 0.2).
SCRATCH_FLOOR = 0.5


def _first_conv_kernel(model: Any, shape: tuple[int, ...]) -> np.ndarray | None:
    """The kernel of the model's first convolution of the given shape (nested models too)."""
    stack = list(getattr(model, "layers", []) or [])
    while stack:
        layer = stack.pop(0)
        if getattr(layer, "layers", None):
            stack = list(layer.layers) + stack
            continue
        kernel = getattr(layer, "kernel", None)
        if type(layer).__name__ == "Conv2D" and kernel is not None and tuple(kernel.shape) == shape:
            return np.asarray(kernel, dtype=float)
    return None


def _distance(kernel: np.ndarray, base: np.ndarray) -> float:
    """Distance of kernel from base, relative to the base's norm."""
    return float(np.linalg.norm(kernel - base) / (np.linalg.norm(base) + 1e-12))


def _target(x_target_test: Any, y_target_test: Any) -> tuple[np.ndarray, np.ndarray] | str:
    x, y = as_floats(x_target_test), as_floats(y_target_test)
    if x is None or x.ndim != 4 or x.shape[1:] != (28, 28, 1) or len(x) < 100:
        return "Pass x_target_test and y_target_test from section 1."
    if y is None or y.shape != (len(x),):
        return "Pass x_target_test and y_target_test from section 1."
    if not (np.all(np.isfinite(x)) and x.min() >= 0 and x.max() <= 1.0 + 1e-6):
        return "Pass x_target_test as prepared in section 1 (divided by 255)."
    if not (np.all(y == np.round(y)) and y.min() >= 0 and y.max() <= 4):
        return "Pass y_target_test from section 1 (the digits 5-9 minus 5)."
    n = min(len(x), TRANSFER_TEST_IMAGES)
    return x[:n].astype("float32"), y[:n].astype(int)


def _accuracy(model: Any, x: np.ndarray, y: np.ndarray) -> float | str:
    (probs,) = call_in_batches(model, x)
    if probs.shape != (len(x), 5):
        return f"its predictions have shape {probs.shape}, expected ({len(x)}, 5)"
    return float(np.mean(np.argmax(probs, axis=1) == y))


@checker
def check_transfer_20(transfer_20: Any, scratch_20: Any, base_weights: Any,
                      x_target_test: Any, y_target_test: Any) -> CheckResult:
    """Exercise 3: transfer against from scratch with 20 labels per class, on the test digits 5-9."""
    from ..profile import current_config

    what = "Exercise 3: transfer against from scratch with 20 labels per class"
    if is_stub(transfer_20) or is_stub(scratch_20):
        raise NotDone(what)
    for name, model in (("transfer_20", transfer_20), ("scratch_20", scratch_20)):
        if not callable(model) or not hasattr(model, "layers"):
            return report(False, f"{what}: {name} is {short(model)}, not a Keras model.",
                          f"Keep the trained {name} model and pass it.")
    if transfer_20 is scratch_20:
        return report(False, f"{what}: transfer_20 and scratch_20 are the same model.",
                      "Train two models: one with section 2's recipe, one from scratch.")
    try:
        base_kernel = np.asarray(base_weights[0], dtype=float)
        assert base_kernel.ndim == 4
    except Exception:  # noqa: BLE001 - anything but the list of base weights
        return report(False, f"{what}: the third argument is {short(base_weights)}, not "
                             "base_weights.",
                      "Pass base_weights from section 1 as the third argument.")
    data = _target(x_target_test, y_target_test)
    if isinstance(data, str):
        return report(False, f"{what}: x_target_test / y_target_test are not the target test "
                             "digits.", data)
    x, y = data
    kernels = {name: _first_conv_kernel(model, base_kernel.shape)
               for name, model in (("transfer_20", transfer_20), ("scratch_20", scratch_20))}
    for name, kernel in kernels.items():
        if kernel is None:
            return report(False, f"{what}: {name} has no convolution like conv_1.",
                          "Build both with section 2's functions (build_features, "
                          "build_classifier).")
    distance = {name: _distance(k, base_kernel) for name, k in kernels.items()}
    if not distance["transfer_20"] <= FROM_BASE:
        return report(False, f"{what}: transfer_20's conv_1 filters are not the base's "
                             f"(relative distance {distance['transfer_20']:.2f}).",
                      "Transfer starts from what the base network learned: where do "
                      "transfer_20's filters come from?",
                      "A new build_features() starts from random weights until the base's are "
                      "loaded into it.")
    if distance["scratch_20"] <= FROM_BASE:
        return report(False, f"{what}: scratch_20's conv_1 filters are the base's "
                             f"(relative distance {distance['scratch_20']:.2f}).",
                      "The baseline starts from random weights, not from the base network.")
    try:
        accuracies = run_limited(lambda: [_accuracy(m, x, y) for m in (transfer_20, scratch_20)])
    except Failure as exc:
        return report(False, f"{what}: the models could not classify the test digits ({exc}).",
                      "Both take (28, 28, 1) images and end with 5 softmax outputs.")
    for name, acc in zip(("transfer_20", "scratch_20"), accuracies):
        if isinstance(acc, str):
            return report(False, f"{what}: {name}: {acc}.",
                          "Build it with build_classifier: 5 outputs, one per digit 5-9.")
    transfer_acc, scratch_acc = accuracies
    profile = current_config().profile
    low, high = TRANSFER_20_BANDS.get(profile, TRANSFER_20_BANDS["full"])
    measured = (f"transfer_20 {transfer_acc:.4f}, scratch_20 {scratch_acc:.4f} on {len(x):,} "
                f"test digits")
    if scratch_acc < SCRATCH_FLOOR:
        return report(False, f"{what}: {measured}; scratch_20 is hardly better than chance "
                             f"(0.2), expected at least {SCRATCH_FLOOR:g}.",
                      "Did you train scratch_20, for as many epochs as the two steps together?")
    if not low <= transfer_acc <= high:
        return report(False, f"{what}: transfer_20 measured {transfer_acc:.4f}, expected in "
                             f"[{low:g}, {high:g}] ({profile} profile); {measured}.",
                      "Did both steps run, on the 20 images of each class? A head that was "
                      "never trained, or trained on fewer labels, stays well below.",
                      "Step 1 trains the new head on the frozen features; step 2 unfreezes "
                      "conv_2 and recompiles with a 10 times smaller learning rate.")
    return report(True, f"{what}: {transfer_acc:.4f} in [{low:g}, {high:g}] ({profile} "
                        f"profile) for transfer_20; scratch_20 {scratch_acc:.4f}, gain "
                        f"{transfer_acc - scratch_acc:+.4f} on {len(x):,} test digits")
