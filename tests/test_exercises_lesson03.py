"""Checkers of notebook 03 accept correct answers and reject typical wrong ones."""

import numpy as np
import pytest

from course_utils.exercises import lesson03 as ex


def not_implemented(*args):
    raise NotImplementedError  # your code here


# --- exercise 1: d max(alpha*x, x) / d alpha -------------------------------------------

def test_prelu_alpha_grad_correct(capsys):
    assert ex.check_prelu_alpha_grad(lambda x, alpha: np.where(x < 0, x, 0.0))
    assert ex.check_prelu_alpha_grad(lambda x, alpha: np.minimum(0.0, x))
    assert "[PASS]" in capsys.readouterr().out


@pytest.mark.parametrize("wrong", [
    lambda x, alpha: np.where(x > 0, 1.0, alpha),  # derivative with respect to x
    lambda x, alpha: x,  # forgets the positive side
    lambda x, alpha: np.maximum(0.0, x),  # the wrong side
    lambda x, alpha: np.where(x < 0, alpha * x, 0.0),  # the output, not its derivative
    lambda x, alpha: (x < 0).astype(float),  # an indicator, not x
])
def test_prelu_alpha_grad_wrong(wrong, capsys):
    assert not ex.check_prelu_alpha_grad(wrong)
    assert "[FAIL]" in capsys.readouterr().out


def test_prelu_alpha_grad_stub(capsys):
    assert not ex.check_prelu_alpha_grad(not_implemented)
    assert "not implemented yet" in capsys.readouterr().out


# --- exercise 2: gradients of a tanh hidden layer + softmax ----------------------------

def tanh_mlp_gradients(x, y, params):
    n = len(x)
    z_h = x @ params["W_h"] + params["b_h"]
    h = np.tanh(z_h)
    z_o = h @ params["W_o"] + params["b_o"]
    z_o = z_o - z_o.max(axis=1, keepdims=True)
    p = np.exp(z_o) / np.exp(z_o).sum(axis=1, keepdims=True)
    dz_o = (p - np.eye(p.shape[1])[y]) / n
    dz_h = (dz_o @ params["W_o"].T) * (1 - h**2)
    return {"W_h": x.T @ dz_h, "b_h": dz_h.sum(axis=0), "W_o": h.T @ dz_o, "b_o": dz_o.sum(axis=0)}


def test_tanh_mlp_gradients_correct(capsys):
    assert ex.check_tanh_mlp_gradients(tanh_mlp_gradients)
    assert "[PASS]" in capsys.readouterr().out


def test_tanh_mlp_gradients_matches_tensorflow():
    tf = pytest.importorskip("tensorflow")
    x, y, params = ex._gradient_case(3, 8, 4, 5, 3)
    variables = {k: tf.Variable(v) for k, v in params.items()}
    with tf.GradientTape() as tape:
        h = tf.tanh(x @ variables["W_h"] + variables["b_h"])
        logits = h @ variables["W_o"] + variables["b_o"]
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits))
    grads = tape.gradient(loss, variables)
    expected = ex.tanh_mlp_reference(x, y, params)
    for k in params:
        np.testing.assert_allclose(grads[k].numpy(), expected[k], atol=1e-12)


@pytest.mark.parametrize("kwargs, message", [
    (dict(hidden_grad="relu"), "ReLU derivative"),
    (dict(average=False), "n times too large"),
    (dict(sum_bias=False), "averaged over the batch"),
])
def test_tanh_mlp_gradients_typical_mistakes(kwargs, message, capsys):
    assert not ex.check_tanh_mlp_gradients(
        lambda x, y, params: ex.tanh_mlp_reference(x, y, params, **kwargs))
    assert message in capsys.readouterr().out


