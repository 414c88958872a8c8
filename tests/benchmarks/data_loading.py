"""Benchmark: first (empty cache) and second load time of every dataset (not a test).

    COURSE_DATA_DIR=../shared/data python tests/benchmarks/data_loading.py
"""

from __future__ import annotations

import os
import tempfile
import time

import course_utils


def main() -> None:
    with tempfile.TemporaryDirectory() as cache:
        os.environ["COURSE_CACHE_DIR"] = cache  # cold: nothing decoded yet
        print(f"COURSE_DATA_DIR={os.environ.get('COURSE_DATA_DIR')}")
        for name in course_utils.dataset_names():
            times = []
            for _ in range(2):
                start = time.perf_counter()
                course_utils.load_dataset(name, verbose=False)
                times.append(time.perf_counter() - start)
            print(f"{name:14s} first {times[0]:6.2f} s   second {times[1]:6.2f} s")


if __name__ == "__main__":
    main()
