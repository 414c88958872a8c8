"""Checkers for notebook 12 (sentiment classification on IMDB).

1. `check_bag_of_words`: a review's word counts from its padded integer sequence (the step
   from one-hot vectors of section 2 to a bag of words).
2. `check_bilstm_params`: the parameter count of `Bidirectional(LSTM(units))` on vectors of
   a given size (section 5 reads it from the summary; here as a formula).
3. `check_nearest_words`: the nearest words of a word in an embedding, by cosine similarity
   (section 10 draws the embedding in 2-D; this measures it in all its dimensions).
4. `check_average_pooling_model` (the experiment): Embedding -> GlobalAveragePooling1D ->
   Dense(1), a model that ignores word order, trained; the checker measures its test
   accuracy itself and compares it with a band per profile.

Every checker prints one line (`[PASS]`, `[FAIL] ... Hint: ...` or `[TODO] ... not done
yet`), returns a result that is true only on a pass, and never raises or hangs, whatever it
is given (see `course_utils.checks`). Importing this module does not import TensorFlow.
"""

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
    is_stub,
    report,
    run_limited,
    short,
)

__all__ = [
    "check_average_pooling_model",
    "check_bag_of_words",
    "check_bilstm_params",
    "check_nearest_words",
]


# --------------------------------------------------------------------------- 1. bag of words


def _bag(sequences: np.ndarray, vocab_size: int) -> np.ndarray:
    counts = np.zeros((len(sequences), vocab_size))
    for i, row in enumerate(np.asarray(sequences)):
        counts[i] = np.bincount(row, minlength=vocab_size)[:vocab_size]
    counts[:, 0] = 0.0  # padding is not a word
    return counts


@checker
def check_bag_of_words(bag_of_words: Callable[[np.ndarray, int], np.ndarray]) -> CheckResult:
    """bag_of_words(sequences, vocab_size): each review's word counts, padding left out.

    `sequences` holds integer token ids as made by TextVectorization (0 is padding, 1 the
    out-of-vocabulary token [UNK]); the answer has shape `(n, vocab_size)`, entry `[i, j]`
    the number of times token j occurs in review i, and column 0 all zeros.
    """
    cases = [
        (np.array([[2, 3, 2, 0, 0]]), 5),
        (np.array([[4, 4, 4, 1, 0], [2, 0, 0, 0, 0], [3, 2, 5, 5, 1]]), 6),
        (np.array([[0, 0, 0], [1, 1, 2]]), 3),
        (np.array([[6, 2, 2, 2, 7, 3, 3, 0]]), 8),
    ]
    return check_cases(
        "bag_of_words(sequences, vocab_size) counts each review's words",
        bag_of_words,
        [((s, v), _bag(s, v)) for s, v in cases],
        hint="Make an array of zeros of shape (len(sequences), vocab_size); for each review, add 1 "
             "at every token id it contains (np.bincount(row, minlength=vocab_size) does it for a "
             "row), then set column 0, the padding, to 0.",
        more="For [[2, 3, 2, 0, 0]] and vocab_size 5 the answer is [[0, 0, 2, 1, 0]]: token 2 "
             "twice, token 3 once, the two padding zeros not counted.",
        mistakes=[
            (lambda s, v: _bag(s, v) + np.eye(v)[0] * (np.asarray(s) == 0).sum(axis=1, keepdims=True),
             "Column 0 counts the padding: padding is not a word, leave column 0 at 0."),
            (lambda s, v: (_bag(s, v) > 0).astype(float),
             "That is a multi-hot vector (is the word there or not): count how many times each "
             "word occurs."),
            (lambda s, v: _bag(s, v) / np.maximum(1, _bag(s, v).sum(axis=1, keepdims=True)),
             "Return counts, not frequencies: do not divide by the review's length."),
            (lambda s, v: _bag(s, v).sum(axis=0, keepdims=True),
             "One row per review: count each review's words separately, not over all reviews."),
            (lambda s, v: _bag(s, v).T, "The shape is (number of reviews, vocab_size): one row "
                                         "per review."),
            (lambda s, v: _bag(s, v) * (np.arange(v) != 1),
             "[UNK] (id 1) stands for real words outside the vocabulary: count it like any other."),
        ],
    )


