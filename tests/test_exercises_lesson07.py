"""Checkers of notebook 07: a right answer passes, each typical wrong answer fails with its
specific hint, an untouched stub hears "not done yet". (The full answers live in the solution
notebook; the compact ones here only prove that the checkers accept right answers.)"""

import time

import numpy as np
import pytest

from course_utils import checks
from course_utils.exercises import lesson07 as ex
from tests.checker_asserts import stub as _stub, passes as _passes, fails as _fails


FUNCTION_CHECKERS = [ex.check_smooth_labels, ex.check_most_confused_pair,
                     ex.check_tta_fixes_and_breaks]


@pytest.mark.parametrize("checker", FUNCTION_CHECKERS)
def test_untouched_function_stub_is_not_done_yet(checker, capsys):
    result = checker(_stub)
    out = capsys.readouterr().out
    assert not result and out.startswith("[TODO]") and "not done yet" in out
    assert "hint" not in out.lower()


@pytest.mark.parametrize("checker", FUNCTION_CHECKERS)
def test_function_returning_none_is_told_to_return(checker, capsys):
    _fails(checker, lambda *args: None, capsys=capsys, hint="return")


# --------------------------------------------------------------------------- 1. label smoothing


def test_smooth_labels_accepts_right_answers(capsys):
    def with_where(y, num_classes, smoothing):
        y = np.ravel(y)
        out = np.full((len(y), num_classes), smoothing / num_classes)
        out[np.arange(len(y)), y] += 1.0 - smoothing
        return out

    _passes(ex.check_smooth_labels, ex.smooth_labels_reference, capsys=capsys)
    _passes(ex.check_smooth_labels, with_where, capsys=capsys)


def test_smooth_labels_reference_matches_keras():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 50)
    p = rng.dirichlet(np.ones(10), 50).astype("float32")
    smoothed = keras.losses.CategoricalCrossentropy(label_smoothing=0.2)(
        keras.utils.to_categorical(y, 10), p)
    plain = keras.losses.CategoricalCrossentropy()(ex.smooth_labels_reference(y, 10, 0.2), p)
    assert abs(float(smoothed) - float(plain)) < 1e-5


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (ex._smooth_other_classes_only, "another convention"),
        (ex._smooth_true_minus_s, "its share of the uniform part"),
        (ex._smooth_not_scaled, "still sums to 1"),
        (ex._smooth_reversed, "swapped"),
        (ex._smooth_uniform_only, "Keep the one-hot part"),
        (lambda y, k, s: np.eye(k)[np.ravel(y)], "mix them"),
    ],
)
def test_smooth_labels_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_smooth_labels, wrong, capsys=capsys, hint=hint)


def test_smooth_labels_that_break_on_column_labels_are_reported(capsys):
    # np.eye(k)[y] with y of shape (n, 1) gives (n, 1, k): a shape mistake, not a crash
    def no_flatten(y, k, s):
        return (1 - s) * np.eye(k)[y] + s / k

    _fails(ex.check_smooth_labels, no_flatten, capsys=capsys, hint="flattened")


# --------------------------------------------------------------------------- 2. confusion pair


def test_most_confused_pair_accepts_right_answers(capsys):
    def with_loops(counts):
        best, pair = -1, None
        for i in range(len(counts)):
            for j in range(i + 1, len(counts)):
                if counts[i, j] + counts[j, i] > best:
                    best, pair = counts[i, j] + counts[j, i], (i, j)
        return pair

    _passes(ex.check_most_confused_pair, ex.most_confused_pair_reference, capsys=capsys)
    _passes(ex.check_most_confused_pair, with_loops, capsys=capsys)
    _passes(ex.check_most_confused_pair, lambda c: np.array(ex.most_confused_pair_reference(c)),
            capsys=capsys)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (ex._one_direction, "Count both directions"),
        (ex._with_diagonal, "leave it out"),
        (lambda c: ex.most_confused_pair_reference(c)[::-1], "smaller index first"),
        (lambda c: (0, 1), "counts + counts.T"),
        (lambda c: "cat, dog", "two class indices"),
        (lambda c: (0.5, 1.5), "two class indices"),
    ],
)
def test_most_confused_pair_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_most_confused_pair, wrong, capsys=capsys, hint=hint)


