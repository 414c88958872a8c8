"""Wrong models of notebook 06's experiment `check_gap_convnet`: section 4's convnet with
Flatten -> Dense(256) replaced by a global average pooling, trained on Fashion-MNIST as the
models of section 7 (Adam 1e-3, batches of `batch_size`, `num_epochs_f` epochs)."""

from __future__ import annotations

from typing import Any

from . import fit, passed_back, seeded


def _gap_convnet(ns: dict[str, Any], pooling: str = "GlobalAveragePooling2D") -> Any:
    """A seeded functional convnet of section 4 with `pooling` instead of Flatten ->
    Dense(256), compiled as in section 7 (19,978 parameters with either global pooling)."""
    keras = seeded(ns)
    layers = keras.layers
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, 5, activation="relu")(inputs)
    x = layers.MaxPool2D(2, strides=2)(x)
    x = layers.Conv2D(64, 3, activation="relu")(x)
    x = layers.MaxPool2D(2, strides=2)(x)
    x = getattr(layers, pooling)()(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def untrained(ns: dict[str, Any]) -> Any:
    """The solution's structure, compiled, never fit."""
    return _gap_convnet(ns)


dense256_baseline = passed_back(
    "convnet_f", "Section 7's convnet (Flatten -> Dense(256), 431,754 parameters), trained on "
                 "Fashion-MNIST: the baseline the exercise changes.")

section7_model_cnn = passed_back(
    "model_fashion", "Section 7's model_cnn (deck 000, 34,826 parameters), trained on "
                     "Fashion-MNIST: an earlier section's model.")


def global_max_pooling(ns: dict[str, Any]) -> Any:
    """GlobalMaxPooling2D instead of the average (the same 19,978 parameters), trained on
    Fashion-MNIST as the solution."""
    return fit(ns, _gap_convnet(ns, "GlobalMaxPooling2D"), ns["x_train_f"], ns["y_train_f"],
               batch_size=ns["batch_size"], epochs=ns["num_epochs_f"])


def trained_on_mnist(ns: dict[str, Any]) -> Any:
    """The solution's structure trained on the MNIST digits of sections 1-6 (x_train) instead
    of Fashion-MNIST."""
    return fit(ns, _gap_convnet(ns), ns["x_train"], ns["y_train"],
               batch_size=ns["batch_size"], epochs=ns["num_epochs_f"])


EXPERIMENTS = {
    "check_gap_convnet": {
        "untrained": untrained,
        "dense256_baseline": dense256_baseline,
        "section7_model_cnn": section7_model_cnn,
        "global_max_pooling": global_max_pooling,
        "trained_on_mnist": trained_on_mnist,
    },
}
