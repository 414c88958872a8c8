"""Checkers of notebook 09: right answers pass, typical wrong answers fail with their hint,
untouched stubs hear "not done yet". A small CNN trained for a few seconds on synthetic
strokes stands in for the notebook's models (the checkers' logic, not accuracy, is tested
here; the solution notebook proves the real answers pass)."""

import numpy as np
import pytest

from course_utils.exercises import lesson09 as ex
from tests.checker_asserts import stub as _stub

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")


@pytest.fixture(scope="module")
def data():
    """600 28x28 images of a faint horizontal or vertical line in noise (classes 0-9 by
    position and orientation): easy to learn, easy to attack."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 600)
    x = rng.random((600, 28, 28, 1)).astype("float32") * 0.3
    for i, label in enumerate(y):
        pos = 3 + 2 * (label % 5)
        if label < 5:
            x[i, pos, 4:24] += 0.3
        else:
            x[i, 4:24, pos] += 0.3
    return x, y


def _small_cnn(x, y, *, seed, epochs, batch_size):
    keras.utils.set_random_seed(seed)
    m = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(8, 3, activation="relu"), keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax"),
    ])
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    m.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0)
    return m


@pytest.fixture(scope="module")
def model(data):
    x, y = data
    return _small_cnn(x, y, seed=0, epochs=3, batch_size=32)


def _verdict(result, capsys):
    return result, capsys.readouterr().out


def _passes(result, capsys, text=""):
    ok, out = _verdict(result, capsys)
    assert ok and out.startswith("[PASS]") and text in out, out


def _fails(result, capsys, hint=""):
    ok, out = _verdict(result, capsys)
    assert not ok and out.startswith("[FAIL]") and hint in out, out


def _todo(result, capsys):
    ok, out = _verdict(result, capsys)
    assert not ok and out.startswith("[TODO]") and "not done yet" in out, out


def _grad(model, images, labels):
    x = tf.convert_to_tensor(images)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = keras.losses.sparse_categorical_crossentropy(labels, model(x))  # per image
    return tape.gradient(loss, x).numpy()


# --------------------------------------------------------------------------- targeted FGSM


def _targeted(model, images, targets, eps):
    return np.clip(images - eps * np.sign(_grad(model, images, targets)), 0, 1)


def test_targeted_fgsm_accepts_right_answers(model, data, capsys):
    x, y = data
    _passes(ex.check_targeted_fgsm(_targeted, model, x, y), capsys, "classified as label + 1")
    mean_loss = lambda m, im, t, e: tf.clip_by_value(  # noqa: E731 - a tensor answer, mean loss
        im - e * tf.sign(_grad(m, im, t) / len(im)), 0.0, 1.0)
    _passes(ex.check_targeted_fgsm(mean_loss, model, x, y), capsys)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda m, im, t, e: np.clip(im + e * np.sign(_grad(m, im, t)), 0, 1), "away from it"),
        (lambda m, im, t, e: np.clip(im + e * np.sign(_grad(m, im, (t - 1) % 10)), 0, 1), "untargeted"),
        (lambda m, im, t, e: np.clip(im - e * np.sign(_grad(m, im, (t - 1) % 10)), 0, 1), "use `targets`"),
        (lambda m, im, t, e: im - e * np.sign(_grad(m, im, t)), "np.clip"),
        (lambda m, im, t, e: np.clip(im - e * _grad(m, im, t), 0, 1), "*sign*"),
        (lambda m, im, t, e: np.clip(im - e * np.sign(_grad(m, im, t)) ** 2, 0, 1), "more* likely"),
        (lambda m, im, t, e: im[:10], "expected 200 images"),
        (lambda m, im, t, e: "images", "expected 200 images"),
    ],
)
def test_targeted_fgsm_rejects_wrong_answers(model, data, wrong, hint, capsys):
    x, y = data
    _fails(ex.check_targeted_fgsm(wrong, model, x, y), capsys, hint)


def test_targeted_fgsm_stub_and_bad_arguments(model, data, capsys):
    x, y = data
    _todo(ex.check_targeted_fgsm(_stub, model, x, y), capsys)
    _todo(ex.check_targeted_fgsm(None, model, x, y), capsys)
    _fails(ex.check_targeted_fgsm(_targeted, "model", x, y), capsys, "Keras model")
    _fails(ex.check_targeted_fgsm(_targeted, model, x * 255, y), capsys, "test digits")
    _fails(ex.check_targeted_fgsm(_targeted, model, x[:50], y[:50]), capsys, "test digits")


# --------------------------------------------------------------------------- PGD


def _pgd(model, images, labels, eps, alpha, steps):
    x_adv = images.copy()
    for _ in range(steps):
        x_adv = x_adv + alpha * np.sign(_grad(model, x_adv, labels))
        x_adv = np.clip(np.clip(x_adv, images - eps, images + eps), 0, 1)
    return x_adv


def test_pgd_accepts_right_answers(model, data, capsys):
    x, y = data
    _passes(ex.check_pgd_attack(_pgd, model, x, y), capsys, "under your attack")


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda m, im, lb, e, a, s: np.clip(im + a * s * np.sign(_grad(m, im, lb)), 0, 1), "than epsilon"),
        (lambda m, im, lb, e, a, s: np.clip(im + a * np.sign(_grad(m, im, lb)), 0, 1), "single step"),
        (lambda m, im, lb, e, a, s: im + e * np.sign(_grad(m, im, lb)), "[0, 1]"),
        (lambda m, im, lb, e, a, s: _pgd(m, im, lb, e, -a, s), "*more* likely"),
        (lambda m, im, lb, e, a, s: im, "too weak"),
        (lambda m, im, lb, e, a, s: None, "returned"),
    ],
)
def test_pgd_rejects_wrong_answers(model, data, wrong, hint, capsys):
    x, y = data
    _fails(ex.check_pgd_attack(wrong, model, x, y), capsys, hint)


def test_pgd_stub_is_not_done(model, data, capsys):
    x, y = data
    _todo(ex.check_pgd_attack(_stub, model, x, y), capsys)


# --------------------------------------------------------------------------- robust model


@pytest.fixture(scope="module")
def weak_model(data):
    """The same network trained for one epoch on 100 images: less accurate, easier to attack."""
    x, y = data
    return _small_cnn(x[:100], y[:100], seed=1, epochs=1, batch_size=50)


def _open_bands(monkeypatch, low=0.0, margin=-1.0, floor=0.0):
    """The stand-in models' accuracies are not MNIST's: set the bands around them."""
    monkeypatch.setattr(ex, "ROBUST_BAND", {"smoke": (low, 1.0), "full": (low, 1.0)})
    monkeypatch.setattr(ex, "ROBUST_MARGIN", {"smoke": margin, "full": margin})
    monkeypatch.setattr(ex, "ROBUST_CLEAN_FLOOR", {"smoke": floor, "full": floor})


def test_robust_model_passes_and_reports_both_models(model, weak_model, data, monkeypatch, capsys):
    x, y = data
    _open_bands(monkeypatch)
    _passes(ex.check_robust_model(model, weak_model, x, y), capsys, "against model_adv's")


def test_robust_model_needs_the_margin_over_model_adv(model, weak_model, data, monkeypatch,
                                                      capsys):
    x, y = data
    _open_bands(monkeypatch, margin=1.5)  # no model gains 1.5
    _fails(ex.check_robust_model(model, weak_model, x, y), capsys, "rather than 0.1?")
    _open_bands(monkeypatch, low=1.01)
    _fails(ex.check_robust_model(model, weak_model, x, y), capsys, "rather than 0.1?")
    _open_bands(monkeypatch, margin=0.0)  # the same model twice gains exactly 0
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    _passes(ex.check_robust_model(clone, model, x, y), capsys)
    _open_bands(monkeypatch, margin=1e-9)
    _fails(ex.check_robust_model(clone, model, x, y), capsys, "+0.0000 against")


def test_robust_model_rejects_model_adv_itself(model, data, monkeypatch, capsys):
    x, y = data
    _open_bands(monkeypatch)
    _fails(ex.check_robust_model(model, model, x, y), capsys, "model_adv itself")


def test_robust_model_clean_floor(model, weak_model, data, monkeypatch, capsys):
    x, y = data
    _open_bands(monkeypatch, floor=1.01)
    _fails(ex.check_robust_model(model, weak_model, x, y), capsys, "keep clean digits")
    untrained = keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Flatten(),
                                  keras.layers.Dense(10, activation="softmax")])
    untrained.layers[-1].set_weights([np.zeros((784, 10)), np.arange(10.0)])  # always "9"
    _open_bands(monkeypatch, floor=0.5)
    _fails(ex.check_robust_model(untrained, model, x, y), capsys, "Did you train it?")


def test_robust_model_stub_and_bad_arguments(model, data, capsys):
    x, y = data
    _todo(ex.check_robust_model(None, model, x, y), capsys)
    _todo(ex.check_robust_model(..., None, x, y), capsys)
    _fails(ex.check_robust_model(model.layers, model, x, y), capsys, "Keras model")
    _fails(ex.check_robust_model(model, "model_adv", x, y), capsys, "second argument")
    other = keras.models.clone_model(model)
    _fails(ex.check_robust_model(other, model, x[:, :20], y), capsys, "test digits")
    five = keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Flatten(),
                             keras.layers.Dense(5)])
    _fails(ex.check_robust_model(five, model, x, y), capsys, "could not be attacked")
