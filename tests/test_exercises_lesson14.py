"""Checkers of notebook 14: a right answer passes, each typical wrong answer fails with its
specific hint, an untouched stub hears "not done yet". (The full answers live in the solution
notebook; the compact ones here only prove that the checkers accept right answers.)"""

import numpy as np
import pytest

from course_utils.exercises import lesson14 as ex
from tests.checker_asserts import stub as _stub, passes as _passes, fails as _fails


@pytest.mark.parametrize("checker", [ex.check_masked_attention, ex.check_positional_encoding])
def test_function_stub_is_not_done(checker, capsys):
    assert not checker(_stub)
    out = capsys.readouterr().out
    assert out.startswith("[TODO]") and "not done yet" in out


# --------------------------------------------------------------------------- 1. masked attention


def test_masked_attention_accepts_right_answers(capsys):
    def with_large_negative(query, keys, values, mask):
        d = query.shape[-1]
        scores = np.einsum("...qd,...kd->...qk", query, keys) / d**0.5
        scores = np.where(mask, scores, -1e9)
        weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
        weights = weights / weights.sum(axis=-1, keepdims=True)
        return np.einsum("...qk,...kv->...qv", weights, values), weights

    _passes(ex.check_masked_attention, ex.masked_attention_reference, capsys=capsys)
    _passes(ex.check_masked_attention, with_large_negative, capsys=capsys)


def _weights_only(mistake):
    def answer(q, k, v, mask):
        weights = mistake(q, k, v, mask)
        return weights @ v, weights
    return answer


@pytest.mark.parametrize(("wrong", "hint"), [
    (_weights_only(ex._weights_unscaled), "square root of d"),
    (_weights_only(ex._weights_scaled_by_d), "not by d itself"),
    (_weights_only(ex._weights_mask_ignored), "mask is not applied"),
    (_weights_only(ex._weights_mask_after_softmax), "no longer sum to 1"),
    (_weights_only(ex._weights_scores_times_mask), "exp(0)"),
    (_weights_only(ex._weights_wrong_axis), "last axis"),
    (lambda q, k, v, m: ex.masked_attention_reference(q, k, v, m)[::-1], "wrong order"),
    (lambda q, k, v, m: ex.masked_attention_reference(q, k, v, m)[0], "Return two arrays"),
    (lambda q, k, v, m: None, "forget `return"),
    (lambda q, k, v, m: (ex.masked_attention_reference(q, k, v, m)[1],) * 2, "weighted average"),
    (lambda q, k, v, m: (q, q @ np.swapaxes(k, -1, -2)), "four steps"),
])
def test_masked_attention_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_masked_attention, wrong, capsys=capsys, hint=hint)


def test_masked_attention_names_the_batch_transpose(capsys):
    def with_dot_t(query, keys, values, mask):
        scores = np.where(mask, query @ keys.T / np.sqrt(query.shape[-1]), -np.inf)
        weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
        weights = weights / weights.sum(axis=-1, keepdims=True)
        return weights @ values, weights

    out = _fails(ex.check_masked_attention, with_dot_t, capsys=capsys, hint="last two axes")
    assert "np.swapaxes" not in out


def test_masked_attention_reference_matches_keras_attention():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    q, k, v = (rng.normal(size=(2, 3, 4)).astype("float32"),
               rng.normal(size=(2, 5, 4)).astype("float32"),
               rng.normal(size=(2, 5, 2)).astype("float32"))
    mask = np.ones((2, 3, 5), dtype=bool)
    context, weights = ex.masked_attention_reference(2.0 * q, k, v, mask)  # sqrt(4) = 2 undone
    out, scores = keras.layers.Attention()([q, v, k], return_attention_scores=True)
    assert np.allclose(context, np.asarray(out), atol=1e-5)
    assert np.allclose(weights, np.asarray(scores), atol=1e-5)


# --------------------------------------------------------------------------- 2. positions


def test_positional_encoding_accepts_right_answers(capsys):
    def by_loops(length, depth):
        pe = np.zeros((length, depth))
        for p in range(length):
            for i in range(depth // 2):
                pe[p, 2 * i] = np.sin(p / 10000 ** (2 * i / depth))
                pe[p, 2 * i + 1] = np.cos(p / 10000 ** (2 * i / depth))
        return pe

    _passes(ex.check_positional_encoding, ex.positional_encoding_reference, capsys=capsys)
    _passes(ex.check_positional_encoding, by_loops, capsys=capsys)


@pytest.mark.parametrize(("wrong", "hint"), [
    (ex._pe_swapped, "Sines go in the even columns"),
    (ex._pe_column_exponent, "share one frequency"),
    (ex._pe_halves, "Interleave"),
    (ex._pe_transposed, "(length, depth)"),
    (ex._pe_from_one, "Positions start at 0"),
    (ex._pe_no_factor_two, "yours is i / depth"),
    (ex._pe_integer_division, "integer division"),
    (lambda length, depth: np.zeros((length, depth)), "One frequency per pair"),
])
def test_positional_encoding_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_positional_encoding, wrong, capsys=capsys, hint=hint)


