"""The course cache under hostile conditions: races, planted links, killed processes,
a damaged decoded cache. Nothing temporary or locked is left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import course_utils
from course_utils.data.catalog import DATASETS

from .conftest import ROOT, leftovers, small_cifar_members, small_imdb_members, tar_gz

LOAD = "import course_utils; (x, y), _ = course_utils.load_dataset('{name}', verbose=False); print(len(x))"


def _env(data, cache) -> dict:
    env = dict(os.environ, COURSE_DATA_DIR=str(data), COURSE_CACHE_DIR=str(cache),
               PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1")
    # The children see the small archives' counts through this hook of the test suite.
    return env


_PATCH = ("import dataclasses, course_utils.data.catalog as c; "
          "c.DATASETS['{name}'] = dataclasses.replace(c.DATASETS['{name}'], class_counts={counts}); ")


def _child_code(name: str) -> str:
    counts = (2, 1) if name == "cifar10" else (3, 2)
    return _PATCH.format(name=name, counts=counts) + LOAD.format(name=name)


@pytest.mark.parametrize("name", ["cifar10", "imdb_reviews"])
def test_five_processes_racing_into_one_empty_cache(data_env, small_counts, name):
    data, cache = data_env
    filename = DATASETS[name].local_files[-1]
    members = small_cifar_members() if name == "cifar10" else small_imdb_members()
    (data / filename).write_bytes(tar_gz(members))
    procs = [subprocess.Popen([sys.executable, "-c", _child_code(name)], env=_env(data, cache),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(5)]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 5, [r[1][-300:] for r in results]
    assert {r[0].strip() for r in results} == {"20" if name == "cifar10" else "6"}
    assert leftovers(cache) == []
    assert len(list((cache / "decoded").iterdir())) == 1
    (x, _), _ = course_utils.load_dataset(name, verbose=False)  # the cache is usable
    assert len(x) == (20 if name == "cifar10" else 6)


def test_process_killed_mid_decode_leaves_a_usable_cache(data_env, small_counts):
    data, cache = data_env
    (data / "cifar10_jpg.tar.gz").write_bytes(tar_gz(small_cifar_members()))
    for delay in (0.3, 1.0, 2.0):  # kill at different stages (start-up, decode, write)
        proc = subprocess.Popen([sys.executable, "-c", _child_code("cifar10")],
                                env=_env(data, cache), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    # A temporary file of a killed writer may exist now; a stale one is planted for sure.
    (cache / "decoded").mkdir(parents=True, exist_ok=True)
    stale = cache / "decoded" / ".cifar10-0.npz.999999.abcd.tmp.npz"
    stale.write_bytes(b"partial")
    (x, y), _ = course_utils.load_dataset("cifar10", verbose=False)
    assert x.shape == (20, 32, 32, 3) and y.shape == (20, 1)
    course_utils.load_dataset("cifar10", verbose=False)
    assert leftovers(cache) == []


def test_a_planted_link_in_the_cache_is_not_followed(data_env, small_counts, tmp_path, monkeypatch):
    data, cache = data_env
    (data / "cifar10_jpg.tar.gz").write_bytes(tar_gz(small_cifar_members()))
    victim = tmp_path / "victim"
    victim.mkdir()
    cache.mkdir()
    (cache / "decoded").symlink_to(victim, target_is_directory=True)
    (x, _), _ = course_utils.load_dataset("cifar10", verbose=False)  # loads, without caching
    assert len(x) == 20 and list(victim.iterdir()) == []
    # A planted cache file that is a link is neither read nor written through.
    (cache / "decoded").unlink()
    target = tmp_path / "elsewhere.npz"
    target.write_bytes(b"not yours")
    (cache / "mnist.npz").symlink_to(target)
    import course_utils.data.loader as loader

    monkeypatch.delenv("COURSE_DATA_DIR")
    monkeypatch.setattr(loader, "network_problem", lambda: "offline (test)")
    with pytest.raises(course_utils.CourseDataError):  # the link is not a source; offline
        course_utils.load_dataset("mnist", verbose=False)
    assert target.read_bytes() == b"not yours" and (cache / "mnist.npz").is_symlink()


@pytest.mark.parametrize("damage", ["garbage", "wrong_dtype", "missing_class"])
def test_damaged_decoded_cache_is_rebuilt(data_env, small_counts, damage):
    data, cache = data_env
    (data / "cifar10_jpg.tar.gz").write_bytes(tar_gz(small_cifar_members()))
    (x1, y1), _ = course_utils.load_dataset("cifar10", verbose=False)
    [entry] = list((cache / "decoded").iterdir())
    if damage == "garbage":
        entry.write_bytes(b"\x00" * 100)
    else:
        with np.load(entry) as f:
            arrays = {k: f[k] for k in f.files}
        if damage == "wrong_dtype":
            arrays["x_train"] = arrays["x_train"].astype(np.float32)
        else:
            arrays["y_train"] = np.zeros_like(arrays["y_train"])
        with open(entry, "wb") as out:
            np.savez(out, **arrays)
    (x2, y2), _ = course_utils.load_dataset("cifar10", verbose=False)
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    assert leftovers(cache) == []


def test_damaged_cache_file_is_dropped_and_reported(monkeypatch, tmp_path):
    """A course cache file (as tfds writes it) that no longer matches its sum is removed;
    with no other source the error says what to do."""
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    monkeypatch.setenv("COURSE_CACHE_DIR", str(cache))
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    (cache / "mnist.npz").write_bytes(b"damaged")
    (cache / "SHA256SUMS").write_text("0" * 64 + "  mnist.npz\n")
    import course_utils.data.loader as loader

    monkeypatch.setattr(loader, "network_problem", lambda: "offline (test)")
    with pytest.raises(course_utils.CourseDataError, match="offline \\(test\\)"):
        course_utils.load_dataset("mnist", verbose=False)
    assert not (cache / "mnist.npz").exists() and "mnist.npz" not in (cache / "SHA256SUMS").read_text()
    assert leftovers(cache) == []
