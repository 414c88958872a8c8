"""Checkers of notebook 19: a right answer passes, each typical wrong answer fails with its
specific hint, an untouched stub hears "not done yet". (The full answers live in the solution
notebook; the compact ones here only prove that the checkers accept right answers.)"""

import time

import numpy as np
import pytest

from course_utils import checks
from course_utils.exercises import lesson19 as ex
from tests.checker_asserts import stub as _stub, passes as _passes, fails as _fails


@pytest.mark.parametrize("checker", [ex.check_dice_from_iou, ex.check_transposed_side])
def test_untouched_function_stub_is_not_done_yet(checker, capsys):
    result = checker(_stub)
    out = capsys.readouterr().out
    assert not result and out.startswith("[TODO]") and "not done yet" in out
    assert "hint" not in out.lower()


def test_second_wrong_attempt_gets_another_hint(capsys):
    for _ in range(2):
        ex.check_dice_from_iou(lambda x: x)
    assert "Another hint:" in capsys.readouterr().out.splitlines()[-1]


# --------------------------------------------------------------------------- 1. Dice from IoU


def _dice_from_counts(iou):
    """Dice through counts: intersection `iou`, union 1, so |P| + |T| = 1 + iou."""
    intersection = np.asarray(iou, dtype=float)
    return 2 * intersection / (1 + intersection)


@pytest.mark.parametrize("answer", [lambda j: 2 * j / (1 + j), lambda j: 1 - (1 - j) / (1 + j),
                                    _dice_from_counts, lambda j: 2 / (1 / np.asarray(j) + 1)
                                    if np.all(np.asarray(j) > 0) else 2 * j / (1 + j)])
def test_dice_from_iou_accepts_right_answers(answer, capsys):
    _passes(ex.check_dice_from_iou, answer, capsys=capsys)


def test_dice_is_the_notebooks_definition():
    # Dice = 2|P&T| / (|P| + |T|) on two masks, against the formula
    p = np.array([1, 1, 1, 0, 0, 1], bool)
    t = np.array([0, 1, 1, 1, 0, 1], bool)
    iou = (p & t).sum() / (p | t).sum()
    assert np.isclose(2 * (p & t).sum() / (p.sum() + t.sum()), 2 * iou / (1 + iou))


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda j: j, "equal only at 0 and 1"),
        (lambda j: 2 * j, "counts the shared pixels twice"),
        (lambda j: j / (1 + j), "factor 2"),
        (lambda j: j ** 2, "same three counts"),
        (lambda j: "0.5", ""),
        (lambda j: None, "return"),
    ],
)
def test_dice_from_iou_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_dice_from_iou, wrong, capsys=capsys, hint=hint)


# --------------------------------------------------------------------------- 2. transposed side


def _side(side, kernel, stride, padding):
    if padding == "same":
        return side * stride
    return side * stride + max(kernel - stride, 0)


def test_transposed_side_accepts_right_answers(capsys):
    _passes(ex.check_transposed_side, _side, capsys=capsys)
    _passes(ex.check_transposed_side, lambda s, k, st, p: float(_side(s, k, st, p)), capsys=capsys)


def test_transposed_side_is_keras():
    keras = pytest.importorskip("keras")
    for side, kernel, stride, padding in ((8, 3, 2, "valid"), (4, 1, 2, "valid"), (5, 5, 3, "same"),
                                          (3, 2, 4, "valid"), (7, 3, 1, "valid")):
        layer = keras.layers.Conv2DTranspose(1, kernel, strides=stride, padding=padding)
        shape = layer.compute_output_shape((1, side, side, 1))
        assert shape[1] == ex._transposed_side(side, kernel, stride, padding)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda s, k, st, p: (s - 1) * st + k if p == "valid" else s * st, "kernel < stride"),
        (lambda s, k, st, p: (s - k) // st + 1, "forward"),
        (lambda s, k, st, p: s * st, "kernel's overhang"),
        (lambda s, k, st, p: (s - 1) * st + max(k, st) if p == "same" else s * st, "swapped"),
        (lambda s, k, st, p: s, "Stamp"),
    ],
)
def test_transposed_side_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_transposed_side, wrong, capsys=capsys, hint=hint)


# --------------------------------------------------------------------------- 3. the experiment


def _layer(kind, strides=(1, 1), dilation_rate=(1, 1)):
    layer = type(kind, (), {})()
    layer.strides, layer.dilation_rate = strides, dilation_rate
    return layer


def _test_set(n=60, side=64):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 11, size=(n, side, side))
    return rng.random((n, side, side, 1), dtype=np.float32), y


class FakeSegmenter:
    """Stands in for a trained Keras U-Net: `count_params`, `get_weights`, `layers` and a
    call on a batch that returns one-hot probabilities, right on `share` of the pixels."""

    def __init__(self, poolings=2, dilated=2, strided=0, share=0.9, hang=False, uniform=False):
        self.layers = ([_layer("MaxPooling2D") for _ in range(poolings)]
                       + [_layer("Conv2D", dilation_rate=(2, 2)) for _ in range(dilated)]
                       + [_layer("Conv2D", strides=(2, 2)) for _ in range(strided)]
                       + [_layer("Conv2DTranspose", strides=(2, 2)), _layer("Concatenate")])
        self.share, self.hang, self.uniform = share, hang, uniform

    def count_params(self):
        return 1000

    def get_weights(self):
        return []

    def __call__(self, x, training=False):
        while self.hang:
            time.sleep(0.01)
        start = self._seen = getattr(self, "_seen", 0)
        masks = _test_set(side=x.shape[1])[1]
        truth = masks[start:start + len(x)]
        self._seen = (start + len(x)) % len(masks)
        right = np.random.default_rng(1).random(truth.shape) < self.share
        if self.uniform:  # an untrained network's near-uniform guess
            return np.full(truth.shape + (11,), 1 / 11)
        return np.eye(11)[np.where(right, truth, (truth + 1) % 11)] * 0.89 + 0.01


