"""Checkers of notebook 20, part 2: a right answer passes, each typical wrong answer fails with
its specific hint, an untouched stub hears "not done yet". (The full answers live in the
solution notebook; the compact ones here only prove that the checkers accept right answers.)"""

import numpy as np
import pytest

from course_utils.exercises import lesson20_part2 as ex
from tests.checker_asserts import passes as _passes, fails as _fails


# --------------------------------------------------------------------------- helpers


def test_gram_numpy_of_one_map_and_of_a_batch():
    f = np.arange(12, dtype=float).reshape(2, 2, 3)
    flat = f.reshape(4, 3)
    assert np.allclose(ex.gram_numpy(f), flat.T @ flat / 4)
    assert np.allclose(ex.gram_numpy(np.stack([f, 2 * f])), [flat.T @ flat / 4, flat.T @ flat])


def test_gram_ignores_where_things_are():
    f = np.random.default_rng(0).random((5, 6, 4))
    assert np.allclose(ex.gram_numpy(f), ex.gram_numpy(f[::-1, ::-1]))
    assert np.allclose(ex.gram_numpy(f), ex.gram_numpy(np.roll(f, 2, axis=1)))


# --------------------------------------------------------------------------- 1. Gram by hand


@pytest.mark.parametrize("answer", [
    [[0.5, 0.5], [0.5, 2.0]], np.array([[0.5, 0.5], [0.5, 2]]), ((1 / 2, 2 / 4), (0.5, 8 / 4)),
    np.array([[0.5, 0.5], [0.5, 2.0]], dtype=np.float32),
])
def test_gram_by_hand_accepts_the_right_answer(answer, capsys):
    _passes(ex.check_gram_by_hand, answer, capsys=capsys)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        ([[2, 2], [2, 8]], "sum over the positions"),
        ([[0.25, 0.25], [0.25, 1]], "not by the number of values"),
        ([[0.5, 0], [0, 2]], "off-diagonal entries are not zero"),
        ([[0.25, 0], [0, 1]], "covariance"),
        ([[0.5, 0.25], [0.25, 2]], "Write each channel"),
        ([0.5, 0.5, 0.5, 2.0], "Write each channel"),
        ("[[0.5, 0.5], [0.5, 2]]", "Write each channel"),
    ],
)
def test_gram_by_hand_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_gram_by_hand, wrong, capsys=capsys, hint=hint)


@pytest.mark.parametrize("stub", [None, ...])
def test_gram_by_hand_stub_is_not_done_yet(stub, capsys):
    result = ex.check_gram_by_hand(stub)
    out = capsys.readouterr().out
    assert not result and out.startswith("[TODO]") and "hint" not in out.lower()


def test_second_wrong_attempt_gets_another_hint(capsys):
    for _ in range(2):
        ex.check_gram_by_hand([[1, 1], [1, 1]])
    assert "Another hint:" in capsys.readouterr().out.splitlines()[-1]


# --------------------------------------------------------------------------- 2. diagnosis


@pytest.mark.parametrize("answer", ["b", "B", " (b) ", "'b'"])
def test_roll_diagnosis_accepts_the_right_answer(answer, capsys):
    _passes(ex.check_roll_diagnosis, answer, capsys=capsys)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [("a", "histogram"), ("c", "field of conv1_1"), ("d", "mean over positions"),
     ("e", "one letter"), (2, "one letter"), ("a or b", "one letter")],
)
def test_roll_diagnosis_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_roll_diagnosis, wrong, capsys=capsys, hint=hint)


def test_roll_diagnosis_stub_is_not_done_yet(capsys):
    result = ex.check_roll_diagnosis(None)
    assert not result and capsys.readouterr().out.startswith("[TODO]")


# --------------------------------------------------------------------------- 3. the experiment


@pytest.fixture
def smoke(monkeypatch):
    from course_utils import profile

    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    monkeypatch.setattr(profile, "_current", None)


def _images(side=32, seed=0):
    rng = np.random.default_rng(seed)
    content = rng.random((side, side, 3)).astype(np.float32)
    style = np.clip(0.5 + 0.1 * rng.standard_normal((side, side, 3)), 0, 1).astype(np.float32)
    return content, style


