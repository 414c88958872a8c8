"""Checkers for notebook 14 (attention and sequence-to-sequence): scaled, masked attention in
NumPy, the sinusoidal position encoding, and the sorting experiment (re-measured by the
checker on fresh strings it makes itself)."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..checks import (
    CheckResult,
    Failure,
    NotDone,
    as_floats,
    call_safely,
    check_band,
    check_cases,
    checker,
    close,
    is_stub,
    report,
    run_limited,
    short,
)

# ---------------------------------------------------------------------------
# Exercise 1: scaled dot-product attention with a boolean mask


def _softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    z = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def _scores(query: Any, keys: Any, scale: float | None = None) -> np.ndarray:
    query, keys = np.asarray(query, dtype=float), np.asarray(keys, dtype=float)
    scale = np.sqrt(query.shape[-1]) if scale is None else scale
    return query @ np.swapaxes(keys, -1, -2) / scale


def masked_attention_reference(query: Any, keys: Any, values: Any,
                               mask: Any) -> tuple[np.ndarray, np.ndarray]:
    """softmax(Q K^T / sqrt(d) with masked scores at -inf) and the weighted values."""
    scores = np.where(np.asarray(mask, dtype=bool), _scores(query, keys), -np.inf)
    weights = _softmax(scores)
    return weights @ np.asarray(values, dtype=float), weights


def _weights_unscaled(q: Any, k: Any, v: Any, mask: Any) -> np.ndarray:
    return _softmax(np.where(mask, _scores(q, k, scale=1.0), -np.inf))


def _weights_scaled_by_d(q: Any, k: Any, v: Any, mask: Any) -> np.ndarray:
    return _softmax(np.where(mask, _scores(q, k, scale=float(np.shape(q)[-1])), -np.inf))


def _weights_mask_ignored(q: Any, k: Any, v: Any, mask: Any) -> np.ndarray:
    return _softmax(_scores(q, k))


def _weights_mask_after_softmax(q: Any, k: Any, v: Any, mask: Any) -> np.ndarray:
    return _softmax(_scores(q, k)) * mask


def _weights_scores_times_mask(q: Any, k: Any, v: Any, mask: Any) -> np.ndarray:
    return _softmax(_scores(q, k) * mask)


def _weights_wrong_axis(q: Any, k: Any, v: Any, mask: Any) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.nan_to_num(_softmax(np.where(mask, _scores(q, k), -np.inf), axis=-2))


_ATTENTION_MISTAKES = [
    (_weights_unscaled, "Divide the scores by np.sqrt(d), d = query.shape[-1], before the "
                        "softmax: that is the 'scaled' in scaled dot-product attention."),
    (_weights_scaled_by_d, "Divide the scores by the square root of d, not by d itself."),
    (_weights_mask_ignored, "The mask is not applied: set the scores of masked pairs to -np.inf "
                            "(np.where(mask, scores, -np.inf)) before the softmax."),
    (_weights_mask_after_softmax, "Multiplying the weights by the mask after the softmax leaves "
                                  "rows that no longer sum to 1: mask the scores (-np.inf) "
                                  "before the softmax instead."),
    (_weights_scores_times_mask, "A masked score of 0 still gets the weight exp(0) > 0: give "
                                 "masked pairs the score -np.inf (np.where), not 0."),
    (_weights_wrong_axis, "The softmax runs over the keys, the last axis (axis=-1): each "
                          "query's weights sum to 1."),
]


def _attention_cases() -> list[tuple[Any, ...]]:
    rng = np.random.default_rng(14)
    cases = []
    q, k, v = rng.normal(size=(3, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 2))
    mask = np.array([[1, 1, 0, 1, 0], [1, 0, 0, 0, 0], [1, 1, 1, 1, 1]], dtype=bool)
    cases.append((q, k, v, mask))
    x = rng.normal(scale=1.5, size=(2, 6, 8))
    causal = np.broadcast_to(np.tril(np.ones((6, 6), dtype=bool)), (2, 6, 6)).copy()
    cases.append((x, x.copy(), x.copy(), causal))
    q, k, v = rng.normal(size=(2, 3, 16)), rng.normal(size=(2, 4, 16)), rng.normal(size=(2, 4, 3))
    cases.append((q, k, v, np.ones((2, 3, 4), dtype=bool)))
    return cases


_ATTENTION_HINT = ("scores = query @ np.swapaxes(keys, -1, -2) / np.sqrt(d); "
                   "scores = np.where(mask, scores, -np.inf); weights = softmax over the last "
                   "axis; context = weights @ values; return context, weights.")


@checker
def check_masked_attention(masked_attention: Callable[..., Any]) -> CheckResult:
    """`masked_attention(query, keys, values, mask)` returns `(context, weights)` of scaled
    dot-product attention, masked pairs at weight 0."""
    what = "masked_attention(query, keys, values, mask) -> (context, weights)"
    more = ("Test it on a causal mask np.tril(np.ones((5, 5), bool)): row t of the weights "
            "must be 0 after column t and sum to 1.")
    for args in _attention_cases():
        copies = tuple(a.copy() for a in args)
        result, error = call_safely(masked_attention, *copies)
        if error:
            return report(False, f"{what}: {error}.", _ATTENTION_HINT, more)
        if result is None:
            return report(False, f"{what}: it returned None.",
                          "Did you forget `return context, weights`?", _ATTENTION_HINT)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            return report(False, f"{what}: it returned {short(result)}, not a pair.",
                          "Return two arrays, in this order: return context, weights.", more)
        context, weights = as_floats(result[0]), as_floats(result[1])
        expected_context, expected_weights = masked_attention_reference(*args)
        if context is None or weights is None:
            return report(False, f"{what}: it returned {short(result[0])} and "
                                 f"{short(result[1])}, not two arrays of numbers.",
                          _ATTENTION_HINT, more)
        if close(context, expected_weights) and close(weights, expected_context):
            return report(False, f"{what}: context and weights come in the wrong order.",
                          "Return context first, then the weights: return context, weights.")
        shown = f"query {args[0].shape}, keys {args[1].shape}, values {args[2].shape}"
        if weights.shape != expected_weights.shape:
            return report(False, f"{what}: for {shown} the weights have shape {weights.shape}, "
                                 f"expected {expected_weights.shape}.",
                          "The weights have one row per query and one column per key: "
                          "query @ np.swapaxes(keys, -1, -2) (works with a batch axis too).",
                          more)
        if not close(weights, expected_weights):
            hint = _ATTENTION_HINT
            for wrong, wrong_hint in _ATTENTION_MISTAKES:
                try:
                    with np.errstate(all="ignore"):
                        if close(weights, wrong(*args)):
                            hint = wrong_hint
                            break
                except Exception:  # noqa: BLE001 - a mistake model that does not apply
                    continue
            return report(False, f"{what}: for {shown} the weights are not right.", hint, more)
        if not close(context, expected_context):
            return report(False, f"{what}: the weights are right but the context is not "
                                 f"(got {short(context)}).",
                          "The context is the weighted average of the values: weights @ values.",
                          more)
    return report(True, what)


# ---------------------------------------------------------------------------
# Exercise 2: the sinusoidal position encoding of "Attention Is All You Need"


def positional_encoding_reference(length: int, depth: int) -> np.ndarray:
    """PE[p, 2i] = sin(p / 10000^(2i/depth)), PE[p, 2i+1] = cos(same)."""
    positions = np.arange(length)[:, None]
    angles = positions / 10000.0 ** (np.arange(0, depth, 2) / depth)
    encoding = np.zeros((length, depth))
    encoding[:, 0::2], encoding[:, 1::2] = np.sin(angles), np.cos(angles)
    return encoding


def _pe_swapped(length: int, depth: int) -> np.ndarray:
    encoding = positional_encoding_reference(length, depth)
    return encoding[:, np.arange(depth) ^ 1]  # columns 0<->1, 2<->3, ...


def _pe_column_exponent(length: int, depth: int) -> np.ndarray:
    angles = np.arange(length)[:, None] / 10000.0 ** (np.arange(depth) / depth)
    encoding = np.sin(angles)
    encoding[:, 1::2] = np.cos(angles[:, 1::2])
    return encoding


def _pe_halves(length: int, depth: int) -> np.ndarray:
    encoding = positional_encoding_reference(length, depth)
    return np.concatenate([encoding[:, 0::2], encoding[:, 1::2]], axis=1)


def _pe_transposed(length: int, depth: int) -> np.ndarray:
    return positional_encoding_reference(length, depth).T


def _pe_from_one(length: int, depth: int) -> np.ndarray:
    return positional_encoding_reference(length + 1, depth)[1:]


def _pe_no_factor_two(length: int, depth: int) -> np.ndarray:
    angles = np.arange(length)[:, None] / 10000.0 ** (np.arange(depth // 2) / depth)
    encoding = np.zeros((length, depth))
    encoding[:, 0::2], encoding[:, 1::2] = np.sin(angles), np.cos(angles)
    return encoding


@checker
def check_positional_encoding(positional_encoding: Callable[[int, int], Any]) -> CheckResult:
    """`positional_encoding(length, depth)`: sines in the even columns, cosines in the odd
    ones, one frequency per pair of columns."""
    cases = [((length, depth), positional_encoding_reference(length, depth))
             for length, depth in ((6, 4), (12, 16), (3, 2), (50, 32))]
    return check_cases(
        "positional_encoding(length, depth): the sinusoidal position encoding",
        positional_encoding,
        cases,
        hint="angles = positions[:, None] / 10000 ** (np.arange(0, depth, 2) / depth) has one "
             "column per pair; put np.sin(angles) in columns 0::2 and np.cos(angles) in 1::2.",
        more="Row 0 (position 0) must be 0, 1, 0, 1, ...; the first two columns of row p are "
             "sin(p) and cos(p).",
        mistakes=[
            (_pe_swapped, "Sines go in the even columns (0, 2, ...), cosines in the odd ones."),
            (_pe_column_exponent, "The two columns of a pair share one frequency: the exponent "
                                  "is 2i / depth with i the pair index, i.e. "
                                  "np.arange(0, depth, 2) / depth, not every column's index."),
            (_pe_halves, "Interleave the columns (sin in 0::2, cos in 1::2) instead of putting "
                         "all sines first and all cosines after."),
            (_pe_transposed, "Return shape (length, depth): one row per position."),
            (_pe_from_one, "Positions start at 0: np.arange(length)."),
            (_pe_no_factor_two, "The exponent is 2i / depth: use np.arange(0, depth, 2) / depth "
                                "(or 2 * np.arange(depth // 2) / depth)."),
        ],
        atol=1e-6,
    )


# ---------------------------------------------------------------------------
# Exercise 3 (experiment): the attention seq2seq model trained to sort, re-measured here

#: Length of the strings the sorting model is trained on and checked with.
SORT_LENGTH = 8
#: Fresh strings the checker decodes.
SORT_TEST_STRINGS = 300
#: Token id of the start token (the digits are 0-9).
START = 10


class _Wrong(Exception):
    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def _source_length(model: Any) -> int:
    """Length of the model's "source" input; raises `_Wrong` when it has none."""
    inputs = getattr(model, "inputs", None)
    names = {}
    if isinstance(inputs, (list, tuple)):
        for tensor in inputs:
            name = getattr(tensor, "name", None)
            if isinstance(name, str):
                names[name.split(":")[0]] = getattr(tensor, "shape", None)
    if "source" not in names or "target_in" not in names:
        raise _Wrong("the model has no inputs named 'source' and 'target_in'.",
                     "Build it with build_seq2seq(8) and pass model_sort, the first model it "
                     "returns.")
    shape = names["source"]
    try:
        length = int(shape[1])
    except (TypeError, ValueError, IndexError):
        raise _Wrong(f"its 'source' input has shape {short(shape)}, not (None, 8).",
                     "Build it with build_seq2seq(8).") from None
    if length != SORT_LENGTH:
        raise _Wrong(f"it reads strings of {length} digits; the experiment uses "
                     f"{SORT_LENGTH}.", f"Build it with build_seq2seq({SORT_LENGTH}).")
    return length


