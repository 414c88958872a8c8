"""Checkers for notebook 20, part 2 (neural style transfer).

1. `check_gram_by_hand`: the Gram matrix of a 2 x 2 feature map with two channels, computed
   on paper, divided by the number of positions as the notebook's `gram` does.
2. `check_roll_diagnosis`: why a circular shift of the style image keeps its style loss near
   zero while shuffling its pixels does not (section 3), a choice among four.
3. `check_texture` (the experiment): the style loss alone, optimised from white noise with the
   trained network (Gatys et al.'s texture); the checker measures, with the network it is
   given, the image's style loss as a share of the shuffled texture's (the style image's
   pixels in random places: its colours without their arrangement), against a band, and
   rejects an image whose coarse layout still correlates with the photo's, or a copy of the
   style image.

Every checker prints one line (`[PASS]`, `[FAIL] ... Hint: ...` or `[TODO] ... not done
yet`), returns a result that is true only on a pass, and never raises or hangs, whatever it
is given (see `course_utils.checks`). Importing this module does not import TensorFlow.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from ..checks import (
    CheckResult,
    Failure,
    NotDone,
    as_floats,
    check_band,
    check_value,
    checker,
    is_stub,
    one_choice,
    report,
    run_limited,
    short,
)

__all__ = ["check_gram_by_hand", "check_roll_diagnosis", "check_texture", "gram_numpy",
           "style_and_content", "STYLE_LAYERS", "CONTENT_LAYER", "FEATURE_MAP"]

#: The layers of the notebook's feature network: style from the first convolution of each
#: block, content from the last convolution.
STYLE_LAYERS = ("conv1_1", "conv2_1", "conv3_1")
CONTENT_LAYER = "conv3_2"


def gram_numpy(features: Any) -> np.ndarray:
    """Gram matrix of a feature map (h, w, c) or a batch (n, h, w, c), divided by the number of
    positions h * w: entry (i, j) is the mean over positions of channel i times channel j."""
    f = np.asarray(features, dtype=float)
    flat = f.reshape(f.shape[:-3] + (-1, f.shape[-1]))
    return np.einsum("...pc,...pd->...cd", flat, flat) / flat.shape[-2]


# --------------------------------------------------------------------------- 1. Gram by hand

#: Exercise 1's feature map, (2, 2, 2): channel 0 is a vertical stroke in the left column,
#: channel 1 is bright in the top row.
FEATURE_MAP = np.stack([np.array([[1.0, 0.0], [1.0, 0.0]]),
                        np.array([[2.0, 2.0], [0.0, 0.0]])], axis=-1)


def _flat(f: np.ndarray) -> np.ndarray:
    return f.reshape(-1, f.shape[-1])


@checker
def check_gram_by_hand(gram: Any) -> CheckResult:
    """The Gram matrix of exercise 1's feature map, computed by hand.

    `gram` is a 2 x 2 array (or nested list): entry (i, j) is the mean over the four positions
    of channel i times channel j.
    """
    what = "Gram matrix of the 2 x 2 feature map"
    if is_stub(gram):
        raise NotDone(what)
    flat = _flat(FEATURE_MAP)
    expected = gram_numpy(FEATURE_MAP)
    centred = flat - flat.mean(axis=0)
    return check_value(
        what, gram, expected,
        hint="Write each channel as a list of its four values (row by row); entry (i, j) is the "
             "mean, over the positions, of channel i times channel j.",
        more="The diagonal holds the mean square of each channel; the off-diagonal entry the "
             "mean of their products, position by position.",
        mistakes=[
            (flat.T @ flat, "That is the sum over the positions (Gatys et al.'s G before the "
                            "normalisation of their Eq. 4): the notebook's gram divides by the "
                            "number of positions."),
            (flat.T @ flat / flat.size, "Divide by the number of positions (4), not by the "
                                        "number of values (positions times channels)."),
            (np.diag(np.diag(expected)), "The off-diagonal entries are not zero: where do the "
                                         "two channels both fire?"),
            (centred.T @ centred / len(flat), "That is the covariance (the means subtracted "
                                              "first): the Gram matrix uses the raw values."),
        ],
    )


# --------------------------------------------------------------------------- 2. diagnosis

#: The letters of the choices (their text is in the notebook).
ROLL_CHOICES = ("a", "b", "c", "d")
ROLL_ANSWER = "b"
_ROLL_HINTS = {
    "a": "Shuffling moves pixels without changing a single value: the mean colour and the "
         "histogram of the image stay exactly the same.",
    "c": "conv1_1, a style layer, comes before any pooling, and its style loss changes too "
         "when you shuffle: no pooling is involved there. Compare the field of conv1_1 with "
         "what a shuffle does to a pixel's neighbours.",
    "d": "The Gram matrix is a mean over positions: it never compares two images position by "
         "position (the rolled texture has no pixel in its old place).",
}


@checker
def check_roll_diagnosis(answer: Any) -> CheckResult:
    """answer: why the rolled texture keeps a near-zero style loss and the shuffled one does not."""
    return one_choice("why rolling keeps the style and shuffling does not", answer,
                      ROLL_CHOICES, ROLL_ANSWER, _ROLL_HINTS,
                      "A 3 x 3 filter reads a pixel together with its neighbours. After a roll, "
                      "which neighbours does each pixel have? After a shuffle?")


# --------------------------------------------------------------------------- 3. the experiment

#: The texture's style loss, measured by the trained network, as a share of the shuffled
#: texture's: a texture must reproduce the arrangement of the style image's colours, not only
#: their histogram (where the bands come from: tests/benchmarks/bands/20_what_a_cnn_sees_part2.md).
TEXTURE_SMOKE = (0.0, 0.3)
TEXTURE_FULL = (0.0, 0.3)
#: The seed of the checker's own shuffle of the style image's pixels.
SHUFFLE_SEED = 0
#: Above this correlation with the photo (grey levels averaged over blocks of 4 x 4 pixels),
#: the photo is still there.
PHOTO_LIKE = 0.5
#: Below this mean absolute pixel difference, the image is a copy of the style image.
COPY_LIKE = 0.02
_TEXTURE_HINT = ("Start from white noise, give the content term the weight 0 and optimise the "
                 "style loss with the trained network, as section 4 optimised the photo.")


def _keras_model(model: Any) -> bool:
    keras = sys.modules.get("keras")  # a Keras model exists only once Keras was imported
    return keras is not None and isinstance(model, keras.Model)


def _image(value: Any, name: str) -> np.ndarray:
    x = as_floats(value)
    if x is not None and x.ndim == 4 and x.shape[0] == 1:
        x = x[0]
    if x is None or x.ndim != 3 or x.shape[-1] != 3 or min(x.shape[:2]) < 16:
        raise Failure(f"{name} must be one RGB image (height, width, 3), got {short(value)}")
    if not (np.all(np.isfinite(x)) and x.min() >= 0 and x.max() <= 1):
        raise Failure(f"{name} must hold pixels in [0, 1]")
    return x.astype(np.float32)


def photo_likeness(image: np.ndarray, photo: np.ndarray, block: int = 4) -> float:
    """Correlation between the grey levels of two images averaged over blocks of
    `block` x `block` pixels (the coarse layout, not the pixel-level speckle); 0 when one of
    them is uniform."""
    def coarse(x: np.ndarray) -> np.ndarray:
        grey = np.asarray(x, dtype=float).mean(axis=-1)
        h, w = (grey.shape[0] // block) * block, (grey.shape[1] // block) * block
        return grey[:h, :w].reshape(h // block, block, w // block, block).mean(axis=(1, 3)).ravel()
    a, b = coarse(image), coarse(photo)
    a, b = a - a.mean(), b - b.mean()
    norm = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / norm) if norm > 1e-12 else 0.0


def style_and_content(model: Any, images: np.ndarray, content: np.ndarray,
                      style: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(style losses, content loss) of each image in `images` (n, h, w, 3), measured with the
    layers STYLE_LAYERS and CONTENT_LAYER of `model`: per style layer (shape (n, layers)) the
    mean squared difference between the Gram matrices (divided by the positions) of the image
    and of `style`; the mean squared difference of the content layer's features from those of
    `content` (shape (n,))."""
    import keras

    layers = [model.get_layer(name).output for name in STYLE_LAYERS + (CONTENT_LAYER,)]
    extractor = keras.Model(model.inputs[0], layers)
    targets = [np.asarray(f) for f in extractor(np.stack([content, style]))]
    outs = [np.asarray(f) for f in extractor(images)]
    style_loss = np.stack([np.mean((gram_numpy(o) - gram_numpy(t[1:2])) ** 2, axis=(1, 2))
                           for o, t in zip(outs[:-1], targets[:-1])], axis=1)
    content_loss = np.mean((outs[-1] - targets[-1][0:1]) ** 2, axis=(1, 2, 3))
    return style_loss, content_loss


