"""Wrong models of notebook 15's experiment `check_masking_denoiser`: a dense autoencoder that
repairs half-masked images, measured against section 7's Gaussian denoiser in the same call."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import passed_back, seeded


def _fresh(ns: dict[str, Any]) -> Any:
    keras = seeded(ns)
    model = ns["build_dense_autoencoder"](ns["code_size"], name="wrong_masking_denoiser")[0]
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=2e-3), loss="mse")
    return model


def _fit(ns: dict[str, Any], inputs: Any, targets: Any, val_inputs: Any, val_targets: Any) -> Any:
    to_dataset = ns["course_utils"].to_dataset
    model = _fresh(ns)
    model.fit(to_dataset(inputs, targets, batch_size=ns["batch_size"], shuffle=True),
              validation_data=to_dataset(val_inputs, val_targets, batch_size=512),
              epochs=ns["num_epochs"], verbose=0)
    return model


def untrained(ns: dict[str, Any]) -> Any:
    """A fresh dense autoencoder, compiled, never fit."""
    return _fresh(ns)


section3_autoencoder = passed_back("autoencoder", "Section 3's plain autoencoder (clean inputs).")
section6_conv = passed_back("conv_autoencoder", "Section 6's convolutional autoencoder.")
gaussian_denoiser = passed_back("denoiser", "Section 7's denoiser (Gaussian noise), passed back.")


def masked_targets(ns: dict[str, Any]) -> Any:
    """Trained to output the masked images it is fed (masked input, masked target)."""
    mask = ns["mask_pixels"]
    x_train_masked, x_val_masked = mask(ns["x_train"], 0.5, 1), mask(ns["x_val"], 0.5, 2)
    return _fit(ns, x_train_masked, x_train_masked, x_val_masked, x_val_masked)


def quarter_masked(ns: dict[str, Any]) -> Any:
    """Trained on a quarter of the pixels masked instead of half (clean targets)."""
    mask = ns["mask_pixels"]
    return _fit(ns, mask(ns["x_train"], 0.25, 1), ns["x_train"],
                mask(ns["x_val"], 0.25, 2), ns["x_val"])


def one_mask_for_all(ns: dict[str, Any]) -> Any:
    """Trained with one 28 x 28 mask shared by every image (clean targets)."""
    keep = np.random.default_rng(ns["cfg"].seed).random((28, 28)) >= 0.5
    x_train, x_val = ns["x_train"], ns["x_val"]
    return _fit(ns, (x_train * keep).astype("float32"), x_train,
                (x_val * keep).astype("float32"), x_val)


EXPERIMENTS = {
    "check_masking_denoiser": {
        "untrained": untrained,
        "section3_autoencoder": section3_autoencoder,
        "section6_conv": section6_conv,
        "gaussian_denoiser": gaussian_denoiser,
        "masked_targets": masked_targets,
        "quarter_masked": quarter_masked,
        "one_mask_for_all": one_mask_for_all,
    },
}
