"""Wrong models of notebook 18 part 2's experiment `check_small_crops`: section 3's crop
classifier for 14 x 14 crops (`build_crop_classifier(14)`), trained on the training proposals
cropped at 14 x 14."""

from __future__ import annotations

from typing import Any

from . import passed_back, seeded


def untrained(ns: dict[str, Any]) -> Any:
    """The solution's structure, compiled, never fit."""
    keras = seeded(ns)
    model = ns["build_crop_classifier"](14)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                  loss="sparse_categorical_crossentropy")
    return model


def untrained_uncompiled(ns: dict[str, Any]) -> Any:
    """The solution's structure, neither compiled nor fit (measured on its AP alone)."""
    seeded(ns)
    return ns["build_crop_classifier"](14)


baseline_28 = passed_back(
    "crop_classifier", "Section 3's crop classifier (28 x 28 crops), trained: the baseline the "
                       "exercise changes.")

single_shot = passed_back(
    "detector", "Section 3's single-shot grid detector (whole 64 x 64 canvases), trained: "
                "another model of the same section.")


EXPERIMENTS = {
    "check_small_crops": {
        "untrained": untrained,
        "untrained_uncompiled": untrained_uncompiled,
        "baseline_28": baseline_28,
        "single_shot": single_shot,
    },
}
