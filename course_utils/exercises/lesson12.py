"""Checkers for notebook 12 (sentiment classification on IMDB).

1. `check_bag_of_words`: a review's word counts from its padded integer sequence (the step
   from one-hot vectors of section 2 to a bag of words).
2. `check_slide_loss`: deck 000's loss, softmax cross-entropy on one sigmoid output,
   measured on the trained model: its value (always 0), its gradient with respect to the
   model's outputs (not 0: TensorFlow's gradient assumes labels that sum to 1, so negative
   reviews push every output down) and what a model trained with it predicts (every review
   negative).
3. `check_nearest_words`: the nearest words of a word in an embedding, by cosine similarity
   (section 10 draws the embedding in 2-D; this measures it in all its dimensions).
4. `check_order_free_model` (the experiment): a model designed so that its answer cannot
   depend on word order, trained; the checker shuffles the words of test reviews to test
   that property (a recurrent, convolutional or flattening model fails it), then measures
   the test accuracy itself against a band per profile.

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
    as_number,
    call_in_batches,
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

__all__ = [
    "check_bag_of_words",
    "check_nearest_words",
    "check_order_free_model",
    "check_slide_loss",
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
        (np.array([[4, 4, 4, 1, 0], [3, 2, 5, 5, 1]]), 6),  # <= 12 numbers: shown in full
        (np.array([[0, 0, 0], [1, 1, 2]]), 3),
        (np.array([[6, 2, 2, 2, 7, 3, 3, 0]]), 8),
    ]
    return check_cases(
        "bag_of_words(sequences, vocab_size) counts each review's words",
        bag_of_words,
        [((s, v), _bag(s, v)) for s, v in cases],
        hint="A bag of words counts, for each review, how many times each token id occurs in "
             "it: one row per review, one column per id, and the padding (id 0) is not a word.",
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


# --------------------------------------------------------------------------- 2. the slide's loss

#: What a model trained long with the slide's loss answers, in the words a student may use.
_ANSWERS = {"negative": "negative", "neg": "negative", "0": "negative",
            "positive": "positive", "pos": "positive", "1": "positive"}


@checker
def check_slide_loss(slide_loss: Any, output_gradient: Any, trained_with_it_predicts: Any,
                     y_batch: Any) -> CheckResult:
    """The deck's loss, softmax_cross_entropy_with_logits on one sigmoid output: its value,
    its gradient with respect to the model's outputs, and what training with it leads to.

    For a batch of n labels y (the loss averaged over the batch) the loss is 0 whatever the
    model outputs (a softmax over one output is 1), but TensorFlow's gradient of this op is
    softmax - labels, divided by n: (1 - y) / n, not 0. The checker needs only the labels.
    """
    what = "the slide's loss on model_lstm"
    if all(is_stub(a) for a in (slide_loss, output_gradient, trained_with_it_predicts)):
        raise NotDone(what)
    y = as_floats(y_batch)
    if y is None or y.size < 2 or not np.all(np.isin(y, (0, 1))):
        return report(False, f"{what}: call the checker as in the cell, with the labels of "
                             "the batch (y_train[:32]).")
    y = y.reshape(-1)
    expected = (1 - y) / len(y)
    loss = as_number(slide_loss)
    if loss is None:
        return report(False, f"{what}: slide_loss should be one number, got "
                             f"{short(slide_loss)}.",
                      "Average the slide's loss over the batch and turn it into a float.")
    if abs(loss) > 1e-5:
        return report(False, f"{what}: slide_loss is {loss:.4g}, not the slide's loss on this "
                             "batch.",
                      "Call tf.nn.softmax_cross_entropy_with_logits with the labels first "
                      "and the model's output second, then average over the batch.",
                      "Look at the output's shape: how many classes does a softmax see here?")
    gradient = as_floats(output_gradient)
    if gradient is None or gradient.size != len(y):
        return report(False, f"{what}: output_gradient should hold one number per review "
                             f"({len(y)}), got {short(output_gradient)}.",
                      "Ask the tape for the gradient of the loss with respect to the model's "
                      "output tensor (watch it first): one number per review.")
    gradient = gradient.reshape(-1)
    if not close(gradient, expected, atol=1e-6, rtol=1e-4):
        if not np.any(gradient):
            hint = ("You reasoned that a loss equal to 0 everywhere has no gradient. Measure "
                    "it: record the loss under a gradient tape and ask the tape.")
        elif close(gradient, expected * len(y), atol=1e-6, rtol=1e-4):
            hint = "Average the loss over the batch (a mean, not a sum) before differentiating."
        elif np.any(gradient[y == 1] < -1e-6):
            hint = ("Negative values for positive reviews: that is the gradient of binary "
                    "cross-entropy, the loss section 5 trains with. Differentiate the "
                    "slide's loss instead.")
        else:
            hint = ("Differentiate the batch mean of the slide's loss with respect to the "
                    "model's outputs (the tensor you passed as logits).")
        return report(False, f"{what}: output_gradient is {short(gradient)}, not the gradient "
                             "of the slide's loss.", hint,
                      "Compare the gradient of the positive reviews with that of the "
                      "negative ones.")
    answer = _ANSWERS.get(str(trained_with_it_predicts).strip().lower().strip("\"'. "))
    if answer != "negative":
        return report(False, f"{what}: the loss and its gradient are right; "
                             f"trained_with_it_predicts = {short(trained_with_it_predicts)} "
                             "is not.",
                      "Look at which reviews give a gradient that is not zero, and at the "
                      "direction in which gradient descent then moves their output.",
                      "Answer with one of the three strings of the exercise.")
    return report(True, f"{what}: 0 for any output, a gradient from negative reviews only, "
                        "a model that calls every review negative")


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


def _shown(value: Any) -> str:
    """A list of words as the words themselves, anything else as `short` renders it."""
    words = _as_words(value)
    if words is None:
        return short(value)
    text = " ".join(str(words).split())
    return text if len(text) < 90 else text[:87] + "..."


@checker
def check_nearest_words(nearest_words: Callable[..., list[str]]) -> CheckResult:
    """nearest_words(embeddings, vocabulary, word, k): the k words of largest cosine similarity.

    `embeddings` has one row per word of `vocabulary` (same order); the answer lists the k
    other words whose vectors make the smallest angle with `word`'s, most similar first.
    """
    what = "nearest_words(embeddings, vocabulary, word, k) ranks words by cosine similarity"
    hint = ("Cosine similarity is the dot product of two vectors divided by the product of "
            "their lengths: it compares directions only. Rank every other word by it, largest "
            "first, and keep k.")
    for args, expected in _nearest_cases():
        emb, vocab, word, k = args
        result, error = call_safely(nearest_words, emb.copy(), list(vocab), word, k)
        if error:
            return report(False, f"{what}: {error}.", hint)
        words = _as_words(result)
        if words is None:
            return report(False, f"{what}: for word={word!r}, k={k} it returned {_shown(result)}, "
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
        return report(False, f"{what}: for word={word!r}, k={k} it returned {_shown(words)}, "
                             f"expected {expected}.", specific,
                      "For 'good' the nearest word is 'great': its vector is five times longer "
                      "but points almost the same way.")
    return report(True, what)


# --------------------------------------------------------------------------- 4. the experiment

#: Test-accuracy bands of the order-free model (exercise 4); their provenance is in
#: tests/benchmarks/bands/12_imdb_sentiment.md.
POOLING_SMOKE = (0.74, 1.0)
POOLING_FULL = (0.84, 1.0)
#: Test reviews the checker predicts (the first ones of the set passed).
MAX_CHECKED = 2000
#: Reviews whose words the checker shuffles, and the largest change of a predicted
#: probability that still counts as "the same" (float sums in another order differ by ~1e-7).
SHUFFLED, ORDER_TOLERANCE = 200, 1e-3
_RECURRENT = ("LSTM", "GRU", "RNN", "Bidirectional")
_TRAIN_HINT = ("Train it for several epochs on x_train_seq, y_train with Adam and "
               "binary cross-entropy, watching the validation accuracy: a model with so few "
               "weights trains fast, so give it epochs.")
_ORDER_HINT = ("A layer that looks at positions (Flatten, a convolution, a recurrent layer) "
               "sees the order. Combine the word vectors with an operation that gives the "
               "same result for any order of its inputs, over the sequence axis.")


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


def shuffle_words(x: np.ndarray, seed: int = 0) -> np.ndarray:
    """Each row's non-zero tokens shuffled among their own positions (padding stays put)."""
    rng = np.random.default_rng(seed)
    out = np.array(x, copy=True)
    for row in out:
        words = np.flatnonzero(row)
        row[words] = row[rng.permutation(words)]
    return out