# --------------------------------------------------------------------------- 2. BiLSTM parameters


def _bilstm(input_dim: int, units: int) -> int:
    return 2 * 4 * (units * (input_dim + units) + units)


@checker
def check_bilstm_params(bilstm_params: Callable[[int, int], int]) -> CheckResult:
    """bilstm_params(input_dim, units): parameters of Bidirectional(LSTM(units)).

    The layer reads vectors of size `input_dim` (e.g. an embedding's output); the answer
    counts every weight and bias of both directions.
    """
    cases = [(128, 64), (32, 32), (1, 1), (100, 16), (300, 128), (16, 50)]
    return check_cases(
        "bilstm_params(input_dim, units) counts a bidirectional LSTM's parameters",
        bilstm_params,
        [(args, _bilstm(*args)) for args in cases],
        hint="An LSTM has 4 gate-like blocks (input, forget, cell candidate, output); each has "
             "an input weight matrix (input_dim x units), a recurrent one (units x units) and a "
             "bias (units). Bidirectional holds two LSTMs, one per direction.",
        more="For the deck's model, bilstm_params(128, 64) is 98,816: "
             "2 x 4 x (64 x (128 + 64) + 64).",
        mistakes=[
            (lambda d, u: 4 * (u * (d + u) + u), "That is one LSTM: Bidirectional runs two, one "
                                                 "in each direction, with their own weights."),
            (lambda d, u: 2 * (u * (d + u) + u), "An LSTM has four blocks of weights (input, "
                                                 "forget and output gates, and the cell "
                                                 "candidate), not one."),
            (lambda d, u: 2 * 4 * u * (d + u), "Each of the four blocks also has a bias of "
                                               "`units` numbers."),
            (lambda d, u: 2 * 4 * (u * d + u), "Each block also has recurrent weights: "
                                               "units x units, from the previous hidden state."),
            (lambda d, u: 2 * 3 * (u * (d + u) + 2 * u), "That is a GRU (3 blocks, Keras' two "
                                                         "bias rows): an LSTM has 4 blocks and "
                                                         "one bias each."),
            (lambda d, u: 2 * 4 * (u * (d + u) + u) + 2 * u, "Bidirectional adds no parameters "
                                                             "of its own: only its two LSTMs."),
        ],
    )


# --------------------------------------------------------------------------- 3. nearest words


def _nearest(embeddings: np.ndarray, vocabulary: list[str], word: str, k: int) -> list[str]:
    e = np.asarray(embeddings, dtype=float)
    unit = e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12)
    i = list(vocabulary).index(word)
    sims = unit @ unit[i]
    sims[i] = -np.inf
    order = np.argsort(-sims, kind="stable")
    return [vocabulary[j] for j in order[:k]]


def _by_score(scores: np.ndarray, vocabulary: list[str], i: int, k: int) -> list[str]:
    scores = np.asarray(scores, dtype=float).copy()
    scores[i] = -np.inf
    return [vocabulary[j] for j in np.argsort(-scores, kind="stable")[:k]]


def _nearest_cases() -> list[tuple[tuple[Any, ...], list[str]]]:
    vocab = ["", "[UNK]", "good", "great", "bad", "awful", "fine", "movie"]
    emb = np.array([
        [0.0, 0.0, 0.01], [0.1, 0.1, 0.1],
        [1.0, 0.1, 0.0],   # good
        [5.0, 1.0, 0.2],   # great: same direction as good, much longer
        [-1.0, 0.0, 0.1],  # bad
        [-3.0, 0.3, 0.0],  # awful
        [0.6, -0.6, 0.0],  # fine: closer to good in distance, less in angle than great
        [0.1, 1.0, 0.9],   # movie
    ])
    return [((emb, vocab, w, k), _nearest(emb, vocab, w, k))
            for w, k in (("good", 2), ("bad", 1), ("good", 3), ("movie", 2))]


