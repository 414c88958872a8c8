"""Checkers of notebook 12: a right answer passes, each typical wrong answer fails with its
specific hint, an untouched stub hears "not done yet". (The full answers live in the solution
notebook; the compact ones here only prove that the checkers accept right answers.)"""

import time

import numpy as np
import pytest

from course_utils import checks
from course_utils.exercises import lesson12 as ex
from tests.checker_asserts import stub as _stub, passes as _passes, fails as _fails


@pytest.mark.parametrize("checker", [ex.check_bag_of_words, ex.check_nearest_words])
def test_untouched_function_stub_is_not_done_yet(checker, capsys):
    result = checker(_stub)
    out = capsys.readouterr().out
    assert not result and out.startswith("[TODO]") and "not done yet" in out
    assert "hint" not in out.lower()


# --------------------------------------------------------------------------- 1. bag of words


def _bag(sequences, vocab_size):
    counts = np.zeros((len(sequences), vocab_size))
    for i, row in enumerate(sequences):
        counts[i] = np.bincount(row, minlength=vocab_size)[:vocab_size]
    counts[:, 0] = 0
    return counts


def test_bag_of_words_accepts_right_answers(capsys):
    _passes(ex.check_bag_of_words, _bag, capsys=capsys)

    def one_hot_sum(sequences, vocab_size):
        return (np.eye(vocab_size)[sequences] * (sequences != 0)[..., None]).sum(axis=1)

    _passes(ex.check_bag_of_words, one_hot_sum, capsys=capsys)
    _passes(ex.check_bag_of_words, lambda s, v: _bag(s, v).astype(np.int32).tolist(), capsys=capsys)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda s, v: np.stack([np.bincount(r, minlength=v) for r in s]).astype(float),
         "Column 0 counts the padding"),
        (lambda s, v: (_bag(s, v) > 0).astype(float), "multi-hot"),
        (lambda s, v: _bag(s, v) / np.maximum(1, _bag(s, v).sum(axis=1, keepdims=True)),
         "not frequencies"),
        (lambda s, v: _bag(s, v).sum(axis=0, keepdims=True), "One row per review"),
        (lambda s, v: _bag(s, v) * (np.arange(v) != 1), "[UNK]"),
        (lambda s, v: np.zeros((len(s), v)), "how many times each token id occurs"),
        (lambda s, v: None, "return"),
    ],
)
def test_bag_of_words_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_bag_of_words, wrong, capsys=capsys, hint=hint)


# --------------------------------------------------------------------------- 2. the slide's loss

_Y = (np.arange(32) % 3 == 0).astype(int)  # labels of a batch: 11 positive, 21 negative


def _output_gradient(y, loss="slide", reduce="mean", p=None):
    """The gradient of the batch's loss with respect to the model's outputs, by TensorFlow."""
    tf = pytest.importorskip("tensorflow")
    labels = tf.constant(np.reshape(y, (-1, 1)), dtype="float32")
    out = tf.constant(np.linspace(0.1, 0.9, len(labels)).reshape(-1, 1) if p is None else p,
                      dtype="float32")
    with tf.GradientTape() as tape:
        tape.watch(out)
        per_review = (tf.nn.softmax_cross_entropy_with_logits(labels, out) if loss == "slide"
                      else tf.keras.losses.binary_crossentropy(labels, out))
        value = tf.reduce_mean(per_review) if reduce == "mean" else tf.reduce_sum(per_review)
    return float(value), tape.gradient(value, out).numpy()


def test_slide_loss_reference_is_tensorflows_gradient():
    loss, gradient = _output_gradient(_Y)
    assert loss == 0
    np.testing.assert_allclose(gradient.reshape(-1), (1 - _Y) / 32, rtol=1e-6)


def test_slide_loss_accepts_right_answers(capsys):
    loss, gradient = _output_gradient(_Y)
    _passes(ex.check_slide_loss, loss, gradient, "negative", _Y, capsys=capsys)
    _passes(ex.check_slide_loss, np.float32(0), list(gradient.reshape(-1)), " Negative.",
            _Y.astype(float), capsys=capsys)