class NotAModel:
    pass


def test_texture_stub_is_not_done_yet(capsys):
    result = ex.check_texture(None, None, *_images())
    out = capsys.readouterr().out
    assert not result and out.startswith("[TODO]") and "hint" not in out.lower()


def test_texture_needs_the_network(capsys):
    content, style = _images()
    _fails(ex.check_texture, style * 0.9, NotAModel(), content, style, capsys=capsys,
           hint="ex.check_texture(texture, net, content, style)")


keras = pytest.importorskip("keras")


@pytest.fixture(scope="module")
def net():
    """A small network with the notebook's layer names (random weights: enough to measure)."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(None, None, 3))
    x = inputs
    for block in (1, 2, 3):
        for k in (1, 2):
            x = keras.layers.Conv2D(4, 3, padding="same", activation="relu",
                                    name=f"conv{block}_{k}")(x)
        x = keras.layers.AveragePooling2D(2)(x)
    return keras.Model(inputs, x)


@pytest.fixture
def fake_measure(monkeypatch):
    """Replace the measurement by given losses: (style, content) of (texture, photo, style)."""
    def use(style_share=0.1, content_share=1.0):
        # rows: texture, photo, style image, shuffled style image; columns: style layers
        styles = np.array([[style_share] * 3, [1.0] * 3, [0.0] * 3, [1.0] * 3])
        contents = np.array([content_share, 0.0, 1.0, 1.0])
        monkeypatch.setattr(ex, "style_and_content", lambda *args: (styles, contents))
    return use


def test_texture_accepts_a_texture_with_a_low_style_share(net, fake_measure, smoke, capsys):
    fake_measure(style_share=0.08, content_share=0.9)
    content, style = _images()
    _passes(ex.check_texture, np.roll(style, 5, axis=0) * 0.8, net, content, style, capsys=capsys)


def test_texture_rejects_the_photo_and_a_copy_of_the_style(net, smoke, capsys):
    content, style = _images()
    _fails(ex.check_texture, content, net, content, style, capsys=capsys,
           hint="the photo is still there")
    _fails(ex.check_texture, style, net, content, style, capsys=capsys,
           hint="the style image itself")


def test_texture_rejects_a_high_style_share(net, fake_measure, smoke, capsys):
    fake_measure(style_share=0.9, content_share=1.2)
    content, style = _images()
    _fails(ex.check_texture, 1 - style, net, content, style, capsys=capsys,
           hint="Start from white noise")


def test_texture_rejects_wrong_shapes_and_ranges(net, capsys):
    content, style = _images()
    _fails(ex.check_texture, style[:16], net, content, style, capsys=capsys, hint="same shape")
    _fails(ex.check_texture, style * 3, net, content, style, capsys=capsys, hint="[0, 1]")
    _fails(ex.check_texture, style[..., 0], net, content, style, capsys=capsys,
           hint="one RGB image")


def test_texture_measures_a_real_network(net, smoke, capsys):
    """Without the fake: the photo's style share is 1 and the style image's 0."""
    content, style = _images()
    styles, contents = ex.style_and_content(net, np.stack([content, style]), content, style)
    assert styles.shape == (2, len(ex.STYLE_LAYERS))
    assert np.isclose(contents[0], 0) and np.allclose(styles[1], 0, atol=1e-12)
    assert np.all(styles[0] > 0) and contents[1] > 0


def test_photo_likeness_sees_the_layout_through_speckle():
    rng = np.random.default_rng(1)
    photo = np.zeros((32, 32, 3))
    photo[8:24, 4:16] = 0.8  # a bright block on the left
    speckled = np.clip(photo + 0.3 * rng.standard_normal(photo.shape), 0, 1)
    assert ex.photo_likeness(photo, photo) > 0.99
    assert ex.photo_likeness(speckled, photo) > 0.8
    assert ex.photo_likeness(1 - photo, photo) < -0.99
    assert ex.photo_likeness(np.full_like(photo, 0.5), photo) == 0.0
    assert abs(ex.photo_likeness(rng.random(photo.shape), photo)) < 0.5