def _as_words(result: Any) -> list[str] | None:
    if isinstance(result, (str, bytes)) or not hasattr(result, "__len__"):
        return None
    try:
        items = list(result)
    except Exception:  # noqa: BLE001
        return None
    return [str(w) for w in items] if all(isinstance(w, (str, np.str_)) for w in items) else None


@checker
def check_nearest_words(nearest_words: Callable[..., list[str]]) -> CheckResult:
    """nearest_words(embeddings, vocabulary, word, k): the k words of largest cosine similarity.

    `embeddings` has one row per word of `vocabulary` (same order); the answer lists the k
    other words whose vectors make the smallest angle with `word`'s, most similar first.
    """
    what = "nearest_words(embeddings, vocabulary, word, k) ranks words by cosine similarity"
    hint = ("Divide each row by its length (np.linalg.norm(..., axis=1, keepdims=True)); the "
            "cosine similarities with the word are then one matrix-vector product. Leave the word "
            "itself out, sort from the largest similarity down, and return the first k words.")
    for args, expected in _nearest_cases():
        emb, vocab, word, k = args
        result, error = call_safely(nearest_words, emb.copy(), list(vocab), word, k)
        if error:
            return report(False, f"{what}: {error}.", hint)
        words = _as_words(result)
        if words is None:
            return report(False, f"{what}: for word={word!r}, k={k} it returned {short(result)}, "
                                 "expected a list of words.",
                          "Return the words themselves (vocabulary[j]), not their indices or "
                          "similarities.")
        if words == expected:
            continue
        i = vocab.index(word)
        specific = hint
        if words == _by_score(emb @ emb[i], vocab, i, k):
            specific = ("That ranks by the dot product, which favours long vectors: normalise "
                        "every row to length 1 first (cosine similarity).")
        elif words == _by_score(-np.linalg.norm(emb - emb[i], axis=1), vocab, i, k):
            specific = ("That ranks by Euclidean distance: the question is the angle between "
                        "vectors (cosine similarity), whatever their lengths.")
        elif words[:1] == [word]:
            specific = "Leave the word itself out: it is always its own nearest word."
        elif list(reversed(words)) == expected or words == _by_score(
                -(emb / np.linalg.norm(emb, axis=1, keepdims=True)) @ emb[i], vocab, i, k):
            specific = "Most similar first: sort the similarities in decreasing order."
        elif len(words) != k:
            specific = f"Return exactly k words (here {k})."
        return report(False, f"{what}: for word={word!r}, k={k} it returned {short(words)}, "
                             f"expected {expected}.", specific,
                      "For 'good' the nearest word is 'great': its vector is five times longer "
                      "but points almost the same way.")
    return report(True, what)


# --------------------------------------------------------------------------- 4. the experiment

#: Test-accuracy bands of the average-pooling model (see the notebook's exercise 4).
#: smoke: 5 seeds of the solution; full: the issue's reference (the TensorFlow tutorial's
#: embedding + average-pooling model, 86.9%) minus a margin, not yet re-measured here.
POOLING_SMOKE = (0.70, 1.0)
POOLING_FULL = (0.84, 1.0)
#: Test reviews the checker predicts (the first ones of the set passed).
MAX_CHECKED = 2000
_RECURRENT = ("LSTM", "GRU", "RNN", "Bidirectional")
_TRAIN_HINT = ("Embedding(vocab_size, 16, mask_zero=True) -> GlobalAveragePooling1D -> "
               "Dense(1, sigmoid), compiled with binary_crossentropy and Adam, trained on "
               "x_train_seq, y_train for several epochs (it is fast: try 10).")


