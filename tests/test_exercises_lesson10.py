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


@pytest.mark.parametrize("checker", [ex.check_bptt_grad_w_hh, ex.check_clip_by_global_norm])
def test_stub_is_not_done_yet(checker, capsys):
    ok, out = _verdict(checker, _stub, capsys=capsys)
    assert not ok and out.startswith("[TODO]") and "not done yet" in out


def test_value_stubs_are_not_done_yet(capsys):
    ok, out = _verdict(ex.check_trained_bound, _TrainedModel(), None, None, capsys=capsys)
    assert not ok and out.startswith("[TODO]") and "Hint" not in out
    ok, out = _verdict(ex.check_trained_bound, None, 1.0, False, capsys=capsys)
    assert not ok and out.startswith("[TODO]")


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
    (lambda s, w, g: ex.reference_grad_w_hh(s, np.asarray(w).T, g), "not its transpose"),
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
    (lambda gs, c: [g * min(1.0, c / sum(np.linalg.norm(h) for h in gs))
                    if any(np.any(h) for h in gs) else g for g in gs], "not the sum of their norms"),
])
def test_clip_rejects_wrong_answers(wrong, hint, capsys):
    ok, out = _verdict(ex.check_clip_by_global_norm, wrong, capsys=capsys)
    assert not ok and out.startswith("[FAIL]") and hint in out, out


# --------------------------------------------------------------------------- trained bound


class _Layer:
    """Stands in for a trained SimpleRNN layer: kernel, recurrent_kernel, bias."""

    cell = object()

    def __init__(self, kernel, recurrent_kernel):
        self.weights = [kernel, recurrent_kernel, np.zeros(recurrent_kernel.shape[0])]

    def get_weights(self):
        return [w.copy() for w in self.weights]


class _TrainedModel:
    def __init__(self, recurrent_kernel=None):
        rng = np.random.default_rng(0)
        if recurrent_kernel is None:  # not symmetric: spectral radius < sigma_max
            recurrent_kernel = np.triu(rng.normal(scale=0.6, size=(6, 6)), 1) + 0.9 * np.eye(6)
        self.layers = [_Layer(rng.normal(size=(4, 6)), recurrent_kernel),
                       type("Dense", (), {"get_weights": lambda self: []})()]


def _sigma(model):
    return np.linalg.svd(model.layers[0].weights[1].T, compute_uv=False)[0]


def test_trained_bound_accepts_right_answers(capsys):
    model = _TrainedModel()
    assert _sigma(model) > 1 > np.max(np.abs(np.linalg.eigvals(model.layers[0].weights[1])))
    for sigma in (np.linalg.norm(model.layers[0].weights[1].T, 2),
                  np.linalg.svd(model.layers[0].weights[1], compute_uv=False).max(),
                  np.sqrt(np.max(np.linalg.eigvalsh(model.layers[0].weights[1] @
                                                    model.layers[0].weights[1].T)))):
        ok, out = _verdict(ex.check_trained_bound, model, sigma, False, capsys=capsys)
        assert ok and out.startswith("[PASS]") and "does not prove" in out, out
    small = _TrainedModel(0.5 * np.eye(6))
    ok, out = _verdict(ex.check_trained_bound, small, 0.5, np.bool_(True), capsys=capsys)
    assert ok and "proves" in out, out


@pytest.mark.parametrize(("answer", "hint"), [
    (lambda w, k: np.max(np.abs(np.linalg.eigvals(w))), "spectral radius"),
    (lambda w, k: np.linalg.norm(w), "Frobenius"),
    (lambda w, k: np.linalg.norm(k, 2), "input matrix"),
    (lambda w, k: np.linalg.svd(w, compute_uv=False)[-1], "smallest singular value"),
    (lambda w, k: 0.1234, "Hint"),
    (lambda w, k: "1.2", "one number"),
])
def test_trained_bound_rejects_wrong_sigmas(answer, hint, capsys):
    model = _TrainedModel()
    kernel, recurrent_kernel, _ = model.layers[0].weights
    ok, out = _verdict(ex.check_trained_bound, model, answer(recurrent_kernel.T, kernel), False,
                       capsys=capsys)
    assert not ok and out.startswith("[FAIL]") and hint in out, out


