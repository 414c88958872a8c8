"""Checkers of notebook 20, part 1: a right answer passes, each typical wrong answer fails with
its specific hint, an untouched stub hears "not done yet". (The full answers live in the
solution notebook; the compact ones here only prove that the checkers accept right answers.)"""

import numpy as np
import pytest

from course_utils import checks
from course_utils.exercises import lesson20_part1 as ex
from tests.checker_asserts import passes as _passes, fails as _fails


# --------------------------------------------------------------------------- helpers


def test_receptive_field_of_the_notebooks_stacks():
    assert ex.receptive_field(ex.CLASSIFIER_LAYERS) == (38, 8)  # section 3's printout
    assert ex.receptive_field(ex.CLASSIFIER_LAYERS[:1]) == (3, 1)
    assert ex.receptive_field(ex.CLASSIFIER_LAYERS[:3]) == (8, 2)
    assert ex.receptive_field(ex.CLASSIFIER_LAYERS[:5]) == (18, 4)


def test_box_shares_of_a_uniform_an_empty_and_a_peaked_map():
    maps = np.zeros((3, 10, 10))
    maps[0] = 1.0
    maps[2, 2, 3] = 5.0
    shares = ex.box_shares(maps, [(0, 0, 5, 5)] * 3)
    assert np.allclose(shares, [0.25, 0.25, 1.0])


# --------------------------------------------------------------------------- 1. field and jump


@pytest.mark.parametrize("answer", [(26, 4), [26, 4], np.array([26, 4]), (26.0, 4.0)])
def test_finer_field_accepts_the_right_answer(answer, capsys):
    _passes(ex.check_finer_field, answer, capsys=capsys)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        ((38, 8), "That is section 3's classifier"),
        ((18, 4), "That is conv_3's field"),
        ((9, 4), "Every convolution below"),
        ((26, 8), "product of the strides"),
        ((30, 4), "Apply section 3's rule"),
        ((26,), "Apply section 3's rule"),
        ("26, 4", "Apply section 3's rule"),
    ],
)
def test_finer_field_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_finer_field, wrong, capsys=capsys, hint=hint)


@pytest.mark.parametrize("stub", [None, ..., (None, None), (..., ...)])
def test_finer_field_stub_is_not_done_yet(stub, capsys):
    result = ex.check_finer_field(stub)
    out = capsys.readouterr().out
    assert not result and out.startswith("[TODO]") and "hint" not in out.lower()


def test_second_wrong_attempt_gets_another_hint(capsys):
    for _ in range(2):
        ex.check_finer_field((30, 4))
    assert "Another hint:" in capsys.readouterr().out.splitlines()[-1]


# --------------------------------------------------------------------------- 2. diagnosis


@pytest.mark.parametrize("answer", ["b", "B", " (b) ", "'b'"])
def test_randomised_diagnosis_accepts_the_right_answer(answer, capsys):
    _passes(ex.check_randomised_diagnosis, answer, capsys=capsys)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [("a", "enters only through those maps"), ("c", "nothing learnt survives"),
     ("d", "moves no mass"), ("e", "one letter"), (2, "one letter"), ("b and c", "one letter")],
)
def test_randomised_diagnosis_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_randomised_diagnosis, wrong, capsys=capsys, hint=hint)


def test_randomised_diagnosis_stub_is_not_done_yet(capsys):
    result = ex.check_randomised_diagnosis(None)
    assert not result and capsys.readouterr().out.startswith("[TODO]")


# --------------------------------------------------------------------------- 3. the experiment


def _test_set(n=120, side=48, seed=0):
    """Images in [0, 1], two non-overlapping boxes per image, two different labels."""
    rng = np.random.default_rng(seed)
    images = np.zeros((n, side, side, 1), np.float32)
    boxes = np.tile(np.array([[4, 4, 20, 16], [26, 28, 44, 42]]), (n, 1, 1))
    for y0, x0, y1, x1 in boxes[0]:
        images[:, y0:y1, x0:x1] = rng.random((n, y1 - y0, x1 - x0, 1))
    labels = np.stack([np.arange(n) % 10, (np.arange(n) + 3) % 10], axis=1)
    return images, boxes, labels


@pytest.fixture
def fake_measure(monkeypatch):
    """Replace the Grad-CAM measurement by given (side, share, found) values."""
    def use(side=12, share=0.5, found=0.6):
        monkeypatch.setattr(ex, "_cam_shares", lambda *args: (side, share, found))
    return use


@pytest.fixture
def smoke(monkeypatch):
    from course_utils import profile

    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    monkeypatch.setattr(profile, "_current", None)


