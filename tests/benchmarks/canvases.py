"""Benchmark: time to build 20,000 digit canvases (64x64, 1-3 digits, sides 20-32) from
MNIST, the MNIST load included and on its own, best and median of 5 runs (not a test).

    COURSE_DATA_DIR=../shared/data python tests/benchmarks/canvases.py
"""

from __future__ import annotations

import os
import statistics
import time

import numpy as np

import course_utils
from course_utils.canvases import make_canvases

N = 20_000
RUNS = 5


def timed(build) -> list[float]:
    times = []
    for seed in range(RUNS):
        start = time.perf_counter()
        build(seed)
        times.append(time.perf_counter() - start)
    return times


def report(label: str, times: list[float]) -> None:
    print(f"{label:50s} best {min(times):5.2f} s   median {statistics.median(times):5.2f} s")


def main() -> None:
    print(f"COURSE_DATA_DIR={os.environ.get('COURSE_DATA_DIR')}, {os.cpu_count()} cores, "
          f"{N:,} canvases, {RUNS} runs")
    train, _ = course_utils.load_dataset("mnist", verbose=False)
    report("load MNIST only", timed(lambda seed: course_utils.load_dataset("mnist", verbose=False)))
    report("make_canvases('train', ...) incl. loading", timed(
        lambda seed: make_canvases("train", N, seed=seed)))
    report("make_canvases(..., digits=(x, y))", timed(
        lambda seed: make_canvases("train", N, seed=seed, digits=train)))
    report("  ... max_overlap=0", timed(
        lambda seed: make_canvases("train", N, seed=seed, digits=train, max_overlap=0.0)))
    report("  ... size=128, num_digits=(3, 6), scale=(20, 48)", timed(
        lambda seed: make_canvases("train", N, seed=seed, digits=train, size=128,
                                   num_digits=(3, 6), scale=(20, 48))))
    c = make_canvases("train", N, seed=0, digits=train)
    print(f"digits per canvas (defaults, seed 0): {np.bincount(c.counts)[1:].tolist()} "
          f"for 1, 2, 3 digits")


if __name__ == "__main__":
    main()