def greedy_decode_reference(model: Any, source: np.ndarray) -> np.ndarray:
    """Greedy decoding by re-running `model` on the growing prefix (as in the notebook)."""
    import course_utils

    n, length = source.shape
    target_in = np.full((n, length), START, dtype="int32")
    output = np.zeros((n, length), dtype="int32")
    for t in range(length):
        inputs = {"source": source.astype("int32"), "target_in": target_in}
        probs = as_floats(model.predict(course_utils.to_dataset(inputs, batch_size=500),
                                        verbose=0))
        if probs is None or probs.shape != (n, length, START + 1):
            raise _Wrong(f"the model returned {short(probs)} for {n} strings, expected "
                         f"probabilities of shape ({n}, {length}, {START + 1}).",
                         "Pass model_sort, the first model build_seq2seq returns (not the "
                         "weights model).")
        output[:, t] = probs[:, t].argmax(axis=-1)
        if t + 1 < length:
            target_in[:, t + 1] = output[:, t]
    return output


@checker
def check_sorting_model(model_sort: Any) -> CheckResult:
    """Experiment: the attention seq2seq model trained to sort 8-digit strings; the checker
    measures its exact match on fresh strings."""
    what = f"exact match of the sorting model on {SORT_TEST_STRINGS} fresh {SORT_LENGTH}-digit strings"
    if is_stub(model_sort):
        raise NotDone(what)
    if not callable(getattr(model_sort, "predict", None)):
        return report(False, f"{what}: expected the trained Keras model, got "
                             f"{type(model_sort).__name__}.",
                      "Pass model_sort from model_sort, weights_sort = build_seq2seq(8), "
                      "after training it.")
    source = np.random.default_rng(1414).integers(0, 10, size=(SORT_TEST_STRINGS, SORT_LENGTH))

    def decode() -> Any:
        try:
            return greedy_decode_reference(model_sort, source)
        except _Wrong as wrong:  # returned, so that run_limited keeps its message
            return wrong

    try:
        _source_length(model_sort)
        decoded = run_limited(decode)
    except _Wrong as wrong:
        return report(False, f"{what}: {wrong.message}", wrong.hint)
    except Failure as exc:
        return report(False, f"{what}: decoding fresh strings failed: {exc}.",
                      "Pass model_sort, built with build_seq2seq(8) and trained.")
    if isinstance(decoded, _Wrong):
        return report(False, f"{what}: {decoded.message}", decoded.hint)
    exact = float(np.mean(np.all(decoded == np.sort(source, axis=1), axis=1)))
    reversed_exact = float(np.mean(np.all(decoded == source[:, ::-1], axis=1)))
    if reversed_exact > 0.5:
        return report(False, f"{what}: measured {exact:.4f}; the model reverses the strings "
                             f"({reversed_exact:.0%} of them).",
                      "Train on sorted targets: make_data(..., task=np.sort).")
    return check_band(
        # Bands: 4 smoke seeds (0, 1, 2, 42) gave 0.960-0.990; the full band is PROVISIONAL
        # (not measured in full: 5x the strings and 2x the epochs of smoke).
        what, exact, smoke=(0.75, 1.0), full=(0.85, 1.0),
        hint="Train model_sort like model: build_seq2seq(8) with attention, make_data(n_train, "
             "8, rng, task=np.sort), train_seq2seq with the same epochs. Did fit run to the end?",
        more="An untrained model, or one without attention, sorts far fewer strings exactly.")