@checker
def check_texture(texture: Any, model: Any, content: Any, style: Any) -> CheckResult:
    """Experiment: the style alone, optimised from noise with the trained network.

    `texture` is the image (height, width, 3) in [0, 1] that the style loss alone produced from
    white noise; `model` the trained feature network; `content` and `style` the two images of
    section 1. The checker measures the losses itself.
    """
    what = "style loss of the texture (share of the shuffled texture's)"
    if is_stub(texture):
        raise NotDone(what)
    if not _keras_model(model) or not all(
            name in [layer.name for layer in model.layers] for name in STYLE_LAYERS + (CONTENT_LAYER,)):
        return report(False, f"{what}: expected the trained feature network as second argument.",
                      "Call the checker as in the cell: ex.check_texture(texture, net, content, "
                      "style).")
    try:
        image = _image(texture, "the texture")
        photo, brick = _image(content, "content"), _image(style, "style")
        if image.shape != photo.shape or brick.shape != photo.shape:
            raise Failure(f"the texture and both images must have the same shape, got "
                          f"{image.shape}, {photo.shape} and {brick.shape}")
        shuffled = np.random.default_rng(SHUFFLE_SEED).permutation(
            brick.reshape(-1, 3)).reshape(brick.shape)
        styles, contents = run_limited(lambda: style_and_content(
            model, np.stack([image, photo, brick, shuffled]), photo, brick))
    except Failure as exc:
        return report(False, f"{what}: {exc}.", "Pass the optimised image itself (its pixels as a "
                      "NumPy array), not the painter or its history.")
    layer_shares = styles / np.maximum(styles[1], 1e-30)  # each layer in the photo's unit
    style_share = float(np.mean(layer_shares[0]) / max(np.mean(layer_shares[3]), 1e-30))
    content_share = float(contents[0] / max(contents[2], 1e-30))
    if float(np.mean(np.abs(image - brick))) < COPY_LIKE:
        return report(False, f"{what}: measured {style_share:.4f}, but that is the style image "
                             "itself, not a new texture.", _TEXTURE_HINT)
    likeness = photo_likeness(image, photo)
    if likeness > PHOTO_LIKE:
        return report(False, f"{what}: measured {style_share:.4f}, but its coarse layout "
                             f"correlates with the photo's ({likeness:.2f}; content share "
                             f"{content_share:.2f}): the photo is still there.",
                      _TEXTURE_HINT, "Did the optimisation start from the photo, or keep a "
                      "content weight above 0?")
    return check_band(what, style_share, smoke=TEXTURE_SMOKE, full=TEXTURE_FULL,
                      hint=_TEXTURE_HINT,
                      more="Measured by the trained network, your image is not much closer to "
                           "the style than the style image's own pixels shuffled: did you "
                           "optimise with `net` (not the random control), and for as many steps "
                           "as section 4?")
