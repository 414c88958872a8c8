"""Wrong models of notebook 03 part 1's experiment `check_deep_network`: 10 hidden Dense
layers of 32 that learn with SGD (the solution: ReLU, He initialisation, SGD 0.02 with momentum
0.9) after section 4's sigmoid network did not."""

from __future__ import annotations

from typing import Any

from . import passed_back, seeded


def _deep(ns: dict[str, Any], activation: str, initializer: str = "glorot_uniform",
          optimizer: Any = None, epochs: int | None = None) -> Any:
    keras = seeded(ns)
    model = ns["deep_mlp"](activation, kernel_initializer=initializer)
    model.compile(optimizer=optimizer or keras.optimizers.SGD(learning_rate=0.02, momentum=0.9),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    if epochs:
        model.fit(ns["train_ds"], epochs=epochs, verbose=0)
    return model


def untrained(ns: dict[str, Any]) -> Any:
    """ReLU with He initialisation, compiled, never fit."""
    return _deep(ns, "relu", "he_normal")


section4_sigmoid = passed_back("model", "Section 4's 10 sigmoid layers (SGD 0.1, momentum 0.9), "
                                        "trained: the gradient vanishes.")


def sigmoid_he_normal(ns: dict[str, Any]) -> Any:
    """Only the initialisation changed: sigmoid layers with He initial weights."""
    keras = ns["keras"]
    return _deep(ns, "sigmoid", "he_normal", keras.optimizers.SGD(learning_rate=0.1, momentum=0.9),
                 ns["deep_epochs"])


def sigmoid_plain_sgd(ns: dict[str, Any]) -> Any:
    """Sigmoid layers, default initialisation, SGD 0.1 without momentum."""
    keras = ns["keras"]
    return _deep(ns, "sigmoid", optimizer=keras.optimizers.SGD(learning_rate=0.1),
                 epochs=ns["deep_epochs"])


def shallow_relu(ns: dict[str, Any]) -> Any:
    """One hidden ReLU layer of 32 that learns: not 10 layers."""
    keras = seeded(ns)
    layers = keras.layers
    model = keras.Sequential([keras.Input(shape=(64,)), layers.Dense(32, activation="relu"),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.02, momentum=0.9),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(ns["train_ds"], epochs=ns["deep_epochs"], verbose=0)
    return model


def adam_sigmoid(ns: dict[str, Any]) -> Any:
    """Section 4's sigmoid network trained with Adam instead of SGD."""
    keras = ns["keras"]
    return _deep(ns, "sigmoid", optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                 epochs=ns["deep_epochs"])


EXPERIMENTS = {
    "check_deep_network": {
        "untrained": untrained,
        "section4_sigmoid": section4_sigmoid,
        "sigmoid_he_normal": sigmoid_he_normal,
        "sigmoid_plain_sgd": sigmoid_plain_sgd,
        "shallow_relu": shallow_relu,
        "adam_sigmoid": adam_sigmoid,
    },
}
