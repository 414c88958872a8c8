"""The claims of notebook 28, tested outside the notebook, each in its own Python process
(logical devices and multi-worker strategies must be set up before TensorFlow starts):

- one step under MirroredStrategy on 2 logical CPU devices equals one step on one device, and
  BatchNormalization(synchronized=True) keeps that true where plain batch norm breaks it;
- two MultiWorkerMirroredStrategy workers (the notebook's own worker script, two processes on
  localhost) end on the weights of one process trained on the same global batches;
- a job whose worker is killed, restarted, resumes from its checkpoints and ends on the
  uninterrupted run's weights (the one-process run); a restore without the optimizer's state
  ends elsewhere;
- a `fit` with `BackupAndRestore`, interrupted and called again, ends on an uninterrupted fit's
  weights.

Data: scikit-learn's 8 x 8 handwritten digits (shipped inside the wheel), a small dense model.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from course_utils import workers

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "solutions" / "28_scaling_up.ipynb"
NUM_STEPS, KILL_AT, SAVE_EVERY, BATCH = 24, 15, 8, 32


def _python(code: str, timeout: float = 300) -> str:
    """Run `code` in a new Python (TensorFlow starts fresh there); its stdout."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=timeout, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_mirrored_one_step_equals_one_device_and_sync_batch_norm_keeps_it():
    out = _python("""
        import numpy as np, tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        import keras
        from sklearn.datasets import load_digits
        x, y = load_digits(return_X_y=True)
        x, y = (x[:64] / 16).astype("float32"), y[:64].astype("int32")
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])

        def build(kind):
            keras.utils.set_random_seed(0)
            stack = [keras.Input(shape=(64,)), keras.layers.Dense(32, activation="relu")]
            if kind != "plain":
                stack.append(keras.layers.BatchNormalization(synchronized=kind == "sync"))
            model = keras.Sequential(stack + [keras.layers.Dense(10)])
            model.compile(optimizer=keras.optimizers.SGD(0.1),
                          loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
            return model

        gaps = {}
        for kind in ("plain", "batch_norm", "sync"):
            single = build(kind)
            with strategy.scope():
                mirrored = build(kind)
            for model in (single, mirrored):
                model.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(64), verbose=0)
            gaps[kind] = max(float(np.abs(a - b).max())
                             for a, b in zip(single.get_weights(), mirrored.get_weights()))
        print("GAPS", gaps)
    """)
    gaps = eval(out.split("GAPS ", 1)[1].strip())  # a dict of floats printed by the child
    assert gaps["plain"] < 1e-6 and gaps["sync"] < 1e-6, gaps
    assert gaps["batch_norm"] > 1e-4, gaps


