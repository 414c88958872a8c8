"""Wrong models of notebook 14's experiment `check_sorting_model`: the attention seq2seq model
of section 3 trained to sort 8-digit strings (`make_data(..., task=np.sort)`), with section 4's
optimiser (Adam 3e-3), strings, batch size and epochs."""

from __future__ import annotations

from typing import Any

from . import fit, passed_back, seeded


def _compiled(ns: dict[str, Any], attention: bool = True) -> Any:
    keras = seeded(ns)
    model, _ = ns["build_seq2seq"](ns["short_length"], attention=attention)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _train(ns: dict[str, Any], model: Any, epochs: int | None = None) -> Any:
    return fit(ns, model, ns["x_train_sort"], ns["y_train_sort"], batch_size=ns["batch_size"],
               epochs=epochs or ns["num_epochs"])


def untrained(ns: dict[str, Any]) -> Any:
    """build_seq2seq(8) with attention, compiled, never fit."""
    return _compiled(ns)


def no_attention(ns: dict[str, Any]) -> Any:
    """The same encoder-decoder without attention, trained on the sorting data with the
    exercise's budget: the baseline the exercise is about."""
    return _train(ns, _compiled(ns, attention=False))


section4_model = passed_back("model", "Section 4's attention model, trained to reverse 8-digit "
                                      "strings, handed in unchanged.")


def one_epoch(ns: dict[str, Any]) -> Any:
    """The attention model trained on the sorting data for one epoch only."""
    return _train(ns, _compiled(ns), epochs=1)


EXPERIMENTS = {
    "check_sorting_model": {
        "untrained": untrained,
        "no_attention": no_attention,
        "section4_model": section4_model,
        "one_epoch": one_epoch,
    },
}
