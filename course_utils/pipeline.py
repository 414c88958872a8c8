"""Input pipelines for `model.fit`: tf.data with autotuning off.

Why: with autotuning on (also inside Keras' NumPy adapter), `fit()` can sit idle for
up to 30 s after its last epoch while tf.data joins its autotune thread. Turning
autotuning off removed that idle in every run measured (../shared/STACK_NOTES.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import CourseTypeError, CourseValueError


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
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise CourseValueError(f"batch_size must be a positive whole number, not {batch_size!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise CourseTypeError(f"seed must be a whole number or None, not {seed!r}")
    n = _length(x, "x")
    if n == 0:
        raise CourseValueError("x has no examples: pass at least one (e.g. x_train).")
    if y is not None and _length(y, "y") != n:
        raise CourseValueError(
            f"x has {n} examples but y has {_length(y, 'y')}: pass matching arrays."
        )
    import tensorflow as tf

    try:
        ds = tf.data.Dataset.from_tensor_slices(x if y is None else (x, y))
    except (TypeError, ValueError, tf.errors.OpError) as exc:
        raise CourseTypeError(
            "to_dataset needs NumPy arrays (or lists of strings, or a tuple/dict of arrays) "
            f"with one row per example; these could not be used ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0][:200]})."
        ) from None
    if shuffle:
        ds = ds.shuffle(n, seed=None if seed is None else int(seed), reshuffle_each_iteration=True)
    return no_autotune(ds.batch(int(batch_size)).prefetch(2))


def _length(x: Any, what: str = "x") -> int:
    """Number of examples in `x` (an array, list, or a tuple/dict of them)."""
    if isinstance(x, dict):
        if not x:
            raise CourseValueError(f"{what} is an empty dict: give it at least one input array.")
        lengths = {_length(v, what) for v in x.values()}
        if len(lengths) != 1:
            raise CourseValueError(f"the arrays in {what} have different lengths {sorted(lengths)}")
        return lengths.pop()
    if isinstance(x, tuple):
        if not x:
            raise CourseValueError(f"{what} is an empty tuple: give it at least one array.")
        lengths = {_length(v, what) for v in x}
        if len(lengths) != 1:
            raise CourseValueError(f"the arrays in {what} have different lengths {sorted(lengths)}")
        return lengths.pop()
    if x is None or isinstance(x, (str, bytes)) or not hasattr(x, "__len__"):
        raise CourseTypeError(
            f"{what} must be an array (or list) with one row per example, not "
            f"{type(x).__name__}. Pass e.g. x_train, y_train."
        )
    if isinstance(x, np.ndarray) and x.ndim == 0:
        raise CourseTypeError(f"{what} is a single number: pass an array with one row per example.")
    return len(x)
