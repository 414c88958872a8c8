"""Checkers of notebook 10: right answers pass, typical wrong answers fail with their hint,
stubs hear "not done yet"."""

import numpy as np
import pytest

from course_utils.exercises import lesson10 as ex


def _stub(*args):
    raise NotImplementedError


def _verdict(checker, *args, capsys):
    result = checker(*args)
    return bool(result), capsys.readouterr().out


@pytest.mark.parametrize("checker", [ex.check_bptt_grad_w_hh, ex.check_clip_by_global_norm,
                                     ex.check_gradient_bound])
def test_stub_is_not_done_yet(checker, capsys):
    ok, out = _verdict(checker, _stub, capsys=capsys)
    assert not ok and out.startswith("[TODO]") and "not done yet" in out


# --------------------------------------------------------------------------- BPTT


def _grad_w_hh(states, W_hh, dL_dhT):
    grads = [dL_dhT]
    for k in range(states.shape[1] - 1, 0, -1):
        grads.append((grads[-1] * (1 - states[:, k] ** 2)) @ W_hh)
    delta = np.stack(grads[::-1], axis=1) * (1 - states**2)
    previous = np.concatenate([np.zeros_like(states[:, :1]), states[:, :-1]], axis=1)
    return np.einsum("nti,ntj->ij", delta, previous)


def test_bptt_accepts_a_right_answer_and_matches_gradient_tape(capsys):
    ok, out = _verdict(ex.check_bptt_grad_w_hh, _grad_w_hh, capsys=capsys)
    assert ok and out.startswith("[PASS]")
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(0)
    W = tf.Variable(rng.normal(scale=0.5, size=(3, 3)))
    x = rng.normal(size=(2, 4, 3))
    v = rng.normal(size=3)
    with tf.GradientTape() as tape:
        h, states = tf.zeros((2, 3), dtype=tf.float64), []
        for t in range(4):
            h = tf.tanh(h @ tf.transpose(W) + x[:, t])
            states.append(h)
        loss = tf.reduce_mean(tf.reduce_sum(h * v, axis=-1))
    expected = tape.gradient(loss, W).numpy()
    states = np.stack([s.numpy() for s in states], axis=1)
    assert np.allclose(_grad_w_hh(states, W.numpy(), np.tile(v / 2, (2, 1))), expected)


@pytest.mark.parametrize(("wrong", "hint"), [
    (lambda s, w, g: _grad_w_hh(s, w, g).T, "transposed"),
    (lambda s, w, g: _grad_w_hh(s, w, g) / len(s), "Sum over the batch"),
    (lambda s, w, g: np.zeros_like(w), "Hint"),
    (lambda s, w, g: "0", "Hint"),
])
def test_bptt_rejects_wrong_answers(wrong, hint, capsys):
    ok, out = _verdict(ex.check_bptt_grad_w_hh, wrong, capsys=capsys)
    assert not ok and out.startswith("[FAIL]") and hint in out, out


def test_bptt_recognises_the_missing_tanh_derivative(capsys):
    def no_tanh(states, W_hh, dL_dhT):
        grads = [dL_dhT]
        for k in range(states.shape[1] - 1, 0, -1):
            grads.append((grads[-1] * (1 - states[:, k] ** 2)) @ W_hh)
        previous = np.concatenate([np.zeros_like(states[:, :1]), states[:, :-1]], axis=1)
        return np.einsum("nti,ntj->ij", np.stack(grads[::-1], axis=1), previous)

    ok, out = _verdict(ex.check_bptt_grad_w_hh, no_tanh, capsys=capsys)
    assert not ok and "tanh derivative" in out


# --------------------------------------------------------------------------- clipping


def _clip(grads, max_norm):
    total = np.sqrt(sum(np.sum(g**2) for g in grads))
    return [g * min(1.0, max_norm / total) if total > 0 else g for g in grads]


