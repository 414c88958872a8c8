"""Wrong models of notebook 19's experiment `check_dilated_unet`: section 4's 2-level U-Net
widened by dilated convolutions at its bottleneck (two poolings, a receptive field at least
the 3-level U-Net's), trained on the digit canvases as section 4 trains the U-Nets."""

from __future__ import annotations

from typing import Any

from . import passed_back, seeded


def _train(ns: dict[str, Any], model: Any) -> Any:
    """Compile and fit `model` as the notebook's train_segmenter does; return it."""
    ns["train_segmenter"](model, ns["x_train"], ns["y_train"])
    return model


def _dilated(ns: dict[str, Any], dilations: tuple[int, ...] = (2, 4)) -> Any:
    """A seeded 2-level U-Net with dilated blocks at the bottleneck (the solution's shape)."""
    keras = seeded(ns)
    layers, conv_block = keras.layers, ns["conv_block"]
    inputs = keras.Input(shape=(None, None, 1))
    x, skips = inputs, []
    for level in range(2):
        x = conv_block(x, 16 * 2**level)
        skips.append(x)
        x = layers.MaxPooling2D(2)(x)
    for dilation in dilations:
        x = conv_block(x, 64, dilation=dilation)
    for level in reversed(range(2)):
        x = layers.Conv2DTranspose(16 * 2**level, 2, strides=2)(x)
        x = layers.Concatenate()([x, skips[level]])
        x = conv_block(x, 16 * 2**level)
    outputs = layers.Conv2D(11, 1, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=ns["make_optimizer"](len(ns["x_train"])),
                  loss=ns["segmentation_loss"])
    return model


def untrained(ns: dict[str, Any]) -> Any:
    """The solution's structure, compiled, never fit."""
    return _dilated(ns)


shallow_unet = passed_back(
    "unet_1", "Section 4's 1-level U-Net (receptive field 9), trained: the shallow end of the "
              "section's comparison.")

deep_unet = passed_back(
    "unet_3", "Section 4's 3-level U-Net, trained: the wider view reached by a third pooling, "
              "the structure the exercise rules out.")


def not_dilated(ns: dict[str, Any]) -> Any:
    """The baseline the exercise changes: the solution's network with its dilations set to 1
    (build_unet(levels=2) with a second bottleneck block), trained; field below unet_3's."""
    seeded(ns)
    return _train(ns, _dilated(ns, dilations=(1, 1)))


EXPERIMENTS = {
    "check_dilated_unet": {
        "untrained": untrained,
        "shallow_unet": shallow_unet,
        "deep_unet": deep_unet,
        "not_dilated": not_dilated,
    },
}
