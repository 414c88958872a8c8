"""Input pipelines for `model.fit`: tf.data with autotuning off.

Why: with autotuning on (also inside Keras' NumPy adapter), `fit()` can sit idle for
up to 30 s after its last epoch while tf.data joins its autotune thread. Turning
autotuning off removed that idle in every run measured (../shared/STACK_NOTES.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def no_autotune(ds: Any) -> Any:
    """Return `ds` with tf.data autotuning disabled."""
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.with_options(options)


def to_dataset(
    x: Any,
    y: Any = None,
    *,
    batch_size: int = 32,
    shuffle: bool = False,
    seed: int | None = None,
) -> Any:
    """A batched `tf.data.Dataset` of `(x, y)` (or `x` alone) for `fit`/`evaluate`/`predict`.

    Args:
        x: inputs (NumPy array, list of strings, or a tuple/dict of arrays).
        y: targets, or None for prediction.
        batch_size: examples per batch.
        shuffle: reshuffle every epoch (use for training data only).
        seed: shuffle seed; None follows the global seed set by `setup()`.
    """
    import tensorflow as tf

    if y is not None and len(np.asarray(y)) != _length(x):
        raise ValueError(
            f"x has {_length(x)} examples but y has {len(np.asarray(y))}: pass matching arrays."
        )
    ds = tf.data.Dataset.from_tensor_slices(x if y is None else (x, y))
    if shuffle:
        ds = ds.shuffle(_length(x), seed=seed, reshuffle_each_iteration=True)
    return no_autotune(ds.batch(batch_size).prefetch(2))


def _length(x: Any) -> int:
    if isinstance(x, dict):
        x = next(iter(x.values()))
    if isinstance(x, tuple):
        x = x[0]
    return len(x)