class NotAModel:
    pass


def test_finer_cam_stub_is_not_done_yet(capsys):
    result = ex.check_finer_cam(None, *_test_set())
    out = capsys.readouterr().out
    assert not result and out.startswith("[TODO]") and "hint" not in out.lower()


def test_finer_cam_rejects_what_is_not_a_model(capsys):
    _fails(ex.check_finer_cam, NotAModel(), *_test_set(), capsys=capsys,
           hint="Pass the model you built")
    _fails(ex.check_finer_cam, 0.4, *_test_set(), capsys=capsys, hint="Pass the model you built")


keras = pytest.importorskip("keras")


def _classifier(last_pool, side=48):
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(side, side, 1))
    x = inputs
    for k, filters in enumerate((4, 4, 4), start=1):
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        if k < 3 or last_pool:
            x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="last_conv")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(10)(x))


@pytest.fixture(scope="module")
def fine_model():
    return _classifier(last_pool=False)


def test_finer_cam_accepts_a_trained_finer_model(fine_model, fake_measure, smoke, capsys):
    fake_measure(share=0.5)
    out = _passes(ex.check_finer_cam, fine_model, *_test_set(), capsys=capsys)
    assert "0.5000 in [" in out  # the measured share, for tests/benchmarks/metric_bands.py


@pytest.mark.parametrize(
    ("measured", "hint"),
    [
        (dict(side=6), "That is section 2's classifier"),
        (dict(side=24), "remove only pool_3"),
        (dict(found=0.05), "looks untrained"),
        (dict(share=0.1), "Train it as section 2"),
    ],
)
def test_finer_cam_rejects_wrong_models(measured, hint, fine_model, fake_measure, smoke, capsys):
    fake_measure(**measured)
    _fails(ex.check_finer_cam, fine_model, *_test_set(), capsys=capsys, hint=hint)


def test_finer_cam_band_follows_the_profile(fine_model, fake_measure, monkeypatch, capsys):
    from course_utils import profile

    fake_measure(share=(ex.FINER_SMOKE[0] + ex.FINER_FULL[0]) / 2)
    for name, passes in (("smoke", True), ("full", False)):
        monkeypatch.setattr(profile, "_current", None)
        monkeypatch.setenv("COURSE_PROFILE", name)
        assert bool(ex.check_finer_cam(fine_model, *_test_set())) == passes, name
        assert f"({name} profile)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "data",
    [
        lambda x, b, y: (x * 255, b, y),
        lambda x, b, y: (x[:10], b[:10], y[:10]),
        lambda x, b, y: (x, b[:, 0], y),
        lambda x, b, y: (x, b, np.zeros_like(y)),  # no canvas with two different digits
        lambda x, b, y: ("x_test", b, y),
    ],
)
def test_finer_cam_rejects_the_wrong_test_data(data, fine_model, capsys):
    _fails(ex.check_finer_cam, fine_model, *data(*_test_set()), capsys=capsys,
           hint="Call the checker as in the cell")


def test_finer_cam_measures_a_real_model(fine_model, smoke, monkeypatch, capsys):
    """The real Grad-CAM path: an untrained model of the right structure is told apart by
    how rarely it finds both digits (or by its share), and section 2's structure by its maps.
    (A loaded test machine may need more than the checkers' time limit for a first call:
    this test is about the measurement, the time limit has a test of its own.)"""
    monkeypatch.setattr(checks, "TIME_LIMIT_S", 300.0)
    out = _fails(ex.check_finer_cam, fine_model, *_test_set(), capsys=capsys)
    assert "looks untrained" in out or "measured" in out
    side, share, found = ex._cam_shares(fine_model, *_test_set())
    assert side == 12 and 0 <= share <= 1 and 0 <= found <= 1
    _fails(ex.check_finer_cam, _classifier(last_pool=True), *_test_set(), capsys=capsys,
           hint="That is section 2's classifier")


def test_finer_cam_accepts_images_without_a_channel_axis(fine_model, fake_measure, capsys):
    fake_measure(share=0.9)
    x, b, y = _test_set()
    _passes(ex.check_finer_cam, fine_model, x[..., 0], b, y, capsys=capsys)


def test_finer_cam_gives_up_on_a_measurement_that_hangs(fine_model, monkeypatch, capsys):
    import time

    def hang(*args):
        while True:
            time.sleep(0.01)

    monkeypatch.setattr(checks, "TIME_LIMIT_S", 0.5)
    monkeypatch.setattr(ex, "_cam_shares", hang)
    out = _fails(ex.check_finer_cam, fine_model, *_test_set(), capsys=capsys)
    assert "did not finish" in out