def test_most_confused_pair_cases_separate_the_mistakes():
    for (counts,), expected in ex._confusion_cases()[:1]:
        assert ex._one_direction(counts) != expected


# --------------------------------------------------------------------------- 3. TTA counts


def test_tta_fixes_and_breaks_accepts_right_answers(capsys):
    def with_loop(probs, probs_tta, y):
        fixed = broken = 0
        for p, q, label in zip(probs, probs_tta, np.ravel(y)):
            a, b = np.argmax(p) == label, np.argmax(q) == label
            fixed += int(b and not a)
            broken += int(a and not b)
        return fixed, broken

    _passes(ex.check_tta_fixes_and_breaks, ex.tta_fixes_and_breaks_reference, capsys=capsys)
    _passes(ex.check_tta_fixes_and_breaks, with_loop, capsys=capsys)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (ex._tta_net, "not their difference"),
        (ex._tta_totals, "disagree in being right"),
        (ex._tta_changed, "not necessarily fixed"),
        (ex._tta_swapped, "swapped"),
        (lambda p, q, y: ex.tta_fixes_and_breaks_reference(p, q, np.zeros(len(p), int)),
         "Compare with the true classes"),
    ],
)
def test_tta_fixes_and_breaks_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_tta_fixes_and_breaks, wrong, capsys=capsys, hint=hint)


def test_tta_without_flattening_labels_fails(capsys):
    def no_flatten(probs, probs_tta, y):
        plain = probs.argmax(axis=1) == y  # (n,) == (n, 1) broadcasts to (n, n)
        tta = probs_tta.argmax(axis=1) == y
        return int(np.sum(tta & ~plain)), int(np.sum(plain & ~tta))

    _fails(ex.check_tta_fixes_and_breaks, no_flatten, capsys=capsys)


# --------------------------------------------------------------------------- 4. the experiment


class _Layer:
    def __init__(self, name):
        self.__class__ = type(name, (_Layer,), {})


class FakeModel:
    """Stands in for a trained Keras model: `layers`, `count_params` and `predict`."""

    def __init__(self, n_params=ex.FAST_NET_PARAMS, accuracy=0.6, hang=False,
                 layer_names=("InputLayer", "RandomFlip", "RandomRotation", "RandomTranslation",
                              "RandomZoom", "Normalization", "Conv2D", "Dense")):
        self.n_params, self.accuracy, self.hang = n_params, accuracy, hang
        self.layers = [_Layer(n) for n in layer_names]

    def count_params(self):
        return self.n_params

    def predict(self, x, batch_size=None, verbose=0):
        while self.hang:
            time.sleep(0.01)
        labels = _val_set()[1]
        n_right = int(round(self.accuracy * len(labels)))
        guesses = np.where(np.arange(len(labels)) < n_right, labels, (labels + 1) % 10)
        return np.eye(10)[guesses] * 0.9 + 0.01


def _val_set(n=500):
    rng = np.random.default_rng(0)
    return rng.random((n, 32, 32, 3), dtype=np.float32), np.arange(n) % 10


@pytest.fixture(autouse=True, scope="module")
def tensorflow_imported():
    """The checker feeds the images through course_utils.to_dataset (TensorFlow), as in the
    notebook, where TensorFlow is already imported: import it here too, so that its start-up
    does not eat the checker's time limit."""
    import tensorflow  # noqa: F401


@pytest.fixture
def smoke(monkeypatch):
    from course_utils import profile

    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    monkeypatch.setattr(profile, "_current", None)


def test_heavy_stub_is_not_done_yet(capsys):
    result = ex.check_heavy_augmentation(None, *_val_set())
    out = capsys.readouterr().out
    assert not result and out.startswith("[TODO]") and "hint" not in out.lower()


def test_heavy_accepts_a_trained_model(capsys, smoke):
    out = _passes(ex.check_heavy_augmentation, FakeModel(), *_val_set(), capsys=capsys)
    assert "0.6000 in [" in out  # the measured accuracy, for tests/benchmarks/metric_bands.py


