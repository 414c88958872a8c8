"""Checkers of notebook 08, part 2: a right answer passes, each typical wrong answer fails with
its specific hint, an untouched stub hears "not done yet". (The full answers live in the
solution notebook; the compact ones here only prove that the checkers accept right answers.)"""

import numpy as np
import pytest

from course_utils.exercises import lesson08_part2 as ex
from tests.checker_asserts import stub as _stub, passes as _passes, fails as _fails


def test_stubs_are_not_done(capsys):
    for call in (lambda: ex.check_trainable_conv_1(None), lambda: ex.check_trainable_conv_1(...),
                 lambda: ex.check_to_mobilenet(_stub), lambda: ex.check_to_mobilenet(None),
                 lambda: ex.check_transfer_20(None, None, None, None, None)):
        assert not call()
        out = capsys.readouterr().out
        assert out.startswith("[TODO] Exercise ") and "not done yet" in out


# --------------------------------------------------------------------------- 1. trainable count


def test_trainable_conv_1_matches_keras():
    keras = pytest.importorskip("keras")
    layers = keras.layers
    inputs = keras.Input((28, 28, 1))
    x = layers.Conv2D(32, 3, activation="relu", name="conv_1")(inputs)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(64, 3, activation="relu", name="conv_2")(x)
    features = keras.Model(inputs, layers.Flatten()(layers.MaxPooling2D(2)(x)))
    outputs = layers.Dense(5)(layers.Dropout(0.5)(features(inputs)))
    model = keras.Model(inputs, outputs)
    for layer in features.layers:
        layer.trainable = layer.name == "conv_1"
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == ex.TRAINABLE_CONV_1


def test_trainable_conv_1_accepts_right_answers(capsys):
    for answer in (8325, 8325.0, np.int64(8325), np.array(8325)):
        _passes(ex.check_trainable_conv_1, answer, capsys=capsys)


@pytest.mark.parametrize(("wrong", "hint"), [
    (26_501, "conv_2 unfrozen"),
    (320, "The head is trained too"),
    (8_005, "the head alone"),
    (8_293, "also has a bias"),
    (8_320, "also has a bias"),
    (26_821, "conv_2 stays frozen"),
    (54_405, "how large is that map"),
    (8_000, "Add up the layers"),
    ("8325", "Give one integer"),
    (float("nan"), "Give one integer"),
])
def test_trainable_conv_1_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_trainable_conv_1, wrong, capsys=capsys, hint=hint)


# --------------------------------------------------------------------------- 2. to_mobilenet


def _pad(x):
    return np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0)))


def test_to_mobilenet_accepts_right_answers(capsys):
    tf = pytest.importorskip("tensorflow")
    keras = pytest.importorskip("keras")
    _passes(ex.check_to_mobilenet, lambda x: np.repeat(_pad(x), 3, axis=-1) * 2 - 1,
            capsys=capsys)
    _passes(ex.check_to_mobilenet, lambda x: keras.applications.mobilenet_v2.preprocess_input(
        np.concatenate([_pad(x)] * 3, axis=-1) * 255.0), capsys=capsys)
    _passes(ex.check_to_mobilenet,
            lambda x: tf.image.resize(tf.image.grayscale_to_rgb(tf.constant(x)), (96, 96),
                                      method="nearest").numpy() * 2 - 1, capsys=capsys)


@pytest.mark.parametrize(("wrong", "hint"), [
    (lambda x: np.repeat(_pad(x), 3, axis=-1), "not [0, 1]"),
    (lambda x: np.repeat(_pad(x), 3, axis=-1) / 127.5 - 1, "expects pixel values 0-255"),
    (lambda x: _pad(x) * 2 - 1, "colour images"),
    (lambda x: np.repeat(x, 3, axis=-1) * 2 - 1, "at least 32x32"),
    (lambda x: np.repeat(np.pad(x, ((0, 0), (2, 2), (3, 1), (0, 0))), 3, -1)[:, :, :30] * 2 - 1,
     "square images"),
    (lambda x: np.repeat(_pad(x), 3, axis=-1) * 2 - 0.5, "Map 0 to -1"),
    (lambda x: np.concatenate([_pad(x) * 2 - 1, -np.ones_like(_pad(x)), _pad(x) * 2 - 1], -1),
     "three channels differ"),
    (lambda x: np.repeat(np.pad(x[:, 10:, 10:], ((0, 0), (7, 7), (7, 7), (0, 0))), 3, -1) * 2 - 1,
     "Keep the digit whole"),
    (lambda x: None, "forget `return`"),
    (lambda x: "image", "not an array"),
    (lambda x: np.repeat(_pad(x), 3, axis=-1)[0] * 2 - 1, "Keep the batch"),
])
def test_to_mobilenet_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_to_mobilenet, wrong, capsys=capsys, hint=hint)


