"""The TensorFlow Datasets source, without internet: a tiny prepared TFDS folder read by
the same child process a download uses; the network probes and the child's deadline."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import course_utils
from course_utils import CourseDataError
from course_utils.data import tfds_source
from course_utils.data.__main__ import main as data_cli
from course_utils.data.catalog import DATASETS

from .conftest import ROOT, leftovers, same_examples


def test_load_from_prepared_tfds_dir_then_from_the_cache(monkeypatch, empty_env, tiny_tfds, capsys):
    folder, slices = tiny_tfds
    before = leftovers(folder)
    monkeypatch.setenv("TFDS_DATA_DIR", str(folder))
    (x_train, y_train), (x_test, y_test) = course_utils.load_dataset("mnist")
    assert x_train.shape[1:] == (28, 28) and x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert same_examples((x_train, y_train), slices["mnist"][0])
    assert same_examples((x_test, y_test), slices["mnist"][1])
    assert "TFDS data dir" in capsys.readouterr().out
    assert (empty_env / "mnist.npz").is_file() and "mnist.npz" in (empty_env / "SHA256SUMS").read_text()
    assert leftovers(empty_env) == [] and leftovers(folder) == before
    # Second load: from the course cache, without tfds (a removed TFDS folder is not needed).
    monkeypatch.setenv("TFDS_DATA_DIR", str(empty_env.parent / "gone"))
    (x2, _), _ = course_utils.load_dataset("mnist")
    assert np.array_equal(x2, x_train) and "[cache, checked]" in capsys.readouterr().out


def test_cli_download_all_to_dir_then_verify(monkeypatch, tmp_path, tiny_tfds, capsys):
    """The instructor's command, through tfds (here from a prepared folder: no network),
    writes a folder that serves as COURSE_DATA_DIR and passes `verify`."""
    folder, slices = tiny_tfds
    monkeypatch.setenv("TFDS_DATA_DIR", str(folder))
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    target = tmp_path / "classroom"
    assert data_cli(["download", "--all", "--to", str(target)]) == 0
    out = capsys.readouterr().out
    assert "[OK] cifar10" in out and "COURSE_DATA_DIR" in out
    assert sorted(p.name for p in target.iterdir()) == [
        "SHA256SUMS", "cifar10.npz", "fashion_mnist.npz", "imdb_reviews.npz", "mnist.npz"]
    assert data_cli(["verify", "--dir", str(target)]) == 0
    assert out.count("[OK]") >= 4
    monkeypatch.setenv("COURSE_DATA_DIR", str(target))
    (x, y), (xt, yt) = course_utils.load_dataset("cifar10", verbose=False)
    assert y.shape == (len(x), 1) and same_examples((x, y), slices["cifar10"][0])
    (texts, labels), _ = course_utils.load_dataset("imdb_reviews", verbose=False)
    assert isinstance(texts[0], str) and same_examples((texts, labels), slices["imdb_reviews"][0])


def test_incomplete_tfds_dir_is_a_clear_error(monkeypatch, empty_env, tmp_path):
    broken = tmp_path / "tfds-broken"
    (broken / "mnist" / "3.0.1").mkdir(parents=True)
    (broken / "mnist" / "3.0.1" / "dataset_info.json").write_text("{not json")
    monkeypatch.setenv("TFDS_DATA_DIR", str(broken))
    with pytest.raises(CourseDataError, match="TensorFlow Datasets could not read mnist") as err:
        course_utils.load_dataset("mnist", verbose=False)
    assert "COURSE_DATA_DIR" in str(err.value) and not (empty_env / "mnist.npz").exists()


def test_child_is_killed_at_its_deadline_and_leaves_nothing(monkeypatch, tmp_path, tiny_tfds):
    folder, _ = tiny_tfds
    out = tmp_path / "out"
    out.mkdir()
    before = leftovers(folder)
    start = time.monotonic()
    with pytest.raises(CourseDataError, match="did not finish mnist within 1 s"):
        tfds_source.run_tfds([DATASETS["mnist"]], folder, out, download=False, deadline=1.0,
                             quiet=True)
    assert time.monotonic() - start < 3.0  # importing TensorFlow alone takes longer
    assert list(out.iterdir()) == [] and leftovers(folder) == before


def test_offline_fails_within_a_second_with_the_classroom_recipe(empty_env, monkeypatch):
    import socket

    def hang(*args, **kwargs):  # a name lookup or connect that never answers
        time.sleep(30)
        raise OSError("gave up")

    monkeypatch.setattr(socket, "create_connection", hang)
    start = time.perf_counter()
    with pytest.raises(CourseDataError) as err:
        course_utils.load_dataset("cifar10")
    assert time.perf_counter() - start < 1.0
    message = str(err.value)
    assert "no answer within" in message and "COURSE_DATA_DIR" in message
    assert "download --all --to DIR" in message and "TFDS_DATA_DIR" in message
    assert "../shared" not in message


def test_offline_probe_imports_no_tensorflow(tmp_path):
    code = textwrap.dedent("""
        import sys, time
        import course_utils
        try:
            course_utils.load_dataset("mnist")
        except course_utils.CourseDataError as exc:
            print("FAILED:", exc)
        print("TF:", "tensorflow" in sys.modules, "TFDS:", "tensorflow_datasets" in sys.modules)
    """)
    env = _child_env(tmp_path, https_proxy="http://127.0.0.1:9")  # port 9: refused at once
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, timeout=60)
    assert "FAILED: Cannot load 'mnist'" in result.stdout
    assert "TF: False TFDS: False" in result.stdout


def _child_env(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
           and k not in ("COURSE_DATA_DIR",)}
    env.update(COURSE_CACHE_DIR=str(tmp_path / "cache"), TFDS_DATA_DIR=str(tmp_path / "tfds"),
               PYTHONPATH=str(ROOT), **extra)
    return env


def test_stalling_proxy_fails_within_20_s_of_interpreter_start(tmp_path, stalling_proxy):
    """A proxy that accepts and never answers, or trickles a byte every 0.5 s."""
    env = _child_env(tmp_path, https_proxy=stalling_proxy, http_proxy=stalling_proxy)
    code = "import course_utils; course_utils.load_dataset('cifar10')"
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, timeout=60)
    elapsed = time.monotonic() - start
    assert elapsed < 20.0, f"took {elapsed:.1f} s"
    assert result.returncode != 0
    assert "CourseDataError" in result.stderr and "did not answer within" in result.stderr
    assert "COURSE_DATA_DIR" in result.stderr
    assert leftovers(tmp_path / "cache") == []


def test_cli_download_offline_says_what_to_do(empty_env, monkeypatch, capsys):
    import course_utils.data.__main__ as cli

    monkeypatch.setattr(cli, "network_problem", lambda: "storage.googleapis.com: refused")
    assert data_cli(["download", "--all", "--to", str(empty_env / "out")]) == 1
    err = capsys.readouterr().err
    assert "needs internet" in err and "COURSE_DATA_DIR" in err and "refused" in err
    assert "Cannot load" not in err and "download --all" not in err


def test_download_deadline_scales_and_can_be_set(monkeypatch):
    infos = [DATASETS["mnist"], DATASETS["cifar10"]]
    assert tfds_source.download_deadline(infos) > tfds_source.download_deadline(infos[:1]) > 60
    monkeypatch.setenv("COURSE_DOWNLOAD_TIMEOUT", "1800")
    assert tfds_source.download_deadline(infos) == 1800
    monkeypatch.setenv("COURSE_DOWNLOAD_TIMEOUT", "soon")
    with pytest.raises(CourseDataError, match="seconds"):
        tfds_source.download_deadline(infos)


def test_catalog_names_a_tfds_builder_for_every_dataset():
    for name, info in DATASETS.items():
        assert info.tfds_name and info.local_files[0].endswith(".npz"), name
