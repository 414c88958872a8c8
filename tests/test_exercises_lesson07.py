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
        (ex._smooth_uniform_only, "one-hot part is missing"),
        (lambda y, k, s: np.eye(k)[np.ravel(y)], "uniform distribution over all"),
    ],
)
def test_smooth_labels_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_smooth_labels, wrong, capsys=capsys, hint=hint)


def test_smooth_labels_that_break_on_column_labels_are_reported(capsys):
    # np.eye(k)[y] with y of shape (n, 1) gives (n, 1, k): a shape mistake, not a crash
    def no_flatten(y, k, s):
        return (1 - s) * np.eye(k)[y] + s / k

    _fails(ex.check_smooth_labels, no_flatten, capsys=capsys, hint="flatten")


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
        (lambda c: (0, 1), "two directions"),
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


def _val_set(n=200):
    rng = np.random.default_rng(0)
    return rng.random((n, 32, 32, 3), dtype=np.float32), np.arange(n) % 10


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


@pytest.fixture
def smoke(monkeypatch):
    from course_utils import profile

    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    monkeypatch.setattr(profile, "_current", None)


def _net(keras, aug=(), *, steps=1, width=4, smoothing=0.0, schedule=False, accuracy=None):
    """A tiny stand-in for the fast network: `aug` layers, Conv2D(width), GMP, Dense(10);
    compiled like the baseline (SGD, constant rate, no smoothing) unless told otherwise, then
    fit for `steps` batches of 16. `accuracy` is what the patched measurement will return."""
    from keras import layers

    keras.utils.set_random_seed(0)
    inputs = keras.Input((32, 32, 3))
    x = inputs
    for layer in aug:
        x = layer(x)
    x = layers.Conv2D(width, 3)(x)
    x = layers.GlobalMaxPooling2D()(x)
    model = keras.Model(inputs, layers.Dense(10, activation="softmax")(x))
    rate = keras.optimizers.schedules.ExponentialDecay(0.05, 10, 0.9) if schedule else 0.05
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=rate, momentum=0.9),
                  loss=keras.losses.CategoricalCrossentropy(label_smoothing=smoothing))
    if steps:
        x_fit, y_fit = _val_set(16 * steps)
        model.fit(x_fit, np.eye(10)[y_fit], batch_size=16, epochs=1, verbose=0)
    model.fake_accuracy = accuracy
    return model


def _policy(keras):
    from keras import layers

    return [layers.RandomFlip("horizontal"), layers.RandomContrast(0.2, value_range=(0, 1))]


@pytest.fixture
def measured(monkeypatch):
    """The checker's accuracy measurement returns each model's `fake_accuracy` (when set)."""
    real = ex._val_accuracy

    def fake(model, x, y):
        value = getattr(model, "fake_accuracy", None)
        return real(model, x, y) if value is None else value

    monkeypatch.setattr(ex, "_val_accuracy", fake)


def test_policy_stub_is_not_done_yet(capsys):
    result = ex.check_augmentation_policy(None, None, *_val_set())
    out = capsys.readouterr().out
    assert not result and out.startswith("[TODO]") and "hint" not in out.lower()


def test_policy_accepts_a_gain(keras, measured, smoke, capsys):
    model = _net(keras, _policy(keras), accuracy=0.5)
    baseline = _net(keras, accuracy=0.45)
    out = _passes(ex.check_augmentation_policy, model, baseline, *_val_set(), capsys=capsys)
    assert "0.0500 in [" in out  # the measured gain, for the benchmarks


def test_policy_accepts_labels_as_a_column_or_one_hot(keras, measured, smoke, capsys):
    model, baseline = _net(keras, _policy(keras), accuracy=0.5), _net(keras, accuracy=0.4)
    x, y = _val_set()
    _passes(ex.check_augmentation_policy, model, baseline, x, y[:, None], capsys=capsys)
    _passes(ex.check_augmentation_policy, model, baseline, x, np.eye(10)[y], capsys=capsys)


def test_policy_finds_augmentation_in_a_nested_model(keras, measured, smoke, capsys):
    from keras import layers

    augment = keras.Sequential([layers.RandomZoom(0.1)], name="augment")
    model = _net(keras, [augment], accuracy=0.5)
    assert ex.augmentation_layers(model) == ["RandomZoom"]
    _passes(ex.check_augmentation_policy, model, _net(keras, accuracy=0.4), *_val_set(),
            capsys=capsys)


@pytest.mark.parametrize(
    ("make", "hint"),
    [
        (lambda k: _net(k, accuracy=0.6), "no augmentation layer"),
        (lambda k: _net(k, [k.layers.RandomFlip("horizontal"),
                            k.layers.RandomTranslation(0.1, 0.1)], accuracy=0.6),
         "add at least one other transformation"),
        (lambda k: _net(k, _policy(k), width=8, accuracy=0.6), "keep the network of section 4"),
        (lambda k: _net(k, _policy(k), steps=0, accuracy=0.6), "never trained"),
        (lambda k: _net(k, _policy(k), steps=2, accuracy=0.6), "trained for 2 steps"),
        (lambda k: _net(k, _policy(k), smoothing=0.2, accuracy=0.6), "only the augmentation"),
        (lambda k: _net(k, _policy(k), schedule=True, accuracy=0.6), "only the augmentation"),
        (lambda k: _net(k, _policy(k), accuracy=0.31), "does not pay"),
        (lambda k: _net(k, _policy(k), accuracy=0.2), "does not pay"),
        (lambda k: _net(k, _policy(k), accuracy=0.1), "about chance"),
        (lambda k: 0.6, "Pass the model you trained"),
    ],
)
def test_policy_rejects_wrong_answers(make, hint, keras, measured, smoke, capsys):
    baseline = _net(keras, accuracy=0.4)
    _fails(ex.check_augmentation_policy, make(keras), baseline, *_val_set(), capsys=capsys,
           hint=hint)


