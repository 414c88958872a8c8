"""Checkers of notebook 06: a right answer passes, each typical wrong answer fails with its
specific hint, an untouched stub hears "not done yet". (The full answers live in the solution
notebook; the compact ones here only prove that the checkers accept right answers.)"""

import time

import numpy as np
import pytest

from course_utils import checks
from course_utils.exercises import lesson06 as ex
from tests.checker_asserts import stub as _stub, passes as _passes, fails as _fails


FUNCTION_CHECKERS = [ex.check_convnet_params, ex.check_shift_images]


@pytest.mark.parametrize("checker", FUNCTION_CHECKERS)
def test_untouched_function_stub_is_not_done_yet(checker, capsys):
    result = checker(_stub)
    out = capsys.readouterr().out
    assert not result and out.startswith("[TODO]") and "not done yet" in out
    assert "hint" not in out.lower()


def test_second_wrong_attempt_gets_another_hint(capsys):
    for _ in range(2):
        ex.check_unused_rows({0})
    assert "Another hint:" in capsys.readouterr().out.splitlines()[-1]


# --------------------------------------------------------------------------- 1. convnet_params


def _params(size, channels):
    side = ((size - 4) // 2 - 2) // 2
    return (25 * channels * 32 + 32) + (9 * 32 * 64 + 64) + (side * side * 64 * 256 + 256) + 2570


def test_convnet_params_accepts_the_right_answer(capsys):
    assert _params(28, 1) == 431_754  # the deck's model, as Keras counts it in the notebook
    _passes(ex.check_convnet_params, _params, capsys=capsys)
    _passes(ex.check_convnet_params, lambda s, c: float(_params(s, c)), capsys=capsys)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda s, c: _params(s, 1), "one 5 x 5 slice per input channel"),
        (lambda s, c: _params(s, c) - 32 - 64 - 256 - 10, "also has a bias"),
        (lambda s, c: 431_754, "the count on MNIST"),
        (lambda s, c: 0, "Follow the shapes"),
        (lambda s, c: "431754", ""),
    ],
)
def test_convnet_params_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_convnet_params, wrong, capsys=capsys, hint=hint)


def test_convnet_params_knows_pooling_rounds_down(capsys):
    def ceil_pool(s, c):
        side = -(-(-(-(s - 4) // 2) - 2) // 2)
        return (25 * c * 32 + 32) + (9 * 32 * 64 + 64) + (side * side * 64 * 256 + 256) + 2570

    _fails(ex.check_convnet_params, ceil_pool, capsys=capsys, hint="round the halved side down")


# --------------------------------------------------------------------------- 2. unused_rows


def _rows_read_by_model_cnn():
    """Rows of the input that model_cnn's output depends on, from its gradient-free shapes:
    each layer's output row i reads its input rows stride * i ... stride * i + kernel - 1."""
    rows = set(range(5))  # pool_2's rows
    for kernel, stride, below in ((2, 2, 11), (3, 1, 13), (2, 2, 26), (3, 1, 28)):
        rows = {stride * r + k for r in rows for k in range(kernel)} & set(range(below))
    return rows


@pytest.mark.parametrize(
    "answer",
    [{26, 27}, [27, 26], (26, 27), range(26, 28), np.array([26, 27]), {26.0, 27.0},
     set(range(28)) - _rows_read_by_model_cnn()],
)
def test_unused_rows_accepts_the_right_answer(answer, capsys):
    _passes(ex.check_unused_rows, answer, capsys=capsys)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (set(), "rounding down"),
        ({27}, "Part of it"),
        ({26}, "Part of it"),
        ({24, 25, 26, 27}, "Too many"),
        ({0, 1, 26, 27}, "Too many"),
        ({0, 1}, "Go from the output down"),
        ({28, 29}, "from 0 to 27"),
        ("26, 27", "set of integers"),
        (26.5, "set of integers"),
    ],
)
def test_unused_rows_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_unused_rows, wrong, capsys=capsys, hint=hint)


@pytest.mark.parametrize("stub", [None, ...])
def test_unused_rows_stub_is_not_done_yet(stub, capsys):
    result = ex.check_unused_rows(stub)
    out = capsys.readouterr().out
    assert not result and out.startswith("[TODO]") and "hint" not in out.lower()


def test_unused_rows_of_a_stack_that_reads_everything():
    assert ex._unused_rows(((5, 1), (2, 2), (3, 1), (2, 2))) == set()  # section 4's convnet
    assert ex._unused_rows() == {26, 27}


# --------------------------------------------------------------------------- 3. shift_images


def _shift(images, dx, dy):
    h, w = images.shape[1], images.shape[2]
    padded = np.pad(images, [(0, 0), (h, h), (w, w)] + [(0, 0)] * (images.ndim - 3))
    return padded[:, h - dy:2 * h - dy, w - dx:2 * w - dx]


