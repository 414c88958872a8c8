"""Wrong models of notebook 05's experiment `check_budget_convnet`: a convolutional network
within the softmax regression's 7,850 parameters that beats it clearly, trained on `train_ds`
for `num_epochs` epochs."""

from __future__ import annotations

from typing import Any

from . import passed_back, seeded


def _convnet(ns: dict[str, Any], stack: list[Any], *, train: bool = True) -> Any:
    """A seeded Sequential: 28x28x1 input, `stack`, Dense(10, softmax); compiled, trained."""
    keras = seeded(ns)
    model = keras.Sequential([keras.Input(shape=(28, 28, 1)), *stack,
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    if train:
        model.fit(ns["train_ds"], epochs=ns["num_epochs"], verbose=0)
    return model


def _layers(ns: dict[str, Any]) -> Any:
    return ns["keras"].layers


def untrained(ns: dict[str, Any]) -> Any:
    """The solution's structure (8 and 16 filters, 3x3, pooling), compiled, never fit."""
    layers = _layers(ns)
    return _convnet(ns, [layers.Conv2D(8, 3, activation="relu"), layers.MaxPooling2D(2),
                         layers.Conv2D(16, 3, activation="relu"), layers.MaxPooling2D(2),
                         layers.Flatten()], train=False)


section8_dense = passed_back("dense_net", "Section 8's softmax regression (no convolution).")


def over_budget(ns: dict[str, Any]) -> Any:
    """Deck 000's model_cnn without dropout (Conv2D 32 and 64, pooling): 34,826 parameters."""
    layers = _layers(ns)
    return _convnet(ns, [layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
                         layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2),
                         layers.Flatten()])


def decorative_conv(ns: dict[str, Any]) -> Any:
    """One 3x3 filter, no pooling, then Flatten: 6,780 parameters, almost all in the Dense
    layer (softmax regression of a filtered image)."""
    layers = _layers(ns)
    return _convnet(ns, [layers.Conv2D(1, 3), layers.Flatten()])


def linear_convnet(ns: dict[str, Any]) -> Any:
    """A single convolution of 4 filters without activation, 2x2 pooling, Flatten: 6,810
    parameters, most of them in the Dense layer."""
    layers = _layers(ns)
    return _convnet(ns, [layers.Conv2D(4, 3), layers.MaxPooling2D(2), layers.Flatten()])


EXPERIMENTS = {
    "check_budget_convnet": {
        "untrained": untrained,
        "section8_dense": section8_dense,
        "over_budget": over_budget,
        "decorative_conv": decorative_conv,
        "linear_convnet": linear_convnet,
    },
}
