"""Wrong models for tests/benchmarks/experiment_checks.py, one module per lesson.

`lessonNN.py` (or `lessonNN_partK.py` for notebook `NN_..._partK`) holds

    EXPERIMENTS = {"check_narrow_network": {"untrained": untrained, ...}}

mapping each experiment checker the solution notebook calls to its wrong models: a name (what
the model is) and a function `f(ns)` run in the notebook's kernel right after the exercise
cell, with `ns` the kernel's globals (the notebook's variables). It returns the wrong answer,
which replaces the checker's first argument in the cell's own call, or `Args(...)` to replace
every argument. These modules import no TensorFlow at import time: they take `keras`, the
data and the sizes from `ns`, so that importing them (tests/test_experiment_checks.py) is free.
See tests/benchmarks/experiment_checks.py for how to add a lesson.
"""

from __future__ import annotations

from typing import Any, Sequence

__all__ = ["Args", "compiled_like", "dense_classifier", "fit", "passed_back", "seeded"]


class Args:
    """All the checker's arguments, for a wrong answer that is not only the first one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args, self.kwargs = args, kwargs


def seeded(ns: dict[str, Any]) -> Any:
    """Seed Python, NumPy and TensorFlow with the run's seed (as the notebook's cells do
    before they build a model) and return `keras`: each wrong model then starts from the
    same state whatever ran before it."""
    keras = ns["keras"]
    keras.utils.set_random_seed(ns["cfg"].seed)
    return keras


def dense_classifier(ns: dict[str, Any], input_shape: tuple[int, ...], hidden: Sequence[int],
                     outputs: int, *, activation: str | None = "relu",
                     output_activation: str = "softmax", flatten: bool = False) -> Any:
    """A new seeded Sequential: [Flatten], Dense(h, activation) for h in `hidden`, then
    Dense(outputs, output_activation)."""
    keras = seeded(ns)
    layers = keras.layers
    stack: list[Any] = [keras.Input(shape=input_shape)]
    if flatten:
        stack.append(layers.Flatten())
    stack += [layers.Dense(h, activation=activation) for h in hidden]
    stack.append(layers.Dense(outputs, activation=output_activation))
    return keras.Sequential(stack)


def compiled_like(model: Any, reference: Any) -> Any:
    """Compile `model` as `reference` was compiled: a fresh optimiser of the same class and
    configuration, the same loss, accuracy as metric. Returns `model`."""
    optimizer = type(reference.optimizer).from_config(reference.optimizer.get_config())
    model.compile(optimizer=optimizer, loss=reference.loss, metrics=["accuracy"])
    return model


def fit(ns: dict[str, Any], model: Any, x: Any, y: Any, *, batch_size: int, epochs: int) -> Any:
    """Fit `model` on (x, y) in shuffled batches of the notebook's `course_utils.to_dataset`,
    quietly; return it."""
    dataset = ns["course_utils"].to_dataset(x, y, batch_size=batch_size, shuffle=True)
    model.fit(dataset, epochs=epochs, verbose=0)
    return model


def passed_back(name: str, doc: str) -> Any:
    """A wrong model that is the notebook's own variable `name` (an earlier section's model
    handed to the checker), described by `doc`."""

    def wrong(ns: dict[str, Any]) -> Any:
        return ns[name]

    wrong.__doc__ = doc
    return wrong
