"""Wrong models of notebook 08 part 1's experiment `check_plain_network`: a plain network of 20
weight layers, without skip connections and without batch normalisation, that learns
Fashion-MNIST (the solution: He initialisation instead of Keras' default Glorot)."""

from __future__ import annotations

from typing import Any

from . import passed_back, seeded


def _plain(ns: dict[str, Any], initializer: str, epochs: int | None, **options: Any) -> Any:
    seeded(ns)
    model = ns["build_resnet"](skip=False, batch_norm=False, initializer=initializer, **options)
    if epochs:
        ns["compile_and_fit"](model, ns["f_train"], ns["fy_train"], epochs, batch_size=64)
    else:
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    return model


def untrained(ns: dict[str, Any]) -> Any:
    """The solution's network (He initialisation), compiled, never fit."""
    return _plain(ns, "he_normal", None)


def glorot_default(ns: dict[str, Any]) -> Any:
    """The baseline without the change: Keras' default initialisation, trained as asked."""
    return _plain(ns, "glorot_uniform", ns["res_epochs"])


section4_resnet = passed_back("resnet", "Section 4's residual network (skips and batch "
                                        "normalisation), trained.")

section4_plain = passed_back("plain", "Section 4's plain network, with batch normalisation, "
                                      "trained.")


def shallow(ns: dict[str, Any]) -> Any:
    """He initialisation, one block per stage: 8 weight layers, not 20."""
    return _plain(ns, "he_normal", ns["res_epochs"], blocks_per_stage=1)


EXPERIMENTS = {
    "check_plain_network": {
        "untrained": untrained,
        "glorot_default": glorot_default,
        "section4_resnet": section4_resnet,
        "section4_plain": section4_plain,
        "shallow": shallow,
    },
}
