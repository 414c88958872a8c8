"""Checkers of notebook 12: a right answer passes, each typical wrong answer fails with its
specific hint, an untouched stub hears "not done yet". (The full answers live in the solution
notebook; the compact ones here only prove that the checkers accept right answers.)"""

import time

import numpy as np
import pytest

from course_utils import checks
from course_utils.exercises import lesson12 as ex
from tests.checker_asserts import stub as _stub, passes as _passes, fails as _fails


@pytest.mark.parametrize("checker", [ex.check_bag_of_words, ex.check_bilstm_params,
                                     ex.check_nearest_words])
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
        (lambda s, v: np.zeros((len(s), v)), "np.bincount"),
        (lambda s, v: None, "return"),
    ],
)
def test_bag_of_words_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_bag_of_words, wrong, capsys=capsys, hint=hint)


# --------------------------------------------------------------------------- 2. BiLSTM parameters


def test_bilstm_params_accepts_right_answers(capsys):
    _passes(ex.check_bilstm_params, lambda d, u: 8 * u * (d + u + 1), capsys=capsys)
    _passes(ex.check_bilstm_params, lambda d, u: float(2 * 4 * (u * d + u * u + u)), capsys=capsys)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda d, u: 4 * u * (d + u + 1), "Bidirectional runs two"),
        (lambda d, u: 2 * u * (d + u + 1), "four blocks"),
        (lambda d, u: 8 * u * (d + u), "bias"),
        (lambda d, u: 8 * (u * d + u), "recurrent weights"),
        (lambda d, u: 2 * 3 * (u * (d + u) + 2 * u), "That is a GRU"),
        (lambda d, u: 8 * u * (d + u + 1) + 2 * u, "adds no parameters"),
        (lambda d, u: 98_816, "4 gate-like blocks"),
    ],
)
def test_bilstm_params_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_bilstm_params, wrong, capsys=capsys, hint=hint)


def test_bilstm_params_matches_keras():
    keras = pytest.importorskip("keras")
    layer = keras.layers.Bidirectional(keras.layers.LSTM(16))
    layer.build((None, 5, 100))
    assert layer.count_params() == ex._bilstm(100, 16)


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


class FakeModel:
    """Stands in for a trained Keras model (`layers`, `predict`), without TensorFlow."""

    def __init__(self, accuracy=0.85, hang=False, layers=(), scale=1.0):
        self.accuracy, self.hang, self.layers, self.scale = accuracy, hang, list(layers), scale

    def predict(self, x, batch_size=None, verbose=0):
        while self.hang:
            time.sleep(0.01)
        labels = _test_set()[1][: len(x)]
        n_right = int(round(self.accuracy * len(labels)))
        guesses = np.where(np.arange(len(labels)) < n_right, labels, 1 - labels)
        return (0.2 + 0.6 * guesses[:, None]) * self.scale


def _test_set(n=3000):
    rng = np.random.default_rng(0)
    return rng.integers(0, 500, size=(n, 40)), np.arange(n) % 2


def test_pooling_stub_is_not_done_yet(capsys):
    result = ex.check_average_pooling_model(None, *_test_set())
    out = capsys.readouterr().out
    assert not result and out.startswith("[TODO]") and "hint" not in out.lower()


def test_pooling_accepts_a_trained_model(capsys):
    out = _passes(ex.check_average_pooling_model, FakeModel(), *_test_set(), capsys=capsys)
    assert "0.8500 in [" in out  # the measured accuracy, for tests/benchmarks/metric_bands.py


@pytest.mark.parametrize(
    ("model", "data", "hint"),
    [
        (FakeModel(layers=[LSTM()]), None, "no recurrence"),
        (FakeModel(accuracy=0.5), None, "looks untrained"),
        (FakeModel(accuracy=0.65), None, "GlobalAveragePooling1D"),
        (FakeModel(scale=3.0), None, "not probabilities"),
        (0.85, None, "Pass the model you built"),
        (FakeModel(), (np.zeros((5, 40)), np.zeros(5)), "Call the checker as in the cell"),
        (FakeModel(), (_test_set()[0] - 1000, _test_set()[1]), "token ids"),
        (FakeModel(), (_test_set()[0], _test_set()[1] + 1), "labels 0"),
        (FakeModel(), (_test_set()[0].astype(str), _test_set()[1]), "Call the checker"),
    ],
)
def test_pooling_rejects_wrong_answers(model, data, hint, capsys):
    _fails(ex.check_average_pooling_model, model, *(data or _test_set()), capsys=capsys, hint=hint)


def test_pooling_gives_up_on_a_model_that_hangs(monkeypatch, capsys):
    monkeypatch.setattr(checks, "TIME_LIMIT_S", 0.5)
    out = _fails(ex.check_average_pooling_model, FakeModel(hang=True), *_test_set(), capsys=capsys)
    assert "did not finish" in out


def test_pooling_band_follows_the_profile(monkeypatch, capsys):
    from course_utils import profile

    between = FakeModel(accuracy=(ex.POOLING_SMOKE[0] + ex.POOLING_FULL[0]) / 2)
    for name, passes in (("smoke", True), ("full", False)):
        monkeypatch.setattr(profile, "_current", None)
        monkeypatch.setenv("COURSE_PROFILE", name)
        assert bool(ex.check_average_pooling_model(between, *_test_set())) == passes, name
        assert f"({name} profile)" in capsys.readouterr().out