def _worker_script() -> str:
    """The worker of notebook 28: its `%%writefile` cell, without the magic line."""
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    source = next("".join(c["source"]) for c in cells
                  if c["cell_type"] == "code"
                  and "".join(c["source"]).startswith("%%writefile {run_dir}/worker.py"))
    return source.split("\n", 1)[1]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A job folder as the notebook prepares it, the same training in one process (its weights
    every SAVE_EVERY steps), and the notebook's two launches: a job whose worker 1 is killed at
    KILL_AT, then the restarted job (a copy of the checkpoints the kill left is kept for the
    careless restore)."""
    path = tmp_path_factory.mktemp("scaling")
    (path / "worker.py").write_text(_worker_script())
    _python(f"""
        import json, numpy as np, tensorflow as tf, keras
        from sklearn.datasets import load_digits
        x, y = load_digits(return_X_y=True)
        x, y = (x[:512] / 16).astype("float32"), y[:512].astype("int32")
        order = np.concatenate([np.random.default_rng(0).permutation(512) for _ in range(2)])
        np.savez("{path}/data.npz", x=x[order], y=y[order])
        keras.utils.set_random_seed(0)
        keras.mixed_precision.set_dtype_policy("float64")  # as the notebook: a sharp comparison
        keras.Sequential([keras.Input(shape=(64,)), keras.layers.Dense(32, activation="relu"),
                          keras.layers.Dense(10)]).save("{path}/start.keras")
        config = dict(global_batch={BATCH}, seed=0, learning_rate=0.05, num_steps={NUM_STEPS},
                      save_every={SAVE_EVERY})
        open("{path}/config.json", "w").write(json.dumps(config))
        model = keras.models.load_model("{path}/start.keras", compile=False)
        optimizer = keras.optimizers.SGD(0.05, momentum=0.9)
        loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        ds = tf.data.Dataset.from_tensor_slices((x[order], y[order])).batch({BATCH})
        for step, (xb, yb) in enumerate(ds.take({NUM_STEPS}), start=1):
            with tf.GradientTape() as tape:
                loss = loss_fn(yb, model(xb, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            if step % {SAVE_EVERY} == 0:
                np.savez("{path}/one_process_%d.npz" % step, *model.get_weights())
    """)
    crashed = _job(path, "--checkpoints", str(path / "checkpoints"), "--kill-at-step", str(KILL_AT))
    shutil.copytree(path / "checkpoints", path / "careless")
    resumed = _job(path, "--checkpoints", str(path / "checkpoints"))
    assert resumed.ok, resumed.summary() + "\n" + resumed.workers[0].tail(20)
    for task in (0, 1):
        shutil.copy(path / f"weights{task}.npz", path / f"resumed{task}.npz")
    (path / "crashed.json").write_text(json.dumps([w.returncode for w in crashed.workers]))
    (path / "resumed.txt").write_text("\n".join(w.output for w in resumed.workers))
    return path


def _job(path: Path, *options: str) -> workers.JobResult:
    for old in path.glob("weights*.npz"):
        old.unlink()
    return workers.run_workers(path / "worker.py", [str(path), *options], timeout=240,
                               env={"TF_CPP_MIN_LOG_LEVEL": "3"})


def _weights(file: Path) -> list[np.ndarray]:
    arrays = np.load(file)
    return [arrays[f"arr_{k}"] for k in range(len(arrays.files))]


def _gap(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    return max(float(np.abs(x - y).max()) for x, y in zip(a, b))


def test_two_workers_equal_one_process_on_the_same_global_batches(run_dir):
    """Both workers' checkpoints (before the kill and after the restart) against one process
    after the same global batches (in float64, as in the notebook: float32 rounding of the two
    summation orders can grow with training until it hides what is compared)."""
    out = _python(f"""
        import numpy as np, tensorflow as tf, keras
        model = keras.models.load_model("{run_dir}/start.keras", compile=False)
        end = np.load("{run_dir}/one_process_{NUM_STEPS}.npz")
        print("MOVED", max(float(np.abs(a - end[f"arr_{{k}}"]).max())
                           for k, a in enumerate(model.get_weights())))
        for task in (0, 1):
            for step in range({SAVE_EVERY}, {NUM_STEPS} + 1, {SAVE_EVERY}):
                tf.train.Checkpoint(model=model).restore(
                    "{run_dir}/checkpoints/worker%d/ckpt-%d" % (task, step)).expect_partial()
                reference = np.load("{run_dir}/one_process_%d.npz" % step)
                gap = max(float(np.abs(a - reference[f"arr_{{k}}"]).max())
                          for k, a in enumerate(model.get_weights()))
                print("GAP", task, step, gap)
    """)
    gaps = [float(line.split()[3]) for line in out.splitlines() if line.startswith("GAP ")]
    assert len(gaps) == 2 * NUM_STEPS // SAVE_EVERY and max(gaps) <= 1e-6, out
    assert float(out.split("MOVED ")[1].split()[0]) > 1e-3, out  # not merely the start
    # both workers end on the same weights (the all-reduce hands them the same updates)
    assert _gap(_weights(run_dir / "resumed0.npz"), _weights(run_dir / "resumed1.npz")) == 0


def test_resume_after_a_killed_worker_ends_on_the_uninterrupted_weights(run_dir):
    codes = json.loads((run_dir / "crashed.json").read_text())
    assert codes[1] == -9 and codes[0] != 0, codes  # worker 1 killed, worker 0 stopped
    saved = sorted(p.name for p in (run_dir / "careless" / "worker1").iterdir())
    assert saved == ["checkpoint", "ckpt-8.data-00000-of-00001", "ckpt-8.index"], saved
    assert (run_dir / "resumed.txt").read_text().count("starting at step 8") == 2
    for task in (0, 1):  # the one-process run is the uninterrupted training
        assert _gap(_weights(run_dir / f"resumed{task}.npz"),
                    _weights(run_dir / f"one_process_{NUM_STEPS}.npz")) <= 1e-5


def test_resume_without_optimizer_state_is_detected(run_dir):
    careless = _job(run_dir, "--checkpoints", str(run_dir / "careless"), "--drop-optimizer-state")
    assert careless.ok, careless.summary()
    # the same comparison that passes a full restore rejects this one
    assert _gap(_weights(run_dir / "weights0.npz"),
                _weights(run_dir / f"one_process_{NUM_STEPS}.npz")) > 1e-4
    # and the strict restore the worker uses refuses a checkpoint read into fewer objects
    out = _python(f"""
        import tensorflow as tf, keras
        model = keras.models.load_model("{run_dir}/start.keras", compile=False)
        latest = tf.train.latest_checkpoint("{run_dir}/checkpoints/worker0")
        try:
            tf.train.Checkpoint(model=model).restore(latest).assert_consumed()
            print("NOT DETECTED")
        except AssertionError:
            print("DETECTED")
    """)
    assert "DETECTED" in out and "NOT DETECTED" not in out


def test_resume_fit_with_backup_and_restore_ends_on_the_uninterrupted_weights(tmp_path):
    """Section 4's `BackupAndRestore` paragraph: a `fit` interrupted after 2 of 4 epochs and
    called again with a new model runs the last 2 epochs and ends on an uninterrupted fit's
    weights (data in a fixed order)."""
    out = _python(f"""
        import numpy as np, keras
        from sklearn.datasets import load_digits
        x, y = load_digits(return_X_y=True)
        x, y = (x[:256] / 16).astype("float32"), y[:256].astype("int32")

        class Disconnect(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                if epoch == 2:
                    raise RuntimeError("runtime disconnected")

        def fit(callbacks):
            keras.utils.set_random_seed(0)
            model = keras.Sequential([keras.Input(shape=(64,)), keras.layers.Dense(32, activation="relu"),
                                      keras.layers.Dense(10)])
            model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9),
                          loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
            history = model.fit(x, y, batch_size=32, shuffle=False, epochs=4, verbose=0,
                                callbacks=callbacks)
            return model, len(history.history["loss"])

        backup = keras.callbacks.BackupAndRestore(backup_dir="{tmp_path}/backup")
        try:
            fit([backup, Disconnect()])
        except RuntimeError:
            print("INTERRUPTED")
        (resumed, epochs), (uninterrupted, _) = fit([backup]), fit([])
        gap = max(float(np.abs(a - b).max())
                  for a, b in zip(resumed.get_weights(), uninterrupted.get_weights()))
        print("EPOCHS", epochs, "GAP", gap)
    """)
    assert "INTERRUPTED" in out, out
    epochs, gap = int(out.split("EPOCHS ")[1].split()[0]), float(out.split("GAP ")[1].split()[0])
    assert epochs == 2 and gap <= 1e-5, out
