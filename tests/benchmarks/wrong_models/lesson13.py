"""Wrong models of notebook 13's experiment `check_level_forecaster`: section 5's LSTM
(`build_lstm`) trained like `model`, but with the temperature itself as the target
(`y_train`, `y_val`) instead of its change from the last reading."""

from __future__ import annotations

from typing import Any

from . import passed_back, seeded


def _fit(ns: dict[str, Any], model: Any, y_train: Any, y_val: Any) -> Any:
    keras, to_dataset = ns["keras"], ns["course_utils"].to_dataset
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="mae")
    model.fit(to_dataset(ns["x_train"], y_train, batch_size=ns["batch_size"], shuffle=True),
              validation_data=to_dataset(ns["x_val"], y_val, batch_size=512),
              epochs=ns["num_epochs"], verbose=0,
              callbacks=[keras.callbacks.EarlyStopping(patience=5, restore_best_weights=True)])
    return model


def _lstm(ns: dict[str, Any]) -> Any:
    seeded(ns)
    return ns["build_lstm"](ns["lookback"], ns["series"].shape[1])


def untrained(ns: dict[str, Any]) -> Any:
    """build_lstm compiled, never fit."""
    model = _lstm(ns)
    model.compile(optimizer=ns["keras"].optimizers.Adam(learning_rate=1e-3), loss="mae")
    return model


section5_model = passed_back("model", "Section 5's LSTM, which predicts the change.")


def change_again(ns: dict[str, Any]) -> Any:
    """A new LSTM trained on the changes again (the cell of section 5 copied unchanged)."""
    return _fit(ns, _lstm(ns), ns["change_train"], ns["change_val"])


def dense_on_level(ns: dict[str, Any]) -> Any:
    """No LSTM: Flatten + Dense(1) on the windows, trained on the temperature itself."""
    keras = seeded(ns)
    model = keras.Sequential([keras.Input((ns["lookback"], ns["series"].shape[1])),
                              keras.layers.Flatten(), keras.layers.Dense(1)])
    return _fit(ns, model, ns["y_train"], ns["y_val"])


EXPERIMENTS = {
    "check_level_forecaster": {
        "untrained": untrained,
        "section5_model": section5_model,
        "change_again": change_again,
        "dense_on_level": dense_on_level,
    },
}
