"""Wrong models of notebook 08 part 2's experiment `check_transfer_20`: `transfer_20` trained
with section 2's recipe (the base's filters, frozen; a new head; conv_2 fine-tuned at 1e-4) and
`scratch_20` from random weights, both on the first 20 target digits of each class. Each wrong
answer replaces all the checker's arguments (`Args`)."""

from __future__ import annotations

from typing import Any

from . import Args, seeded


def _args(ns: dict[str, Any], transfer_20: Any, scratch_20: Any | None = None) -> Args:
    return Args(transfer_20, ns["scratch_20"] if scratch_20 is None else scratch_20,
                ns["base_weights"], ns["x_target_test"], ns["y_target_test"])


def _frozen_base(ns: dict[str, Any], load: bool = True) -> Any:
    features = ns["build_features"]()
    if load:
        features.set_weights(ns["base_weights"])
    features.trainable = False
    return features


def untrained_head(ns: dict[str, Any]) -> Args:
    """The base's filters, frozen, under a new head that was compiled but never trained."""
    seeded(ns)
    model = ns["build_classifier"](_frozen_base(ns))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return _args(ns, model)


def from_scratch(ns: dict[str, Any]) -> Args:
    """No transfer: a second network trained from scratch on the 100 images."""
    seeded(ns)
    x_20, y_20 = ns["first_labels"](20)
    return _args(ns, ns["from_scratch"](x_20, y_20, batch_size=10))


def weights_not_loaded(ns: dict[str, Any]) -> Args:
    """Section 2's two steps on a new build_features() whose base weights were never loaded."""
    seeded(ns)
    x_20, y_20 = ns["first_labels"](20)
    features = _frozen_base(ns, load=False)
    model = ns["compile_and_fit"](ns["build_classifier"](features), x_20, y_20,
                                  ns["head_epochs"], batch_size=10)
    features.trainable = True
    for layer in features.layers:
        layer.trainable = layer.name == "conv_2"
    ns["compile_and_fit"](model, x_20, y_20, ns["finetune_epochs"], learning_rate=1e-4,
                          batch_size=10)
    return _args(ns, model)


def section2_transfer(ns: dict[str, Any]) -> Args:
    """Section 2's transfer model (5 labels per class) passed back as transfer_20."""
    return _args(ns, ns["transfer"])


def baseline_transferred(ns: dict[str, Any]) -> Args:
    """The baseline is not from scratch: section 2's transfer model passed as scratch_20."""
    return _args(ns, ns["transfer_20"], ns["transfer"])


EXPERIMENTS = {
    "check_transfer_20": {
        "untrained_head": untrained_head,
        "from_scratch": from_scratch,
        "weights_not_loaded": weights_not_loaded,
        "section2_transfer": section2_transfer,
        "baseline_transferred": baseline_transferred,
    },
}
