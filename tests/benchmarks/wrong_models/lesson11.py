"""Wrong models of notebook 11's experiment `check_long_range_experiment`: a recurrent network
on adding-problem sequences twice as long as section 4's longest (`x_long_train`,
`y_long_train`), built with `build_adding_model` and trained with section 4's budget (the
solution: a GRU(32))."""

from __future__ import annotations

from typing import Any

from . import fit, seeded


def _train(ns: dict[str, Any], model: Any) -> Any:
    return fit(ns, model, ns["x_long_train"], ns["y_long_train"], batch_size=ns["batch_size"],
               epochs=ns["num_epochs"])


def untrained(ns: dict[str, Any]) -> Any:
    """build_adding_model(GRU(32)), compiled, never fit."""
    keras = seeded(ns)
    return ns["build_adding_model"](keras.layers.GRU(32))


def simple_rnn(ns: dict[str, Any]) -> Any:
    """The cell without gates, SimpleRNN(32), trained with the same budget at twice the length:
    the baseline the experiment exists to beat."""
    keras = seeded(ns)
    return _train(ns, ns["build_adding_model"](keras.layers.SimpleRNN(32)))


def section4_model(ns: dict[str, Any]) -> Any:
    """Section 4's last network (the GRU trained on the longest length), handed in without
    training at twice the length."""
    return ns["model"]


def default_optimizer(ns: dict[str, Any]) -> Any:
    """A GRU(32) compiled with Keras' default Adam (learning rate 1e-3, no clipping) instead of
    build_adding_model's optimiser, trained with the same budget."""
    keras = seeded(ns)
    model = keras.Sequential([keras.Input((None, 2)), keras.layers.GRU(32),
                              keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", jit_compile=False)
    return _train(ns, model)


EXPERIMENTS = {
    "check_long_range_experiment": {
        "untrained": untrained,
        "simple_rnn": simple_rnn,
        "section4_model": section4_model,
        "default_optimizer": default_optimizer,
    },
}
