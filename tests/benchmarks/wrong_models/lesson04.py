"""Wrong models of notebook 04's experiment `check_narrow_network`: the deck's network with a
hidden layer of 32 units instead of 128, trained as in section 5."""

from __future__ import annotations

from typing import Any

from . import compiled_like, dense_classifier, passed_back


def _dense(ns: dict[str, Any], width: int, activation: str | None = "relu") -> Any:
    return compiled_like(dense_classifier(ns, (28, 28), [width], 10, activation=activation,
                                          flatten=True), ns["model"])


def _fit(ns: dict[str, Any], model: Any) -> Any:
    model.fit(ns["train_ds"], validation_data=ns["val_ds"], epochs=ns["num_epochs"], verbose=0)
    return model


def untrained(ns: dict[str, Any]) -> Any:
    """32 units, compiled, never fit."""
    return _dense(ns, 32)


section5_model = passed_back("model", "The deck's 128-unit network of section 5.")


def width_64(ns: dict[str, Any]) -> Any:
    """A hidden layer of 64 units, trained."""
    return _fit(ns, _dense(ns, 64))


def linear_hidden(ns: dict[str, Any]) -> Any:
    """Dense(32) with no activation (a linear model in disguise), trained."""
    return _fit(ns, _dense(ns, 32, activation=None))


def sigmoid_hidden(ns: dict[str, Any]) -> Any:
    """Dense(32, sigmoid), trained."""
    return _fit(ns, _dense(ns, 32, activation="sigmoid"))


EXPERIMENTS = {
    "check_narrow_network": {
        "untrained": untrained,
        "section5_model": section5_model,
        "width_64": width_64,
        "linear_hidden": linear_hidden,
        "sigmoid_hidden": sigmoid_hidden,
    },
}
