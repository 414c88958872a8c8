"""Wrong models of notebook 02's experiment `check_pair_neuron`: one sigmoid neuron (Adam 0.1,
binary cross-entropy) trained on versicolor vs virginica."""

from __future__ import annotations

from typing import Any

from . import compiled_like, dense_classifier, fit, passed_back


def _neuron(ns: dict[str, Any], hidden: tuple[int, ...] = (), outputs: int = 1,
            output_activation: str = "sigmoid") -> Any:
    return compiled_like(dense_classifier(ns, (2,), list(hidden), outputs,
                                          output_activation=output_activation), ns["model"])


def _fit_pair(ns: dict[str, Any], model: Any, x: str = "x_pair_train", y: str = "y_pair_train") -> Any:
    return fit(ns, model, ns[x], ns[y], batch_size=8, epochs=ns["pair_epochs"])


def untrained(ns: dict[str, Any]) -> Any:
    """The neuron built and compiled, never fit."""
    return _neuron(ns)


section6_model = passed_back("model", "Section 6's neuron (setosa vs versicolor).")


def first_pair_data(ns: dict[str, Any]) -> Any:
    """A new neuron, fit on section 6's x_train, y_train (setosa vs versicolor)."""
    return _fit_pair(ns, _neuron(ns), "x_train", "y_train")


def hidden_layer(ns: dict[str, Any]) -> Any:
    """A hidden layer of 8 ReLU units added: not one neuron."""
    return _fit_pair(ns, _neuron(ns, [8]))


def softmax_pair(ns: dict[str, Any]) -> Any:
    """Two softmax outputs (sparse categorical cross-entropy): not one sigmoid neuron."""
    keras = ns["keras"]
    model = dense_classifier(ns, (2,), [], 2)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.1),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return _fit_pair(ns, model)


EXPERIMENTS = {
    "check_pair_neuron": {
        "untrained": untrained,
        "section6_model": section6_model,
        "first_pair_data": first_pair_data,
        "hidden_layer": hidden_layer,
        "softmax_pair": softmax_pair,
    },
}
