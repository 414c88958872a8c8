"""Wrong models of notebook 07's experiment `check_augmentation_policy`: an augmentation
policy of the student's design in front of section 4's fast network, built with the
baseline's recipe (`build_variant(..., label_smoothing=0.0)`: one-cycle, no label smoothing)
and trained on `train_ds` for `ablation_epochs` epochs, must beat the ablation's second row
(same network, data, budget and recipe, no augmentation) on the validation images."""

from __future__ import annotations

from typing import Any

from . import passed_back, seeded


def _policy_model(ns: dict[str, Any], augmentation: Any, *, train: bool = True,
                  one_cycle: bool = True) -> Any:
    """build_variant with the baseline's recipe and `augmentation`; fit on train_ds."""
    seeded(ns)
    model = ns["build_variant"](augmentation=augmentation, label_smoothing=0.0,
                                one_cycle=one_cycle)
    if train:
        model.fit(ns["train_ds"], epochs=ns["ablation_epochs"], verbose=0)
    return model


def untrained(ns: dict[str, Any]) -> Any:
    """The solution's policy in front of the fast network, compiled, never fit."""
    return _policy_model(ns, ns["my_augmentation"], train=False)


def no_augmentation(ns: dict[str, Any]) -> Any:
    """The baseline without the change: the fast network with no augmentation, trained."""
    return _policy_model(ns, None)


def section5_flip_translate(ns: dict[str, Any]) -> Any:
    """The ablation's third row passed back: section 3's flip and translate, no design."""
    return ns["ablation_models"]["+ flip & translate augmentation"]


def constant_lr(ns: dict[str, Any]) -> Any:
    """The solution's policy with the first row's recipe (constant learning rate)."""
    return _policy_model(ns, ns["my_augmentation"], one_cycle=False)


section2_deck_cnn = passed_back("deck_cnn", "Section 2's deck CNN (another network), trained.")


def absurd_rotation(ns: dict[str, Any]) -> Any:
    """Flip and translate plus RandomRotation(0.4): up to 144 degrees, upside-down photos."""
    layers = ns["keras"].layers
    return _policy_model(ns, lambda: [layers.RandomFlip("horizontal"),
                                      layers.RandomTranslation(2 / 32, 2 / 32,
                                                               fill_mode="reflect"),
                                      layers.RandomRotation(0.4)])


def deck_heavy(ns: dict[str, Any]) -> Any:
    """Deck 004's ImageDataGenerator settings: flips, 40 degrees, 20% shifts, 20% zoom."""
    layers = ns["keras"].layers
    return _policy_model(ns, lambda: [layers.RandomFlip("horizontal"),
                                      layers.RandomRotation(40 / 360),
                                      layers.RandomTranslation(0.2, 0.2),
                                      layers.RandomZoom(0.2)])


EXPERIMENTS = {
    "check_augmentation_policy": {
        "untrained": untrained,
        "no_augmentation": no_augmentation,
        "section5_flip_translate": section5_flip_translate,
        "constant_lr": constant_lr,
        "section2_deck_cnn": section2_deck_cnn,
        "absurd_rotation": absurd_rotation,
        "deck_heavy": deck_heavy,
    },
}
