"""Wrong models of notebook 20 part 1's experiment `check_finer_cam`: section 2's classifier
without `pool_3` (last_conv's maps 12 x 12), trained as section 2 (Adam 2e-3, the binary
cross-entropy on logits, batches of `batch_size`, `num_epochs` epochs)."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import fit, passed_back, seeded


def _finer_classifier(ns: dict[str, Any]) -> Any:
    """A seeded section-2 classifier without pool_3, compiled as in section 2."""
    keras = seeded(ns)
    layers = keras.layers
    side = ns["side"]
    inputs = keras.Input(shape=(side, side, 1))
    x = inputs
    for k, filters in enumerate((16, 32, 64), start=1):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        if k < 3:
            x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu", name="last_conv")(x)
    x = layers.GlobalAveragePooling2D()(x)
    model = keras.Model(inputs=inputs, outputs=layers.Dense(10)(x))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=2e-3),
                  loss=keras.losses.BinaryCrossentropy(from_logits=True))
    return model


def untrained(ns: dict[str, Any]) -> Any:
    """The solution's structure, compiled, never fit."""
    return _finer_classifier(ns)


section2_classifier = passed_back(
    "model", "Section 2's classifier (with pool_3: last_conv's maps 6 x 6), trained: the "
             "baseline the exercise changes.")

section5_randomised = passed_back(
    "randomised", "Section 5's fully randomised classifier (every layer re-initialised): an "
                  "earlier section's model.")


def shuffled_targets(ns: dict[str, Any]) -> Any:
    """The solution's structure trained on the targets of other canvases (the training targets
    permuted): it learns the class frequencies, not where any digit is."""
    targets = np.random.default_rng(ns["cfg"].seed).permutation(ns["y_train"])
    return fit(ns, _finer_classifier(ns), ns["x_train"], targets,
               batch_size=ns["batch_size"], epochs=ns["num_epochs"])


EXPERIMENTS = {
    "check_finer_cam": {
        "untrained": untrained,
        "section2_classifier": section2_classifier,
        "section5_randomised": section5_randomised,
        "shuffled_targets": shuffled_targets,
    },
}
