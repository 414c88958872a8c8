"""Wrong models of notebook 01's experiment `check_small_data_experiment`: the linear model
of section 3 (Flatten -> Dense(10, softmax), Adam) trained on the first n_small images."""

from __future__ import annotations

from typing import Any

from . import compiled_like, dense_classifier, fit, passed_back


def _linear(ns: dict[str, Any], hidden: tuple[int, ...] = ()) -> Any:
    return compiled_like(dense_classifier(ns, (28, 28), list(hidden), 10, flatten=True), ns["model"])


def _fit(ns: dict[str, Any], model: Any, n: int | None, epochs: int) -> Any:
    """Fit on the first n training images (all of them for None)."""
    return fit(ns, model, ns["x_train"][:n], ns["y_train"][:n], batch_size=ns["batch_size"],
               epochs=epochs)


def untrained(ns: dict[str, Any]) -> Any:
    """The model built and compiled, never fit."""
    return _linear(ns)


section3_model = passed_back("model", "The first model, trained on all the training images.")


def all_images(ns: dict[str, Any]) -> Any:
    """The experiment's cell without the slice: a new model on all images, num_epochs * 10."""
    return _fit(ns, _linear(ns), None, ns["num_epochs"] * 10)


def hidden_layer(ns: dict[str, Any]) -> Any:
    """A hidden layer of 128 added: not the same model, on n_small images."""
    return _fit(ns, _linear(ns, [128]), ns["n_small"], ns["num_epochs"] * 10)


def few_epochs(ns: dict[str, Any]) -> Any:
    """n_small images for num_epochs epochs (without the * 10)."""
    return _fit(ns, _linear(ns), ns["n_small"], ns["num_epochs"])


EXPERIMENTS = {
    "check_small_data_experiment": {
        "untrained": untrained,
        "section3_model": section3_model,
        "all_images": all_images,
        "hidden_layer": hidden_layer,
        "few_epochs": few_epochs,
    },
}
