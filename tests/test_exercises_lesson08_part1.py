"""Checkers of notebook 08, part 1: a right answer passes, each typical wrong answer fails with
its specific hint, an untouched stub hears "not done yet". (The full answers live in the
solution notebook; the compact ones here only prove that the checkers accept right answers.)"""

import numpy as np
import pytest

from course_utils.exercises import lesson08_part1 as ex
from tests.checker_asserts import stub as _stub, passes as _passes, fails as _fails


@pytest.mark.parametrize("checker", [ex.check_conv_params, ex.check_deck_input_side,
                                     ex.check_plain_network])
@pytest.mark.parametrize("stub", [_stub, None, ...])
def test_stub_is_not_done(checker, stub, capsys):
    args = (stub,) if checker is not ex.check_plain_network else (stub, None, None)
    if stub is _stub and checker is not ex.check_conv_params:
        return  # a value or a model, not a function
    assert not checker(*args)
    out = capsys.readouterr().out
    assert out.startswith("[TODO]") and "not done yet" in out


def test_titles_are_whole_sentences(capsys):
    for checker in (ex.check_conv_params, ex.check_deck_input_side):
        checker(None)
        out = capsys.readouterr().out
        assert out.startswith("[TODO] Exercise ") and ": not done yet" in out
        assert "parameters of a:" not in out and "a stack of:" not in out


# --------------------------------------------------------------------------- 1. conv_params


def test_conv_params_accepts_right_answers(capsys):
    def with_math(kernel_size, in_channels, filters, use_bias=True):
        kh, kw = kernel_size if isinstance(kernel_size, tuple) else (kernel_size, kernel_size)
        return kh * kw * in_channels * filters + filters * int(use_bias)

    _passes(ex.check_conv_params, ex.conv_params_reference, capsys=capsys)
    _passes(ex.check_conv_params, with_math, capsys=capsys)


def test_conv_params_reference_matches_keras():
    keras = pytest.importorskip("keras")
    for args, expected in ex._conv_cases():
        kernel_size, in_channels, filters, *rest = args
        layer = keras.layers.Conv2D(filters, kernel_size, use_bias=rest[0] if rest else True)
        layer.build((None, 40, 40, in_channels))
        assert layer.count_params() == expected == ex.conv_params_reference(*args)


@pytest.mark.parametrize(("wrong", "hint"), [
    (ex._conv_no_bias, "has a bias when use_bias is True"),
    (ex._conv_bias_always, "use_bias=False the layer has no biases"),
    (ex._conv_no_in_channels, "spans all the input channels"),
    (ex._conv_one_bias, "one bias per filter"),
    (ex._conv_bias_per_channel, "one bias per filter"),
    (ex._conv_square_only, "a pair (kh, kw)"),
    (lambda k, c, f, use_bias=True: None, "forget `return`"),
    (lambda k, c, f, use_bias=True: 0, "Count the numbers one filter holds"),
    (lambda k, c, f: 156, "Count the numbers one filter holds"),  # no use_bias parameter at all: a TypeError
])
def test_conv_params_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_conv_params, wrong, capsys=capsys, hint=hint)


# --------------------------------------------------------------------------- 2. deck input side


def test_deck_vgg_side_matches_keras():
    keras = pytest.importorskip("keras")
    for side in (224, 404, 403, 435, 436):
        model = keras.Sequential([keras.Input((side, side, 1))])
        for convs in ex.VGG_BLOCKS:
            for _ in range(convs):
                model.add(keras.layers.Conv2D(1, 3))
            model.add(keras.layers.MaxPooling2D(2, strides=2))
        assert model.output_shape[1] == ex.deck_vgg_side(side)
    assert ex.deck_vgg_side(224, padding="same") == 7


def test_deck_input_side_accepts_right_answers(capsys):
    assert ex.smallest_deck_input_side() == 404
    for answer in (404, 404.0, np.int64(404), np.array([404])):
        _passes(ex.check_deck_input_side, answer, capsys=capsys)


@pytest.mark.parametrize(("wrong", "hint"), [
    (224, "padding 'same'"),
    (435, "take the smallest one"),
    (420, "take the smallest one"),
    (400, "Go backwards from 7"),
    (7 * 32, "padding 'same'"),
    (230, "Go backwards from 7"),
    (0, "Give one integer"),
    (404.5, "Give one integer"),
    ("404", "Give one integer"),
    (float("nan"), "Give one integer"),
])
def test_deck_input_side_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_deck_input_side, wrong, capsys=capsys, hint=hint)


