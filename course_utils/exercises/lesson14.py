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
    (_weights_unscaled, "The scores are not scaled: divide them by the square root of d, the "
                        "size of the queries and keys, before the softmax."),
    (_weights_scaled_by_d, "Divide the scores by the square root of d, not by d itself."),
    (_weights_mask_ignored, "The mask is not applied: masked pairs still get weight. Change "
                            "their scores before the softmax so that it gives them exactly 0."),
    (_weights_mask_after_softmax, "Multiplying the weights by the mask after the softmax leaves "
                                  "rows that no longer sum to 1: mask the scores, before the "
                                  "softmax, instead."),
    (_weights_scores_times_mask, "A masked score of 0 still gets the weight exp(0) > 0: which "
                                 "score does the softmax turn into a weight of exactly 0?"),
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


_ATTENTION_HINT = ("Scaled dot-product attention in four steps: the scores are the query-key "
                   "dot products divided by the square root of their size d; masked pairs "
                   "get a score that the softmax turns into exactly 0; the softmax runs over "
                   "the keys; the context is the average of the values under these weights.")
_BATCH_HINT = ("The arrays may carry batch axes in front of (T, d): transpose only the last two "
               "axes of keys (.T reverses all of them).")


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
            hint = _BATCH_HINT if args[0].ndim > 2 else _ATTENTION_HINT
            return report(False, f"{what}: {error}.", hint, more)
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
                          "The weights have one row per query and one column per key. "
                          + _BATCH_HINT,
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
                          "The context is the weighted average of the values, one per query.",
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


def _pe_integer_division(length: int, depth: int) -> np.ndarray:
    angles = np.arange(length)[:, None] / 10000.0 ** (np.arange(0, depth, 2) // depth)
    encoding = np.zeros((length, depth))
    encoding[:, 0::2], encoding[:, 1::2] = np.sin(angles), np.cos(angles)
    return encoding


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
        hint="One frequency per pair of columns: pair i (columns 2i and 2i + 1) divides the "
             "position by 10000 to the power 2i / depth; the sine goes in the even column of "
             "the pair, the cosine in the odd one.",
        more="Row 0 (position 0) must be 0, 1, 0, 1, ...; the first two columns of row p are "
             "sin(p) and cos(p).",
        mistakes=[
            (_pe_swapped, "Sines go in the even columns (0, 2, ...), cosines in the odd ones."),
            (_pe_column_exponent, "The two columns of a pair share one frequency: the exponent "
                                  "is 2i / depth with i the pair index, not each column's own "
                                  "index."),
            (_pe_halves, "Interleave the columns (sin in 0::2, cos in 1::2) instead of putting "
                         "all sines first and all cosines after."),
            (_pe_transposed, "Return shape (length, depth): one row per position."),
            (_pe_from_one, "Positions start at 0: np.arange(length)."),
            (_pe_integer_division, "Every pair has the same frequency: the exponent 2i / depth "
                                   "was computed with integer division (//), which gives 0. "
                                   "Divide with /."),
            (_pe_no_factor_two, "The exponent is 2i / depth with i the pair index; yours is "
                                "i / depth."),
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
#: Bands of the exact match on the checker's strings, by profile
#: (provenance: tests/benchmarks/bands/14_attention_seq2seq.md).
SORT_BANDS = {"smoke": (0.75, 1.0), "full": (0.85, 1.0)}


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


def greedy_exact_match(model: Any, source: np.ndarray, targets: np.ndarray) -> float:
    """Fraction of `source` strings that greedy decoding turns exactly into `targets`.

    Computed in one teacher-forced pass: greedy decoding reproduces a target string exactly
    if and only if, fed the true previous digits, the model predicts every digit right (by
    induction on the steps, its own guesses are then the true digits). The model is called
    eagerly, not `predict`-ed: `predict` traces a new tf.function for every fresh model, and
    TensorFlow warns about retracing when the checker runs several times."""
    n, length = targets.shape
    target_in = np.concatenate([np.full((n, 1), START), targets[:, :-1]], axis=1)
    inputs = {"source": source.astype("int32"), "target_in": target_in.astype("int32")}
    probs = as_floats(model(inputs, training=False))
    if probs is None or probs.shape != (n, length, START + 1):
        raise _Wrong(f"the model returned {short(probs)} for {n} strings, expected "
                     f"probabilities of shape ({n}, {length}, {START + 1}).",
                     "Pass model_sort, the first model build_seq2seq returns (not the "
                     "weights model).")
    return float(np.mean(np.all(probs.argmax(axis=-1) == targets, axis=1)))


_ATTENTION_LAYERS = ("Attention", "AdditiveAttention", "MultiHeadAttention")


def _has_attention(model: Any) -> bool:
    """Whether the model has an attention layer (False when it has no layer list)."""
    return any(type(layer).__name__ in _ATTENTION_LAYERS
               for layer in list(getattr(model, "layers", None) or []))


@checker
def check_sorting_model(model_sort: Any) -> CheckResult:
    """Experiment: the attention seq2seq model trained to sort 8-digit strings; the checker
    measures its exact match on fresh strings."""
    what = f"exact match of the sorting model on {SORT_TEST_STRINGS} fresh {SORT_LENGTH}-digit strings"
    if is_stub(model_sort):
        raise NotDone(what)
    if not callable(model_sort) or isinstance(model_sort, type):
        return report(False, f"{what}: expected the trained Keras model, got "
                             f"{type(model_sort).__name__}.",
                      "Pass model_sort from model_sort, weights_sort = build_seq2seq(8), "
                      "after training it.")
    source = np.random.default_rng(1414).integers(0, 10, size=(SORT_TEST_STRINGS, SORT_LENGTH))

    def measure() -> Any:
        try:
            return (greedy_exact_match(model_sort, source, np.sort(source, axis=1)),
                    greedy_exact_match(model_sort, source, source[:, ::-1]))
        except _Wrong as wrong:  # returned, so that run_limited keeps its message
            return wrong

    try:
        _source_length(model_sort)
    except _Wrong as wrong:
        return report(False, f"{what}: {wrong.message}", wrong.hint)
    try:
        measured = run_limited(measure)
    except Failure as exc:
        return report(False, f"{what}: running the model on fresh strings failed: {exc}.",
                      "Pass model_sort, built with build_seq2seq(8) and trained.")
    if isinstance(measured, _Wrong):
        return report(False, f"{what}: {measured.message}", measured.hint)
    exact, reversed_exact = measured
    if not _has_attention(model_sort):
        return report(False, f"{what}: measured {exact:.4f}; the model has no attention layer.",
                      "The experiment asks what attention does on a task with no fixed "
                      "alignment: train the model of section 3, with attention.")
    if reversed_exact > 0.5:
        return report(False, f"{what}: measured {exact:.4f}; the model reverses the strings "
                             f"({reversed_exact:.0%} of them).",
                      "Train on sorted targets: make_data(..., task=np.sort).")
    return check_band(
        what, exact, smoke=SORT_BANDS["smoke"], full=SORT_BANDS["full"],
        hint="Far too few strings come out sorted: was the model trained on sorted targets, "
             "with the budget of section 4 (strings, batch size, epochs)? Did fit run to the end?",
        more="An untrained model sorts almost no string exactly; train on "
             "make_data(..., task=np.sort) and keep section 4's optimiser and learning rate.")