def test_clip_accepts_right_answers(capsys):
    ok, out = _verdict(ex.check_clip_by_global_norm, _clip, capsys=capsys)
    assert ok, out
    tf = pytest.importorskip("tensorflow")

    def with_tf(grads, max_norm):
        return [g.numpy() for g in tf.clip_by_global_norm(grads, max_norm)[0]]

    ok, out = _verdict(ex.check_clip_by_global_norm, with_tf, capsys=capsys)
    assert ok, out


@pytest.mark.parametrize(("wrong", "hint"), [
    (lambda gs, c: [g * min(1.0, c / np.linalg.norm(g)) if np.any(g) else g for g in gs],
     "its own norm"),
    (lambda gs, c: [g * c / np.sqrt(sum(np.sum(h**2) for h in gs)) for g in gs], "unchanged"),
    (lambda gs, c: [np.clip(g, -c, c) for g in gs], "clipvalue"),
    (lambda gs, c: gs[0], "one array per gradient"),
    (lambda gs, c: [g * c / np.sqrt(sum(np.sum(h**2) for h in gs)) if np.any(g) else g
                    for g in gs], "Hint"),
])
def test_clip_rejects_wrong_answers(wrong, hint, capsys):
    ok, out = _verdict(ex.check_clip_by_global_norm, wrong, capsys=capsys)
    assert not ok and out.startswith("[FAIL]") and hint in out, out


# --------------------------------------------------------------------------- bound


def test_bound_accepts_right_answers(capsys):
    for right in (lambda w, d: np.linalg.norm(w, 2) ** d,
                  lambda w, d: np.linalg.svd(w, compute_uv=False).max() ** d):
        ok, out = _verdict(ex.check_gradient_bound, right, capsys=capsys)
        assert ok, out


@pytest.mark.parametrize(("wrong", "hint"), [
    (lambda w, d: np.max(np.abs(np.linalg.eigvals(w))) ** d, "spectral radius"),
    (lambda w, d: np.linalg.norm(w) ** d, "Frobenius"),
    (lambda w, d: np.linalg.norm(w, 2) * d, "power"),
    (lambda w, d: np.linalg.norm(w, 2), "per step"),
])
def test_bound_rejects_wrong_answers(wrong, hint, capsys):
    ok, out = _verdict(ex.check_gradient_bound, wrong, capsys=capsys)
    assert not ok and hint in out, out


# --------------------------------------------------------------------------- experiment


class _FakeModel:
    """Predicts from the image part only (a stand-in for a trained network)."""

    def __init__(self, right=True):
        self.right = right

    def predict(self, ds, verbose=0):
        scores = []
        for batch in ds:
            x = batch.numpy()
            assert x.shape[1] == 28 + 40 and not x[:, 28:].any()
            label = (x[:, :28].sum(axis=(1, 2)) % 10).astype(int)
            out = np.eye(10)[label if self.right else (label + 1) % 10]
            scores.append(out)
        return np.concatenate(scores)


def test_experiment_remeasures_the_model(capsys):
    pytest.importorskip("tensorflow")
    x = np.random.default_rng(0).integers(0, 3, size=(300, 28, 28)).astype("float32")
    y = (x.sum(axis=(1, 2)) % 10).astype(int)
    ok, out = _verdict(ex.check_blank_rows_experiment, _FakeModel(), x, y, 40, capsys=capsys)
    assert ok and "[PASS]" in out, out
    ok, out = _verdict(ex.check_blank_rows_experiment, _FakeModel(right=False), x, y, 40,
                       capsys=capsys)
    assert not ok and "expected in" in out and "IRNN" in out, out


def test_experiment_rejects_non_models_and_bad_arrays(capsys):
    x = np.zeros((10, 28, 28), "float32")
    y = np.zeros(10)
    ok, out = _verdict(ex.check_blank_rows_experiment, "model", x, y, 40, capsys=capsys)
    assert not ok and "Keras model" in out
    ok, out = _verdict(ex.check_blank_rows_experiment, _FakeModel(), x[:, :5], y, 40,
                       capsys=capsys)
    assert not ok and "x_test" in out
    ok, out = _verdict(ex.check_blank_rows_experiment, None, x, y, 40, capsys=capsys)
    assert not ok and out.startswith("[TODO]")
