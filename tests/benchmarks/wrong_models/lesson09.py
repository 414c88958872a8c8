"""Wrong models of notebook 09's experiment `check_robust_model`: a new `build_cnn()` network
that resists FGSM at epsilon 0.3 clearly better than section 5's `model_adv` (trained at 0.1),
trained on `train_ds` for `num_epochs` epochs."""

from __future__ import annotations

from typing import Any

from . import passed_back, seeded


def _compiled(ns: dict[str, Any], model: Any) -> Any:
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def untrained(ns: dict[str, Any]) -> Any:
    """Wrapped for adversarial training at 0.3 and compiled, never fit."""
    seeded(ns)
    return _compiled(ns, ns["FGSMTraining"](ns["build_cnn"]("untrained"), epsilon=0.3))


standard_model = passed_back("model", "Section 1's network, trained on clean digits only.")

section5_model = passed_back("model_adv", "Section 5's network, trained at epsilon 0.1.")


def epsilon_unchanged(ns: dict[str, Any]) -> Any:
    """A new network trained as in section 5, at epsilon 0.1 (the epsilon left unchanged)."""
    seeded(ns)
    model = _compiled(ns, ns["FGSMTraining"](ns["build_cnn"]("eps01"), epsilon=0.1))
    model.fit(ns["train_ds"], epochs=ns["num_epochs"], verbose=0)
    return model


def noise_training(ns: dict[str, Any]) -> Any:
    """Trained on each digit plus a copy with random signs of size 0.3 (section 3's control
    used as augmentation instead of the attack)."""
    seeded(ns)
    np = ns["np"]
    rng = np.random.default_rng(ns["cfg"].seed)
    x, y = ns["x_train"], ns["y_train"]
    noisy = np.clip(x + 0.3 * rng.choice([-1.0, 1.0], size=x.shape), 0, 1).astype("float32")
    model = _compiled(ns, ns["build_cnn"]("noise_03"))
    data = ns["course_utils"].to_dataset(np.concatenate([x, noisy]), np.concatenate([y, y]),
                                         batch_size=2 * ns["batch_size"], shuffle=True)
    model.fit(data, epochs=ns["num_epochs"], verbose=0)
    return model


EXPERIMENTS = {
    "check_robust_model": {
        "untrained": untrained,
        "standard_model": standard_model,
        "section5_model": section5_model,
        "epsilon_unchanged": epsilon_unchanged,
        "noise_training": noise_training,
    },
}