def _sequences(x_test: Any, y_test: Any) -> tuple[np.ndarray, np.ndarray]:
    x, y = as_floats(x_test), as_floats(y_test)
    if x is None or y is None or x.ndim != 2 or y.ndim != 1 or len(x) != len(y) or len(y) < 100:
        raise Failure("pass the test reviews as integer sequences (x_test_seq, shape (n, max_len)) "
                      "and their labels y_test (shape (n,)), with n >= 100")
    if not (np.all(np.isfinite(x)) and np.all(x == np.round(x))) or x.min() < 0:
        raise Failure("x_test_seq must hold token ids (whole numbers >= 0), as made by the "
                      "TextVectorization layer of section 2")
    if not np.all(np.isin(y, (0, 1))):
        raise Failure("y_test must hold the labels 0 (negative) and 1 (positive)")
    return x[:MAX_CHECKED].astype(np.int64), y[:MAX_CHECKED].astype(int)


def _layer_names(model: Any) -> list[str]:
    names = []
    for layer in getattr(model, "layers", []) or []:
        names.append(type(layer).__name__)
        names.extend(_layer_names(layer) if hasattr(layer, "layers") else [])
    return names


@checker
def check_average_pooling_model(model: Any, x_test_seq: Any, y_test: Any) -> CheckResult:
    """Experiment: a model that averages word vectors (no recurrence), trained; its test
    accuracy is measured here.

    `model` maps integer sequences to a probability of a positive review; the checker
    predicts the first `MAX_CHECKED` reviews of `x_test_seq` and compares the accuracy with
    the band of the profile (smoke: a few thousand reviews; full: the 25,000).
    """
    what = "test accuracy of the average-pooling model"
    if is_stub(model):
        raise NotDone(what)
    if not callable(getattr(model, "predict", None)):
        return report(False, f"{what}: expected a Keras model, got {type(model).__name__}.",
                      "Pass the model you built and trained (e.g. model_pool), not its history "
                      "or its accuracy.")
    try:
        names = run_limited(lambda: _layer_names(model))
    except Failure:
        names = []
    recurrent = [n for n in names if any(r in n for r in _RECURRENT)]
    if recurrent:
        return report(False, f"{what}: the model has a recurrent layer ({recurrent[0]}).",
                      "The experiment is a model with no recurrence: replace the LSTM by "
                      "layers.GlobalAveragePooling1D(), which averages the word vectors.")
    try:
        x, y = _sequences(x_test_seq, y_test)
        probs = run_limited(lambda: np.asarray(model.predict(x, batch_size=500, verbose=0),
                                               dtype=float))
    except Failure as exc:
        return report(False, f"{what}: {exc}.", "Call the checker as in the cell: "
                      "ex.check_average_pooling_model(model_pool, x_test_seq, y_test).")
    if probs.shape not in ((len(y), 1), (len(y),)) or not np.all(np.isfinite(probs)):
        return report(False, f"{what}: its predictions have shape {probs.shape}, expected "
                             f"({len(y)}, 1) finite probabilities.",
                      "End the model with Dense(1, activation='sigmoid').")
    if probs.min() < 0 or probs.max() > 1:
        return report(False, f"{what}: its outputs are not probabilities (from {probs.min():.3g} "
                             f"to {probs.max():.3g}).",
                      "End the model with Dense(1, activation='sigmoid').")
    accuracy = float(np.mean((probs.reshape(-1) > 0.5) == y))
    if accuracy < 0.6:
        return report(False, f"{what}: measured {accuracy:.4f}, close to chance (0.5).",
                      "It looks untrained: call model_pool.fit(...) after compile. " + _TRAIN_HINT)
    return check_band(what, accuracy, smoke=POOLING_SMOKE, full=POOLING_FULL, hint=_TRAIN_HINT,
                      more="Train a new model from scratch on x_train_seq, y_train, with "
                           "validation data to watch it.")
