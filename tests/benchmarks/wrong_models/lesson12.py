"""Wrong models of notebook 12's experiment `check_order_free_model` (exercise 4): a model
whose answer cannot depend on word order, trained on `x_train_seq`. The solution averages
the masked word vectors (Embedding -> GlobalAveragePooling1D -> Dense), trained as the
notebook's cell trains it."""

from __future__ import annotations

from typing import Any

from . import passed_back, seeded


def _fit(ns: dict[str, Any], model: Any, *, learning_rate: float = 3e-3, epochs: int = 10) -> Any:
    keras, to_dataset = ns["keras"], ns["course_utils"].to_dataset
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss="binary_crossentropy", metrics=["accuracy"])
    if epochs:
        model.fit(to_dataset(ns["x_train_seq"], ns["y_train"], batch_size=ns["batch_size"],
                             shuffle=True),
                  validation_data=to_dataset(ns["x_val_seq"], ns["y_val"], batch_size=256),
                  epochs=epochs, verbose=0)
    return model


def _model(ns: dict[str, Any], *middle: Any) -> Any:
    keras = seeded(ns)
    layers = keras.layers
    return keras.Sequential([keras.Input(shape=(ns["max_len"],), dtype="int32"),
                             layers.Embedding(ns["vocab_size"], 16, mask_zero=True), *middle,
                             layers.Dense(1, activation="sigmoid")])


def untrained(ns: dict[str, Any]) -> Any:
    """The solution's structure (masked average of the word vectors), compiled, never fit."""
    return _fit(ns, _model(ns, ns["layers"].GlobalAveragePooling1D()), epochs=0)


section5_model = passed_back("model_lstm", "Section 5's deck BiLSTM, trained: it reads the "
                                           "words in order.")


def flatten_dense(ns: dict[str, Any]) -> Any:
    """No recurrence but positions kept: the word vectors flattened into one Dense layer
    (Embedding without a mask, which Flatten does not accept), trained the same way."""
    keras = seeded(ns)
    layers = keras.layers
    model = keras.Sequential([keras.Input(shape=(ns["max_len"],), dtype="int32"),
                              layers.Embedding(ns["vocab_size"], 16), layers.Flatten(),
                              layers.Dense(1, activation="sigmoid")])
    return _fit(ns, model)


def convolution(ns: dict[str, Any]) -> Any:
    """No recurrence: a 1-D convolution over 5 consecutive words, then the maximum over the
    review, trained the same way (it sees local order)."""
    keras = seeded(ns)
    layers = keras.layers
    model = keras.Sequential([keras.Input(shape=(ns["max_len"],), dtype="int32"),
                              layers.Embedding(ns["vocab_size"], 16),
                              layers.Conv1D(16, 5, activation="relu"),
                              layers.GlobalMaxPooling1D(),
                              layers.Dense(1, activation="sigmoid")])
    return _fit(ns, model)


EXPERIMENTS = {
    "check_order_free_model": {
        "untrained": untrained,
        "section5_model": section5_model,
        "flatten_dense": flatten_dense,
        "convolution": convolution,
    },
}