def test_trained_bound_rejects_wrong_conclusions(capsys):
    model = _TrainedModel()
    ok, out = _verdict(ex.check_trained_bound, model, _sigma(model), True, capsys=capsys)
    assert not ok and "proves nothing" in out, out
    small = _TrainedModel(0.5 * np.eye(6))
    ok, out = _verdict(ex.check_trained_bound, small, 0.5, False, capsys=capsys)
    assert not ok and "does prove vanishing" in out, out
    ok, out = _verdict(ex.check_trained_bound, model, _sigma(model), "no", capsys=capsys)
    assert not ok and "True or False" in out, out
    ok, out = _verdict(ex.check_trained_bound, "model", 1.0, False, capsys=capsys)
    assert not ok and "section 6's trained model" in out, out


# --------------------------------------------------------------------------- experiment


class _Recurrent:
    """Stands in for a forward recurrent layer that returns its last state."""

    cell = object()

    def __init__(self, go_backwards=False, return_sequences=False):
        self.go_backwards, self.return_sequences = go_backwards, return_sequences


class _FakeModel:
    """Predicts from the image part only (a stand-in for a trained network); `quality` is
    the fraction of digits it names right."""

    def __init__(self, quality=1.0, layers=None, num_blank=40):
        self.quality, self.num_blank = quality, num_blank
        self.layers = [_Recurrent()] if layers is None else layers

    def predict(self, ds, verbose=0):
        scores = []
        for batch in ds:
            x = batch.numpy()
            assert x.shape[1] == 28 + self.num_blank and not x[:, 28:].any()
            label = (x[:, :28].sum(axis=(1, 2)) % 10).astype(int)
            wrong = np.arange(len(label)) % 100 >= 100 * self.quality
            scores.append(np.eye(10)[np.where(wrong, (label + 1) % 10, label)])
        return np.concatenate(scores)


def _digits():
    x = np.random.default_rng(0).integers(0, 3, size=(300, 28, 28)).astype("float32")
    return x, (x.sum(axis=(1, 2)) % 10).astype(int)


def test_experiment_remeasures_the_model(capsys):
    pytest.importorskip("tensorflow")
    x, y = _digits()
    ok, out = _verdict(ex.check_blank_rows_experiment, _FakeModel(), x, y, 40, capsys=capsys)
    assert ok and "[PASS]" in out, out
    middle = 0.5 * (max(ex.BLANK_ROWS_BANDS["smoke"][0], ex.BLANK_ROWS_BANDS["full"][0]) + 1)
    ok, out = _verdict(ex.check_blank_rows_experiment, _FakeModel(quality=middle), x, y, 40,
                       capsys=capsys)
    assert ok, out
    low = 0.5 * (ex.CHANCE + min(ex.BLANK_ROWS_BANDS["smoke"][0], ex.BLANK_ROWS_BANDS["full"][0]))
    ok, out = _verdict(ex.check_blank_rows_experiment, _FakeModel(quality=low), x, y, 40,
                       capsys=capsys)
    assert not ok and "expected in" in out and "unchanged" in out, out
    ok, out = _verdict(ex.check_blank_rows_experiment, _FakeModel(quality=0.0), x, y, 40,
                       capsys=capsys)
    assert not ok and "about chance" in out, out


@pytest.mark.parametrize(("layers", "message"), [
    ([], "no recurrent layer"),
    ([_Recurrent(go_backwards=True)], "backwards"),
    ([type("Bidirectional", (), {"forward_layer": None})()], "backwards"),
    ([_Recurrent(return_sequences=True)], "last state"),
])
def test_experiment_checks_that_a_recurrent_network_reads_forward(layers, message, capsys):
    x, y = _digits()
    ok, out = _verdict(ex.check_blank_rows_experiment, _FakeModel(layers=layers), x, y, 40,
                       capsys=capsys)
    assert not ok and message in out, out


def test_experiment_rejects_a_model_of_28_steps(capsys):
    keras = pytest.importorskip("keras")
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.SimpleRNN(4),
                              keras.layers.Dense(10, activation="softmax")])
    x, y = _digits()
    ok, out = _verdict(ex.check_blank_rows_experiment, model, x, y, 40, capsys=capsys)
    assert not ok and "sequences of 28 steps" in out, out


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
