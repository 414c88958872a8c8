"""Checkers of notebook 28: a right answer passes, each typical wrong answer fails with its
specific hint, an untouched stub hears "not done yet". (The full answers live in the solution
notebook; the compact ones here only prove that the checkers accept right answers.)"""

import numpy as np
import pytest
import tensorflow  # noqa: F401 - imported once here, not inside a checker's time limit

from course_utils.exercises import lesson28 as ex
from tests.checker_asserts import fails as _fails, passes as _passes, stub as _stub


def _todo(checker, *answer, capsys):
    result = checker(*answer)
    out = capsys.readouterr().out
    assert not result and out.startswith("[TODO]") and "not done yet" in out, out
    assert "hint" not in out.lower()


# --------------------------------------------------------------------------- 1. the factor


def test_factor_stub_is_not_done_yet(capsys):
    _todo(ex.check_forgotten_global_batch, None, capsys=capsys)
    _todo(ex.check_forgotten_global_batch, ..., capsys=capsys)


@pytest.mark.parametrize("answer", [2, 2.0, np.float32(2), 64 / 32, np.array(2)])
def test_factor_accepts_the_right_answer(answer, capsys):
    _passes(ex.check_forgotten_global_batch, answer, capsys=capsys)


@pytest.mark.parametrize(("answer", "hint"), [(0.5, "sums the replicas"), (1, "weighs every example"),
                                              (4, "not squared"), (3, "Write one device")])
def test_factor_rejects_wrong_answers(answer, hint, capsys):
    _fails(ex.check_forgotten_global_batch, answer, capsys=capsys, hint=hint)


def test_second_wrong_attempt_gets_another_hint(capsys):
    for _ in range(2):
        ex.check_forgotten_global_batch(3)
    assert "Another hint:" in capsys.readouterr().out.splitlines()[-1]


# --------------------------------------------------------------------------- 2. accumulation


def _accumulate(model, optimizer, loss_fn, x, y, num_micro, share=True):
    """The right answer; with share=False the mistake of summing without each share."""
    import tensorflow as tf

    size = len(x) // num_micro
    weight = 1 / num_micro if share else 1.0
    total = [tf.zeros_like(v) for v in model.trainable_variables]
    for k in range(num_micro):
        with tf.GradientTape() as tape:
            loss = loss_fn(y[k * size:(k + 1) * size], model(x[k * size:(k + 1) * size]))
        total = [t + g * weight for t, g in zip(total, tape.gradient(loss, model.trainable_variables))]
    optimizer.apply_gradients(zip(total, model.trainable_variables))


def _accumulate_mean_of_list(model, optimizer, loss_fn, x, y, num_micro):
    """Written differently: split with NumPy, average the list of gradients at the end."""
    import tensorflow as tf

    grads = []
    for xs, ys in zip(np.array_split(x, num_micro), np.array_split(y, num_micro)):
        with tf.GradientTape() as tape:
            loss = loss_fn(ys, model(xs, training=True))
        grads.append(tape.gradient(loss, model.trainable_variables))
    mean = [tf.add_n(list(g)) / len(grads) for g in zip(*grads)]
    optimizer.apply_gradients(zip(mean, model.trainable_variables))


def _per_micro_batch(model, optimizer, loss_fn, x, y, num_micro):
    import tensorflow as tf

    size = len(x) // num_micro
    for k in range(num_micro):
        with tf.GradientTape() as tape:
            loss = loss_fn(y[k * size:(k + 1) * size], model(x[k * size:(k + 1) * size]))
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables),
                                      model.trainable_variables))


def _summed(*args):
    return _accumulate(*args, share=False)


def _first_micro_batch_only(model, optimizer, loss_fn, x, y, num_micro):
    import tensorflow as tf

    size = len(x) // num_micro
    with tf.GradientTape() as tape:
        loss = loss_fn(y[:size], model(x[:size]))
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables),
                                  model.trainable_variables))


def test_accumulate_stub_is_not_done_yet(capsys):
    _todo(ex.check_accumulate_step, _stub, capsys=capsys)
    _todo(ex.check_accumulate_step, None, capsys=capsys)


@pytest.mark.parametrize("answer", [_accumulate, _accumulate_mean_of_list])
def test_accumulate_accepts_right_answers(answer, capsys):
    _passes(ex.check_accumulate_step, answer, capsys=capsys)


@pytest.mark.parametrize(("answer", "hint"), [
    (_per_micro_batch, "One update per micro-batch"),
    (_summed, "times too large"),
    (_first_micro_batch_only, "weights differ"),
    (lambda *args: None, "did not change"),
    (42, "expected a function"),
])
def test_accumulate_rejects_wrong_answers(answer, hint, capsys):
    _fails(ex.check_accumulate_step, answer, capsys=capsys, hint=hint)


# --------------------------------------------------------------------------- 3. large batch


def test_large_batch_stub_is_not_done_yet(capsys):
    _todo(ex.check_large_batch, None, None, None, 4096, 3, capsys=capsys)


def test_large_batch_rejects_what_is_not_a_model(capsys):
    _fails(ex.check_large_batch, 0.93, np.zeros((100, 28, 28, 1)), np.zeros(100), 4096, 3,
           capsys=capsys, hint="trained model")


def _compiled(rate, momentum=0.9, optimizer="SGD"):
    import keras

    model = keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(10)])
    opt = (keras.optimizers.SGD(rate, momentum=momentum) if optimizer == "SGD"
           else keras.optimizers.Adam(rate))
    model.compile(optimizer=opt, loss="sparse_categorical_crossentropy")
    return model


@pytest.mark.parametrize(("model_args", "hint"), [
    ((0.02,), "rate for a batch of 64"),
    ((0.04,), "square root"),
    ((0.005,), "grows with it"),
    ((0.08, 0.0), "momentum of 0.9"),
    ((0.08, 0.9, "Adam"), "SGD"),
])
def test_large_batch_reads_the_optimizer(model_args, hint, capsys):
    x, y = np.zeros((100, 28, 28, 1), "float32"), np.zeros(100)
    _fails(ex.check_large_batch, _compiled(*model_args), x, y, 4096, 3, capsys=capsys, hint=hint)


def test_large_batch_wants_two_replicas(capsys):
    x, y = np.zeros((100, 28, 28, 1), "float32"), np.zeros(100)
    _fails(ex.check_large_batch, _compiled(0.08), x, y, 4096, 3, capsys=capsys, hint="replica")
