"""Benchmark: execute notebooks and print each one's wall time (not a test).

    python tests/benchmarks/notebook_times.py                 # all, smoke profile
    COURSE_PROFILE=full python tests/benchmarks/notebook_times.py notebooks/solutions/04_*.ipynb
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]


def main(paths: list[str]) -> None:
    os.environ.setdefault("COURSE_PROFILE", "smoke")
    notebooks = [Path(p) for p in paths] or sorted((ROOT / "notebooks" / "solutions").glob("*.ipynb"))
    print(f"profile {os.environ['COURSE_PROFILE']}, COURSE_DATA_DIR={os.environ.get('COURSE_DATA_DIR')}")
    total = 0.0
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(nb, timeout=4 * 3600, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        elapsed = time.perf_counter() - start
        total += elapsed
        print(f"{path.name:45s} {elapsed:8.1f} s", flush=True)
    print(f"{'total':45s} {total:8.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