@pytest.mark.parametrize(
    ("baseline", "data", "hint"),
    [
        (0.4, None, "Call the checker as the cell does"),
        ("augmented", None, "the baseline is the ablation's second row"),
        (None, (np.zeros((5, 32, 32, 3)), np.zeros(5)), "Call the checker as the cell does"),
        (None, (255 * _val_set()[0], _val_set()[1]), "Call the checker as the cell does"),
        (None, (_val_set()[0][..., 0], _val_set()[1]), "Call the checker as the cell does"),
    ],
)
def test_policy_rejects_wrong_arguments(baseline, data, hint, keras, measured, smoke, capsys):
    if baseline is None:
        baseline = _net(keras, accuracy=0.4)
    elif baseline == "augmented":
        baseline = _net(keras, _policy(keras), accuracy=0.4)
    model = _net(keras, _policy(keras), accuracy=0.6)
    _fails(ex.check_augmentation_policy, model, baseline, *(data or _val_set()), capsys=capsys,
           hint=hint)


def test_policy_compares_learning_rate_schedules(keras, measured, smoke, capsys):
    """The baseline trains on a schedule (the one-cycle row): the same schedule passes, a
    constant rate (the first row's recipe) does not."""
    baseline = _net(keras, schedule=True, accuracy=0.4)
    _passes(ex.check_augmentation_policy, _net(keras, _policy(keras), schedule=True,
                                               accuracy=0.5), baseline, *_val_set(), capsys=capsys)
    _fails(ex.check_augmentation_policy, _net(keras, _policy(keras), accuracy=0.5), baseline,
           *_val_set(), capsys=capsys, hint="only the augmentation")


def test_policy_gives_up_on_a_measurement_that_hangs(keras, monkeypatch, capsys):
    def hangs(model, x, y):
        while True:
            time.sleep(0.01)

    model, baseline = _net(keras, _policy(keras)), _net(keras)
    monkeypatch.setattr(checks, "TIME_LIMIT_S", 0.5)
    monkeypatch.setattr(ex, "_val_accuracy", hangs)
    out = _fails(ex.check_augmentation_policy, model, baseline, *_val_set(), capsys=capsys)
    assert "did not finish" in out


def test_policy_band_follows_the_profile(keras, measured, monkeypatch, capsys):
    from course_utils import profile

    # a small loss: within the smoke profile's noise, but not "no cost" in the full profile
    gain = (ex.GAIN_SMOKE[0] + ex.GAIN_FULL[0]) / 2
    model, baseline = _net(keras, _policy(keras), accuracy=0.4 + gain), _net(keras, accuracy=0.4)
    for name, passes in (("smoke", True), ("full", False)):
        monkeypatch.setattr(profile, "_current", None)
        monkeypatch.setenv("COURSE_PROFILE", name)
        assert bool(ex.check_augmentation_policy(model, baseline, *_val_set())) == passes, name
        assert f"({name} profile)" in capsys.readouterr().out


def test_policy_measures_real_models_without_retracing_warnings(keras, smoke, capfd):
    # no patched accuracies: the checker calls both models itself, several times in a row
    model, baseline = _net(keras, _policy(keras)), _net(keras)
    for _ in range(4):
        ex.check_augmentation_policy(model, baseline, *_val_set())
    captured = capfd.readouterr()
    lines = captured.out.strip().splitlines()
    assert len(lines) == 4 and all(line.startswith(("[PASS]", "[FAIL]")) for line in lines)
    assert "retracing" not in (captured.out + captured.err).lower()


def test_policy_too_strong_for_the_photos_fails(keras, monkeypatch, smoke, capsys):
    # the plain network keeps 0.05 of its 0.3 above chance on the policy's images: rejected
    def fake(model, x, y):
        return 0.15 if float(np.mean(x)) > 5 else model.fake_accuracy

    monkeypatch.setattr(ex, "_augment", lambda model, x: x + 10.0)
    monkeypatch.setattr(ex, "_val_accuracy", fake)
    model, baseline = _net(keras, _policy(keras), accuracy=0.6), _net(keras, accuracy=0.4)
    out = _fails(ex.check_augmentation_policy, model, baseline, *_val_set(), capsys=capsys,
                 hint="too strong")
    assert "keeps only 17%" in out


def test_augment_applies_the_policy_in_training_mode(keras):
    from keras import layers

    model = _net(keras, [layers.RandomFlip("horizontal"), layers.GaussianNoise(0.5)], steps=0)
    x = _val_set(40)[0]
    out = ex._augment(model, x)
    assert out.shape == x.shape and not np.allclose(out, x)
    assert np.allclose(ex._augment(_net(keras, steps=0), x), x)  # no policy: unchanged