def test_heavy_accepts_labels_as_a_column_or_one_hot(capsys, smoke):
    x, y = _val_set()
    _passes(ex.check_heavy_augmentation, FakeModel(), x, y[:, None], capsys=capsys)
    _passes(ex.check_heavy_augmentation, FakeModel(), x, np.eye(10)[y], capsys=capsys)


@pytest.mark.parametrize(
    ("model", "data", "hint"),
    [
        (FakeModel(n_params=99_000), None, "only the augmentation layers change"),
        (FakeModel(layer_names=("RandomFlip", "RandomTranslation", "Conv2D")), None,
         "RandomRotation(40 / 360)"),
        (FakeModel(layer_names=("RandomFlip", "RandomRotation", "Conv2D")), None, "RandomZoom"),
        (FakeModel(accuracy=0.1), None, "looks untrained"),
        (FakeModel(accuracy=(ex.CHANCE_LIMIT + ex.HEAVY_SMOKE[0]) / 2), None, "build_variant"),
        (0.6, None, "Pass the model you trained"),
        (FakeModel(), (np.zeros((5, 32, 32, 3)), np.zeros(5)), "Call the checker as in the cell"),
        (FakeModel(), (255 * _val_set()[0], _val_set()[1]), "Call the checker as in the cell"),
        (FakeModel(), (_val_set()[0][..., 0], _val_set()[1]), "Call the checker"),
    ],
)
def test_heavy_rejects_wrong_answers(model, data, hint, capsys, smoke):
    _fails(ex.check_heavy_augmentation, model, *(data or _val_set()), capsys=capsys, hint=hint)


def test_heavy_finds_layers_of_nested_models(capsys, smoke):
    inner = FakeModel(layer_names=("RandomFlip", "RandomRotation", "RandomTranslation",
                                   "RandomZoom"))
    outer = FakeModel(layer_names=("InputLayer", "Conv2D"))
    outer.layers.append(inner)
    _passes(ex.check_heavy_augmentation, outer, *_val_set(), capsys=capsys)


def test_heavy_gives_up_on_a_model_that_hangs(monkeypatch, capsys):
    monkeypatch.setattr(checks, "TIME_LIMIT_S", 0.5)
    out = _fails(ex.check_heavy_augmentation, FakeModel(hang=True), *_val_set(), capsys=capsys)
    assert "did not finish" in out


def test_heavy_band_follows_the_profile(monkeypatch, capsys):
    from course_utils import profile

    between = FakeModel(accuracy=(ex.HEAVY_SMOKE[0] + ex.HEAVY_FULL[0]) / 2)
    for name, passes in (("smoke", True), ("full", False)):
        monkeypatch.setattr(profile, "_current", None)
        monkeypatch.setenv("COURSE_PROFILE", name)
        assert bool(ex.check_heavy_augmentation(between, *_val_set())) == passes, name
        assert f"({name} profile)" in capsys.readouterr().out


def test_heavy_rejects_a_real_untrained_fast_net(capsys, smoke, monkeypatch):
    keras = pytest.importorskip("keras")
    from keras import layers

    keras.utils.set_random_seed(0)
    inputs = keras.Input((32, 32, 3))
    x = inputs
    for layer in (layers.RandomFlip("horizontal"), layers.RandomRotation(40 / 360),
                  layers.RandomTranslation(0.2, 0.2), layers.RandomZoom(0.2)):
        x = layer(x)
    x = layers.Conv2D(8, 3)(x)
    x = layers.GlobalMaxPooling2D()(x)
    model = keras.Model(inputs, layers.Dense(10, activation="softmax")(x))
    monkeypatch.setattr(ex, "FAST_NET_PARAMS", model.count_params())
    x_val = np.random.default_rng(0).random((300, 32, 32, 3), dtype=np.float32)
    y_val = np.arange(300) % 10  # balanced: an untrained net scores about 0.1
    _fails(ex.check_heavy_augmentation, model, x_val, y_val, capsys=capsys)
