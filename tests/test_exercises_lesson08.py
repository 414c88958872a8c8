"""Checkers of notebook 08: a right answer passes, each typical wrong answer fails with its
specific hint, an untouched stub hears "not done yet". (The full answers live in the solution
notebook; the compact ones here only prove that the checkers accept right answers.)"""

import math

import numpy as np
import pytest

from course_utils.exercises import lesson08 as ex
from tests.checker_asserts import stub as _stub, passes as _passes, fails as _fails


@pytest.mark.parametrize("checker", [ex.check_conv_params, ex.check_output_side])
@pytest.mark.parametrize("stub", [_stub, None, ...])
def test_function_stub_is_not_done(checker, stub, capsys):
    assert not checker(stub)
    out = capsys.readouterr().out
    assert out.startswith("[TODO]") and "not done yet" in out


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
    (ex._conv_no_bias, "Add one bias per filter"),
    (ex._conv_bias_always, "use_bias=False there are no biases"),
    (ex._conv_no_in_channels, "multiply by in_channels"),
    (ex._conv_one_bias, "one bias per filter"),
    (ex._conv_bias_per_channel, "one bias per filter"),
    (ex._conv_square_only, "a pair (kh, kw)"),
    (lambda k, c, f, use_bias=True: None, "forget `return`"),
    (lambda k, c, f, use_bias=True: 0, "(kh * kw * in_channels + 1) * filters"),
    (lambda k, c, f: 156, "use_bias"),  # no use_bias parameter at all: a TypeError
])
def test_conv_params_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_conv_params, wrong, capsys=capsys, hint=hint)


# --------------------------------------------------------------------------- 2. output_side


def test_output_side_accepts_right_answers(capsys):
    def with_ceil(side, stack):
        for k, s, padding in stack:
            side = math.ceil(side / s) if padding == "same" else math.floor((side - k) / s) + 1
        return side

    _passes(ex.check_output_side, ex.output_side_reference, capsys=capsys)
    _passes(ex.check_output_side, with_ceil, capsys=capsys)


def test_output_side_reference_matches_keras():
    keras = pytest.importorskip("keras")
    for (side, stack), expected in ex._side_cases():
        if not stack:
            continue
        model = keras.Sequential([keras.Input((side, side, 1))]
                                 + [keras.layers.Conv2D(1, k, strides=s, padding=p)
                                    for k, s, p in stack])
        assert model.output_shape[1] == expected == ex.output_side_reference(side, stack)


@pytest.mark.parametrize(("wrong", "hint"), [
    (ex._side_ceil_valid, "rounds down"),
    (ex._side_no_stride, "Divide by the stride"),
    (ex._side_same_ignored, "does not shrink it"),
    (ex._side_same_no_stride, "the stride still divides the side"),
    (ex._side_no_plus_one, "the + 1"),
    (ex._side_floor_same, "rounded up"),
    (ex._side_first_layer_only, "every layer of the stack"),
    (lambda side, stack: [side], "Go through the layers"),
    (lambda side, stack: float("nan"), "Go through the layers"),
])
def test_output_side_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_output_side, wrong, capsys=capsys, hint=hint)


def test_output_side_student_code_cannot_change_the_cases(capsys):
    def destructive(side, stack):
        result = ex.output_side_reference(side, stack)
        stack.clear()
        return result

    _passes(ex.check_output_side, destructive, capsys=capsys)
    assert ex.output_side_reference(32, ex.LENET) == 5


# --------------------------------------------------------------------------- 3. experiment


def _target_test(n=600):
    """Fake target test digits whose label is written in the first pixel (label / 4)."""
    rng = np.random.default_rng(8)
    y = np.arange(n) % 5
    x = rng.random((n, 28, 28, 1)).astype("float32") * 0.5
    x[:, 0, 0, 0] = y / 4.0
    return x, y


class _FakeModel:
    """Reads the label from the first pixel; gets a fraction `error` of the images wrong."""

    def __init__(self, error=0.1, outputs=5):
        self.error, self.outputs = error, outputs

    def predict(self, ds, verbose=0):
        x = np.concatenate([np.asarray(batch) for batch in ds])
        labels = np.rint(x[:, 0, 0, 0] * 4).astype(int)
        wrong = np.arange(len(x)) % 100 < 100 * self.error
        labels = np.where(wrong, (labels + 1) % 5, labels)
        return np.eye(self.outputs)[labels % self.outputs]


def test_transfer_accepts_a_good_model(capsys):
    pytest.importorskip("tensorflow")
    out = _passes(ex.check_transfer_accuracy, _FakeModel(0.1), *_target_test(), capsys=capsys)
    assert "0.9000" in out


def test_transfer_rejects_a_poor_model(capsys):
    pytest.importorskip("tensorflow")
    _fails(ex.check_transfer_accuracy, _FakeModel(0.8), *_target_test(), capsys=capsys,
           hint="Start from base_weights")


def test_transfer_rejects_a_real_untrained_model(capsys):
    pytest.importorskip("tensorflow")
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(5, activation="softmax")])
    _fails(ex.check_transfer_accuracy, model, *_target_test(), capsys=capsys,
           hint="Start from base_weights")


def test_transfer_rejects_a_model_with_ten_outputs(capsys):
    pytest.importorskip("tensorflow")
    _fails(ex.check_transfer_accuracy, _FakeModel(0.0, outputs=10), *_target_test(),
           capsys=capsys, hint="5 outputs")


@pytest.mark.parametrize(("args", "hint"), [
    ((_target_test()[0] * 255, _target_test()[1]), "divided by 255"),
    ((_target_test()[0][..., 0], _target_test()[1]), "Pass x_target_test"),
    ((_target_test()[0], _target_test()[1] + 5), "y_test[y_test >= 5] - 5"),
    ((_target_test()[0], _target_test()[1][:10]), "Pass x_target_test"),
])
def test_transfer_rejects_wrong_test_data(args, hint, capsys):
    _fails(ex.check_transfer_accuracy, _FakeModel(), *args, capsys=capsys, hint=hint)


def test_transfer_rejects_a_non_model(capsys):
    _fails(ex.check_transfer_accuracy, "model", *_target_test(), capsys=capsys,
           hint="Pass transfer_20")


def test_transfer_reports_a_crashing_model(capsys):
    pytest.importorskip("tensorflow")

    class Broken:
        def predict(self, ds, verbose=0):
            raise RuntimeError("boom")

    _fails(ex.check_transfer_accuracy, Broken(), *_target_test(), capsys=capsys,
           hint="trained transfer_20")


def test_transfer_stub_is_not_done(capsys):
    assert not ex.check_transfer_accuracy(None, *_target_test())
    assert capsys.readouterr().out.startswith("[TODO]")