# --------------------------------------------------------------------------- 3. experiment


class _Tensor:
    def __init__(self, name, shape):
        self.name, self.shape = name, shape


class Attention:
    """Named like keras.layers.Attention: the checker looks for an attention layer by name."""


class _FakeSeq2seq:
    """Stands in for a trained model: at step t it predicts `task(source)[:, t]`, right with
    probability `accuracy` per digit (wrong digits are shifted by one)."""

    def __init__(self, task=np.sort, length=8, accuracy=1.0, vocab=11):
        self.inputs = [_Tensor("source", (None, length)), _Tensor("target_in", (None, length))]
        self.task, self.accuracy, self.vocab = task, accuracy, vocab
        self.layers = [Attention()]

    def __call__(self, inputs, training=False):
        source = np.asarray(inputs["source"])
        target = self.task(source)
        wrong = np.random.default_rng(0).random(target.shape) > self.accuracy
        target = np.where(wrong, (target + 1) % 10, target)
        return np.eye(self.vocab)[np.minimum(target, self.vocab - 1)]


def test_sorting_model_accepts_a_sorter(capsys):
    pytest.importorskip("tensorflow")
    out = _passes(ex.check_sorting_model, _FakeSeq2seq(), capsys=capsys)
    assert "1.0000" in out


def test_sorting_model_rejects_a_reverser_and_a_poor_sorter(capsys):
    pytest.importorskip("tensorflow")
    _fails(ex.check_sorting_model, _FakeSeq2seq(task=lambda s: s[:, ::-1]), capsys=capsys,
           hint="task=np.sort")
    _fails(ex.check_sorting_model, _FakeSeq2seq(accuracy=0.8), capsys=capsys,
           hint="Far too few strings")


@pytest.mark.parametrize(("model", "hint"), [
    (_FakeSeq2seq(length=16), "build_seq2seq(8)"),
    (_FakeSeq2seq(vocab=8), "not the weights model"),
    (object(), "Pass model_sort"),
    (type("PredictOnly", (), {"predict": lambda self, ds, verbose=0: None})(), "Pass model_sort"),
])
def test_sorting_model_rejects_wrong_models(model, hint, capsys):
    pytest.importorskip("tensorflow")
    _fails(ex.check_sorting_model, model, capsys=capsys, hint=hint)


def test_sorting_model_rejects_a_model_without_named_inputs(capsys):
    fake = _FakeSeq2seq()
    fake.inputs = [_Tensor("input_layer", (None, 8))]
    _fails(ex.check_sorting_model, fake, capsys=capsys, hint="build_seq2seq(8)")


def _real_model(attention):
    keras = pytest.importorskip("keras")
    source = keras.Input((8,), dtype="int32", name="source")
    target_in = keras.Input((8,), dtype="int32", name="target_in")
    s = keras.layers.Embedding(11, 8)(source)
    h = keras.layers.Embedding(11, 8)(target_in)
    if attention:
        h = keras.layers.Concatenate()([h, keras.layers.Attention()([h, s])])
    probs = keras.layers.Dense(11, activation="softmax")(h)
    return keras.Model({"source": source, "target_in": target_in}, probs)


def test_sorting_model_rejects_a_real_untrained_model(capsys):
    _fails(ex.check_sorting_model, _real_model(attention=True), capsys=capsys,
           hint="Far too few strings")


def test_sorting_model_rejects_a_model_without_attention(capsys):
    fake = _FakeSeq2seq()
    fake.layers = []
    _fails(ex.check_sorting_model, fake, capsys=capsys, hint="no attention layer")
    _fails(ex.check_sorting_model, _real_model(attention=False), capsys=capsys,
           hint="no attention layer")


def test_sorting_model_stub_is_not_done(capsys):
    assert not ex.check_sorting_model(None)
    assert capsys.readouterr().out.startswith("[TODO]")


def test_one_teacher_forced_pass_gives_greedy_exact_match():
    class Chained:
        """Digit t depends on the previous digit fed in: (target_in[t] + source[t]) % 10."""

        def __call__(self, inputs, training=False):
            digits = (np.asarray(inputs["target_in"]) + np.asarray(inputs["source"])) % 10
            return np.eye(11)[digits]

    model, rng = Chained(), np.random.default_rng(5)
    source = rng.integers(0, 10, size=(200, 8))
    target_in = np.full((200, 8), ex.START)
    greedy = np.zeros((200, 8), dtype=int)
    for t in range(8):  # greedy decoding, step by step
        greedy[:, t] = model({"source": source, "target_in": target_in})[:, t].argmax(-1)
        if t + 1 < 8:
            target_in[:, t + 1] = greedy[:, t]
    targets = greedy.copy()
    targets[:100, 5] = (targets[:100, 5] + 1) % 10  # half the strings differ at step 5
    exact = np.mean(np.all(greedy == targets, axis=1))
    assert exact == 0.5
    assert ex.greedy_exact_match(model, source, targets) == exact
