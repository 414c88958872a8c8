"""Wrong models of notebook 03 part 2's experiment `check_large_batch_sgd`: Dense(32, relu)
-> Dense(10, softmax) on 64 inputs, SGD with batches of 256 for num_epochs epochs, learning
rate and momentum chosen on validation."""

from __future__ import annotations

from typing import Any

from . import dense_classifier, fit


def _mlp(ns: dict[str, Any], learning_rate: float = 0.1, momentum: float = 0.0,
         hidden: int = 32, optimizer: Any = None) -> Any:
    keras = ns["keras"]
    model = dense_classifier(ns, (64,), [hidden], 10)
    model.compile(optimizer=optimizer or keras.optimizers.SGD(learning_rate=learning_rate,
                                                              momentum=momentum),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _fit(ns: dict[str, Any], model: Any, batch_size: int = 256) -> Any:
    return fit(ns, model, ns["x_train"].astype("float32"), ns["y_train"], batch_size=batch_size,
               epochs=ns["num_epochs"])


def untrained(ns: dict[str, Any]) -> Any:
    """Built and compiled, never fit."""
    return _mlp(ns, 0.3, 0.9)


def small_batch_settings(ns: dict[str, Any]) -> Any:
    """Batches of 256 with section 2.2's settings for batches of 32 (lr 0.1, no momentum)."""
    return _fit(ns, _mlp(ns, 0.1, 0.0))


def batches_of_32(ns: dict[str, Any]) -> Any:
    """Section 2.2's batches of 32 (and learning rate 0.1) kept: 36 steps per epoch, not 5."""
    return _fit(ns, _mlp(ns, 0.1, 0.0), batch_size=32)


def refit_same_model(ns: dict[str, Any]) -> Any:
    """Built and compiled once, fit once per candidate setting: each fit goes on from the last."""
    model = _mlp(ns, 0.3, 0.9)
    for _ in range(3):
        _fit(ns, model)
    return model


def adam(ns: dict[str, Any]) -> Any:
    """Adam instead of SGD."""
    keras = ns["keras"]
    return _fit(ns, _mlp(ns, optimizer=keras.optimizers.Adam(learning_rate=1e-2)))


def wider(ns: dict[str, Any]) -> Any:
    """64 hidden units instead of 32."""
    return _fit(ns, _mlp(ns, 0.3, 0.9, hidden=64))


EXPERIMENTS = {
    "check_large_batch_sgd": {
        "untrained": untrained,
        "small_batch_settings": small_batch_settings,
        "batches_of_32": batches_of_32,
        "refit_same_model": refit_same_model,
        "adam": adam,
        "wider": wider,
    },
}
