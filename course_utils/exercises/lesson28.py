"""Checkers for notebook 28 (scaling up with tf.distribute).

1. `check_forgotten_global_batch` (predict): a custom loop on 2 replicas that averages each
   replica's loss over its own batch instead of the global batch applies an update 2 times
   too large (the all-reduce sums the replicas' gradients).
2. `check_accumulate_step` (design): gradient accumulation over micro-batches with a single
   `apply_gradients`; the checker compares it with one step on the whole batch, on a small
   model of its own, and tells the usual mistakes apart (one update per micro-batch, the
   gradients summed without their share, no update).
3. `check_large_batch` (the experiment): section 2's model trained on the 2 replicas with a
   global batch of 256 and the learning rate scaled by the linear rule; the checker reads the
   optimizer (SGD, rate, momentum), its step count (the batch size and epochs that follow
   from it) and the strategy, and measures the test accuracy itself against a band per profile.

Every checker prints one line (`[PASS]`, `[FAIL] ... Hint: ...` or `[TODO] ... not done
yet`), returns a result that is true only on a pass, and never raises or hangs, whatever it
is given (see `course_utils.checks`). Importing this module does not import TensorFlow.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from ..checks import (
    CheckResult,
    Failure,
    NotDone,
    as_floats,
    as_whole_number,
    call_in_batches,
    check_band,
    check_value,
    checker,
    is_stub,
    report,
    run_limited,
    short,
)

__all__ = ["check_forgotten_global_batch", "check_accumulate_step", "check_large_batch"]


# --------------------------------------------------------------------------- 1. predict


@checker
def check_forgotten_global_batch(factor: Any) -> CheckResult:
    """factor: how much larger the update is when each of 2 replicas averages over its own batch."""
    return check_value(
        "factor: the update of a loop that forgot the global batch, against one device",
        factor,
        2.0,
        hint="Write one device's gradient on 64 examples as a sum over the two halves, and "
             "compare each half's term with the gradient of that replica's mean over 32.",
        more="The mean over 32 examples weighs each example 1/32, the mean over 64 only 1/64; "
             "the all-reduce adds the two replicas' gradients.",
        mistakes=[
            (0.5, "The all-reduce sums the replicas' gradients, it does not average them: "
                  "each replica's mean over its 32 examples weighs every example more, not less."),
            (1.0, "Each replica's mean over 32 weighs every example 1/32; in the mean over 64 "
                  "an example weighs 1/64. What does the sum of the two replicas' gradients "
                  "give then?"),
            (4.0, "Count the replicas and the weight of one example in each mean once: the "
                  "factor is not squared."),
        ],
    )


# --------------------------------------------------------------------------- 2. design


def _small_problem(seed: int, n: int) -> tuple[Any, Any, Any, np.ndarray, np.ndarray, list]:
    """A small dense classifier with fixed weights, its SGD optimizer, the loss and a batch."""
    import keras

    rng = np.random.default_rng(seed)
    model = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(8, activation="tanh"),
                              keras.layers.Dense(3)])
    weights = [rng.normal(0.0, 0.5, size=w.shape).astype("float32") for w in model.get_weights()]
    model.set_weights(weights)
    x = rng.normal(size=(n, 6)).astype("float32")
    y = rng.integers(0, 3, size=n).astype("int32")
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    return model, keras.optimizers.SGD(learning_rate=0.5), loss_fn, x, y, weights


def _one_step(seed: int, n: int, scale: float = 1.0) -> list[np.ndarray]:
    """The weights after one SGD step on the whole batch, the gradient multiplied by `scale`."""
    import tensorflow as tf

    model, optimizer, loss_fn, x, y, _ = _small_problem(seed, n)
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients([(g * scale, v) for g, v in zip(grads, model.trainable_variables)])
    return [np.asarray(w) for w in model.get_weights()]


def _same(a: list[np.ndarray], b: list[np.ndarray], tol: float = 1e-5) -> bool:
    return len(a) == len(b) and all(x.shape == y.shape and np.allclose(x, y, atol=tol, rtol=0)
                                    for x, y in zip(a, b))


@checker
def check_accumulate_step(accumulate_step: Callable[..., Any]) -> CheckResult:
    """accumulate_step(model, optimizer, loss_fn, x, y, num_micro): one step in micro-batches.

    The step must change the weights exactly as one step on the whole batch `(x, y)` does, with
    a single call of `optimizer.apply_gradients`; `loss_fn(y, logits)` is the batch's mean loss.
    """
    what = "accumulate_step: one step on the batch, in micro-batches"
    if is_stub(accumulate_step):
        raise NotDone(what)
    if not callable(accumulate_step):
        return report(False, f"{what}: expected a function, got {type(accumulate_step).__name__}.",
                      "Define accumulate_step with def, as in the cell.")
    hint = ("Add up the micro-batches' gradients, each weighted by its share of the batch, and "
            "apply the total once, after the loop.")
    for seed, n, num_micro in ((0, 16, 4), (1, 12, 2), (2, 24, 3)):
        try:  # the checker's own reference steps first: only the student's call is timed
            expected, summed = _one_step(seed, n), _one_step(seed, n, scale=num_micro)
            model, optimizer, loss_fn, x, y, start = _small_problem(seed, n)
        except Exception as exc:  # noqa: BLE001 - TensorFlow missing or broken
            return report(False, f"{what}: the reference step could not run "
                                 f"({type(exc).__name__}).", "Run the notebook's setup cell first.")
        try:
            run_limited(lambda: accumulate_step(model, optimizer, loss_fn, x.copy(), y.copy(),
                                                num_micro))
            after = run_limited(lambda: [np.asarray(w) for w in model.get_weights()])
            steps = run_limited(lambda: int(np.asarray(optimizer.iterations)))
        except NotImplementedError:
            raise NotDone(what) from None
        except Failure as exc:
            return report(False, f"{what}: for a batch of {n} in {num_micro} micro-batches "
                                 f"{exc}.", hint)
        case = f"a batch of {n} in {num_micro} micro-batches"
        if steps == 0 and _same(after, start, 0.0):
            return report(False, f"{what}: for {case} the weights did not change.",
                          "The gradients must reach the model: the optimizer applies them.")
        if steps > 1:
            return report(False, f"{what}: for {case} the optimizer took {steps} steps, not 1.",
                          "One update per micro-batch is several small steps, not one step on "
                          "the batch: keep the gradients and apply their total once.")
        if _same(after, expected):
            continue
        if _same(after, summed):
            return report(False, f"{what}: for {case} the update is {num_micro} times too large.",
                          "Each micro-batch's loss is a mean over its own examples: its gradient "
                          "counts for its share of the batch only.")
        return report(False, f"{what}: for {case} the weights differ from one step on the whole "
                             "batch.", hint,
                      "Take equal consecutive slices of x and y, one per micro-batch, and "
                      "compute the gradients with training=True.")
    return report(True, what)


# --------------------------------------------------------------------------- 3. the experiment

#: Section 2's recipe: SGD with momentum, learning rate at a global batch of 64.
BASE_LEARNING_RATE = 0.02
BASE_BATCH = 64
LARGE_BATCH = 256
MOMENTUM = 0.9
#: Test-accuracy bands of the batch-256 model with the scaled rate on MNIST (where they come
#: from: tests/benchmarks/bands/28_scaling_up.md).
LARGE_BATCH_SMOKE = (0.55, 1.0)
LARGE_BATCH_FULL = (0.90, 1.0)
_TRAIN_HINT = ("Build section 2's model in the two-replica strategy's scope, compile it with "
               "the scaled rate and train it for num_epochs epochs on section 2's training "
               "images, in global batches of 256.")


def _setting(optimizer: Any, name: str) -> float | None:
    value = getattr(optimizer, name, None)
    try:
        number = float(np.asarray(value))
    except Exception:  # noqa: BLE001 - a schedule or anything else
        return None
    return number if math.isfinite(number) else None


def _steps_for(num_train: int, num_epochs: int, batch: int) -> int:
    return num_epochs * math.ceil(num_train / batch)


@checker
def check_large_batch(model: Any, x_test: Any, y_test: Any, num_train: Any = None,
                      num_epochs: Any = None) -> CheckResult:
    """Experiment: section 2's model on 2 replicas at a global batch of 256, rate scaled; accuracy measured here.

    `model` is compiled with SGD (momentum 0.9) at the learning rate the linear scaling rule
    gives for 256 from section 2's 0.02 at 64, built in the 2-replica strategy's scope and
    trained for `num_epochs` epochs on `num_train` images; `x_test`, `y_test` the MNIST test set.
    """
    what = "MNIST test accuracy of the model trained at a global batch of 256"
    if is_stub(model):
        raise NotDone(what)
    if not (callable(model) and hasattr(model, "get_weights")):
        return report(False, f"{what}: expected a Keras model, got {type(model).__name__}.",
                      "Pass the trained model (model_256), not its history or its accuracy.")
    n, epochs = as_whole_number(num_train), as_whole_number(num_epochs)
    if n is None or epochs is None or n < 1 or epochs < 1:
        return report(False, f"{what}: num_train={short(num_train)} and num_epochs="
                             f"{short(num_epochs)} must be positive whole numbers.",
                      "Call the checker as in the cell: it needs len(x_train) and num_epochs.")
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return report(False, f"{what}: the model was never compiled.", _TRAIN_HINT)
    if type(optimizer).__name__ != "SGD":
        return report(False, f"{what}: its optimizer is {type(optimizer).__name__}.",
                      "The linear scaling rule is about SGD: keep section 2's optimizer "
                      "(compile_model).")
    rate, momentum = _setting(optimizer, "learning_rate"), _setting(optimizer, "momentum")
    expected = BASE_LEARNING_RATE * LARGE_BATCH / BASE_BATCH
    if rate is None:
        return report(False, f"{what}: its learning rate is not a single number.",
                      "Give compile_model one learning rate, not a schedule.")
    if not math.isclose(rate, expected, rel_tol=1e-3):
        hints = {BASE_LEARNING_RATE: "That is section 2's rate for a batch of 64: the rule "
                                     "scales it with the batch.",
                 BASE_LEARNING_RATE * 2: "That scales with the square root of the batch ratio; "
                                         "section 1's rule is linear.",
                 BASE_LEARNING_RATE / 4: "The batch grew: under the rule the rate grows with it."}
        hint = next((h for r, h in hints.items() if math.isclose(rate, r, rel_tol=1e-3)),
                    "Multiply section 2's rate by the factor the batch grew by (section 1).")
        return report(False, f"{what}: learning rate {rate:g}.", hint)
    if momentum is None or not math.isclose(momentum, MOMENTUM, abs_tol=1e-6):
        return report(False, f"{what}: momentum {short(momentum)}.",
                      "Keep section 2's momentum of 0.9 (compile_model's default).")
    replicas = getattr(getattr(model, "distribute_strategy", None), "num_replicas_in_sync", None)
    if replicas is not None and replicas != 2:
        return report(False, f"{what}: the model was built for {replicas} replica(s).",
                      "Build and compile it inside strategy.scope(), section 2's two replicas.")
    try:
        steps = run_limited(lambda: int(np.asarray(optimizer.iterations)))
    except Failure as exc:
        return report(False, f"{what}: its step count could not be read ({exc}).", _TRAIN_HINT)
    wanted = _steps_for(n, epochs, LARGE_BATCH)
    if steps != wanted:
        if steps == 0:
            hint = "It was never trained. " + _TRAIN_HINT
        elif steps == _steps_for(n, epochs, BASE_BATCH):
            hint = ("Its step count is that of batches of 64: the exercise changes the global "
                    "batch to 256 as well as the rate.")
        else:
            hint = (f"{epochs} epochs of {n:,} images in batches of 256 are {wanted} steps. "
                    + _TRAIN_HINT)
        return report(False, f"{what}: the optimizer took {steps} steps, not {wanted}.", hint)
    x, y = as_floats(x_test), as_floats(y_test)
    if x is not None and x.ndim == 3:
        x = x[..., np.newaxis]
    if x is None or y is None or x.shape[1:] != (28, 28, 1) or y.ndim != 1 or len(x) != len(y) \
            or len(y) < 100 or not np.all(np.isfinite(x)):
        return report(False, f"{what}: pass the MNIST test set: images (n, 28, 28, 1) scaled to "
                             "[0, 1] and labels (n,).", "Call the checker as in the cell.")
    try:
        logits = run_limited(lambda: call_in_batches(model, x.astype(np.float32))[0])
    except Failure as exc:
        return report(False, f"{what}: {exc}.", _TRAIN_HINT)
    if logits.shape != (len(y), 10) or not np.all(np.isfinite(logits)):
        return report(False, f"{what}: its outputs have shape {logits.shape}, expected "
                             f"({len(y)}, 10) finite values.", _TRAIN_HINT)
    accuracy = float(np.mean(logits.argmax(axis=1) == y))
    return check_band(what, accuracy, smoke=LARGE_BATCH_SMOKE, full=LARGE_BATCH_FULL,
                      hint=_TRAIN_HINT)