def test_shift_images_accepts_the_right_answer(capsys):
    _passes(ex.check_shift_images, _shift, capsys=capsys)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda x, dx, dy: np.roll(x, (dy, dx), axis=(1, 2)), "np.roll wraps"),
        (lambda x, dx, dy: _shift(x, dy, dx), "dx moves along the columns"),
        (lambda x, dx, dy: _shift(x, -dx, -dy), "Wrong direction"),
        (lambda x, dx, dy: x, "array of zeros"),
    ],
)
def test_shift_images_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_shift_images, wrong, capsys=capsys, hint=hint)


# --------------------------------------------------------------------------- 4. the experiment


class FakeModel:
    """Stands in for a trained Keras model: `count_params`, `layers` and a call on a batch
    (no training). `confidence` is the probability it gives its answer."""

    def __init__(self, n_params=ex.GAP_PARAMS, accuracy=0.9, hang=False, confidence=0.91,
                 pooling="GlobalAveragePooling2D"):
        self.n_params, self.accuracy, self.hang = n_params, accuracy, hang
        self.confidence = confidence
        self.layers = [type(name, (), {})() for name in ("Conv2D", "MaxPooling2D", "Conv2D",
                                                         "MaxPooling2D", pooling, "Dense")]

    def count_params(self):
        return self.n_params

    def __call__(self, x, training=False):
        while self.hang:
            time.sleep(0.01)
        start = self._seen = getattr(self, "_seen", 0)
        labels = _test_set()[1]
        n_right = int(round(self.accuracy * len(labels)))
        guesses = np.where(np.arange(len(labels)) < n_right, labels, (labels + 1) % 10)
        batch = guesses[start:start + len(x)]
        self._seen = (start + len(x)) % len(labels)
        rest = (1 - self.confidence) / 9
        return np.eye(10)[batch] * (self.confidence - rest) + rest


def _test_set(n=500):
    rng = np.random.default_rng(0)
    return rng.random((n, 28, 28, 1), dtype=np.float32), np.arange(n) % 10


def test_gap_params_are_the_notebooks():
    assert ex.GAP_PARAMS == 19_978 and ex.CONVNET_PARAMS == 431_754


def test_gap_convnet_stub_is_not_done_yet(capsys):
    result = ex.check_gap_convnet(None, *_test_set())
    out = capsys.readouterr().out
    assert not result and out.startswith("[TODO]") and "hint" not in out.lower()


def test_gap_convnet_accepts_a_trained_model(capsys):
    out = _passes(ex.check_gap_convnet, FakeModel(), *_test_set(), capsys=capsys)
    assert "0.9000 in [" in out  # the measured accuracy, for tests/benchmarks/metric_bands.py


@pytest.mark.parametrize(
    ("model", "data", "hint"),
    [
        (FakeModel(n_params=431_754), None, "replaces exactly those two layers"),
        (FakeModel(n_params=34_826), None, "after a global pooling"),
        (FakeModel(pooling="GlobalMaxPooling2D"), None, "the mean of each feature map"),
        (FakeModel(accuracy=0.11, confidence=0.12), None, "looks untrained"),
        (FakeModel(accuracy=0.19), None, "trained on other images"),
        (FakeModel(accuracy=(0.3 + ex.GAP_SMOKE[0]) / 2), None, "Train it as the models of section 7"),
        (0.9, None, "Pass the model you built"),
        (FakeModel(), (np.zeros((5, 28, 28, 1)), np.zeros(5)), "Call the checker as in the cell"),
        (FakeModel(), (255 * _test_set()[0], _test_set()[1]), "Call the checker as in the cell"),
        (FakeModel(), (_test_set()[0].reshape(500, 784), _test_set()[1]), "Call the checker"),
    ],
)
def test_gap_convnet_rejects_wrong_answers(model, data, hint, capsys, monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    from course_utils import profile

    monkeypatch.setattr(profile, "_current", None)
    _fails(ex.check_gap_convnet, model, *(data or _test_set()), capsys=capsys, hint=hint)


def test_gap_convnet_accepts_images_without_a_channel_axis(capsys):
    x, y = _test_set()
    _passes(ex.check_gap_convnet, FakeModel(), x[..., 0], y, capsys=capsys)


def test_gap_convnet_gives_up_on_a_model_that_hangs(monkeypatch, capsys):
    monkeypatch.setattr(checks, "TIME_LIMIT_S", 0.5)
    out = _fails(ex.check_gap_convnet, FakeModel(hang=True), *_test_set(), capsys=capsys)
    assert "did not finish" in out


def test_gap_convnet_band_follows_the_profile(monkeypatch, capsys):
    from course_utils import profile

    low = min(ex.GAP_SMOKE[0], ex.GAP_FULL[0])
    high = max(ex.GAP_SMOKE[0], ex.GAP_FULL[0])
    between = FakeModel(accuracy=(low + high) / 2)
    for name, passes in (("smoke", True), ("full", False)):
        monkeypatch.setattr(profile, "_current", None)
        monkeypatch.setenv("COURSE_PROFILE", name)
        assert bool(ex.check_gap_convnet(between, *_test_set())) == passes, name
        assert f"({name} profile)" in capsys.readouterr().out