# --------------------------------------------------------------------------- 3. experiment


def _target_test(n=600):
    """Fake target test digits whose label is written in the first pixel (label / 4)."""
    rng = np.random.default_rng(8)
    y = np.arange(n) % 5
    x = rng.random((n, 28, 28, 1)).astype("float32") * 0.5
    x[:, 0, 0, 0] = y / 4.0
    return x, y


def _model(keras, kernel, error=0.1):
    """A model with one conv_1-like kernel whose output reads the label in the first pixel,
    wrong on a fraction `error` of the images (those whose second pixel is below error)."""
    inputs = keras.Input((28, 28, 1))
    conv = keras.layers.Conv2D(32, 3, name="conv_1")
    hidden = conv(inputs)
    centres = np.arange(5, dtype="float32")

    def read(t):
        import tensorflow as tf

        label = t[:, 0, 0, :] * 4.0
        flip = tf.cast(t[:, 0, 1, :] < 0.5 * error, "float32")
        label = label + flip * (tf.where(label >= 4.0, -1.0, 1.0))
        return -((label - centres) ** 2) * 50.0

    logits = keras.layers.Lambda(read)(inputs)
    zero = keras.layers.Lambda(lambda h: 0.0 * h[:, :1, 0, 0])(hidden)
    outputs = keras.layers.Softmax()(keras.layers.Add()([logits, zero]))
    model = keras.Model(inputs, outputs)
    conv.set_weights([kernel, np.zeros(32, "float32")])
    return model


@pytest.fixture(scope="module")
def models():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    base = rng.normal(size=(3, 3, 1, 32)).astype("float32")
    other = rng.normal(size=(3, 3, 1, 32)).astype("float32")
    return {
        "keras": keras,
        "base_weights": [base, np.zeros(32), np.zeros((3, 3, 32, 64)), np.zeros(64)],
        "transfer": _model(keras, base + 0.01 * other, error=0.05),
        "scratch": _model(keras, other, error=0.2),
        "poor_transfer": _model(keras, base, error=0.6),
        "poor_scratch": _model(keras, other, error=0.9),
    }


def test_transfer_20_accepts_the_intended_pair(models, capsys):
    out = _passes(ex.check_transfer_20, models["transfer"], models["scratch"],
                  models["base_weights"], *_target_test(), capsys=capsys)
    assert "gain" in out


@pytest.mark.parametrize(("pair", "hint"), [
    (("scratch", "scratch"), "same model"),
    (("scratch", "transfer"), "where do transfer_20's filters come from"),
    (("transfer", "transfer"), "same model"),
    (("poor_transfer", "scratch"), "Did both steps run"),
    (("transfer", "poor_scratch"), "Did you train scratch_20"),
])
def test_transfer_20_rejects_wrong_pairs(models, pair, hint, capsys):
    first, second = (models[name] for name in pair)
    _fails(ex.check_transfer_20, first, second, models["base_weights"], *_target_test(),
           capsys=capsys, hint=hint)


def test_transfer_20_rejects_a_transferred_baseline(models, capsys):
    keras = models["keras"]
    twin = _model(keras, models["base_weights"][0], error=0.1)
    _fails(ex.check_transfer_20, models["transfer"], twin, models["base_weights"],
           *_target_test(), capsys=capsys, hint="random weights, not from the base")


@pytest.mark.parametrize(("args", "hint"), [
    ((_target_test()[0] * 255, _target_test()[1]), "divided by 255"),
    ((_target_test()[0][..., 0], _target_test()[1]), "Pass x_target_test"),
    ((_target_test()[0], _target_test()[1] + 5), "the digits 5-9 minus 5"),
])
def test_transfer_20_rejects_wrong_test_data(models, args, hint, capsys):
    _fails(ex.check_transfer_20, models["transfer"], models["scratch"], models["base_weights"],
           *args, capsys=capsys, hint=hint)


def test_transfer_20_rejects_non_models_and_wrong_base(models, capsys):
    _fails(ex.check_transfer_20, "model", models["scratch"], models["base_weights"],
           *_target_test(), capsys=capsys, hint="Keep the trained")
    _fails(ex.check_transfer_20, models["transfer"], models["scratch"], "weights",
           *_target_test(), capsys=capsys, hint="Pass base_weights")
