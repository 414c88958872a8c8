"""Checkers of notebook 03, part 2, accept correct answers and reject typical wrong ones."""

import numpy as np
import pytest

from course_utils.exercises import lesson03_part2 as ex


def not_implemented(*args):
    raise NotImplementedError()


# --- exercise 1: the noise law ------------------------------------------------------------------

def minibatch_noise(per_example_grads, batch_size):
    g = np.asarray(per_example_grads, dtype=float)
    n = len(g)
    return np.mean(np.sum((g - g.mean(axis=0)) ** 2, axis=1)) / batch_size * (n - batch_size) / (n - 1)


def test_minibatch_noise_reference_matches_sampling():
    rng = np.random.default_rng(0)
    g = rng.normal(size=(12, 3))
    for b in (1, 5, 12):
        draws = [g[rng.choice(12, size=b, replace=False)].mean(axis=0) for _ in range(20000)]
        measured = np.mean(np.sum((np.array(draws) - g.mean(axis=0)) ** 2, axis=1))
        assert measured == pytest.approx(ex.minibatch_noise_reference(g, b), rel=0.05, abs=1e-12)


def test_minibatch_noise_correct(capsys):
    assert ex.check_minibatch_noise(minibatch_noise)
    assert "[PASS]" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (lambda g, b: ex.minibatch_noise_reference(g, b, replacement=True), "with replacement"),
    (lambda g, b: ex.minibatch_noise_reference(g, b, ddof=1), "not N - 1"),
    (lambda g, b: ex.minibatch_noise_reference(g, 1), "depends on the batch size"),
    (lambda g, b: np.mean((g - g.mean(axis=0)) ** 2) / b * (len(g) - b) / (len(g) - 1),
     "squared norm"),
    (lambda g, b: np.var(g) / b, "Two parts"),
])
def test_minibatch_noise_wrong(wrong, message, capsys):
    assert not ex.check_minibatch_noise(wrong)
    out = capsys.readouterr().out
    assert out.startswith("[FAIL]") and message in out


def test_minibatch_noise_stub(capsys):
    assert not ex.check_minibatch_noise(not_implemented)
    assert "not done yet" in capsys.readouterr().out


# --- exercise 2: pick the width ------------------------------------------------------------------

def pick_width(results, tol):
    best = max(r["val_acc"] for r in results)
    return min(r["width"] for r in results if r["val_acc"] >= best - tol)


def test_pick_width_correct(capsys):
    assert ex.check_pick_width(pick_width)
    assert ex.check_pick_width(lambda results, tol: np.int64(pick_width(results, tol)))
    assert capsys.readouterr().out.count("[PASS]") == 2


@pytest.mark.parametrize("wrong, message", [
    (lambda results, tol: max(results, key=lambda r: r["val_acc"])["width"], "use tol"),
    (lambda results, tol: max(results, key=lambda r: (r["train_acc"], -r["width"]))["width"],
     "follows the training accuracy"),
    (lambda results, tol: min(r["width"] for r in results), "however badly"),
    (lambda results, tol: max(r["width"] for r in results
                              if r["val_acc"] >= max(q["val_acc"] for q in results) - tol),
     "return the smallest"),
    (lambda results, tol: None, "forget `return`"),
    (lambda results, tol: str(pick_width(results, tol)), "got '16'"),
    (lambda results, tol: True, "got a bool"),
])
def test_pick_width_wrong(wrong, message, capsys):
    assert not ex.check_pick_width(wrong)
    out = capsys.readouterr().out
    assert out.startswith("[FAIL]") and message in out


def test_pick_width_stub(capsys):
    assert not ex.check_pick_width(not_implemented)
    assert "not done yet" in capsys.readouterr().out


# --- exercise 3: the experiment ----------------------------------------------------------------

@pytest.fixture(scope="module")
def digits():
    datasets = pytest.importorskip("sklearn.datasets")
    data = datasets.load_digits()
    return (data.data / 16.0).astype("float32"), data.target


def _mlp(keras, optimizer, hidden=32):
    from keras import layers

    model = keras.Sequential([keras.Input(shape=(64,)), layers.Dense(hidden, activation="relu"),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    return model


def test_large_batch_sgd_right_and_wrong(digits, capsys):
    keras = pytest.importorskip("keras")
    x, y = digits
    x_train, y_train, x_val, y_val = x[:1150], y[:1150], x[1150:], y[1150:]
    keras.utils.set_random_seed(0)
    model = _mlp(keras, keras.optimizers.SGD(learning_rate=0.3, momentum=0.9))
    assert not ex.check_large_batch_sgd(model, x_val, y_val, 8)
    assert "not been trained" in capsys.readouterr().out
    model.fit(x_train, y_train, batch_size=256, epochs=8, verbose=0)
    assert ex.check_large_batch_sgd(model, x_val, y_val, 8)
    assert "[PASS]" in capsys.readouterr().out
    assert not ex.check_large_batch_sgd(model, x_val, y_val, 4)   # 40 steps > 4 epochs of 5
    assert "made 40 steps" in capsys.readouterr().out

    slow = _mlp(keras, keras.optimizers.SGD(learning_rate=0.01))
    slow.fit(x_train, y_train, batch_size=256, epochs=8, verbose=0)
    assert not ex.check_large_batch_sgd(slow, x_val, y_val, 8)
    out = capsys.readouterr().out
    assert out.startswith("[FAIL]") and "10 times larger" in out


def test_large_batch_sgd_rejects_other_models(capsys):
    keras = pytest.importorskip("keras")
    x, y = np.zeros((10, 64), dtype="float32"), np.arange(10)
    assert not ex.check_large_batch_sgd(_mlp(keras, "sgd", hidden=64), x, y, 8)
    assert "parameters" in capsys.readouterr().out
    assert not ex.check_large_batch_sgd(_mlp(keras, "adam"), x, y, 8)
    assert "uses SGD" in capsys.readouterr().out
    assert not ex.check_large_batch_sgd(_mlp(keras, "sgd"), x, y, "8")
    assert "num_epochs" in capsys.readouterr().out


def test_large_batch_sgd_stub(capsys):
    assert not ex.check_large_batch_sgd(None, np.zeros((5, 64)), np.zeros(5), 8)
    out = capsys.readouterr().out
    assert "not done yet" in out and "hint" not in out.lower()