def _layer_names(model: Any) -> list[str]:
    names = []
    for layer in getattr(model, "layers", []) or []:
        names.append(type(layer).__name__)
        names.extend(_layer_names(layer) if hasattr(layer, "layers") else [])
        inner = getattr(layer, "forward_layer", None) or getattr(layer, "layer", None)
        if inner is not None and not isinstance(inner, (list, tuple)):
            names.append(type(inner).__name__)
    return names


def _probabilities(model: Any, x: np.ndarray) -> np.ndarray:
    outputs = call_in_batches(model, x)
    return outputs[0] if len(outputs) == 1 else np.full((len(x), 2), np.nan)


@checker
def check_order_free_model(model: Any, x_test_seq: Any, y_test: Any) -> CheckResult:
    """Experiment: a trained model whose prediction does not depend on the order of the
    words; the checker shuffles the words of test reviews, then measures its test accuracy.

    `model` maps integer sequences to a probability of a positive review; the checker
    predicts the first `MAX_CHECKED` reviews of `x_test_seq` and compares the accuracy with
    the band of the profile (smoke: a few thousand reviews; full: the 25,000).
    """
    what = "test accuracy of a model that ignores word order"
    if is_stub(model):
        raise NotDone(what)
    if not callable(model) or not hasattr(model, "layers"):
        return report(False, f"{what}: expected a Keras model, got {type(model).__name__}.",
                      "Pass the model you built and trained (model_pool), not its history "
                      "or its accuracy.")
    try:
        names = run_limited(lambda: _layer_names(model))
    except Failure:
        names = []
    recurrent = [n for n in names if any(r in n for r in _RECURRENT)]
    if recurrent:
        return report(False, f"{what}: the model has a recurrent layer ({recurrent[0]}), "
                             "which reads the words in order.", _ORDER_HINT)
    try:
        x, y = _sequences(x_test_seq, y_test)
        probs = run_limited(lambda: _probabilities(model, x))
        shuffled = run_limited(lambda: _probabilities(model, shuffle_words(x[:SHUFFLED])))
    except Failure as exc:
        return report(False, f"{what}: {exc}.", "Call the checker as in the cell: "
                      "pass your model, x_test_seq and y_test.")
    if probs.shape not in ((len(y), 1), (len(y),)) or not np.all(np.isfinite(probs)):
        return report(False, f"{what}: its predictions have shape {probs.shape}, expected "
                             f"({len(y)}, 1) finite probabilities.",
                      "End the model with one unit and a sigmoid: one probability per review.")
    if probs.min() < 0 or probs.max() > 1:
        return report(False, f"{what}: its outputs are not probabilities (from {probs.min():.3g} "
                             f"to {probs.max():.3g}).",
                      "End the model with one unit and a sigmoid: one probability per review.")
    change = float(np.max(np.abs(shuffled.reshape(-1) - probs[:SHUFFLED].reshape(-1))))
    if not change <= ORDER_TOLERANCE:
        return report(False, f"{what}: shuffling the words of a review changes its predicted "
                             f"probability by up to {change:.3f}: the model uses their order.",
                      _ORDER_HINT)
    accuracy = float(np.mean((probs.reshape(-1) > 0.5) == y))
    if accuracy < 0.6:
        return report(False, f"{what}: measured {accuracy:.4f}, close to chance (0.5).",
                      "It looks untrained: call fit after compile. " + _TRAIN_HINT)
    return check_band(what, accuracy, smoke=POOLING_SMOKE, full=POOLING_FULL, hint=_TRAIN_HINT,
                      more="Train a new model from scratch on x_train_seq, y_train, with "
                           "validation data to watch it.")