def test_deck_input_side_second_hint(capsys):
    ex.check_deck_input_side(400)
    capsys.readouterr()
    out = _fails(ex.check_deck_input_side, 401, capsys=capsys, hint="Another hint")
    assert "Undo the blocks" in out


# --------------------------------------------------------------------------- 3. experiment


def _fashion(n=300):
    """Fake test images whose label is written in the first pixel (label / 9)."""
    rng = np.random.default_rng(8)
    y = np.arange(n) % 10
    x = rng.random((n, 28, 28, 1)).astype("float32") * 0.5
    x[:, 0, 0, 0] = y / 9.0
    return x, y


def _plain_net(keras, depth_blocks=9, skip=False, norm=False, reads_label=True):
    """A plain conv stack of 2 * depth_blocks + 2 weight layers whose output reads the label
    in the first pixel (so that it is 'trained' without training)."""
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    for _ in range(2 * depth_blocks):
        h = keras.layers.Conv2D(4, 3, padding="same")(x)
        if norm:
            h = keras.layers.BatchNormalization()(h)
        x = keras.layers.Add()([h, x]) if skip else h
    pixel = keras.layers.Lambda(lambda t: t[:, 0, 0, :] * 9.0)(inputs)
    centres = np.arange(10, dtype="float32")
    features = keras.layers.Concatenate()([keras.layers.GlobalAveragePooling2D()(x), pixel]) \
        if skip else keras.layers.GlobalAveragePooling2D()(x)
    dense = keras.layers.Dense(10, activation="softmax")
    outputs = dense(features)
    model = keras.Model(inputs, outputs)
    if reads_label and not skip:
        kernel = np.zeros((4, 10), "float32")
        bias = np.zeros(10, "float32")
        model2 = keras.Model(inputs, keras.layers.Softmax()(keras.layers.Lambda(
            lambda p: -((p - centres) ** 2) * 50.0)(pixel) + 0.0 * dense(features)))
        dense.set_weights([kernel, bias])
        return model2
    return model


def test_plain_network_accepts_a_plain_deep_model(capsys):
    keras = pytest.importorskip("keras")
    out = _passes(ex.check_plain_network, _plain_net(keras), *_fashion(), capsys=capsys)
    assert "20 weight layers" in out


def test_plain_network_rejects_an_untrained_model(capsys):
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    _fails(ex.check_plain_network, _plain_net(keras, reads_label=False), *_fashion(),
           capsys=capsys, hint="Did you train it")


@pytest.mark.parametrize(("kwargs", "hint"), [
    ({"skip": True}, "skip=False"),
    ({"norm": True}, "batch_norm=False"),
    ({"depth_blocks": 3}, "20 layers"),
])
def test_plain_network_rejects_wrong_structures(kwargs, hint, capsys):
    keras = pytest.importorskip("keras")
    _fails(ex.check_plain_network, _plain_net(keras, **kwargs), *_fashion(), capsys=capsys,
           hint=hint)


def test_plain_network_rejects_wrong_data_and_non_models(capsys):
    keras = pytest.importorskip("keras")
    model = _plain_net(keras)
    x, y = _fashion()
    _fails(ex.check_plain_network, model, x * 255, y, capsys=capsys, hint="Pass f_test")
    _fails(ex.check_plain_network, model, x[..., 0], y, capsys=capsys, hint="Pass f_test")
    _fails(ex.check_plain_network, "model", x, y, capsys=capsys, hint="plain_model")


def test_plain_structure_counts_the_notebook_layout():
    keras = pytest.importorskip("keras")
    layers = keras.layers
    inputs = keras.Input((28, 28, 1))
    x = layers.Conv2D(8, 3, strides=2, padding="same")(inputs)
    for stage in range(3):
        for block in range(3):
            strides = 2 if stage and not block else 1
            h = layers.Conv2D(8 * 2**stage, 3, strides=strides, padding="same")(x)
            h = layers.Conv2D(8 * 2**stage, 3, padding="same")(h)
            if strides != 1 or x.shape[-1] != h.shape[-1]:
                x = layers.Conv2D(8 * 2**stage, 1, strides=strides)(x)
            x = layers.Add()([h, x])
    outputs = layers.Dense(10)(layers.GlobalAveragePooling2D()(x))
    weight, merges, norms = ex.plain_structure(keras.Model(inputs, outputs))
    assert weight == 20 and len(merges) == 9 and norms == []
