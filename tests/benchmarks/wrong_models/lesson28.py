"""Wrong models of notebook 28's experiment `check_large_batch`: section 2's model trained on
the two replicas of `strategy` at a global batch of 256 with the learning rate scaled by the
linear rule (0.02 * 256 / 64)."""

from __future__ import annotations

from typing import Any

from . import passed_back, seeded

SCALED_RATE = 0.02 * 256 / 64


def _model(ns: dict[str, Any], learning_rate: float, *, replicas: bool = True) -> Any:
    """Section 2's model compiled with `compile_model`, in the strategy's scope or not."""
    seeded(ns)
    if not replicas:
        return ns["compile_model"](ns["build_model"](), learning_rate=learning_rate)
    with ns["strategy"].scope():
        return ns["compile_model"](ns["build_model"](), learning_rate=learning_rate)


def _fit(ns: dict[str, Any], model: Any, batch: int) -> Any:
    model.fit(ns["train_dataset"](ns["x_train"], ns["y_train"], batch=batch),
              epochs=ns["num_epochs"], verbose=0)
    return model


def untrained(ns: dict[str, Any]) -> Any:
    """The solution's model and settings, compiled, never fit."""
    return _model(ns, SCALED_RATE)


def unscaled_rate(ns: dict[str, Any]) -> Any:
    """Batch 256 at section 2's rate 0.02: the baseline the exercise changes."""
    return _fit(ns, _model(ns, 0.02), 256)


def sqrt_scaled_rate(ns: dict[str, Any]) -> Any:
    """Batch 256 at 0.04: the learning rate scaled by the square root of the batch ratio."""
    return _fit(ns, _model(ns, 0.04), 256)


def scaled_rate_batch_64(ns: dict[str, Any]) -> Any:
    """The scaled rate, but the batch left at 64."""
    return _fit(ns, _model(ns, SCALED_RATE), 64)


def one_device(ns: dict[str, Any]) -> Any:
    """The solution's settings trained on one device, outside the strategy's scope."""
    return _fit(ns, _model(ns, SCALED_RATE, replicas=False), 256)


section2_model = passed_back(
    "model_2", "Section 2's model on the two replicas (batch 64, rate 0.02): an earlier "
               "section's model.")


EXPERIMENTS = {
    "check_large_batch": {
        "untrained": untrained,
        "unscaled_rate": unscaled_rate,
        "sqrt_scaled_rate": sqrt_scaled_rate,
        "scaled_rate_batch_64": scaled_rate_batch_64,
        "one_device": one_device,
        "section2_model": section2_model,
    },
}
