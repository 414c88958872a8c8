"""Benchmark: NumPy work of the size the notebooks do (backprop by hand, small matrix
products in a loop) with BLAS limited to one thread (what setup() does) vs BLAS's default,
idle and with the cores loaded by two busy processes, as when TensorFlow trains or other
jobs run (not a test).

    python tests/benchmarks/blas_threads.py
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits


def workload(steps: int = 400) -> float:
    """An MLP trained by hand in NumPy: 256 x 64 inputs, 128 hidden units."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 64))
    y = rng.normal(size=(256, 1))
    w1, w2 = rng.normal(size=(64, 128)) * 0.1, rng.normal(size=(128, 1)) * 0.1
    start = time.perf_counter()
    for _ in range(steps):
        h = np.tanh(x @ w1)
        err = h @ w2 - y
        g2 = h.T @ err / len(x)
        g1 = x.T @ ((err @ w2.T) * (1 - h**2)) / len(x)
        w1 -= 0.01 * g1
        w2 -= 0.01 * g2
    return time.perf_counter() - start


def _busy(stop) -> None:
    while not stop.is_set():
        sum(i * i for i in range(10_000))


def measure(label: str) -> None:
    default = min(workload() for _ in range(3))
    with threadpool_limits(limits=1, user_api="blas"):
        single = min(workload() for _ in range(3))
    print(f"{label:28s} default BLAS threads {default:6.2f} s   1 thread {single:6.2f} s   "
          f"ratio {default / single:4.1f}x")


def main() -> None:
    blas = [(i["internal_api"], i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas"]
    print(f"cores {os.cpu_count()}, BLAS {blas}")
    measure("idle machine")
    stop = mp.Event()
    load = [mp.Process(target=_busy, args=(stop,)) for _ in range(2)]
    for p in load:
        p.start()
    try:
        measure("2 busy processes")
    finally:
        stop.set()
        for p in load:
            p.join()


if __name__ == "__main__":
    main()
