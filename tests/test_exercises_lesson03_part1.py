"""Checkers of notebook 03, part 1, accept correct answers and reject typical wrong ones."""

import numpy as np
import pytest

from course_utils.exercises import lesson03_part1 as ex


def not_implemented(*args):
    raise NotImplementedError()


# --- exercise 1: d max(alpha*x, x) / d alpha -----------------------------------------------

def test_prelu_alpha_grad_correct(capsys):
    assert ex.check_prelu_alpha_grad(lambda x, alpha: np.minimum(0.0, x))
    assert ex.check_prelu_alpha_grad(lambda x, alpha: np.where(x < 0, x, 0.0).astype("float32"))
    assert capsys.readouterr().out.count("[PASS]") == 2


@pytest.mark.parametrize("wrong, message", [
    (lambda x, alpha: np.where(x > 0, 1.0, alpha), "with respect to x"),
    (lambda x, alpha: np.where(x < 0, alpha * x, 0.0), "output on the negative side"),
    (lambda x, alpha: np.maximum(0.0, x), "Wrong side"),
    (lambda x, alpha: (x < 0).astype(float), "is x, not 1"),
    (lambda x, alpha: x, "derivative is 0 there"),
    (lambda x, alpha: np.zeros_like(x), "Differentiate with respect to alpha"),
])
def test_prelu_alpha_grad_wrong(wrong, message, capsys):
    assert not ex.check_prelu_alpha_grad(wrong)
    out = capsys.readouterr().out
    assert out.startswith("[FAIL]") and message in out


def test_prelu_alpha_grad_stub(capsys):
    assert not ex.check_prelu_alpha_grad(not_implemented)
    out = capsys.readouterr().out
    assert "not done yet" in out and "hint" not in out.lower()


# --- exercise 2: two tanh hidden layers ------------------------------------------------------

def test_two_layer_reference_matches_tensorflow():
    tf = pytest.importorskip("tensorflow")
    x, y, params = ex.two_layer_case(3, 8, 4, 5, 6, 3)
    variables = {k: tf.Variable(v) for k, v in params.items()}
    with tf.GradientTape() as tape:
        h1 = tf.tanh(x @ variables["W1"] + variables["b1"])
        h2 = tf.tanh(h1 @ variables["W2"] + variables["b2"])
        logits = h2 @ variables["W3"] + variables["b3"]
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits))
    grads = tape.gradient(loss, variables)
    expected = ex.two_layer_reference(x, y, params)
    for k in params:
        np.testing.assert_allclose(grads[k].numpy(), expected[k], atol=1e-12)


def test_two_layer_gradients_correct(capsys):
    assert ex.check_two_layer_gradients(ex.two_layer_reference)
    assert "[PASS]" in capsys.readouterr().out


@pytest.mark.parametrize("kwargs, message", [
    (dict(hidden_grad="relu"), "ReLU derivative"),
    (dict(average=False), "n times too large"),
    (dict(sum_bias=False), "averaged over the batch"),
    (dict(skip_first_derivative=True), "first tanh layer"),
])
def test_two_layer_gradients_typical_mistakes(kwargs, message, capsys):
    assert not ex.check_two_layer_gradients(
        lambda x, y, params: ex.two_layer_reference(x, y, params, **kwargs))
    assert message in capsys.readouterr().out


def test_two_layer_gradients_other_wrong_answers(capsys):
    def doubled(x, y, params):
        g = ex.two_layer_reference(x, y, params)
        g["W2"] = 2 * g["W2"]
        return g

    assert not ex.check_two_layer_gradients(doubled)
    assert not ex.check_two_layer_gradients(lambda x, y, params: {"W1": 0})
    assert not ex.check_two_layer_gradients(lambda x, y, params: [1, 2, 3])
    out = capsys.readouterr().out
    assert out.count("[FAIL]") == 3 and "['W2']" in out


def test_two_layer_gradients_stub(capsys):
    assert not ex.check_two_layer_gradients(not_implemented)
    assert "not done yet" in capsys.readouterr().out


# --- exercise 3: the experiment ----------------------------------------------------------------

@pytest.fixture(scope="module")
def digits():
    datasets = pytest.importorskip("sklearn.datasets")
    data = datasets.load_digits()
    return (data.data / 16.0).astype("float32"), data.target


def _deep(keras, activation="relu", depth=10, width=32, optimizer="sgd"):
    from keras import layers

    model = keras.Sequential(
        [keras.Input(shape=(64,))]
        + [layers.Dense(width, activation=activation, kernel_initializer="he_normal")
           for _ in range(depth)]
        + [layers.Dense(10, activation="softmax")])
    opt = (keras.optimizers.SGD(learning_rate=0.02, momentum=0.9) if optimizer == "sgd"
           else keras.optimizers.Adam())
    model.compile(optimizer=opt, loss="sparse_categorical_crossentropy")
    return model


def test_deep_network_trained_passes_untrained_fails(digits, capsys):
    keras = pytest.importorskip("keras")
    x, y = digits
    keras.utils.set_random_seed(0)
    model = _deep(keras)
    assert not ex.check_deep_network(model, x[:300], y[:300])
    assert "not been trained" in capsys.readouterr().out
    model.fit(x[300:1400], y[300:1400], batch_size=64, epochs=10, verbose=0)
    assert ex.check_deep_network(model, x[:300], y[:300])
    assert "[PASS]" in capsys.readouterr().out


def test_deep_network_rejects_other_shapes_and_optimizers(capsys):
    keras = pytest.importorskip("keras")
    x = np.zeros((20, 64), dtype="float32")
    y = np.arange(20) % 10
    assert not ex.check_deep_network(_deep(keras, depth=3), x, y)
    assert "keeps 10 hidden layers" in capsys.readouterr().out
    assert not ex.check_deep_network(_deep(keras, optimizer="adam"), x, y)
    assert "uses SGD" in capsys.readouterr().out


def test_deep_network_rejects_bad_arguments(capsys):
    keras = pytest.importorskip("keras")
    model = _deep(keras)
    assert not ex.check_deep_network(model, np.zeros((5, 3)), np.zeros(5))
    assert "x_val" in capsys.readouterr().out
    assert not ex.check_deep_network(model, np.zeros((5, 64)), np.full(5, 12))
    assert "y_val" in capsys.readouterr().out
    assert not ex.check_deep_network("model", np.zeros((5, 64)), np.zeros(5))
    assert "expected a trained Keras model" in capsys.readouterr().out


def test_deep_network_stub(capsys):
    assert not ex.check_deep_network(None, np.zeros((5, 64)), np.zeros(5))
    out = capsys.readouterr().out
    assert "not done yet" in out and "hint" not in out.lower()
