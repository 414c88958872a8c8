"""Wrong answers of notebook 20 part 2's experiment `check_texture`: the style loss alone
(content weight 0), optimised from uniform noise with the trained network `net` for
`num_steps` steps of section 4's painter. The checker measures each image with `net`."""

from __future__ import annotations

from typing import Any

import numpy as np


def _noise(ns: dict[str, Any]) -> np.ndarray:
    """Uniform noise in [0, 1] of the photo's shape, seeded with the run's seed."""
    return np.random.default_rng(ns["cfg"].seed).random(ns["content"].shape).astype("float32")


def untrained(ns: dict[str, Any]) -> Any:
    """The painter's starting image, never fit: the white noise itself."""
    return _noise(ns)


def photo(ns: dict[str, Any]) -> Any:
    """The content image, unoptimised (the stub's 'nothing changed')."""
    return ns["content"]


def section4_output(ns: dict[str, Any]) -> Any:
    """Section 4's result (content and style, started from the photo): the baseline the
    exercise changes."""
    return ns["outputs"]["trained"]


def control_texture(ns: dict[str, Any]) -> Any:
    """The same recipe (noise, content weight 0) with the random-weight control network: an
    earlier section's model in place of the trained one."""
    keras = ns["keras"]
    keras.utils.set_random_seed(ns["cfg"].seed)
    painter, targets = ns["build_painter"](ns["control"], start=_noise(ns), alpha=0.0, beta=1.0)
    painter.fit(ns["dummy"], targets, epochs=ns["num_steps"], verbose=0)
    return painter.get_layer("pixels").get_image()


EXPERIMENTS = {
    "check_texture": {
        "untrained": untrained,
        "photo": photo,
        "section4_output": section4_output,
        "control_texture": control_texture,
    },
}