@pytest.fixture
def field(monkeypatch):
    """The receptive field the checker measures, set by the test (no TensorFlow)."""
    value = {"field": ex.UNET_3_FIELD + 8}
    monkeypatch.setattr(ex, "receptive_field", lambda model: value["field"])
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    from course_utils import profile

    monkeypatch.setattr(profile, "_current", None)
    return value


def test_dilated_unet_stub_is_not_done_yet(capsys):
    result = ex.check_dilated_unet(None, *_test_set())
    out = capsys.readouterr().out
    assert not result and out.startswith("[TODO]") and "hint" not in out.lower()


def test_dilated_unet_accepts_a_trained_model(field, capsys):
    out = _passes(ex.check_dilated_unet, FakeSegmenter(), *_test_set(), capsys=capsys)
    assert " in [" in out  # the measured IoU, for tests/benchmarks/metric_bands.py


def test_dilated_unet_accepts_the_smoke_profiles_smaller_canvases(field, capsys):
    _passes(ex.check_dilated_unet, FakeSegmenter(), *_test_set(side=48), capsys=capsys)


def test_dilated_unet_accepts_masks_without_a_channel_axis(field, capsys):
    x, y = _test_set()
    _passes(ex.check_dilated_unet, FakeSegmenter(), x[..., 0], y, capsys=capsys)


@pytest.mark.parametrize(
    ("model", "data", "small_field", "hint"),
    [
        (FakeSegmenter(poolings=3), None, False, "deeper U-Net"),
        (FakeSegmenter(poolings=2, strided=1), None, False, "deeper U-Net"),
        (FakeSegmenter(dilated=0), None, False, "no dilated convolution"),
        (FakeSegmenter(), None, True, "less than unet_3's"),
        (FakeSegmenter(share=0.0), None, False, "Train it as section 4"),
        (FakeSegmenter(uniform=True), None, False, "looks untrained"),
        (0.9, None, False, "Pass the model you built"),
        (FakeSegmenter(), (np.zeros((5, 64, 64, 1)), np.zeros((5, 64, 64))), False,
         "Call the checker as in the cell"),
        (FakeSegmenter(), (255 * _test_set()[0], _test_set()[1]), False, "Call the checker"),
        (FakeSegmenter(), (np.zeros((60, 28, 28, 1)), np.zeros((60, 28, 28))), False,
         "Call the checker"),
        (FakeSegmenter(), (np.zeros((60, 64, 48, 1)), np.zeros((60, 64, 48))), False,
         "Call the checker"),
    ],
)
def test_dilated_unet_rejects_wrong_answers(field, model, data, small_field, hint, capsys):
    if small_field:
        field["field"] = ex.UNET_2_FIELD
    _fails(ex.check_dilated_unet, model, *(data or _test_set()), capsys=capsys, hint=hint)


def test_dilated_unet_gives_up_on_a_model_that_hangs(field, monkeypatch, capsys):
    monkeypatch.setattr(checks, "TIME_LIMIT_S", 0.5)
    out = _fails(ex.check_dilated_unet, FakeSegmenter(hang=True), *_test_set(), capsys=capsys)
    assert "did not finish" in out


def test_dilated_unet_band_follows_the_profile(field, monkeypatch, capsys):
    from course_utils import profile

    assert ex._digit_iou(_test_set()[1][:5], _test_set()[1][:5]) == 1.0
    between = (ex.DILATED_SMOKE[0] + ex.DILATED_FULL[0]) / 2
    monkeypatch.setattr(ex, "_digit_iou", lambda y_true, y_pred: between)
    for name, passes in (("smoke", True), ("full", False)):
        monkeypatch.setattr(profile, "_current", None)
        monkeypatch.setenv("COURSE_PROFILE", name)
        assert bool(ex.check_dilated_unet(FakeSegmenter(), *_test_set())) == passes, name
        assert f"({name} profile)" in capsys.readouterr().out


def test_receptive_field_of_real_unets():
    keras = pytest.importorskip("keras")
    layers = keras.layers

    def unet(levels, dilations=()):
        inputs = keras.Input(shape=(None, None, 1))
        x, skips = inputs, []
        for level in range(levels):
            x = layers.Conv2D(4, 3, padding="same", use_bias=False)(x)
            x = layers.BatchNormalization()(x)
            x = layers.Activation("relu")(x)
            skips.append(x)
            x = layers.MaxPooling2D(2)(x)
        for d in dilations or (1,):
            x = layers.Conv2D(4, 3, padding="same", dilation_rate=d, activation="relu")(x)
        for level in reversed(range(levels)):
            x = layers.Conv2DTranspose(4, 2, strides=2)(x)
            x = layers.Concatenate()([x, skips[level]])
            x = layers.Conv2D(4, 3, padding="same", activation="relu")(x)
        return keras.Model(inputs, layers.Conv2D(11, 1, activation="softmax")(x))

    assert ex.receptive_field(unet(2)) == ex.UNET_2_FIELD
    assert ex.receptive_field(unet(3)) == ex.UNET_3_FIELD
    assert ex.receptive_field(unet(2, dilations=(2, 4))) >= ex.UNET_3_FIELD
