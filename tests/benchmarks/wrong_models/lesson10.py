"""Wrong models of notebook 10's experiment `check_blank_rows_experiment`: a network that still
names the digit after `num_blank` blank rows, trained on `add_blank_rows(x_train, num_blank)`
for `blank_epochs` epochs with Adam (1e-3) and clipnorm=1.0 (the solution: an IRNN)."""

from __future__ import annotations

from typing import Any

from . import fit, passed_back, seeded


def _compiled(ns: dict[str, Any], stack: list[Any], optimizer: Any = None) -> Any:
    keras = ns["keras"]
    model = keras.Sequential(stack)
    optimizer = optimizer or keras.optimizers.Adam(learning_rate=1e-3, clipnorm=1.0)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def _input(ns: dict[str, Any]) -> Any:
    return ns["keras"].Input((28 + ns["num_blank"], 28))


def _irnn(ns: dict[str, Any]) -> Any:
    keras = seeded(ns)
    return _compiled(ns, [
        _input(ns),
        keras.layers.SimpleRNN(64, activation="relu", recurrent_initializer="identity",
                               kernel_initializer=keras.initializers.RandomNormal(stddev=0.05)),
        keras.layers.Dense(10, activation="softmax"),
    ])


def _train(ns: dict[str, Any], model: Any) -> Any:
    x = ns["add_blank_rows"](ns["x_train"], ns["num_blank"])
    return fit(ns, model, x, ns["y_train"], batch_size=ns["batch_size"],
               epochs=ns["blank_epochs"])


def untrained(ns: dict[str, Any]) -> Any:
    """The IRNN built and compiled, never fit."""
    return _irnn(ns)


def tanh_baseline(ns: dict[str, Any]) -> Any:
    """Section 6's tanh SimpleRNN(64), trained with the exercise's recipe on the padded digits:
    the network the exercise exists to show failing."""
    keras = seeded(ns)
    return _train(ns, _compiled(ns, [_input(ns), keras.layers.SimpleRNN(64),
                                     keras.layers.Dense(10, activation="softmax")]))


section6_model = passed_back("model", "Section 6's tanh network, trained on 28 rows only.")


def section7_irnn_model(ns: dict[str, Any]) -> Any:
    """Section 7's clipped IRNN, trained on 28 rows only (no blank rows)."""
    return ns["irnn_models"][1.0]


def section7_recipe(ns: dict[str, Any]) -> Any:
    """Section 7's IRNN with its own optimiser (SGD, momentum 0.9, clipnorm=1.0), on the
    padded digits."""
    seeded(ns)
    return _train(ns, ns["build_irnn"](clipnorm=1.0, steps=28 + ns["num_blank"]))


def flatten_dense(ns: dict[str, Any]) -> Any:
    """No recurrence: Flatten + Dense(64, relu) sees every row at once, trained."""
    keras = seeded(ns)
    return _train(ns, _compiled(ns, [_input(ns), keras.layers.Flatten(),
                                     keras.layers.Dense(64, activation="relu"),
                                     keras.layers.Dense(10, activation="softmax")]))


def backwards_tanh(ns: dict[str, Any]) -> Any:
    """A tanh SimpleRNN(64, go_backwards=True): it reads the blank rows first, trained."""
    keras = seeded(ns)
    return _train(ns, _compiled(ns, [_input(ns), keras.layers.SimpleRNN(64, go_backwards=True),
                                     keras.layers.Dense(10, activation="softmax")]))


EXPERIMENTS = {
    "check_blank_rows_experiment": {
        "untrained": untrained,
        "tanh_baseline": tanh_baseline,
        "section6_model": section6_model,
        "section7_irnn": section7_irnn_model,
        "section7_recipe": section7_recipe,
        "flatten_dense": flatten_dense,
        "backwards_tanh": backwards_tanh,
    },
}