def test_tanh_mlp_gradients_other_wrong_answers(capsys):
    def transposed(x, y, params):
        g = tanh_mlp_gradients(x, y, params)
        g["W_o"] = g["W_o"] * 2
        return g

    assert not ex.check_tanh_mlp_gradients(transposed)
    assert not ex.check_tanh_mlp_gradients(lambda x, y, params: {"W_h": 0})
    assert not ex.check_tanh_mlp_gradients(lambda x, y, params: [1, 2, 3, 4])
    out = capsys.readouterr().out
    assert out.count("[FAIL]") == 3


def test_tanh_mlp_gradients_stub(capsys):
    assert not ex.check_tanh_mlp_gradients(not_implemented)
    assert "not implemented yet" in capsys.readouterr().out


# --- exercise 3: Nesterov momentum step --------------------------------------------------

def nesterov_step(w, velocity, grad, lr, momentum):
    velocity = momentum * velocity - lr * grad
    return w + momentum * velocity - lr * grad, velocity


def test_nesterov_step_correct(capsys):
    assert ex.check_nesterov_step(nesterov_step)
    assert "[PASS]" in capsys.readouterr().out


def test_nesterov_step_matches_keras_sgd():
    keras = pytest.importorskip("keras")
    w = keras.Variable(np.array([1.0, -2.0], dtype="float32"))
    optimizer = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True)
    w_np, v_np = np.array([1.0, -2.0]), np.zeros(2)
    for grad in (np.array([0.5, -1.0]), np.array([0.2, 0.3]), np.array([-0.7, 0.1])):
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(grad.astype("float32")), w)])
        w_np, v_np = nesterov_step(w_np, v_np, grad, 0.1, 0.9)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(w), w_np, atol=1e-6)


def classical(w, v, g, lr, mu):
    v = mu * v - lr * g
    return w + v, v


@pytest.mark.parametrize("wrong, message", [
    (classical, "classical momentum"),
    (lambda w, v, g, lr, mu: (w - lr * g, v), "ignores the velocity"),
    (lambda w, v, g, lr, mu: (nesterov_step(w, v, g, lr, mu)[0], v), "velocity was not updated"),
    (lambda w, v, g, lr, mu: (w - lr * (mu * (mu * v + g) + g), mu * v + g), "expected"),  # other convention
    (lambda w, v, g, lr, mu: (w + mu * v + lr * g, mu * v + lr * g), "expected"),  # sign error
    (lambda w, v, g, lr, mu: nesterov_step(w, v, g, lr, mu)[0], "return the pair"),
])
def test_nesterov_step_wrong(wrong, message, capsys):
    assert not ex.check_nesterov_step(wrong)
    assert message in capsys.readouterr().out


def test_nesterov_step_stub(capsys):
    assert not ex.check_nesterov_step(not_implemented)
    assert "not implemented yet" in capsys.readouterr().out


# --- exercise 4: pick the width ------------------------------------------------------------

def pick_width(results, tol=0.01):
    best = max(r["val_acc"] for r in results)
    return min(r["width"] for r in results if r["val_acc"] >= best - tol)


def test_pick_width_correct(capsys):
    assert ex.check_pick_width(pick_width)
    assert "[PASS]" in capsys.readouterr().out


@pytest.mark.parametrize("wrong", [
    lambda results, tol=0.01: max(results, key=lambda r: r["val_acc"])["width"],  # ignores tol
    lambda results, tol=0.01: max(results, key=lambda r: (r["train_acc"], -r["width"]))["width"],
    lambda results, tol=0.01: min(r["width"] for r in results),  # the smallest model
    lambda results, tol=0.01: max(r["width"] for r in results
                                  if r["val_acc"] >= max(q["val_acc"] for q in results) - tol),
    lambda results, tol=0.01: None,
])
def test_pick_width_wrong(wrong, capsys):
    assert not ex.check_pick_width(wrong)
    assert "[FAIL]" in capsys.readouterr().out


def test_pick_width_stub(capsys):
    assert not ex.check_pick_width(not_implemented)
    assert "not implemented yet" in capsys.readouterr().out
