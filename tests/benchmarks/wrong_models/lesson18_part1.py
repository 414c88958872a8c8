"""Wrong models of notebook 18 part 1's experiment `check_coarse_grid`: section 3's detector
with one more pooling (a 4 x 4 grid of 16-pixel cells), trained on targets encoded for that
grid as section 3's detector (`train_detector`)."""

from __future__ import annotations

from typing import Any

from . import passed_back, seeded


def untrained(ns: dict[str, Any]) -> Any:
    """The solution's structure, compiled with the detection loss, never fit."""
    keras = seeded(ns)
    model = ns["build_detector_4x4"]()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=2e-3), loss=ns["detection_loss"])
    return model


def untrained_uncompiled(ns: dict[str, Any]) -> Any:
    """The solution's structure, neither compiled nor fit (measured on its AP alone)."""
    seeded(ns)
    return ns["build_detector_4x4"]()


baseline_8x8 = passed_back(
    "detector", "Section 3's detector (8 x 8 grid), trained: the baseline the exercise changes.")

section2_localiser = passed_back(
    "localiser", "Section 2's localiser (a label head and a box head, one digit), trained: an "
                 "earlier section's model.")


EXPERIMENTS = {
    "check_coarse_grid": {
        "untrained": untrained,
        "untrained_uncompiled": untrained_uncompiled,
        "baseline_8x8": baseline_8x8,
        "section2_localiser": section2_localiser,
    },
}
