"""Benchmark: the reference recipes the issues compare the notebooks with, run on this machine
(not a test). Each prints its test accuracy and its training time, so that a notebook's
full-profile figures can be set beside them from the same session.

    COURSE_DATA_DIR=../shared/data python tests/benchmarks/reference_recipes.py            # all
    COURSE_DATA_DIR=../shared/data python tests/benchmarks/reference_recipes.py cifar_tf_tutorial

Recipes (each as its source writes it, fed through `course_utils.to_dataset`):

- `fashion_keras_io`, `mnist_keras_io`: keras-io's "Simple MNIST convnet" (two conv/pool
  blocks, dropout 0.5, batch 128, 15 epochs, 10% validation split) on Fashion-MNIST and MNIST;
- `cifar_tf_tutorial`: the TensorFlow "Convolutional Neural Network (CNN)" tutorial on CIFAR-10
  (three conv layers, Dense 64, Adam, 10 epochs);
- `imdb_bigrams_tfidf`: Chollet's bag-of-bigrams TF-IDF model (DLwP 2nd ed., ch. 11:
  TextVectorization(ngrams=2, max_tokens=20000, output_mode="tf_idf"), Dense 16, dropout 0.5,
  RMSprop, 10 epochs, the best epoch on a 5,000-review validation split kept).

Run it alone: other jobs on the machine skew the timings.
"""

from __future__ import annotations

import resource
import sys
import time

import course_utils

cfg = course_utils.setup(seed=42, profile="full")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed_fit(model, *args, **kwargs):
    wall, cpu = time.perf_counter(), cpu_seconds()
    history = model.fit(*args, **kwargs)
    return history, time.perf_counter() - wall, cpu_seconds() - cpu


def keras_io_convnet(name: str) -> tuple[float, float, float]:
    (x_train, y_train), (x_test, y_test) = course_utils.load_dataset(name)
    x_train = x_train.astype("float32")[..., None] / 255.0
    x_test = x_test.astype("float32")[..., None] / 255.0
    y_train, y_test = keras.utils.to_categorical(y_train, 10), keras.utils.to_categorical(y_test, 10)
    num_val = len(x_train) // 10  # validation_split=0.1 takes the last 10%
    keras.utils.set_random_seed(cfg.seed)
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    _, wall, cpu = timed_fit(
        model,
        course_utils.to_dataset(x_train[:-num_val], y_train[:-num_val], batch_size=128, shuffle=True),
        validation_data=course_utils.to_dataset(x_train[-num_val:], y_train[-num_val:], batch_size=128),
        epochs=15, verbose=0)
    _, acc = model.evaluate(course_utils.to_dataset(x_test, y_test, batch_size=512), verbose=0)
    return acc, wall, cpu


def cifar_tf_tutorial() -> tuple[float, float, float]:
    (x_train, y_train), (x_test, y_test) = course_utils.load_dataset("cifar10")
    x_train, x_test = x_train.astype("float32") / 255.0, x_test.astype("float32") / 255.0
    keras.utils.set_random_seed(cfg.seed)
    model = keras.Sequential([
        keras.Input(shape=(32, 32, 3)),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(10),
    ])
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    test_ds = course_utils.to_dataset(x_test, y_test, batch_size=512)
    _, wall, cpu = timed_fit(model, course_utils.to_dataset(x_train, y_train, batch_size=32, shuffle=True),
                             validation_data=test_ds, epochs=10, verbose=0)
    _, acc = model.evaluate(test_ds, verbose=0)
    return acc, wall, cpu


def imdb_bigrams_tfidf() -> tuple[float, float, float]:
    (x_train, y_train), (x_test, y_test) = course_utils.load_dataset("imdb_reviews")
    rng = np.random.default_rng(cfg.seed)
    order = rng.permutation(len(x_train))
    x_train, y_train = [x_train[i] for i in order], np.asarray(y_train)[order]
    x_val, y_val = x_train[-5000:], y_train[-5000:]
    x_train, y_train = x_train[:-5000], y_train[:-5000]
    vectorize = layers.TextVectorization(ngrams=2, max_tokens=20000, output_mode="tf_idf")
    vectorize.adapt(course_utils.to_dataset(x_train, batch_size=256))

    def encoded(x, y, shuffle=False):
        return course_utils.to_dataset(np.asarray(vectorize(np.asarray(x))), y, batch_size=32,
                                       shuffle=shuffle)

    keras.utils.set_random_seed(cfg.seed)
    inputs = keras.Input(shape=(20000,))
    x = layers.Dense(16, activation="relu")(inputs)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    best = keras.callbacks.ModelCheckpoint("/tmp/reference_bigrams.keras", save_best_only=True)
    _, wall, cpu = timed_fit(model, encoded(x_train, y_train, shuffle=True),
                             validation_data=encoded(x_val, y_val), epochs=10,
                             callbacks=[best], verbose=0)
    model = keras.models.load_model("/tmp/reference_bigrams.keras")
    _, acc = model.evaluate(encoded(x_test, y_test), verbose=0)
    return acc, wall, cpu


RECIPES = {
    "fashion_keras_io": lambda: keras_io_convnet("fashion_mnist"),
    "mnist_keras_io": lambda: keras_io_convnet("mnist"),
    "cifar_tf_tutorial": cifar_tf_tutorial,
    "imdb_bigrams_tfidf": imdb_bigrams_tfidf,
}


def main(names: list[str]) -> None:
    unknown = [n for n in names if n not in RECIPES]
    if unknown:
        sys.exit(f"unknown recipe(s) {unknown}; choose from {', '.join(RECIPES)}")
    print(f"{'recipe':22s} {'test acc':>9s} {'fit wall s':>11s} {'fit CPU s':>10s}")
    for name in names or list(RECIPES):
        acc, wall, cpu = RECIPES[name]()
        print(f"{name:22s} {acc:9.4f} {wall:11.1f} {cpu:10.1f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