def test_slide_loss_stub_is_not_done_yet(capsys):
    result = ex.check_slide_loss(None, None, None, _Y)
    out = capsys.readouterr().out
    assert not result and out.startswith("[TODO]") and "hint" not in out.lower()


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (lambda: (0.0, np.zeros(32), "negative"), "Measure it"),
        (lambda: (0.0, _output_gradient(_Y, loss="bce")[1], "negative"), "binary cross"),
        (lambda: (0.0, _output_gradient(_Y, reduce="sum")[1], "negative"), "not a sum"),
        (lambda: (_output_gradient(_Y, loss="bce")[0], np.zeros(32), "negative"),
         "labels first"),
        (lambda: (0.0, _output_gradient(_Y)[1], "positive"), "direction"),
        (lambda: (0.0, _output_gradient(_Y)[1], "either, at random"), "direction"),
        (lambda: (0.0, _output_gradient(_Y)[1][:5], "negative"), "one number per review"),
        (lambda: (0.0, _Y / 32, "negative"), "model's outputs"),
        (lambda: ("0", np.zeros(32), "negative"), "one number"),
    ],
)
def test_slide_loss_rejects_wrong_answers(answer, hint, capsys):
    _fails(ex.check_slide_loss, *answer(), _Y, capsys=capsys, hint=hint)


def test_slide_loss_needs_the_labels(capsys):
    _fails(ex.check_slide_loss, 0.0, (1 - _Y) / 32, "negative", "y_train", capsys=capsys,
           hint="call the checker as in the cell")


# --------------------------------------------------------------------------- 3. nearest words


def _nearest(embeddings, vocabulary, word, k):
    unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    i = vocabulary.index(word)
    sims = unit @ unit[i]
    sims[i] = -np.inf
    return [vocabulary[j] for j in np.argsort(-sims)[:k]]


def _scored(score):
    def nearest(embeddings, vocabulary, word, k):
        i = vocabulary.index(word)
        s = np.asarray(score(embeddings, i), dtype=float)
        s[i] = -np.inf
        return [vocabulary[j] for j in np.argsort(-s)[:k]]
    return nearest


def test_nearest_words_accepts_right_answers(capsys):
    _passes(ex.check_nearest_words, _nearest, capsys=capsys)
    _passes(ex.check_nearest_words,
            lambda e, v, w, k: tuple(np.array(_nearest(e, v, w, k))), capsys=capsys)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (_scored(lambda e, i: e @ e[i]), "dot product"),
        (_scored(lambda e, i: -np.linalg.norm(e - e[i], axis=1)), "Euclidean distance"),
        (lambda e, v, w, k: [w] + _nearest(e, v, w, k - 1), "Leave the word itself out"),
        (_scored(lambda e, i: -(e / np.linalg.norm(e, axis=1, keepdims=True))
                 @ (e[i] / np.linalg.norm(e[i]))), "Most similar first"),
        (lambda e, v, w, k: _nearest(e, v, w, k + 1), "exactly k words"),
        (lambda e, v, w, k: [v.index(x) for x in _nearest(e, v, w, k)], "Return the words"),
        (lambda e, v, w, k: "great", "Return the words"),
    ],
)
def test_nearest_words_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_nearest_words, wrong, capsys=capsys, hint=hint)


# --------------------------------------------------------------------------- 4. the experiment


class _Layer:
    pass


class LSTM(_Layer):
    pass


class Bidirectional(_Layer):
    def __init__(self):
        self.forward_layer = LSTM()


class FakeModel:
    """Stands in for a trained Keras model (`layers`, called on a batch), without TensorFlow.
    Its prediction depends on the set of a review's tokens only, unless `ordered`."""

    def __init__(self, accuracy=0.85, hang=False, layers=(), scale=1.0, ordered=False,
                 outputs=1):
        self.accuracy, self.hang, self.layers, self.scale = accuracy, hang, list(layers), scale
        self.ordered, self.outputs = ordered, outputs

    def __call__(self, x, training=False):
        while self.hang:
            time.sleep(0.01)
        x = np.asarray(x)
        labels = _LABELS[np.sort(x, axis=1)[:, -1] % len(_LABELS)]  # order-free lookup
        wrong = (np.sort(x, axis=1)[:, -2] % 100) >= 100 * self.accuracy
        guesses = np.where(wrong, 1 - labels, labels)
        probs = (0.2 + 0.6 * guesses[:, None]) * self.scale
        if self.ordered:
            probs = probs + 0.05 * (x[:, :1] > x[:, 1:2])
        return [probs] * self.outputs if self.outputs > 1 else probs


_LABELS = np.arange(1000) % 2


def _test_set(n=3000):
    rng = np.random.default_rng(0)
    x = rng.integers(1, 1000, size=(n, 40))
    x[:, 30:] = 0  # post-padding
    return x, _LABELS[np.sort(x, axis=1)[:, -1] % len(_LABELS)]


def test_order_free_stub_is_not_done_yet(capsys):
    result = ex.check_order_free_model(None, *_test_set())
    out = capsys.readouterr().out
    assert not result and out.startswith("[TODO]") and "hint" not in out.lower()


def test_order_free_accepts_a_trained_model(capsys):
    out = _passes(ex.check_order_free_model, FakeModel(), *_test_set(), capsys=capsys)
    assert " in [" in out  # the measured accuracy, for tests/benchmarks/metric_bands.py


def test_shuffle_words_keeps_padding_and_tokens():
    x = _test_set(50)[0]
    shuffled = ex.shuffle_words(x)
    assert np.array_equal(shuffled == 0, x == 0)
    assert np.array_equal(np.sort(shuffled, axis=1), np.sort(x, axis=1))
    assert not np.array_equal(shuffled, x)


@pytest.mark.parametrize(
    ("model", "data", "hint"),
    [
        (FakeModel(layers=[LSTM()]), None, "recurrent layer"),
        (FakeModel(layers=[Bidirectional()]), None, "recurrent layer"),
        (FakeModel(ordered=True), None, "uses their order"),
        (FakeModel(accuracy=0.5), None, "looks untrained"),
        (FakeModel(accuracy=0.65), None, "expected in ["),
        (FakeModel(scale=3.0), None, "not probabilities"),
        (FakeModel(outputs=2), None, "one probability per review"),
        (0.85, None, "Pass the model you built"),
        (FakeModel(), (np.zeros((5, 40)), np.zeros(5)), "Call the checker as in the cell"),
        (FakeModel(), (_test_set()[0] - 1000, _test_set()[1]), "token ids"),
        (FakeModel(), (_test_set()[0], _test_set()[1] + 1), "labels 0"),
        (FakeModel(), (_test_set()[0].astype(str), _test_set()[1]), "Call the checker"),
    ],
)
def test_order_free_rejects_wrong_answers(model, data, hint, capsys):
    _fails(ex.check_order_free_model, model, *(data or _test_set()), capsys=capsys, hint=hint)


def test_order_free_rejects_real_ordered_models_and_accepts_pooling(capsys):
    keras = pytest.importorskip("keras")
    x, y = _test_set(200)
    keras.utils.set_random_seed(0)

    def build(*middle, mask=True):
        return keras.Sequential([keras.Input((40,), dtype="int32"),
                                 keras.layers.Embedding(1000, 8, mask_zero=mask), *middle,
                                 keras.layers.Dense(1, activation="sigmoid")])

    pooled = build(keras.layers.GlobalAveragePooling1D())
    flat = build(keras.layers.Flatten(), mask=False)
    conv = build(keras.layers.Conv1D(4, 3), keras.layers.GlobalMaxPooling1D(), mask=False)
    for model in (flat, conv):
        _fails(ex.check_order_free_model, model, x, y, capsys=capsys, hint="uses their order")
    # untrained: order-free, so it gets as far as the accuracy
    _fails(ex.check_order_free_model, pooled, x, y, capsys=capsys, hint="looks untrained")


def test_order_free_gives_up_on_a_model_that_hangs(monkeypatch, capsys):
    monkeypatch.setattr(checks, "TIME_LIMIT_S", 0.5)
    out = _fails(ex.check_order_free_model, FakeModel(hang=True), *_test_set(), capsys=capsys)
    assert "did not finish" in out


def test_order_free_band_follows_the_profile(monkeypatch, capsys):
    from course_utils import profile

    between = FakeModel(accuracy=(ex.POOLING_SMOKE[0] + ex.POOLING_FULL[0]) / 2)
    for name, passes in (("smoke", True), ("full", False)):
        monkeypatch.setattr(profile, "_current", None)
        monkeypatch.setenv("COURSE_PROFILE", name)
        assert bool(ex.check_order_free_model(between, *_test_set())) == passes, name
        assert f"({name} profile)" in capsys.readouterr().out
